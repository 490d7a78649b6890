//! A vendor certifies its implementation: a strict run of every check of the chosen vendors
//! and an evidence bundle. The reference is certified; a mutant is not, with the failing
//! evidence on the page; a missing fixture leaves checks untested, which is not certified
//! either; a bundle with one byte changed fails verification; a hostile target's answers
//! cannot put markup on the page; partial bundles merge only when they are parts of one
//! certification.

#![cfg(feature = "http")]

mod common;

use std::path::{Path, PathBuf};

use common::{reference, scratch, specs, SEED};
use confuzz::certify::{self, Certification, CertifyOptions, Manifest};
use confuzz::reference::{Config, Reference};
use confuzz::report::run::Redactor;
use confuzz::run::{CheckKind, RowVerdict, RunReport};
use confuzz::serve::{spawn_server, ServeOptions};
use confuzz::spec::SpecSet;
use confuzz::{FnTarget, HttpTarget, Request, Response, Target};
use serde_json::{Map, Value};

/// A few cases per row keep these runs short; the rule does not depend on the count.
const CASES: u32 = 3;

fn set_of(vendors: &[&str]) -> SpecSet {
    let names: Vec<String> = vendors.iter().map(|v| v.to_string()).collect();
    specs().only_vendors(&names).expect("shipped vendors")
}

/// Certifies `vendors` of the shipped specs against `target` and writes the bundle to `dir`.
fn certify_into(
    dir: &Path,
    vendors: &[&str],
    target: &dyn Target,
    fixtures: &Map<String, Value>,
    url_base: &str,
    seed: u64,
) -> (RunReport, Manifest) {
    let set = set_of(vendors);
    let mut options = CertifyOptions::new(vendors.iter().map(|v| v.to_string()).collect(), seed);
    options.cases = CASES;
    let host = url_base.strip_prefix("http://").unwrap_or("localhost");
    let run_options = options.run_options(url_base, Some(host), None);
    let report =
        confuzz::run::run(&set, target, fixtures, &run_options, &|_| {}).expect("the run goes on");
    let specs = certify::spec_files(&specs(), None).expect("embedded specs hash");
    let manifest = Manifest::new(
        "Example Product 1.2.3",
        &report,
        options,
        specs,
        "http://127.0.0.1:8080",
        "2026-01-01T00:00:00Z",
    );
    let redactor = Redactor::new(&set, fixtures);
    let manifest = certify::write(dir, &report, manifest, &set, &redactor).expect("bundle");
    (report, manifest)
}

/// The run `options` make against an in-process reference (or mutant), with its fixtures.
fn run_in_process(set: &SpecSet, target: &Reference, options: &CertifyOptions) -> RunReport {
    let run_options = options.run_options("http://localhost", Some("localhost"), None);
    confuzz::run::run(set, target, &target.fixtures(), &run_options, &|_| {})
        .expect("the run goes on")
}

fn html(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("report.html")).expect("report.html")
}

fn in_use() -> Vec<certify::SpecFile> {
    certify::spec_files(&specs(), None).unwrap()
}

fn every_id(report: &RunReport) -> Vec<String> {
    certify::bundle::verdicts(report).into_keys().collect()
}

#[test]
fn the_reference_is_certified_and_its_bundle_holds() {
    let dir = scratch("certify", "reference");
    let target = reference();
    let vendors = ["classroom", "clever", "coursekey", "lti"];
    let (report, manifest) = certify_into(
        &dir,
        &vendors,
        &target,
        &target.fixtures(),
        "http://localhost",
        SEED,
    );
    let c = &manifest.certification;
    assert_eq!(c.vendors.len(), 4);
    // The LTI reference verifies launches as its vendor's `ims-lti` validator does, which
    // rejects some launches signed per RFC 5849: certification fails it on that interop
    // finding alone. Every other check of every vendor passes.
    for v in &c.vendors {
        assert!(v.checks > 0, "{}", c.text());
        if v.vendor == "lti" {
            assert!(!v.certified, "{}", c.text());
            assert_eq!(v.failed_checks, ["lti.interop.oauth1"], "{}", c.text());
            assert_eq!(v.untested, 0, "{}", c.text());
        } else {
            assert!(v.certified, "{}", c.text());
        }
    }
    assert!(!c.certified, "{}", c.text());
    // Every row of the four tables is a requirement, with the valid requests and properties.
    assert_eq!(report.of_kind(CheckKind::Row).count(), 101);
    assert!(report.of_kind(CheckKind::Valid).count() > 0);
    assert!(report.of_kind(CheckKind::Property).count() > 0);
    assert!(report.strict);
    let page = html(&dir);
    assert!(
        page.contains("id=\"verdict\">NOT CERTIFIED<"),
        "verdict at the top"
    );
    for id in every_id(&report) {
        assert!(
            page.contains(&format!("id=\"{id}\"")),
            "{id} is not on the page"
        );
    }
    // Secrets never reach the bundle.
    let token = target.fixtures()["clever.token"]
        .as_str()
        .unwrap()
        .to_string();
    for name in ["report.html", "report.json", "junit.xml", "manifest.json"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(!text.contains(&token), "{name} holds the secret token");
    }
    let v = certify::verify(&dir, &in_use());
    assert!(v.ok(), "{:?}", v.problems);
}

#[test]
fn a_mutant_is_not_certified_and_the_page_shows_the_evidence() {
    let dir = scratch("certify", "mutant");
    let mutant = Reference::new(Config::default().mutant("clever.auth-statuses-swapped"));
    let (report, manifest) = certify_into(
        &dir,
        &["clever"],
        &mutant,
        &mutant.fixtures(),
        "http://localhost",
        SEED,
    );
    let c = &manifest.certification;
    assert!(!c.certified);
    assert!(!c.vendors[0].certified);
    assert!(c.vendors[0].failed > 0, "{}", c.text());
    let failed: Vec<_> = report
        .of_kind(CheckKind::Row)
        .filter(|r| r.verdict == RowVerdict::Failed)
        .collect();
    assert!(!failed.is_empty());
    let page = html(&dir);
    let token = mutant.fixtures()["clever.token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(page.contains("id=\"verdict\">NOT CERTIFIED<"));
    for r in &failed {
        let at = page
            .find(&format!("id=\"{}\"", r.id))
            .unwrap_or_else(|| panic!("{} is not on the page", r.id));
        let article = &page[at..at + page[at..].find("</article>").unwrap()];
        for part in [
            "Expectation",
            "Observed answer",
            "request</h4>",
            "Reproducer",
            "curl -i",
        ] {
            assert!(article.contains(part), "{}: no {part} in {article}", r.id);
        }
        let status = r.evidence.as_ref().unwrap().response.status;
        assert!(article.contains(&format!("HTTP {status}")), "{article}");
        // A request sent with the secret token shows it as a variable, never the value.
        let sent = &r.evidence.as_ref().unwrap().request;
        if sent.headers.iter().any(|(_, v)| v.contains(&token)) {
            assert!(article.contains("Bearer $CLEVER_TOKEN"), "{article}");
        }
    }
    assert!(!page.contains(&token), "the page holds the secret token");
}

#[test]
fn a_missing_fixture_leaves_checks_untested_which_is_not_certified() {
    let dir = scratch("certify", "missing-fixture");
    let reference = std::sync::Arc::new(Reference::new(Config::default()));
    let mut fixtures = reference.fixtures();
    fixtures.remove("clever.unenrolled_student_id");
    let served = reference.clone();
    let server = spawn_server(
        move |r: &Request| served.handle(r),
        "127.0.0.1:0".parse().unwrap(),
        ServeOptions::default().quiet(true),
    )
    .expect("a server on 127.0.0.1");
    let target = HttpTarget::new(&server.url()).unwrap();
    let (_, manifest) = certify_into(
        &dir,
        &["clever"],
        &target,
        &fixtures,
        &target.base_url(),
        SEED,
    );
    let v = &manifest.certification.vendors[0];
    assert!(!manifest.certification.certified);
    assert_eq!(v.failed, 0, "{}", manifest.certification.text());
    assert!(v.untested > 0);
    assert!(
        v.untested_checks
            .iter()
            .all(|c| c.contains("clever.unenrolled_student_id")),
        "{:?}",
        v.untested_checks
    );
    let page = html(&dir);
    assert!(page.contains("id=\"verdict\">NOT CERTIFIED<"));
    assert!(page.contains("needs fixture clever.unenrolled_student_id"));
    server.shutdown();
}

/// A small clever bundle, certified, for the tests that tamper with one.
fn clever_bundle(name: &str, seed: u64) -> PathBuf {
    let dir = scratch("certify", name);
    let target = reference();
    certify_into(
        &dir,
        &["clever"],
        &target,
        &target.fixtures(),
        "http://localhost",
        seed,
    );
    dir
}

fn copy_bundle(from: &Path, name: &str) -> PathBuf {
    let to = scratch("certify", name);
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    to
}

#[test]
fn one_changed_byte_anywhere_fails_verification() {
    let original = clever_bundle("tamper-original", SEED);
    assert!(certify::verify(&original, &in_use()).ok());
    for name in ["report.json", "junit.xml", "report.html", "manifest.json"] {
        let dir = copy_bundle(&original, &format!("tamper-{name}"));
        let path = dir.join(name);
        let mut bytes = std::fs::read(&path).unwrap();
        // A byte in the middle, changed to another printable one: the file still parses.
        let at = bytes.len() / 2;
        bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
        std::fs::write(&path, bytes).unwrap();
        let v = certify::verify(&dir, &in_use());
        assert!(!v.ok(), "{name} changed, yet the bundle holds");
        assert!(
            v.problems.iter().any(|p| p.contains(name)),
            "{name}: {:?}",
            v.problems
        );
    }
    // A file removed.
    let dir = copy_bundle(&original, "tamper-removed");
    std::fs::remove_file(dir.join("junit.xml")).unwrap();
    assert!(!certify::verify(&dir, &in_use()).ok());
}

#[test]
fn verification_says_which_spec_differs_from_the_ones_in_use() {
    let dir = clever_bundle("spec-differs", SEED);
    let mut now = in_use();
    let clever = now.iter_mut().find(|s| s.vendor == "clever").unwrap();
    clever.sha256 = certify::sha256_hex(b"another clever table");
    let v = certify::verify(&dir, &now);
    assert!(!v.ok());
    assert_eq!(v.problems.len(), 1, "{:?}", v.problems);
    assert!(v.problems[0].contains("spec of vendor clever differs"));
    // The other vendors' specs still match.
    assert!(!v.problems[0].contains("lti"));
}

#[test]
fn a_rerun_compares_verdict_by_verdict() {
    let dir = clever_bundle("rerun", SEED);
    let bundle = certify::read(&dir).unwrap();
    // The same target, seed and options: the same verdicts.
    let target = reference();
    let set = set_of(&["clever"]);
    let options = bundle.manifest.options.clone();
    let again = run_in_process(&set, &target, &options);
    assert_eq!(certify::compare(&bundle.report, &again), vec![]);
    // A changed target: the differences, check by check.
    let mutant = Reference::new(Config::default().mutant("clever.auth-statuses-swapped"));
    let changed = run_in_process(&set, &mutant, &options);
    let differences = certify::compare(&bundle.report, &changed);
    assert!(!differences.is_empty());
    assert!(differences
        .iter()
        .all(|d| d.before == Some(RowVerdict::Passed) && d.after != Some(RowVerdict::Passed)));
}

/// Answers like the reference, but every error answer carries markup in its body and a header.
fn hostile() -> impl Target {
    let reference = reference();
    FnTarget::new("hostile", move |request: &Request| {
        let answer = reference.handle(request);
        if answer.status < 400 || request.path.contains("__conformance") {
            return answer;
        }
        // It also echoes the credentials it was sent, as careless error pages do.
        let body = format!(
            "<script>alert('body')</script><img src=x onerror=alert(1)>{} (sent: {})",
            answer.text_body(),
            request.header("authorization").unwrap_or("nothing")
        );
        Response {
            body: body.into_bytes(),
            ..answer
        }
        .with_header("X-Evil", "\"><script>alert('header')</script>")
    })
}

#[test]
fn a_hostile_answer_is_escaped_and_no_script_but_the_pages_own_can_run() {
    let dir = scratch("certify", "hostile");
    let target = hostile();
    let fixtures = reference().fixtures();
    let (report, manifest) = certify_into(
        &dir,
        &["clever"],
        &target,
        &fixtures,
        "http://localhost",
        SEED,
    );
    assert!(!manifest.certification.certified);
    assert!(report.checks().any(|r| r
        .evidence
        .as_ref()
        .is_some_and(|e| e.response.text_body().contains("<script>"))));
    let page = html(&dir);
    assert!(page.contains("&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        !page.contains("<script>alert"),
        "raw markup from the target"
    );
    assert!(!page.contains("<img"), "raw markup from the target");
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the page's own script"
    );
    // The echoed secret is redacted like everywhere else.
    let token = fixtures["clever.token"].as_str().unwrap();
    assert!(page.contains("(sent: Bearer $CLEVER_TOKEN)"));
    assert!(!page.contains(token), "the page holds the secret token");
    // The policy allows that one script, by its hash, and nothing else.
    let csp = page
        .split("Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let script = page
        .split("<script>")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .unwrap();
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script.as_bytes()));
    assert!(
        csp.contains(&format!("script-src 'sha256-{hash}'")),
        "{csp}"
    );
}

/// Why merging the bundles in `dirs` is refused.
fn merge_refused(dirs: &[&PathBuf]) -> certify::BundleError {
    let parts: Vec<_> = dirs.iter().map(|d| certify::read(d).unwrap()).collect();
    certify::merge(&parts, &specs()).unwrap_err()
}

#[test]
fn parts_of_one_certification_merge_into_one_bundle() {
    let target = reference();
    let fixtures = target.fixtures();
    let clever = scratch("certify", "part-clever");
    let coursekey = scratch("certify", "part-coursekey");
    certify_into(
        &clever,
        &["clever"],
        &target,
        &fixtures,
        "http://localhost",
        SEED,
    );
    certify_into(
        &coursekey,
        &["coursekey"],
        &reference(),
        &fixtures,
        "http://localhost",
        SEED,
    );
    let parts = vec![
        certify::read(&clever).unwrap(),
        certify::read(&coursekey).unwrap(),
    ];
    let (report, manifest) = certify::merge(&parts, &specs()).unwrap();
    assert_eq!(manifest.options.vendors, ["clever", "coursekey"]);
    assert!(
        manifest.certification.certified,
        "{}",
        manifest.certification.text()
    );
    assert_eq!(
        every_id(&report).len(),
        every_id(&parts[0].report).len() + every_id(&parts[1].report).len()
    );
    let out = scratch("certify", "merged");
    let written = certify::write(&out, &report, manifest, &specs(), &Redactor::default()).unwrap();
    assert_eq!(written.merged_from.len(), 2);
    assert!(certify::verify(&out, &in_use()).ok());
    let page = html(&out);
    for id in every_id(&report) {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }

    // Parts of different certifications are refused: another seed, or overlapping checks.
    let other_seed = clever_bundle("part-other-seed", SEED + 1);
    let refused = merge_refused(&[&other_seed, &coursekey]);
    assert!(refused.0.contains("seeds differ"), "{refused}");
    let refused = merge_refused(&[&clever, &clever]);
    assert!(refused.0.contains("overlap"), "{refused}");
}

#[test]
fn the_verdict_rule_counts_untested_and_warned_against_certification() {
    let target = reference();
    let set = set_of(&["clever"]);
    let options = CertifyOptions {
        cases: 1,
        ..CertifyOptions::new(vec!["clever".into()], SEED)
    };
    let mut report = run_in_process(&set, &target, &options);
    assert!(Certification::of(&report, &options.vendors).certified);
    for verdict in [RowVerdict::Untested, RowVerdict::Warned, RowVerdict::Failed] {
        let mut one = report.clone();
        one.checks[0].verdict = verdict;
        let c = Certification::of(&one, &options.vendors);
        assert!(!c.certified, "{verdict:?}");
    }
    // A vendor asked for but with no check at all was not shown: not certified.
    report.checks.clear();
    assert!(!Certification::of(&report, &options.vendors).certified);
}

// The command line: `confuzz certify`, `certify verify [--rerun]`, `certify merge`.

fn confuzz(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_confuzz"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the binary runs")
}

#[track_caller]
fn exits(o: &std::process::Output, code: i32) -> String {
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stdout
}

fn cli_certify(dir: &Path, extra: &[&str]) -> std::process::Output {
    let dir = dir.display().to_string();
    let mut args = vec![
        "certify",
        "--vendor",
        "clever",
        "--cases",
        "2",
        "--seed",
        "5",
        "--product",
        "Acme Grades 2.4.1",
        "--out",
        &dir,
    ];
    args.extend_from_slice(extra);
    confuzz(&args)
}

#[test]
fn the_command_certifies_verifies_and_reruns() {
    let dir = scratch("certify", "cli-reference");
    let _ = std::fs::remove_dir_all(&dir);
    let text = exits(&cli_certify(&dir, &[]), 0);
    assert!(text.contains("overall: CERTIFIED"), "{text}");
    let d = dir.display().to_string();
    let text = exits(&confuzz(&["certify", "verify", &d]), 0);
    assert!(text.contains("the bundle holds"), "{text}");
    let text = exits(&confuzz(&["certify", "verify", &d, "--rerun"]), 0);
    assert!(text.contains("re-run agrees verdict by verdict"), "{text}");
    // One byte changed: the bundle no longer holds, and the file is named.
    let page = dir.join("report.html");
    let mut bytes = std::fs::read(&page).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x01;
    std::fs::write(&page, bytes).unwrap();
    let text = exits(&confuzz(&["certify", "verify", &d]), 1);
    assert!(text.contains("report.html was changed"), "{text}");
    // A rerun of a bundle that does not hold is refused.
    exits(&confuzz(&["certify", "verify", &d, "--rerun"]), 1);
}

#[test]
fn the_command_fails_a_mutant_with_exit_1_and_names_the_checks() {
    let dir = scratch("certify", "cli-mutant");
    let _ = std::fs::remove_dir_all(&dir);
    let text = exits(
        &cli_certify(&dir, &["--mutant", "clever.auth-statuses-swapped"]),
        1,
    );
    assert!(text.contains("overall: NOT CERTIFIED"), "{text}");
    assert!(text.contains("failed: clever.auth.no-token"), "{text}");
    // The same mutant again: the verdicts agree (failures included).
    let d = dir.display().to_string();
    let text = exits(&confuzz(&["certify", "verify", &d, "--rerun"]), 0);
    assert!(text.contains("NOT CERTIFIED"), "{text}");
}

#[test]
fn the_command_needs_a_product_and_an_empty_folder() {
    let dir = scratch("certify", "cli-usage");
    let d = dir.display().to_string();
    let o = confuzz(&["certify", "--vendor", "clever", "--out", &d]);
    exits(&o, 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--product"));
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let o = cli_certify(&dir, &[]);
    exits(&o, 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not empty"));
    let o = confuzz(&[
        "certify",
        "verify",
        &dir.join("nothing").display().to_string(),
    ]);
    let text = exits(&o, 1);
    assert!(text.contains("manifest.json"), "{text}");
}

fn serve_reference(mutant: Option<&str>) -> confuzz::serve::ServerHandle {
    let mut config = Config::default();
    config.mutant = mutant.map(str::to_string);
    let reference = Reference::new(config);
    spawn_server(
        move |r: &Request| reference.handle(r),
        "127.0.0.1:0".parse().unwrap(),
        ServeOptions::default().quiet(true),
    )
    .expect("a server on 127.0.0.1")
}

#[test]
fn a_rerun_over_http_agrees_on_the_same_server_and_not_on_a_changed_one() {
    let dir = scratch("certify", "cli-http");
    let fixtures = dir.join("fixtures.json");
    std::fs::write(
        &fixtures,
        serde_json::to_string(&reference().fixtures()).unwrap(),
    )
    .unwrap();
    let bundle = dir.join("bundle");
    let f = fixtures.display().to_string();
    let server = serve_reference(None);
    let url = server.url();
    let text = exits(
        &cli_certify(&bundle, &["--target", &url, "--fixtures", &f]),
        0,
    );
    assert!(text.contains("overall: CERTIFIED"), "{text}");
    let b = bundle.display().to_string();
    // The server keeps the first run's entities; the re-run names new ones and agrees.
    let text = exits(
        &confuzz(&["certify", "verify", &b, "--rerun", "--fixtures", &f]),
        0,
    );
    assert!(text.contains("re-run agrees"), "{text}");
    // The same certification against a changed implementation: the differences, by check.
    let changed = serve_reference(Some("clever.auth-statuses-swapped"));
    let text = exits(
        &confuzz(&[
            "certify",
            "verify",
            &b,
            "--rerun",
            "--fixtures",
            &f,
            "--target",
            &changed.url(),
        ]),
        1,
    );
    assert!(text.contains("re-run disagrees"), "{text}");
    assert!(
        text.contains("clever.auth.no-token: passed -> failed"),
        "{text}"
    );
    changed.shutdown();
    server.shutdown();
}

#[test]
fn the_command_merges_parts_and_refuses_other_certifications() {
    let dir = scratch("certify", "cli-merge");
    let part = |vendor: &str, seed: &str| {
        let out = dir.join(format!("{vendor}-{seed}"));
        let o = confuzz(&[
            "certify",
            "--vendor",
            vendor,
            "--cases",
            "1",
            "--seed",
            seed,
            "--product",
            "Acme 1",
            "--out",
            &out.display().to_string(),
        ]);
        exits(&o, 0);
        out.display().to_string()
    };
    let (clever, coursekey, coursekey_other) = (
        part("clever", "3"),
        part("coursekey", "3"),
        part("coursekey", "4"),
    );
    let merged = dir.join("merged").display().to_string();
    let text = exits(
        &confuzz(&["certify", "merge", &clever, &coursekey, "--out", &merged]),
        0,
    );
    assert!(text.contains("merged 2 bundles"), "{text}");
    exits(&confuzz(&["certify", "verify", &merged]), 0);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("merged/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        manifest["options"]["vendors"],
        serde_json::json!(["clever", "coursekey"])
    );
    let o = confuzz(&[
        "certify",
        "merge",
        &clever,
        &coursekey_other,
        "--out",
        &dir.join("refused").display().to_string(),
    ]);
    exits(&o, 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("seeds differ"));
}

#[test]
fn a_manifest_that_does_not_hold_is_a_typed_error_saying_why() {
    use certify::{ManifestError, OptionsDiffer};
    let dir = clever_bundle("typed-errors", SEED);
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let manifest = Manifest::parse_sealed(&text).expect("the written manifest holds");

    let e = Manifest::parse_sealed("[1, 2]").unwrap_err();
    assert!(matches!(e, ManifestError::NotAManifest(_)), "{e:?}");
    assert!(
        e.to_string().starts_with("manifest.json is not a manifest"),
        "{e}"
    );

    let later = text.replacen(
        &format!("\"format\": {}", certify::MANIFEST_FORMAT),
        "\"format\": 99",
        1,
    );
    let e = Manifest::parse_sealed(&later).unwrap_err();
    assert!(matches!(e, ManifestError::Format { found: 99 }), "{e:?}");

    let damaged = text.replacen(&manifest.digest, "0123", 1);
    let e = Manifest::parse_sealed(&damaged).unwrap_err();
    assert!(matches!(e, ManifestError::DigestDamaged), "{e:?}");

    let edited = text.replacen(&manifest.product, "Another product", 1);
    let e = Manifest::parse_sealed(&edited).unwrap_err();
    assert!(
        matches!(&e, ManifestError::Changed { recorded, .. } if *recorded == manifest.digest),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("was changed after it was written"),
        "{e}"
    );

    // A spec file that cannot be read again to be hashed.
    let mut set = specs();
    set.specs[0].file = dir.join("gone.yaml").display().to_string();
    let e = certify::spec_files(&set, Some(&dir)).unwrap_err();
    assert!(matches!(e, ManifestError::Unreadable { .. }), "{e:?}");
    assert!(e.to_string().contains("gone.yaml to hash it"), "{e}");
    let e = certify::spec_files(&set, None).unwrap_err();
    assert!(matches!(e, ManifestError::NotEmbedded(_)), "{e:?}");

    // Options of two parts: equal but for the vendors, or the first that differs.
    let a = CertifyOptions::new(vec!["clever".into()], SEED);
    let b = CertifyOptions::new(vec!["lti".into()], SEED);
    assert_eq!(a.same_certification(&b), Ok(()));
    let c = CertifyOptions::new(vec!["clever".into()], SEED + 1);
    let e = a.same_certification(&c).unwrap_err();
    assert!(
        matches!(&e, OptionsDiffer::Option { name, .. } if name == "seed"),
        "{e:?}"
    );
    assert_eq!(e.to_string(), format!("seed: {SEED} vs {}", SEED + 1));
}

//! `confuzz certify`, `certify verify` and `certify merge`: arguments to library calls
//! (`confuzz::certify`), the verdicts on stdout, exit codes as `run` (0 certified or the bundle
//! holds, 1 not certified or it does not, 2 usage, spec, target or I/O error).

use std::path::Path;
use std::process::ExitCode;

use confuzz::certify::{self, Certification, CertifyOptions, Manifest};
use confuzz::report::run::Redactor;
use confuzz::run::{self as runner, RunReport};
use confuzz::spec::{self, SpecSet};

use super::{choose_target, out, random_seed, CertifyArgs, MergeArgs, TargetArgs, VerifyArgs};

fn load_all(spec_path: Option<&Path>) -> Result<SpecSet, String> {
    match spec_path {
        Some(path) => spec::load_path(path),
        None => spec::load_embedded(),
    }
    .map_err(|e| e.to_string())
}

fn code(certified: bool) -> ExitCode {
    if certified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Runs the certification `options` describe against the target `target` chooses.
fn certify_run(
    set: &SpecSet,
    target: &TargetArgs,
    options: &mut CertifyOptions,
    prefix: Option<String>,
    jobs: Option<usize>,
    retry: &dyn Fn(bool) -> bool,
) -> Result<(RunReport, String, Redactor), String> {
    let chosen = choose_target(target, set)?;
    options.faults = chosen.faults.clone();
    options.retry = retry(chosen.remote);
    options.timeout_ms = chosen.remote.then_some(target.timeout_ms);
    let mut run_options = options.run_options(&chosen.url_base, chosen.host.as_deref(), prefix);
    if let Some(jobs) = jobs {
        run_options.jobs = jobs.max(1);
    }
    eprintln!(
        "certifying {} against {} (seed {}, {} cases per row, strict)",
        options.vendors.join(", "),
        chosen.target.describe(),
        options.seed,
        options.cases
    );
    let report = runner::run(
        set,
        chosen.target.as_ref(),
        &chosen.fixtures,
        &run_options,
        &|_| {},
    )
    .map_err(|e| e.to_string())?;
    let base = if chosen.remote {
        chosen.url_base.clone()
    } else {
        "http://127.0.0.1:8080".to_string()
    };
    let redactor = Redactor::new(set, &chosen.fixtures);
    Ok((report, base, redactor))
}

pub(super) fn certify_command(args: CertifyArgs) -> Result<ExitCode, String> {
    let product = args
        .product
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or("certify needs --product \"Name 1.2.3\": the product and version certified")?
        .to_string();
    let dir = args
        .out
        .clone()
        .ok_or("certify needs --out DIR: the new or empty folder the bundle goes into")?;
    let all = load_all(args.specs.spec.as_deref())?;
    let specs = certify::spec_files(&all, args.specs.spec.as_deref()).map_err(|e| e.to_string())?;
    certify::bundle::ready(&dir).map_err(|e| e.to_string())?;
    let set = all.only_vendors(&args.specs.vendors)?;
    let mut options = CertifyOptions::new(
        set.specs.iter().map(|s| s.spec.vendor.id.clone()).collect(),
        args.seed.unwrap_or_else(random_seed),
    );
    options.cases = args.cases.max(1);
    options.rate = args.pace.rate;
    options.mutant = args.target.mutant.clone();
    options.limits = super::parse_limits(&args.target.limits, &set)?;
    options.spec = args.specs.spec.as_ref().map(|p| p.display().to_string());
    let date = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (report, base, redactor) = certify_run(
        &set,
        &args.target,
        &mut options,
        args.prefix.clone(),
        args.pace.jobs,
        &|remote| args.pace.retry(remote),
    )?;
    let manifest = Manifest::new(&product, &report, options, specs, &base, &date);
    let manifest =
        certify::write(&dir, &report, manifest, &set, &redactor).map_err(|e| e.to_string())?;
    out(&manifest.certification.text())?;
    out(&format!(
        "bundle: {} (open report.html; `confuzz certify verify {}` checks it)\n",
        dir.display(),
        dir.display()
    ))?;
    Ok(code(manifest.certification.certified))
}

pub(super) fn certify_verify_command(args: VerifyArgs) -> Result<ExitCode, String> {
    let all = load_all(args.spec.as_deref())?;
    let in_use = certify::spec_files(&all, args.spec.as_deref()).map_err(|e| e.to_string())?;
    let verification = certify::verify(&args.dir, &in_use);
    for p in &verification.problems {
        out(&format!("problem: {p}\n"))?;
    }
    for n in &verification.notes {
        out(&format!("note: {n}\n"))?;
    }
    let Some(manifest) = verification.manifest.as_ref().filter(|_| verification.ok()) else {
        out(&format!(
            "{}: the bundle does not hold\n",
            args.dir.display()
        ))?;
        return Ok(ExitCode::from(1));
    };
    out(&format!(
        "{}: the bundle holds: {} on {}, {} ({} files, {} specs checked)\n",
        args.dir.display(),
        manifest.product,
        manifest.target,
        manifest.certification.word(),
        manifest.files.len(),
        manifest.specs.len()
    ))?;
    if !args.rerun {
        return Ok(ExitCode::SUCCESS);
    }
    let bundle = certify::read(&args.dir).map_err(|e| e.to_string())?;
    let m = &bundle.manifest;
    let url = args.target.clone().or_else(|| {
        (m.target.starts_with("http://") || m.target.starts_with("https://"))
            .then(|| m.target.clone())
    });
    let target = TargetArgs {
        target: url.clone(),
        fixtures: args.fixtures.clone(),
        faults: m.options.faults.clone(),
        timeout_ms: m.options.timeout_ms.unwrap_or(10_000),
        limits: m
            .options
            .limits
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        mutant: m.options.mutant.clone(),
        pools: Vec::new(),
    };
    // A target that keeps its data still holds the first run's entities: name new ones.
    let prefix = args.prefix.clone().or_else(|| match url {
        Some(_) => Some(runner::prefix_for(random_seed())),
        None => Some(m.prefix.clone()),
    });
    let set = load_all(args.spec.as_deref())?.only_vendors(&m.options.vendors)?;
    let mut options = m.options.clone();
    let (report, _, _) = certify_run(&set, &target, &mut options, prefix, args.jobs, &|_| {
        m.options.retry
    })?;
    let differences = certify::compare(&bundle.report, &report);
    let again = Certification::of(&report, &m.options.vendors);
    if differences.is_empty() {
        out(&format!(
            "re-run agrees verdict by verdict ({} checks, seed {}): {}\n",
            certify::bundle::verdicts(&report).len(),
            m.seed,
            again.word()
        ))?;
        Ok(ExitCode::SUCCESS)
    } else {
        out(&format!(
            "re-run disagrees on {} checks (before -> after):\n",
            differences.len()
        ))?;
        for d in &differences {
            out(&format!("  {d}\n"))?;
        }
        out(&format!(
            "bundle: {}, re-run: {}\n",
            m.certification.word(),
            again.word()
        ))?;
        Ok(ExitCode::from(1))
    }
}

pub(super) fn certify_merge_command(args: MergeArgs) -> Result<ExitCode, String> {
    let all = load_all(args.spec.as_deref())?;
    let in_use = certify::spec_files(&all, args.spec.as_deref()).map_err(|e| e.to_string())?;
    let mut parts = Vec::new();
    for dir in &args.dirs {
        let v = certify::verify(dir, &in_use);
        if !v.ok() {
            return Err(format!(
                "{} does not hold, so it is not merged: {} (`confuzz certify verify {}` says more)",
                dir.display(),
                v.problems.join("; "),
                dir.display()
            ));
        }
        parts.push(certify::read(dir).map_err(|e| e.to_string())?);
    }
    let (report, manifest) = certify::merge(&parts, &all).map_err(|e| e.to_string())?;
    certify::bundle::ready(&args.out).map_err(|e| e.to_string())?;
    // The parts' reports are redacted already.
    let manifest = certify::write(&args.out, &report, manifest, &all, &Redactor::default())
        .map_err(|e| e.to_string())?;
    out(&manifest.certification.text())?;
    out(&format!(
        "merged {} bundles into {}\n",
        parts.len(),
        args.out.display()
    ))?;
    Ok(code(manifest.certification.certified))
}

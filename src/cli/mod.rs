//! Argument parsing for the `confuzz` binary. Every command is a thin call into the library;
//! this module only reads arguments, prints, and maps results to exit codes:
//! 0 success, 1 findings or non-conformance, 2 usage, spec or I/O error.

mod certify;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use confuzz::reference::{Config, Reference};
use confuzz::report::{
    catalog, fixtures as fixtures_report, mutants as mutants_report, progress, run as run_report,
};
use confuzz::run::{self as runner, RowVerdict, RunOptions};
use confuzz::spec::{self, lint, SpecSet};
use confuzz::target::Target;

mod output;

#[derive(Parser)]
#[command(
    name = "confuzz",
    version,
    about = "Conformance fuzz harness: checks that an API answers with the documented errors",
    long_about = "confuzz turns published API error tables (specs/) into executable checks: it \
generates valid and mutated requests for every documented endpoint, sends them to a target, \
and checks status, error code and message against the tables."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Table,
    Json,
}

#[derive(clap::Args)]
struct SpecArgs {
    /// A spec file or a folder of spec files to load instead of the embedded ones.
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// Only these vendors (repeatable).
    #[arg(long = "vendor", value_name = "VENDOR")]
    vendors: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// List every documented error, one row each.
    List {
        #[command(flatten)]
        specs: SpecArgs,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Explain the rows matching an id, a vendor code, an error name or a message.
    Explain {
        /// What your log shows, e.g. "Invalid timezone: Mars/Olympus".
        query: String,
        #[command(flatten)]
        specs: SpecArgs,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Report the inconsistencies in the error tables themselves.
    Lint {
        #[command(flatten)]
        specs: SpecArgs,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Check every documented row against a target (the embedded reference by default).
    Run(Box<RunArgs>),
    /// Rebuild a saved failure (a row, a valid-request check, a property), send it again and
    /// judge it.
    Replay {
        /// A file written by `confuzz run --save-failures DIR`.
        file: PathBuf,
        #[command(flatten)]
        specs: SpecArgs,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// List every fixture a target must provide (meaning, schema, secret), or write a
    /// fixtures file to fill in.
    Fixtures {
        #[command(flatten)]
        specs: SpecArgs,
        /// Write a JSON fixtures file to fill in (each value says what to put there).
        #[arg(long)]
        template: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Serve the embedded reference implementations over HTTP.
    #[cfg(feature = "http")]
    Serve(ServeArgs),
    /// Check the checks: every mutant of the reference must fail some check, the reference none.
    Mutants(MutantsArgs),
    /// One report from the JSON reports of the parts of a split run (`run --partition K/N`):
    /// console, JSON or JUnit, exit code as `run`.
    Merge(MergeReportsArgs),
    /// Certify an implementation: a strict run of every check of the chosen vendors, and an
    /// evidence bundle (report.html, report.json, junit.xml, manifest.json).
    Certify(Box<CertifyCommand>),
}

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct CertifyCommand {
    #[command(subcommand)]
    action: Option<CertifyAction>,
    #[command(flatten)]
    run: CertifyArgs,
}

#[derive(Subcommand)]
enum CertifyAction {
    /// Check a bundle: its hashes hold and its specs are the ones in use; `--rerun` runs it
    /// again with the same seed and options and compares verdict by verdict.
    Verify(VerifyArgs),
    /// One bundle from several partial ones of the same certification.
    Merge(MergeArgs),
}

#[derive(clap::Args)]
struct CertifyArgs {
    #[command(flatten)]
    specs: SpecArgs,
    #[command(flatten)]
    target: TargetArgs,
    /// The product certified, name and version, e.g. "Acme Rostering 1.2.3".
    #[arg(long, value_name = "NAME VERSION")]
    product: Option<String>,
    /// The folder the bundle is written into (new or empty).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Cases per row.
    #[arg(long, default_value_t = confuzz::certify::CERTIFY_CASES)]
    cases: u32,
    /// Seed for generation (recorded in the manifest; default: a fresh one).
    #[arg(long)]
    seed: Option<u64>,
    /// Run-unique prefix of created entities (default: derived from the seed).
    #[arg(long)]
    prefix: Option<String>,
    #[command(flatten)]
    pace: PaceArgs,
}

/// How a run paces itself: parallel rows, retries, rate.
#[derive(clap::Args)]
struct PaceArgs {
    /// Rows checked at once (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Retry 429, 502, 503, 504 and connection errors that a check does not expect, honouring
    /// Retry-After up to 10 s (default: on for remote targets; never a 500, never while shrinking).
    #[arg(long, overrides_with = "no_retry")]
    retry: bool,
    /// Never retry (the default for the embedded reference).
    #[arg(long)]
    no_retry: bool,
    /// At most this many requests per second, for every kind of check.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    rate: Option<u32>,
}

impl PaceArgs {
    /// Whether to retry: `--retry` / `--no-retry`, else on for remote targets.
    fn retry(&self, remote: bool) -> bool {
        if self.no_retry {
            false
        } else {
            self.retry || remote
        }
    }
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The bundle: a folder written by `confuzz certify --out`.
    dir: PathBuf,
    /// The specs in use, to compare with the bundle's (default: the embedded ones).
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// Run the certification again (same seed, cases and options) and compare the verdicts.
    #[arg(long)]
    rerun: bool,
    /// With --rerun: the target, if not the bundle's (e.g. the same service on another port).
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// With --rerun against a URL: the fixture values (the bundle does not keep them).
    #[arg(long, value_name = "FILE")]
    fixtures: Option<PathBuf>,
    /// With --rerun: the prefix of created entities (default: the bundle's for the embedded
    /// reference, a fresh one for a URL, whose target keeps the first run's entities).
    #[arg(long)]
    prefix: Option<String>,
    /// With --rerun: rows checked at once.
    #[arg(long)]
    jobs: Option<usize>,
}

#[derive(clap::Args)]
struct MergeArgs {
    /// The partial bundles.
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// The folder the merged bundle is written into (new or empty).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The specs in use, which must be the bundles' (default: the embedded ones).
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
}

#[derive(clap::Args)]
struct MutantsArgs {
    #[command(flatten)]
    specs: SpecArgs,
    /// Only these mutants (repeatable): a name, a vendor id, or `prefix*`.
    #[arg(long = "mutant", value_name = "NAME")]
    mutants: Vec<String>,
    /// Cases per row in every run.
    #[arg(long, default_value_t = confuzz::mutants::MutationOptions::default().cases)]
    cases: u32,
    /// Seed of every run (the same seed gives the same score).
    #[arg(long, default_value_t = confuzz::mutants::MutationOptions::default().seed)]
    seed: u64,
    /// Mutants checked at once (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// List the catalog (name, vendor, deviation) without running it.
    #[arg(long)]
    list: bool,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(clap::Args)]
struct TargetArgs {
    /// The implementation to check, e.g. http://127.0.0.1:8080 (default: the embedded reference).
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// A JSON object of fixture values (needed with --target; see `confuzz serve --fixtures-out`).
    #[arg(long, value_name = "FILE")]
    fixtures: Option<PathBuf>,
    /// Faults the target's test hook supports, comma-separated (default: asked of the target).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    faults: Option<Vec<String>>,
    /// Per-request timeout in milliseconds (HTTP targets): a request without a whole answer by
    /// then fails its check ("no usable answer").
    #[arg(long, default_value_t = 10_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    timeout_ms: u64,
    /// Embedded reference only: set a limit at start, e.g. VENDOR.LIMIT=5 (the names are the specs' `vendor.limits`).
    #[arg(long = "limit", value_name = "NAME=N")]
    limits: Vec<String>,
    /// Embedded reference only: run against a named mutant instead of the conforming reference.
    #[arg(long, value_name = "NAME")]
    mutant: Option<String>,
    /// Embedded reference only: serve an array fixture smaller, e.g. VENDOR.FIXTURE=40.
    #[arg(long = "pool", value_name = "NAME=N")]
    pools: Vec<String>,
}

#[derive(clap::Args)]
struct RunArgs {
    #[command(flatten)]
    specs: SpecArgs,
    #[command(flatten)]
    target: TargetArgs,
    /// Only rows whose id is or starts with this (repeatable; `prefix*` works too).
    #[arg(long = "row", value_name = "ID")]
    rows: Vec<String>,
    /// Cases per row.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..))]
    cases: u32,
    /// Seed for generation (printed in every report; the same seed builds the same requests).
    #[arg(long)]
    seed: Option<u64>,
    /// Run-unique prefix of created entities (default: derived from the seed).
    #[arg(long)]
    prefix: Option<String>,
    /// Assumed expectations fail instead of warn (certification runs).
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    pace: PaceArgs,
    /// Stop sending after this long (e.g. 90, 90s, 15m, 2h) and report what the run has; the
    /// checks it did not finish are untested.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    max_duration: Option<std::time::Duration>,
    /// Do not shrink failures.
    #[arg(long)]
    no_shrink: bool,
    /// Skip the valid-request checks.
    #[arg(long)]
    no_positive: bool,
    /// The cross-request properties to check after the rows, comma-separated: precedence,
    /// nothing-lost, unique, after-delete, limit, stateful; `none` for none, `all` (the
    /// default) for all.
    #[arg(long, value_name = "NAME[,NAME]", value_delimiter = ',')]
    properties: Option<Vec<String>>,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write one JSON file per failed check (row, valid-request check, property) here, for
    /// `confuzz replay`.
    #[arg(long, value_name = "DIR")]
    save_failures: Option<PathBuf>,
    /// List passing rows too.
    #[arg(long, short)]
    verbose: bool,
    /// Colour the progress line: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    color: ColorWhen,
    /// Run only part K of N of the checks (e.g. 2/3), a deterministic split by check id that
    /// keeps checks sharing a target's state together; `confuzz merge` joins the parts'
    /// `--format json` reports. Give every part the same --seed.
    #[arg(long, value_name = "K/N", value_parser = parse_partition)]
    partition: Option<runner::Partition>,
}

fn parse_partition(text: &str) -> Result<runner::Partition, String> {
    text.parse()
}

#[derive(clap::Args)]
struct MergeReportsArgs {
    /// The JSON reports of the parts (`confuzz run --partition K/N --format json`).
    #[arg(required = true, value_name = "REPORT.json")]
    reports: Vec<PathBuf>,
    /// The specs of the run, if not the embedded ones (the reports' fingerprint must match).
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// List passing checks too.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[cfg(feature = "http")]
#[derive(clap::Args)]
struct ServeArgs {
    /// Serve only these vendors (repeatable; default: all).
    #[arg(long = "vendor", value_name = "VENDOR")]
    vendors: Vec<String>,
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Write the built-in fixtures as the JSON object `--fixtures` reads, then serve.
    #[arg(long, value_name = "FILE")]
    fixtures_out: Option<PathBuf>,
    /// Set a limit at start, e.g. VENDOR.LIMIT=5 (the names are the specs' `vendor.limits`).
    #[arg(long = "limit", value_name = "NAME=N")]
    limits: Vec<String>,
    /// Serve a named mutant instead of the conforming reference.
    #[arg(long, value_name = "NAME")]
    mutant: Option<String>,
    /// Serve an array fixture smaller than built in, e.g. VENDOR.FIXTURE=40 (a test
    /// domain with a few dozen accounts).
    #[arg(long = "pool", value_name = "NAME=N")]
    pools: Vec<String>,
    /// Turn the test hooks (fault header, capabilities) off.
    #[arg(long)]
    no_test_hooks: bool,
    /// Do not log each request.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs the binary and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn load(args: &SpecArgs) -> Result<SpecSet, String> {
    let set = match &args.spec {
        Some(path) => spec::load_path(path),
        None => spec::load_embedded(),
    }
    .map_err(|e| e.to_string())?;
    Ok(set.only_vendors(&args.vendors)?)
}

fn out(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()) {
        Ok(()) => Ok(()),
        // A closed pipe (`confuzz list | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write to stdout: {e}")),
    }
}

fn json(value: &serde_json::Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    out(&format!("{text}\n"))
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::List { specs, format } => {
            let set = load(&specs)?;
            match format {
                Format::Json => json(&catalog::list_json(&set))?,
                Format::Table => out(&catalog::list_table(&set))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain {
            query,
            specs,
            format,
        } => {
            let set = load(&specs)?;
            let matches = catalog::explain_matches(&set, &query);
            if matches.is_empty() {
                eprintln!(
                    "no documented error matches {query:?}; try a row id (confuzz list), a vendor code, an error name or part of the message"
                );
                return Ok(ExitCode::from(1));
            }
            match format {
                Format::Json => json(&serde_json::Value::Array(
                    matches
                        .iter()
                        .map(|(s, r)| {
                            let mut entry = catalog::list_entry(s, r);
                            entry["explain"] = serde_json::to_value(&r.explain).unwrap_or_default();
                            entry
                        })
                        .collect(),
                ))?,
                Format::Table => {
                    let text: Vec<String> = matches
                        .iter()
                        .map(|(s, r)| catalog::explain_text(s, r))
                        .collect();
                    out(&text.join("\n"))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Lint { specs, format } => {
            let set = load(&specs)?;
            let findings = lint::lint(&set);
            match format {
                Format::Json => json(&serde_json::to_value(&findings).map_err(|e| e.to_string())?)?,
                Format::Table => out(&catalog::lint_table(&findings))?,
            }
            Ok(if findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Run(args) => run_command(*args),
        Command::Replay {
            file,
            specs,
            target,
        } => replay_command(&file, &specs, &target),
        Command::Fixtures {
            specs,
            template,
            format,
        } => {
            let set = load(&specs)?;
            if template {
                json(&fixtures_report::template(&set))?;
            } else {
                match format {
                    Format::Json => json(&fixtures_report::json(&set))?,
                    Format::Table => out(&fixtures_report::table(&set))?,
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "http")]
        Command::Serve(args) => serve_command(args),
        Command::Mutants(args) => mutants_command(args),
        Command::Merge(args) => merge_command(args),
        Command::Certify(command) => match command.action {
            None => certify::certify_command(command.run),
            Some(CertifyAction::Verify(args)) => certify::certify_verify_command(args),
            Some(CertifyAction::Merge(args)) => certify::certify_merge_command(args),
        },
    }
}

fn mutants_command(args: MutantsArgs) -> Result<ExitCode, String> {
    use confuzz::mutants;
    let set = load(&args.specs)?;
    if args.list {
        let catalog = mutants::catalog(&set);
        match args.format {
            Format::Json => json(&serde_json::Value::Array(
                catalog
                    .iter()
                    .map(|(vendor, name, description)| {
                        serde_json::json!({"name": name, "vendor": vendor, "description": description})
                    })
                    .collect(),
            ))?,
            Format::Table => out(&mutants_report::catalog_table(&catalog))?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let defaults = confuzz::mutants::MutationOptions::default();
    let options = confuzz::mutants::MutationOptions::default()
        .cases(args.cases.max(1))
        .seed(args.seed)
        .jobs(args.jobs.unwrap_or(defaults.jobs).max(1))
        .mutants(args.mutants.clone());
    let report = mutants::score(&set, &options, &|_| {}).map_err(|e| e.to_string())?;
    match args.format {
        Format::Json => json(&mutants_report::json(&report))?,
        Format::Table => out(&mutants_report::console(&report))?,
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `--limit VENDOR.LIMIT=N` values, each name one of the limits `set` declares.
fn parse_limits(
    limits: &[String],
    set: &SpecSet,
) -> Result<std::collections::BTreeMap<String, u64>, String> {
    let known: Vec<String> = set
        .specs
        .iter()
        .flat_map(|s| {
            s.spec
                .vendor
                .limits
                .iter()
                .map(move |l| format!("{}.{}", s.spec.vendor.id, l.name))
        })
        .collect();
    limits
        .iter()
        .map(|l| {
            let (name, value) = l.split_once('=').ok_or_else(|| {
                format!("--limit {l}: write NAME=N, e.g. VENDOR.LIMIT=5 (the names are the specs' `vendor.limits`)")
            })?;
            let name = name.trim();
            if !known.iter().any(|k| k == name) {
                return Err(format!(
                    "--limit {l}: no spec declares the limit `{name}`; the limits are: {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ));
            }
            let n: u64 = value
                .trim()
                .parse()
                .map_err(|_| format!("--limit {l}: `{value}` is not a whole number"))?;
            Ok((name.to_string(), n))
        })
        .collect()
}

fn parse_pools(pools: &[String]) -> Result<std::collections::BTreeMap<String, usize>, String> {
    parse_sizes(
        "--pool",
        "VENDOR.FIXTURE=40 (an array fixture of the specs)",
        pools,
    )
}

/// `NAME=N` assignments of an option, by name.
fn parse_sizes<N: std::str::FromStr>(
    option: &str,
    example: &str,
    items: &[String],
) -> Result<std::collections::BTreeMap<String, N>, String> {
    items
        .iter()
        .map(|l| {
            let (name, value) = l
                .split_once('=')
                .ok_or_else(|| format!("{option} {l}: write NAME=N, e.g. {example}"))?;
            let n: N = value
                .trim()
                .parse()
                .map_err(|_| format!("{option} {l}: `{value}` is not a whole number"))?;
            Ok((name.trim().to_string(), n))
        })
        .collect()
}

/// Where the reproducers of a run against the embedded reference send their requests: the
/// default address of `confuzz serve`.
const SERVE_ADDR: &str = "127.0.0.1:8080";

/// The target, its fixtures, the faults it supports, and what it sees as its URL.
struct Chosen {
    target: Box<dyn Target>,
    fixtures: serde_json::Map<String, serde_json::Value>,
    faults: Option<Vec<String>>,
    url_base: String,
    host: Option<String>,
    remote: bool,
}

fn choose_target(args: &TargetArgs, set: &SpecSet) -> Result<Chosen, String> {
    match &args.target {
        None => {
            if args.fixtures.is_some() {
                eprintln!(
                    "note: --fixtures is ignored for the embedded reference, which has its own"
                );
            }
            let mut config = Config::default()
                .limits(parse_limits(&args.limits, set)?)
                .pools(parse_pools(&args.pools)?);
            config.mutant = args.mutant.clone();
            let reference = Reference::new(config);
            if let Some(m) = &args.mutant {
                if !reference.mutants().iter().any(|(_, name, _)| name == m) {
                    return Err(format!(
                        "unknown mutant `{m}`; `confuzz mutants --list` lists them"
                    ));
                }
            }
            let fixtures = reference.fixtures();
            let faults = args
                .faults
                .clone()
                .or_else(|| Some(reference.faults().iter().map(|f| f.to_string()).collect()));
            // Requests are built (and OAuth-signed) for the address the reproducers name, so
            // that they replay as printed against `confuzz serve` there.
            Ok(Chosen {
                target: Box::new(reference),
                fixtures,
                faults,
                url_base: format!("http://{SERVE_ADDR}"),
                host: Some(SERVE_ADDR.into()),
                remote: false,
            })
        }
        Some(url) => remote_target(url, args, set),
    }
}

#[cfg(feature = "http")]
fn remote_target(url: &str, args: &TargetArgs, set: &SpecSet) -> Result<Chosen, String> {
    use confuzz::target::HttpTarget;
    if !args.limits.is_empty() || args.mutant.is_some() || !args.pools.is_empty() {
        return Err("--limit, --pool and --mutant apply to the embedded reference; start `confuzz serve` with them instead".into());
    }
    let http = HttpTarget::new(url)
        .map_err(|e| e.to_string())?
        .timeout(std::time::Duration::from_millis(args.timeout_ms));
    let url_base = http.base_url();
    // The fixtures file first: a mistake in it is found before the target is asked anything.
    let fixtures = match &args.fixtures {
        Some(path) => runner::fixtures::load_fixtures(path, set).map_err(|e| e.to_string())?,
        None => {
            eprintln!("note: no --fixtures given: rows that need fixtures are reported untested (`confuzz fixtures --template` starts a file)");
            serde_json::Map::new()
        }
    };
    // A file written for every vendor (`serve --fixtures-out`) is fine for a run of some:
    // only names of no vendor at all are worth a note.
    let all_vendors: Vec<String> = spec::load_embedded()
        .map(|all| all.specs.iter().map(|s| s.spec.vendor.id.clone()).collect())
        .unwrap_or_default();
    for name in runner::fixtures::unknown_fixtures(set, &fixtures) {
        let vendor = name.split('.').next().unwrap_or_default();
        if !all_vendors.iter().any(|v| v == vendor) || set.vendor(vendor).is_some() {
            eprintln!("note: fixture `{name}` is not declared by any loaded spec");
        }
    }
    let target: Box<dyn Target> = Box::new(http);
    // One request up front: an unreachable target is one line, not a hundred failures.
    let faults = match &args.faults {
        Some(f) => Some(f.clone()),
        None => match target.send(&confuzz::Request::new(
            "GET",
            confuzz::target::CAPABILITIES_PATH,
        )) {
            Err(e @ confuzz::TargetError::Unreachable { .. }) => return Err(e.to_string()),
            // An answer that is no answer is the checks' business: they will fail with it.
            Err(e) => {
                eprintln!("note: the capabilities probe got no usable answer ({e}); no fault hook is assumed");
                Some(Vec::new())
            }
            Ok(_) => runner::fixtures::discover_faults(target.as_ref()).or(Some(Vec::new())),
        },
    };
    Ok(Chosen {
        target,
        fixtures,
        faults,
        url_base,
        host: None,
        remote: true,
    })
}

#[cfg(not(feature = "http"))]
fn remote_target(_: &str, _: &TargetArgs, _: &SpecSet) -> Result<Chosen, String> {
    Err("this build has no HTTP support: rebuild with the `http` feature".into())
}

fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (nanos ^ (std::process::id() as u64).rotate_left(32)) % 1_000_000_000_000
}

fn run_command(args: RunArgs) -> Result<ExitCode, String> {
    use std::io::IsTerminal;
    let set = load(&args.specs)?;
    let seed = args.seed.unwrap_or_else(random_seed);
    // Where the evidence goes is settled before the first request (the capabilities probe
    // included): a bad path is a usage error, never a run's results thrown away.
    let outputs = output::Outputs::prepare(args.junit.as_deref(), args.save_failures.as_deref())?;
    let chosen = choose_target(&args.target, &set)?;
    let stop = confuzz::target::StopHandle::new();
    output::on_signals(&stop);
    let retry = args.pace.retry(chosen.remote);
    let mut options = RunOptions::default()
        .cases(args.cases)
        .seed(seed)
        .strict(args.strict)
        .rows(args.rows.clone())
        .shrink(!args.no_shrink)
        .positive(!args.no_positive)
        .url_base(chosen.url_base.clone())
        .host(chosen.host.clone())
        .prefix(args.prefix.clone())
        .retry(retry.then(runner::RetryPolicy::default))
        .rate(args.pace.rate)
        .max_duration(args.max_duration)
        .stop(stop.clone())
        .partition(args.partition);
    if let Some(jobs) = args.pace.jobs {
        options = options.jobs(jobs);
    }
    options.faults = chosen.faults.clone();
    options.properties = args
        .properties
        .as_ref()
        .filter(|names| !names.iter().any(|n| n.trim() == "all"))
        .map(|names| {
            names
                .iter()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty() && n != "none")
                .collect()
        });
    let progress = progress::show_progress(
        std::io::stderr().is_terminal(),
        std::env::var_os("CI").as_deref(),
    )
    .then(|| {
        let colour = progress::colour_wanted(
            match args.color {
                ColorWhen::Auto => progress::ColourChoice::Auto,
                ColorWhen::Always => progress::ColourChoice::Always,
                ColorWhen::Never => progress::ColourChoice::Never,
            },
            true,
            std::env::var_os("NO_COLOR").as_deref(),
        );
        let chosen = |name: &str| {
            (options.properties.as_ref()).is_none_or(|names| names.iter().any(|n| n == name))
        };
        let properties = runner::properties()
            .into_iter()
            .filter(|(name, _)| chosen(name))
            .count()
            * set.specs.len();
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        progress::Progress::new(std::io::stderr(), colour, properties, width)
    });
    let on_event = |event: &runner::Event<'_>| {
        if let Some(p) = &progress {
            p.on_event(event);
        }
    };
    let report = runner::run(
        &set,
        chosen.target.as_ref(),
        &chosen.fixtures,
        &options,
        &on_event,
    )
    .map_err(|e| e.to_string());
    if let Some(p) = &progress {
        p.finish();
    }
    let report = report?;
    let base = chosen.url_base.clone();
    let redactor = run_report::Redactor::new(&set, &chosen.fixtures);
    match args.format {
        Format::Json => json(&run_report::json(&report, &base, &redactor))?,
        Format::Table => {
            let text = run_report::console(&report, &base, &redactor, args.verbose);
            out(&reproducer_note(&args.target, &chosen, &set, &text))?;
            out(&text)?
        }
    }
    if let Some(text) = fixtures_report::missing_text(&set, &report) {
        eprint!("{text}");
    }
    outputs.write(&report, &base, &redactor)?;
    if let Some(reason) = &report.stopped {
        eprintln!(
            "stopped: {reason}; {} checks are untested as not finished",
            report.summary.untested
        );
    }
    Ok(exit_code(&report))
}

/// Input files are read up to this size (a JSON report of a run with failures and their
/// evidence is large; this is far above any real one).
const MAX_REPORT_BYTES: u64 = 256 << 20;

fn merge_command(args: MergeReportsArgs) -> Result<ExitCode, String> {
    use std::io::Read as _;
    // The JUnit file is checked before anything is read: a bad path is a usage error.
    let outputs = output::Outputs::prepare(args.junit.as_deref(), None)?;
    let mut parts = Vec::new();
    for path in &args.reports {
        let name = path.display().to_string();
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_REPORT_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        if bytes.len() as u64 > MAX_REPORT_BYTES {
            return Err(format!(
                "{name} is over {} MiB: not a JSON report of `confuzz run`",
                MAX_REPORT_BYTES >> 20
            ));
        }
        let report: runner::RunReport = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{name} is not a JSON report this confuzz reads ({e}); write each part with `confuzz run --partition K/N --format json > FILE`"
            )
        })?;
        parts.push((name, report));
    }
    // The specs of the run: the embedded ones (or --spec), restricted to the reports' vendors.
    let vendors = parts
        .first()
        .and_then(|(_, r)| r.options.as_ref())
        .map(|o| o.vendors.clone())
        .unwrap_or_default();
    let set = load(&SpecArgs {
        spec: args.spec.clone(),
        vendors: Vec::new(),
    })?;
    let set = if vendors.is_empty() {
        set
    } else {
        set.only_vendors(&vendors)?
    };
    let report = runner::merge(&parts, &set).map_err(|e| e.to_string())?;
    // The parts are redacted already; reproducers point where the run's did.
    let redactor = run_report::Redactor::default();
    // Parts checked against several URLs: the reproducers point at the first.
    let first_target = report.target.split(", ").next().unwrap_or_default();
    let base = if first_target.starts_with("http://") || first_target.starts_with("https://") {
        first_target.to_string()
    } else {
        format!("http://{SERVE_ADDR}")
    };
    match args.format {
        Format::Json => json(&run_report::json(&report, &base, &redactor))?,
        Format::Table => out(&run_report::console(
            &report,
            &base,
            &redactor,
            args.verbose,
        ))?,
    }
    outputs.write(&report, &base, &redactor)?;
    Ok(exit_code(&report))
}

/// 0 conforms; 1 a check failed (or a strict run left one untested); 2 the harness could not
/// carry out a check, or the run stopped before every check ran with no failure found.
fn exit_code(report: &runner::RunReport) -> ExitCode {
    match report.outcome() {
        runner::RunOutcome::Conforms => ExitCode::SUCCESS,
        runner::RunOutcome::Fails | runner::RunOutcome::UntestedUnderStrict => ExitCode::from(1),
        runner::RunOutcome::HarnessError | runner::RunOutcome::Stopped => ExitCode::from(2),
    }
}

/// A duration in seconds, or with a unit: `90`, `90s`, `500ms`, `15m`, `2h`.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write e.g. 90, 90s, 15m or 2h"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`; use ms, s, m or h"
            ))
        }
    };
    if !(seconds > 0.0 && seconds.is_finite() && seconds < 1e9) {
        return Err(format!("`{text}`: the duration must be more than zero"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

fn replay_command(
    file: &std::path::Path,
    specs: &SpecArgs,
    target: &TargetArgs,
) -> Result<ExitCode, String> {
    let saved = runner::replay::SavedFailure::load(file).map_err(|e| e.to_string())?;
    let set = load(specs)?;
    let chosen = choose_target(target, &set)?;
    let replayed = runner::replay::replay(
        &saved,
        &set,
        &runner::replay::ReplayTarget {
            target: chosen.target.as_ref(),
            fixtures: &chosen.fixtures,
            url_base: &chosen.url_base,
            host: chosen.host.as_deref(),
            faults: chosen.faults.as_deref(),
        },
    )
    .map_err(|e| e.to_string())?;
    let redactor = run_report::Redactor::new(&set, &chosen.fixtures);
    let base = chosen.url_base.clone();
    out(&format!(
        "{} on {}: {}\n",
        replayed.id,
        chosen.target.describe(),
        match replayed.verdict {
            RowVerdict::Passed => "passes now",
            RowVerdict::Warned => "warns (assumed expectation differs)",
            RowVerdict::Failed => "still fails",
            RowVerdict::Untested => "cannot be checked now",
        }
    ))?;
    if let Some(reason) = &replayed.reason {
        out(&format!("{}\n", redactor.redact(reason)))?;
    }
    // A case that passes now is shown as the request it is, not as a failing one.
    let detail = match (&replayed.evidence, replayed.verdict) {
        (Some(e), RowVerdict::Passed | RowVerdict::Warned) => Some(
            run_report::evidence_text_labelled(e, &base, &redactor, "request"),
        ),
        _ => run_report::detail_text(&replayed, &base, &redactor),
    };
    if let Some(detail) = detail {
        out(&reproducer_note(target, &chosen, &set, &detail))?;
        out(&detail)?;
    }
    Ok(match replayed.verdict {
        RowVerdict::Failed => ExitCode::from(1),
        RowVerdict::Untested => ExitCode::from(2),
        RowVerdict::Passed | RowVerdict::Warned => ExitCode::SUCCESS,
    })
}

#[cfg(feature = "http")]
fn serve_command(args: ServeArgs) -> Result<ExitCode, String> {
    let embedded = spec::load_embedded().map_err(|e| e.to_string())?;
    let mut config = Config::default()
        .test_hooks(!args.no_test_hooks)
        .limits(parse_limits(&args.limits, &embedded)?)
        .pools(parse_pools(&args.pools)?);
    config.mutant = args.mutant.clone();
    let reference = Reference::with_vendors(config, &args.vendors)?;
    if let Some(m) = &args.mutant {
        if !reference.mutants().iter().any(|(_, name, _)| name == m) {
            return Err(format!(
                "unknown mutant `{m}`; `confuzz mutants --list` lists them"
            ));
        }
    }
    if let Some(path) = &args.fixtures_out {
        let text =
            serde_json::to_string_pretty(&reference.fixtures()).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("fixtures written to {}", path.display());
    }
    if args.addr.ip().is_unspecified() {
        eprintln!(
            "warning: listening on every interface ({}){}: anyone who can reach this machine can use it; pass --addr 127.0.0.1:PORT to keep it local",
            args.addr.ip(),
            if args.no_test_hooks {
                ""
            } else {
                ", with the test hooks on (fault header, capabilities)"
            }
        );
    }
    let reference = std::sync::Arc::new(reference);
    let options = confuzz::serve::ServeOptions::default().quiet(args.quiet);
    confuzz::serve::serve(
        move |req: &confuzz::Request| reference.handle(req),
        args.addr,
        options,
    )
    .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// The lines above a report's reproducers: which server they target (the embedded reference:
/// the `confuzz serve` command that serves the same mutant and limits), and how to set the
/// secret variables they use from the fixtures file. Empty when `text` has no `curl` line.
fn reproducer_note(args: &TargetArgs, chosen: &Chosen, set: &SpecSet, text: &str) -> String {
    if !text.contains("curl ") {
        return String::new();
    }
    let mut note = String::new();
    let fixtures_file = if chosen.remote {
        note.push_str(&format!(
            "the reproducers below target {}\n",
            chosen.url_base
        ));
        args.fixtures
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "fixtures.json".into())
    } else {
        let mut serve = String::from("confuzz serve");
        if let Some(m) = &args.mutant {
            serve.push_str(&format!(" --mutant {m}"));
        }
        for l in &args.limits {
            serve.push_str(&format!(" --limit {l}"));
        }
        serve.push_str(&format!(
            " --addr {SERVE_ADDR} --fixtures-out fixtures.json"
        ));
        note.push_str(&format!("the reproducers below target `{serve}`\n"));
        "fixtures.json".into()
    };
    let exports = fixtures_report::exports(set, text, &fixtures_file);
    if !exports.is_empty() {
        note.push_str("their secrets are variables; set them from the fixtures file:\n");
        for line in exports {
            note.push_str(&format!("  {line}\n"));
        }
    }
    note.push('\n');
    note
}

//! Argument parsing for the `confuzz` binary. Every command is a thin call into the library;
//! this module only reads arguments, prints, and maps results to exit codes:
//! 0 success, 1 findings or non-conformance, 2 usage, spec or I/O error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use confuzz::reference::{Config, Reference};
use confuzz::report::{catalog, mutants as mutants_report, run as run_report};
use confuzz::run::{self as runner, RowVerdict, RunOptions};
use confuzz::spec::{self, lint, SpecSet};
use confuzz::target::Target;

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
    /// Rebuild a saved failure, send it again and judge the answer.
    Replay {
        /// A file written by `confuzz run --save-failures DIR`.
        file: PathBuf,
        #[command(flatten)]
        specs: SpecArgs,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Serve the embedded reference implementations over HTTP.
    #[cfg(feature = "http")]
    Serve(ServeArgs),
    /// Check the checks: every mutant of the reference must fail some check, the reference none.
    Mutants(MutantsArgs),
}

#[derive(clap::Args)]
struct MutantsArgs {
    #[command(flatten)]
    specs: SpecArgs,
    /// Only these mutants (repeatable): a name, a vendor id, or `prefix*`.
    #[arg(long = "mutant", value_name = "NAME")]
    mutants: Vec<String>,
    /// Cases per row in every run.
    #[arg(long, default_value_t = confuzz::run::MutationOptions::default().cases)]
    cases: u32,
    /// Seed of every run (the same seed gives the same score).
    #[arg(long, default_value_t = confuzz::run::MutationOptions::default().seed)]
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
    /// Per-request timeout in milliseconds (HTTP targets).
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    timeout_ms: u64,
    /// Embedded reference only: set a limit at start, e.g. VENDOR.LIMIT=5 (the names are the specs' `vendor.limits`).
    #[arg(long = "limit", value_name = "NAME=N")]
    limits: Vec<String>,
    /// Embedded reference only: run against a named mutant instead of the conforming reference.
    #[arg(long, value_name = "NAME")]
    mutant: Option<String>,
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
    #[arg(long, default_value_t = 32)]
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
    /// Rows checked at once (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Retry 429 and 5xx answers that a row does not expect (default: on for remote targets).
    #[arg(long, overrides_with = "no_retry")]
    retry: bool,
    #[arg(long, hide = true)]
    no_retry: bool,
    /// At most this many requests per second (HTTP targets).
    #[arg(long, value_name = "N")]
    rate: Option<u32>,
    /// Do not shrink failures.
    #[arg(long)]
    no_shrink: bool,
    /// Skip the valid-request checks.
    #[arg(long)]
    no_positive: bool,
    /// The cross-request properties to check after the rows, comma-separated: precedence,
    /// nothing-lost, unique, after-delete, limit; `none` for none, `all` (the default) for all.
    #[arg(long, value_name = "NAME[,NAME]", value_delimiter = ',')]
    properties: Option<Vec<String>>,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write one JSON file per failed row here, for `confuzz replay`.
    #[arg(long, value_name = "DIR")]
    save_failures: Option<PathBuf>,
    /// List passing rows too.
    #[arg(long, short)]
    verbose: bool,
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
    set.only_vendors(&args.vendors)
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
        #[cfg(feature = "http")]
        Command::Serve(args) => serve_command(args),
        Command::Mutants(args) => mutants_command(args),
    }
}

fn mutants_command(args: MutantsArgs) -> Result<ExitCode, String> {
    use confuzz::run::mutants;
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
    let defaults = confuzz::run::MutationOptions::default();
    let options = confuzz::run::MutationOptions {
        cases: args.cases.max(1),
        seed: args.seed,
        jobs: args.jobs.unwrap_or(defaults.jobs).max(1),
        mutants: args.mutants.clone(),
    };
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

fn parse_limits(limits: &[String]) -> Result<std::collections::BTreeMap<String, u64>, String> {
    limits
        .iter()
        .map(|l| {
            let (name, value) = l.split_once('=').ok_or_else(|| {
                format!("--limit {l}: write NAME=N, e.g. VENDOR.LIMIT=5 (the names are the specs' `vendor.limits`)")
            })?;
            let n: u64 = value
                .trim()
                .parse()
                .map_err(|_| format!("--limit {l}: `{value}` is not a whole number"))?;
            Ok((name.trim().to_string(), n))
        })
        .collect()
}

/// The target, its fixtures, the faults it supports, and what it sees as its URL.
struct Chosen {
    target: Box<dyn Target>,
    fixtures: serde_json::Map<String, serde_json::Value>,
    faults: Option<Vec<String>>,
    url_base: String,
    host: Option<String>,
    remote: bool,
}

fn choose_target(args: &TargetArgs, set: &SpecSet, rate: Option<u32>) -> Result<Chosen, String> {
    match &args.target {
        None => {
            if args.fixtures.is_some() {
                eprintln!(
                    "note: --fixtures is ignored for the embedded reference, which has its own"
                );
            }
            let config = Config {
                limits: parse_limits(&args.limits)?,
                mutant: args.mutant.clone(),
                ..Config::default()
            };
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
            Ok(Chosen {
                target: Box::new(reference),
                fixtures,
                faults,
                url_base: "http://localhost".into(),
                host: Some("localhost".into()),
                remote: false,
            })
        }
        Some(url) => remote_target(url, args, set, rate),
    }
}

#[cfg(feature = "http")]
fn remote_target(
    url: &str,
    args: &TargetArgs,
    set: &SpecSet,
    rate: Option<u32>,
) -> Result<Chosen, String> {
    use confuzz::target::HttpTarget;
    if !args.limits.is_empty() || args.mutant.is_some() {
        return Err("--limit and --mutant apply to the embedded reference; start `confuzz serve` with them instead".into());
    }
    let http = HttpTarget::new(url)
        .map_err(|e| e.to_string())?
        .timeout(std::time::Duration::from_millis(args.timeout_ms));
    let url_base = http.base_url();
    let target: Box<dyn Target> = match rate {
        Some(n) => Box::new(confuzz::target::RateLimited::new(http, n)),
        None => Box::new(http),
    };
    // One request up front: an unreachable target is one line, not a hundred failures.
    let faults = match &args.faults {
        Some(f) => Some(f.clone()),
        None => match target.send(&confuzz::Request::new(
            "GET",
            confuzz::reference::CAPABILITIES_PATH,
        )) {
            Err(e) => return Err(e.to_string()),
            Ok(_) => runner::fixtures::discover_faults(target.as_ref()).or(Some(Vec::new())),
        },
    };
    let fixtures = match &args.fixtures {
        Some(path) => runner::fixtures::load_fixtures(path, set).map_err(|e| e.to_string())?,
        None => {
            eprintln!("note: no --fixtures given: rows that need fixtures are reported untested");
            serde_json::Map::new()
        }
    };
    for name in runner::fixtures::unknown_fixtures(set, &fixtures) {
        eprintln!("note: fixture `{name}` is not declared by any loaded spec");
    }
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
fn remote_target(_: &str, _: &TargetArgs, _: &SpecSet, _: Option<u32>) -> Result<Chosen, String> {
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
    let chosen = choose_target(&args.target, &set, args.rate)?;
    let seed = args.seed.unwrap_or_else(random_seed);
    let retry = if args.no_retry {
        false
    } else {
        args.retry || chosen.remote
    };
    let options = RunOptions {
        cases: args.cases.max(1),
        seed,
        strict: args.strict,
        jobs: args.jobs.unwrap_or_else(|| RunOptions::default().jobs),
        rows: args.rows.clone(),
        shrink: !args.no_shrink,
        positive: !args.no_positive,
        url_base: chosen.url_base.clone(),
        host: chosen.host.clone(),
        faults: chosen.faults.clone(),
        prefix: args.prefix.clone(),
        retry: retry.then(runner::RetryPolicy::default),
        now: None,
        properties: args
            .properties
            .as_ref()
            .filter(|names| !names.iter().any(|n| n.trim() == "all"))
            .map(|names| {
                names
                    .iter()
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty() && n != "none")
                    .collect()
            }),
    };
    let progress = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let total = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let on_event = |event: &runner::Event<'_>| {
        use std::sync::atomic::Ordering;
        match event {
            runner::Event::Started { rows, endpoints } => {
                total.store(rows + endpoints, Ordering::Relaxed);
            }
            // Properties come after the rows, which the bar counts.
            runner::Event::PropertyFinished(_) => {}
            _ => {
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if progress {
                    let t = total.load(Ordering::Relaxed).max(1);
                    let width = 30;
                    let filled = n * width / t;
                    eprint!(
                        "\r[{}{}] {n}/{t}",
                        "#".repeat(filled),
                        " ".repeat(width - filled)
                    );
                    if n == t {
                        eprint!("\r{}\r", " ".repeat(width + 20));
                    }
                }
            }
        }
    };
    let report = runner::run(
        &set,
        chosen.target.as_ref(),
        &chosen.fixtures,
        &options,
        &on_event,
    )
    .map_err(|e| e.to_string())?;
    let base = if chosen.remote {
        chosen.url_base.clone()
    } else {
        "http://127.0.0.1:8080".to_string()
    };
    let redactor = run_report::Redactor::new(&set, &chosen.fixtures);
    match args.format {
        Format::Json => json(&run_report::json(&report, &base, &redactor))?,
        Format::Table => {
            if !chosen.remote && !report.conforms() {
                out("the reproducers below target `confuzz serve --addr 127.0.0.1:8080`\n")?;
            }
            out(&run_report::console(
                &report,
                &base,
                &redactor,
                args.verbose,
            ))?
        }
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, run_report::junit(&report, &base, &redactor))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let Some(dir) = &args.save_failures {
        for row in report
            .rows
            .iter()
            .filter(|r| r.verdict == RowVerdict::Failed)
        {
            if let Some(mut saved) = runner::replay::SavedFailure::from_row(
                row,
                report.seed,
                &report.prefix,
                report.strict,
            ) {
                saved.oauth1 = report.signing.get(&row.vendor).copied();
                // Replay rebuilds the case from its choices; what was sent is kept for people,
                // with secrets redacted like every other output.
                let saved = redactor.redact_serialized(&saved).unwrap_or(saved);
                let path = saved
                    .save(dir)
                    .map_err(|e| format!("cannot write to {}: {e}", dir.display()))?;
                eprintln!("saved {}", path.display());
            }
        }
    }
    Ok(if report.conforms() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn replay_command(
    file: &std::path::Path,
    specs: &SpecArgs,
    target: &TargetArgs,
) -> Result<ExitCode, String> {
    let saved = runner::replay::SavedFailure::load(file)?;
    let set = load(specs)?;
    let chosen = choose_target(target, &set, None)?;
    let replayed = runner::replay::replay(
        &saved,
        &set,
        chosen.target.as_ref(),
        &chosen.fixtures,
        &chosen.url_base,
        chosen.host.as_deref(),
    )?;
    let redactor = run_report::Redactor::new(&set, &chosen.fixtures);
    let base = if chosen.remote {
        chosen.url_base.clone()
    } else {
        "http://127.0.0.1:8080".to_string()
    };
    let evidence = runner::Evidence {
        mismatches: replayed.verdict.mismatches.clone(),
        reading: replayed.verdict.reading.clone(),
        looks_like: replayed.verdict.looks_like.clone(),
        request: replayed.request,
        response: replayed.response,
        setup: replayed.setup,
        choices: saved.choices.clone(),
        shrunk: false,
        reproduced: true,
    };
    let outcome = replayed.verdict.outcome;
    out(&format!(
        "{} on {}: {}\n",
        saved.row,
        chosen.target.describe(),
        match outcome {
            confuzz::check::Outcome::Pass => "passes now",
            confuzz::check::Outcome::Warn => "warns (assumed expectation differs)",
            confuzz::check::Outcome::Fail => "still fails",
        }
    ))?;
    out(&run_report::evidence_text(&evidence, &base, &redactor))?;
    Ok(if outcome == confuzz::check::Outcome::Fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(feature = "http")]
fn serve_command(args: ServeArgs) -> Result<ExitCode, String> {
    let config = Config {
        test_hooks: !args.no_test_hooks,
        limits: parse_limits(&args.limits)?,
        mutant: args.mutant.clone(),
    };
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
    let reference = std::sync::Arc::new(reference);
    let options = confuzz::serve::ServeOptions {
        quiet: args.quiet,
        ..Default::default()
    };
    confuzz::serve::serve(
        move |req: &confuzz::Request| reference.handle(req),
        args.addr,
        options,
    )
    .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

//! Argument parsing for the `confuzz` binary. Every command is a thin call into the library;
//! this module only reads arguments, prints, and maps results to exit codes:
//! 0 success, 1 findings or non-conformance, 2 usage, spec or I/O error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use confuzz::report::catalog;
use confuzz::spec::{self, lint, SpecSet};

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
    }
}

//! Where a run's evidence goes: the JUnit file and the saved-failures folder, checked before
//! the first request and written without following symlinks or overwriting an earlier run's
//! evidence; and the signal handler that stops a run so that its partial report is written.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use confuzz::report::run::{self as run_report, Redactor};
use confuzz::run::{self as runner, RunReport};
use confuzz::target::StopHandle;

/// The output files of one run, opened or created before it starts.
pub struct Outputs {
    junit: Option<(PathBuf, std::fs::File)>,
    /// The fresh folder of this run's saved failures, inside the `--save-failures` folder.
    failures: Option<PathBuf>,
}

/// Refuses a path whose last component is a symlink: evidence is never written through one
/// (a link planted in a shared folder would send it elsewhere).
fn refuse_symlink(path: &Path, what: &str) -> Result<(), String> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(format!(
            "{what} {} is a symbolic link; refusing to write through it: pass the real path",
            path.display()
        )),
        _ => Ok(()),
    }
}

impl Outputs {
    /// Opens the JUnit file and creates this run's failures folder (`DIR/run-<time>`, a new
    /// folder every run), or says what is wrong with the paths.
    pub fn prepare(junit: Option<&Path>, save_failures: Option<&Path>) -> Result<Self, String> {
        let junit = match junit {
            None => None,
            Some(path) => {
                refuse_symlink(path, "--junit")?;
                if path.is_dir() {
                    return Err(format!(
                        "--junit {} is a folder; pass a file name",
                        path.display()
                    ));
                }
                let file = std::fs::File::create(path).map_err(|e| {
                    format!(
                        "--junit {}: cannot write: {e}; pass a path in an existing, writable folder",
                        path.display()
                    )
                })?;
                Some((path.to_path_buf(), file))
            }
        };
        let failures = match save_failures {
            None => None,
            Some(dir) => Some(fresh_folder(dir)?),
        };
        Ok(Outputs { junit, failures })
    }

    /// Writes the JUnit report and the saved failures (secrets redacted; a failure that cannot
    /// be redacted is not written).
    pub fn write(&self, report: &RunReport, base: &str, redactor: &Redactor) -> Result<(), String> {
        if let Some((path, file)) = &self.junit {
            let mut file = file;
            file.write_all(run_report::junit(report, base, redactor).as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        let Some(dir) = &self.failures else {
            return Ok(());
        };
        let mut saved_any = false;
        for check in report.checks() {
            let Some(saved) = runner::replay::SavedFailure::from_check(
                check,
                report.seed,
                &report.prefix,
                report.strict,
                report.cases,
            ) else {
                continue;
            };
            // Replay rebuilds the check from its seed; what was sent is kept for people, with
            // secrets redacted like every other output.
            let value = serde_json::to_value(&saved)
                .map(|v| redactor.redact_value(&v))
                .map_err(|e| format!("cannot save the failure of {}: {e}", check.id))?;
            // A binary body is written beside the saved failure, and its reproducer sends
            // that file (`--data-binary @FILE`) byte for byte.
            let request = check.evidence.as_ref().map(|e| &e.request);
            let body = request
                .filter(|r| run_report::is_binary_body(&r.body))
                .map(|r| redactor.redact_bytes(&r.body));
            let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
            let path = runner::replay::save_new_with_body(
                &absolute,
                &check.id,
                body.as_deref(),
                |body_file| match (request, body_file) {
                    (Some(request), Some(file)) => {
                        let mut v = value.clone();
                        v["body_file"] = serde_json::json!(file.display().to_string());
                        v["curl"] = serde_json::json!(run_report::curl_with_body_file(
                            request,
                            base,
                            redactor,
                            Some(file)
                        ));
                        v
                    }
                    _ => value.clone(),
                },
            )
            .map_err(|e| format!("cannot write to {}: {e}", dir.display()))?;
            saved_any = true;
            eprintln!("saved {}", path.display());
        }
        if !saved_any {
            // Nothing failed: no empty folder left behind (it was ours, made for this run).
            let _ = std::fs::remove_dir(dir);
        }
        Ok(())
    }
}

/// Creates `dir` if needed and a folder of its own for this run inside it.
fn fresh_folder(dir: &Path) -> Result<PathBuf, String> {
    refuse_symlink(dir, "--save-failures")?;
    if dir.exists() && !dir.is_dir() {
        return Err(format!("--save-failures {} is not a folder", dir.display()));
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "--save-failures {}: cannot create the folder: {e}",
            dir.display()
        )
    })?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    // `create_dir` makes a new folder or fails, and never follows a planted link.
    for n in 0..1000 {
        let name = if n == 0 {
            format!("run-{stamp}")
        } else {
            format!("run-{stamp}-{n}")
        };
        let path = dir.join(name);
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(format!(
                    "--save-failures {}: cannot create {}: {e}",
                    dir.display(),
                    path.display()
                ))
            }
        }
    }
    Err(format!(
        "--save-failures {}: 1000 runs this second; pass another folder",
        dir.display()
    ))
}

/// Stops the run on SIGINT or SIGTERM, so that it ends with the report of what ran; a second
/// signal ends the process at once.
#[cfg(all(unix, feature = "http"))]
pub fn on_signals(stop: &StopHandle) {
    let stop = stop.clone();
    let spawned = std::thread::Builder::new()
        .name("confuzz-signals".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                use tokio::signal::unix::{signal, SignalKind};
                let (Ok(mut term), Ok(mut int)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::interrupt()),
                ) else {
                    return;
                };
                // Bounded by the process: the second signal exits.
                loop {
                    let (name, code) = tokio::select! {
                        _ = int.recv() => ("SIGINT", 130),
                        _ = term.recv() => ("SIGTERM", 143),
                    };
                    if stop.is_stopped() {
                        std::process::exit(code);
                    }
                    eprintln!("\n{name}: stopping; the report of what ran follows ({name} again to quit at once)");
                    stop.stop(format!("interrupted by {name}"));
                }
            });
        });
    if let Err(e) = spawned {
        eprintln!("note: no signal handler ({e}): an interrupted run prints no report");
    }
}

#[cfg(not(all(unix, feature = "http")))]
pub fn on_signals(_: &StopHandle) {}

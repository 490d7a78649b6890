//! `cargo bench --bench full_run`: a full conformance run of every documented row (32 cases
//! each, plus the valid-request checks) against the embedded reference, in-process and over
//! loopback HTTP. Prints the median and spread of several runs, and their ratio: these
//! machines are noisy, so no single timing is meaningful.
//!
//! Options (after `--`): `--runs N` (default 7), `--cases N` (default 32), `--jobs N`.

use std::time::{Duration, Instant};

use confuzz::reference::{Config, Reference};
use confuzz::run::{run, RunOptions};
use confuzz::spec::load_embedded;
use confuzz::target::HttpTarget;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut xs: Vec<Duration>) -> (Duration, Duration, Duration) {
    xs.sort();
    (xs[0], xs[xs.len() / 2], xs[xs.len() - 1])
}

fn main() {
    let runs = arg("--runs", 7).max(1);
    let cases = arg("--cases", 32) as u32;
    let jobs = arg("--jobs", RunOptions::default().jobs);
    let set = load_embedded().expect("the shipped specs load");
    let rows = set.rows().count();

    let mut in_process = Vec::new();
    let mut requests = 0u64;
    for i in 0..runs {
        let reference = Reference::new(Config::default());
        let sent = std::sync::atomic::AtomicU64::new(0);
        let counted = confuzz::FnTarget::new("counted", |req: &confuzz::Request| {
            sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            reference.handle(req)
        });
        let fixtures = reference.fixtures();
        let options = RunOptions::default()
            .cases(cases)
            .seed(1000 + i as u64)
            .jobs(jobs);
        let start = Instant::now();
        let report = run(&set, &counted, &fixtures, &options, &|_| {}).expect("run completes");
        in_process.push(start.elapsed());
        // The reference's one warning (its OAuth 1.0a signing convention) is expected; a
        // failure or an untested check is printed.
        for r in report.checks().filter(|r| {
            !matches!(
                r.verdict,
                confuzz::run::RowVerdict::Passed | confuzz::run::RowVerdict::Warned
            )
        }) {
            eprintln!(
                "{} {:?}: {}",
                r.id,
                r.verdict,
                r.reason.clone().unwrap_or_default()
            );
        }
        assert!(report.conforms(), "the reference must conform");
        requests = sent.load(std::sync::atomic::Ordering::Relaxed);
    }

    let mut over_http = Vec::new();
    for i in 0..runs {
        let reference = std::sync::Arc::new(Reference::new(Config::default()));
        let fixtures = reference.fixtures();
        let handler = reference.clone();
        let server = confuzz::serve::spawn_server(
            move |req: &confuzz::Request| handler.handle(req),
            "127.0.0.1:0".parse().expect("address parses"),
            confuzz::serve::ServeOptions::default().quiet(true),
        )
        .expect("server starts on loopback");
        let target = HttpTarget::new(&server.url()).expect("url parses");
        let options = RunOptions::default()
            .cases(cases)
            .seed(2000 + i as u64)
            .jobs(jobs)
            .url_base(target.base_url())
            .host(None);
        let start = Instant::now();
        let report = run(&set, &target, &fixtures, &options, &|_| {}).expect("run completes");
        over_http.push(start.elapsed());
        // The reference's one warning (its OAuth 1.0a signing convention) is expected; a
        // failure or an untested check is printed.
        for r in report.checks().filter(|r| {
            !matches!(
                r.verdict,
                confuzz::run::RowVerdict::Passed | confuzz::run::RowVerdict::Warned
            )
        }) {
            eprintln!(
                "{} {:?}: {}",
                r.id,
                r.verdict,
                r.reason.clone().unwrap_or_default()
            );
        }
        assert!(report.conforms(), "the reference must conform over HTTP");
        server.shutdown();
    }

    let (lo, med, hi) = median(in_process);
    let (hlo, hmed, hhi) = median(over_http);
    println!("full run: {rows} rows, {cases} cases per row, {jobs} jobs, {runs} runs each");
    println!("  requests per run: {requests}");
    println!(
        "  in-process     median {:>8.1} ms  (min {:.1}, max {:.1})",
        med.as_secs_f64() * 1e3,
        lo.as_secs_f64() * 1e3,
        hi.as_secs_f64() * 1e3
    );
    println!(
        "  loopback HTTP  median {:>8.1} ms  (min {:.1}, max {:.1})",
        hmed.as_secs_f64() * 1e3,
        hlo.as_secs_f64() * 1e3,
        hhi.as_secs_f64() * 1e3
    );
    println!(
        "  HTTP / in-process = {:.1}x",
        hmed.as_secs_f64() / med.as_secs_f64().max(1e-9)
    );
}

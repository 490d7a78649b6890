//! `cargo bench --bench stateful`: the stateful property (random call sequences against every
//! modelled resource) against the embedded reference, in-process. Prints the median and spread
//! of several runs and the requests each vendor's sequences sent; these machines are noisy, so
//! no single timing is meaningful.
//!
//! Options (after `--`): `--runs N` (default 7), `--mutant NAME` (run against that mutant once
//! and print its result, evidence included).

use std::time::{Duration, Instant};

use confuzz::check::{CheckKind, CheckResult};
use confuzz::reference::{Config, Reference};
use confuzz::run::{run, RunOptions};
use confuzz::spec::{load_embedded, SpecSet};

/// The stateful property alone, for every vendor whose spec declares a model.
fn check(set: &SpecSet, reference: &Reference, options: &RunOptions) -> Vec<CheckResult> {
    let modelled = set
        .specs
        .iter()
        .filter(|s| !s.spec.models.is_empty())
        .map(|s| format!("{}.stateful.sequences", s.spec.vendor.id));
    let options = options
        .clone()
        .rows(modelled)
        .properties(["stateful"])
        .positive(false);
    run(set, reference, &reference.fixtures(), &options, &|_| {})
        .expect("the run goes on")
        .of_kind(CheckKind::Property)
        .cloned()
        .collect()
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() {
    let set = load_embedded().expect("the shipped specs load");
    if let Some(mutant) = arg("--mutant") {
        let reference = Reference::new(Config::default().mutant(mutant));
        let options = RunOptions::default().seed(1);
        for result in check(&set, &reference, &options) {
            println!(
                "{} {} ({} requests): {}",
                result.id,
                result.verdict.as_str(),
                result.count,
                result.reason.unwrap_or_default()
            );
            for note in result.notes {
                println!("  note: {note}");
            }
            for line in result.steps {
                println!("  {line}");
            }
        }
        return;
    }
    let runs: usize = arg("--runs")
        .and_then(|r| r.parse().ok())
        .unwrap_or(7)
        .max(1);
    let mut times: Vec<Duration> = Vec::new();
    let mut requests = Vec::new();
    for i in 0..runs {
        let reference = Reference::new(Config::default());
        let options = RunOptions::default().seed(1000 + i as u64);
        let start = Instant::now();
        let results = check(&set, &reference, &options);
        times.push(start.elapsed());
        for r in &results {
            if r.verdict != confuzz::run::RowVerdict::Passed {
                eprintln!("{}: {:?} {:?}", r.id, r.verdict, r.reason);
            }
        }
        requests = results.iter().map(|r| (r.id.clone(), r.count)).collect();
    }
    times.sort();
    println!(
        "stateful in-process: median {:?} (min {:?}, max {:?}) over {runs} runs",
        times[runs / 2],
        times[0],
        times[runs - 1]
    );
    for (id, n) in requests {
        println!("  {id}: {n} requests (last run)");
    }
}

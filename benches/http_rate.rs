//! `cargo bench --bench http_rate`: confuzz's request rate against `confuzz serve --vendor
//! clever` next to the yardstick (a plain load loop replaying one fixed request to the same
//! server, `benches/yardstick.rs`), at equal concurrency: `--jobs C` against C connections.
//! Rounds alternate between the two, and the medians and their ratio are printed for each
//! concurrency: these machines are noisy, so no single timing is meaningful.
//!
//! confuzz's rate is every request of a run (rows and valid-request checks, each case's
//! setup included) over the run's wall time; the cross-request properties are left out, as
//! they run one after another by design.
//!
//! Options (after `--`): `--concurrency 1,2,4,8` (default 2,4,8), `--cases N` per row (default
//! 128), `--runs N` (default 5), `--requests N` per yardstick round (default 20000).

#[path = "load/mod.rs"]
mod load;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use confuzz::reference::{Config, Reference};
use confuzz::run::{run, RunOptions};
use confuzz::spec::load_embedded;
use confuzz::target::{HttpTarget, Request, Response, Target, TargetError};

/// A target that counts what it sends.
struct Counted<T> {
    inner: T,
    sent: AtomicU64,
}

impl<T: Target> Target for Counted<T> {
    fn send(&self, request: &Request) -> Result<Response, TargetError> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.send(request)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

fn main() {
    let concurrency = load::list_arg("--concurrency", &[2, 4, 8]);
    let cases: u32 = load::arg("--cases", 128u32);
    let runs: usize = load::arg("--runs", 5usize).max(1);
    let requests: usize = load::arg("--requests", 20_000);
    let set = load_embedded()
        .expect("the shipped specs load")
        .only_vendors(&["clever".to_string()])
        .expect("clever is a shipped vendor");
    let server = load::Server::start("clever");
    let fixtures = Reference::new(Config::default()).fixtures();
    let fixed = load::clever_missing_fields(&fixtures, &server.addr.to_string());
    println!(
        "http rate: confuzz run (clever, {cases} cases per row) and the yardstick against {}",
        server.url
    );
    for c in concurrency {
        let mut yardstick = Vec::new();
        let mut confuzz = Vec::new();
        let mut sent = 0;
        for round in 0..runs {
            yardstick.push(load::replay(
                server.addr,
                &fixed,
                c,
                requests,
                Duration::from_secs(20),
            ));
            let target = Counted {
                inner: HttpTarget::new(&server.url).expect("the url parses"),
                sent: AtomicU64::new(0),
            };
            let options = RunOptions::default()
                .cases(cases)
                .seed(3000 + round as u64)
                .jobs(c)
                .url_base(server.url.clone())
                .host(None)
                .properties(Vec::<String>::new());
            let started = Instant::now();
            let report =
                run(&set, &target, &fixtures, &options, &|_| {}).expect("the run completes");
            let elapsed = started.elapsed().as_secs_f64();
            assert!(report.conforms(), "the reference conforms over HTTP");
            sent = target.sent.load(Ordering::Relaxed);
            confuzz.push(sent as f64 / elapsed);
        }
        let (y, z) = (load::median(yardstick), load::median(confuzz));
        println!(
            "  concurrency {c:>2}: yardstick {y:>8.0} req/s   confuzz {z:>8.0} req/s ({sent} requests a run)   ratio {:.2}",
            z / y.max(1e-9)
        );
    }
}

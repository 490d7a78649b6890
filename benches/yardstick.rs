//! `cargo bench --bench yardstick`: how fast `confuzz serve --vendor clever` answers a plain
//! load loop that replays one fixed request (a documented 400) on keep-alive connections. It
//! is the yardstick for confuzz's own request rate over HTTP (`cargo bench --bench
//! http_rate` puts the two side by side): no client can ask this server much faster.
//!
//! Options (after `--`): `--connections 1,2,4` (default 2, the default `--jobs` of this
//! machine's size), `--requests N` per round (default 20000), `--runs N` (default 5).

#[path = "load/mod.rs"]
mod load;

use std::time::Duration;

use confuzz::reference::{Config, Reference};

fn main() {
    let connections = load::list_arg("--connections", &[2]);
    let requests: usize = load::arg("--requests", 20_000);
    let runs: usize = load::arg("--runs", 5usize).max(1);
    let server = load::Server::start("clever");
    let fixtures = Reference::new(Config::default()).fixtures();
    let request = load::clever_missing_fields(&fixtures, &server.addr.to_string());
    println!(
        "yardstick: one fixed request replayed to confuzz serve --vendor clever ({})",
        server.url
    );
    for c in connections {
        let rates: Vec<f64> = (0..runs)
            .map(|_| load::replay(server.addr, &request, c, requests, Duration::from_secs(20)))
            .collect();
        let (lo, hi) = rates
            .iter()
            .fold((f64::MAX, 0f64), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
        println!(
            "  {c:>3} connections: median {:>8.0} requests/s  (min {lo:.0}, max {hi:.0}, {runs} runs)",
            load::median(rates.clone())
        );
    }
}

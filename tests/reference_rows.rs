//! One test per documented row in `cargo test`'s output, the way a crate checks its own
//! implementation with `confuzz::testing` (this target is declared `harness = false`): the
//! Clever rows and valid-request checks against the embedded reference, which conforms.
//! `cargo test --test reference_rows -- no-token` runs the rows whose id matches.

use confuzz::Harness;

fn main() -> std::process::ExitCode {
    confuzz::testing::main(Harness::reference().vendor("clever").cases(8).seed(5))
}

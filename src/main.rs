//! The `confuzz` command line: argument parsing in `cli`, everything else in the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}

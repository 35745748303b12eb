//! The `pi` binary: everything lives in the library; this is the edge.

fn main() -> std::process::ExitCode {
    pi_coding_agent::cli::run()
}

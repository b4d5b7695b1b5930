//! The `o11sim` binary: everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    o11sim::cli::main()
}

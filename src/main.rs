//! The `o11sim` binary: everything lives in the library; see `cli`.

fn main() {
    std::process::exit(o11sim::cli::main());
}

use std::process::ExitCode;

fn main() -> ExitCode {
    observant::cli::main()
}

use std::process::ExitCode;

fn main() -> ExitCode {
    observant::load_cpu_backends();
    observant::cli::main()
}

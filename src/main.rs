use std::process::ExitCode;

fn main() -> ExitCode {
    observant::asr::backends::load_cpu_backends();
    observant::cli::main()
}

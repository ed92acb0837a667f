//! The `hoarfrost` binary: a thin front end over the library.

fn main() -> std::process::ExitCode {
    hoarfrost::cli::main()
}

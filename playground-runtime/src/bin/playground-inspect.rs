//! `playground-inspect`: what a module library holds, and whether it would
//! load into a program (see `playground_runtime::inspect`).

fn main() -> std::process::ExitCode {
    playground_runtime::inspect::main()
}

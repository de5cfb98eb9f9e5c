//! `playground-inspect`: what a module library holds, and whether it would
//! load into a program, read from the files alone (none of their code
//! runs, nothing is mapped). This crate's `playground-inspect` binary is
//! [`main`]; a workspace of its own gets the same command from a one-line
//! binary of its own (see [`main`]), built with the runtime it links.
//!
//! ```text
//! playground-inspect LIBRARY                   # views, methods, models, fields, versions, build
//! playground-inspect LIBRARY --against PROGRAM # and the verdict: would it load, and if not why
//! ```
//!
//! Exit status: 0 when the library was listed (and, with `--against`, would
//! load), 1 when it would be refused, 2 when a file cannot be read as a
//! module or a program, or the arguments are wrong.
//!
//! The arguments are parsed with `std::env::args_os`: two forms and a help
//! flag do not need a parser crate.

use crate::loading::manifest::Manifest;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: playground-inspect LIBRARY [--against PROGRAM]

Prints what a playground module library holds (views, methods, models,
fields, versions, build, crate) from its file, without running it. With
--against, reads the manifest of PROGRAM (an executable linking
playground-runtime) from its file too, and says whether the library would
load into it, and if not what differs.

exit status: 0 listed (and would load), 1 would be refused, 2 unreadable
file or bad arguments";

/// What to do.
struct Args {
    library: PathBuf,
    against: Option<PathBuf>,
}

/// `Ok(None)`: help was asked for.
fn parse(mut args: impl Iterator<Item = OsString>) -> Result<Option<Args>, String> {
    let mut library = None;
    let mut against = None;
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("-h" | "--help") => return Ok(None),
            Some("--against") => {
                let program = args.next().ok_or("--against needs a program's path")?;
                if against.replace(PathBuf::from(program)).is_some() {
                    return Err("--against given twice".into());
                }
            }
            Some(flag) if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ => {
                if library.replace(PathBuf::from(arg)).is_some() {
                    return Err("one library at a time".into());
                }
            }
        }
    }
    let library = library.ok_or("no library given")?;
    Ok(Some(Args { library, against }))
}

/// The inspector, with the process's arguments: what the
/// `playground-inspect` binary runs. A workspace gets the command from a
/// binary of its own, `src/bin/playground-inspect.rs` in any of its
/// crates that depends on playground-runtime:
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     playground_runtime::inspect::main()
/// }
/// ```
///
/// then `cargo run --bin playground-inspect -- LIBRARY [--against
/// PROGRAM]`: it reads manifests with the same runtime the program links.
pub fn main() -> ExitCode {
    run(std::env::args_os().skip(1))
}

/// The inspector with `args` (the arguments after the program's name):
/// prints to stdout and stderr, and returns the exit status.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args = match parse(args.into_iter()) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("playground-inspect: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let module = match Manifest::read_library(&args.library) {
        Ok(module) => module,
        Err(error) => {
            eprintln!("playground-inspect: {error}");
            return ExitCode::from(2);
        }
    };
    println!("library: {}", args.library.display());
    print!("{module}");
    let Some(program) = args.against else {
        return ExitCode::SUCCESS;
    };
    let host = match Manifest::read_program(&program) {
        Ok(host) => host,
        Err(error) => {
            eprintln!("playground-inspect: {error}");
            return ExitCode::from(2);
        }
    };
    println!("program: {}", program.display());
    match host.check_module(&args.library, &module) {
        Ok(()) => {
            let bound: Vec<String> = module
                .own_viewmodels()
                .map(|vm| {
                    let view = host.views.iter().find(|v| v.view_id == vm.view_id);
                    let view = view.map_or("?", |v| v.name.as_str());
                    format!("{view} to {}", vm.name)
                })
                .collect();
            println!("verdict: would load, binding {}", bound.join(", "));
            ExitCode::SUCCESS
        }
        Err(refusal) => {
            println!("verdict: would be refused: {refusal}");
            ExitCode::from(1)
        }
    }
}

//! `playground-inspect`: what a module library holds, and whether it would
//! load into a program, read from the files alone (none of their code
//! runs, nothing is mapped). This crate's `playground-inspect` binary is
//! [`main`]; a workspace of its own gets the same command from a one-line
//! binary of its own (see [`main`]), built with the runtime it links.
//!
//! ```text
//! playground-inspect LIBRARY                   # views, methods, models, fields, versions, build
//! playground-inspect LIBRARY --against PROGRAM # and the verdict: would it load, and if not why
//! playground-inspect LIBRARY --against PROGRAM --after RUNNING
//!                                              # the verdict when RUNNING, a build of the
//!                                              # module, is the one loaded now
//! ```
//!
//! The verdict is [`Registry::load`](crate::Registry::load)'s, in its words:
//! the build, views and models against the program's, then the state the
//! module's viewmodels would take over: the state fields and declared pools
//! of the viewmodels the program binds at start, or of `RUNNING`'s. (Pools a
//! viewmodel does not declare in `#[viewmodel(pools(...))]` exist only in a
//! running registry: [`Registry::check`](crate::Registry::check) judges
//! those too.)
//!
//! Exit status: 0 when the library was listed (and, with `--against`, would
//! load), 1 when it would be refused, 2 when a file cannot be read as a
//! module or a program, or the arguments are wrong.
//!
//! The arguments are parsed with `std::env::args_os`: two forms and a help
//! flag do not need a parser crate.

use crate::loading::error::LoadError;
use crate::loading::manifest::Manifest;
use crate::loading::verdict::{self, Held};
use crate::registry::carry::StatePolicy;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: playground-inspect LIBRARY [--against PROGRAM [--after RUNNING]]

Prints what a playground module library holds (views, methods, models,
fields, versions, build, crate) from its file, without running it. With
--against, reads the manifest of PROGRAM (an executable linking
playground-runtime) from its file too, and says whether the library would
load into it, and if not what differs: its build, views and models, and
the state its viewmodels would take over from the program's own. With
--after, that state is the one RUNNING (the build of the module loaded
now) holds.

exit status: 0 listed (and would load), 1 would be refused, 2 unreadable
file or bad arguments";

/// What to do.
struct Args {
    library: PathBuf,
    against: Option<PathBuf>,
    after: Option<PathBuf>,
}

/// `Ok(None)`: help was asked for.
fn parse(mut args: impl Iterator<Item = OsString>) -> Result<Option<Args>, String> {
    let mut library = None;
    let mut against = None;
    let mut after = None;
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("-h" | "--help") => return Ok(None),
            Some("--against") => {
                let program = args.next().ok_or("--against needs a program's path")?;
                if against.replace(PathBuf::from(program)).is_some() {
                    return Err("--against given twice".into());
                }
            }
            Some("--after") => {
                let running = args.next().ok_or("--after needs a library's path")?;
                if after.replace(PathBuf::from(running)).is_some() {
                    return Err("--after given twice".into());
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
    if after.is_some() && against.is_none() {
        return Err("--after needs --against".into());
    }
    Ok(Some(Args {
        library,
        against,
        after,
    }))
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
    let running = match &args.after {
        Some(path) => match Manifest::read_library(path) {
            Ok(running) => {
                println!("after: {}", path.display());
                Some(running)
            }
            Err(error) => {
                eprintln!("playground-inspect: {error}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    match verdict(&args.library, &module, &host, running.as_ref()) {
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

/// `load`'s verdict on `module` (the library at `path`) in `host`, after
/// `running` if given: its build, views and models, then the state it
/// would take over (see [`verdict`](crate::loading::verdict)).
fn verdict(
    path: &Path,
    module: &Manifest,
    host: &Manifest,
    running: Option<&Manifest>,
) -> Result<(), LoadError> {
    host.check_module(path, module)?;
    let held = match running {
        Some(running) => Held::declared(running.own_viewmodels()),
        // What the program binds at start: a view's only viewmodel.
        None => Held::declared(host.viewmodels.iter().filter(|vm| {
            host.viewmodels
                .iter()
                .filter(|other| other.view_id == vm.view_id)
                .count()
                == 1
        })),
    };
    verdict::judge(&held, module, module.own_viewmodels(), StatePolicy::Refuse)
        .map_err(|source| verdict::refusal(path, source, running.into_iter().chain([host]), module))
}

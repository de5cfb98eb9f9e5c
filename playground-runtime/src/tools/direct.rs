//! Direct rebuilds: rustc alone, with cargo's own recorded command, while
//! only the module's sources change.

use crate::tools::cargo_messages::Artifact;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The rustc command cargo ran for the module crate, and the files whose
/// change means it may no longer be the right one.
#[derive(Clone, Debug)]
pub(crate) struct Direct {
    pub(crate) krate: String,
    pub(crate) program: OsString,
    pub(crate) args: Vec<OsString>,
    pub(crate) env: Vec<(OsString, OsString)>,
    pub(crate) cwd: PathBuf,
    /// Where cargo put the library.
    pub(crate) library: PathBuf,
    /// Each file, with its modification time when cargo ran.
    pub(crate) inputs: Vec<(PathBuf, Option<std::time::SystemTime>)>,
    /// The module's own sources as the last build read them.
    pub(crate) sources: Vec<(PathBuf, Option<std::time::SystemTime>)>,
    /// The library that build left.
    pub(crate) library_stamp: Option<(std::time::SystemTime, u64)>,
}

impl Direct {
    /// The module crate's command in cargo's `-vv` log: the line
    /// ``Running `ENV=... rustc --crate-name NAME ... --crate-type cdylib ...` ``.
    pub(crate) fn capture(
        log: &str,
        artifact: &Artifact,
        library: &Path,
        manifest: &Path,
        dependencies: &[PathBuf],
    ) -> Option<Direct> {
        let dir = manifest.parent()?;
        if dir.join("build.rs").exists() {
            return None; // its output may change with what the script reads
        }
        let words = log.lines().find_map(|line| {
            let command = line.trim().strip_prefix("Running `")?.strip_suffix('`')?;
            let words = shlex::split(command)?;
            let ours = words
                .windows(2)
                .any(|w| w[0] == "--crate-name" && w[1] == artifact.name)
                && words
                    .windows(2)
                    .any(|w| w[0] == "--crate-type" && w[1] == "cdylib");
            ours.then_some(words)
        })?;
        let is_assignment = |word: &str| {
            word.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        };
        let split = words.iter().position(|w| !is_assignment(w))?;
        let env = words[..split]
            .iter()
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let program = OsString::from(&words[split]);
        let args = own_out_dir(own_dependency_dir(
            library_only(&words[split + 1..]),
            dependencies,
        ));
        // cargo runs rustc from the workspace root with the source path
        // relative to it: run from there, so paths in messages and panics
        // read as in cargo's builds.
        let src = artifact.src_path.as_deref()?;
        let relative = words[split + 1..].iter().find(|w| w.ends_with(".rs"))?;
        let cwd = if Path::new(relative).is_absolute() {
            dir.to_owned()
        } else {
            PathBuf::from(src.to_str()?.strip_suffix(relative.as_str())?)
        };
        let mut inputs = vec![
            manifest.to_owned(),
            cwd.join("Cargo.toml"),
            cwd.join("Cargo.lock"),
        ];
        inputs.extend(
            words
                .windows(2)
                .filter(|w| w[0] == "--extern")
                .filter_map(|w| w[1].split_once('=').map(|(_, path)| PathBuf::from(path))),
        );
        // A dependency whose sources changed has not been rebuilt yet: its
        // artifact is the old one. So the sources of every path package of
        // the graph count too (registry packages do not change).
        inputs.extend(path_package_files(manifest)?);
        let inputs = inputs.into_iter().map(|p| {
            let stamp = modified(&p);
            (p, stamp)
        });
        Some(Direct {
            krate: artifact.name.clone(),
            program,
            args,
            env,
            cwd,
            library: library.to_owned(),
            inputs: inputs.collect(),
            sources: Vec::new(),
            library_stamp: None,
        })
    }

    /// Whether every input is as cargo saw it.
    pub(crate) fn still_valid(&self) -> bool {
        self.inputs
            .iter()
            .all(|(path, stamp)| modified(path) == *stamp)
    }
}

/// rustc's arguments for the library alone: a crate that is also an
/// `rlib` (or another kind) is built as a `cdylib` only, since the host
/// loads nothing else and writing an rlib's metadata costs a rebuild tens
/// of milliseconds. The other kinds are stale until cargo next builds the
/// crate, which it does: its sources are newer than its last build.
///
/// Its incremental state is kept apart from cargo's (`-C incremental=DIR`
/// becomes `DIR-cdylib`): rustc discards a session made for other crate
/// types, so sharing it would make every direct rebuild after a `cargo
/// build`, and every `cargo build` after a direct rebuild, start over.
fn library_only(args: &[String]) -> Vec<OsString> {
    let mut kept = Vec::with_capacity(args.len());
    let mut words = args.iter();
    while let Some(word) = words.next() {
        match word.as_str() {
            "--crate-type" => match words.next() {
                Some(kind) if kind == "cdylib" => kept.extend([word.into(), kind.into()]),
                Some(_) => {}
                None => kept.push(word.into()),
            },
            "-C" => {
                kept.push(word.into());
                if let Some(option) = words.next() {
                    kept.push(own_incremental(option).into());
                }
            }
            _ => match word.strip_prefix("-C") {
                Some(option) => kept.push(format!("-C{}", own_incremental(option)).into()),
                None => kept.push(word.into()),
            },
        }
    }
    kept
}

/// cargo's `-L dependency=DIR` (the target's `deps/`) pointed at a
/// directory of links to the files of this build's dependencies only.
///
/// `deps/` keeps every artifact any build ever made there, and rustc, to
/// find a crate, reads the metadata of every file in it whose name fits:
/// a `deps/` that has seen many versions of the runtime costs every
/// rebuild (about 20 ms here with two dozen of each). The directory is
/// named by a hash of the files, so it is made once per set and never
/// changes while a rebuild reads it. Where it cannot be made, `args`
/// stay as they are.
fn own_dependency_dir(mut args: Vec<OsString>, dependencies: &[PathBuf]) -> Vec<OsString> {
    use std::hash::{Hash, Hasher};
    let Some(at) = args
        .windows(2)
        .position(|w| w[0] == "-L" && w[1].to_str().is_some_and(|d| d.starts_with("dependency=")))
    else {
        return args;
    };
    let deps = PathBuf::from(&args[at + 1].to_str().expect("checked above")["dependency=".len()..]);
    let mut files: Vec<&PathBuf> = dependencies
        .iter()
        .filter(|file| file.parent() == Some(deps.as_path()))
        .collect();
    files.sort();
    files.dedup();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    files.hash(&mut hasher);
    let Some(parent) = deps.parent() else {
        return args;
    };
    let own = parent
        .join("playground-direct-deps")
        .join(format!("{:016x}", hasher.finish()));
    let made = std::fs::create_dir_all(&own).and_then(|()| {
        files.iter().try_for_each(|file| {
            let link = own.join(file.file_name().unwrap_or_default());
            match link_to(file, &link) {
                Err(error) if error.kind() != std::io::ErrorKind::AlreadyExists => Err(error),
                _ => Ok(()),
            }
        })
    });
    match made {
        Ok(()) => {
            let mut dir = OsString::from("dependency=");
            dir.push(&own);
            args[at + 1] = dir;
        }
        Err(error) => {
            tracing::debug!(%error, dir = %own.display(), "no directory of the dependencies; rustc reads deps/");
        }
    }
    args
}

/// cargo's `--out-dir` (the target's `deps/`) pointed at a directory of
/// the direct rebuilds' own beside it, `playground-direct-out/`.
///
/// A direct rebuild's library (linked thin, against a support library
/// that is replaced when the dependencies change) must never be taken for
/// cargo's: cargo tells whether a crate is fresh by its sources and
/// dependencies, not by the file in `deps/`, and a build that finds the
/// crate fresh hands out (and links into `target/debug/`) whatever file
/// is there. `Build` links the rebuilt library where cargo puts it for the
/// program, as before. Where the directory cannot be made, `args` stay as
/// they are.
fn own_out_dir(mut args: Vec<OsString>) -> Vec<OsString> {
    let Some(at) = args.iter().position(|a| a == "--out-dir") else {
        return args;
    };
    let Some(own) = args
        .get(at + 1)
        .and_then(|deps| Path::new(deps).parent())
        .map(|parent| parent.join("playground-direct-out"))
    else {
        return args;
    };
    match std::fs::create_dir_all(&own) {
        Ok(()) => args[at + 1] = own.into(),
        Err(error) => {
            tracing::debug!(%error, dir = %own.display(), "no directory of its own: rebuilds write to deps/");
        }
    }
    args
}

/// `link` made to lead to `file`.
fn link_to(file: &Path, link: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    return std::os::unix::fs::symlink(file, link);
    #[cfg(not(unix))]
    return std::fs::hard_link(file, link);
}

/// A codegen option (`-C` `OPTION`) as direct rebuilds pass it: an
/// incremental directory of their own.
fn own_incremental(option: &str) -> String {
    match option.strip_prefix("incremental=") {
        Some(dir) => format!("incremental={dir}-cdylib"),
        None => option.to_owned(),
    }
}

/// The files of the path packages (other than the module) that the
/// module's dependency graph holds, as `cargo metadata` lists them: their
/// manifests, build scripts and everything under `src/`.
pub(crate) fn path_package_files(manifest: &Path) -> Option<Vec<PathBuf>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(manifest)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let own = canonical(manifest);
    let mut files = Vec::new();
    for package in metadata.get("packages")?.as_array()? {
        if !package.get("source")?.is_null() {
            continue;
        }
        let path = PathBuf::from(package.get("manifest_path")?.as_str()?);
        if canonical(&path) == own {
            continue;
        }
        let dir = path.parent()?.to_owned();
        files.push(path);
        files.push(dir.join("build.rs"));
        collect_files(&dir.join("src"), &mut files);
    }
    Some(files)
}

pub(crate) fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// Every file under `src/` beside the module's manifest, with its
/// modification time, in a stable order.
pub(crate) fn module_sources(manifest: &Path) -> Vec<(PathBuf, Option<std::time::SystemTime>)> {
    let mut files = Vec::new();
    if let Some(dir) = manifest.parent() {
        collect_files(&dir.join("src"), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let stamp = modified(&file);
            (file, stamp)
        })
        .collect()
}

/// A file's modification time and length.
pub(crate) fn stamp(path: &Path) -> Option<(std::time::SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

pub(crate) fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// `path` with symlinks resolved, to compare the manifest cargo reports
/// with the one asked for.
pub(crate) fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{library_only, own_dependency_dir, own_out_dir};
    use std::ffi::OsString;
    use std::path::PathBuf;

    #[test]
    fn a_direct_rebuild_finds_its_dependencies_among_this_builds_files_only() {
        let target =
            std::env::temp_dir().join(format!("playground-direct-deps-{}", std::process::id()));
        let deps = target.join("debug/deps");
        std::fs::create_dir_all(&deps).unwrap();
        let file = |name: &str| {
            let path = deps.join(name);
            std::fs::write(&path, name).unwrap();
            path
        };
        let ours = [
            file("libserde-1111.rlib"),
            file("libserde-1111.rmeta"),
            file("libmacros-2222.so"),
        ];
        file("libserde-0000.rlib"); // an older build's, still in deps/
        let elsewhere = target.join("debug/build/x/out.o"); // not in deps/: no link
        let mut dependency = OsString::from("dependency=");
        dependency.push(&deps);
        let args: Vec<OsString> = vec!["--crate-name".into(), "m".into(), "-L".into(), dependency];
        let mut given = ours.to_vec();
        given.push(elsewhere);
        let rewritten = own_dependency_dir(args.clone(), &given);
        assert_eq!(rewritten[..3], args[..3]);
        let dir = PathBuf::from(
            rewritten[3]
                .to_str()
                .unwrap()
                .strip_prefix("dependency=")
                .unwrap(),
        );
        assert_ne!(dir, deps);
        let mut linked: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        linked.sort();
        assert_eq!(
            linked,
            [
                "libmacros-2222.so",
                "libserde-1111.rlib",
                "libserde-1111.rmeta"
            ]
        );
        assert_eq!(
            std::fs::read(dir.join("libserde-1111.rlib")).unwrap(),
            b"libserde-1111.rlib"
        );
        // The same files again: the same directory, made once.
        assert_eq!(own_dependency_dir(args, &ours), rewritten);
        std::fs::remove_dir_all(&target).unwrap();
    }

    #[test]
    fn a_direct_rebuild_writes_apart_from_cargos_deps() {
        let target =
            std::env::temp_dir().join(format!("playground-direct-out-{}", std::process::id()));
        let deps = target.join("debug/deps");
        let args: Vec<OsString> = vec![
            "--crate-name".into(),
            "m".into(),
            "--out-dir".into(),
            deps.clone().into(),
            "-C".into(),
            "opt-level=0".into(),
        ];
        let rewritten = own_out_dir(args.clone());
        let own = target.join("debug/playground-direct-out");
        assert_eq!(rewritten[..3], args[..3]);
        assert_eq!(rewritten[3], own.as_os_str());
        assert_eq!(rewritten[4..], args[4..]);
        assert!(own.is_dir(), "made, for rustc to write into");
        // Without an output directory: as they were.
        assert_eq!(own_out_dir(args[..2].to_vec()), args[..2]);
        std::fs::remove_dir_all(&target).unwrap();
    }

    #[test]
    fn a_direct_rebuild_builds_the_cdylib_alone_with_its_own_incremental_state() {
        let cargo: Vec<String> = [
            "--crate-name",
            "module",
            "--crate-type",
            "cdylib",
            "--crate-type",
            "rlib",
            "-C",
            "incremental=/t/debug/incremental",
            "-Cincremental=/t/x",
            "-C",
            "strip=debuginfo",
        ]
        .map(String::from)
        .into();
        let direct: Vec<String> = library_only(&cargo)
            .into_iter()
            .map(|word| word.into_string().unwrap())
            .collect();
        assert_eq!(
            direct,
            [
                "--crate-name",
                "module",
                "--crate-type",
                "cdylib",
                "-C",
                "incremental=/t/debug/incremental-cdylib",
                "-Cincremental=/t/x-cdylib",
                "-C",
                "strip=debuginfo",
            ]
        );
    }
}

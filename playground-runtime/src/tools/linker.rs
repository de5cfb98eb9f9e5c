//! Which linker a module build uses: the fastest on `PATH` by default.

use std::path::{Path, PathBuf};

/// How a direct rebuild links ([`Build::link_with`](crate::Build::link_with)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Linker {
    /// The fastest linker on `PATH`: `wild`, else `mold`, else rustc's
    /// own (lld on x86_64 Linux). To install wild:
    /// `cargo install --locked wild-linker@0.10.0`.
    #[default]
    Fastest,
    /// rustc's own linker.
    Rustc,
    /// This program, a GNU-compatible linker.
    Path(PathBuf),
}

/// The fastest linker in the directories of `path` (a `PATH` value):
/// wild, else mold.
pub(crate) fn fastest_linker(path: &std::ffi::OsStr) -> Option<PathBuf> {
    ["wild", "mold"].into_iter().find_map(|name| {
        std::env::split_paths(path)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

pub(crate) fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Makes `dir/ld` a symlink to `linker` (if it is not one already). A
/// missing linker is an error: the C compiler would skip a dangling link
/// and run the system's `ld` without a word.
pub(crate) fn linker_dir(linker: &Path, dir: &Path) -> std::io::Result<()> {
    if !linker.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no linker at {}", linker.display()),
        ));
    }
    let ld = dir.join("ld");
    if std::fs::read_link(&ld).is_ok_and(|target| target == linker) {
        return Ok(());
    }
    let _ = std::fs::remove_file(&ld);
    std::fs::create_dir_all(dir)?;
    symlink(linker, &ld)
}

#[cfg(unix)]
pub(crate) fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
pub(crate) fn symlink(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::fastest_linker;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn program(path: &Path, mode: u32) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn the_fastest_linker_is_wild_then_mold_and_only_an_executable() {
        let root = std::env::temp_dir().join(format!("playground-linkers-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (first, second) = (root.join("a"), root.join("b"));
        std::fs::create_dir_all(&first).unwrap();
        std::fs::create_dir_all(&second).unwrap();
        let path = std::env::join_paths([&first, &second]).unwrap();
        assert_eq!(fastest_linker(&path), None, "neither installed");

        program(&second.join("mold"), 0o755);
        assert_eq!(fastest_linker(&path), Some(second.join("mold")));

        // A file named wild that cannot be run is not a linker.
        program(&first.join("wild"), 0o644);
        assert_eq!(fastest_linker(&path), Some(second.join("mold")));

        program(&second.join("wild"), 0o755);
        assert_eq!(
            fastest_linker(&path),
            Some(second.join("wild")),
            "wild before mold, wherever it is on PATH"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}

//! [`SourceContents`]: what a module's source files held when a build read
//! them, so that a save that changes nothing (an editor writing a file back
//! as it was) starts no build.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The SHA-256 of each source file under some directories, as read at one
/// moment (`None`: the file could not be read).
#[derive(Clone, Default)]
pub(crate) struct SourceContents {
    files: HashMap<PathBuf, Option<[u8; 32]>>,
}

impl SourceContents {
    /// Every source file under `dirs` (see [`is_source`]), as it is now;
    /// files over [`LARGEST`] are left out (a build reads them all, on its
    /// way to the compiler).
    pub(crate) fn of_files_under(dirs: &[PathBuf]) -> Self {
        let mut files = Vec::new();
        for dir in dirs {
            crate::tools::direct::collect_files(dir, &mut files);
        }
        let files = files
            .into_iter()
            .filter(|file| is_source(file))
            .filter(|file| std::fs::metadata(file).is_ok_and(|m| m.len() <= LARGEST))
            .map(|file| {
                let hash = digest(&file);
                (file, hash)
            })
            .collect();
        SourceContents { files }
    }

    /// Which of `paths` hold something else now than they did then: a
    /// file that appeared or went counts, and so does one not read then
    /// (read now only if it was). Each at most once, in order.
    pub(crate) fn changed_among(&self, paths: &[PathBuf]) -> Vec<PathBuf> {
        let mut changed: Vec<PathBuf> = Vec::new();
        for path in paths {
            let same = self
                .files
                .get(path)
                .is_some_and(|then| *then == digest(path));
            if !same && !changed.contains(path) {
                changed.push(path.clone());
            }
        }
        changed
    }
}

/// The largest file remembered (1 MiB): a larger one counts as changed
/// on every save, so that a build never spends long reading them.
const LARGEST: u64 = 1 << 20;

/// Whether a change to `path` calls for a rebuild: not an editor's swap,
/// backup or hidden file.
pub(crate) fn is_source(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return true;
    };
    !(name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.starts_with("#"))
}

/// The SHA-256 of the file at `path`; `None` if it cannot be read.
fn digest(path: &Path) -> Option<[u8; 32]> {
    std::fs::read(path)
        .ok()
        .map(|bytes| crate::loading::sha256::sha256(&bytes))
}

#[cfg(test)]
mod tests {
    use super::SourceContents;

    #[test]
    fn a_file_written_back_unchanged_is_not_a_change() {
        let dir = std::env::temp_dir().join(format!("playground-contents-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let lib = dir.join("src/lib.rs");
        let other = dir.join("src/other.rs");
        let swap = dir.join("src/.lib.rs.swp");
        std::fs::write(&lib, "fn a() {}\n").unwrap();
        std::fs::write(&other, "fn b() {}\n").unwrap();
        std::fs::write(&swap, "").unwrap();
        let read = SourceContents::of_files_under(&[dir.join("src")]);
        assert_eq!(read.files.len(), 2, "the editor's swap file is no source");

        std::fs::write(&lib, "fn a() {}\n").unwrap();
        assert!(read.changed_among(&[lib.clone(), lib.clone()]).is_empty());

        std::fs::write(&lib, "fn a() { 1; }\n").unwrap();
        let named = [lib.clone(), other.clone(), lib.clone()];
        assert_eq!(
            read.changed_among(&named),
            std::slice::from_ref(&lib),
            "once each"
        );

        let large = dir.join("src/large.rs");
        std::fs::write(&large, vec![b' '; (super::LARGEST + 1) as usize]).unwrap();
        let read = SourceContents::of_files_under(&[dir.join("src")]);
        assert!(!read.files.contains_key(&large), "not read");
        assert_eq!(
            read.changed_among(std::slice::from_ref(&large)),
            std::slice::from_ref(&large),
            "always built"
        );

        let new = dir.join("src/new.rs");
        std::fs::write(&new, "").unwrap();
        assert_eq!(read.changed_among(std::slice::from_ref(&new)), [new]);
        std::fs::remove_file(&other).unwrap();
        assert_eq!(read.changed_among(std::slice::from_ref(&other)), [other]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Reading a file the loader was given: only a regular file, opened
//! without blocking (a FIFO would hang a plain `open`), at most a bound in
//! size where one applies; and why a library could not be opened.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Why a library could not be opened or is not a module of this program.
#[derive(Debug)]
pub(crate) enum OpenError {
    Io(std::io::Error),
    NotAFile(&'static str),
    TooLarge { size: u64, limit: u64 },
    Hash { expected: String, actual: String },
    Sidecar(String),
    Open(String),
    MissingSymbol(String),
    NotAModule(String),
    Disagrees(String),
}

/// Opens only a regular file, without blocking, and reads it whole.
pub(crate) fn read_regular_file(path: &Path) -> Result<Vec<u8>, OpenError> {
    read_regular_file_up_to(path, u64::MAX)
}

/// [`read_regular_file`] of a file of at most `limit` bytes: a larger one
/// is not read at all ([`OpenError::TooLarge`]).
pub(crate) fn read_regular_file_up_to(path: &Path, limit: u64) -> Result<Vec<u8>, OpenError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        // A FIFO or a device would block `open` itself; a regular file
        // never does.
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(OpenError::Io)?;
    let metadata = file.metadata().map_err(OpenError::Io)?;
    let kind = metadata.file_type();
    if !kind.is_file() {
        use std::os::unix::fs::FileTypeExt;
        return Err(OpenError::NotAFile(if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else {
            "not a regular file"
        }));
    }
    if metadata.len() > limit {
        return Err(OpenError::TooLarge {
            size: metadata.len(),
            limit,
        });
    }
    // One allocation of the size the file has now (`take` hides it from
    // `read_to_end`); a file that grows while it is read stops at the
    // limit too.
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(OpenError::Io)?;
    Ok(bytes)
}

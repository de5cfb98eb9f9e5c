//! What `dlopen` is given: a library whose headers were checked to be
//! whole, in a sealed anonymous file (`memfd`) holding the bytes checked.

use std::os::fd::{AsFd, OwnedFd};

/// An anonymous file whose pages are already allocated, kept for the next
/// load: allocating a file's pages is most of what writing a fresh one
/// costs (about 0.3 ms for a 1 MB library here), so it is done after a
/// load, on a thread of its own, rather than on the next load's path.
static SPARE: std::sync::Mutex<Option<(OwnedFd, u64)>> = std::sync::Mutex::new(None);

fn new_memfd() -> std::io::Result<OwnedFd> {
    use rustix::fs::MemfdFlags;
    Ok(rustix::fs::memfd_create(
        "playground-module",
        MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
    )?)
}

/// Prepares a spare anonymous file of `len` bytes, in the background.
fn prepare_spare(len: u64) {
    let _ = std::thread::Builder::new()
        .name("playground-spare".into())
        .spawn(move || {
            let Ok(fd) = new_memfd() else { return };
            if rustix::fs::fallocate(&fd, rustix::fs::FallocateFlags::empty(), 0, len).is_ok() {
                *SPARE
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((fd, len));
            }
        });
}

/// `bytes` in an anonymous file no one can change: sealed against writes,
/// growing and shrinking. Only this process ever had it.
pub(crate) fn sealed_copy(bytes: &[u8]) -> std::io::Result<OwnedFd> {
    use rustix::fs::SealFlags;
    let len = bytes.len() as u64;
    let spare = SPARE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
        .filter(|(_, size)| *size >= len);
    let fd = match spare {
        Some((fd, _)) => fd,
        None => new_memfd()?,
    };
    let mut file = std::fs::File::from(fd);
    std::io::Write::write_all(&mut file, bytes)?;
    file.set_len(len)?;
    rustix::fs::fcntl_add_seals(
        file.as_fd(),
        SealFlags::WRITE | SealFlags::GROW | SealFlags::SHRINK | SealFlags::SEAL,
    )?;
    // The next build of a module is about this size.
    prepare_spare(len + len / 8);
    Ok(OwnedFd::from(file))
}

/// The dynamic loader maps segments without checking that the file holds
/// them: a truncated library would crash the program (SIGBUS) on first
/// touch instead of failing to open. So the headers are checked first.
pub(crate) fn check_complete(file: &object::File<'_>, len: u64) -> Result<(), String> {
    use object::{Object, ObjectSegment};
    if file.kind() != object::ObjectKind::Dynamic {
        return Err(format!(
            "a {:?} object file, not a shared library",
            file.kind()
        ));
    }
    for segment in file.segments() {
        let (offset, size) = segment.file_range();
        if offset.checked_add(size).is_none_or(|end| end > len) {
            return Err(format!(
                "truncated: a segment needs bytes {offset}..{} but the file has {len}",
                offset.saturating_add(size)
            ));
        }
        let (address, memory) = (segment.address(), segment.size());
        if memory < size || address.checked_add(memory).is_none() {
            return Err(format!(
                "a segment at {address:#x} maps {memory} bytes from {size} in the file"
            ));
        }
    }
    Ok(())
}

//! The SHA-256 of module libraries, at the same speed in a debug build as
//! in a release one: every build and every load hashes a library, in the
//! user's host, whatever its profile.
//!
//! On x86-64 the block function is assembly (`asm!`), whose speed, unlike
//! that of a Rust implementation, does not depend on the caller's
//! opt-level: with the CPU's SHA extensions, `shani.rs` (about 1 GB/s here
//! in a debug build, where the `sha2` crate runs at about 30 MB/s
//! unoptimised); without them, `scalar.rs` (about 200 MB/s). Neither
//! needs a C compiler or a build script. Elsewhere the `sha2` crate computes it, at the speed of
//! the caller's profile.

#[cfg(target_arch = "x86_64")]
mod constants;
#[cfg(target_arch = "x86_64")]
mod scalar;
#[cfg(target_arch = "x86_64")]
mod shani;

/// The SHA-256 of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    #[cfg(target_arch = "x86_64")]
    {
        digest_with(bytes, compress)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        portable(bytes)
    }
}

/// `sha2`'s SHA-256 (the reference of this file's tests on x86-64).
#[cfg(any(test, not(target_arch = "x86_64")))]
fn portable(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// The initial hash value (FIPS 180-4, 5.3.3).
#[cfg(target_arch = "x86_64")]
const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The SHA-256 of `bytes`, with `compress` as the block function.
#[cfg(target_arch = "x86_64")]
fn digest_with(bytes: &[u8], compress: impl Fn(&mut [u32; 8], &[[u8; 64]])) -> [u8; 32] {
    let mut state = H0;
    let (blocks, rest) = bytes.as_chunks::<64>();
    // The padding (FIPS 180-4, 5.1.1): a one bit, zeros, and the length in
    // bits, filling one block or two.
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let end = if rest.len() < 56 { 64 } else { 128 };
    let bits = (bytes.len() as u64).wrapping_mul(8);
    tail[end - 8..end].copy_from_slice(&bits.to_be_bytes());
    let (last, _) = tail[..end].as_chunks::<64>();
    compress(&mut state, blocks);
    compress(&mut state, last);
    let mut out = [0u8; 32];
    for (word, chunk) in state.iter().zip(out.chunks_exact_mut(4)) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// The block function: the SHA extensions' where the CPU has them, the
/// general-purpose instructions' otherwise.
#[cfg(target_arch = "x86_64")]
fn compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
    if shani::available() {
        // SAFETY: `available()` says the CPU runs every instruction of it.
        unsafe { shani::compress(state, blocks) };
    } else {
        scalar::compress(state, blocks);
    }
}

#[cfg(test)]
mod tests {
    use super::{portable, sha256};

    fn hex(digest: [u8; 32]) -> String {
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_published_test_vectors() {
        // FIPS 180-4 examples, and the empty message.
        assert_eq!(
            hex(sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn every_length_around_the_block_and_padding_edges_agrees_with_sha2() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut noise = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        };
        let data: Vec<u8> = (0..70_000).map(|_| noise()).collect();
        for len in (0..=300).chain([4095, 4096, 4097, 65_535, 65_536, 70_000]) {
            let bytes = &data[..len];
            assert_eq!(sha256(bytes), portable(bytes), "{len} bytes");
        }
        // Not 16-byte aligned: the block loads are unaligned.
        for offset in 1..16 {
            let bytes = &data[offset..offset + 1000];
            assert_eq!(sha256(bytes), portable(bytes), "at offset {offset}");
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn both_block_functions_agree_with_sha2() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 64) as u8).collect();
        let lengths = (0..=130).chain([183, 184, 191, 192, 1000, 4999, 5000]);
        for len in lengths {
            let bytes = &data[..len];
            let without = super::digest_with(bytes, super::scalar::compress);
            assert_eq!(without, portable(bytes), "general-purpose, {len} bytes");
            if super::shani::available() {
                let with = super::digest_with(bytes, |state, blocks| {
                    // SAFETY: the extensions are there.
                    unsafe { super::shani::compress(state, blocks) }
                });
                assert_eq!(with, without, "SHA extensions, {len} bytes");
            }
        }
        // The published vectors through the general-purpose block function.
        let abc = super::digest_with(b"abc", super::scalar::compress);
        assert_eq!(
            hex(abc),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn this_machine_takes_the_assembly_path() {
        // CI's machine has the SHA extensions: without this the tests above
        // would compare sha2 with itself.
        if std::env::var_os("CI").is_some() {
            assert!(super::shani::available());
        }
    }
}

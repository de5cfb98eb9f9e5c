//! The SHA-256 of module libraries, at the same speed in a debug build as
//! in a release one: every build and every load hashes a library, in the
//! user's host, whatever its profile.
//!
//! On x86 and x86-64 the block function is assembly, whose speed, unlike
//! that of a Rust implementation, does not depend on the caller's
//! opt-level: with the CPU's SHA extensions, this file's own (`asm!`, about
//! 1 GB/s here in a debug build, where the `sha2` crate's intrinsics run at
//! about 30 MB/s unoptimised); without them, the `sha2-asm` crate's (its
//! own assembly, compiled by its build script). Elsewhere `sha2` computes
//! it, at the speed of the caller's profile.

/// The SHA-256 of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        assembly(bytes)
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    {
        portable(bytes)
    }
}

/// `sha2`'s SHA-256.
#[cfg_attr(
    any(target_arch = "x86", target_arch = "x86_64"),
    allow(dead_code, reason = "the reference of this file's tests")
)]
fn portable(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// The initial hash value (FIPS 180-4, 5.3.3).
const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The SHA-256 of `bytes` with an assembly block function.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn assembly(bytes: &[u8]) -> [u8; 32] {
    digest_with(bytes, compress)
}

/// The SHA-256 of `bytes`, with `compress` as the block function.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
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

/// The block function: the SHA extensions' where the CPU has them.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
    #[cfg(target_arch = "x86_64")]
    if shani::available() {
        // SAFETY: `available()` says the CPU runs every instruction of it.
        unsafe { shani::compress(state, blocks) };
        return;
    }
    sha2_asm::compress256(state, blocks);
}

#[cfg(target_arch = "x86_64")]
mod shani {
    /// The round constants (FIPS 180-4, 4.2.2), aligned for `paddd`'s
    /// memory operand.
    #[repr(align(16))]
    struct Constants([u32; 64]);

    static K: Constants = Constants([
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ]);

    /// A `pshufb` mask that turns each big-endian message word around.
    #[repr(align(16))]
    struct Mask([u8; 16]);

    static BYTE_SWAP: Mask = Mask([3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12]);

    /// Whether this CPU has the instructions the block function uses.
    pub fn available() -> bool {
        std::arch::is_x86_feature_detected!("sha")
            && std::arch::is_x86_feature_detected!("ssse3")
            && std::arch::is_x86_feature_detected!("sse4.1")
    }

    /// Runs the SHA-256 block function over `blocks`, updating `state`.
    ///
    /// # Safety
    ///
    /// The CPU must have the SHA, SSSE3 and SSE4.1 extensions
    /// ([`available`]).
    pub unsafe fn compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
        if blocks.is_empty() {
            return;
        }
        // Registers: xmm1 and xmm2 hold the state as the SHA instructions
        // want it (ABEF, CDGH), xmm0 the message words plus constants of the
        // next rounds (`sha256rnds2` reads it implicitly), xmm3..xmm6 the
        // message schedule, xmm7 a temporary, xmm8 the byte-swap mask and
        // xmm9, xmm10 the state at the start of the block.
        // SAFETY: the caller guarantees the instructions exist. `state` is
        // 32 bytes read and written through its pointer; `data` points at
        // `n` >= 1 blocks of 64 bytes, read with unaligned loads; the
        // constants and the mask are 16-byte aligned statics, as `paddd`
        // and `movdqa`-style memory operands need. Every register written
        // is declared, and no stack is used.
        unsafe {
            std::arch::asm!(
                "movdqu xmm7, xmmword ptr [{state}]",
                "movdqu xmm2, xmmword ptr [{state} + 16]",
                "pshufd xmm7, xmm7, 0xB1",
                "pshufd xmm2, xmm2, 0x1B",
                "movdqa xmm1, xmm7",
                "palignr xmm1, xmm2, 8",
                "pblendw xmm2, xmm7, 0xF0",
                "movdqa xmm8, xmmword ptr [{mask}]",
                "2:",
                "movdqa xmm9, xmm1",
                "movdqa xmm10, xmm2",
                // rounds 0..3
                "movdqu xmm3, xmmword ptr [{data} + 0]",
                "pshufb xmm3, xmm8",
                "movdqa xmm0, xmm3",
                "paddd xmm0, xmmword ptr [{k} + 0]",
                "sha256rnds2 xmm2, xmm1",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                // rounds 4..7
                "movdqu xmm4, xmmword ptr [{data} + 16]",
                "pshufb xmm4, xmm8",
                "movdqa xmm0, xmm4",
                "paddd xmm0, xmmword ptr [{k} + 16]",
                "sha256rnds2 xmm2, xmm1",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm3, xmm4",
                // rounds 8..11
                "movdqu xmm5, xmmword ptr [{data} + 32]",
                "pshufb xmm5, xmm8",
                "movdqa xmm0, xmm5",
                "paddd xmm0, xmmword ptr [{k} + 32]",
                "sha256rnds2 xmm2, xmm1",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm4, xmm5",
                // rounds 12..15
                "movdqu xmm6, xmmword ptr [{data} + 48]",
                "pshufb xmm6, xmm8",
                "movdqa xmm0, xmm6",
                "paddd xmm0, xmmword ptr [{k} + 48]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm6",
                "palignr xmm7, xmm5, 4",
                "paddd xmm3, xmm7",
                "sha256msg2 xmm3, xmm6",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm5, xmm6",
                // rounds 16..19
                "movdqa xmm0, xmm3",
                "paddd xmm0, xmmword ptr [{k} + 64]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm3",
                "palignr xmm7, xmm6, 4",
                "paddd xmm4, xmm7",
                "sha256msg2 xmm4, xmm3",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm6, xmm3",
                // rounds 20..23
                "movdqa xmm0, xmm4",
                "paddd xmm0, xmmword ptr [{k} + 80]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm4",
                "palignr xmm7, xmm3, 4",
                "paddd xmm5, xmm7",
                "sha256msg2 xmm5, xmm4",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm3, xmm4",
                // rounds 24..27
                "movdqa xmm0, xmm5",
                "paddd xmm0, xmmword ptr [{k} + 96]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm5",
                "palignr xmm7, xmm4, 4",
                "paddd xmm6, xmm7",
                "sha256msg2 xmm6, xmm5",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm4, xmm5",
                // rounds 28..31
                "movdqa xmm0, xmm6",
                "paddd xmm0, xmmword ptr [{k} + 112]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm6",
                "palignr xmm7, xmm5, 4",
                "paddd xmm3, xmm7",
                "sha256msg2 xmm3, xmm6",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm5, xmm6",
                // rounds 32..35
                "movdqa xmm0, xmm3",
                "paddd xmm0, xmmword ptr [{k} + 128]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm3",
                "palignr xmm7, xmm6, 4",
                "paddd xmm4, xmm7",
                "sha256msg2 xmm4, xmm3",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm6, xmm3",
                // rounds 36..39
                "movdqa xmm0, xmm4",
                "paddd xmm0, xmmword ptr [{k} + 144]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm4",
                "palignr xmm7, xmm3, 4",
                "paddd xmm5, xmm7",
                "sha256msg2 xmm5, xmm4",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm3, xmm4",
                // rounds 40..43
                "movdqa xmm0, xmm5",
                "paddd xmm0, xmmword ptr [{k} + 160]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm5",
                "palignr xmm7, xmm4, 4",
                "paddd xmm6, xmm7",
                "sha256msg2 xmm6, xmm5",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm4, xmm5",
                // rounds 44..47
                "movdqa xmm0, xmm6",
                "paddd xmm0, xmmword ptr [{k} + 176]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm6",
                "palignr xmm7, xmm5, 4",
                "paddd xmm3, xmm7",
                "sha256msg2 xmm3, xmm6",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm5, xmm6",
                // rounds 48..51
                "movdqa xmm0, xmm3",
                "paddd xmm0, xmmword ptr [{k} + 192]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm3",
                "palignr xmm7, xmm6, 4",
                "paddd xmm4, xmm7",
                "sha256msg2 xmm4, xmm3",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "sha256msg1 xmm6, xmm3",
                // rounds 52..55
                "movdqa xmm0, xmm4",
                "paddd xmm0, xmmword ptr [{k} + 208]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm4",
                "palignr xmm7, xmm3, 4",
                "paddd xmm5, xmm7",
                "sha256msg2 xmm5, xmm4",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                // rounds 56..59
                "movdqa xmm0, xmm5",
                "paddd xmm0, xmmword ptr [{k} + 224]",
                "sha256rnds2 xmm2, xmm1",
                "movdqa xmm7, xmm5",
                "palignr xmm7, xmm4, 4",
                "paddd xmm6, xmm7",
                "sha256msg2 xmm6, xmm5",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                // rounds 60..63
                "movdqa xmm0, xmm6",
                "paddd xmm0, xmmword ptr [{k} + 240]",
                "sha256rnds2 xmm2, xmm1",
                "pshufd xmm0, xmm0, 0x0E",
                "sha256rnds2 xmm1, xmm2",
                "paddd xmm1, xmm9",
                "paddd xmm2, xmm10",
                "add {data}, 64",
                "dec {n}",
                "jnz 2b",
                "pshufd xmm1, xmm1, 0x1B",
                "pshufd xmm2, xmm2, 0xB1",
                "movdqa xmm7, xmm1",
                "pblendw xmm1, xmm2, 0xF0",
                "palignr xmm2, xmm7, 8",
                "movdqu xmmword ptr [{state}], xmm1",
                "movdqu xmmword ptr [{state} + 16], xmm2",
                state = in(reg) state.as_mut_ptr(),
                data = inout(reg) blocks.as_ptr() => _,
                n = inout(reg) blocks.len() => _,
                k = in(reg) K.0.as_ptr(),
                mask = in(reg) BYTE_SWAP.0.as_ptr(),
                out("xmm0") _,
                out("xmm1") _,
                out("xmm2") _,
                out("xmm3") _,
                out("xmm4") _,
                out("xmm5") _,
                out("xmm6") _,
                out("xmm7") _,
                out("xmm8") _,
                out("xmm9") _,
                out("xmm10") _,
                options(nostack),
            );
        }
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

    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    #[test]
    fn both_block_functions_agree_with_sha2() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 + i / 64) as u8).collect();
        for len in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 5000] {
            let bytes = &data[..len];
            let without = super::digest_with(bytes, sha2_asm::compress256);
            assert_eq!(without, portable(bytes), "sha2-asm, {len} bytes");
            #[cfg(target_arch = "x86_64")]
            if super::shani::available() {
                let with = super::digest_with(bytes, |state, blocks| {
                    // SAFETY: the extensions are there.
                    unsafe { super::shani::compress(state, blocks) }
                });
                assert_eq!(with, without, "SHA extensions, {len} bytes");
            }
        }
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

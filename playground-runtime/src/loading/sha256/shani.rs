//! The SHA-256 block function with the CPU's SHA extensions (`asm!`).

use crate::loading::sha256::constants::K;

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

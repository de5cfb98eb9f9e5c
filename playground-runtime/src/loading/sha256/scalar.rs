//! The SHA-256 block function in general-purpose x86-64 instructions
//! (`asm!`), for CPUs without the SHA extensions: like the extensions' own
//! block function, its speed does not depend on the opt-level of the crate
//! that calls it.

use crate::loading::sha256::constants::K;

/// One round (FIPS 180-4, 6.2.2 step 3) with the working variables in
/// the registers named `$a`..`$h`, and the message word plus round
/// constant at `$wk` bytes past `rcx`. It leaves the new `a` in `$h` and
/// the new `e` in `$d`, so that the next round names the registers one
/// place further on (eight rounds bring the names back). r13d, r14d and
/// r15d are temporaries.
macro_rules! round {
    ($a:literal, $b:literal, $c:literal, $d:literal,
     $e:literal, $f:literal, $g:literal, $h:literal, $wk:literal) => {
        concat!(
            // r13d = Σ1(e) = (e ror 6) ^ (e ror 11) ^ (e ror 25)
            "mov r13d, ",
            $e,
            "\n",
            "ror r13d, 6\n",
            "mov r14d, ",
            $e,
            "\n",
            "ror r14d, 11\n",
            "xor r13d, r14d\n",
            "ror r14d, 14\n",
            "xor r13d, r14d\n",
            // r14d = Ch(e, f, g) = g ^ (e & (f ^ g))
            "mov r14d, ",
            $f,
            "\n",
            "xor r14d, ",
            $g,
            "\n",
            "and r14d, ",
            $e,
            "\n",
            "xor r14d, ",
            $g,
            "\n",
            // h = T1 = h + Σ1(e) + Ch(e, f, g) + W[t] + K[t]; d += T1
            "add ",
            $h,
            ", r13d\n",
            "add ",
            $h,
            ", r14d\n",
            "add ",
            $h,
            ", dword ptr [rcx + ",
            $wk,
            "]\n",
            "add ",
            $d,
            ", ",
            $h,
            "\n",
            // r13d = Σ0(a) = (a ror 2) ^ (a ror 13) ^ (a ror 22)
            "mov r13d, ",
            $a,
            "\n",
            "ror r13d, 2\n",
            "mov r14d, ",
            $a,
            "\n",
            "ror r14d, 13\n",
            "xor r13d, r14d\n",
            "ror r14d, 9\n",
            "xor r13d, r14d\n",
            // r14d = Maj(a, b, c) = ((a | b) & c) | (a & b)
            "mov r14d, ",
            $a,
            "\n",
            "or r14d, ",
            $b,
            "\n",
            "and r14d, ",
            $c,
            "\n",
            "mov r15d, ",
            $a,
            "\n",
            "and r15d, ",
            $b,
            "\n",
            "or r14d, r15d\n",
            // h = T1 + Σ0(a) + Maj(a, b, c): the new a
            "add ",
            $h,
            ", r13d\n",
            "add ",
            $h,
            ", r14d\n",
        )
    };
}

/// Runs the SHA-256 block function over `blocks`, updating `state`.
pub fn compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
    // The message schedule of one block, each word with its round
    // constant already added.
    let mut schedule = [0u32; 64];
    for block in blocks {
        // Registers: rsi the block, rdx the constants and rcx the schedule
        // while it is made; then eax, edx, esi, r8d..r12d the working
        // variables a..h, rcx the schedule word of the next eight rounds
        // and rdi the schedule's end (the state's address on the stack
        // meanwhile), r13d..r15d temporaries.
        // SAFETY: `block` is 64 readable bytes, `K` 64 words, `schedule`
        // 64 writable words and `state` 8 readable and writable words;
        // the code reads and writes only those (offsets below 64 and 256
        // bytes), unaligned reads included. Every register it writes is
        // declared; rdi is pushed and popped in balance (no `nostack`),
        // and no flags or memory outside those are assumed.
        unsafe {
            std::arch::asm!(
                // W[0..16]: the block's big-endian words.
                "xor eax, eax",
                "2:",
                "mov r8d, dword ptr [rsi + rax*4]",
                "bswap r8d",
                "mov dword ptr [rcx + rax*4], r8d",
                "inc eax",
                "cmp eax, 16",
                "jb 2b",
                // W[16..64]: W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16].
                "3:",
                "mov r8d, dword ptr [rcx + rax*4 - 60]",
                "mov r9d, r8d",
                "ror r9d, 7",
                "mov r10d, r8d",
                "ror r10d, 18",
                "xor r9d, r10d",
                "shr r8d, 3",
                "xor r9d, r8d",
                "mov r8d, dword ptr [rcx + rax*4 - 8]",
                "mov r11d, r8d",
                "ror r11d, 17",
                "mov r10d, r8d",
                "ror r10d, 19",
                "xor r11d, r10d",
                "shr r8d, 10",
                "xor r11d, r8d",
                "add r9d, r11d",
                "add r9d, dword ptr [rcx + rax*4 - 28]",
                "add r9d, dword ptr [rcx + rax*4 - 64]",
                "mov dword ptr [rcx + rax*4], r9d",
                "inc eax",
                "cmp eax, 64",
                "jb 3b",
                // W[t] + K[t], for the rounds.
                "xor eax, eax",
                "4:",
                "mov r8d, dword ptr [rdx + rax*4]",
                "add dword ptr [rcx + rax*4], r8d",
                "inc eax",
                "cmp eax, 64",
                "jb 4b",
                // The working variables, from the state.
                "push rdi",
                "mov eax, dword ptr [rdi]",
                "mov edx, dword ptr [rdi + 4]",
                "mov esi, dword ptr [rdi + 8]",
                "mov r8d, dword ptr [rdi + 12]",
                "mov r9d, dword ptr [rdi + 16]",
                "mov r10d, dword ptr [rdi + 20]",
                "mov r11d, dword ptr [rdi + 24]",
                "mov r12d, dword ptr [rdi + 28]",
                "lea rdi, [rcx + 256]",
                // 64 rounds, eight at a time.
                "5:",
                round!("eax", "edx", "esi", "r8d", "r9d", "r10d", "r11d", "r12d", "0"),
                round!("r12d", "eax", "edx", "esi", "r8d", "r9d", "r10d", "r11d", "4"),
                round!("r11d", "r12d", "eax", "edx", "esi", "r8d", "r9d", "r10d", "8"),
                round!("r10d", "r11d", "r12d", "eax", "edx", "esi", "r8d", "r9d", "12"),
                round!("r9d", "r10d", "r11d", "r12d", "eax", "edx", "esi", "r8d", "16"),
                round!("r8d", "r9d", "r10d", "r11d", "r12d", "eax", "edx", "esi", "20"),
                round!("esi", "r8d", "r9d", "r10d", "r11d", "r12d", "eax", "edx", "24"),
                round!("edx", "esi", "r8d", "r9d", "r10d", "r11d", "r12d", "eax", "28"),
                "add rcx, 32",
                "cmp rcx, rdi",
                "jb 5b",
                // The state plus the working variables.
                "pop rdi",
                "add dword ptr [rdi], eax",
                "add dword ptr [rdi + 4], edx",
                "add dword ptr [rdi + 8], esi",
                "add dword ptr [rdi + 12], r8d",
                "add dword ptr [rdi + 16], r9d",
                "add dword ptr [rdi + 20], r10d",
                "add dword ptr [rdi + 24], r11d",
                "add dword ptr [rdi + 28], r12d",
                inout("rdi") state.as_mut_ptr() => _,
                inout("rsi") block.as_ptr() => _,
                inout("rdx") K.0.as_ptr() => _,
                inout("rcx") schedule.as_mut_ptr() => _,
                out("rax") _,
                out("r8") _,
                out("r9") _,
                out("r10") _,
                out("r11") _,
                out("r12") _,
                out("r13") _,
                out("r14") _,
                out("r15") _,
            );
        }
    }
}

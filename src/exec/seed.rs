//! Every random stream and entity prefix of a run, derived from its seed: the same seed builds
//! the same requests on every platform and release, however checks interleave.
//!
//! Not for: drawing values (that is `generate`), or deciding which checks run (`run`).

use proptest::test_runner::{RngAlgorithm, TestRng};

/// FNV-1a: a stable hash, so seeds derive the same way on every platform and release.
pub(crate) fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for part in parts {
        for b in *part {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

pub(crate) fn rng_for(seed: u64, key: &str) -> TestRng {
    let a = fnv(&[&seed.to_le_bytes(), key.as_bytes()]);
    let b = fnv(&[key.as_bytes(), &seed.to_le_bytes()]);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..16].copy_from_slice(&b.to_le_bytes());
    bytes[16..24].copy_from_slice(&seed.to_le_bytes());
    bytes[24..].copy_from_slice(&a.rotate_left(17).to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

fn base36(mut x: u64, len: usize) -> String {
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = String::with_capacity(len);
    for _ in 0..len {
        s.push(alphabet[(x % 36) as usize] as char);
        x /= 36;
    }
    s
}

/// The prefix of entities a run creates: `cz` and four lower-case alphanumerics, from the seed.
pub fn prefix_for(seed: u64) -> String {
    format!("cz{}", base36(fnv(&[b"prefix", &seed.to_le_bytes()]), 4))
}

/// The prefix of one case: the run prefix and a tag from (row, choices, attempt), always 12
/// characters; `attempt` is the case's invocation number within its row. Every case gets a fresh unique counter under its own prefix, so the same seed
/// builds the same requests however rows interleave, and a replay rebuilds the case exactly
/// (with `attempt` changed when the target already holds its entities).
pub fn case_prefix(run_prefix: &str, row: &str, choices: &[u64], attempt: u32) -> String {
    let words: Vec<u8> = choices.iter().flat_map(|c| c.to_le_bytes()).collect();
    let h = fnv(&[row.as_bytes(), &words, &attempt.to_le_bytes()]);
    let run: String = run_prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .chain(std::iter::repeat('x'))
        .take(6)
        .collect();
    format!("{run}{}", base36(h, 6))
}

pub(crate) fn rand_u64(rng: &mut TestRng) -> u64 {
    use proptest::prelude::Rng;
    rng.next_u64()
}

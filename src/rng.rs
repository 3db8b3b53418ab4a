//! The one random-number generator of margflow. Every stochastic function takes a seed or an
//! RNG, so the same seed gives the same result bit for bit on the same machine.

use rand::SeedableRng;

/// margflow's RNG: ChaCha8, portable and reproducible across platforms.
pub type MfRng = rand_chacha::ChaCha8Rng;

/// A fresh RNG from a seed.
pub fn rng_from_seed(seed: u64) -> MfRng {
    MfRng::seed_from_u64(seed)
}

/// Derives an independent child seed (for parallel tasks) from a parent seed and a stream
/// index, by SplitMix64 mixing, so that task `k` gets the same stream however many threads run.
pub fn child_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed
        ^ stream
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

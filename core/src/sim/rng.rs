//! The simulator's randomness: SplitMix64, used both as a sequential generator and as a stateless
//! hash.
//!
//! SplitMix64 is one 64-bit add and a three-step mix per draw: fast, tiny state, good enough
//! statistics for a simulation, and — because it is pure integer arithmetic — bit-identical on every
//! machine. The stateless form ([`hash2`], [`hash3`]) lets the detector tensors derive their static
//! background from `(seed, tile, anchor)` alone, so any anchor can be restored without storage.

/// The SplitMix64 increment (2^64 / φ).
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// The SplitMix64 finaliser: a bijective 64-bit mix.
#[inline]
pub const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A hash of two words (not commutative).
#[inline]
pub const fn hash2(a: u64, b: u64) -> u64 {
    mix64(a ^ mix64(b.wrapping_add(GOLDEN)))
}

/// A hash of three words.
#[inline]
pub const fn hash3(a: u64, b: u64, c: u64) -> u64 {
    hash2(hash2(a, b), c)
}

/// A uniform `f32` in `[0, 1)` from the top 24 bits of a hash.
#[inline]
pub fn unit(h: u64) -> f32 {
    (h >> 40) as f32 * (1.0 / 16_777_216.0)
}

/// A deterministic pseudo-random generator (SplitMix64).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for `seed`; the same seed always yields the same sequence.
    pub const fn new(seed: u64) -> Rng {
        Rng { state: mix64(seed ^ 0x5eed_5eed_5eed_5eed) }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix64(self.state)
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub fn f32(&mut self) -> f32 {
        unit(self.next_u64())
    }

    /// Uniform in `[lo, hi)`.
    #[inline]
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.f32()
    }

    /// `true` with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f32) -> bool {
        self.f32() < p
    }

    /// Uniform integer in `[0, n)` (0 when `n == 0`).
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * n as u64) >> 32) as u32
    }

    /// `-1.0` or `1.0`, evenly.
    #[inline]
    pub fn sign(&mut self) -> f32 {
        if self.next_u64() >> 63 == 0 { -1.0 } else { 1.0 }
    }

    /// An approximately standard normal value: the sum of four uniforms, rescaled (bounded by
    /// ±3.46, which keeps every jitter finite and bounded by construction).
    #[inline]
    pub fn gauss(&mut self) -> f32 {
        let s = self.f32() + self.f32() + self.f32() + self.f32();
        (s - 2.0) * 1.732_050_8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_ranges_hold() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let mut c = Rng::new(8);
        let mut differ = false;
        for _ in 0..1000 {
            let x = a.next_u64();
            assert_eq!(x, b.next_u64());
            differ |= x != c.next_u64();
            let f = a.f32();
            b.f32();
            c.f32();
            assert!((0.0..1.0).contains(&f));
            let n = a.below(10);
            b.below(10);
            c.below(10);
            assert!(n < 10);
        }
        assert!(differ);
    }

    #[test]
    fn uniform_mean_is_a_half() {
        let mut r = Rng::new(1);
        let mut s = 0.0f64;
        for _ in 0..100_000 {
            s += r.f32() as f64;
        }
        assert!((s / 100_000.0 - 0.5).abs() < 0.01);
    }
}

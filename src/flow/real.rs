//! The floating-point types the native MAF kernels run in (`f32` for speed, `f64` for the
//! agreement tests against candle's autograd).

/// A float usable by [`super::native`]: the few operations the kernels need.
pub trait Real:
    Copy
    + Send
    + Sync
    + 'static
    + PartialOrd
    + Default
    + std::fmt::Debug
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
    + std::ops::AddAssign
    + std::ops::MulAssign
{
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// Conversion from `f64` (rounding for `f32`).
    fn from_f64(v: f64) -> Self;
    /// Conversion to `f64` (exact).
    fn to_f64(self) -> f64;
    /// `tanh`.
    fn tanh(self) -> Self;
    /// `exp`.
    fn exp(self) -> Self;
    /// `sqrt`.
    fn sqrt(self) -> Self;
}

macro_rules! impl_real {
    ($t:ty, $tanh:path, $exp:path) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn tanh(self) -> Self {
                $tanh(self)
            }
            #[inline]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
        }
    };
}
impl_real!(f32, tanh_f32, exp_f32);
impl_real!(f64, f64::tanh, f64::exp);

/// `tanh` for `f32` by the rational (13/6) approximation of Eigen's `ptanh_float`, accurate to
/// a few ulp on all of ℝ and, unlike `tanhf`, vectorisable: the hidden activations dominate
/// the elementwise cost of a MADE.
#[inline]
fn tanh_f32(x: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    const A1: f32 = 4.893_524_6e-3;
    const A3: f32 = 6.372_619e-4;
    const A5: f32 = 1.485_722_4e-5;
    const A7: f32 = 5.122_297e-8;
    const A9: f32 = -8.604_672e-11;
    const A11: f32 = 2.000_188e-13;
    const A13: f32 = -2.760_768_5e-16;
    const B0: f32 = 4.893_525e-3;
    const B2: f32 = 2.268_434_6e-3;
    const B4: f32 = 1.185_347_1e-4;
    const B6: f32 = 1.198_258_4e-6;
    let x = x.clamp(-CLAMP, CLAMP);
    let x2 = x * x;
    let mut p = x2 * A13 + A11;
    p = x2 * p + A9;
    p = x2 * p + A7;
    p = x2 * p + A5;
    p = x2 * p + A3;
    p = x2 * p + A1;
    p *= x;
    let mut q = x2 * B6 + B4;
    q = x2 * q + B2;
    q = x2 * q + B0;
    p / q
}

/// `exp` for `f32` by Cephes' `expf`: `x = n ln 2 + r` with `|r| ≤ ln 2 / 2` (`ln 2` split in
/// two parts for an exact product), a degree-7 polynomial for `e^r` and `2^n` assembled in the
/// exponent bits. Accurate to 2 ulp on `[−87.3, 88.3]` (inputs are clamped to that range:
/// the MAF's log-scales are bounded by the soft clamp) and, unlike a call to `expf`,
/// vectorisable and inlined.
#[inline]
fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const C1: f32 = 0.693_359_4;
    const C2: f32 = -2.121_944_4e-4;
    const P0: f32 = 1.987_569_1e-4;
    const P1: f32 = 1.398_2e-3;
    const P2: f32 = 8.333_452e-3;
    const P3: f32 = 4.166_579_6e-2;
    const P4: f32 = 1.666_666_5e-1;
    const P5: f32 = 0.5;
    let x = x.clamp(-87.3, 88.3);
    let fx = (x * LOG2E + 0.5).floor();
    let r = x - fx * C1 - fx * C2;
    let r2 = r * r;
    let mut y = P0;
    y = y * r + P1;
    y = y * r + P2;
    y = y * r + P3;
    y = y * r + P4;
    y = y * r + P5;
    y = y * r2 + r + 1.0;
    // 2^fx from the bits of fx + 1.5·2^23, whose low mantissa bits hold the integer fx (a
    // bit cast and integer arithmetic: unlike `fx as i32`, this vectorises).
    let n = (fx + 12_582_912.0).to_bits() as i32 - 0x4B40_0000;
    y * f32::from_bits(((n + 127) as u32) << 23)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fast_exp_matches_libm() {
        let mut worst = 0.0f64;
        for i in -80_000..=80_000 {
            let x = i as f32 * 1e-3;
            let (a, b) = (super::exp_f32(x) as f64, (x as f64).exp());
            worst = worst.max((a - b).abs() / b);
        }
        assert!(
            worst < 3.0 * f32::EPSILON as f64,
            "worst relative error {worst}"
        );
        assert_eq!(super::exp_f32(0.0), 1.0);
        assert!(super::exp_f32(-200.0) >= 0.0 && super::exp_f32(-200.0) < 1e-37);
        assert!(super::exp_f32(200.0).is_finite());
    }

    #[test]
    fn fast_tanh_matches_libm() {
        let mut worst = 0.0f64;
        for i in -20_000..=20_000 {
            let x = i as f32 * 1e-3;
            let err = (super::tanh_f32(x) as f64 - (x as f64).tanh()).abs();
            worst = worst.max(err);
        }
        assert!(worst < 5e-7, "worst error {worst}");
        assert_eq!(super::tanh_f32(0.0), 0.0);
    }
}

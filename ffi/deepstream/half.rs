//! IEEE 754 binary16 → binary32 conversion for FP16 output layers.
//!
//! No `std`, no allocation, no lookup table, no rounding: every binary16 value (including
//! subnormals, ±0, ±∞ and NaN payloads) is exactly representable in binary32, so the conversion
//! is exact and identical on every architecture (checked for all 65 536 inputs).

/// Converts one binary16 value (given as its bits) to `f32`, exactly.
///
/// NaNs keep their sign and payload (shifted into the top of the binary32 mantissa), so a
/// signalling NaN stays a NaN.
///
/// Branch-free over the three cases, so a slice loop vectorises: normal numbers rebias the
/// exponent by integer addition; ±∞/NaN take the all-ones exponent the same way; subnormals
/// (and ±0) are `mantissa × 2⁻²⁴` computed as an integer-to-float conversion and one multiply
/// whose operands and result are normal `f32` — so the result is exact even in a process where
/// some library switched on flush-to-zero / denormals-are-zero.
#[inline]
pub fn f16_to_f32(h: u16) -> f32 {
    let h = u32::from(h);
    let sign = (h & 0x8000) << 16;
    let em = h & 0x7fff; // exponent and mantissa
    let normal = (em << 13) + ((127 - 15) << 23);
    let inf_nan = (em << 13) + ((255 - 31) << 23);
    let subnormal = (em as f32 * (1.0 / 16_777_216.0)).to_bits(); // em < 0x400: em = mantissa
    let bits = if em < 0x0400 {
        subnormal
    } else if em >= 0x7c00 {
        inf_nan
    } else {
        normal
    };
    f32::from_bits(sign | bits)
}

/// Converts `src` into the front of `dst` and returns the converted slice.
///
/// Returns `None` (and writes nothing) when `dst` is shorter than `src`: the caller preallocates
/// the scratch once, so a short scratch is a configuration error to report, not to paper over.
#[inline]
pub fn f16_slice_to_f32<'d>(src: &[u16], dst: &'d mut [f32]) -> Option<&'d mut [f32]> {
    let out = dst.get_mut(..src.len())?;
    // A plain zip: the loop body is branchy per value only on the rare non-normal inputs, and
    // the compiler keeps it tight (no bounds checks, no allocation).
    for (o, &h) in out.iter_mut().zip(src) {
        *o = f16_to_f32(h);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Independent reference: the binary16 value computed in f64 from its definition.
    fn reference(h: u16) -> f64 {
        let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
        let exp = i32::from((h >> 10) & 0x1f);
        let man = f64::from(h & 0x3ff);
        match exp {
            0 => sign * man * 2f64.powi(-24),
            31 if man == 0.0 => sign * f64::INFINITY,
            31 => f64::NAN,
            _ => sign * (1.0 + man / 1024.0) * 2f64.powi(exp - 15),
        }
    }

    #[test]
    fn every_binary16_value_converts_exactly() {
        for h in 0..=u16::MAX {
            let got = f16_to_f32(h);
            let want = reference(h);
            if want.is_nan() {
                assert!(got.is_nan(), "{h:#06x} must be NaN, got {got}");
                assert_eq!(got.is_sign_negative(), h & 0x8000 != 0, "{h:#06x} NaN sign");
                assert_eq!((got.to_bits() >> 13) & 0x3ff, u32::from(h & 0x3ff), "{h:#06x} payload");
            } else {
                assert_eq!(f64::from(got), want, "{h:#06x}");
                // Signed zero must keep its sign.
                assert_eq!(got.is_sign_negative(), h & 0x8000 != 0, "{h:#06x} sign");
            }
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0); // largest finite
        assert_eq!(f16_to_f32(0x0400), 6.103_515_6e-5); // smallest normal, 2^-14
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8); // smallest subnormal, 2^-24
        assert_eq!(f16_to_f32(0x03ff), 6.097_555e-5); // largest subnormal
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95); // 1/3 rounded to binary16
        assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
        assert_eq!(f16_to_f32(0xfc00), f32::NEG_INFINITY);
        assert_eq!(f16_to_f32(0x8000).to_bits(), 0x8000_0000);
        assert!(f16_to_f32(0x7e00).is_nan());
        assert!(f16_to_f32(0x7c01).is_nan()); // signalling NaN stays NaN
    }

    #[test]
    fn slice_conversion_checks_capacity() {
        let src = [0x3c00u16, 0x4000, 0x0001];
        let mut dst = [f32::NAN; 4];
        let out = f16_slice_to_f32(&src, &mut dst).expect("room for 3");
        assert_eq!(out, &[1.0, 2.0, 5.960_464_5e-8]);
        assert!(dst[3].is_nan(), "nothing past the converted prefix is written");
        let mut short = [0.0f32; 2];
        assert!(f16_slice_to_f32(&src, &mut short).is_none());
        assert_eq!(short, [0.0, 0.0], "a short scratch is left untouched");
    }
}

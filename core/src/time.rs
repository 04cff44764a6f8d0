//! Timestamps: GStreamer-compatible nanoseconds in a `u64`.

/// GStreamer's `GST_CLOCK_TIME_NONE`: "no timestamp".
pub const CLOCK_TIME_NONE: u64 = u64::MAX;

/// Nanoseconds per second.
pub const SECOND: u64 = 1_000_000_000;

/// Nanoseconds per millisecond.
pub const MSECOND: u64 = 1_000_000;

/// The duration of one frame at `fps_n / fps_d` frames per second, in nanoseconds (rounded down).
///
/// Returns `None` for a zero numerator or denominator instead of dividing by zero.
pub const fn frame_period_ns(fps_n: u32, fps_d: u32) -> Option<u64> {
    if fps_n == 0 || fps_d == 0 {
        return None;
    }
    Some(SECOND * fps_d as u64 / fps_n as u64)
}

/// The PTS of frame `index` at `fps_n / fps_d`, computed without accumulating rounding error
/// (frame 30 at 30/1 is exactly 1 s, not 30 × 33 333 333 ns).
pub const fn frame_pts(index: u64, fps_n: u32, fps_d: u32) -> u64 {
    if fps_n == 0 {
        return 0;
    }
    // u128 so that a multi-day index times 1e9 cannot overflow.
    ((index as u128 * SECOND as u128 * fps_d as u128) / fps_n as u128) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_pts_is_exact_on_whole_seconds() {
        assert_eq!(frame_pts(30, 30, 1), SECOND);
        assert_eq!(frame_pts(30_000, 30_000, 1001), 1001 * SECOND / 1000 * 1000);
        assert_eq!(frame_period_ns(30, 1), Some(33_333_333));
        assert_eq!(frame_period_ns(0, 1), None);
    }
}

//! The monotonic clock the realtime threads pace themselves by.
//!
//! GStreamer's system clock is `CLOCK_MONOTONIC` by default, so these nanoseconds are directly
//! comparable with a pipeline's clock time (running time = clock time − base time).

/// `CLOCK_MONOTONIC` now, in nanoseconds.
#[inline]
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux, so the
    // call cannot fail (and if it did, `ts` stays zeroed, which is still a defined value).
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Sleeps until `CLOCK_MONOTONIC` reaches `deadline_ns` (an absolute deadline, so periodic loops
/// do not accumulate drift). Returns immediately for a deadline in the past; restarts after
/// signal interruptions.
pub fn sleep_until(deadline_ns: u64) {
    let ts = libc::timespec {
        tv_sec: (deadline_ns / 1_000_000_000) as libc::time_t,
        tv_nsec: (deadline_ns % 1_000_000_000) as libc::c_long,
    };
    loop {
        // SAFETY: `ts` is a valid timespec and the remaining-time pointer may be NULL with
        // TIMER_ABSTIME (the kernel does not write it for absolute sleeps).
        let rc = unsafe {
            libc::clock_nanosleep(
                libc::CLOCK_MONOTONIC,
                libc::TIMER_ABSTIME,
                &ts,
                std::ptr::null_mut(),
            )
        };
        if rc != libc::EINTR {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_until_a_deadline_and_never_before() {
        let t0 = monotonic_ns();
        sleep_until(t0 + 2_000_000);
        assert!(monotonic_ns() >= t0 + 2_000_000);
        // A past deadline returns at once (no assertion on how fast: only that it returns).
        sleep_until(t0);
    }
}

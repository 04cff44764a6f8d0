//! The live status line (refreshed each second on a terminal, a plain log line every 10 s
//! otherwise) and memory sampling for the report.

use super::stats::EngineStats;
use crate::report::RssMb;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

/// Prints the run's vital signs.
pub struct Status {
    stats: Arc<EngineStats>,
    tty: bool,
    period_ns: u64,
    delay_ns: u64,
    last: std::cell::Cell<(u64, u64, u64)>,
    printed: std::cell::Cell<u32>,
}

impl Status {
    /// A status printer for `stats`.
    pub fn new(stats: Arc<EngineStats>, period_ns: u64, delay_ns: u64) -> Status {
        Status {
            stats,
            tty: std::io::stderr().is_terminal(),
            period_ns,
            delay_ns,
            last: std::cell::Cell::new((0, 0, 0)),
            printed: std::cell::Cell::new(0),
        }
    }

    /// Prints one update; `elapsed_ns` since start, `rss_mb` now, `plan` the thread plan.
    pub fn print(&self, elapsed_ns: u64, rss_mb: f64, plan: String) {
        let s = &self.stats;
        let (t0, in0, out0) = self.last.get();
        let (fin, fout) = (s.frames_in.get(), s.frames_out.get());
        let dt = (elapsed_ns.saturating_sub(t0)) as f64 / 1e9;
        let (fps_in, fps_out) = if dt > 0.0 {
            ((fin - in0) as f64 / dt, (fout - out0) as f64 / dt)
        } else {
            (0.0, 0.0)
        };
        self.last.set((elapsed_ns, fin, fout));
        let drops = s.capture_queue_full.get()
            + s.pool_exhausted.get()
            + s.skipped.get()
            + s.output_pool_exhausted.get()
            + s.push_failed.get()
            + s.ring_rejected.get();
        let cpu =
            100.0 * pitchcam::os::metrics::process_cpu_time_ns() as f64 / elapsed_ns.max(1) as f64;
        let delay = match s.delay_us.snapshot().max() {
            Some(_) if fout > 0 => format!("{:.2}s", self.delay_ns as f64 / 1e9),
            _ => format!(
                "filling {:.1}/{:.1}s",
                (s.ring_len.get() as f64 * self.period_ns as f64 / 1e9),
                self.delay_ns as f64 / 1e9
            ),
        };
        let line = format!(
            "t={:>5.0}s in {fps_in:>4.1} fps out {fps_out:>4.1} fps | delay {delay} | ring {} | drops {drops} | late ticks {} | cpu {cpu:.0}% | rss {rss_mb:.0} MB | {}",
            elapsed_ns as f64 / 1e9,
            s.ring_len.get(),
            s.late_ticks.get(),
            plan,
        );
        let n = self.printed.get();
        self.printed.set(n + 1);
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
        } else if n.is_multiple_of(10) {
            let _ = writeln!(err, "{line}");
        }
    }

    /// Ends the status line (newline on a terminal).
    pub fn finish(&self) {
        if self.tty && self.printed.get() > 0 {
            eprintln!();
        }
    }
}

/// RSS samples over the run.
pub struct RssSampler {
    samples: Vec<(u64, f64)>,
}

impl RssSampler {
    /// No samples yet.
    pub fn new() -> RssSampler {
        RssSampler { samples: Vec::with_capacity(4096) }
    }

    /// Takes one sample at `now_ns`.
    pub fn sample(&mut self, now_ns: u64) {
        let mb = pitchcam::os::metrics::rss_bytes().unwrap_or(0) as f64 / 1e6;
        self.samples.push((now_ns, mb));
    }

    /// The latest sample, MB.
    pub fn last_mb(&self) -> f64 {
        self.samples.last().map(|s| s.1).unwrap_or(0.0)
    }

    /// Start (first sample), end, max, and the least-squares slope of the samples after
    /// `warm_ns` in MB per minute.
    pub fn report(&self, warm_ns: u64) -> RssMb {
        let start = self.samples.first().map(|s| s.1).unwrap_or(0.0);
        let end = self.last_mb();
        let max = self.samples.iter().map(|s| s.1).fold(0.0, f64::max);
        let tail: Vec<(f64, f64)> = self
            .samples
            .iter()
            .filter(|s| s.0 >= warm_ns)
            .map(|s| (s.0 as f64 / 60e9, s.1))
            .collect();
        RssMb { start, end, max, slope_mb_per_min: slope(&tail) }
    }
}

/// Least-squares slope of (x, y) points; 0 with fewer than 3 points.
pub fn slope(p: &[(f64, f64)]) -> f64 {
    if p.len() < 3 {
        return 0.0;
    }
    let n = p.len() as f64;
    let mx = p.iter().map(|q| q.0).sum::<f64>() / n;
    let my = p.iter().map(|q| q.1).sum::<f64>() / n;
    let sxx: f64 = p.iter().map(|q| (q.0 - mx) * (q.0 - mx)).sum();
    let sxy: f64 = p.iter().map(|q| (q.0 - mx) * (q.1 - my)).sum();
    if sxx == 0.0 { 0.0 } else { sxy / sxx }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slope_of_a_line() {
        let p: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 3.0 + 2.0 * i as f64)).collect();
        assert!((super::slope(&p) - 2.0).abs() < 1e-9);
        assert_eq!(super::slope(&p[..2]), 0.0);
    }
}

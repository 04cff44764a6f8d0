//! Timing helpers and the result table shared by every part of the benchmark.
use std::hint::black_box;
use std::time::Instant;

/// Latency summary of one measured strategy, in nanoseconds per operation.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    pub median_ns: f64,
    pub p99_ns: f64,
    pub max_ns: f64,
}

/// One line of the table: pitchcam's strategy against the naive one for the same work.
pub struct Row {
    pub stage: String,
    pub pitchcam: Summary,
    pub naive: Option<Summary>,
    pub budget: String,
}

pub struct Table {
    rows: Vec<Row>,
    /// Fewer samples (CI smoke run); numbers are then only indicative.
    pub quick: bool,
}

impl Table {
    pub fn new(quick: bool) -> Self {
        Table { rows: Vec::new(), quick }
    }

    /// Number of samples to take for a stage whose default is `full`.
    pub fn samples(&self, full: usize) -> usize {
        if self.quick { (full / 20).max(20) } else { full }
    }

    pub fn add(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn print(&self) {
        println!();
        println!(
            "| stage | pitchcam median | pitchcam p99 | pitchcam max | naive median | naive p99 | naive/pitchcam (median) | budget |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---|");
        for r in &self.rows {
            let (nm, np, ratio) = match r.naive {
                Some(n) => (
                    fmt_ns(n.median_ns),
                    fmt_ns(n.p99_ns),
                    format!("{:.1}×", n.median_ns / r.pitchcam.median_ns),
                ),
                None => ("–".into(), "–".into(), "–".into()),
            };
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                r.stage,
                fmt_ns(r.pitchcam.median_ns),
                fmt_ns(r.pitchcam.p99_ns),
                fmt_ns(r.pitchcam.max_ns),
                nm,
                np,
                ratio,
                r.budget
            );
        }
        if self.quick {
            println!("(quick mode: few samples, indicative only)");
        }
    }
}

pub fn fmt_ns(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1_000.0 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{:.0} ns", ns)
    }
}

/// Times `samples` calls of `f`, each call on its own (for operations of a microsecond or more).
/// `f` receives the sample index so it can rotate over inputs that are not cache resident.
pub fn time_each(samples: usize, mut f: impl FnMut(usize)) -> Summary {
    // Warm-up: page in code and data paths.
    for i in 0..samples.min(50) {
        f(i);
    }
    let mut v = Vec::with_capacity(samples);
    for i in 0..samples {
        let t = Instant::now();
        f(i);
        v.push(t.elapsed().as_nanos() as f64);
    }
    summarize(&mut v)
}

/// Times `batches` batches of `per_batch` calls and reports the per-call time of each batch (for
/// operations of tens of nanoseconds, where one `Instant::now()` costs more than the operation).
pub fn time_batched(batches: usize, per_batch: usize, mut f: impl FnMut(usize)) -> Summary {
    for i in 0..per_batch {
        f(i);
    }
    let mut v = Vec::with_capacity(batches);
    let mut k = 0usize;
    for _ in 0..batches {
        let t = Instant::now();
        for _ in 0..per_batch {
            f(black_box(k));
            k = k.wrapping_add(1);
        }
        v.push(t.elapsed().as_nanos() as f64 / per_batch as f64);
    }
    summarize(&mut v)
}

pub fn summarize(v: &mut [f64]) -> Summary {
    v.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    Summary { median_ns: q(0.5), p99_ns: q(0.99), max_ns: *v.last().unwrap_or(&0.0) }
}

//! The hot-path benchmark: `cargo bench -p pitchcam-core --bench hotpath`.
//!
//! One table: each stage of pitchcam's per-frame work, measured on this machine in one thread,
//! side by side with a naive strategy written here (what the Python app did, in Rust), so the
//! ratio is measured in the same run. Timing is reported, never asserted.
mod hot;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var_os("PITCHCAM_BENCH_QUICK").is_some();
    let mut table = hot::common::Table::new(quick);
    hot::ring::run(&mut table);
    hot::detect::run(&mut table);
    hot::track::run(&mut table);
    table.print();
}

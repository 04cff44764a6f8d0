//! The delay ring under arbitrary operation sequences and timestamps, checked against a plain
//! model: live entries strictly increasing, capacity never exceeded, every handle that leaves
//! comes back exactly once, the counters' identities, lookups equal to a linear scan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pitchcam_core::ring::{DelayRing, Push, RingConfig};

const N: usize = 32;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let limit = 1 + data[0] as usize % N;
    let cfg = RingConfig::for_frame_period(1 + data[1] as u64 * 1_000_000)
        .with_restart_threshold(data[2] as u64 * 10_000_000);
    let mut ring: DelayRing<u64, N> = DelayRing::with_limit(cfg, limit).unwrap();
    let mut next_handle = 0u64;
    let mut out: Vec<u64> = Vec::new(); // handles returned to us
    let mut ops = data[3..].chunks_exact(9);
    for op in &mut ops {
        let v = u64::from_le_bytes(op[1..9].try_into().unwrap());
        // Timestamps: mostly small steps (the interesting region), sometimes anything.
        let pts = if op[0] & 0x80 == 0 { v % 4_000_000_000 } else { v };
        match op[0] % 8 {
            0..=3 => {
                let h = next_handle;
                next_handle += 1;
                match ring.push(pts, h) {
                    Push::Stored => {}
                    Push::Evicted { handle, .. } => out.push(handle),
                    Push::Rejected { handle, .. } => {
                        assert_eq!(handle, h);
                        out.push(handle)
                    }
                }
            }
            4 => {
                let got = ring.at_or_before(pts).map(|e| e.pts);
                let model = ring.iter().map(|e| e.pts).filter(|&p| p <= pts).max();
                assert_eq!(got, model);
            }
            5 => {
                let got = ring.at_or_after(pts).map(|e| e.pts);
                let model = ring.iter().map(|e| e.pts).filter(|&p| p >= pts).min();
                assert_eq!(got, model);
            }
            6 => ring.flush(),
            _ => {
                if let Some((_, h)) = ring.pop_stale() {
                    out.push(h)
                }
            }
        }
        let live: Vec<u64> = ring.iter().map(|e| e.pts).collect();
        assert!(live.windows(2).all(|w| w[0] < w[1]), "{live:?}");
        assert!(ring.len() + ring.stale_len() <= limit);
        let c = ring.counters();
        assert_eq!(c.pushed, c.stored + c.duplicates + c.late + c.no_pts, "{c:?}");
        assert_eq!(
            c.stored,
            c.evicted + c.flushed + c.popped + ring.len() as u64 + ring.stale_len() as u64,
            "{c:?}"
        );
    }
    for (_, h) in ring.drain() {
        out.push(h);
    }
    out.sort_unstable();
    assert_eq!(out, (0..next_handle).collect::<Vec<_>>(), "every handle back exactly once");
});

//! A fixed seed always produces the same match, pixels and tensors — on this machine, in another
//! build, and on aarch64 (the Jetson). The digest below was recorded on x86_64 and checked on
//! aarch64 under qemu:
//!
//! ```sh
//! CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
//! CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
//!   cargo test -p pitchcam-core --release --target aarch64-unknown-linux-gnu --test sim_golden
//! ```
//!
//! If you changed the simulation on purpose, replace `GOLDEN` with the digest this test prints
//! (and re-run it on aarch64). If you did not, something made the simulator non-deterministic:
//! a platform-dependent float function, a fused multiply-add, iteration over unordered state.
use pitchcam_core::geom::Size;
use pitchcam_core::image::Nv12Mut;
use pitchcam_core::sim::SimConfig;
use pitchcam_core::sim::render::Renderer;
use pitchcam_core::sim::tensors::TensorSynth;
use pitchcam_core::sim::world::Match;

const GOLDEN: u64 = 0x8cdb_5d3f_8817_56ec;

fn fnv(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h ^= b as u64;
        *h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
}

#[test]
fn a_fixed_seed_reproduces_the_recorded_match_pixels_and_tensors() {
    let size = Size { w: 960, h: 320 };
    let cfg = SimConfig { seed: 2024, size, ..SimConfig::default() };
    let mut game = Match::new(&cfg).unwrap();
    let mut r = Renderer::<2>::new(size).unwrap();
    let mut synth = TensorSynth::<2>::new(&cfg).unwrap();
    let mut ys = [vec![0u8; 960 * 320], vec![0u8; 960 * 320]];
    let mut uvs = [vec![0u8; 960 * 160], vec![0u8; 960 * 160]];
    let mut blocks = [vec![0f32; synth.block_len()], vec![0f32; synth.block_len()]];
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for i in 0..4000 {
        let t = *game.step();
        fnv(&mut h, &t.digest().to_le_bytes());
        if i % 20 == 0 {
            let s = (i / 20) % 2;
            let mut f = Nv12Mut::new(&mut ys[s], 960, &mut uvs[s], 960, 960, 320).unwrap();
            r.render(s, &t, &mut f).unwrap();
            synth.write(s, &t, &mut blocks[s]).unwrap();
            if i % 200 == 0 {
                fnv(&mut h, &ys[s]);
                fnv(&mut h, &uvs[s]);
                for v in &blocks[s] {
                    fnv(&mut h, &v.to_bits().to_le_bytes());
                }
            }
        }
    }
    println!("sim digest: {h:#018x}");
    assert_eq!(h, GOLDEN, "the sim's output changed: see this file's header");
}

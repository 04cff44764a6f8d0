//! `Sim::frame`, the engine's one call per frame: same output as driving the parts by hand, and a
//! refused call advances nothing.
use pitchcam_core::geom::Size;
use pitchcam_core::image::Nv12Mut;
use pitchcam_core::sim::render::{RenderError, Renderer};
use pitchcam_core::sim::tensors::{SynthError, TensorSynth};
use pitchcam_core::sim::world::Match;
use pitchcam_core::sim::{FrameError, Sim, SimConfig, SimError};

const W: u32 = 960;
const H: u32 = 320;

fn cfg() -> SimConfig {
    SimConfig { seed: 77, size: Size { w: W, h: H }, ..SimConfig::default() }
}

#[test]
fn frame_equals_the_parts_driven_by_hand() {
    let c = cfg();
    let mut sim = Box::new(Sim::<3, 3>::new(&c).unwrap());
    let mut game = Match::new(&c).unwrap();
    let mut r = Renderer::<3>::new(c.size).unwrap();
    let mut s = TensorSynth::<3>::new(&c).unwrap();
    let n = (W * H) as usize;
    let (mut ya, mut uva, mut ba) =
        (vec![vec![0u8; n]; 3], vec![vec![0u8; n / 2]; 3], vec![vec![0f32; sim.block_len()]; 3]);
    let (mut yb, mut uvb, mut bb) =
        (vec![vec![0u8; n]; 3], vec![vec![0u8; n / 2]; 3], vec![vec![0f32; s.block_len()]; 3]);
    for i in 0..120 {
        let k = i % 3;
        let mut fa = Nv12Mut::new(&mut ya[k], W as usize, &mut uva[k], W as usize, W, H).unwrap();
        let (truth, out) = sim.frame(k, &mut fa, k, &mut ba[k]).unwrap();
        let t = *game.step();
        let mut fb = Nv12Mut::new(&mut yb[k], W as usize, &mut uvb[k], W as usize, W, H).unwrap();
        r.render(k, &t, &mut fb).unwrap();
        let out2 = s.write(k, &t, &mut bb[k]).unwrap();
        assert_eq!(truth, t);
        assert_eq!(out.tiles(), out2.tiles());
        assert!(ya[k] == yb[k] && uva[k] == uvb[k], "frame {i}: pixels differ");
        assert!(
            ba[k].iter().zip(&bb[k]).all(|(a, b)| a.to_bits() == b.to_bits()),
            "frame {i}: tensors differ"
        );
    }
    assert_eq!(sim.game().truth().frame, 119);
}

#[test]
fn a_refused_frame_advances_nothing() {
    let c = cfg();
    let mut sim = Box::new(Sim::<2, 2>::new(&c).unwrap());
    let n = (W * H) as usize;
    let (mut y, mut uv, mut block) = (vec![0u8; n], vec![0u8; n / 2], vec![0f32; sim.block_len()]);
    let mut f = Nv12Mut::new(&mut y, W as usize, &mut uv, W as usize, W, H).unwrap();
    assert_eq!(sim.frame(0, &mut f, 0, &mut block).unwrap().0.frame, 0);
    assert_eq!(
        sim.frame(2, &mut f, 0, &mut block).err(),
        Some(FrameError::Render(RenderError::BadSlot { slot: 2, slots: 2 }))
    );
    assert_eq!(
        sim.frame(0, &mut f, 3, &mut block).err(),
        Some(FrameError::Tensors(SynthError::BadSlot { slot: 3, slots: 2 }))
    );
    let mut short = vec![0f32; 10];
    assert_eq!(
        sim.frame(1, &mut f, 1, &mut short).err(),
        Some(FrameError::Tensors(SynthError::BlockSize { expected: sim.block_len(), got: 10 }))
    );
    let (mut y2, mut uv2) = (vec![0u8; 640 * 320], vec![0u8; 640 * 160]);
    let mut small = Nv12Mut::new(&mut y2, 640, &mut uv2, 640, 640, 320).unwrap();
    assert!(matches!(
        sim.frame(1, &mut small, 1, &mut block),
        Err(FrameError::Render(RenderError::SizeMismatch { .. }))
    ));
    assert!(y2.iter().all(|&v| v == 0) && short.iter().all(|&v| v == 0.0), "a refused frame wrote");
    // The next good frame is frame 1: nothing was lost.
    assert_eq!(sim.frame(1, &mut f, 1, &mut block).unwrap().0.frame, 1);
    assert_eq!(sim.invalidate_frame(5), Err(RenderError::BadSlot { slot: 5, slots: 2 }));
    assert_eq!(sim.invalidate_block(5), Err(SynthError::BadSlot { slot: 5, slots: 2 }));
    assert_eq!(Sim::<2, 2>::new(&SimConfig { fps: 0, ..c }).err(), Some(SimError::ZeroFps));
}

#[test]
fn state_per_slot_stays_small() {
    // The engine holds one slot per pool buffer (~216): the whole source must stay a few hundred KB.
    use std::mem::size_of;
    let per_frame = (size_of::<Sim<216, 1>>() - size_of::<Sim<1, 1>>()) / 215;
    let per_block = (size_of::<Sim<1, 216>>() - size_of::<Sim<1, 1>>()) / 215;
    println!(
        "Sim<216, 216>: {} bytes; {per_frame} per frame slot, {per_block} per block slot",
        size_of::<Sim<216, 216>>()
    );
    assert!(per_frame <= 400 && per_block <= 1000, "{per_frame} / {per_block} bytes per slot");
    assert!(size_of::<Sim<216, 216>>() < 320 * 1024);
}

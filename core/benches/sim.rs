//! The simulator's per-frame cost: `cargo bench -p pitchcam-core --bench sim` (`--quick` for a
//! smoke run). Rows at the real 5700×1900 and at a CI size; each stage against the naive strategy
//! (a full background repaint / full tensor rewrite every frame) measured in the same run. Timing
//! is reported, never asserted.
#[allow(dead_code)]
#[path = "hot/common.rs"]
mod common;

use common::{Row, Table, time_each};
use pitchcam_core::geom::Size;
use pitchcam_core::image::Nv12Mut;
use pitchcam_core::sim::SimConfig;
use pitchcam_core::sim::render::Renderer;
use pitchcam_core::sim::tensors::TensorSynth;
use pitchcam_core::sim::truth::Truth;
use pitchcam_core::sim::world::Match;

/// Buffers in the bench's pool: enough that each buffer is cold in cache when it comes round,
/// as with the engine's ~216.
const POOL: usize = 8;

fn run(table: &mut Table, size: Size, frames: usize) {
    let cfg = SimConfig { size, ..SimConfig::default() };
    let label = format!("{}×{}", size.w, size.h);
    let (w, h) = (size.w as usize, size.h as usize);

    let mut game = Match::new(&cfg).unwrap();
    let mut truths: Vec<Truth> = Vec::with_capacity(frames);
    let step = time_each(frames, |_| truths.push(*game.step()));
    truths.truncate(frames);
    table.add(Row {
        stage: format!("sim step {label}"),
        pitchcam: step,
        naive: None,
        budget: "≪ 1 ms".into(),
    });

    let mut ys: Vec<Vec<u8>> = (0..POOL).map(|_| vec![0u8; w * h]).collect();
    let mut uvs: Vec<Vec<u8>> = (0..POOL).map(|_| vec![0u8; w * h / 2]).collect();
    let mut r = Box::new(Renderer::<POOL>::new(size).unwrap());
    // Warm every slot (first use paints the whole background).
    for s in 0..POOL {
        let mut f = Nv12Mut::new(&mut ys[s], w, &mut uvs[s], w, size.w, size.h).unwrap();
        r.render(s, &truths[s], &mut f).unwrap();
    }
    let n = truths.len();
    let render = time_each(frames, |i| {
        let s = i % POOL;
        let mut f = Nv12Mut::new(&mut ys[s], w, &mut uvs[s], w, size.w, size.h).unwrap();
        r.render(s, &truths[i % n], &mut f).unwrap();
    });
    let full = time_each(frames / 4, |i| {
        let s = i % POOL;
        r.invalidate(s).unwrap();
        let mut f = Nv12Mut::new(&mut ys[s], w, &mut uvs[s], w, size.w, size.h).unwrap();
        r.render(s, &truths[i % n], &mut f).unwrap();
    });
    table.add(Row {
        stage: format!("sim render {label} (naive: full repaint)"),
        pitchcam: render,
        naive: Some(full),
        budget: "≲ 3 ms".into(),
    });

    let mut synth = Box::new(TensorSynth::<POOL>::new(&cfg).unwrap());
    let mut blocks: Vec<Vec<f32>> = (0..POOL).map(|_| vec![0f32; synth.block_len()]).collect();
    for (s, b) in blocks.iter_mut().enumerate() {
        synth.write(s, &truths[s], b).unwrap();
    }
    let tensors = time_each(frames, |i| {
        let s = i % POOL;
        synth.write(s, &truths[i % n], &mut blocks[s]).unwrap();
    });
    let tensors_full = time_each(frames / 4, |i| {
        let s = i % POOL;
        synth.invalidate(s).unwrap();
        synth.write(s, &truths[i % n], &mut blocks[s]).unwrap();
    });
    table.add(Row {
        stage: format!("sim tensors {label}, {} tiles (naive: full rewrite)", synth.tiles().len()),
        pitchcam: tensors,
        naive: Some(tensors_full),
        budget: "≲ 1 ms".into(),
    });

    // The whole sim thread's work for one frame.
    let mut game = Match::new(&cfg).unwrap();
    let total = time_each(frames, |i| {
        let s = i % POOL;
        let t = *game.step();
        let mut f = Nv12Mut::new(&mut ys[s], w, &mut uvs[s], w, size.w, size.h).unwrap();
        r.render(s, &t, &mut f).unwrap();
        synth.write(s, &t, &mut blocks[s]).unwrap();
    });
    table.add(Row {
        stage: format!("sim frame {label}: step + render + tensors"),
        pitchcam: total,
        naive: None,
        budget: "≲ 4 ms (33 ms period)".into(),
    });
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var_os("PITCHCAM_BENCH_QUICK").is_some();
    let mut table = Table::new(quick);
    let (big, small) = (table.samples(1500), table.samples(3000));
    run(&mut table, Size { w: 5700, h: 1900 }, big);
    run(&mut table, Size { w: 960, h: 320 }, small);
    table.print();
}

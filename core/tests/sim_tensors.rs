//! The synthesised detector tensors, decoded by a plain reference decoder written here (per-class
//! threshold 0.25, boxes mapped through each tile's mapping, greedy NMS at IoU 0.45 over all
//! tiles): layout, determinism, the ball found where the truth is, false balls at the configured
//! rate, people found, tiles agreeing in their overlap.
use pitchcam_core::detect::{Mapping, TensorLayout};
use pitchcam_core::geom::Size;
use pitchcam_core::sim::tensors::{
    ANCHORS, ROWS, SynthError, TENSOR_LEN, TensorFrame, TensorSynth,
};
use pitchcam_core::sim::truth::Truth;
use pitchcam_core::sim::world::Match;
use pitchcam_core::sim::{SimConfig, SimError, pitch};

fn cfg(seed: u64, w: u32, h: u32) -> SimConfig {
    SimConfig { seed, size: Size { w, h }, ..SimConfig::default() }
}

fn truths(c: &SimConfig, frames: usize) -> Vec<Truth> {
    let mut m = Match::new(c).unwrap();
    (0..frames).map(|_| *m.step()).collect()
}

#[derive(Clone, Copy, Debug)]
struct Det {
    x1: f32,
    y1: f32,
    x2: f32,
    y2: f32,
    score: f32,
    class: usize,
    tile: usize,
}

impl Det {
    fn cx(&self) -> f32 {
        (self.x1 + self.x2) / 2.0
    }
    fn cy(&self) -> f32 {
        (self.y1 + self.y2) / 2.0
    }
}

fn iou(a: &Det, b: &Det) -> f32 {
    let iw = (a.x2.min(b.x2) - a.x1.max(b.x1)).max(0.0);
    let ih = (a.y2.min(b.y2) - a.y1.max(b.y1)).max(0.0);
    let i = iw * ih;
    i / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - i)
}

/// Every anchor above `thr` in its best class, in panorama px.
fn candidates(out: &TensorFrame, block: &[f32], thr: f32) -> Vec<Det> {
    let mut v = Vec::new();
    for (t, _) in out.tiles().iter().enumerate() {
        let tensor = out.tensor(t, block).unwrap();
        let d = tensor.data();
        let m = tensor.mapping();
        for a in 0..ANCHORS {
            let (mut best, mut cls) = (0.0, 0);
            for c in 0..ROWS - 4 {
                let s = d[(4 + c) * ANCHORS + a];
                if s > best {
                    best = s;
                    cls = c;
                }
            }
            if best > thr {
                let (cx, cy, w, h) = (d[a], d[ANCHORS + a], d[2 * ANCHORS + a], d[3 * ANCHORS + a]);
                v.push(Det {
                    x1: (cx - w / 2.0) * m.scale_x + m.offset_x,
                    y1: (cy - h / 2.0) * m.scale_y + m.offset_y,
                    x2: (cx + w / 2.0) * m.scale_x + m.offset_x,
                    y2: (cy + h / 2.0) * m.scale_y + m.offset_y,
                    score: best,
                    class: cls,
                    tile: t,
                });
            }
        }
    }
    v
}

/// Greedy per-class NMS over all tiles.
fn nms(mut v: Vec<Det>) -> Vec<Det> {
    v.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut keep: Vec<Det> = Vec::new();
    for d in v {
        if keep.iter().all(|k| k.class != d.class || iou(k, &d) <= 0.45) {
            keep.push(d);
        }
    }
    keep
}

fn decode(out: &TensorFrame, block: &[f32]) -> Vec<Det> {
    nms(candidates(out, block, 0.25))
}

#[test]
fn tiles_cover_the_panorama_with_the_documented_layout() {
    for (w, h, xs) in [
        (5700u32, 1900u32, vec![0u32, 1900, 3800]),
        (960, 320, vec![0, 320, 640]),
        (1000, 320, vec![0, 227, 453, 680]),
        (640, 640, vec![0]),
    ] {
        let s = TensorSynth::<2>::new(&cfg(1, w, h)).unwrap();
        assert_eq!(s.block_len(), xs.len() * TENSOR_LEN);
        for (i, t) in s.tiles().iter().enumerate() {
            assert_eq!((t.rows, t.anchors, t.layout), (9, 8400, TensorLayout::ChannelsFirst));
            assert_eq!(t.region, [xs[i], 0, h, h]);
            assert_eq!(t.offset, i * TENSOR_LEN);
            assert_eq!(t.mapping, Mapping::tile(xs[i], 0, h, h, 640, 640));
        }
        assert_eq!(s.tiles().last().unwrap().region[0] + h, w, "tiles must reach the right edge");
    }
    let mut c = cfg(1, 5700, 1900);
    c.tiles = false;
    let s = TensorSynth::<1>::new(&c).unwrap();
    assert_eq!(s.tiles().len(), 1);
    assert_eq!(s.tiles()[0].mapping, Mapping::letterbox(5700, 1900, 640, 640, true));
}

#[test]
fn bad_slot_block_and_config_are_refused() {
    let c = cfg(1, 960, 320);
    let t = truths(&c, 1);
    let mut s = TensorSynth::<2>::new(&c).unwrap();
    let mut block = vec![0f32; s.block_len()];
    assert_eq!(
        s.write(2, &t[0], &mut block).err(),
        Some(SynthError::BadSlot { slot: 2, slots: 2 })
    );
    let mut short = vec![0f32; s.block_len() - 1];
    assert_eq!(
        s.write(0, &t[0], &mut short).err(),
        Some(SynthError::BlockSize { expected: 3 * TENSOR_LEN, got: 3 * TENSOR_LEN - 1 })
    );
    assert!(block.iter().all(|&v| v == 0.0), "a refused write touched the block");
    assert_eq!(TensorSynth::<1>::new(&SimConfig { fps: 0, ..c }).err(), Some(SimError::ZeroFps));
    let out = s.write(0, &t[0], &mut block).unwrap();
    assert!(out.tensor(3, &block).is_err());
    assert!(out.tensor(0, &block[..100]).is_err());
}

/// Same seed: identical bytes whatever slots the frames went through; another seed: different.
#[test]
fn tensors_are_deterministic_and_independent_of_slot_history() {
    let c = cfg(21, 1140, 380);
    let t = truths(&c, 400);
    let mut a = TensorSynth::<1>::new(&c).unwrap();
    let mut b = TensorSynth::<4>::new(&c).unwrap();
    let mut d = TensorSynth::<1>::new(&SimConfig { seed: 22, ..c }).unwrap();
    let mut ba = vec![0f32; a.block_len()];
    let mut bb: Vec<Vec<f32>> = (0..4).map(|_| vec![0f32; b.block_len()]).collect();
    let mut bd = vec![0f32; d.block_len()];
    let mut differ = 0;
    for (i, truth) in t.iter().enumerate() {
        a.write(0, truth, &mut ba).unwrap();
        let slot = (i * 7 + i / 3) % 4;
        let out = b.write(slot, truth, &mut bb[slot]).unwrap();
        assert!(out.anchors_written > 0);
        let same = ba.iter().zip(&bb[slot]).all(|(x, y)| x.to_bits() == y.to_bits());
        assert!(same, "frame {i}: slot {slot} differs from a single-slot synth");
        d.write(0, truth, &mut bd).unwrap();
        differ += ba.iter().zip(&bd).any(|(x, y)| x.to_bits() != y.to_bits()) as usize;
    }
    assert_eq!(differ, t.len(), "seeds 21 and 22 gave an identical tensor");
}

#[test]
fn values_are_finite_scores_are_probabilities_and_the_background_is_quiet() {
    let c = cfg(4, 1140, 380);
    let t = truths(&c, 300);
    let mut s = TensorSynth::<2>::new(&c).unwrap();
    let mut block = vec![0f32; s.block_len()];
    let (mut above, mut total) = (0usize, 0usize);
    for truth in t.iter().step_by(10) {
        let out = s.write(0, truth, &mut block).unwrap();
        assert!(block.iter().all(|v| v.is_finite()));
        for (ti, _) in out.tiles().iter().enumerate() {
            let d = &block[ti * TENSOR_LEN..(ti + 1) * TENSOR_LEN];
            assert!(d[4 * ANCHORS..].iter().all(|&v| (0.0..=1.0).contains(&v)));
            assert!(d[2 * ANCHORS..4 * ANCHORS].iter().all(|&v| v > 0.0));
            for a in 0..ANCHORS {
                let m = (4..9).map(|r| d[r * ANCHORS + a]).fold(0.0, f32::max);
                total += 1;
                above += (m > 0.25) as usize;
            }
        }
        // Median background score like a real head: well under 1 %.
        let mut scores: Vec<f32> = block[4 * ANCHORS..5 * ANCHORS].to_vec();
        scores.sort_by(f32::total_cmp);
        assert!(scores[ANCHORS / 2] < 0.01);
    }
    // Candidates above the threshold are a small share of all anchors (objects plus a few hits).
    let share = above as f32 / total as f32;
    assert!(share > 0.001 && share < 0.03, "{share}");
}

struct BallStats {
    frames: usize,
    found: usize,
    errs: Vec<f32>,
    /// Frames whose report lists a false ball other than the spare.
    reported_false: usize,
    /// Reported false balls the decoder found where reported.
    decoded_false: usize,
    reported_false_total: usize,
    /// Decoded balls that are neither the true ball, the spare nor a reported false ball.
    unexplained: usize,
    spare: usize,
}

fn ball_stats(c: &SimConfig, frames: usize, step: usize) -> BallStats {
    let t = truths(c, frames);
    let mut s = TensorSynth::<3>::new(c).unwrap();
    // One block per slot, as the engine's pool has.
    let mut blocks: Vec<Vec<f32>> = (0..3).map(|_| vec![0f32; s.block_len()]).collect();
    let p = pitch::Pitch::new(c.size);
    let (su, sv) = p.to_px(pitch::SPARE_BALL.0, pitch::SPARE_BALL.1, pitch::BALL_DIAMETER / 2.0);
    // Where a detection of a known object may land: its jitter is in network px.
    let ftol = (3.0 * s.tiles()[0].mapping.scale_x).max(4.0);
    let mut st = BallStats {
        frames: 0,
        found: 0,
        errs: vec![],
        reported_false: 0,
        decoded_false: 0,
        reported_false_total: 0,
        unexplained: 0,
        spare: 0,
    };
    for (i, truth) in t.iter().enumerate().step_by(step) {
        let block = &mut blocks[i % 3];
        let out = s.write(i % 3, truth, block).unwrap();
        let balls: Vec<Det> = decode(&out, block).into_iter().filter(|d| d.class == 0).collect();
        let b = &truth.ball;
        let tol = (3.0 * b.radius + b.blur[0].abs().max(b.blur[1].abs()) + 2.0).max(ftol);
        let near = |d: &Det, x: f32, y: f32, tol: f32| {
            (d.cx() - x).abs() < tol && (d.cy() - y).abs() < tol
        };
        if b.visible && b.in_play {
            st.frames += 1;
            if let Some(d) = balls.iter().find(|d| near(d, b.pos[0], b.pos[1], tol)) {
                st.found += 1;
                st.errs.push(((d.cx() - b.pos[0]).powi(2) + (d.cy() - b.pos[1]).powi(2)).sqrt());
            }
        }
        st.spare += balls.iter().any(|d| near(d, su, sv, ftol)) as usize;
        let false_balls: Vec<[f32; 2]> = out
            .false_balls()
            .iter()
            .filter(|f| !((f[0] - su).abs() < 0.5 && (f[1] - sv).abs() < 0.5))
            .copied()
            .collect();
        st.reported_false += !false_balls.is_empty() as usize;
        st.reported_false_total += false_balls.len();
        st.decoded_false +=
            false_balls.iter().filter(|f| balls.iter().any(|d| near(d, f[0], f[1], ftol))).count();
        st.unexplained += balls
            .iter()
            .filter(|d| {
                !near(d, b.pos[0], b.pos[1], tol)
                    && !near(d, su, sv, ftol)
                    && !false_balls.iter().any(|f| near(d, f[0], f[1], ftol))
            })
            .count();
    }
    st.errs.sort_by(f32::total_cmp);
    st
}

#[test]
fn the_ball_is_found_where_the_truth_is() {
    for (c, frames, step, scale) in
        [(cfg(5, 1140, 380), 6000, 1, 380.0 / 640.0), (cfg(6, 5700, 1900), 1800, 3, 1900.0 / 640.0)]
    {
        let st = ball_stats(&c, frames, step);
        let rate = st.found as f32 / st.frames as f32;
        let med = st.errs[st.errs.len() / 2];
        let p95 = st.errs[st.errs.len() * 95 / 100];
        println!(
            "{:?}: ball found on {:.1} % of {} visible in-play frames, error median {med:.2} px, p95 {p95:.2} px",
            c.size,
            100.0 * rate,
            st.frames
        );
        assert!(rate > 0.75 && rate < 0.99, "detection rate {rate}");
        // Jitter is ~0.6 network px: about that many tile px times the tile scale.
        assert!(med < 1.5 * scale + 0.5, "median error {med}");
        assert!(p95 < 4.0 * scale + 1.0, "p95 error {p95}");
        assert_eq!(st.unexplained, 0, "ball detections nobody put there");
    }
}

#[test]
fn letterboxing_the_whole_panorama_loses_the_ball() {
    // One 640×640 input for 5700×1900: the ball shrinks to 1–2 network px.
    let mut c = cfg(6, 5700, 1900);
    c.tiles = false;
    let st = ball_stats(&c, 1800, 3);
    let rate = st.found as f32 / st.frames as f32;
    println!("letterboxed: ball found on {:.1} % of {} frames", 100.0 * rate, st.frames);
    assert!(rate < 0.5, "letterboxed detection rate {rate}");
    assert_eq!(st.unexplained, 0);
}

#[test]
fn false_balls_come_at_the_configured_rate() {
    let mut c = cfg(8, 960, 320);
    c.noise.false_ball_rate = 0.2;
    let st = ball_stats(&c, 3000, 1);
    let n = 3000.0;
    let rate = st.reported_false as f32 / n;
    let decoded = st.decoded_false as f32 / st.reported_false_total as f32;
    println!(
        "false-ball frames {rate:.3} (configured 0.2), {:.1} % of them decoded, spare ball seen {:.3}",
        100.0 * decoded,
        st.spare as f32 / n
    );
    assert!((rate - 0.2).abs() < 0.03, "false-ball frame rate {rate}");
    // A false ball on a player competes with the player's own anchors (one box per anchor, as in
    // a real head) and sometimes loses them all.
    assert!(decoded > 0.7, "only {decoded} of the false balls decode");
    assert_eq!(st.unexplained, 0, "ball detections nobody put there");
    assert!(st.spare as f32 / n > 0.85, "spare ball on {} of 3000 frames", st.spare);
    c.noise.false_ball_rate = 0.0;
    c.noise.static_false_ball = false;
    let st = ball_stats(&c, 1500, 1);
    assert_eq!(
        (st.reported_false, st.spare, st.unexplained),
        (0, 0, 0),
        "false balls with both knobs off"
    );
}

#[test]
fn people_are_found_and_tiles_agree_in_their_overlap() {
    // 1000×320 needs four 320-px tiles: neighbours overlap by ~93 px.
    let c = cfg(12, 1000, 320);
    let t = truths(&c, 900);
    let mut s = TensorSynth::<1>::new(&c).unwrap();
    let mut block = vec![0f32; s.block_len()];
    let (mut people, mut found, mut overlap_pairs) = (0usize, 0usize, 0usize);
    for truth in t.iter().step_by(9) {
        let out = s.write(0, truth, &mut block).unwrap();
        let cands = candidates(&out, &block, 0.25);
        let dets = nms(cands.clone());
        for p in truth.people() {
            let g = gt(p.bbox);
            people += 1;
            found += dets.iter().any(|d| d.class != 0 && iou(d, &g) > 0.5) as usize;
            // A person wholly inside two tiles is seen by both, at the same place.
            let inside: Vec<usize> = out
                .tiles()
                .iter()
                .enumerate()
                .filter(|(_, td)| {
                    g.x1 >= td.region[0] as f32 && g.x2 <= (td.region[0] + td.region[2]) as f32
                })
                .map(|(i, _)| i)
                .collect();
            if inside.len() == 2 {
                let (a, b) = (best_in(&cands, inside[0], &g), best_in(&cands, inside[1], &g));
                if let (Some(a), Some(b)) = (a, b) {
                    overlap_pairs += 1;
                    let h = g.y2 - g.y1;
                    let tol = 0.2 * h + 1.5;
                    assert!(
                        (a.cx() - b.cx()).abs() < tol && (a.cy() - b.cy()).abs() < tol,
                        "{a:?} vs {b:?} for {g:?}"
                    );
                }
            }
        }
    }
    let recall = found as f32 / people as f32;
    println!("people recall {recall:.3} over {people}, {overlap_pairs} seen by two tiles");
    assert!(recall > 0.85, "people recall {recall}");
    assert!(overlap_pairs > 50);
}

fn gt(b: [f32; 4]) -> Det {
    Det { x1: b[0], y1: b[1], x2: b[2], y2: b[3], score: 1.0, class: 9, tile: 0 }
}

fn best_in(cands: &[Det], tile: usize, g: &Det) -> Option<Det> {
    cands
        .iter()
        .filter(|d| d.tile == tile && d.class != 0 && iou(d, g) > 0.3)
        .max_by(|a, b| iou(a, g).total_cmp(&iou(b, g)))
        .copied()
}

#[test]
fn a_person_on_a_tile_seam_is_seen_cut_in_both_tiles() {
    // 1140×380: three tiles meet edge to edge at x = 380 and 760, without overlap.
    let c = cfg(13, 1140, 380);
    let t = truths(&c, 3000);
    let mut s = TensorSynth::<1>::new(&c).unwrap();
    let mut block = vec![0f32; s.block_len()];
    let mut seams = 0;
    for truth in t.iter().step_by(5) {
        let straddling: Vec<_> = truth
            .people()
            .iter()
            .filter(|p| {
                let w = p.bbox[2] - p.bbox[0];
                [380.0f32, 760.0]
                    .iter()
                    .any(|&x| p.bbox[0] < x - 0.4 * w && p.bbox[2] > x + 0.4 * w)
            })
            .collect();
        if straddling.is_empty() {
            continue;
        }
        let out = s.write(0, truth, &mut block).unwrap();
        let cands = candidates(&out, &block, 0.1);
        for p in straddling {
            let g = gt(p.bbox);
            let seam = if p.bbox[0] < 380.0 && p.bbox[2] > 380.0 { 380.0 } else { 760.0 };
            let left = (seam / 380.0) as usize - 1;
            if let (Some(a), Some(b)) = (best_in(&cands, left, &g), best_in(&cands, left + 1, &g)) {
                seams += 1;
                // Each tile's box ends near the seam (truncated), and together they span the person.
                assert!(a.x2 < seam + 3.0 && b.x1 > seam - 3.0, "{a:?} {b:?} seam {seam}");
                assert!(a.x1 < g.x1 + 3.0 && b.x2 > g.x2 - 3.0, "{a:?} {b:?} {g:?}");
            }
        }
    }
    assert!(seams > 20, "only {seams} seam crossings seen");
}

#[test]
fn malformed_truth_never_panics_and_keeps_the_tensors_finite() {
    let c = cfg(1, 960, 320);
    let mut t = truths(&c, 1)[0];
    let mut s = TensorSynth::<1>::new(&c).unwrap();
    let mut block = vec![0f32; s.block_len()];
    t.n_people = 250;
    t.people[0].bbox = [f32::NAN, 1.0, 5.0, f32::INFINITY];
    t.people[1].bbox = [-1e9, -1e9, 1e9, 1e9];
    t.people[2].bbox = [900.0, 300.0, 2000.0, 400.0];
    t.people[3].bbox = [10.0, 10.0, 10.0, 10.0];
    t.ball.pos = [f32::NAN, 3.0];
    t.ball.radius = 1e30;
    t.ball.speed = f32::INFINITY;
    s.write(0, &t, &mut block).unwrap();
    assert!(block.iter().all(|v| v.is_finite()));
    t.ball.pos = [400.0, 100.0];
    t.ball.radius = f32::NAN;
    t.ball.blur = [f32::NAN, 1e20];
    s.write(0, &t, &mut block).unwrap();
    assert!(block.iter().all(|v| v.is_finite()));
}

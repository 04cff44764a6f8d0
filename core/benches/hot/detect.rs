//! Benchmark part: decode + NMS of raw YOLO heads, against a plain port of the Python path.
//!
//! Input is never cache resident: the shared reference heads (`shared/data/nms`) are jittered
//! into hundreds of MB of distinct frames (small perturbations of coordinates and scores, so the
//! candidate count stays realistic), and every timed call takes the next frame of the rotation.
use super::common::{Row, Summary, Table, time_each};
use pitchcam_core::detect::{
    DetectParams, Detection, Detector, IouThreshold, Mapping, Tensor, TensorLayout, nms_in_place,
};
use pitchcam_core::geom::Size;
use std::hint::black_box;
use std::path::PathBuf;

const ROWS: usize = 9;
const ANCHORS: usize = 8400;
const NC: usize = ROWS - 4;
const FRAME_BYTES: usize = ROWS * ANCHORS * 4;

pub fn run(table: &mut Table) {
    let dir = nms_dir();
    let typical: Vec<Vec<f32>> = (0..8).map(|i| load(&dir, &format!("frame_{i:04}"))).collect();
    let stress = vec![load(&dir, "stress_maxdet")];

    // 1000 × 302 KB = 302 MB of typical frames (400 = 121 MB in quick mode), 300 (150) stress
    // frames: far beyond the 32 MB L3 either way.
    let (n_typ, n_str) = if table.quick { (400, 150) } else { (1000, 300) };
    let frames = jitter(&typical, n_typ, 0x5eed);
    let stress_frames = jitter(&stress, n_str, 0xc0de);
    let transposed: Vec<Vec<f32>> = frames[..n_typ / 2].iter().map(|f| transpose(f)).collect();
    eprintln!(
        "detect: {} typical + {} stress frames ({} MB), mean candidates per typical frame {:.0}",
        n_typ,
        n_str,
        (n_typ + n_str + n_typ / 2) * FRAME_BYTES / 1_000_000,
        frames.iter().take(50).map(|f| count_candidates(f)).sum::<usize>() as f64 / 50.0
    );

    let params = DetectParams::new(0.25, 0.45, 300, Size { w: 640, h: 640 }).unwrap();
    let mut det = Box::new(Detector::<4096>::new());
    let mut out = [Detection::default(); 300];

    let samples = table.samples(5000);
    let floor = rotate(&frames, samples, read_all);
    let ours = rotate(&frames, samples, |f| {
        pitchcam(&mut det, f, TensorLayout::ChannelsFirst, &params, &mut out)
    });
    let naive = rotate(&frames, samples, |f| naive_detect(f, &params));
    table.add(Row {
        stage: "decode + NMS [9×8400], typical frame".into(),
        pitchcam: ours,
        naive: Some(naive),
        budget: "median ≤ 25 µs, p99 ≤ 60 µs".into(),
    });
    table.add(Row {
        stage: "  (memory floor: read the whole 302 KB frame once)".into(),
        pitchcam: floor,
        naive: None,
        budget: "issue: ≈ 20 µs".into(),
    });

    let ours_t = rotate(&transposed, samples, |f| {
        pitchcam(&mut det, f, TensorLayout::AnchorsFirst, &params, &mut out)
    });
    table.add(Row {
        stage: "decode + NMS [8400×9] (transposed export), typical".into(),
        pitchcam: ours_t,
        naive: None,
        budget: "–".into(),
    });

    let samples = table.samples(2000);
    let ours_s = rotate(&stress_frames, samples, |f| {
        pitchcam(&mut det, f, TensorLayout::ChannelsFirst, &params, &mut out)
    });
    let naive_s = rotate(&stress_frames, samples, |f| naive_detect(f, &params));
    table.add(Row {
        stage: "decode + NMS stress (1624 candidates, 424 objects, max_det 300)".into(),
        pitchcam: ours_s,
        naive: Some(naive_s),
        budget: "≤ 150 µs".into(),
    });

    // The C ABI's pc_nms: a stress frame's ~1600 candidates as plain detections (u16 scores) in
    // shuffled order, 8 sets rotated (small, so cache resident: this row measures the algorithm).
    let mut all = params;
    all.iou = 1.0;
    all.max_det = 4096;
    let sets: Vec<Vec<Detection>> = stress_frames[..8]
        .iter()
        .map(|f| {
            let t = Tensor::new(
                f,
                ROWS as u32,
                ANCHORS as u32,
                TensorLayout::ChannelsFirst,
                Mapping::IDENTITY,
            )
            .unwrap();
            let mut v = vec![Detection::default(); 4096];
            let n = det.detect(&[t], &all, &mut v).unwrap().written as usize;
            v.truncate(n);
            for i in 0..n {
                v.swap(i, (i * 7919 + 13) % n);
            }
            v
        })
        .collect();
    let thr = IouThreshold::new(params.iou).unwrap();
    let mut work = vec![Detection::default(); 4096];
    let mut k = 0;
    let ours_nms = time_each(table.samples(2000), |_| {
        let set = &sets[k % sets.len()];
        k += 1;
        let w = &mut work[..set.len()];
        w.copy_from_slice(set);
        black_box(nms_in_place(black_box(w), thr, false, 300).unwrap());
    });
    let mut k = 0;
    let naive_nms = time_each(table.samples(2000), |_| {
        let set = &sets[k % sets.len()];
        k += 1;
        black_box(naive_nms_dets(black_box(set), params.iou, 300));
    });
    table.add(Row {
        stage: format!("NMS in place (pc_nms), {} detections, max_det 300", sets[0].len()),
        pitchcam: ours_nms,
        naive: Some(naive_nms),
        budget: "–".into(),
    });
}

/// The same greedy NMS as plain code: a stable float sort, then f32 IoU with a division.
fn naive_nms_dets(dets: &[Detection], iou: f32, max_det: usize) -> usize {
    let mut v = dets.to_vec();
    v.sort_by_key(|d| std::cmp::Reverse(d.score));
    let mut kept: Vec<Detection> = Vec::new();
    for d in v {
        if kept.len() == max_det {
            break;
        }
        let f = |x: i32| x as f32 / 256.0;
        let overlaps = kept.iter().any(|k| {
            if k.class != d.class {
                return false;
            }
            let iw = (f(k.x2).min(f(d.x2)) - f(k.x1).max(f(d.x1))).max(0.0);
            let ih = (f(k.y2).min(f(d.y2)) - f(k.y1).max(f(d.y1))).max(0.0);
            let inter = iw * ih;
            let area = |b: &Detection| (f(b.x2) - f(b.x1)) * (f(b.y2) - f(b.y1));
            inter / (area(k) + area(&d) - inter) > iou
        });
        if !overlaps {
            kept.push(d);
        }
    }
    kept.len()
}

/// Times `samples` calls, each on the next frame of the rotation (continuing across warm-up, so
/// no timed call finds its frame in cache).
fn rotate<R>(frames: &[Vec<f32>], samples: usize, mut f: impl FnMut(&[f32]) -> R) -> Summary {
    let mut k = 0usize;
    time_each(samples, |_| {
        let frame = &frames[k % frames.len()];
        k += 1;
        black_box(f(black_box(frame)));
    })
}

fn pitchcam(
    det: &mut Detector<4096>,
    f: &[f32],
    layout: TensorLayout,
    params: &DetectParams,
    out: &mut [Detection],
) -> u32 {
    let t = Tensor::new(f, ROWS as u32, ANCHORS as u32, layout, Mapping::IDENTITY).unwrap();
    det.detect(&[t], params, out).unwrap().kept
}

/// What a plain port of the Python path does: copy the tensor, decode every anchor in float,
/// sort the candidates, then a greedy scan with a float IoU division per pair.
fn naive_detect(f: &[f32], p: &DetectParams) -> usize {
    let t = f.to_vec();
    let mut cands: Vec<([f32; 4], f32, usize)> = Vec::new();
    for i in 0..ANCHORS {
        let mut best = 0;
        for c in 1..NC {
            if t[(4 + c) * ANCHORS + i] > t[(4 + best) * ANCHORS + i] {
                best = c;
            }
        }
        let score = t[(4 + best) * ANCHORS + i];
        if score > p.conf[best] {
            let (cx, cy, w, h) = (t[i], t[ANCHORS + i], t[2 * ANCHORS + i], t[3 * ANCHORS + i]);
            cands.push(([cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0], score, best));
        }
    }
    cands.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap());
    let mut kept: Vec<([f32; 4], f32, usize)> = Vec::new();
    for c in cands {
        if kept.len() == p.max_det {
            break;
        }
        let overlaps = kept.iter().any(|k| {
            if k.2 != c.2 {
                return false;
            }
            let (a, b) = (k.0, c.0);
            let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
            let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
            let inter = iw * ih;
            let union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
            inter / union > p.iou
        });
        if !overlaps {
            kept.push(c);
        }
    }
    kept.len()
}

/// Reads every value once, as fast as the core can: 16 independent integer sums, so the time is
/// that of the memory, not of an add chain.
fn read_all(f: &[f32]) -> u32 {
    let mut acc = [0u32; 16];
    for c in f.chunks_exact(16) {
        for (a, v) in acc.iter_mut().zip(c) {
            *a = a.wrapping_add(v.to_bits());
        }
    }
    acc.iter().fold(0, |s, &a| s ^ a)
}

fn count_candidates(f: &[f32]) -> usize {
    (0..ANCHORS).filter(|&i| (0..NC).any(|c| f[(4 + c) * ANCHORS + i] > 0.25)).count()
}

/// `n` distinct frames made from `bases`: centres moved by up to ±0.5 px, sizes scaled by up to
/// ±2 %, scores scaled by up to ±3 % (capped below 1), from a fixed seed.
fn jitter(bases: &[Vec<f32>], n: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = XorShift(seed);
    (0..n)
        .map(|k| {
            let mut f = bases[k % bases.len()].clone();
            for i in 0..ANCHORS {
                f[i] += rng.uniform(-0.5, 0.5);
                f[ANCHORS + i] += rng.uniform(-0.5, 0.5);
                f[2 * ANCHORS + i] *= rng.uniform(0.98, 1.02);
                f[3 * ANCHORS + i] *= rng.uniform(0.98, 1.02);
            }
            for v in &mut f[4 * ANCHORS..] {
                *v = (*v * rng.uniform(0.97, 1.03)).min(0.999);
            }
            f
        })
        .collect()
}

fn transpose(f: &[f32]) -> Vec<f32> {
    let mut t = vec![0.0; f.len()];
    for r in 0..ROWS {
        for a in 0..ANCHORS {
            t[a * ROWS + r] = f[r * ANCHORS + a];
        }
    }
    t
}

struct XorShift(u64);

impl XorShift {
    fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + (hi - lo) * ((self.0 >> 40) as f32 / (1u64 << 24) as f32)
    }
}

/// Same resolution as the tests: `PITCHCAM_SHARED_DATA` (the shared data directory, or its
/// `nms/` itself), else `../../shared/data/nms` from `core/`.
fn nms_dir() -> PathBuf {
    let dir = match std::env::var_os("PITCHCAM_SHARED_DATA") {
        Some(p) => {
            let p = PathBuf::from(p);
            if p.join("nms").join("frame_0000.bin").is_file() { p.join("nms") } else { p }
        }
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/nms"),
    };
    assert!(
        dir.join("frame_0000.bin").is_file(),
        "detect bench: NMS reference heads not found in {}; set PITCHCAM_SHARED_DATA to the \
         shared data directory (the one holding nms/)",
        dir.display()
    );
    dir
}

fn load(dir: &std::path::Path, name: &str) -> Vec<f32> {
    let bytes = std::fs::read(dir.join(format!("{name}.bin"))).expect("read reference head");
    assert_eq!(bytes.len(), FRAME_BYTES);
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
}

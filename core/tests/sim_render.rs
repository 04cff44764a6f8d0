//! The NV12 renderer: the ball and people are where the truth says, dirty-rectangle restores equal
//! full renders byte for byte, bad input gets specific errors.
use pitchcam_core::geom::Size;
use pitchcam_core::image::Nv12Mut;
use pitchcam_core::sim::render::{RenderError, Renderer};
use pitchcam_core::sim::truth::Truth;
use pitchcam_core::sim::world::Match;
use pitchcam_core::sim::{SimConfig, SimError};

/// An NV12 buffer with padded strides (as GStreamer pools have) and a sentinel in the padding.
struct Buf {
    w: u32,
    h: u32,
    ys: usize,
    uvs: usize,
    y: Vec<u8>,
    uv: Vec<u8>,
}

const PAD: u8 = 0xA5;

impl Buf {
    fn new(w: u32, h: u32, pad: usize) -> Buf {
        let ys = w as usize + pad;
        let uvs = w as usize + pad;
        Buf { w, h, ys, uvs, y: vec![PAD; ys * h as usize], uv: vec![PAD; uvs * h as usize / 2] }
    }
    fn frame(&mut self) -> Nv12Mut<'_> {
        Nv12Mut::new(&mut self.y, self.ys, &mut self.uv, self.uvs, self.w, self.h).unwrap()
    }
    fn luma(&self, x: usize, y: usize) -> u8 {
        self.y[y * self.ys + x]
    }
    fn padding_intact(&self) -> bool {
        let w = self.w as usize;
        self.y.chunks(self.ys).all(|r| r[w..].iter().all(|&b| b == PAD))
            && self.uv.chunks(self.uvs).all(|r| r[w..].iter().all(|&b| b == PAD))
    }
    /// The visible pixels only.
    fn pixels(&self) -> Vec<u8> {
        let w = self.w as usize;
        let mut v = Vec::new();
        for r in self.y.chunks(self.ys) {
            v.extend_from_slice(&r[..w]);
        }
        for r in self.uv.chunks(self.uvs) {
            v.extend_from_slice(&r[..w]);
        }
        v
    }
}

fn truths(seed: u64, size: Size, frames: usize) -> Vec<Truth> {
    let cfg = SimConfig { seed, size, ..SimConfig::default() };
    let mut m = Match::new(&cfg).unwrap();
    (0..frames).map(|_| *m.step()).collect()
}

#[test]
fn dirty_rect_restore_equals_a_fresh_full_render() {
    let size = Size { w: 1140, h: 380 };
    let t = truths(3, size, 1200);
    let mut r = Renderer::<3>::new(size).unwrap();
    let mut pooled = Buf::new(size.w, size.h, 12);
    let mut fresh = Buf::new(size.w, size.h, 0);
    // A then B into slot 0 (B restores A's rectangles), vs B into never-used slots.
    let pairs =
        [(0, 1), (1, 2), (10, 500), (500, 10), (300, 301), (1199, 0), (640, 1100), (77, 78)];
    for (k, &(a, b)) in pairs.iter().enumerate() {
        let first = r.render(0, &t[a], &mut pooled.frame()).unwrap();
        assert_eq!(first.full, k == 0);
        let info = r.render(0, &t[b], &mut pooled.frame()).unwrap();
        assert!(!info.full && info.restored_rects >= 29, "{info:?}");
        assert!(info.restored_px < (size.w * size.h / 10) as u64, "restored too much: {info:?}");
        let mut r2 = Renderer::<1>::new(size).unwrap();
        let full = r2.render(0, &t[b], &mut fresh.frame()).unwrap();
        assert!(full.full);
        assert!(
            pooled.pixels() == fresh.pixels(),
            "frames {a} -> {b}: restored frame differs from a fresh render"
        );
        assert!(pooled.padding_intact(), "the renderer wrote into row padding");
    }
}

#[test]
fn a_pool_of_slots_cycled_for_a_minute_matches_full_renders() {
    // Frames go round a pool of 3 buffers like the engine's; every 97th frame is checked.
    let size = Size { w: 960, h: 320 };
    let t = truths(11, size, 1800);
    let mut r = Renderer::<3>::new(size).unwrap();
    let mut bufs: Vec<Buf> = (0..3).map(|_| Buf::new(size.w, size.h, 0)).collect();
    let mut check = Buf::new(size.w, size.h, 0);
    for (i, truth) in t.iter().enumerate() {
        let s = i % 3;
        r.render(s, truth, &mut bufs[s].frame()).unwrap();
        if i % 97 == 0 {
            let mut r2 = Renderer::<1>::new(size).unwrap();
            r2.render(0, truth, &mut check.frame()).unwrap();
            assert!(bufs[s].pixels() == check.pixels(), "frame {i} slot {s} differs");
        }
    }
}

#[test]
fn the_ball_is_white_where_the_truth_puts_it() {
    for size in [Size { w: 1140, h: 380 }, Size { w: 5700, h: 1900 }] {
        let t = truths(5, size, 2400);
        let mut r = Renderer::<1>::new(size).unwrap();
        let mut b = Buf::new(size.w, size.h, 0);
        let (mut checked, mut white) = (0, 0);
        for truth in t.iter().step_by(if size.w > 2000 { 23 } else { 7 }) {
            r.render(0, truth, &mut b.frame()).unwrap();
            let ball = &truth.ball;
            // Only where no person overlaps the ball at all.
            let clear = truth.people().iter().all(|p| {
                ball.pos[0] + ball.radius < p.bbox[0] - 0.2 * (p.bbox[3] - p.bbox[1])
                    || ball.pos[0] - ball.radius > p.bbox[2] + 0.2 * (p.bbox[3] - p.bbox[1])
                    || ball.pos[1] + ball.radius < p.bbox[1]
                    || ball.pos[1] - ball.radius > p.bbox[3] + 0.05 * (p.bbox[3] - p.bbox[1])
            });
            if !ball.in_frame || !clear {
                continue;
            }
            checked += 1;
            let (x, y) = (ball.pos[0] as usize, ball.pos[1] as usize);
            let l = b.luma(x, y);
            if l >= 190 {
                white += 1;
            } else {
                eprintln!("frame {}: luma {l} at the ball {:?}", truth.frame, ball);
            }
            // Everything the ball changed lies within its radius, blur and shadow.
            let mut no_ball = *truth;
            no_ball.ball.radius = 0.0;
            let mut e = Buf::new(size.w, size.h, 0);
            Renderer::<1>::new(size).unwrap().render(0, &no_ball, &mut e.frame()).unwrap();
            let reach_x = 1.2 * ball.radius + ball.blur[0].abs() / 2.0 + 2.0;
            let (top, bottom) = (
                ball.pos[1] - ball.radius - ball.blur[1].abs() / 2.0 - 2.0,
                ball.ground[1] + 0.5 * ball.radius + 2.0,
            );
            let mut changed = 0;
            for yy in 0..size.h as usize {
                for xx in 0..size.w as usize {
                    if b.luma(xx, yy) != e.luma(xx, yy) {
                        changed += 1;
                        let inside = (xx as f32 + 0.5 - ball.pos[0]).abs() <= reach_x
                            && (yy as f32) >= top
                            && (yy as f32) <= bottom;
                        assert!(
                            inside,
                            "frame {}: the ball changed pixel ({xx},{yy}); ball {ball:?}",
                            truth.frame
                        );
                    }
                }
            }
            assert!(changed > 0);
        }
        assert!(checked >= 40, "only {checked} clear ball frames at {size:?}");
        assert_eq!(white, checked, "ball not white on every clear frame at {size:?}");
    }
}

#[test]
fn people_are_drawn_in_their_kits() {
    let size = Size { w: 1140, h: 380 };
    let t = truths(9, size, 200);
    let mut r = Renderer::<1>::new(size).unwrap();
    let mut b = Buf::new(size.w, size.h, 0);
    let truth = &t[150];
    r.render(0, truth, &mut b.frame()).unwrap();
    // Compare each player's torso with the same spot on an empty pitch.
    let empty = Truth { n_people: 0, ..*truth };
    let mut e = Buf::new(size.w, size.h, 0);
    let mut ball_off = empty;
    ball_off.ball.radius = 0.0;
    Renderer::<1>::new(size).unwrap().render(0, &ball_off, &mut e.frame()).unwrap();
    let mut differ = 0;
    for p in truth.people() {
        let cx = ((p.bbox[0] + p.bbox[2]) / 2.0) as usize;
        let cy = (p.bbox[1] + 0.3 * (p.bbox[3] - p.bbox[1])) as usize;
        let (i, j) = (cx & !1, cy / 2);
        let here = (b.luma(cx, cy), b.uv[j * b.uvs + i], b.uv[j * b.uvs + i + 1]);
        let bg = (e.luma(cx, cy), e.uv[j * e.uvs + i], e.uv[j * e.uvs + i + 1]);
        differ += (here != bg) as usize;
    }
    // Some torsos may hide behind nearer players; nearly all must show.
    assert!(
        differ >= truth.people().len() - 3,
        "only {differ} of {} people visible",
        truth.people().len()
    );
}

#[test]
fn bad_slot_and_wrong_size_are_refused_and_nothing_is_drawn() {
    let size = Size { w: 960, h: 320 };
    let t = truths(1, size, 1);
    let mut r = Renderer::<2>::new(size).unwrap();
    let mut b = Buf::new(960, 320, 0);
    assert_eq!(r.render(2, &t[0], &mut b.frame()), Err(RenderError::BadSlot { slot: 2, slots: 2 }));
    assert!(b.y.iter().all(|&v| v == PAD), "a refused render drew");
    let mut small = Buf::new(640, 320, 0);
    assert_eq!(
        r.render(0, &t[0], &mut small.frame()),
        Err(RenderError::SizeMismatch { expected: size, got: Size { w: 640, h: 320 } })
    );
    assert_eq!(r.invalidate(5), Err(RenderError::BadSlot { slot: 5, slots: 2 }));
    assert_eq!(Renderer::<1>::new(Size { w: 961, h: 320 }).err(), Some(SimError::OddSize));
    assert_eq!(Renderer::<1>::new(Size { w: 64, h: 32 }).err(), Some(SimError::SizeTooSmall));
}

#[test]
fn malformed_truth_never_panics() {
    let size = Size { w: 960, h: 320 };
    let mut t = truths(1, size, 1)[0];
    let mut r = Renderer::<1>::new(size).unwrap();
    let mut b = Buf::new(960, 320, 4);
    t.n_people = 200;
    t.people[0].bbox = [f32::NAN, 1.0, 5.0, f32::INFINITY];
    t.people[1].bbox = [-1e9, -1e9, 1e9, 1e9];
    t.people[2].bbox = [900.0, 300.0, 2000.0, 400.0];
    t.ball.pos = [f32::NAN, 3.0];
    t.ball.radius = 1e30;
    t.ball.blur = [f32::INFINITY, 0.0];
    r.render(0, &t, &mut b.frame()).unwrap();
    t.ball.radius = 3.0;
    t.ball.blur = [0.0, 0.0];
    t.ball.pos = [-50.0, 1e6];
    r.render(0, &t, &mut b.frame()).unwrap();
    assert!(b.padding_intact());
}

#[test]
fn invalidate_forces_a_full_repaint() {
    let size = Size { w: 960, h: 320 };
    let t = truths(1, size, 3);
    let mut r = Renderer::<2>::new(size).unwrap();
    let mut b = Buf::new(960, 320, 0);
    assert!(r.render(1, &t[0], &mut b.frame()).unwrap().full);
    assert!(!r.render(1, &t[1], &mut b.frame()).unwrap().full);
    // Someone scribbles over the buffer: after invalidate the frame is right again.
    b.y.iter_mut().for_each(|v| *v = 7);
    r.invalidate(1).unwrap();
    assert!(r.render(1, &t[2], &mut b.frame()).unwrap().full);
    let mut c = Buf::new(960, 320, 0);
    Renderer::<1>::new(size).unwrap().render(0, &t[2], &mut c.frame()).unwrap();
    assert!(b.pixels() == c.pixels());
}

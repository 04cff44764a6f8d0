//! The NV12 crop-and-scale against exact expectations (identity, 2:1 mean, monotone gradients,
//! chroma alignment, strides, rejected inputs) and against an independent `f64` reference of the
//! same filters on random images, crops and sizes.
use pitchcam_core::geom::Rect;
use pitchcam_core::image::{CropScaler, Filter, ImageError, MAX_DOWNSCALE, Nv12, Nv12Mut};

/// An owned NV12 image with optional row padding.
#[derive(Clone)]
struct Img {
    w: u32,
    h: u32,
    ys: usize,
    uvs: usize,
    y: Vec<u8>,
    uv: Vec<u8>,
}

impl Img {
    fn new(w: u32, h: u32, pad: usize, fill: u8) -> Img {
        let (ys, uvs) = (w as usize + pad, w as usize + pad);
        Img { w, h, ys, uvs, y: vec![fill; ys * h as usize], uv: vec![fill; uvs * h as usize / 2] }
    }

    fn random(w: u32, h: u32, pad: usize, seed: u64) -> Img {
        let mut img = Img::new(w, h, pad, 0);
        let mut s = seed | 1;
        for b in img.y.iter_mut().chain(img.uv.iter_mut()) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            *b = (s >> 24) as u8;
        }
        img
    }

    fn view(&self) -> Nv12<'_> {
        Nv12::new(&self.y, self.ys, &self.uv, self.uvs, self.w, self.h).unwrap()
    }

    fn view_mut(&mut self) -> Nv12Mut<'_> {
        Nv12Mut::new(&mut self.y, self.ys, &mut self.uv, self.uvs, self.w, self.h).unwrap()
    }

    fn luma(&self, x: u32, y: u32) -> u8 {
        self.y[y as usize * self.ys + x as usize]
    }

    /// (U, V) of chroma sample (cx, cy).
    fn chroma(&self, cx: u32, cy: u32) -> (u8, u8) {
        let i = cy as usize * self.uvs + 2 * cx as usize;
        (self.uv[i], self.uv[i + 1])
    }
}

type Scaler = CropScaler<1920>;

fn scaler(filter: Filter) -> Box<Scaler> {
    Box::new(Scaler::new(filter))
}

fn whole(img: &Img) -> Rect {
    Rect { x: 0, y: 0, w: img.w as i32, h: img.h as i32 }
}

// ---------------------------------------------------------------------------------------------
// Reference: separable weights per axis in f64, the filters as documented.

fn uses_area(filter: Filter, src: u32, dst: u32) -> bool {
    match filter {
        Filter::Bilinear => false,
        Filter::Area => src > dst,
        Filter::Auto => src > 2 * dst,
    }
}

/// (source index, weight) pairs of output sample `i` on an axis `src → dst`.
fn weights(filter: Filter, i: u32, src: u32, dst: u32) -> Vec<(usize, f64)> {
    let s = src as f64 / dst as f64;
    if uses_area(filter, src, dst) {
        let (a, b) = (i as f64 * s, (i + 1) as f64 * s);
        let mut v = Vec::new();
        let mut p = a.floor() as usize;
        while (p as f64) < b && p < src as usize {
            let ov = b.min(p as f64 + 1.0) - a.max(p as f64);
            if ov > 0.0 {
                v.push((p, ov / (b - a)));
            }
            p += 1;
        }
        v
    } else {
        let pos = ((i as f64 + 0.5) * s - 0.5).clamp(0.0, (src - 1) as f64);
        let x0 = pos.floor() as usize;
        let f = pos - x0 as f64;
        let x1 = (x0 + 1).min(src as usize - 1);
        vec![(x0, 1.0 - f), (x1, f)]
    }
}

/// The reference output of `crop` of `src` scaled to `w × h`.
fn reference(src: &Img, crop: Rect, w: u32, h: u32, filter: Filter) -> Img {
    let mut out = Img::new(w, h, 0, 0);
    let (cx, cy, cw, ch) = (crop.x as usize, crop.y as usize, crop.w as u32, crop.h as u32);
    for j in 0..h {
        let wy = weights(filter, j, ch, h);
        for i in 0..w {
            let wx = weights(filter, i, cw, w);
            let mut v = 0.0;
            for &(y, a) in &wy {
                for &(x, b) in &wx {
                    v += a * b * src.luma((cx + x) as u32, (cy + y) as u32) as f64;
                }
            }
            out.y[j as usize * w as usize + i as usize] = v.round() as u8;
        }
    }
    for j in 0..h / 2 {
        let wy = weights(filter, j, ch / 2, h / 2);
        for i in 0..w / 2 {
            let wx = weights(filter, i, cw / 2, w / 2);
            let (mut u, mut v) = (0.0, 0.0);
            for &(y, a) in &wy {
                for &(x, b) in &wx {
                    let (pu, pv) = src.chroma((cx / 2 + x) as u32, (cy / 2 + y) as u32);
                    u += a * b * pu as f64;
                    v += a * b * pv as f64;
                }
            }
            let k = j as usize * w as usize + 2 * i as usize;
            out.uv[k] = u.round() as u8;
            out.uv[k + 1] = v.round() as u8;
        }
    }
    out
}

/// Largest and mean absolute difference over the visible pixels of both planes.
fn diff(a: &Img, b: &Img) -> (u8, f64) {
    let (mut max, mut sum, mut n) = (0u8, 0u64, 0u64);
    for y in 0..a.h as usize {
        for x in 0..a.w as usize {
            let d = a.y[y * a.ys + x].abs_diff(b.y[y * b.ys + x]);
            max = max.max(d);
            sum += d as u64;
            n += 1;
        }
    }
    for y in 0..a.h as usize / 2 {
        for x in 0..a.w as usize {
            let d = a.uv[y * a.uvs + x].abs_diff(b.uv[y * b.uvs + x]);
            max = max.max(d);
            sum += d as u64;
            n += 1;
        }
    }
    (max, sum as f64 / n as f64)
}

// ---------------------------------------------------------------------------------------------

#[test]
fn identity_crop_is_exact() {
    for filter in [Filter::Bilinear, Filter::Area, Filter::Auto] {
        let src = Img::random(640, 360, 24, 1);
        let mut dst = Img::new(640, 360, 8, 0);
        let used = scaler(filter).scale(&src.view(), whole(&src), &mut dst.view_mut()).unwrap();
        assert_eq!(used, whole(&src));
        assert_eq!(diff(&src, &dst).0, 0, "{filter:?}");
    }
    // A 1:1 crop out of a larger image is an exact copy of that region.
    let src = Img::random(1000, 600, 0, 2);
    let mut dst = Img::new(640, 360, 0, 0);
    let crop = Rect { x: 200, y: 100, w: 640, h: 360 };
    scaler(Filter::Auto).scale(&src.view(), crop, &mut dst.view_mut()).unwrap();
    for y in 0..360 {
        for x in 0..640 {
            assert_eq!(dst.luma(x, y), src.luma(200 + x, 100 + y));
        }
    }
    for y in 0..180 {
        for x in 0..320 {
            assert_eq!(dst.chroma(x, y), src.chroma(100 + x, 50 + y));
        }
    }
}

#[test]
fn half_downscale_is_the_rounded_two_by_two_mean() {
    for filter in [Filter::Bilinear, Filter::Area, Filter::Auto] {
        let src = Img::random(128, 96, 6, 3);
        let mut dst = Img::new(64, 48, 0, 0);
        scaler(filter).scale(&src.view(), whole(&src), &mut dst.view_mut()).unwrap();
        let mean = |a: u8, b: u8, c: u8, d: u8| {
            ((a as u32 + b as u32 + c as u32 + d as u32 + 2) / 4) as u8
        };
        for y in 0..48 {
            for x in 0..64 {
                let (sx, sy) = (2 * x, 2 * y);
                let want = mean(
                    src.luma(sx, sy),
                    src.luma(sx + 1, sy),
                    src.luma(sx, sy + 1),
                    src.luma(sx + 1, sy + 1),
                );
                assert_eq!(dst.luma(x, y), want, "{filter:?} ({x},{y})");
            }
        }
        for y in 0..24 {
            for x in 0..32 {
                let p = |dx, dy| src.chroma(2 * x + dx, 2 * y + dy);
                let (a, b, c, d) = (p(0, 0), p(1, 0), p(0, 1), p(1, 1));
                assert_eq!(dst.chroma(x, y), (mean(a.0, b.0, c.0, d.0), mean(a.1, b.1, c.1, d.1)));
            }
        }
    }
}

#[test]
fn gradients_stay_monotone() {
    // Horizontal ramp in luma and U, vertical ramp in V.
    let mut src = Img::new(1200, 700, 0, 0);
    for y in 0..700 {
        for x in 0..1200 {
            src.y[y * 1200 + x] = (x * 255 / 1199) as u8;
        }
    }
    for y in 0..350 {
        for x in 0..600 {
            src.uv[y * 1200 + 2 * x] = (x * 255 / 599) as u8;
            src.uv[y * 1200 + 2 * x + 1] = (y * 255 / 349) as u8;
        }
    }
    let sizes = [(640, 360), (1920, 1080), (300, 170), (1200, 700), (600, 350), (1202, 702)];
    for filter in [Filter::Bilinear, Filter::Area, Filter::Auto] {
        for &(w, h) in &sizes {
            for crop in [whole(&src), Rect { x: 100, y: 60, w: 1000, h: 562 }] {
                let mut dst = Img::new(w, h, 0, 0);
                scaler(filter).scale(&src.view(), crop, &mut dst.view_mut()).unwrap();
                for y in 0..h {
                    for x in 1..w {
                        assert!(dst.luma(x, y) >= dst.luma(x - 1, y), "{filter:?} {w}x{h}");
                    }
                }
                for y in 0..h / 2 {
                    for x in 1..w / 2 {
                        assert!(dst.chroma(x, y).0 >= dst.chroma(x - 1, y).0);
                    }
                }
                for y in 1..h / 2 {
                    for x in 0..w / 2 {
                        assert!(dst.chroma(x, y).1 >= dst.chroma(x, y - 1).1);
                    }
                }
                // The ramp spans the range it should: the whole image keeps 0 and 255.
                if crop == whole(&src) {
                    assert!(dst.luma(0, 0) <= 2 && dst.luma(w - 1, 0) >= 253);
                }
            }
        }
    }
}

/// A coloured square lands at the same place in luma and chroma, where the crop and scale say.
#[test]
fn chroma_stays_aligned_with_luma() {
    let mut src = Img::new(2000, 1200, 0, 16);
    src.uv.fill(128);
    // Square at (1200..1400, 500..700): Y 235, U 40, V 220.
    for y in 500..700 {
        for x in 1200..1400 {
            src.y[y * 2000 + x] = 235;
        }
    }
    for y in 250..350 {
        for x in 600..700 {
            src.uv[y * 2000 + 2 * x] = 40;
            src.uv[y * 2000 + 2 * x + 1] = 220;
        }
    }
    let crop = Rect { x: 600, y: 300, w: 1280, h: 720 };
    for (w, h) in [(640, 360), (1920, 1080), (854, 480), (320, 180)] {
        for filter in [Filter::Bilinear, Filter::Area, Filter::Auto] {
            let mut dst = Img::new(w, h, 0, 0);
            let used = scaler(filter).scale(&src.view(), crop, &mut dst.view_mut()).unwrap();
            assert_eq!(used, crop);
            let s = w as f64 / 1280.0;
            let want = ((1300.0 - 600.0) * s, (600.0 - 300.0) * s);
            // Centroids of "inside" (above half-way) in each plane, in output luma pixels.
            let (mut lx, mut ly, mut ln) = (0.0, 0.0, 0.0);
            for y in 0..h {
                for x in 0..w {
                    if dst.luma(x, y) > 125 {
                        lx += x as f64 + 0.5;
                        ly += y as f64 + 0.5;
                        ln += 1.0;
                    }
                }
            }
            let (mut cx, mut cy, mut cn) = (0.0, 0.0, 0.0);
            for y in 0..h / 2 {
                for x in 0..w / 2 {
                    let (u, v) = dst.chroma(x, y);
                    assert_eq!(u < 84, v > 174, "U and V travel together");
                    if u < 84 {
                        cx += 2.0 * (x as f64 + 0.5);
                        cy += 2.0 * (y as f64 + 0.5);
                        cn += 1.0;
                    }
                }
            }
            let (lx, ly, cx, cy) = (lx / ln, ly / ln, cx / cn, cy / cn);
            assert!(
                (lx - want.0).abs() < 1.0 && (ly - want.1).abs() < 1.0,
                "{lx},{ly} vs {want:?}"
            );
            assert!(
                (cx - lx).abs() < 1.0 && (cy - ly).abs() < 1.0,
                "chroma {cx},{cy} luma {lx},{ly}"
            );
            // And the square's size scales: 200 px → 200·s.
            let side = ln.sqrt();
            assert!((side - 200.0 * s).abs() < 2.0, "{side}");
        }
    }
}

#[test]
fn row_padding_is_never_read_nor_written() {
    // Source padding is 255 garbage; the reference is computed from an unpadded copy.
    let mut src = Img::random(400, 240, 40, 4);
    for y in 0..240 {
        src.y[y * 440 + 400..y * 440 + 440].fill(255);
    }
    for y in 0..120 {
        src.uv[y * 440 + 400..y * 440 + 440].fill(255);
    }
    let mut tight = Img::new(400, 240, 0, 0);
    for y in 0..240 {
        tight.y[y * 400..y * 400 + 400].copy_from_slice(&src.y[y * 440..y * 440 + 400]);
    }
    for y in 0..120 {
        tight.uv[y * 400..y * 400 + 400].copy_from_slice(&src.uv[y * 440..y * 440 + 400]);
    }
    for filter in [Filter::Bilinear, Filter::Area, Filter::Auto] {
        for (w, h) in [(400, 240), (600, 360), (150, 90), (200, 120)] {
            let mut a = Img::new(w, h, 16, 0xEE);
            let mut b = Img::new(w, h, 0, 0);
            let crop = Rect { x: 100, y: 40, w: 300, h: 200 }; // touches the right edge
            scaler(filter).scale(&src.view(), crop, &mut a.view_mut()).unwrap();
            scaler(filter).scale(&tight.view(), crop, &mut b.view_mut()).unwrap();
            assert_eq!(diff(&a, &b).0, 0, "{filter:?} {w}x{h}");
            for y in 0..h as usize {
                assert!(a.y[y * a.ys + w as usize..(y + 1) * a.ys].iter().all(|&p| p == 0xEE));
            }
            for y in 0..h as usize / 2 {
                assert!(a.uv[y * a.uvs + w as usize..(y + 1) * a.uvs].iter().all(|&p| p == 0xEE));
            }
        }
    }
}

#[test]
fn matches_the_reference_on_random_images_crops_and_sizes() {
    let mut s = 0x1234_5678_9abc_def1u64;
    let mut next = |m: u32| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % m as u64) as u32
    };
    for case in 0..60 {
        let (sw, sh) = (2 * (40 + next(400)), 2 * (30 + next(250)));
        let src = Img::random(sw, sh, next(3) as usize * 8, case);
        let (dw, dh) = (2 * (2 + next(300)), 2 * (2 + next(200)));
        let crop = Rect {
            x: next(sw) as i32 - 20,
            y: next(sh) as i32 - 20,
            w: 4 + next(sw) as i32,
            h: 4 + next(sh) as i32,
        };
        for filter in [Filter::Bilinear, Filter::Area, Filter::Auto] {
            let mut dst = Img::new(dw, dh, 0, 0);
            let r = scaler(filter).scale(&src.view(), crop, &mut dst.view_mut());
            let Ok(used) = r else {
                // Only an extreme ratio may be refused.
                assert_eq!(r, Err(ImageError::ScaleOutOfRange));
                continue;
            };
            assert!(used.x >= 0 && used.y >= 0 && used.x % 2 == 0 && used.y % 2 == 0);
            assert!(used.x + used.w <= sw as i32 && used.y + used.h <= sh as i32);
            let want = reference(&src, used, dw, dh, filter);
            let (max, mean) = diff(&dst, &want);
            // Positions are quantised to 1/256 px and area row weights to 1/65536: within one
            // level of the exact result on white noise (the worst case), ~0.1 on average.
            assert!(max <= 1 && mean < 0.15, "case {case} {filter:?}: max {max} mean {mean}");
        }
    }
}

/// Crops wider than the scratch row are done in strips, seamlessly.
#[test]
fn very_wide_crops_are_done_in_strips() {
    let src = Img::random(20_000, 64, 0, 9);
    let mut big = Box::new(CropScaler::<9000>::new(Filter::Auto));
    for (w, h) in [(1000u32, 32u32), (9000, 64), (6000, 48)] {
        for filter in [Filter::Bilinear, Filter::Area] {
            big.set_filter(filter);
            let mut dst = Img::new(w, h, 0, 0);
            big.scale(&src.view(), whole(&src), &mut dst.view_mut()).unwrap();
            let want = reference(&src, whole(&src), w, h, filter);
            let (max, mean) = diff(&dst, &want);
            assert!(max <= 1 && mean < 0.15, "{w}x{h} {filter:?}: max {max} mean {mean}");
        }
    }
}

/// The tables are cached per (crop width, output width, filter): moving the crop, changing its
/// height, or switching back and forth gives what a fresh scaler gives.
#[test]
fn cached_tables_give_the_same_result_as_fresh_ones() {
    let src = Img::random(1600, 900, 0, 10);
    let mut reused = scaler(Filter::Auto);
    let crops = [
        Rect { x: 0, y: 0, w: 1200, h: 676 },
        Rect { x: 300, y: 100, w: 1200, h: 676 },
        Rect { x: 300, y: 100, w: 1200, h: 500 },
        Rect { x: 10, y: 10, w: 700, h: 394 },
        Rect { x: 300, y: 100, w: 1200, h: 676 },
    ];
    for (k, &crop) in crops.iter().enumerate() {
        if k == 3 {
            reused.set_filter(Filter::Bilinear);
        }
        let mut a = Img::new(640, 360, 0, 0);
        let mut b = Img::new(640, 360, 0, 0);
        reused.scale(&src.view(), crop, &mut a.view_mut()).unwrap();
        scaler(reused.filter()).scale(&src.view(), crop, &mut b.view_mut()).unwrap();
        assert_eq!(diff(&a, &b).0, 0, "crop {k}");
    }
}

#[test]
fn crops_are_clamped_into_the_source() {
    let clamp = |x, y, w, h| CropScaler::<8>::clamp_crop(Rect { x, y, w, h }, 5700, 1900);
    // Moved inside, size kept.
    assert_eq!(clamp(-500, -20, 1920, 1080), Ok(Rect { x: 0, y: 0, w: 1920, h: 1080 }));
    assert_eq!(clamp(5000, 1500, 1920, 1080), Ok(Rect { x: 3780, y: 820, w: 1920, h: 1080 }));
    // Odd origin and size made even.
    assert_eq!(clamp(101, 51, 641, 361), Ok(Rect { x: 100, y: 50, w: 640, h: 360 }));
    // Larger than the source: the source.
    assert_eq!(clamp(-1, -1, 99_999, 99_999), Ok(Rect { x: 0, y: 0, w: 5700, h: 1900 }));
    // Tiny: at least 4 × 4.
    assert_eq!(clamp(10, 10, 1, 1), Ok(Rect { x: 10, y: 10, w: 4, h: 4 }));
    assert_eq!(clamp(i32::MAX, i32::MIN, 100, 100), Ok(Rect { x: 5600, y: 0, w: 100, h: 100 }));
    assert_eq!(clamp(0, 0, 0, 100), Err(ImageError::EmptyCrop));
    assert_eq!(clamp(0, 0, 100, -5), Err(ImageError::EmptyCrop));
}

#[test]
fn invalid_inputs_are_rejected() {
    let src = Img::random(64, 48, 0, 11);
    let mut sc = Box::new(CropScaler::<128>::new(Filter::Auto));

    // Views refuse bad layouts.
    let mut y = vec![0u8; 64 * 48];
    let mut uv = vec![0u8; 64 * 24];
    assert_eq!(Nv12::new(&y, 64, &uv, 64, 63, 48).unwrap_err(), ImageError::BadSize);
    assert_eq!(Nv12::new(&y, 64, &uv, 64, 64, 0).unwrap_err(), ImageError::BadSize);
    assert_eq!(Nv12::new(&y, 60, &uv, 64, 64, 48).unwrap_err(), ImageError::BadStride);
    assert_eq!(Nv12::new(&y[1..], 64, &uv, 64, 64, 48).unwrap_err(), ImageError::PlaneTooShort);
    assert_eq!(Nv12::new(&y, 64, &uv[1..], 64, 64, 48).unwrap_err(), ImageError::PlaneTooShort);

    // A view built by hand with bad fields is caught by `scale` too.
    let mut bad =
        Nv12Mut { y: &mut y, y_stride: 64, uv: &mut uv, uv_stride: 64, width: 64, height: 49 };
    assert_eq!(sc.scale(&src.view(), whole(&src), &mut bad), Err(ImageError::BadSize));
    bad.height = 48;
    bad.y_stride = 10;
    assert_eq!(sc.scale(&src.view(), whole(&src), &mut bad), Err(ImageError::BadStride));
    let bad_src =
        Nv12 { y: &src.y[..100], y_stride: 64, uv: &src.uv, uv_stride: 64, width: 64, height: 48 };
    let mut ok = Img::new(32, 24, 0, 0);
    assert_eq!(sc.scale(&bad_src, whole(&src), &mut ok.view_mut()), Err(ImageError::PlaneTooShort));

    // Output wider than the scaler's tables.
    let mut wide = Img::new(130, 24, 0, 0);
    assert_eq!(sc.scale(&src.view(), whole(&src), &mut wide.view_mut()), Err(ImageError::TooWide));
    // Empty crop.
    let empty = Rect { x: 0, y: 0, w: 0, h: 10 };
    assert_eq!(sc.scale(&src.view(), empty, &mut ok.view_mut()), Err(ImageError::EmptyCrop));
    // Source too small.
    let tiny = Img::new(2, 2, 0, 0);
    assert_eq!(
        sc.scale(&tiny.view(), whole(&tiny), &mut ok.view_mut()),
        Err(ImageError::OutOfRange)
    );
    // Downscale beyond the limit.
    let big = Img::new(2 * (MAX_DOWNSCALE + 1), 8, 0, 0);
    let mut two = Img::new(2, 8, 0, 0);
    assert_eq!(
        sc.scale(&big.view(), whole(&big), &mut two.view_mut()),
        Err(ImageError::ScaleOutOfRange)
    );
    // Nothing was written on any refusal.
    assert!(ok.y.iter().chain(&ok.uv).all(|&p| p == 0));
    // Errors explain themselves.
    assert!(ImageError::TooWide.to_string().contains("wider"));
}

#[test]
fn fill_paints_the_visible_pixels_only() {
    let mut img = Img::new(64, 32, 8, 0xEE);
    img.view_mut().fill(16, 128, 130).unwrap();
    for y in 0..32 {
        assert!(img.y[y * 72..y * 72 + 64].iter().all(|&p| p == 16));
        assert!(img.y[y * 72 + 64..y * 72 + 72].iter().all(|&p| p == 0xEE));
    }
    for y in 0..16 {
        for x in 0..32 {
            assert_eq!(img.chroma(x, y), (128, 130));
        }
        let y = y as usize;
        assert!(img.uv[y * 72 + 64..y * 72 + 72].iter().all(|&p| p == 0xEE));
    }
    pitchcam_core::image::fill(&mut img.view_mut(), 1, 2, 3).unwrap();
    assert_eq!((img.luma(5, 5), img.chroma(3, 3)), (1, (2, 3)));
    let (mut y, mut uv) = (vec![0u8; 16], vec![0u8; 8]);
    let mut bad =
        Nv12Mut { y: &mut y, y_stride: 4, uv: &mut uv, uv_stride: 4, width: 4, height: 8 };
    assert_eq!(bad.fill(0, 0, 0), Err(ImageError::PlaneTooShort));
}

/// The documented footprint, so a change that grows the scaler shows up here.
#[test]
fn scaler_footprint_is_as_documented() {
    let size = std::mem::size_of::<CropScaler<1920>>();
    assert!((170_000..190_000).contains(&size), "{size} bytes");
}

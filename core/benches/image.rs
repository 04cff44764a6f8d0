//! The output transform's benchmark: `cargo bench -p pitchcam-core --bench image`.
//!
//! Cuts virtual-camera views out of 5700 × 1900 NV12 panoramas (three frames rotated, 49 MB, so
//! the source is not cache resident; the crop pans every frame) into a 1920 × 1080 NV12 output,
//! one thread, and reports milliseconds per frame beside a naive per-pixel float bilinear written
//! here. This decides whether 30 fps fits on 2 cores beside an x264 encoder: aim ≲ 3 ms per
//! 1080p frame. Timing is reported, never asserted. `PITCHCAM_BENCH_ONLY=text` runs only the
//! cases whose name contains `text`.
#[allow(dead_code)]
#[path = "hot/common.rs"]
mod common;

use common::{Row, Table, time_each};
use pitchcam_core::geom::Rect;
use pitchcam_core::image::{CropScaler, Filter, Nv12, Nv12Mut};
use std::hint::black_box;

struct Frame {
    w: u32,
    h: u32,
    y: Vec<u8>,
    uv: Vec<u8>,
}

impl Frame {
    fn new(w: u32, h: u32, seed: u32) -> Frame {
        let (wu, hu) = (w as usize, h as usize);
        let mut y = vec![0u8; wu * hu];
        let mut uv = vec![0u8; wu * hu / 2];
        // Texture with structure (not constant, not pure noise): grass stripes and lines.
        for (r, row) in y.chunks_mut(wu).enumerate() {
            for (c, p) in row.iter_mut().enumerate() {
                *p = (60 + (c / 97 % 2) * 20 + (r * 7 + c * 3 + seed as usize) % 23) as u8;
            }
        }
        for (r, row) in uv.chunks_mut(wu).enumerate() {
            for (c, p) in row.iter_mut().enumerate() {
                *p = (100 + (r + c + seed as usize) % 40) as u8;
            }
        }
        Frame { w, h, y, uv }
    }

    fn view(&self) -> Nv12<'_> {
        Nv12::new(&self.y, self.w as usize, &self.uv, self.w as usize, self.w, self.h).unwrap()
    }

    fn view_mut(&mut self) -> Nv12Mut<'_> {
        let (w, h) = (self.w, self.h);
        Nv12Mut::new(&mut self.y, w as usize, &mut self.uv, w as usize, w, h).unwrap()
    }
}

/// The naive strategy: for every output pixel, compute the source position in `f32`, clamp,
/// read four neighbours and blend — per plane, U and V as two samples.
fn naive(src: &Nv12<'_>, crop: Rect, dst: &mut Nv12Mut<'_>) {
    fn plane(
        src: &[u8],
        ss: usize,
        (cx, cy, cw, ch): (f32, f32, f32, f32),
        dst: &mut [u8],
        ds: usize,
        (w, h, chans): (usize, usize, usize),
    ) {
        for j in 0..h {
            let sy = ((j as f32 + 0.5) * ch / h as f32 - 0.5).clamp(0.0, ch - 1.0);
            let y0 = sy.floor();
            let fy = sy - y0;
            let y1 = (y0 + 1.0).min(ch - 1.0);
            for i in 0..w {
                let sx = ((i as f32 + 0.5) * cw / w as f32 - 0.5).clamp(0.0, cw - 1.0);
                let x0 = sx.floor();
                let fx = sx - x0;
                let x1 = (x0 + 1.0).min(cw - 1.0);
                for k in 0..chans {
                    let at = |x: f32, y: f32| {
                        src[(cy + y) as usize * ss + (cx + x) as usize * chans + k] as f32
                    };
                    let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
                    let bot = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
                    dst[j * ds + i * chans + k] = (top * (1.0 - fy) + bot * fy).round() as u8;
                }
            }
        }
    }
    let c = (crop.x as f32, crop.y as f32, crop.w as f32, crop.h as f32);
    let (w, h) = (dst.width as usize, dst.height as usize);
    plane(src.y, src.y_stride, c, dst.y, dst.y_stride, (w, h, 1));
    let c2 = (c.0 / 2.0, c.1 / 2.0, c.2 / 2.0, c.3 / 2.0);
    plane(src.uv, src.uv_stride, c2, dst.uv, dst.uv_stride, (w / 2, h / 2, 2));
}

struct Case {
    name: &'static str,
    src_w: u32,
    src_h: u32,
    crop_w: i32,
    crop_h: i32,
    out_w: u32,
    out_h: u32,
    filter: Filter,
    with_naive: bool,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var_os("PITCHCAM_BENCH_QUICK").is_some();
    let mut table = Table::new(quick);
    let panos: Vec<Frame> = (0..3).map(|k| Frame::new(5700, 1900, k)).collect();
    let uhd: Vec<Frame> = (0..3).map(|k| Frame::new(3840, 2160, k)).collect();
    let mut scaler = Box::new(CropScaler::<1920>::new(Filter::Auto));

    let cases = [
        Case {
            name: "4K frame 3840×2160 → 1920×1080 (2:1)",
            src_w: 3840,
            src_h: 2160,
            crop_w: 3840,
            crop_h: 2160,
            out_w: 1920,
            out_h: 1080,
            filter: Filter::Auto,
            with_naive: true,
        },
        Case {
            name: "pano crop 3840×1900 → 1920×1080 (2:1 × 1.76:1)",
            src_w: 5700,
            src_h: 1900,
            crop_w: 3840,
            crop_h: 1900,
            out_w: 1920,
            out_h: 1080,
            filter: Filter::Auto,
            with_naive: false,
        },
        Case {
            name: "pano crop 3376×1900 → 1920×1080 (widest 16:9, bilinear)",
            src_w: 5700,
            src_h: 1900,
            crop_w: 3376,
            crop_h: 1900,
            out_w: 1920,
            out_h: 1080,
            filter: Filter::Auto,
            with_naive: true,
        },
        Case {
            name: "pano crop 3376×1900 → 1920×1080 (area filter)",
            src_w: 5700,
            src_h: 1900,
            crop_w: 3376,
            crop_h: 1900,
            out_w: 1920,
            out_h: 1080,
            filter: Filter::Area,
            with_naive: false,
        },
        Case {
            name: "pano crop 2560×1440 → 1920×1080 (bilinear)",
            src_w: 5700,
            src_h: 1900,
            crop_w: 2560,
            crop_h: 1440,
            out_w: 1920,
            out_h: 1080,
            filter: Filter::Auto,
            with_naive: false,
        },
        Case {
            name: "pano crop 1920×1080 → 1920×1080 (1:1)",
            src_w: 5700,
            src_h: 1900,
            crop_w: 1920,
            crop_h: 1080,
            out_w: 1920,
            out_h: 1080,
            filter: Filter::Auto,
            with_naive: true,
        },
        Case {
            name: "pano crop 1280×720 → 1920×1080 (upscale 1.5)",
            src_w: 5700,
            src_h: 1900,
            crop_w: 1280,
            crop_h: 720,
            out_w: 1920,
            out_h: 1080,
            filter: Filter::Auto,
            with_naive: false,
        },
        Case {
            name: "pano crop 640×360 → 1920×1080 (upscale 3)",
            src_w: 5700,
            src_h: 1900,
            crop_w: 640,
            crop_h: 360,
            out_w: 1920,
            out_h: 1080,
            filter: Filter::Auto,
            with_naive: false,
        },
        Case {
            name: "whole pano 5700×1900 → 1920×640 (area 2.97:1)",
            src_w: 5700,
            src_h: 1900,
            crop_w: 5700,
            crop_h: 1900,
            out_w: 1920,
            out_h: 640,
            filter: Filter::Auto,
            with_naive: false,
        },
    ];

    // `PITCHCAM_BENCH_ONLY=text` runs only the cases whose name contains `text` (profiling).
    let only = std::env::var("PITCHCAM_BENCH_ONLY").unwrap_or_default();
    for c in cases.iter().filter(|c| c.name.contains(only.as_str())) {
        let sources = if c.src_w == 5700 { &panos } else { &uhd };
        let mut outs: Vec<Frame> = (0..2).map(|_| Frame::new(c.out_w, c.out_h, 0)).collect();
        scaler.set_filter(c.filter);
        // The crop pans across the source, a different source frame each time.
        let span_x = (c.src_w as i32 - c.crop_w).max(0);
        let span_y = (c.src_h as i32 - c.crop_h).max(0);
        let crop = |i: usize| Rect {
            x: (i as i32 * 38) % (span_x + 1),
            y: (i as i32 * 14) % (span_y + 1),
            w: c.crop_w,
            h: c.crop_h,
        };
        let samples = table.samples(300);
        let pitchcam = time_each(samples, |i| {
            let src = sources[i % sources.len()].view();
            let out = &mut outs[i % 2];
            let r = scaler.scale(&src, crop(i), &mut out.view_mut());
            black_box(r.expect("bench crop is valid"));
        });
        let naive_s = c.with_naive.then(|| {
            time_each(table.samples(40), |i| {
                let src = sources[i % sources.len()].view();
                let out = &mut outs[i % 2];
                let used = CropScaler::<1920>::clamp_crop(crop(i), c.src_w, c.src_h).unwrap();
                naive(&src, used, &mut out.view_mut());
                black_box(&out.y[0]);
            })
        });
        table
            .add(Row { stage: c.name.into(), pitchcam, naive: naive_s, budget: "≲ 3 ms".into() });
    }
    table.print();
}

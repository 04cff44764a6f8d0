//! The moving things: people in their kits with shadows, and the ball with its shadow and motion
//! blur. Each is drawn row by row as spans and reports the rectangle it touched.

use super::raster::{BALL_BOTTOM, BALL_TOP, Dirty, Yuv, cols, dirty, paint, yuv};
use crate::detect::Class;
use crate::image::Nv12Mut;
use crate::sim::rng::hash2;
use crate::sim::truth::{PersonTruth, Team, Truth};

/// Kit colours: shirt, shorts, socks.
fn kit(class: Class, team: Team, id: u8) -> (Yuv, Yuv, Yuv) {
    const RED: Yuv = yuv(82, 90, 240);
    const WHITE: Yuv = yuv(225, 128, 128);
    const SKY: Yuv = yuv(150, 165, 93);
    const NAVY: Yuv = yuv(40, 150, 120);
    const ORANGE: Yuv = yuv(153, 59, 185);
    const GREEN: Yuv = yuv(150, 90, 68);
    const BLACK: Yuv = yuv(28, 128, 128);
    const YELLOW: Yuv = yuv(197, 43, 146);
    const GREY: Yuv = yuv(62, 132, 126);
    match (class, team) {
        (Class::Goalkeeper, Team::Home) => (ORANGE, BLACK, ORANGE),
        (Class::Goalkeeper, _) => (GREEN, BLACK, GREEN),
        (Class::Player, Team::Home) => (RED, WHITE, RED),
        (Class::Player, _) => (SKY, NAVY, SKY),
        // The referee in black, the assistants (ids 23, 24) in yellow.
        (Class::Referee, _) if id == 22 => (BLACK, BLACK, BLACK),
        (Class::Referee, _) => (YELLOW, BLACK, BLACK),
        _ => (GREY, GREY, BLACK),
    }
}

fn skin(id: u8) -> Yuv {
    const TONES: [Yuv; 4] =
        [yuv(170, 115, 150), yuv(140, 112, 152), yuv(105, 116, 146), yuv(75, 120, 140)];
    TONES[(hash2(id as u64, 0x5c1a) % 4) as usize]
}

/// Draws one person (shadow, legs, shorts, shirt, arms, head) and returns the touched rectangle.
pub(super) fn draw_person(p: &PersonTruth, f: &mut Nv12Mut<'_>) -> Option<Dirty> {
    let [bx0, y1, bx1, y2] = p.bbox;
    let h = y2 - y1;
    if h.is_nan() || h <= 0.5 {
        return None;
    }
    let cx = (bx0 + bx1) / 2.0;
    let d = dirty(
        cx - 0.21 * h - 1.0,
        y1 - 1.0,
        cx + 0.36 * h + 1.0,
        y2 + 0.04 * h + 1.0,
        f.width,
        f.height,
    )?;
    let (shirt, shorts, socks) = kit(p.class, p.team, p.id);
    let skin = skin(p.id);
    const BOOTS: Yuv = yuv(24, 128, 128);
    let swing = libm::sinf(core::f32::consts::TAU * p.stride);
    // Shadow: an ellipse on the grass, falling right.
    let (sx, sy, rx, ry) = (cx + 0.12 * h, y2 - 0.005 * h, 0.22 * h, libm::fmaxf(0.03 * h, 0.6));
    paint(f, &d, |vc, s| {
        let dy = (vc - sy) / ry;
        if dy.abs() < 1.0 {
            let hx = rx * libm::sqrtf(1.0 - dy * dy);
            let (a, b) = cols(sx - hx, sx + hx);
            s.darken(a, b);
        }
        let t = (vc - y1) / h;
        if !(0.0..1.0).contains(&t) {
            return;
        }
        let mut span = |x0: f32, x1: f32, col: Yuv| {
            let (a, b) = cols(x0, x1);
            s.fill(a, b, col);
        };
        if t >= 0.64 {
            let k = (t - 0.64) / 0.36;
            let o = 0.09 * h * swing * k;
            let col = if k < 0.45 {
                skin
            } else if k < 0.9 {
                socks
            } else {
                BOOTS
            };
            let hw = 0.035 * h;
            span(cx - 0.05 * h + o - hw, cx - 0.05 * h + o + hw, col);
            span(cx + 0.05 * h - o - hw, cx + 0.05 * h - o + hw, col);
        } else if t >= 0.52 {
            span(cx - 0.12 * h, cx + 0.12 * h, shorts);
        }
        if (0.14..0.47).contains(&t) {
            let o = 0.025 * h * swing * (t - 0.14) / 0.33;
            let col = if t < 0.25 { shirt } else { skin };
            span(cx - 0.185 * h + o, cx - 0.115 * h + o, col);
            span(cx + 0.115 * h - o, cx + 0.185 * h - o, col);
        }
        if (0.13..0.52).contains(&t) {
            let hw = h * (0.125 - 0.02 * (t - 0.13) / 0.39);
            span(cx - hw, cx + hw, shirt);
        } else if t < 0.13 {
            let r = 0.065 * h;
            let dy = vc - (y1 + 0.07 * h);
            if dy.abs() < r {
                let hx = libm::sqrtf(r * r - dy * dy);
                span(cx - hx, cx + hx, skin);
            }
        }
    });
    Some(d)
}

/// Draws the ball (smeared along its motion) and its shadow; returns the touched rectangle.
pub(super) fn draw_ball(t: &Truth, f: &mut Nv12Mut<'_>) -> Option<Dirty> {
    let b = &t.ball;
    let r = b.radius;
    if !(r > 0.0 && r < 1000.0 && b.blur[0].is_finite() && b.blur[1].is_finite()) {
        return None;
    }
    let (bx, by) = (b.blur[0].clamp(-200.0, 200.0) / 2.0, b.blur[1].clamp(-200.0, 200.0) / 2.0);
    let (ax, ay, cx, cy) = (b.pos[0] - bx, b.pos[1] - by, b.pos[0] + bx, b.pos[1] + by);
    let (gx, gy) = (b.ground[0], b.ground[1]);
    let (srx, sry) = (1.1 * r, libm::fmaxf(0.4 * r, 0.6));
    let x0 = ax.min(cx).min(gx - srx) - r - 1.0;
    let x1 = ax.max(cx).max(gx + srx) + r + 1.0;
    let y0 = ay.min(cy) - r - 1.0;
    let y1 = ay.max(cy).max(gy + sry) + r + 1.0;
    let d = dirty(x0, y0, x1, y1, f.width, f.height)?;
    let (dx, dy) = (cx - ax, cy - ay);
    let l2 = dx * dx + dy * dy;
    let r2 = r * r;
    let (cl0, cl1) = (libm::floorf(ax.min(cx) - r) as i32, libm::ceilf(ax.max(cx) + r) as i32);
    paint(f, &d, |vc, s| {
        let ey = (vc - gy) / sry;
        if ey.abs() < 1.0 {
            let hx = srx * libm::sqrtf(1.0 - ey * ey);
            let (a, c) = cols(gx - hx, gx + hx);
            s.darken(a, c);
        }
        // The capsule is convex: its row is one run of pixel centres within r of the segment.
        let inside = |px: f32| {
            let t = if l2 > 1e-6 {
                (((px - ax) * dx + (vc - ay) * dy) / l2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (ex, ey) = (px - (ax + dx * t), vc - (ay + dy * t));
            ex * ex + ey * ey <= r2
        };
        let mut first = None;
        let mut last = 0;
        for c in cl0..=cl1 {
            if inside(c as f32 + 0.5) {
                first.get_or_insert(c);
                last = c;
            }
        }
        if let Some(a) = first {
            s.fill(
                a,
                last + 1,
                if vc < (ay + cy) / 2.0 + 0.25 * r { BALL_TOP } else { BALL_BOTTOM },
            );
        }
    });
    Some(d)
}

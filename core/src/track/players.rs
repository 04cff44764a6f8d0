//! Where the players are in one frame: the framing fallback when the ball is lost.

use crate::detect::{Class, Detection};
use crate::geom::PointQ8;
use crate::obs::PlayerSummary;

/// Whether a detection counts as a player for framing: field players and goalkeepers. Referees
/// and staff are excluded because they stand where play is not (touchlines, benches).
#[inline]
pub fn is_player(d: &Detection) -> bool {
    d.class == Class::Player as u8 || d.class == Class::Goalkeeper as u8
}

/// Summarises the players and goalkeepers among `dets`: count, centroid and per-axis standard
/// deviation of the box centres, and the bounding box of the boxes, all in Q8 panorama pixels.
///
/// Integer arithmetic only (`i64` sums, `u128` squared deviations, integer square root), so the
/// result is exact, identical on every machine and cannot overflow whatever the input holds.
/// With no player, everything is zero and `count == 0`.
pub fn summarize_players(dets: &[Detection]) -> PlayerSummary {
    let mut n: i64 = 0;
    let (mut sx, mut sy) = (0i64, 0i64);
    let (mut min_x, mut min_y) = (i32::MAX, i32::MAX);
    let (mut max_x, mut max_y) = (i32::MIN, i32::MIN);
    for d in dets.iter().filter(|d| is_player(d)) {
        let c = d.center();
        n += 1;
        sx += c.x as i64;
        sy += c.y as i64;
        min_x = min_x.min(d.x1.min(d.x2));
        min_y = min_y.min(d.y1.min(d.y2));
        max_x = max_x.max(d.x1.max(d.x2));
        max_y = max_y.max(d.y1.max(d.y2));
    }
    if n == 0 {
        return PlayerSummary::default();
    }
    // Centroid rounded to nearest; every centre fits in i32, so their mean does too.
    let mx = div_round(sx, n);
    let my = div_round(sy, n);
    // Second pass for the spread: deviations from the mean, not `E[x²] − E[x]²`, which would
    // cancel catastrophically in 64 bits for Q8 coordinates.
    let (mut vx, mut vy) = (0u128, 0u128);
    for d in dets.iter().filter(|d| is_player(d)) {
        let c = d.center();
        let dx = (c.x as i64 - mx).unsigned_abs() as u128;
        let dy = (c.y as i64 - my).unsigned_abs() as u128;
        vx += dx * dx;
        vy += dy * dy;
    }
    let sd = |v: u128| {
        let var = (v / n as u128).min(u64::MAX as u128) as u64;
        var.isqrt().min(i32::MAX as u64) as i32
    };
    PlayerSummary {
        count: n.min(u16::MAX as i64) as u16,
        centroid: PointQ8 { x: mx as i32, y: my as i32 },
        spread: PointQ8 { x: sd(vx), y: sd(vy) },
        min: PointQ8 { x: min_x, y: min_y },
        max: PointQ8 { x: max_x, y: max_y },
    }
}

/// `a / b` rounded to nearest (halves away from zero), `b > 0`.
fn div_round(a: i64, b: i64) -> i64 {
    if a >= 0 { (a + b / 2) / b } else { (a - b / 2) / b }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(cx: i32, cy: i32, class: u8) -> Detection {
        Detection {
            x1: (cx - 10) * 256,
            y1: (cy - 30) * 256,
            x2: (cx + 10) * 256,
            y2: (cy + 30) * 256,
            score: 50_000,
            class,
            reserved: 0,
        }
    }

    #[test]
    fn referees_and_staff_are_excluded() {
        let dets = [boxed(100, 100, 1), boxed(300, 100, 2), boxed(5000, 50, 3), boxed(0, 0, 4)];
        let s = summarize_players(&dets);
        assert_eq!(s.count, 2);
        assert_eq!(s.centroid, PointQ8 { x: 200 * 256, y: 100 * 256 });
        assert_eq!(s.spread, PointQ8 { x: 100 * 256, y: 0 });
        assert_eq!(s.min, PointQ8 { x: 90 * 256, y: 70 * 256 });
        assert_eq!(s.max, PointQ8 { x: 310 * 256, y: 130 * 256 });
    }

    #[test]
    fn no_player_gives_a_zero_summary() {
        assert_eq!(summarize_players(&[]), PlayerSummary::default());
        assert_eq!(summarize_players(&[boxed(1, 1, 0), boxed(2, 2, 3)]).count, 0);
    }

    #[test]
    fn extreme_coordinates_do_not_overflow() {
        let mut a = boxed(0, 0, 1);
        a.x1 = i32::MIN;
        a.x2 = i32::MIN;
        let mut b = boxed(0, 0, 1);
        b.x1 = i32::MAX;
        b.x2 = i32::MAX;
        let s = summarize_players(&[a, b, a, b]);
        assert_eq!(s.count, 4);
        assert!(s.spread.x > 0);
        assert_eq!(s.min.x, i32::MIN);
        assert_eq!(s.max.x, i32::MAX);
    }
}

//! `camera.png`: the picture a user looks at first — the ball and the virtual camera over time,
//! x above and y below, the crop's extent as a band around the camera's centre.
//!
//! Drawn into an RGB buffer with a small built-in bitmap font and written with the `png` crate.
//! Any length of run fits: each pixel column shows the union of the crops of the frames that
//! fall into it, and lines join consecutive frames, so a 90-minute match is as readable as a
//! 20-second one (just denser).

use pitchcam::core::geom::{Rect, Size};
use std::path::Path;

/// Size of `camera.png`.
pub const WIDTH: u32 = 1600;
/// Size of `camera.png`.
pub const HEIGHT: u32 = 900;

/// Colours (RGB).
pub mod colour {
    /// Page background.
    pub const BACKGROUND: [u8; 3] = [255, 255, 255];
    /// Grid lines.
    pub const GRID: [u8; 3] = [228, 228, 228];
    /// Axes and text.
    pub const INK: [u8; 3] = [40, 40, 40];
    /// Secondary text.
    pub const MUTED: [u8; 3] = [110, 110, 110];
    /// The crop's extent.
    pub const BAND: [u8; 3] = [196, 216, 246];
    /// The camera's centre.
    pub const CAMERA: [u8; 3] = [25, 80, 190];
    /// The true ball, in play.
    pub const BALL: [u8; 3] = [225, 50, 25];
    /// The ball out of play (or outside the panorama).
    pub const BALL_OUT: [u8; 3] = [165, 165, 165];
    /// The tracked ball (from the observations, when there is no true ball).
    pub const TRACKED: [u8; 3] = [20, 150, 70];
    /// Frames where the camera follows the players because the ball is lost.
    pub const LOST: [u8; 3] = [255, 240, 205];
}

/// One played frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PlotFrame {
    /// Seconds from the first played frame.
    pub t: f64,
    /// Camera centre (continuous path), px.
    pub cx: f32,
    /// Camera centre, px.
    pub cy: f32,
    /// The crop shown.
    pub rect: Rect,
    /// The ball drawn for this frame, px.
    pub ball: Option<(f32, f32)>,
    /// The ball is in play (drawn in the ball colour, else grey).
    pub in_play: bool,
    /// The camera follows the players: the ball is lost.
    pub lost: bool,
}

/// What to draw.
#[derive(Clone, Debug)]
pub struct Plot<'a> {
    /// First line.
    pub title: String,
    /// Second line (settings, key numbers).
    pub subtitle: String,
    /// Legend label of the ball series: what the ball is (the sim's true ball, or the tracked
    /// ball from the observations).
    pub ball_label: String,
    /// Whether the ball is the tracked one (drawn green) rather than the truth (red).
    pub tracked: bool,
    /// The panorama (axis ranges).
    pub pano: Size,
    /// Played frames in time order.
    pub frames: &'a [PlotFrame],
}

/// An RGB image.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    /// Width, px.
    pub w: usize,
    /// Height, px.
    pub h: usize,
    /// Row-major RGB.
    pub px: Vec<u8>,
}

impl Image {
    fn new(w: usize, h: usize, bg: [u8; 3]) -> Image {
        let mut px = Vec::with_capacity(w * h * 3);
        for _ in 0..w * h {
            px.extend_from_slice(&bg);
        }
        Image { w, h, px }
    }

    /// The colour at `(x, y)`.
    #[cfg(test)]
    pub fn get(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.w + x) * 3;
        [self.px[i], self.px[i + 1], self.px[i + 2]]
    }

    fn set(&mut self, x: i64, y: i64, c: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as usize) < self.w && (y as usize) < self.h {
            let i = (y as usize * self.w + x as usize) * 3;
            self.px[i..i + 3].copy_from_slice(&c);
        }
    }

    fn fill(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
        for y in y0.max(0)..y1.min(self.h as i64) {
            for x in x0.max(0)..x1.min(self.w as i64) {
                self.set(x, y, c);
            }
        }
    }

    /// A line `width` px thick (Bresenham, the pen a square).
    fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), width: i64, c: [u8; 3]) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        let lo = -(width - 1) / 2;
        loop {
            for oy in lo..lo + width {
                for ox in lo..lo + width {
                    self.set(x + ox, y + oy, c);
                }
            }
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Text at `(x, y)` (top-left), each font cell `scale` px. Returns the width drawn.
    fn text(&mut self, x: i64, y: i64, s: &str, scale: i64, c: [u8; 3]) -> i64 {
        let mut cx = x;
        for ch in s.chars() {
            match font::glyph(ch) {
                Some(rows) => {
                    for (ry, row) in rows.iter().enumerate() {
                        for (rx, cell) in row.bytes().enumerate() {
                            if cell == b'#' {
                                let (px, py) = (cx + rx as i64 * scale, y + ry as i64 * scale);
                                self.fill(px, py, px + scale, py + scale, c);
                            }
                        }
                    }
                }
                None => {
                    // A box for a character the font lacks, so nothing vanishes silently.
                    let (w, h) = (font::W as i64 * scale, font::H as i64 * scale);
                    self.fill(cx, y, cx + w, y + scale, c);
                    self.fill(cx, y + h - scale, cx + w, y + h, c);
                    self.fill(cx, y, cx + scale, y + h, c);
                    self.fill(cx + w - scale, y, cx + w, y + h, c);
                }
            }
            cx += advance(scale);
        }
        cx - x
    }
}

fn advance(scale: i64) -> i64 {
    (font::W as i64 + 1) * scale
}

/// Splits `text` at its `|` separators into lines of at most `max` characters (a single part
/// longer than that is cut).
fn wrap(text: &str, max: i64) -> Vec<String> {
    let max = max.max(8) as usize;
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for part in text.split('|').map(str::trim) {
        let joined = if cur.is_empty() { part.to_string() } else { format!("{cur}  |  {part}") };
        if joined.chars().count() <= max || cur.is_empty() {
            cur = joined;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = part.to_string();
        }
    }
    lines.push(cur);
    for l in &mut lines {
        if l.chars().count() > max {
            *l = l.chars().take(max - 3).collect::<String>() + "...";
        }
    }
    lines
}

fn text_width(s: &str, scale: i64) -> i64 {
    s.chars().count() as i64 * advance(scale)
}

/// A "nice" tick step (1, 2 or 5 × 10^k) giving about `n` ticks over `range`.
fn nice_step(range: f64, n: f64) -> f64 {
    if !(range.is_finite() && range > 0.0) {
        return 1.0;
    }
    let raw = range / n;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let k = if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    };
    k * mag
}

fn time_label(t: f64, long: bool) -> String {
    if long {
        let s = t.round() as i64;
        format!("{}:{:02}", s / 60, s % 60)
    } else if t.fract().abs() < 1e-9 {
        format!("{t:.0}")
    } else {
        format!("{t:.1}")
    }
}

/// One value panel: the camera band, the camera centre and the ball along one axis.
struct Panel {
    top: i64,
    bottom: i64,
    left: i64,
    right: i64,
    /// Value range, px of the panorama.
    max: f64,
    /// Value 0 at the top (image-like: the y axis) rather than at the bottom.
    zero_at_top: bool,
}

impl Panel {
    fn y_of(&self, v: f64) -> i64 {
        let f = (v / self.max).clamp(-0.02, 1.02);
        let h = (self.bottom - self.top) as f64;
        if self.zero_at_top {
            self.top + (f * h).round() as i64
        } else {
            self.bottom - (f * h).round() as i64
        }
    }
}

/// Draws the plot.
pub fn render(p: &Plot) -> Image {
    let (w, h) = (WIDTH as usize, HEIGHT as usize);
    let mut img = Image::new(w, h, colour::BACKGROUND);
    let s = 2; // font scale: 10×14 px glyphs
    img.text(24, 14, &p.title, s, colour::INK);
    let lines = wrap(&p.subtitle, (w as i64 - 48) / advance(s));
    for (i, l) in lines.iter().enumerate() {
        img.text(24, 38 + 22 * i as i64, l, s, colour::MUTED);
    }
    // Everything below moves down by the extra subtitle lines (the panels get shorter).
    let extra = 22 * (lines.len().max(1) as i64 - 1);

    // Legend.
    let mut lx = 24;
    let ly = 66 + extra;
    let mut key = |img: &mut Image, sw: &dyn Fn(&mut Image, i64, i64), label: &str| {
        sw(img, lx, ly);
        lx += 34 + img.text(lx + 34, ly, label, s, colour::INK) + 26;
    };
    key(&mut img, &|i, x, y| i.fill(x, y, x + 26, y + 14, colour::BAND), "crop extent");
    key(&mut img, &|i, x, y| i.fill(x, y + 6, x + 26, y + 9, colour::CAMERA), "camera centre");
    let ball = if p.tracked { colour::TRACKED } else { colour::BALL };
    key(&mut img, &|i, x, y| i.fill(x, y + 6, x + 26, y + 9, ball), &p.ball_label);
    if !p.tracked {
        key(&mut img, &|i, x, y| i.fill(x, y + 6, x + 26, y + 9, colour::BALL_OUT), "out of play");
    }
    key(&mut img, &|i, x, y| i.fill(x, y, x + 26, y + 14, colour::LOST), "ball lost: players");

    let (left, right) = (112i64, w as i64 - 30);
    // The x panel gets more height than the y panel: the panorama is three times wider.
    let (top, bottom, gap) = (118 + extra, 830, 52);
    let split = top + ((bottom - top - gap) as f64 * 0.53) as i64;
    let px =
        Panel { top, bottom: split, left, right, max: p.pano.w.max(1) as f64, zero_at_top: false };
    let py = Panel {
        top: split + gap,
        bottom,
        left,
        right,
        max: p.pano.h.max(1) as f64,
        zero_at_top: true,
    };
    let t_end = p.frames.last().map_or(1.0, |f| f.t).max(1.0 / 30.0);
    let x_of = |t: f64| left + ((t / t_end) * (right - left) as f64).round() as i64;

    for (panel, axis) in [(&px, 0), (&py, 1)] {
        let label =
            if axis == 0 { "x, px (left to right)" } else { "y, px (0 = top of the panorama)" };
        img.text(left, panel.top - 26, label, s, colour::INK);
        // Horizontal grid and value labels.
        let step = nice_step(panel.max, 5.0);
        let mut v = 0.0;
        while v <= panel.max + 1e-9 {
            let y = panel.y_of(v);
            img.fill(left, y, right, y + 1, colour::GRID);
            let l = format!("{v:.0}");
            img.text(left - 10 - text_width(&l, s) + s, y - 7, &l, s, colour::MUTED);
            v += step;
        }
        draw_series(&mut img, panel, p, axis, &x_of, t_end);
        // Frame.
        img.fill(left, panel.top, right, panel.top + 1, colour::INK);
        img.fill(left, panel.bottom, right, panel.bottom + 1, colour::INK);
        img.fill(left, panel.top, left + 1, panel.bottom + 1, colour::INK);
        img.fill(right, panel.top, right + 1, panel.bottom + 1, colour::INK);
    }

    // Time axis (under the lower panel), ticks on both panels.
    let long = t_end > 600.0;
    let step =
        if long { nice_step(t_end / 60.0, 8.0).max(1.0) * 60.0 } else { nice_step(t_end, 10.0) };
    let mut t = 0.0;
    while t <= t_end + 1e-9 {
        let x = x_of(t);
        for panel in [&px, &py] {
            img.fill(x, panel.bottom, x + 1, panel.bottom + 6, colour::INK);
        }
        let l = time_label(t, long);
        img.text(x - text_width(&l, s) / 2, py.bottom + 12, &l, s, colour::MUTED);
        t += step;
    }
    let tl = if long { "time, min:s" } else { "time, s" };
    img.text((left + right) / 2 - text_width(tl, s) / 2, py.bottom + 40, tl, s, colour::INK);
    if p.frames.is_empty() {
        let m = "no frames were played";
        img.text(
            (left + right) / 2 - text_width(m, s) / 2,
            (px.top + px.bottom) / 2,
            m,
            s,
            colour::INK,
        );
    }
    img
}

/// Draws the lost shading, the crop band, the camera line and the ball line of one axis.
fn draw_series(
    img: &mut Image,
    panel: &Panel,
    p: &Plot,
    axis: usize,
    x_of: &dyn Fn(f64) -> i64,
    t_end: f64,
) {
    let f = p.frames;
    if f.is_empty() {
        return;
    }
    // Per pixel column: the frames whose time falls into it (or the last one before it, when
    // frames are sparser than columns), their crops' union and whether the ball was lost.
    let width = (panel.right - panel.left) as f64;
    for col in panel.left..panel.right {
        let t0 = (col - panel.left) as f64 / width * t_end;
        let t1 = (col + 1 - panel.left) as f64 / width * t_end;
        let lo = f.partition_point(|fr| fr.t < t0);
        let hi = f.partition_point(|fr| fr.t < t1);
        let range = if hi > lo {
            lo..hi
        } else if lo > 0 && t0 - f[lo - 1].t < 0.5 {
            lo - 1..lo
        } else {
            continue;
        };
        let mut a = f64::INFINITY;
        let mut b = f64::NEG_INFINITY;
        let mut lost = false;
        for fr in &f[range] {
            let (lo, len) = if axis == 0 { (fr.rect.x, fr.rect.w) } else { (fr.rect.y, fr.rect.h) };
            a = a.min(lo as f64);
            b = b.max((lo + len) as f64);
            lost |= fr.lost;
        }
        if lost {
            img.fill(col, panel.top + 1, col + 1, panel.bottom, colour::LOST);
        }
        let (ya, yb) = (panel.y_of(a), panel.y_of(b));
        img.fill(col, ya.min(yb), col + 1, ya.max(yb) + 1, colour::BAND);
    }
    // Lines join consecutive frames less than half a second apart.
    let pt = |fr: &PlotFrame, v: f32| (x_of(fr.t), panel.y_of(v as f64));
    let cam = |fr: &PlotFrame| if axis == 0 { fr.cx } else { fr.cy };
    for w in f.windows(2) {
        if w[1].t - w[0].t < 0.5 {
            img.line(pt(&w[0], cam(&w[0])), pt(&w[1], cam(&w[1])), 2, colour::CAMERA);
        }
    }
    let in_col = if p.tracked { colour::TRACKED } else { colour::BALL };
    let ball = |fr: &PlotFrame| fr.ball.map(|(x, y)| if axis == 0 { x } else { y });
    for (i, fr) in f.iter().enumerate() {
        let Some(v) = ball(fr) else { continue };
        let c = if fr.in_play || p.tracked { in_col } else { colour::BALL_OUT };
        match f.get(i + 1).and_then(|n| ball(n).map(|nv| (n, nv))) {
            Some((n, nv)) if n.t - fr.t < 0.5 => img.line(pt(fr, v), pt(n, nv), 2, c),
            _ => img.line(pt(fr, v), pt(fr, v), 3, c),
        }
    }
}

/// Writes `img` as an 8-bit RGB PNG.
pub fn write_png(path: &Path, img: &Image) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| err(&e))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), img.w as u32, img.h as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| err(&e))?;
    w.write_image_data(&img.px).map_err(|e| err(&e))?;
    w.finish().map_err(|e| err(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(n: usize) -> Vec<PlotFrame> {
        (0..n)
            .map(|i| {
                let t = i as f64 / 30.0;
                let cx = 2000.0 + 1000.0 * (t / 5.0).sin() as f32;
                PlotFrame {
                    t,
                    cx,
                    cy: 950.0,
                    rect: Rect::from_center(
                        cx,
                        950.0,
                        1600.0,
                        16.0 / 9.0,
                        Size { w: 5700, h: 1900 },
                    ),
                    ball: Some((cx + 100.0, 1000.0)),
                    in_play: i % 100 > 5,
                    lost: (300..330).contains(&i),
                }
            })
            .collect()
    }

    #[test]
    fn draws_every_series_in_both_panels() {
        let f = frames(900);
        let img = render(&Plot {
            title: "camera".into(),
            subtitle: "test".into(),
            ball_label: "ball (true)".into(),
            tracked: false,
            pano: Size { w: 5700, h: 1900 },
            frames: &f,
        });
        assert_eq!((img.w, img.h), (WIDTH as usize, HEIGHT as usize));
        let count = |c: [u8; 3], y0: usize, y1: usize| {
            (y0..y1)
                .flat_map(|y| (0..img.w).map(move |x| (x, y)))
                .filter(|&(x, y)| img.get(x, y) == c)
                .count()
        };
        let split = 118 + ((830 - 118 - 52) as f64 * 0.53) as usize;
        for (y0, y1) in [(118, split + 1), (split + 52, 831)] {
            for c in [colour::BAND, colour::CAMERA, colour::BALL, colour::BALL_OUT, colour::LOST] {
                assert!(count(c, y0, y1) > 20, "{c:?} in rows {y0}..{y1}");
            }
        }
        // The camera centre of frame 0 is drawn where the axis says: x = 2000 of 5700.
        let p = Panel {
            top: 118,
            bottom: split as i64,
            left: 112,
            right: 1570,
            max: 5700.0,
            zero_at_top: false,
        };
        let y = p.y_of(2000.0) as usize;
        assert!((y - 2..=y + 2).any(|yy| img.get(113, yy) == colour::CAMERA));
    }

    #[test]
    fn long_runs_and_empty_runs_render() {
        let f = frames(30 * 60 * 20);
        let img = render(&Plot {
            title: "t".into(),
            subtitle: String::new(),
            ball_label: "tracked ball".into(),
            tracked: true,
            pano: Size { w: 960, h: 320 },
            frames: &f,
        });
        assert!(img.px.chunks(3).any(|c| c == colour::TRACKED));
        let img = render(&Plot {
            title: "t".into(),
            subtitle: String::new(),
            ball_label: "b".into(),
            tracked: false,
            pano: Size { w: 960, h: 320 },
            frames: &[],
        });
        // The legend shows the camera colour; the panels below it must not.
        let panels = &img.px[118 * img.w * 3..];
        assert!(!panels.chunks(3).any(|c| c == colour::CAMERA));
    }

    #[test]
    fn long_subtitles_wrap_at_separators() {
        let l = wrap("aaaa | bbbb | cccc", 13);
        assert_eq!(l, vec!["aaaa  |  bbbb", "cccc"]);
        let l = wrap(&"x".repeat(30), 10);
        assert_eq!(l, vec!["xxxxxxx..."]);
        assert_eq!(wrap("", 10), vec![""]);
    }

    #[test]
    fn ticks_are_nice() {
        assert_eq!(nice_step(5700.0, 5.0), 1000.0);
        assert_eq!(nice_step(1900.0, 5.0), 500.0);
        assert_eq!(nice_step(120.0, 10.0), 10.0);
        assert_eq!(nice_step(0.0, 5.0), 1.0);
        assert_eq!(time_label(90.0, true), "1:30");
    }
}

/// A 5×7 bitmap font for the plot's labels (ASCII plus the few symbols units need), drawn by
/// hand for pitchcam. Each glyph is seven rows of five cells, `#` set.
mod font {

    /// Glyph width in cells.
    pub const W: usize = 5;
    /// Glyph height in cells above the baseline (capitals, digits).
    pub const H: usize = 7;

    /// The rows of `c` from the top of the cell (7, or 9 with a descender; `None`: no glyph,
    /// the caller draws a box).
    pub fn glyph(c: char) -> Option<&'static [&'static str]> {
        let i = GLYPHS.iter().position(|(g, _)| *g == c)?;
        Some(GLYPHS[i].1)
    }

    const GLYPHS: &[(char, &[&str])] = &[
        (' ', &[".....", ".....", ".....", ".....", ".....", ".....", "....."]),
        ('@', &[".###.", "#...#", "#.###", "#.#.#", "#.###", "#....", ".###."]),
        ('0', &[".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."]),
        ('1', &["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."]),
        ('2', &[".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"]),
        ('3', &["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."]),
        ('4', &["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."]),
        ('5', &["#####", "#....", "####.", "....#", "....#", "#...#", ".###."]),
        ('6', &["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."]),
        ('7', &["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."]),
        ('8', &[".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."]),
        ('9', &[".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."]),
        ('A', &[".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"]),
        ('B', &["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."]),
        ('C', &[".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."]),
        ('D', &["###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."]),
        ('E', &["#####", "#....", "#....", "####.", "#....", "#....", "#####"]),
        ('F', &["#####", "#....", "#....", "####.", "#....", "#....", "#...."]),
        ('G', &[".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"]),
        ('H', &["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"]),
        ('I', &[".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."]),
        ('J', &["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."]),
        ('K', &["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"]),
        ('L', &["#....", "#....", "#....", "#....", "#....", "#....", "#####"]),
        ('M', &["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"]),
        ('N', &["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"]),
        ('O', &[".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."]),
        ('P', &["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."]),
        ('Q', &[".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"]),
        ('R', &["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"]),
        ('S', &[".####", "#....", "#....", ".###.", "....#", "....#", "####."]),
        ('T', &["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."]),
        ('U', &["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."]),
        ('V', &["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."]),
        ('W', &["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."]),
        ('X', &["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"]),
        ('Y', &["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."]),
        ('Z', &["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"]),
        ('a', &[".....", ".....", ".###.", "....#", ".####", "#...#", ".####"]),
        ('b', &["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "####."]),
        ('c', &[".....", ".....", ".###.", "#....", "#....", "#...#", ".###."]),
        ('d', &["....#", "....#", ".##.#", "#..##", "#...#", "#...#", ".####"]),
        ('e', &[".....", ".....", ".###.", "#...#", "#####", "#....", ".###."]),
        ('f', &["..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#..."]),
        ('g', &[".....", ".....", ".####", "#...#", "#...#", "#...#", ".####", "....#", ".###."]),
        ('h', &["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"]),
        ('i', &["..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."]),
        ('j', &["...#.", ".....", "..##.", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."]),
        ('k', &["#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#."]),
        ('l', &[".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."]),
        ('m', &[".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#"]),
        ('n', &[".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"]),
        ('o', &[".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."]),
        ('p', &[".....", ".....", "####.", "#...#", "#...#", "#...#", "####.", "#....", "#...."]),
        ('q', &[".....", ".....", ".####", "#...#", "#...#", "#...#", ".####", "....#", "....#"]),
        ('r', &[".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."]),
        ('s', &[".....", ".....", ".###.", "#....", ".###.", "....#", "####."]),
        ('t', &[".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."]),
        ('u', &[".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"]),
        ('v', &[".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."]),
        ('w', &[".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#."]),
        ('x', &[".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"]),
        ('y', &[".....", ".....", "#...#", "#...#", "#...#", "#...#", ".####", "....#", ".###."]),
        ('z', &[".....", ".....", "#####", "...#.", "..#..", ".#...", "#####"]),
        ('.', &[".....", ".....", ".....", ".....", ".....", ".##..", ".##.."]),
        (',', &[".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."]),
        (':', &[".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."]),
        (';', &[".....", ".##..", ".##..", ".....", ".##..", "..#..", ".#..."]),
        ('-', &[".....", ".....", ".....", "#####", ".....", ".....", "....."]),
        ('+', &[".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."]),
        ('(', &["...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."]),
        (')', &[".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."]),
        ('[', &[".###.", ".#...", ".#...", ".#...", ".#...", ".#...", ".###."]),
        (']', &[".###.", "...#.", "...#.", "...#.", "...#.", "...#.", ".###."]),
        ('/', &[".....", "....#", "...#.", "..#..", ".#...", "#....", "....."]),
        ('%', &["##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"]),
        ('=', &[".....", ".....", "#####", ".....", "#####", ".....", "....."]),
        ('_', &[".....", ".....", ".....", ".....", ".....", ".....", "#####"]),
        ('\'', &["..#..", "..#..", ".#...", ".....", ".....", ".....", "....."]),
        ('"', &[".#.#.", ".#.#.", ".....", ".....", ".....", ".....", "....."]),
        ('<', &["...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#."]),
        ('>', &[".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..."]),
        ('!', &["..#..", "..#..", "..#..", "..#..", "..#..", ".....", "..#.."]),
        ('?', &[".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."]),
        ('*', &[".....", "..#..", "#.#.#", ".###.", "#.#.#", "..#..", "....."]),
        ('#', &[".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#."]),
        ('|', &["..#..", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."]),
        ('~', &[".....", ".....", ".#...", "#.#.#", "...#.", ".....", "....."]),
        ('²', &[".##..", "...#.", "..#..", ".###.", ".....", ".....", "....."]),
        ('³', &[".##..", "..##.", "...#.", ".##..", ".....", ".....", "....."]),
        ('µ', &[".....", ".....", "#...#", "#...#", "#...#", "#...#", "##.##", "#.#..", "#...."]),
        ('×', &[".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "....."]),
        ('≥', &[".#...", "..#..", "...#.", "..#..", ".#...", ".....", "#####"]),
        ('≤', &["...#.", "..#..", ".#...", "..#..", "...#.", ".....", "#####"]),
        ('–', &[".....", ".....", ".....", "#####", ".....", ".....", "....."]),
        ('·', &[".....", ".....", ".....", "..#..", ".....", ".....", "....."]),
    ];

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn glyphs_are_well_formed_and_cover_ascii() {
            for (c, rows) in GLYPHS {
                // Seven rows, or nine with a descender (g, j, p, q, y).
                assert!(rows.len() == H || rows.len() == H + 2, "{c:?}");
                for r in rows.iter() {
                    assert_eq!(r.chars().count(), W, "{c:?}");
                    assert!(r.chars().all(|x| x == '#' || x == '.'), "{c:?}");
                }
                assert_eq!(GLYPHS.iter().filter(|(g, _)| g == c).count(), 1, "{c:?} twice");
            }
            for c in (' '..='~').filter(|c| !"\\^`{}&$".contains(*c)) {
                assert!(glyph(c).is_some(), "{c:?}");
            }
            // Every glyph except the space sets some cell.
            for (c, rows) in GLYPHS.iter().filter(|(c, _)| *c != ' ') {
                assert!(rows.iter().any(|r| r.contains('#')), "{c:?}");
            }
        }
    }
}

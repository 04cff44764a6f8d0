//! What the camera should see over the planning horizon: for every frame from the one being played
//! to the end of the look-ahead, the ball (smoothed with past and future), what kind of target it is,
//! the crop width the framing rules ask for, and the target point.
//!
//! Built once per playback tick by one backward RTS pass over the window (bounded by its capacity)
//! and a few linear passes over the horizon.

use super::config::PlannerConfig;
use super::kf::Kf;
use super::pitch::PitchPx;
use super::window::{Entry, F_MEAS, F_SEG_START, F_TRACK, Window};

/// What the camera follows at one frame of the horizon.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// Nothing known (no ball, no players): the camera holds.
    #[default]
    None,
    /// The ball, measured at or near this frame.
    Ball,
    /// The ball inside a short gap in its detections, bridged by the smoother, or just past the
    /// edge of a longer one.
    Bridged,
    /// The ball is outside the pitch: the camera stops at the line instead of chasing it.
    OutOfPlay,
    /// The ball has been lost too long: the players' centroid, framed wider.
    Players,
}

/// Per-frame arrays of one tick's horizon. Index 0 is the frame being played.
#[derive(Clone, Debug)]
pub(crate) struct Horizon<const W: usize> {
    pub n: usize,
    /// Seconds from the query PTS.
    pub t: [f32; W],
    pub kind: [TargetKind; W],
    pub set_piece: [bool; W],
    pub bx: [f32; W],
    pub by: [f32; W],
    pub bvx: [f32; W],
    pub bvy: [f32; W],
    /// Ball position uncertainty (1 σ, px).
    pub sig: [f32; W],
    /// Seconds since the last ball measurement (forward), per frame.
    pub since: [f32; W],
    /// Seconds to the next measurement in the same track (backward), or infinity.
    pub next: [f32; W],
    pub px: [f32; W],
    pub py: [f32; W],
    pub psx: [f32; W],
    /// Target point (before lead) and desired width.
    pub tx: [f32; W],
    pub ty: [f32; W],
    pub wd: [f32; W],
    /// Widest crop that still holds the target inside the safe zone where it is close to a
    /// panorama border (the crop cannot move past the border), px.
    pub cap: [f32; W],
    /// Scratch for smoothing passes.
    pub aux: [f32; W],
}

impl<const W: usize> Horizon<W> {
    pub fn new() -> Self {
        Horizon {
            n: 0,
            t: [0.0; W],
            kind: [TargetKind::None; W],
            set_piece: [false; W],
            bx: [0.0; W],
            by: [0.0; W],
            bvx: [0.0; W],
            bvy: [0.0; W],
            sig: [0.0; W],
            since: [0.0; W],
            next: [0.0; W],
            px: [0.0; W],
            py: [0.0; W],
            psx: [0.0; W],
            tx: [0.0; W],
            ty: [0.0; W],
            wd: [0.0; W],
            cap: [0.0; W],
            aux: [0.0; W],
        }
    }

    /// Fills the horizon for a query at `query` whose frame is window entry `k0`.
    /// `w_now` is the camera's current width (held where nothing is known).
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        &mut self,
        cfg: &PlannerConfig,
        pitch: &PitchPx,
        widest: f32,
        win: &Window<W>,
        k0: usize,
        query: u64,
        w_now: f32,
        pano: (f32, f32),
    ) {
        if cfg.lookahead {
            self.smooth_future(cfg, win, k0, query);
        } else {
            self.extrapolate(cfg, win, k0, query);
        }
        self.players(cfg, win, k0);
        self.classify(cfg, pitch);
        self.set_pieces(cfg, pitch, win.get(k0));
        self.framing(cfg, pitch, widest, w_now, pano);
    }

    /// Look-ahead on: backward RTS over the whole window from the newest entry down to `k0`.
    fn smooth_future(&mut self, cfg: &PlannerConfig, win: &Window<W>, k0: usize, query: u64) {
        let newest = win.len() - 1;
        let end = query.saturating_add((cfg.lookahead_s as f64 * 1e9) as u64);
        let k_end = win.at_or_before(end).unwrap_or(k0).max(k0).min(newest);
        self.n = k_end - k0 + 1;
        let mut sm: Option<[Kf; 2]> = None;
        let mut to_next = f32::INFINITY;
        let mut k = newest;
        loop {
            let e = win.get(k);
            if e.flags & F_TRACK == 0 {
                sm = None;
                to_next = f32::INFINITY;
            } else {
                let cont = if k < newest {
                    let nx = win.get(k + 1);
                    nx.flags & F_TRACK != 0 && nx.flags & F_SEG_START == 0
                } else {
                    false
                };
                let s = match (cont, sm) {
                    (true, Some(next_s)) => {
                        let nx = win.get(k + 1);
                        [
                            e.post[0].rts(nx.dt, &nx.prior[0], &next_s[0]),
                            e.post[1].rts(nx.dt, &nx.prior[1], &next_s[1]),
                        ]
                    }
                    _ => e.post,
                };
                to_next = if e.flags & F_MEAS != 0 {
                    0.0
                } else if cont {
                    to_next + win.get(k + 1).dt
                } else {
                    f32::INFINITY
                };
                sm = Some(s);
            }
            if k <= k_end {
                let h = k - k0;
                self.t[h] = rel_s(e.pts, query);
                self.store_ball(h, e, sm.as_ref(), to_next);
            }
            if k == k0 {
                break;
            }
            k -= 1;
        }
    }

    /// Look-ahead off: the filtered (causal) state at `k0`, extrapolated at constant velocity for
    /// `causal_predict_s`.
    fn extrapolate(&mut self, cfg: &PlannerConfig, win: &Window<W>, k0: usize, query: u64) {
        let e = win.get(k0);
        let t0 = rel_s(e.pts, query);
        let step = 1.0 / cfg.frame_rate;
        let frames = libm::ceilf(cfg.causal_predict_s * cfg.frame_rate) as usize;
        self.n = (frames + 1).min(W);
        let st = if e.flags & F_TRACK != 0 { Some(e.post) } else { None };
        for h in 0..self.n {
            let dt = h as f32 * step;
            self.t[h] = t0 + dt;
            let s = st.map(|s| [s[0].predict(dt, 0.0), s[1].predict(dt, 0.0)]);
            // The extrapolation is the follower's own prediction, not a longer gap: the age of
            // the ball estimate stays that of the played frame.
            self.store_ball(h, e, s.as_ref(), f32::INFINITY);
        }
    }

    fn store_ball(&mut self, h: usize, e: &Entry, s: Option<&[Kf; 2]>, to_next: f32) {
        match s {
            Some(s) if e.flags & F_TRACK != 0 => {
                self.bx[h] = s[0].p;
                self.by[h] = s[1].p;
                self.bvx[h] = s[0].v;
                self.bvy[h] = s[1].v;
                self.sig[h] = libm::sqrtf(s[0].pp.max(s[1].pp));
                self.since[h] = e.since_meas;
                self.next[h] = to_next;
                self.kind[h] = TargetKind::Ball;
            }
            _ => {
                self.since[h] = f32::INFINITY;
                self.next[h] = f32::INFINITY;
                self.kind[h] = TargetKind::None;
            }
        }
    }

    /// Player centroid and spread per horizon frame: a centred moving average over about a second
    /// (entries with no players left out), so that the count of visible players flickering does
    /// not shake the fallback target.
    fn players(&mut self, cfg: &PlannerConfig, win: &Window<W>, k0: usize) {
        let half = (cfg.frame_rate * 0.5) as usize;
        let last = win.len() - 1;
        // The horizon's entries (look-ahead) or the entry at k0 repeated (causal: no future).
        let future = if cfg.lookahead { self.n - 1 } else { 0 };
        let lo = k0.saturating_sub(half);
        let hi = if cfg.lookahead { (k0 + future + half).min(last) } else { k0 };
        let (mut sx, mut sy, mut ss, mut cnt) = (0.0f32, 0.0f32, 0.0f32, 0u32);
        let add = |k: usize, sign: f32, sx: &mut f32, sy: &mut f32, ss: &mut f32, c: &mut u32| {
            let p = win.get(k).players;
            if p.count > 0 {
                *sx += sign * p.cx;
                *sy += sign * p.cy;
                *ss += sign * p.sx;
                if sign > 0.0 {
                    *c += 1;
                } else {
                    *c -= 1;
                }
            }
        };
        // Window [k-half, k+half] ∩ [lo, hi] for k = k0 .. k0+future.
        let mut wl = lo;
        let mut wr = lo; // exclusive
        for h in 0..self.n {
            let k = if cfg.lookahead { k0 + h } else { k0 };
            let want_r = (k + half).min(hi) + 1;
            while wr < want_r {
                add(wr, 1.0, &mut sx, &mut sy, &mut ss, &mut cnt);
                wr += 1;
            }
            let want_l = k.saturating_sub(half).max(lo);
            while wl < want_l {
                add(wl, -1.0, &mut sx, &mut sy, &mut ss, &mut cnt);
                wl += 1;
            }
            if cnt > 0 {
                let c = cnt as f32;
                self.px[h] = sx / c;
                self.py[h] = sy / c;
                self.psx[h] = (ss / c).max(0.0);
            } else {
                self.px[h] = f32::NAN;
                self.py[h] = f32::NAN;
                self.psx[h] = 0.0;
            }
        }
    }

    fn classify(&mut self, cfg: &PlannerConfig, pitch: &PitchPx) {
        for h in 0..self.n {
            let (since, next) = (self.since[h], self.next[h]);
            let mut kind = self.kind[h];
            if kind == TargetKind::Ball && since > 0.0 {
                // Inside a gap short enough to bridge, or near the edge of a longer one.
                let bridged = next.is_finite() && since + next <= cfg.gap_bridge_s;
                let coasting = since <= cfg.coast_s || next <= cfg.coast_s;
                kind = if bridged || coasting { TargetKind::Bridged } else { TargetKind::None };
            }
            if kind == TargetKind::None && !self.px[h].is_nan() {
                kind = TargetKind::Players;
            }
            let (mut tx, mut ty) = (self.bx[h], self.by[h]);
            match kind {
                TargetKind::Ball | TargetKind::Bridged
                    if !pitch.inside(tx, ty, cfg.out_margin_m) =>
                {
                    (tx, ty) = pitch.clamp_inside(tx, ty, cfg.out_margin_m);
                    kind = TargetKind::OutOfPlay;
                }
                TargetKind::Players => (tx, ty) = (self.px[h], self.py[h]),
                _ => {}
            }
            self.kind[h] = kind;
            self.tx[h] = tx;
            self.ty[h] = ty;
        }
    }

    /// A still ball on a spot, still long enough counting past and future: a set piece.
    fn set_pieces(&mut self, cfg: &PlannerConfig, pitch: &PitchPx, e0: &Entry) {
        let n = self.n;
        let still = |s: &Self, h: usize| {
            matches!(s.kind[h], TargetKind::Ball | TargetKind::Bridged | TargetKind::OutOfPlay)
                && s.bvx[h] * s.bvx[h] + s.bvy[h] * s.bvy[h] < cfg.still_speed * cfg.still_speed
        };
        // Forward run (seeded by the causal run up to the played frame) into aux.
        for h in 0..n {
            self.aux[h] = if !still(self, h) {
                0.0
            } else if h == 0 {
                e0.still_run
            } else {
                self.aux[h - 1] + (self.t[h] - self.t[h - 1])
            };
        }
        // Backward run, combined on the fly.
        let mut back = 0.0f32;
        for h in (0..n).rev() {
            if still(self, h) {
                if h + 1 < n && still(self, h + 1) {
                    back += self.t[h + 1] - self.t[h];
                } else {
                    back = 0.0;
                }
                self.set_piece[h] = self.aux[h] + back >= cfg.set_piece_still_s
                    && pitch.spot_near(self.bx[h], self.by[h], cfg.set_piece_radius_m).is_some();
            } else {
                back = 0.0;
                self.set_piece[h] = false;
            }
        }
    }

    /// Desired crop width per frame from the framing rules.
    fn framing(
        &mut self,
        cfg: &PlannerConfig,
        pitch: &PitchPx,
        widest: f32,
        w_now: f32,
        pano: (f32, f32),
    ) {
        let n = self.n;
        // Ball speed smoothed both ways (about 0.7 s) so that a pass does not pump the zoom.
        let a = 1.0 - libm::expf(-1.0 / (0.7 * cfg.frame_rate));
        let mut acc = 0.0f32;
        for h in 0..n {
            let sp = match self.kind[h] {
                TargetKind::Ball | TargetKind::Bridged => {
                    libm::sqrtf(self.bvx[h] * self.bvx[h] + self.bvy[h] * self.bvy[h])
                        .min(cfg.max_ball_speed)
                }
                _ => 0.0,
            };
            acc = if h == 0 { sp } else { acc + a * (sp - acc) };
            self.aux[h] = acc;
        }
        for h in (0..n.saturating_sub(1)).rev() {
            self.aux[h] += a * (self.aux[h + 1] - self.aux[h]);
        }
        for h in 0..n {
            let ppm = pitch.px_per_m(if self.ty[h].is_finite() { self.ty[h] } else { 0.0 });
            let base = cfg
                .zoom_min_px
                .max(cfg.framing_m * ppm)
                .max(cfg.spread_zoom * if self.psx[h].is_finite() { self.psx[h] } else { 0.0 });
            let w = match self.kind[h] {
                TargetKind::Ball | TargetKind::Bridged => {
                    let mut w =
                        base + cfg.speed_zoom_s * self.aux[h] + cfg.uncertainty_zoom * self.sig[h];
                    if self.set_piece[h] {
                        w = w.max(cfg.set_piece_m * ppm).max(cfg.set_piece_zoom * w);
                    }
                    w
                }
                TargetKind::OutOfPlay => {
                    base.max(cfg.set_piece_m * ppm).max(cfg.set_piece_zoom * base)
                }
                TargetKind::Players => {
                    let lost = if self.since[h].is_finite() {
                        (self.since[h] - cfg.gap_bridge_s).clamp(0.0, 30.0)
                    } else {
                        5.0
                    };
                    base.max(cfg.fallback_m * ppm) * (1.0 + cfg.fallback_growth * lost)
                }
                TargetKind::None => w_now,
            };
            self.wd[h] = if w.is_finite() { w.clamp(cfg.zoom_min_px, widest) } else { widest };
            self.cap[h] = match self.kind[h] {
                TargetKind::Ball | TargetKind::Bridged | TargetKind::OutOfPlay => {
                    border_cap(cfg, self.tx[h], self.ty[h], pano).clamp(cfg.zoom_min_px, widest)
                }
                _ => widest,
            };
        }
    }
}

/// The widest crop that can hold a target at `(x, y)` within the inner `BORDER_SAFE` of the safe
/// zone although the crop is stopped by the panorama's border: a crop pinned at a border puts a
/// target at distance `d` from it `size / 2 − d` from its centre.
fn border_cap(cfg: &PlannerConfig, x: f32, y: f32, pano: (f32, f32)) -> f32 {
    const BORDER_SAFE: f32 = 0.9;
    let keep = 1.0 - cfg.safe_zone * BORDER_SAFE;
    let dx = x.min(pano.0 - x).max(0.0);
    let dy = y.min(pano.1 - y).max(0.0);
    let cap = (2.0 * dx / keep).min(2.0 * dy / keep * cfg.aspect);
    if cap.is_nan() { f32::INFINITY } else { cap }
}

/// `pts − query` in seconds (negative for frames before the query).
pub(crate) fn rel_s(pts: u64, query: u64) -> f32 {
    if pts >= query {
        ((pts - query) as f64 * 1e-9) as f32
    } else {
        -(((query - pts) as f64 * 1e-9) as f32)
    }
}

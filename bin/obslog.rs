//! `observations.bin`: everything the virtual camera saw during a run, so `pitchcam replay` can
//! plan it again with other settings without the video.
//!
//! Written by `pitchcam run --log-observations` from the control thread (never the hot path),
//! record by record as the run goes, so a 90-minute match (162 000 frames, ~30 MB) never sits in
//! memory twice and a run that is killed keeps what was written.
//!
//! # Format, version 1
//!
//! All integers little-endian; floats IEEE-754 binary32, little-endian.
//!
//! ```text
//! file    = magic  version  header_len  header  record*  end
//! magic   = "PCAMOBS1"                       8 bytes (the last byte is not the version)
//! version = u32                               1
//! header_len = u32                            bytes of header, ≤ 1 MiB
//! header  = UTF-8 JSON object (see Header)    the run's parameters needed to replan
//! record  = kind:u8  len:u16  payload[len]
//! ```
//!
//! | kind | record | payload (`len`) |
//! |---|---|---|
//! | 1 | observation: what analysis handed to the planner, one per captured frame | 102 |
//! | 2 | played: one per output frame, the live planner's answer | 53 |
//! | 3 | truth: the sim's true ball, one per captured frame (sim source only) | 17 |
//! | 255 | end: counts, written last; its absence means the file is truncated | 32 |
//!
//! Records of one kind appear in the order they happened; the kinds are interleaved as the
//! control thread drained its queues, so a reader sorts them by kind, not by position.
//!
//! ```text
//! observation (102) = pts:u64
//!     ball.pos.x:i32 ball.pos.y:i32 ball.vel.x:i32 ball.vel.y:i32    Q8 px, Q8 px/s
//!     ball.confidence:u16 ball.state:u8 (0 measured, 1 predicted, 2 lost) n_candidates:u8 (≤ 4)
//!     4 × (pos.x:i32 pos.y:i32 score:u16)                              Q8 px, Q0.16
//!     players.count:u16 centroid.x:i32 centroid.y:i32 spread.x:i32 spread.y:i32
//!     min.x:i32 min.y:i32 max.x:i32 max.y:i32                          Q8 px
//! played (53) = pts:u64 obs_seen:u64 rect.x:i32 rect.y:i32 rect.w:i32 rect.h:i32
//!     cx:f32 cy:f32 width:f32 vx:f32 vy:f32 target:u8
//!     obs_seen: observation records the planner had been given before this crop, so a replay
//!     feeds it the same batches; target: 0 none, 1 ball, 2 bridged, 3 out of play, 4 players
//! truth (17) = pts:u64 x:f32 y:f32 flags:u8 (bit 0 in play, bit 1 inside the panorama,
//!     bit 2 visible)
//! end (32) = observations:u64 played:u64 truths:u64 planner_missed:u64
//!     planner_missed: observations the live planner never got (its queue was full), so a
//!     replay of this log cannot match the run exactly
//! ```
//!
//! A reader refuses another version, an unknown kind, a payload of the wrong length, invalid
//! enum values and counts that disagree with the end record, each with the byte offset.

use crate::camera::{PlayedCrop, TruthPoint};
use pitchcam::core::geom::{PointQ8, Rect};
use pitchcam::core::obs::{
    BallCandidate, BallEstimate, BallState, MAX_BALL_CANDIDATES, Observation, PlayerSummary,
};
use pitchcam::core::plan::{CameraState, TargetKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// First bytes of every observation log.
pub const MAGIC: [u8; 8] = *b"PCAMOBS1";
/// The format version this pitchcam writes and reads.
pub const VERSION: u32 = 1;
/// Largest header accepted.
pub const MAX_HEADER: u32 = 1 << 20;

const KIND_OBS: u8 = 1;
const KIND_PLAYED: u8 = 2;
const KIND_TRUTH: u8 = 3;
const KIND_END: u8 = 255;
const LEN_OBS: usize = 102;
const LEN_PLAYED: usize = 53;
const LEN_TRUTH: usize = 17;
const LEN_END: usize = 32;

/// The run's parameters (the header's JSON).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// pitchcam version that wrote the log.
    pub pitchcam: String,
    /// The source, secrets removed.
    pub source: String,
    /// Seed of the synthetic match (sim source).
    pub seed: Option<u64>,
    /// Panorama size, px.
    pub panorama: [u32; 2],
    /// Frame rate as a fraction.
    pub fps: [u32; 2],
    /// Capture-to-output delay, ns.
    pub delay_ns: u64,
    /// Output aspect ratio (width / height) of the virtual camera.
    pub aspect: f32,
    /// Planner preset of the run.
    pub preset: String,
    /// Look-ahead of the run.
    pub lookahead: bool,
    /// Limits the run changed from its preset.
    pub limits: BTreeMap<String, f64>,
    /// Frames the live planner's window held.
    pub planner_window: usize,
    /// Whether truth records follow (sim source).
    pub truth: bool,
}

impl Header {
    fn check(&self) -> Result<(), String> {
        let [w, h] = self.panorama;
        if !(16..=65536).contains(&w) || !(16..=65536).contains(&h) {
            return Err(format!("panorama {w}x{h} is out of range"));
        }
        let [n, d] = self.fps;
        if n == 0 || d == 0 || n / d > 1000 {
            return Err(format!("fps {n}/{d} is out of range"));
        }
        if self.delay_ns == 0 || self.delay_ns > 3_600_000_000_000 {
            return Err(format!("delay {} ns is out of range", self.delay_ns));
        }
        if !(self.aspect.is_finite() && (0.1..=10.0).contains(&self.aspect)) {
            return Err(format!("aspect {} is out of range", self.aspect));
        }
        Ok(())
    }

    /// Frame rate, frames/s.
    pub fn frame_rate(&self) -> f32 {
        self.fps[0] as f32 / self.fps[1].max(1) as f32
    }
}

/// One played frame as logged.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Played {
    /// The live planner's answer.
    pub cam: CameraState,
    /// Observations the planner had been given before it.
    pub obs_seen: u64,
}

/// Counts written last.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct End {
    /// Observation records.
    pub observations: u64,
    /// Played records.
    pub played: u64,
    /// Truth records.
    pub truths: u64,
    /// Observations the live planner never got.
    pub planner_missed: u64,
}

/// Writes `observations.bin` record by record. A write error stops the log (the run goes on);
/// [`Writer::error`] tells what happened.
pub struct Writer {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    counts: End,
    error: Option<String>,
}

impl Writer {
    /// Creates the file and writes the header.
    pub fn create(path: &Path, header: &Header) -> Result<Writer, String> {
        let json = serde_json::to_vec(header).map_err(|e| e.to_string())?;
        let file =
            File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let mut w = Writer {
            path: path.to_path_buf(),
            out: Some(BufWriter::with_capacity(1 << 16, file)),
            counts: End::default(),
            error: None,
        };
        let mut head = Vec::with_capacity(16 + json.len());
        head.extend_from_slice(&MAGIC);
        head.extend_from_slice(&VERSION.to_le_bytes());
        head.extend_from_slice(&(json.len() as u32).to_le_bytes());
        head.extend_from_slice(&json);
        w.write(&head);
        match w.error.take() {
            Some(e) => Err(e),
            None => Ok(w),
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        if let Some(out) = &mut self.out
            && let Err(e) = out.write_all(bytes)
        {
            self.error =
                Some(format!("observation log {}: {e}; logging stopped", self.path.display()));
            self.out = None;
        }
    }

    fn record(&mut self, kind: u8, payload: &[u8]) {
        let mut r = [0u8; 3 + LEN_OBS];
        r[0] = kind;
        r[1..3].copy_from_slice(&(payload.len() as u16).to_le_bytes());
        r[3..3 + payload.len()].copy_from_slice(payload);
        self.write(&r[..3 + payload.len()]);
    }

    /// Logs an observation.
    pub fn observation(&mut self, o: &Observation) {
        self.counts.observations += 1;
        self.record(KIND_OBS, &encode_observation(o));
    }

    /// Logs a played frame.
    pub fn played(&mut self, p: &PlayedCrop) {
        self.counts.played += 1;
        let c = &p.cam;
        let mut b = Vec::with_capacity(LEN_PLAYED);
        b.extend_from_slice(&c.pts.to_le_bytes());
        b.extend_from_slice(&p.obs_seen.to_le_bytes());
        for v in [c.rect.x, c.rect.y, c.rect.w, c.rect.h] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        for v in [c.cx, c.cy, c.width, c.vx, c.vy] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.push(target_code(c.target.kind));
        self.record(KIND_PLAYED, &b);
    }

    /// Logs the true ball of a frame.
    pub fn truth(&mut self, t: &TruthPoint) {
        self.counts.truths += 1;
        let mut b = Vec::with_capacity(LEN_TRUTH);
        b.extend_from_slice(&t.pts.to_le_bytes());
        b.extend_from_slice(&t.x.to_le_bytes());
        b.extend_from_slice(&t.y.to_le_bytes());
        b.push(t.in_play as u8 | (t.in_frame as u8) << 1 | (t.visible as u8) << 2);
        self.record(KIND_TRUTH, &b);
    }

    /// Writes the end record and flushes. Returns the counts, or why the log is incomplete.
    pub fn finish(mut self, planner_missed: u64) -> Result<End, String> {
        self.counts.planner_missed = planner_missed;
        let e = self.counts;
        let mut b = Vec::with_capacity(LEN_END);
        for v in [e.observations, e.played, e.truths, e.planner_missed] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        self.record(KIND_END, &b);
        if let Some(mut out) = self.out.take()
            && let Err(err) = out.flush()
        {
            self.error = Some(format!("observation log {}: {err}", self.path.display()));
        }
        match self.error {
            Some(err) => Err(err),
            None => Ok(e),
        }
    }

    /// The write error that stopped the log, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

fn target_code(k: TargetKind) -> u8 {
    match k {
        TargetKind::None => 0,
        TargetKind::Ball => 1,
        TargetKind::Bridged => 2,
        TargetKind::OutOfPlay => 3,
        TargetKind::Players => 4,
    }
}

fn target_of(c: u8) -> Option<TargetKind> {
    Some(match c {
        0 => TargetKind::None,
        1 => TargetKind::Ball,
        2 => TargetKind::Bridged,
        3 => TargetKind::OutOfPlay,
        4 => TargetKind::Players,
        _ => return None,
    })
}

fn encode_observation(o: &Observation) -> [u8; LEN_OBS] {
    let mut b = [0u8; LEN_OBS];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        b[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(&o.pts.to_le_bytes());
    let bl = &o.ball;
    for v in [bl.pos.x, bl.pos.y, bl.vel.x, bl.vel.y] {
        put(&v.to_le_bytes());
    }
    put(&bl.confidence.to_le_bytes());
    put(&[bl.state as u8, o.n_candidates]);
    for c in &o.candidates {
        put(&c.pos.x.to_le_bytes());
        put(&c.pos.y.to_le_bytes());
        put(&c.score.to_le_bytes());
    }
    let p = &o.players;
    put(&p.count.to_le_bytes());
    for v in [p.centroid, p.spread, p.min, p.max] {
        put(&v.x.to_le_bytes());
        put(&v.y.to_le_bytes());
    }
    debug_assert_eq!(at, LEN_OBS);
    b
}

/// Little-endian reads from a payload whose length was checked.
struct Rd<'a>(&'a [u8]);
impl Rd<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (a, rest) = self.0.split_at(N);
        self.0 = rest;
        a.try_into().expect("N bytes")
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }
    fn i32(&mut self) -> i32 {
        i32::from_le_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
    fn f32(&mut self) -> f32 {
        f32::from_le_bytes(self.take())
    }
    fn point(&mut self) -> PointQ8 {
        PointQ8 { x: self.i32(), y: self.i32() }
    }
}

fn decode_observation(p: &[u8]) -> Result<Observation, String> {
    let mut r = Rd(p);
    let pts = r.u64();
    let pos = r.point();
    let vel = r.point();
    let confidence = r.u16();
    let state = match r.u8() {
        0 => BallState::Measured,
        1 => BallState::Predicted,
        2 => BallState::Lost,
        s => return Err(format!("ball state {s} is not 0, 1 or 2")),
    };
    let n_candidates = r.u8();
    if n_candidates as usize > MAX_BALL_CANDIDATES {
        return Err(format!("{n_candidates} ball candidates (at most {MAX_BALL_CANDIDATES})"));
    }
    let mut candidates = [BallCandidate::default(); MAX_BALL_CANDIDATES];
    for c in &mut candidates {
        *c = BallCandidate { pos: r.point(), score: r.u16() };
    }
    let players = PlayerSummary {
        count: r.u16(),
        centroid: r.point(),
        spread: r.point(),
        min: r.point(),
        max: r.point(),
    };
    Ok(Observation {
        pts,
        ball: BallEstimate { pos, vel, confidence, state },
        candidates,
        n_candidates,
        players,
    })
}

fn decode_played(p: &[u8]) -> Result<Played, String> {
    let mut r = Rd(p);
    let pts = r.u64();
    let obs_seen = r.u64();
    let rect = Rect { x: r.i32(), y: r.i32(), w: r.i32(), h: r.i32() };
    let (cx, cy, width, vx, vy) = (r.f32(), r.f32(), r.f32(), r.f32(), r.f32());
    let code = r.u8();
    let kind = target_of(code).ok_or_else(|| format!("target kind {code} is not 0..=4"))?;
    let mut cam = CameraState { pts, rect, cx, cy, width, vx, vy, ..CameraState::default() };
    cam.target.kind = kind;
    Ok(Played { cam, obs_seen })
}

fn decode_truth(p: &[u8]) -> Result<TruthPoint, String> {
    let mut r = Rd(p);
    let (pts, x, y, flags) = (r.u64(), r.f32(), r.f32(), r.u8());
    if flags & !7 != 0 {
        return Err(format!("truth flags {flags:#x} have unknown bits"));
    }
    Ok(TruthPoint {
        pts,
        x,
        y,
        in_play: flags & 1 != 0,
        in_frame: flags & 2 != 0,
        visible: flags & 4 != 0,
    })
}

/// A log read back.
#[derive(Clone, Debug, Default)]
pub struct Log {
    /// The run's parameters.
    pub header: Header,
    /// Observations in capture order.
    pub observations: Vec<Observation>,
    /// Played frames in play order.
    pub played: Vec<Played>,
    /// True ball per captured frame (sim).
    pub truths: Vec<TruthPoint>,
    /// The end record, or `None` if the file was truncated (and the caller allowed it).
    pub end: Option<End>,
    /// Why the log is incomplete, if it is (only with `allow_truncated`).
    pub truncated: Option<String>,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            pitchcam: String::new(),
            source: String::new(),
            seed: None,
            panorama: [0, 0],
            fps: [30, 1],
            delay_ns: 0,
            aspect: 16.0 / 9.0,
            preset: "broadcast".into(),
            lookahead: true,
            limits: BTreeMap::new(),
            planner_window: 0,
            truth: false,
        }
    }
}

/// Reads a whole log. A truncated file (a run killed before it finished writing) is an error,
/// unless `allow_truncated`: then every complete record before the cut is returned and
/// [`Log::truncated`] says where it was cut.
pub fn read(path: &Path, allow_truncated: bool) -> Result<Log, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&bytes, allow_truncated).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses a log held in memory (see [`read`]).
pub fn parse(b: &[u8], allow_truncated: bool) -> Result<Log, String> {
    let not_log = || {
        let head: Vec<String> = b.iter().take(8).map(|x| format!("{x:02x}")).collect();
        format!(
            "not a pitchcam observation log (it starts with {}; an observations.bin starts with \
             \"PCAMOBS1\")",
            if head.is_empty() { "nothing: the file is empty".to_string() } else { head.join(" ") }
        )
    };
    if b.len() < 8 || b[..8] != MAGIC {
        return Err(not_log());
    }
    if b.len() < 16 {
        return Err(format!("truncated: {} bytes, the fixed header alone is 16", b.len()));
    }
    let version = u32::from_le_bytes(b[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(format!(
            "format version {version}; this pitchcam ({}) reads version {VERSION} only{}",
            env!("CARGO_PKG_VERSION"),
            if version > VERSION { ": the log was written by a newer pitchcam" } else { "" }
        ));
    }
    let hlen = u32::from_le_bytes(b[12..16].try_into().expect("4 bytes"));
    if hlen > MAX_HEADER {
        return Err(format!("header of {hlen} bytes (at most {MAX_HEADER}): corrupt"));
    }
    let body = 16 + hlen as usize;
    if b.len() < body {
        return Err(format!(
            "truncated inside the header: {} bytes, the header ends at byte {body}",
            b.len()
        ));
    }
    let header: Header = serde_json::from_slice(&b[16..body])
        .map_err(|e| format!("the header is not valid: {e}"))?;
    header.check().map_err(|e| format!("the header is not valid: {e}"))?;

    let mut log = Log { header, ..Log::default() };
    let mut at = body;
    let mut n = 0u64;
    while at < b.len() {
        let rec_at = at;
        if b.len() - at < 3 {
            truncated(&mut log, allow_truncated, rec_at, n, "record header")?;
            break;
        }
        let kind = b[at];
        let len = u16::from_le_bytes([b[at + 1], b[at + 2]]) as usize;
        let want = match kind {
            KIND_OBS => LEN_OBS,
            KIND_PLAYED => LEN_PLAYED,
            KIND_TRUTH => LEN_TRUTH,
            KIND_END => LEN_END,
            k => {
                return Err(format!(
                    "record {n} at byte {rec_at}: kind {k} is unknown to format version \
                     {VERSION}: corrupt"
                ));
            }
        };
        if len != want {
            return Err(format!(
                "record {n} at byte {rec_at}: kind {kind} has {len} payload bytes, format \
                 version {VERSION} has {want}: corrupt"
            ));
        }
        if b.len() - at - 3 < len {
            truncated(&mut log, allow_truncated, rec_at, n, "record")?;
            break;
        }
        let p = &b[at + 3..at + 3 + len];
        at += 3 + len;
        let bad = |e: String| format!("record {n} at byte {rec_at}: {e}: corrupt");
        match kind {
            KIND_OBS => log.observations.push(decode_observation(p).map_err(bad)?),
            KIND_PLAYED => log.played.push(decode_played(p).map_err(bad)?),
            KIND_TRUTH => log.truths.push(decode_truth(p).map_err(bad)?),
            _ => {
                let mut r = Rd(p);
                let end = End {
                    observations: r.u64(),
                    played: r.u64(),
                    truths: r.u64(),
                    planner_missed: r.u64(),
                };
                let have = (log.observations.len(), log.played.len(), log.truths.len());
                if (end.observations, end.played, end.truths)
                    != (have.0 as u64, have.1 as u64, have.2 as u64)
                {
                    return Err(format!(
                        "the end record counts {} observations, {} played frames and {} truths, \
                         the file holds {}, {} and {}: corrupt",
                        end.observations, end.played, end.truths, have.0, have.1, have.2
                    ));
                }
                if at != b.len() {
                    return Err(format!(
                        "{} bytes after the end record (byte {at}): corrupt",
                        b.len() - at
                    ));
                }
                log.end = Some(end);
            }
        }
        n += 1;
    }
    if log.end.is_none() && log.truncated.is_none() {
        truncated(&mut log, allow_truncated, at, n, "end record")?;
    }
    Ok(log)
}

fn truncated(log: &mut Log, allow: bool, at: usize, n: u64, what: &str) -> Result<(), String> {
    let msg = format!(
        "truncated at byte {at}: the {what} after record {n} is missing (the run stopped before \
         it finished writing the log); {} complete observations, {} played frames before the \
         cut{}",
        log.observations.len(),
        log.played.len(),
        if allow { "" } else { " — pass --allow-truncated to replay them" }
    );
    if allow {
        log.truncated = Some(msg);
        Ok(())
    } else {
        Err(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            pitchcam: "test".into(),
            source: "sim".into(),
            seed: Some(4),
            panorama: [960, 320],
            fps: [30, 1],
            delay_ns: 2_000_000_000,
            aspect: 16.0 / 9.0,
            preset: "action".into(),
            lookahead: false,
            limits: BTreeMap::from([("max_accel".into(), 900.0)]),
            planner_window: 512,
            truth: true,
        }
    }

    fn obs(i: u64) -> Observation {
        let mut o = Observation { pts: i * 33_333_333, ..Observation::default() };
        o.ball.pos = PointQ8 { x: -5 - i as i32, y: 1 << 20 };
        o.ball.vel = PointQ8 { x: i32::MIN, y: i32::MAX };
        o.ball.confidence = 65535;
        o.ball.state = BallState::Predicted;
        o.n_candidates = 2;
        o.candidates[1] = BallCandidate { pos: PointQ8 { x: 7, y: 9 }, score: 3 };
        o.players.count = 22;
        o.players.max = PointQ8 { x: 100, y: -100 };
        o
    }

    fn write_log(dir: &Path) -> (PathBuf, Vec<u8>) {
        let path = dir.join("observations.bin");
        let mut w = Writer::create(&path, &header()).unwrap();
        for i in 0..5 {
            w.observation(&obs(i));
            w.truth(&TruthPoint {
                pts: i,
                x: 1.5,
                y: -2.0,
                in_play: true,
                in_frame: i % 2 == 0,
                visible: false,
            });
        }
        let mut cam = CameraState {
            pts: 3,
            rect: Rect { x: 2, y: 4, w: 6, h: 8 },
            cx: 0.25,
            ..CameraState::default()
        };
        cam.target.kind = TargetKind::Players;
        w.played(&PlayedCrop { cam, obs_seen: 4 });
        assert_eq!(
            w.finish(1).unwrap(),
            End { observations: 5, played: 1, truths: 5, planner_missed: 1 }
        );
        let bytes = std::fs::read(&path).unwrap();
        (path, bytes)
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pitchcam-obslog-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn round_trip_is_exact() {
        let d = tmp("rt");
        let (path, _) = write_log(&d);
        let log = read(&path, false).unwrap();
        assert_eq!(log.header, header());
        assert_eq!(log.observations, (0..5).map(obs).collect::<Vec<_>>());
        assert_eq!(log.truths.len(), 5);
        assert!(!log.truths[1].in_frame && log.truths[2].in_frame && !log.truths[0].visible);
        let p = log.played[0];
        assert_eq!((p.cam.pts, p.obs_seen, p.cam.rect.h, p.cam.cx), (3, 4, 8, 0.25));
        assert_eq!(p.cam.target.kind, TargetKind::Players);
        assert_eq!(log.end.unwrap().planner_missed, 1);
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn every_truncation_is_refused_or_salvaged_without_panic() {
        let d = tmp("trunc");
        let (_, bytes) = write_log(&d);
        for cut in 0..bytes.len() {
            let e = parse(&bytes[..cut], false).unwrap_err();
            assert!(
                e.contains("truncated") || e.contains("not a pitchcam observation log"),
                "cut {cut}: {e}"
            );
            if cut >= 16 + serde_json::to_vec(&header()).unwrap().len() {
                let log = parse(&bytes[..cut], true).unwrap();
                assert!(log.truncated.is_some() && log.end.is_none());
            }
        }
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn corruption_is_named() {
        let d = tmp("bad");
        let (_, bytes) = write_log(&d);
        let mut v = bytes.clone();
        v[8] = 2;
        assert!(parse(&v, false).unwrap_err().contains("format version 2"));
        let mut v = bytes.clone();
        v[0] = b'X';
        assert!(parse(&v, false).unwrap_err().contains("not a pitchcam observation log"));
        let body = 16 + u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
        let mut v = bytes.clone();
        v[body] = 9;
        assert!(parse(&v, false).unwrap_err().contains("kind 9 is unknown"));
        let mut v = bytes.clone();
        v[body + 1] = 50;
        assert!(parse(&v, false).unwrap_err().contains("payload bytes"));
        // Ball state byte of the first observation.
        let mut v = bytes.clone();
        v[body + 3 + 26] = 7;
        assert!(parse(&v, false).unwrap_err().contains("ball state 7"));
        let mut v = bytes.clone();
        v[17] = b'!';
        assert!(parse(&v, false).unwrap_err().contains("header is not valid"));
        let mut v = bytes.clone();
        v.push(0);
        assert!(parse(&v, false).unwrap_err().contains("after the end record"));
        // Garbage of every length, after the magic or after a valid header, is refused (and
        // never panics).
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..2000 {
            let mut noise = Vec::with_capacity(len);
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                noise.push(x as u8);
            }
            let mut g = MAGIC.to_vec();
            g.extend_from_slice(&VERSION.to_le_bytes());
            g.extend_from_slice(&noise);
            assert!(parse(&g, true).is_err(), "{len} bytes of noise after the magic");
            let mut g = bytes[..body].to_vec();
            g.extend_from_slice(&noise);
            assert!(parse(&g, false).is_err(), "{len} bytes of noise after the header");
        }
        std::fs::remove_dir_all(d).unwrap();
    }
}

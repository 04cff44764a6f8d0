//! The playback thread: one tick per frame period at absolute deadlines, `delay` after capture.
//!
//! Per tick: drain the queues into the delay ring and the planner's observation window, find the
//! frame captured `delay` ago by binary search, ask the planner where to crop (it already holds
//! `delay` seconds of the future), crop-and-scale into a preallocated output buffer and push it
//! with the frame's capture PTS. Frames leaving the ring go to the reaper thread, so returning
//! them to their pool never runs on the tick.
//!
//! Schedule: tick `j` shows the frame with PTS `first + j·P` at `base + first + j·P + delay`,
//! looked up as "at or before `first + j·P + P/2`" so capture jitter of up to half a period still
//! finds the right frame. A tick later than one period is counted; if it missed at most
//! [`CATCH_UP_MAX`] ticks it outputs their frames at once (same PTS: the recording has no hole),
//! otherwise the schedule jumps to the current tick (frames in between are skipped and
//! counted). Either way, no drift.

use super::stats::EngineStats;
use super::{FrameMsg, Shutdown};
use pitchcam::alloc_count::HotSection;
use pitchcam::clock::{monotonic_ns, sleep_until};
use pitchcam::core::geom::Rect;
use pitchcam::core::image::CropScaler;
use pitchcam::core::obs::Observation;
use pitchcam::core::plan::Planner;
use pitchcam::core::ring::{DelayRing, Push};
use pitchcam::gst::{AppSrc, Buffer, BufferPool, VideoInfo};
use std::sync::Arc;
use std::time::Duration;

/// Largest ring the engine builds (frames).
pub const RING_MAX: usize = 1024;
/// Observation window of the planner (frames).
pub const PLAN_WINDOW: usize = 512;
/// Missed ticks a late tick makes up for at once (more: it skips ahead). Below the output
/// pool's 16 buffers, so a burst never exhausts it.
pub const CATCH_UP_MAX: u64 = 8;
/// Widest output the crop-scaler supports.
pub const MAX_OUT_W: usize = 7680;

/// One output view fed by the playback thread.
pub struct VcamOutput {
    /// Where output frames go.
    pub appsrc: AppSrc,
    /// Preallocated output frames.
    pub pool: BufferPool,
    /// Output format.
    pub info: VideoInfo,
}

/// What the playback thread reports when it ends.
#[derive(Debug, Default)]
pub struct PlaybackSummary {
    /// Frames still in the delay window at stop.
    pub frames_in_window: u64,
    /// The ring's counters.
    pub ring: Option<pitchcam::core::ring::RingCounters>,
    /// Thread CPU time, ns.
    pub cpu_ns: u64,
}

/// The playback thread's state, built on the control thread and moved into the thread.
pub struct Playback {
    /// Frames from the probe.
    pub frames: rtrb::Consumer<FrameMsg>,
    /// Observations from analysis.
    pub observations: rtrb::Consumer<Observation>,
    /// Frames leaving the ring, to the reaper thread.
    pub reaper: rtrb::Producer<Buffer>,
    /// The reaper thread, woken after a push.
    pub reaper_thread: std::thread::Thread,
    /// The delay ring; its limit is this run's delay × fps + headroom (≤ `RING_MAX`).
    pub ring: Box<DelayRing<Buffer, RING_MAX>>,
    /// The virtual camera.
    pub planner: Box<Planner<PLAN_WINDOW>>,
    /// The crop-and-scale.
    pub scaler: Box<CropScaler<MAX_OUT_W>>,
    /// The virtual-camera output, if that mode is on.
    pub vcam: Option<VcamOutput>,
    /// The panorama output (frames pushed by reference), if that mode is on.
    pub panorama: Option<AppSrc>,
    /// Video info of the panorama frames.
    pub frame_info: VideoInfo,
    /// Frame period, ns.
    pub period_ns: u64,
    /// Capture → output delay, ns.
    pub delay_ns: u64,
    /// The capture pipeline's base time (its running time 0 on CLOCK_MONOTONIC).
    pub base_time: u64,
    /// Statistics.
    pub stats: Arc<EngineStats>,
    /// Run state.
    pub shutdown: Arc<Shutdown>,
    /// The crop of every output frame, to the control thread (camera report, camera.png,
    /// observation log).
    pub crop_log: rtrb::Producer<crate::camera::PlayedCrop>,
    /// PTS of the last frame output.
    pub last_out: Option<u64>,
    /// The delayed audio (ring + output appsrc), pushed beside the video.
    pub audio: Option<super::audio::AudioOutput>,
    /// What a tick without a new frame repeats.
    pub hold: Hold,
}

/// The last output, kept so that a tick with no new frame (the source is down, or a frame is
/// missing) repeats it: the output keeps its frame rate and the recording has no hole, and
/// when frames come back they are shown `delay` after their capture again.
#[derive(Default)]
pub struct Hold {
    /// The last frame shown (one reference).
    frame: Option<Buffer>,
    /// Its crop.
    crop: Option<Rect>,
    /// PTS of the last buffer pushed, repeats included (output PTS stay strictly increasing).
    pushed: Option<u64>,
}

impl Playback {
    /// Runs until the shutdown flag asks playback to stop, then ends the output streams.
    pub fn run(mut self) -> PlaybackSummary {
        let mut summary = PlaybackSummary::default();
        let Some(first_pts) = self.wait_for_first_frame() else {
            self.finish(&mut summary);
            return summary;
        };
        let p = self.period_ns;
        // Ticks run from the first frame on; the first `delay` of them only fill the ring.
        let fill_ticks = self.delay_ns.div_ceil(p) as i64;
        let mut j: i64 = -fill_ticks;
        while !self.shutdown.playback_should_stop() {
            // Signed: during the fill ticks (j < 0) the shown time would precede the first frame.
            let deadline =
                (self.base_time as i64 + first_pts as i64 + self.delay_ns as i64 + j * p as i64)
                    .max(0) as u64;
            if !self.sleep_until(deadline) {
                break;
            }
            let now = monotonic_ns();
            let late = now.saturating_sub(deadline);
            self.stats.tick_late_ns.record(late);
            self.stats.ticks.incr();
            if late > p {
                self.stats.late_ticks.incr();
                let behind = late / p;
                if behind <= CATCH_UP_MAX {
                    // A short stall (scheduler, VM): output the frames whose ticks were missed,
                    // now, with their own PTS — the encoder's queue absorbs the burst and the
                    // recording and stream see no hole.
                    for _ in 0..behind {
                        let key = (j >= 0).then(|| first_pts + j as u64 * p + p / 2);
                        self.tick(key, now);
                        j += 1;
                    }
                } else {
                    // A long one: resume on the schedule at the current tick; the frames in
                    // between are skipped and counted.
                    j += behind as i64;
                }
            }
            let key = (j >= 0).then(|| first_pts + j as u64 * p + p / 2);
            self.tick(key, now);
            self.push_audio(key);
            j += 1;
            if self.shutdown.draining()
                && self.frames.is_empty()
                && self.ring.newest().is_none_or(|e| self.last_out.is_some_and(|l| e.pts <= l))
            {
                self.shutdown.set_drained();
            }
        }
        self.finish(&mut summary);
        summary
    }

    /// Sleeps until `deadline` in slices, so a stop request is seen within 100 ms whatever the
    /// schedule says. False when asked to stop.
    fn sleep_until(&self, deadline: u64) -> bool {
        loop {
            if self.shutdown.playback_should_stop() {
                return false;
            }
            let now = monotonic_ns();
            if now >= deadline {
                return true;
            }
            sleep_until(deadline.min(now + 100_000_000));
        }
    }

    fn wait_for_first_frame(&mut self) -> Option<u64> {
        loop {
            if self.shutdown.playback_should_stop() {
                return None;
            }
            if let Ok(msg) = self.frames.peek() {
                if msg.pts != pitchcam::core::time::CLOCK_TIME_NONE {
                    return Some(msg.pts);
                }
                // A frame without PTS cannot anchor the schedule; the ring refuses and counts it.
                let msg = self.frames.pop().expect("peeked");
                self.store(msg);
                continue;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Puts one frame into the ring; whatever leaves the ring goes to the reaper.
    fn store(&mut self, msg: FrameMsg) {
        match self.ring.push(msg.pts, msg.buf) {
            Push::Stored => {}
            Push::Evicted { pts, handle, stale } => self.evicted(pts, handle, stale),
            Push::Rejected { handle, .. } => {
                self.stats.ring_rejected.incr();
                self.release(handle);
            }
        }
    }

    fn evicted(&mut self, pts: u64, handle: Buffer, stale: bool) {
        if !stale && self.last_out.is_none_or(|l| pts > l) {
            self.stats.skipped.incr();
        }
        self.release(handle);
    }

    fn release(&mut self, buf: Buffer) {
        match self.reaper.push(buf) {
            Ok(()) => self.reaper_thread.unpark(),
            Err(rtrb::PushError::Full(buf)) => {
                self.stats.reaper_queue_full.incr();
                drop(buf);
            }
        }
    }

    fn tick(&mut self, key: Option<u64>, now: u64) {
        let _hot = HotSection::enter();
        while let Ok(msg) = self.frames.pop() {
            self.store(msg);
        }
        self.stats.ring_len.set(self.ring.len() as u64);
        while let Ok(obs) = self.observations.pop() {
            self.planner.push(&obs);
        }
        let Some(key) = key else { return };

        // The slot this tick shows: `first + j·P`.
        let slot = key - self.period_ns / 2;
        let Some(entry) = self.ring.at_or_before(key) else {
            self.stats.held.incr();
            self.repeat(slot);
            return;
        };
        let pts = entry.pts;
        if self.last_out.is_some_and(|l| pts <= l) {
            self.stats.held.incr();
            self.repeat(slot);
            return;
        }
        if let Some(l) = self.last_out {
            // Frames between the previous output and this one were passed over.
            let between =
                self.ring.range(l.saturating_add(1), pts.saturating_sub(1)).count() as u64;
            self.stats.skipped.add(between);
        }
        let frame = entry.handle.clone();

        let t_plan = monotonic_ns();
        let cam = self.planner.crop_at(pts);
        self.stats.plan_ns.record(monotonic_ns().saturating_sub(t_plan));
        // Best effort: the report loses a crop if the control thread falls far behind.
        // `obs_seen` (every observation handed to the planner so far) lets a replay feed the
        // planner the same batches.
        let c = self.planner.counters();
        let obs_seen = c.pushed + c.duplicates + c.invalid_pts;
        let _ = self.crop_log.push(crate::camera::PlayedCrop { cam, obs_seen });

        // Output to every view, or counted as a drop (not in `frames_out`): the report's
        // frames_out (+ frames_repeated) is then exactly what the recordings hold.
        if self.push_outputs(&frame, cam.rect, pts, true) {
            self.stats.frames_out.incr();
        }
        self.stats.delay_us.record(now.saturating_sub(self.base_time).saturating_sub(pts) / 1000);
        // The tick's scheduled time is its slot + delay (a late tick moved `j`, so not
        // necessarily the deadline it slept for).
        self.stats.sched_delay_us.record((slot + self.delay_ns).saturating_sub(pts) / 1000);
        self.last_out = Some(pts);
        self.hold.crop = Some(cam.rect);
        if let Some(old) = self.hold.frame.replace(frame) {
            self.release(old);
        }
    }

    /// A tick without a new frame: show the last one again at this tick's slot, unless the
    /// input has ended (a file playing out its tail stops on its last frame, no repeats).
    fn repeat(&mut self, slot: u64) {
        if self.shutdown.draining() {
            return;
        }
        let (Some(frame), Some(rect)) = (self.hold.frame.clone(), self.hold.crop) else { return };
        let pts = slot.max(self.hold.pushed.map_or(0, |p| p + 1));
        if self.push_outputs(&frame, rect, pts, false) {
            self.stats.frames_repeated.incr();
        }
        self.release(frame);
    }

    /// Pushes `frame` (cropped to `rect` for the virtual camera, whole for the panorama) with
    /// output PTS `pts`; true if every view took it (a failure is counted as a drop). `timed`
    /// records the transform's duration (not for repeats).
    fn push_outputs(&mut self, frame: &Buffer, rect: Rect, pts: u64, timed: bool) -> bool {
        self.hold.pushed = Some(pts);
        let mut shown = true;
        if let Some(out) = &self.vcam {
            let t_tr = monotonic_ns();
            match out.pool.acquire(false) {
                Ok(mut dst) => {
                    let ok = transform(
                        &mut self.scaler,
                        frame,
                        &self.frame_info,
                        rect,
                        &mut dst,
                        &out.info,
                    );
                    if timed {
                        self.stats.transform_ns.record(monotonic_ns().saturating_sub(t_tr));
                    }
                    if ok {
                        if let Some(b) = dst.get_mut() {
                            b.set_pts(Some(pts));
                            b.set_duration(Some(self.period_ns));
                        }
                        if out.appsrc.push_buffer(dst).is_err() {
                            self.stats.push_failed.incr();
                            shown = false;
                        }
                    } else {
                        self.stats.push_failed.incr();
                        shown = false;
                    }
                }
                Err(_) => {
                    self.stats.output_pool_exhausted.incr();
                    shown = false;
                }
            }
        }
        if let Some(pano) = &self.panorama {
            // The ring's frame itself, by reference: the panorama view costs no copy here.
            // A repeat, or a frame of a reopened source (whose own PTS are on its pipeline's
            // timeline), needs its output PTS set: a shallow copy (pixels shared) carries it.
            let buf = if frame.pts() == Some(pts) {
                frame.clone()
            } else {
                let mut c = frame.copy();
                if let Some(b) = c.get_mut() {
                    b.set_pts(Some(pts));
                    b.set_duration(Some(self.period_ns));
                }
                c
            };
            if pano.push_buffer(buf).is_err() {
                self.stats.push_failed.incr();
                shown = false;
            }
        }
        shown
    }

    /// Audio up to the end of this tick's frame, with the video's PTS base; before the first
    /// output frame the captured audio only fills its ring.
    fn push_audio(&mut self, key: Option<u64>) {
        let Some(a) = &mut self.audio else { return };
        let _hot = HotSection::enter();
        match (key, self.last_out) {
            (Some(key), Some(first)) => a.push_until(first, key + self.period_ns / 2),
            _ => a.drain(),
        }
    }

    fn finish(&mut self, summary: &mut PlaybackSummary) {
        if let Some(a) = &mut self.audio {
            a.finish();
        }
        if let Some(out) = &self.vcam {
            let _ = out.appsrc.end_of_stream();
        }
        if let Some(p) = &self.panorama {
            let _ = p.end_of_stream();
        }
        // Frames still in the window are the last `delay` of capture: by design not output.
        let mut left = 0;
        while let Ok(msg) = self.frames.pop() {
            drop(msg);
            left += 1;
        }
        let unplayed = match self.last_out {
            Some(l) => self.ring.iter().filter(|e| e.pts > l).count(),
            None => self.ring.len(),
        };
        summary.frames_in_window = unplayed as u64 + left;
        summary.ring = Some(self.ring.counters());
        if let Some(f) = self.hold.frame.take() {
            drop(f);
        }
        for (_, buf) in self.ring.drain() {
            drop(buf);
        }
        summary.cpu_ns = pitchcam::os::metrics::thread_cpu_time_ns();
    }
}

/// Crops `rect` out of `src` and scales it into `dst`. Returns false if either buffer cannot be
/// mapped as NV12 of its declared format.
fn transform(
    scaler: &mut CropScaler<MAX_OUT_W>,
    src: &Buffer,
    src_info: &VideoInfo,
    rect: Rect,
    dst: &mut Buffer,
    dst_info: &VideoInfo,
) -> bool {
    let Ok(sf) = src.map_video(src_info) else { return false };
    let Ok(sv) = sf.nv12() else { return false };
    let Some(db) = dst.get_mut() else { return false };
    let Ok(mut df) = db.map_video_mut(dst_info) else { return false };
    let Ok(mut dv) = df.nv12_mut() else { return false };
    scaler.scale(&sv, rect, &mut dv).is_ok()
}

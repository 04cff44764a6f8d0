//! The sim source thread: a synthetic match rendered straight into the ring's own pool buffers,
//! with detector tensors attached through the tensor meta, pushed into the capture appsrc at the
//! frame rate on absolute deadlines.
//!
//! Frames and tensor blocks both come from pools created once at start, and the renderer only
//! redraws what changed since a buffer was last used, so a 5700×1900 frame costs a few
//! milliseconds and no allocation.

use super::Shutdown;
use super::stats::EngineStats;
use pitchcam::alloc_count::HotSection;
use pitchcam::clock::{monotonic_ns, sleep_until};
use pitchcam::core::sim::Sim;
use pitchcam::core::sim::truth::Truth;
use pitchcam::core::time::frame_pts;
use pitchcam::gst::{AppSrc, BufferPool, VideoInfo};
use pitchcam::tensor_meta::{self, MAX_TENSORS, TensorDesc};
use std::sync::Arc;

/// Frame-buffer slots the renderer tracks (≥ the frame pool size).
pub const FRAME_SLOTS: usize = 2048;
/// Tensor-block slots the synthesiser tracks (≥ the tensor pool size).
pub const BLOCK_SLOTS: usize = 64;

/// Maps pool buffers (by identity) to slots. Pool buffers are recycled, so the same few hundred
/// pointers come back; a new pointer takes the next free slot. The table's storage is reserved
/// up front, so lookups and inserts never allocate.
struct SlotTable {
    ptrs: Vec<usize>,
}

impl SlotTable {
    fn with_capacity(n: usize) -> SlotTable {
        SlotTable { ptrs: Vec::with_capacity(n) }
    }

    fn slot(&mut self, ptr: usize) -> Option<usize> {
        if let Some(i) = self.ptrs.iter().position(|&p| p == ptr) {
            return Some(i);
        }
        if self.ptrs.len() < self.ptrs.capacity() {
            self.ptrs.push(ptr);
            return Some(self.ptrs.len() - 1);
        }
        None
    }
}

/// The sim thread's state.
pub struct SimSource {
    /// The capture pipeline's appsrc.
    pub appsrc: AppSrc,
    /// The ring's frame pool.
    pub pool: BufferPool,
    /// Frame format of the pool.
    pub info: VideoInfo,
    /// Tensor blocks.
    pub tensor_pool: BufferPool,
    /// The match, its renderer and its detector-output synthesiser.
    pub sim: Box<Sim<FRAME_SLOTS, BLOCK_SLOTS>>,
    /// Frame rate.
    pub fps: u32,
    /// The capture pipeline's base time.
    pub base_time: u64,

    /// The appsrc of each new capture pipeline when the source is reopened (`supervise.rs`).
    pub appsrc_updates: rtrb::Consumer<AppSrc>,
    /// Injected outages (`PITCHCAM_FAULT_SIM_OUTAGE`), in order.
    pub outages: Vec<Outage>,

    /// Ground truth of every frame, to the control thread (camera report).
    pub truth_log: rtrb::Producer<Truth>,
    /// Statistics.
    pub stats: Arc<EngineStats>,
    /// Run state.
    pub shutdown: Arc<Shutdown>,
    /// The match's sound (clicks at ball kicks), if the audio source is the sim.
    pub audio: Option<super::audio::SimAudio>,
}

impl SimSource {
    /// Produces frames until asked to stop, then ends the stream. Returns the thread's CPU time.
    pub fn run(mut self) -> u64 {
        let mut frame_slots = SlotTable::with_capacity(FRAME_SLOTS);
        let mut block_slots = SlotTable::with_capacity(BLOCK_SLOTS);
        self.prime(&mut frame_slots);
        self.shutdown.primed.store(true, std::sync::atomic::Ordering::Release);
        let period = frame_pts(1, self.fps, 1);
        // Frame 0 a little after now, so its deadline is never already past.
        let start_pts = monotonic_ns().saturating_sub(self.base_time) + 20_000_000;
        let mut k: u64 = 0;
        let mut announced = 0;
        while !self.shutdown.capture_should_stop() {
            let pts = start_pts + frame_pts(k, self.fps, 1);
            k += 1;
            sleep_until(self.base_time + pts);
            while let Ok(a) = self.appsrc_updates.pop() {
                self.appsrc = a;
            }
            let t = pts - start_pts;
            if let Some(i) = self.outages.iter().position(|o| o.covers(t)) {
                // The camera is gone: nothing is delivered, the match goes on.
                if self.outages[i].error && announced <= i {
                    let _ = self.appsrc.as_element().post_error(
                        "camera disconnected (injected by PITCHCAM_FAULT_SIM_OUTAGE)",
                        None,
                    );
                }
                announced = announced.max(i + 1);
                let _ = self.sim.game_mut().step();
                self.stats.sim_withheld.incr();
                continue;
            }
            let _hot = HotSection::enter();
            let t0 = monotonic_ns();
            if self.produce(pts, period, &mut frame_slots, &mut block_slots) {
                self.stats.sim_frames.incr();
            }
            self.stats.sim_ns.record(monotonic_ns().saturating_sub(t0));
        }
        let _ = self.appsrc.end_of_stream();
        if let Some(a) = &self.audio {
            a.finish();
        }
        pitchcam::os::metrics::thread_cpu_time_ns()
    }

    /// Paints every buffer of the frame pool once, before the first frame: page faults and the
    /// full background paint happen here, at start-up, not during the run (at 5700×1900 that is
    /// 16 MB per buffer — the first few hundred frames could not keep 30 fps otherwise).
    fn prime(&mut self, frames: &mut SlotTable) {
        let mut held = Vec::with_capacity(FRAME_SLOTS);
        while let Ok(mut buf) = self.pool.acquire(false) {
            if self.shutdown.capture_should_stop() {
                break;
            }
            if let (Some(slot), Some(b)) = (frames.slot(buf.as_ptr() as usize), buf.get_mut())
                && let Ok(mut vf) = b.map_video_mut(&self.info)
                && let Ok(mut nv) = vf.nv12_mut()
            {
                let _ = self.sim.prime_frame(slot, &mut nv);
            }
            held.push(buf);
        }
    }

    /// Renders and pushes one frame; false (and counted) when no buffer was free.
    fn produce(
        &mut self,
        pts: u64,
        period: u64,
        frames: &mut SlotTable,
        blocks: &mut SlotTable,
    ) -> bool {
        let (Ok(mut buf), Ok(mut tbuf)) =
            (self.pool.acquire(false), self.tensor_pool.acquire(false))
        else {
            // The match still advances: time does not stop for a camera without buffers.
            let _ = self.sim.game_mut().step();
            self.stats.pool_exhausted.incr();
            return false;
        };
        let (Some(fslot), Some(bslot)) =
            (frames.slot(buf.as_ptr() as usize), blocks.slot(tbuf.as_ptr() as usize))
        else {
            let _ = self.sim.game_mut().step();
            self.stats.pool_exhausted.incr();
            return false;
        };
        let (Some(b), Some(tb)) = (buf.get_mut(), tbuf.get_mut()) else { return false };
        let rendered = {
            let (Ok(mut vf), Ok(mut tmap)) = (b.map_video_mut(&self.info), tb.map_writable())
            else {
                return false;
            };
            let (Ok(mut nv), Ok(floats)) = (vf.nv12_mut(), tensor_meta::f32_view_mut(&mut tmap))
            else {
                return false;
            };
            self.sim.frame(fslot, &mut nv, bslot, floats)
        };
        let Ok((truth, tf)) = rendered else { return false };
        let descs: arrayvec::ArrayVec<TensorDesc, MAX_TENSORS> =
            tf.tiles().iter().take(MAX_TENSORS).map(TensorDesc::from).collect();
        if tensor_meta::attach(b, tbuf, &descs).is_err() {
            return false;
        }
        b.set_pts(Some(pts));
        b.set_duration(Some(period));
        if let Some(a) = &mut self.audio {
            a.frame(pts, period, truth.kick.is_foot());
        }
        let _ = self.truth_log.push(Truth { pts, ..truth });
        self.appsrc.push_buffer(buf).is_ok()
    }
}

/// One injected outage of the sim source: from `at_ns` after its first frame, for `for_ns`, the
/// sim delivers nothing (the match goes on); with `error`, it first posts an error, as a camera
/// that is unplugged does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    /// Start, ns after the first frame.
    pub at_ns: u64,
    /// Length, ns.
    pub for_ns: u64,
    /// Post an error on the source at the start.
    pub error: bool,
}

impl Outage {
    fn covers(&self, t: u64) -> bool {
        t >= self.at_ns && t < self.at_ns.saturating_add(self.for_ns)
    }
}

/// Environment variable of the sim's fault switch: `AT:FOR[:error][,AT:FOR[:error]…]`, seconds.
pub const OUTAGE_ENV: &str = "PITCHCAM_FAULT_SIM_OUTAGE";

/// Parses [`OUTAGE_ENV`]'s value (see there). Outages are returned sorted by start.
pub fn parse_outages(s: &str) -> Result<Vec<Outage>, String> {
    let bad = |part: &str| {
        format!("{OUTAGE_ENV}={s:?}: {part:?} is not AT:FOR[:error] (seconds, e.g. 10:3:error)")
    };
    let mut v = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut f = part.split(':');
        let secs = |x: Option<&str>| {
            x.and_then(|x| x.trim().parse::<f64>().ok())
                .filter(|x| x.is_finite() && *x >= 0.0 && *x < 1e6)
                .map(|x| (x * 1e9) as u64)
        };
        let (Some(at_ns), Some(for_ns)) = (secs(f.next()), secs(f.next())) else {
            return Err(bad(part));
        };
        let error = match f.next() {
            None => false,
            Some("error") => true,
            Some(_) => return Err(bad(part)),
        };
        if f.next().is_some() || for_ns == 0 {
            return Err(bad(part));
        }
        v.push(Outage { at_ns, for_ns, error });
    }
    v.sort_by_key(|o| o.at_ns);
    Ok(v)
}

/// The outages asked for in the environment (none when unset).
pub fn outages_from_env() -> Result<Vec<Outage>, String> {
    match std::env::var(OUTAGE_ENV) {
        Ok(s) => parse_outages(&s),
        Err(_) => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_parse() {
        let s = 1_000_000_000;
        assert_eq!(
            parse_outages("10:3:error, 2.5:1").unwrap(),
            [
                Outage { at_ns: 5 * s / 2, for_ns: s, error: false },
                Outage { at_ns: 10 * s, for_ns: 3 * s, error: true },
            ]
        );
        assert!(parse_outages("").unwrap().is_empty());
        for bad in ["10", "10:0", "a:b", "1:2:boom", "-1:2", "1:2:error:x", "1:inf"] {
            assert!(parse_outages(bad).is_err(), "{bad}");
        }
        let o = Outage { at_ns: 10, for_ns: 5, error: false };
        assert!(!o.covers(9) && o.covers(10) && o.covers(14) && !o.covers(15));
    }
}

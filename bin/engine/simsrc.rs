//! The sim source thread: a synthetic match rendered straight into the ring's own pool buffers,
//! with detector tensors attached through the tensor meta, pushed into the capture appsrc at the
//! frame rate on absolute deadlines.
//!
//! Frames and tensor blocks both come from pools created once at start, and the renderer only
//! redraws what changed since a buffer was last used, so a 5700×1900 frame costs a few
//! milliseconds and no allocation.

use super::stats::EngineStats;
use super::Shutdown;
use pitchcam::alloc_count::HotSection;
use pitchcam::clock::{monotonic_ns, sleep_until};
use pitchcam::core::sim::render::Renderer;
use pitchcam::core::sim::tensors::TensorSynth;
use pitchcam::core::sim::world::{Match, Truth};
use pitchcam::core::time::frame_pts;
use pitchcam::gst::{AppSrc, BufferPool, VideoInfo};
use pitchcam::tensor_meta;
use std::sync::Arc;

/// Buffer slots the renderer tracks (≥ the frame pool size).
pub const SLOTS: usize = 4096;

/// Maps pool buffers (by identity) to renderer slots. Pool buffers are recycled, so the same
/// few hundred pointers come back; a new pointer takes the next free slot.
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
    /// The match.
    pub world: Box<Match>,
    /// The renderer.
    pub renderer: Box<Renderer<SLOTS>>,
    /// The detector-output synthesiser.
    pub synth: Box<TensorSynth<SLOTS>>,
    /// Frame rate.
    pub fps: u32,
    /// The capture pipeline's base time.
    pub base_time: u64,
    /// Running time of frame 0.
    pub start_pts: u64,
    /// Ground truth of every frame, to the control thread (camera report).
    pub truth_log: rtrb::Producer<Truth>,
    /// Statistics.
    pub stats: Arc<EngineStats>,
    /// Run state.
    pub shutdown: Arc<Shutdown>,
}

impl SimSource {
    /// Produces frames until asked to stop, then ends the stream.
    pub fn run(mut self) -> u64 {
        let mut frame_slots = SlotTable::with_capacity(SLOTS);
        let mut tensor_slots = SlotTable::with_capacity(SLOTS);
        let mut k: u64 = 0;
        while !self.shutdown.capture_should_stop() {
            let pts = self.start_pts + frame_pts(k, self.fps, 1);
            sleep_until(self.base_time + pts);
            let _hot = HotSection::enter();
            let t0 = monotonic_ns();
            // The match advances even when no buffer is free: time does not stop for the camera.
            let truth = *self.world.step();
            k += 1;
            let Ok(mut buf) = self.pool.acquire(false) else {
                self.stats.pool_exhausted.incr();
                continue;
            };
            let Ok(mut tbuf) = self.tensor_pool.acquire(false) else {
                self.stats.pool_exhausted.incr();
                continue;
            };
            let (Some(slot), Some(tslot)) =
                (frame_slots.slot(buf.as_ptr() as usize), tensor_slots.slot(tbuf.as_ptr() as usize))
            else {
                self.stats.pool_exhausted.incr();
                continue;
            };
            {
                let Some(b) = buf.get_mut() else { continue };
                if let Ok(mut vf) = b.map_video_mut(&self.info) {
                    if let Ok(mut nv) = vf.nv12_mut() {
                        let _ = self.renderer.render(slot, &truth, &mut nv);
                    }
                }
            }
            let descs = {
                let Some(tb) = tbuf.get_mut() else { continue };
                let Ok(mut map) = tb.map_writable() else { continue };
                let Ok(floats) = tensor_meta::f32_view_mut(&mut map) else { continue };
                match self.synth.write(tslot, &truth, floats) {
                    Ok(d) => d,
                    Err(_) => continue,
                }
            };
            let Some(b) = buf.get_mut() else { continue };
            if tensor_meta::attach(b, tbuf, &descs).is_err() {
                continue;
            }
            b.set_pts(Some(pts));
            b.set_duration(Some(frame_pts(1, self.fps, 1)));
            self.stats.sim_ns.record(monotonic_ns().saturating_sub(t0));
            if self.appsrc.push_buffer(buf).is_ok() {
                self.stats.sim_frames.incr();
            }
            let _ = self.truth_log.push(truth);
        }
        let _ = self.appsrc.end_of_stream();
        pitchcam::os::metrics::thread_cpu_time_ns()
    }
}

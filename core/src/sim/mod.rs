//! The synthetic match: ground truth, NV12 rendering and detector tensors.
//!
//! pitchcam's own source of video when there is no camera: a football match simulated in pitch
//! metres ([`world::Match`]), seen through a panorama-like perspective ([`pitch::Pitch`]), rendered
//! into NV12 frame buffers ([`render::Renderer`]) and "detected" by a model of a YOLO11 head
//! ([`tensors::TensorSynth`]) whose raw output tensors have the layout, the overlapping candidates,
//! the jitter, the misses and the false positives of the real thing. The ground truth of every frame
//! ([`truth::Truth`]) is what the tracker and the virtual camera are evaluated against.
//!
//! Everything is deterministic for a seed and bit-identical across x86_64 and aarch64: the only
//! floating-point operations are IEEE basic arithmetic (Rust never fuses a multiply and an add into
//! an FMA unless asked to, so results cannot differ by contraction) and `libm`'s portable
//! implementations of `sqrt`, `sin`, `cos`, `atan2`, `floor`. Keep it so: a `mul_add`, a
//! platform intrinsic or a `std` float function would make the two targets diverge within frames.
//!
//! One frame on the engine's sim thread, with the bundle [`Sim`] (or drive [`world::Match`],
//! [`render::Renderer`] and [`tensors::TensorSynth`] yourself):
//!
//! ```
//! use pitchcam_core::geom::Size;
//! use pitchcam_core::image::Nv12Mut;
//! use pitchcam_core::sim::{Sim, SimConfig};
//!
//! let cfg = SimConfig { size: Size { w: 960, h: 320 }, ..SimConfig::default() };
//! // One slot per frame buffer of the pool (the engine's holds ~216) and one per tensor storage
//! // buffer: ~0.3 KB and ~1 KB of state per slot.
//! let mut sim = Box::new(Sim::<4, 2>::new(&cfg).unwrap());
//! let (mut y, mut uv) = (vec![0u8; 960 * 320], vec![0u8; 960 * 160]);
//! let mut block = vec![0f32; sim.block_len()]; // the frame's tensors, attached to it
//!
//! // Which pool buffers these are: only what was written there last time is redone.
//! let (frame_slot, block_slot) = (0, 0);
//! let mut frame = Nv12Mut::new(&mut y, 960, &mut uv, 960, 960, 320).unwrap();
//! let (truth, tensors) = sim.frame(frame_slot, &mut frame, block_slot, &mut block).unwrap();
//! assert_eq!(truth.frame, 0);
//! assert_eq!(tensors.tiles().len(), 3);
//! let t0 = tensors.tensor(0, &block).unwrap(); // a validated `detect::Tensor` view
//! assert_eq!((t0.rows(), t0.anchors()), (9, 8400));
//! ```

pub mod pitch;
pub mod render;
pub mod rng;
pub mod tensors;
pub mod truth;
pub mod world;

use crate::geom::Size;
use crate::image::Nv12Mut;
use render::{RenderError, Renderer};
use tensors::{SynthError, TensorFrame, TensorSynth};
use truth::Truth;
use world::Match;

/// Smallest panorama the simulator accepts (width, height).
pub const MIN_SIZE: Size = Size { w: 128, h: 64 };
/// Largest panorama the simulator accepts (width, height): dirty rectangles are stored as `u16`.
pub const MAX_SIZE: Size = Size { w: 16384, h: 8192 };
/// The most detector tiles a frame may need (`ceil(width / height)`).
pub const MAX_TILES: usize = 8;
/// Highest frame rate accepted.
pub const MAX_FPS: u32 = 240;

/// How imperfect the simulated detector is. Probabilities are per frame; jitters in network
/// (640×640 input) pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseConfig {
    /// Standard deviation of an object's box centre, network px (shared by all its candidates).
    /// Default 0.6.
    pub position_jitter: f32,
    /// Relative standard deviation of a box's width and height. Default 0.08.
    pub size_jitter: f32,
    /// Probability that a clearly visible, slow, ground-level ball is missed. Speed, height,
    /// small size and occlusion raise it (an occluded ball is missed ~85 % of the time). Default 0.04.
    pub ball_miss_rate: f32,
    /// Probability that a frame holds a single-frame false ball (a head, a sock, a line crossing).
    /// Default 0.04.
    pub false_ball_rate: f32,
    /// Whether the spare ball lying behind the left goal is detected as a ball (a persistent, static
    /// false ball, as every real ground has). Default `true`.
    pub static_false_ball: bool,
    /// Probability that a visible person is missed in a frame. Default 0.02.
    pub person_miss_rate: f32,
    /// Expected number of background anchors per tile and frame that score above 0.25 for a person
    /// class (the "few above" of a real head's background). Default 0.5.
    pub background_hits: f32,
}

impl Default for NoiseConfig {
    fn default() -> Self {
        NoiseConfig {
            position_jitter: 0.6,
            size_jitter: 0.08,
            ball_miss_rate: 0.04,
            false_ball_rate: 0.04,
            static_false_ball: true,
            person_miss_rate: 0.02,
            background_hits: 0.5,
        }
    }
}

/// Everything that defines a simulated match. Two runs with equal configs produce bit-identical
/// truth, pixels and tensors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimConfig {
    /// Seed of every random choice. Default 1.
    pub seed: u64,
    /// Panorama size, even width and height, width ≥ height. Default 5700×1900.
    pub size: Size,
    /// Frame rate (frames per second, integer). Default 30.
    pub fps: u32,
    /// Detector input: `true` (default) covers the panorama with `ceil(w / h)` overlapping square
    /// tiles of side `h`, each resized to 640×640, as pitchcam's DeepStream pipeline does; `false`
    /// letterboxes the whole panorama into one 640×640 input (a 15 px ball becomes ~2 px and is
    /// mostly missed — the reason tiles exist).
    pub tiles: bool,
    /// Detector imperfections.
    pub noise: NoiseConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            size: Size { w: 5700, h: 1900 },
            fps: 30,
            tiles: true,
            noise: NoiseConfig::default(),
        }
    }
}

/// Why a simulator configuration was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimError {
    /// Width or height below [`MIN_SIZE`].
    SizeTooSmall,
    /// Width or height above [`MAX_SIZE`].
    SizeTooLarge,
    /// Width or height is odd (NV12 subsamples chroma 2×2).
    OddSize,
    /// Height greater than width: the simulator draws a panorama.
    NotPanorama,
    /// `ceil(width / height)` exceeds [`MAX_TILES`].
    TooManyTiles,
    /// Frame rate 0.
    ZeroFps,
    /// Frame rate above [`MAX_FPS`].
    FpsTooHigh,
    /// A noise knob is not finite or outside its range; the field is named.
    BadNoise(&'static str),
}

impl core::fmt::Display for SimError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SimError::SizeTooSmall => {
                write!(f, "panorama smaller than {}x{}", MIN_SIZE.w, MIN_SIZE.h)
            }
            SimError::SizeTooLarge => {
                write!(f, "panorama larger than {}x{}", MAX_SIZE.w, MAX_SIZE.h)
            }
            SimError::OddSize => write!(f, "panorama width and height must be even (NV12)"),
            SimError::NotPanorama => write!(f, "panorama height exceeds its width"),
            SimError::TooManyTiles => {
                write!(f, "panorama wider than {MAX_TILES} times its height")
            }
            SimError::ZeroFps => write!(f, "frame rate is 0"),
            SimError::FpsTooHigh => write!(f, "frame rate above {MAX_FPS}"),
            SimError::BadNoise(k) => write!(f, "noise setting `{k}` is out of range or not finite"),
        }
    }
}

impl SimConfig {
    /// Checks every field; the first problem found is returned.
    pub fn validate(&self) -> Result<(), SimError> {
        let Size { w, h } = self.size;
        if w < MIN_SIZE.w || h < MIN_SIZE.h {
            return Err(SimError::SizeTooSmall);
        }
        if w > MAX_SIZE.w || h > MAX_SIZE.h {
            return Err(SimError::SizeTooLarge);
        }
        if w % 2 == 1 || h % 2 == 1 {
            return Err(SimError::OddSize);
        }
        if h > w {
            return Err(SimError::NotPanorama);
        }
        if w.div_ceil(h) as usize > MAX_TILES {
            return Err(SimError::TooManyTiles);
        }
        if self.fps == 0 {
            return Err(SimError::ZeroFps);
        }
        if self.fps > MAX_FPS {
            return Err(SimError::FpsTooHigh);
        }
        let n = &self.noise;
        let unit = |v: f32| v.is_finite() && (0.0..=1.0).contains(&v);
        if !(n.position_jitter.is_finite() && (0.0..=20.0).contains(&n.position_jitter)) {
            return Err(SimError::BadNoise("position_jitter"));
        }
        if !(n.size_jitter.is_finite() && (0.0..=0.5).contains(&n.size_jitter)) {
            return Err(SimError::BadNoise("size_jitter"));
        }
        if !unit(n.ball_miss_rate) {
            return Err(SimError::BadNoise("ball_miss_rate"));
        }
        if !unit(n.false_ball_rate) {
            return Err(SimError::BadNoise("false_ball_rate"));
        }
        if !unit(n.person_miss_rate) {
            return Err(SimError::BadNoise("person_miss_rate"));
        }
        if !(n.background_hits.is_finite() && (0.0..=50.0).contains(&n.background_hits)) {
            return Err(SimError::BadNoise("background_hits"));
        }
        Ok(())
    }
}

/// Why [`Sim::frame`] did nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The frame buffer or slot was refused.
    Render(RenderError),
    /// The tensor block or slot was refused.
    Tensors(SynthError),
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FrameError::Render(e) => write!(f, "{e}"),
            FrameError::Tensors(e) => write!(f, "{e}"),
        }
    }
}

/// The whole synthetic source: the match, its renderer for a pool of `FRAMES` frame buffers and its
/// detector for a pool of `BLOCKS` tensor storage buffers. ~0.3 KB per frame slot, ~1 KB per block
/// slot, ~3 KB besides; box it.
#[derive(Clone, Debug)]
pub struct Sim<const FRAMES: usize, const BLOCKS: usize> {
    game: Match,
    renderer: Renderer<FRAMES>,
    synth: TensorSynth<BLOCKS>,
}

impl<const FRAMES: usize, const BLOCKS: usize> Sim<FRAMES, BLOCKS> {
    /// A match at kick-off for `cfg`.
    pub fn new(cfg: &SimConfig) -> Result<Self, SimError> {
        Ok(Sim {
            game: Match::new(cfg)?,
            renderer: Renderer::new(cfg.size)?,
            synth: TensorSynth::new(cfg)?,
        })
    }

    /// Floats the tensor block of one frame holds.
    pub fn block_len(&self) -> usize {
        self.synth.block_len()
    }

    /// The match (statistics, perspective, the last truth).
    pub fn game(&self) -> &Match {
        &self.game
    }

    /// The match, mutably: a source that cannot deliver a frame (no free buffer) still steps it,
    /// so match time keeps pace with capture time.
    pub fn game_mut(&mut self) -> &mut Match {
        &mut self.game
    }

    /// The detector's tile layout.
    pub fn tiles(&self) -> &[tensors::TileDesc] {
        self.synth.tiles()
    }

    /// Forgets what frame slot `slot` holds (its buffer was replaced or written by someone else).
    pub fn invalidate_frame(&mut self, slot: usize) -> Result<(), RenderError> {
        self.renderer.invalidate(slot)
    }

    /// Paints frame slot `slot` completely (the current state of the match, without advancing
    /// it). A source calls this once per pool buffer at start-up, so the first frames of the
    /// run cost what every later frame costs instead of a full repaint each.
    pub fn prime_frame(&mut self, slot: usize, frame: &mut Nv12Mut<'_>) -> Result<(), RenderError> {
        self.renderer.invalidate(slot)?;
        let truth = *self.game.truth();
        self.renderer.render(slot, &truth, frame).map(|_| ())
    }

    /// Forgets what tensor block slot `slot` holds.
    pub fn invalidate_block(&mut self, slot: usize) -> Result<(), SynthError> {
        self.synth.invalidate(slot)
    }

    /// Produces the next frame: advances the match, draws it into `frame` (the buffer of frame
    /// slot `frame_slot`) and writes its detector tensors into `block` (tensor slot
    /// `block_slot`). Every argument is checked first: on an error nothing was advanced or
    /// written.
    pub fn frame(
        &mut self,
        frame_slot: usize,
        frame: &mut Nv12Mut<'_>,
        block_slot: usize,
        block: &mut [f32],
    ) -> Result<(Truth, TensorFrame), FrameError> {
        if frame_slot >= FRAMES {
            let e = RenderError::BadSlot { slot: frame_slot, slots: FRAMES };
            return Err(FrameError::Render(e));
        }
        if block_slot >= BLOCKS {
            let e = SynthError::BadSlot { slot: block_slot, slots: BLOCKS };
            return Err(FrameError::Tensors(e));
        }
        let got = Size { w: frame.width, h: frame.height };
        if got != self.renderer.size() {
            let expected = self.renderer.size();
            return Err(FrameError::Render(RenderError::SizeMismatch { expected, got }));
        }
        if block.len() != self.synth.block_len() {
            let expected = self.synth.block_len();
            return Err(FrameError::Tensors(SynthError::BlockSize { expected, got: block.len() }));
        }
        let truth = *self.game.step();
        self.renderer.render(frame_slot, &truth, frame).map_err(FrameError::Render)?;
        let out = self.synth.write(block_slot, &truth, block).map_err(FrameError::Tensors)?;
        Ok((truth, out))
    }
}

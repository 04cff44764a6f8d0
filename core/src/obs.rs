//! The per-frame summary the analysis thread hands to playback, and that the planner reads.
//!
//! An [`Observation`] is a small `Copy` value (no pointers), so it crosses an SPSC queue by value
//! and can be logged to disk and replayed (`pitchcam replay`) without the video.

use crate::geom::PointQ8;

/// How many raw ball candidates an observation keeps beside the tracker's choice, for the
/// look-ahead smoother's outlier rejection.
pub const MAX_BALL_CANDIDATES: usize = 4;

/// Where the tracker's ball position for a frame comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum BallState {
    /// A detection was accepted this frame.
    Measured = 0,
    /// No acceptable detection; position extrapolated from the motion model.
    Predicted = 1,
    /// Too long without a detection: the position is the last known one and not to be trusted.
    #[default]
    Lost = 2,
}

/// The forward tracker's ball estimate for one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BallEstimate {
    /// Position, Q8 panorama px.
    pub pos: PointQ8,
    /// Velocity, Q8 panorama px per second.
    pub vel: PointQ8,
    /// Confidence in Q0.16: the detection score when measured, decaying while predicted.
    pub confidence: u16,
    /// Measured, predicted or lost.
    pub state: BallState,
}

/// A raw ball-class detection, as the detector saw it (before the tracker's choice).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BallCandidate {
    /// Box centre, Q8 panorama px.
    pub pos: PointQ8,
    /// Score, Q0.16.
    pub score: u16,
}

/// Where the players are in one frame (referees and staff excluded), for framing and as the
/// fallback target when the ball is lost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PlayerSummary {
    /// Number of players and goalkeepers counted.
    pub count: u16,
    /// Mean of the box centres, Q8 panorama px (meaningless when `count == 0`).
    pub centroid: PointQ8,
    /// Standard deviation of the centres per axis, Q8 px.
    pub spread: PointQ8,
    /// Bounding box of all counted players, Q8 px: top-left.
    pub min: PointQ8,
    /// Bounding box of all counted players, Q8 px: bottom-right.
    pub max: PointQ8,
}

/// Everything the playback side knows about one captured frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Observation {
    /// The frame's capture PTS, ns.
    pub pts: u64,
    /// The forward tracker's ball estimate.
    pub ball: BallEstimate,
    /// Up to [`MAX_BALL_CANDIDATES`] raw ball detections, best first; `n_candidates` are valid.
    pub candidates: [BallCandidate; MAX_BALL_CANDIDATES],
    /// Valid entries in `candidates`.
    pub n_candidates: u8,
    /// Player summary.
    pub players: PlayerSummary,
}

impl Observation {
    /// The valid raw ball candidates.
    pub fn candidates(&self) -> &[BallCandidate] {
        &self.candidates[..(self.n_candidates as usize).min(MAX_BALL_CANDIDATES)]
    }
}

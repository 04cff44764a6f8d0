//! The ground truth of one frame: where the ball and everyone are, in panorama pixels, and what
//! happened. A [`Truth`] is a `Copy` value without pointers, so it can cross queues, be logged and
//! be compared bit for bit ([`Truth::digest`]).

use crate::detect::Class;

/// Capacity of [`Truth::people`].
pub const MAX_PEOPLE: usize = 32;

/// A team, or none (officials and staff).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Team {
    /// Attacks the right goal (`+x`). Red shirts.
    Home = 0,
    /// Attacks the left goal (`-x`). Light-blue shirts.
    Away = 1,
    /// Referees and staff.
    #[default]
    None = 2,
}

impl Team {
    pub(crate) fn from_index(i: u8) -> Team {
        match i {
            0 => Team::Home,
            1 => Team::Away,
            _ => Team::None,
        }
    }
}

/// A kick (or throw) that happened in a frame: the sim's audio marks these with clicks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum KickKind {
    /// No kick this frame.
    #[default]
    None = 0,
    /// A ground pass.
    Pass = 1,
    /// A lofted pass, cross or keeper's long distribution.
    LongBall = 2,
    /// A shot at goal.
    Shot = 3,
    /// A defender's lofted clearance.
    Clearance = 4,
    /// A throw-in (thrown, not kicked: an audio click generator may skip it).
    ThrowIn = 5,
    /// A corner kick.
    Corner = 6,
    /// A goal kick.
    GoalKick = 7,
    /// A kick-off from the centre spot.
    KickOff = 8,
}

impl KickKind {
    /// Whether the ball was struck with a foot (every kind except `None` and `ThrowIn`).
    pub fn is_foot(self) -> bool {
        !matches!(self, KickKind::None | KickKind::ThrowIn)
    }
}

/// How play restarts after the ball went out (or at the start, and after a goal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Restart {
    /// The ball crossed a touchline.
    ThrowIn = 0,
    /// The ball crossed a goal line, last touched by the defending team.
    Corner = 1,
    /// The ball crossed a goal line, last touched by the attacking team.
    GoalKick = 2,
    /// Start of the match or after a goal.
    KickOff = 3,
}

/// Whether the ball is in play.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Ball in play.
    #[default]
    Play,
    /// Ball out of play, waiting for this restart.
    Dead(Restart),
}

/// Something that happened to the ball in a frame (besides a kick).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Event {
    /// Nothing.
    #[default]
    None,
    /// The ball left the pitch; this restart follows.
    Out(Restart),
    /// A goal for this team.
    Goal(Team),
    /// The keeper saved a shot.
    Save,
    /// A defender took the ball off the carrier.
    Tackle,
    /// An opponent cut out a pass.
    Interception,
    /// A shot was blocked by a defender.
    Block,
}

/// One person's ground truth in a frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PersonTruth {
    /// Stable index `0..N_PEOPLE` (0–10 home with keeper 0, 11–21 away with keeper 11, 22 referee,
    /// 23–24 assistants, 25– staff).
    pub id: u8,
    /// Detector class.
    pub class: Class,
    /// Team, or `None` for officials and staff.
    pub team: Team,
    /// Position on the ground, pitch metres `(x, y)`.
    pub pitch: [f32; 2],
    /// Velocity, m/s.
    pub vel: [f32; 2],
    /// Box in panorama px: `[x1, y1, x2, y2]` (head top to feet, arms included).
    pub bbox: [f32; 4],
    /// Running-stride phase in `[0, 1)`, for the renderer's legs.
    pub stride: f32,
}

impl Default for PersonTruth {
    fn default() -> Self {
        PersonTruth {
            id: 0,
            class: Class::Player,
            team: Team::None,
            pitch: [0.0; 2],
            vel: [0.0; 2],
            bbox: [0.0; 4],
            stride: 0.0,
        }
    }
}

/// The ball's ground truth in a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BallTruth {
    /// Centre of the ball's image, panorama px.
    pub pos: [f32; 2],
    /// Image of the ground point under the ball (where its shadow falls), panorama px.
    pub ground: [f32; 2],
    /// Image velocity of `pos`, px/s (0 on the frame the ball is placed for a restart).
    pub vel: [f32; 2],
    /// Image radius, px.
    pub radius: f32,
    /// Motion during the exposure (half a frame), px: the renderer smears the ball along it.
    pub blur: [f32; 2],
    /// Ground position, pitch metres.
    pub pitch: [f32; 2],
    /// Height above the grass (bottom of the ball), m.
    pub z: f32,
    /// 3-D speed, m/s.
    pub speed: f32,
    /// In play (false from the frame it crosses a line until the restart kick).
    pub in_play: bool,
    /// Inside the panorama and not hidden behind a nearer person.
    pub visible: bool,
    /// The centre lies inside the panorama.
    pub in_frame: bool,
}

/// Everything true about one frame. `Copy`, ~1.5 KB, no pointers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Truth {
    /// Frame index, from 0.
    pub frame: u64,
    /// Presentation timestamp, ns (`frame / fps`).
    pub pts: u64,
    /// The ball.
    pub ball: BallTruth,
    /// A kick this frame.
    pub kick: KickKind,
    /// Another ball event this frame.
    pub event: Event,
    /// In play, or which restart is awaited.
    pub phase: Phase,
    /// The person with the ball at his feet or in his hands, if any.
    pub carrier: Option<u8>,
    /// Goals: home, away.
    pub score: [u8; 2],
    /// Everyone on and around the pitch; `n_people` are valid.
    pub people: [PersonTruth; MAX_PEOPLE],
    /// Valid entries in `people`.
    pub n_people: u8,
}

impl Default for Truth {
    fn default() -> Self {
        Truth {
            frame: 0,
            pts: 0,
            ball: BallTruth::default(),
            kick: KickKind::None,
            event: Event::None,
            phase: Phase::Play,
            carrier: None,
            score: [0; 2],
            people: [PersonTruth::default(); MAX_PEOPLE],
            n_people: 0,
        }
    }
}

impl Truth {
    /// The valid people.
    pub fn people(&self) -> &[PersonTruth] {
        &self.people[..(self.n_people as usize).min(MAX_PEOPLE)]
    }

    /// A 64-bit digest of every field, bit for bit (floats by their bits): equal digests across
    /// runs and machines mean identical truth.
    pub fn digest(&self) -> u64 {
        let mut h = Fnv::new();
        h.u64(self.frame);
        h.u64(self.pts);
        let b = &self.ball;
        for v in [
            b.pos[0],
            b.pos[1],
            b.ground[0],
            b.ground[1],
            b.vel[0],
            b.vel[1],
            b.radius,
            b.blur[0],
            b.blur[1],
            b.pitch[0],
            b.pitch[1],
            b.z,
            b.speed,
        ] {
            h.f32(v);
        }
        h.u64(b.in_play as u64 | (b.visible as u64) << 1 | (b.in_frame as u64) << 2);
        h.u64(self.kick as u64);
        h.u64(match self.event {
            Event::None => 0,
            Event::Out(r) => 16 + r as u64,
            Event::Goal(t) => 32 + t as u64,
            Event::Save => 48,
            Event::Tackle => 49,
            Event::Interception => 50,
            Event::Block => 51,
        });
        h.u64(match self.phase {
            Phase::Play => 0,
            Phase::Dead(r) => 1 + r as u64,
        });
        h.u64(self.carrier.map_or(u64::MAX, |c| c as u64));
        h.u64(self.score[0] as u64 | (self.score[1] as u64) << 8);
        for p in self.people() {
            h.u64(p.id as u64 | (p.class as u64) << 8 | (p.team as u64) << 16);
            for v in [
                p.pitch[0], p.pitch[1], p.vel[0], p.vel[1], p.bbox[0], p.bbox[1], p.bbox[2],
                p.bbox[3], p.stride,
            ] {
                h.f32(v);
            }
        }
        h.0
    }
}

/// FNV-1a over 64-bit words.
struct Fnv(u64);
impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn u64(&mut self, v: u64) {
        for i in 0..8 {
            self.0 ^= (v >> (8 * i)) & 0xff;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn f32(&mut self, v: f32) {
        self.u64(v.to_bits() as u64);
    }
}

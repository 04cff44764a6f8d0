//! The match model: 22 players, 3 referees and 4 bench staff moving in pitch metres, a ball with
//! passes, long balls, shots, dribbles, tackles and out-of-play restarts, and the per-frame ground
//! truth in panorama pixels.
//!
//! The model is a small rule-based football brain, cheap enough to run inside the frame period
//! with O(people) work per frame (a carrier's decision, a few times a second, is O(players²) =
//! 121 distance checks):
//!
//! * **shape** — each team holds a formation (4-4-2 home, 4-3-3 away) that slides with the ball,
//!   pushes up and widens in possession, drops and narrows out of it; attackers make runs;
//! * **press** — the nearest defender presses the ball carrier goal-side, the second covers; for a
//!   loose ball the nearest player of each team chases it; the intended receiver of a pass runs to
//!   intercept it;
//! * **carrier** — dribbles (the ball stays at his feet with touches), then passes (ground or
//!   lofted, to the most open forward option), crosses, clears or shoots; an opponent close by may
//!   tackle; passes may be intercepted;
//! * **keeper** — stays on the line between ball and goal, dives at shots (saves by speed), catches
//!   or parries, distributes;
//! * **restarts** — the ball crossing a line goes on rolling to rest (it is out of play), the taker
//!   walks to the spot, the ball is placed and played: throw-in, corner, goal kick, and kick-off
//!   after a goal;
//! * **officials** — the referee follows play on a diagonal, the assistants hold the offside line
//!   of their half along the touchlines; the staff pace in front of the benches.
//!
//! Movement is bounded: players accelerate at most 5 m/s² and run at most 7.4–8.2 m/s (each has his
//! own top speed). Not modelled: fouls and free kicks, offside, substitutions, half time.

use super::pitch::{
    BALL_DIAMETER, BALL_MAX_X, BALL_MAX_Y, BALL_MIN_Y, BOX_DEPTH, BOX_HALF_WIDTH, GOAL_DEPTH,
    GOAL_HALF_WIDTH, GOAL_HEIGHT, HALF_LENGTH, MID_Y, Pitch, WIDTH,
};
use super::rng::Rng;
use super::{SimConfig, SimError};
use crate::detect::Class;
use crate::time::frame_pts;
use core::ops::{Add, AddAssign, Mul, MulAssign, Sub};

/// Capacity of [`Truth::people`].
pub const MAX_PEOPLE: usize = 32;
/// People on and around the pitch: 22 players, 3 referees, 4 staff.
pub const N_PEOPLE: usize = 29;
const N_PLAYERS: usize = 22;
const REFEREE: usize = 22;
const AR_FAR: usize = 23;
const AR_NEAR: usize = 24;
const STAFF0: usize = 25;

/// Gravity, m/s².
const G: f32 = 9.81;
/// Largest change of a person's velocity per second, m/s².
pub const MAX_ACCEL: f32 = 5.0;
/// Highest top speed any person can have, m/s.
pub const MAX_SPEED: f32 = 8.2;
/// Air drag of the ball in flight, 1/m (horizontal speed decays as `k v²`).
const AIR_DRAG: f32 = 0.008;
/// The area people stay in (boards and the image bottom), m.
const PERSON_MAX_X: f32 = 56.0;
const PERSON_MIN_Y: f32 = -3.6;
const PERSON_MAX_Y: f32 = 70.5;
/// Longest a restart may wait for its taker before it is forced, s.
const RESTART_WATCHDOG: f32 = 20.0;

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
    fn from_index(i: u8) -> Team {
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

/// Running counts of what happened in the match.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatchStats {
    /// Every kick or throw.
    pub kicks: u32,
    /// Ground passes.
    pub passes: u32,
    /// Lofted passes and crosses.
    pub long_balls: u32,
    /// Shots.
    pub shots: u32,
    /// Clearances.
    pub clearances: u32,
    /// Goals.
    pub goals: u32,
    /// Keeper saves.
    pub saves: u32,
    /// Shots blocked by defenders.
    pub blocks: u32,
    /// Tackles won.
    pub tackles: u32,
    /// Passes intercepted.
    pub interceptions: u32,
    /// Times the ball left the pitch (goals excluded).
    pub outs: u32,
    /// Throw-ins taken.
    pub throw_ins: u32,
    /// Corners taken.
    pub corners: u32,
    /// Goal kicks taken.
    pub goal_kicks: u32,
    /// Kick-offs taken (the first one included).
    pub kick_offs: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct V2 {
    x: f32,
    y: f32,
}

impl V2 {
    const ZERO: V2 = V2 { x: 0.0, y: 0.0 };
    const fn new(x: f32, y: f32) -> V2 {
        V2 { x, y }
    }
    fn len(self) -> f32 {
        libm::sqrtf(self.x * self.x + self.y * self.y)
    }
    fn dist(self, o: V2) -> f32 {
        (self - o).len()
    }
    fn norm(self) -> V2 {
        let l = self.len();
        if l > 1e-6 { self * (1.0 / l) } else { V2::ZERO }
    }
    fn rotate(self, a: f32) -> V2 {
        let (s, c) = (libm::sinf(a), libm::cosf(a));
        V2::new(self.x * c - self.y * s, self.x * s + self.y * c)
    }
    fn clamp_len(self, max: f32) -> V2 {
        let l = self.len();
        if l > max { self * (max / l) } else { self }
    }
}

impl Add for V2 {
    type Output = V2;
    fn add(self, o: V2) -> V2 {
        V2::new(self.x + o.x, self.y + o.y)
    }
}
impl Sub for V2 {
    type Output = V2;
    fn sub(self, o: V2) -> V2 {
        V2::new(self.x - o.x, self.y - o.y)
    }
}
impl Mul<f32> for V2 {
    type Output = V2;
    fn mul(self, k: f32) -> V2 {
        V2::new(self.x * k, self.y * k)
    }
}
impl MulAssign<f32> for V2 {
    fn mul_assign(&mut self, k: f32) {
        self.x *= k;
        self.y *= k;
    }
}
impl AddAssign for V2 {
    fn add_assign(&mut self, o: V2) {
        self.x += o.x;
        self.y += o.y;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Keeper,
    Defender,
    Midfielder,
    Forward,
    Referee,
    Assistant,
    Staff,
}

#[derive(Clone, Copy, Debug)]
struct Agent {
    role: Role,
    /// 0 home, 1 away, 2 none.
    team: u8,
    pos: V2,
    vel: V2,
    facing: V2,
    target: V2,
    /// Speed wanted this frame, m/s.
    speed: f32,
    max_speed: f32,
    /// Formation slot: depth in the team's block (0 back line … 1 front) and `y`, m.
    slot: V2,
    /// Current off-the-ball run (or set-piece position) offset, m.
    run: V2,
    run_timer: f32,
    stride: f32,
    height: f32,
    /// Time left before this person may touch the ball again, s.
    cooldown: f32,
}

impl Agent {
    const fn idle() -> Agent {
        Agent {
            role: Role::Staff,
            team: 2,
            pos: V2::ZERO,
            vel: V2::ZERO,
            facing: V2::new(0.0, 1.0),
            target: V2::ZERO,
            speed: 0.0,
            max_speed: 3.0,
            slot: V2::ZERO,
            run: V2::ZERO,
            run_timer: 0.0,
            stride: 0.0,
            height: 1.8,
            cooldown: 0.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// At a player's feet (or in the keeper's hands).
    Held(u8),
    /// Rolling or flying.
    Free,
    /// Placed at a restart spot, waiting for the kick.
    Placed,
}

#[derive(Clone, Copy, Debug)]
struct Ball {
    pos: V2,
    z: f32,
    vel: V2,
    vz: f32,
    mode: Mode,
    receiver: Option<u8>,
    /// The current flight is a shot (the keeper may save it).
    shot: bool,
    save_rolled: bool,
    /// Team of the last player to touch it.
    last_touch: u8,
    /// Dribble touch phase.
    touch: f32,
    /// Crossed the goal line between the posts: stopped by the net.
    in_net: bool,
    /// Moved by hand this frame (no image velocity).
    teleported: bool,
}

#[derive(Clone, Copy, Debug)]
struct Dead {
    restart: Restart,
    /// Team taking the restart.
    team: u8,
    spot: V2,
    taker: u8,
    timer: f32,
    /// Minimum time before the ball is placed.
    wait: f32,
    /// `timer` when the ball was placed.
    placed_at: Option<f32>,
}

#[derive(Clone, Copy, Debug)]
enum State {
    Play,
    Dead(Dead),
}

/// Formation slots (depth 0..1 in the team block, y m), outfield players 1..=10.
const HOME_442: [(f32, f32); 10] = [
    (0.0, 10.0),
    (0.0, 26.0),
    (0.0, 42.0),
    (0.0, 58.0),
    (0.42, 10.0),
    (0.45, 27.0),
    (0.45, 41.0),
    (0.42, 58.0),
    (0.88, 27.0),
    (0.88, 41.0),
];
const AWAY_433: [(f32, f32); 10] = [
    (0.0, 10.0),
    (0.0, 26.0),
    (0.0, 42.0),
    (0.0, 58.0),
    (0.4, 20.0),
    (0.33, 34.0),
    (0.4, 48.0),
    (0.85, 12.0),
    (0.92, 34.0),
    (0.85, 56.0),
];

/// The simulated match. Create with [`Match::new`], advance with [`Match::step`].
#[derive(Clone, Debug)]
pub struct Match {
    pitch: Pitch,
    fps: u32,
    dt: f32,
    /// Per-frame blend factor of the dribbled ball towards the carrier's feet.
    follow: f32,
    rng: Rng,
    frame: u64,
    started: bool,
    agents: [Agent; N_PEOPLE],
    ball: Ball,
    state: State,
    /// Time left before the carrier decides what to do with the ball.
    hold_timer: f32,
    score: [u8; 2],
    kick: KickKind,
    event: Event,
    stats: MatchStats,
    prev_ball_px: [f32; 2],
    /// Per attacking team, the offside line in that team's frame (`dir · x` of the second-last
    /// opponent), refreshed every frame.
    offside: [f32; 2],
    truth: Truth,
}

fn dir(team: u8) -> f32 {
    if team == 0 { 1.0 } else { -1.0 }
}

fn team_range(team: u8) -> core::ops::Range<usize> {
    if team == 0 { 0..11 } else { 11..22 }
}

fn keeper(team: u8) -> usize {
    if team == 0 { 0 } else { 11 }
}

fn opp_goal(team: u8) -> V2 {
    V2::new(dir(team) * HALF_LENGTH, MID_Y)
}

fn own_goal(team: u8) -> V2 {
    V2::new(-dir(team) * HALF_LENGTH, MID_Y)
}

/// Distance from `p` to the segment `a`–`b`.
fn seg_dist(p: V2, a: V2, b: V2) -> f32 {
    let ab = b - a;
    let l2 = ab.x * ab.x + ab.y * ab.y;
    let t = if l2 > 1e-9 {
        (((p.x - a.x) * ab.x + (p.y - a.y) * ab.y) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    p.dist(a + ab * t)
}

impl Match {
    /// A match at kick-off, for a validated `cfg`.
    pub fn new(cfg: &SimConfig) -> Result<Match, SimError> {
        cfg.validate()?;
        let dt = 1.0 / cfg.fps as f32;
        let mut rng = Rng::new(cfg.seed);
        let mut agents = [Agent::idle(); N_PEOPLE];
        for (i, a) in agents.iter_mut().enumerate().take(N_PLAYERS) {
            let team = if i < 11 { 0 } else { 1 };
            let k = i % 11;
            a.team = team;
            a.height = rng.range(1.72, 1.94);
            a.max_speed = rng.range(7.4, MAX_SPEED);
            if k == 0 {
                a.role = Role::Keeper;
                a.height = rng.range(1.86, 1.98);
                a.max_speed = rng.range(6.8, 7.4);
            } else {
                let (d, y) = if team == 0 { HOME_442[k - 1] } else { AWAY_433[k - 1] };
                a.slot = V2::new(d, y);
                a.role = match (team, k) {
                    (_, 1..=4) => Role::Defender,
                    (0, 5..=8) | (1, 5..=7) => Role::Midfielder,
                    _ => Role::Forward,
                };
            }
        }
        agents[REFEREE].role = Role::Referee;
        agents[REFEREE].max_speed = 7.0;
        for i in [AR_FAR, AR_NEAR] {
            agents[i].role = Role::Assistant;
            agents[i].max_speed = 6.8;
        }
        for a in &mut agents[STAFF0..] {
            a.role = Role::Staff;
            a.max_speed = 2.5;
            a.height = rng.range(1.7, 1.9);
        }
        let mut m = Match {
            pitch: Pitch::new(cfg.size),
            fps: cfg.fps,
            dt,
            follow: 1.0 - libm::expf(-20.0 * dt),
            rng,
            frame: 0,
            started: false,
            agents,
            ball: Ball {
                pos: V2::new(0.0, MID_Y),
                z: 0.0,
                vel: V2::ZERO,
                vz: 0.0,
                mode: Mode::Placed,
                receiver: None,
                shot: false,
                save_rolled: false,
                last_touch: 0,
                touch: 0.0,
                in_net: false,
                teleported: true,
            },
            state: State::Play,
            hold_timer: 0.0,
            score: [0; 2],
            kick: KickKind::None,
            event: Event::None,
            stats: MatchStats::default(),
            prev_ball_px: [0.0; 2],
            offside: [0.0; 2],
            truth: Truth::default(),
        };
        m.enter_dead(Restart::KickOff, 0, V2::new(0.0, MID_Y), 1.5);
        m.ball.teleported = true;
        // Everyone starts where the kick-off wants him.
        m.tactics();
        for a in &mut m.agents {
            a.pos = a.target;
        }
        for (k, a) in m.agents[STAFF0..].iter_mut().enumerate() {
            let x = [-9.0, -5.5, 5.5, 9.0][k];
            a.pos = V2::new(x, -2.6 - 0.3 * (k % 2) as f32);
            a.target = a.pos;
        }
        Ok(m)
    }

    /// The perspective this match is seen through.
    pub fn pitch(&self) -> &Pitch {
        &self.pitch
    }

    /// Counts of what happened so far.
    pub fn stats(&self) -> &MatchStats {
        &self.stats
    }

    /// The truth of the last frame returned by [`Match::step`] (a default value before the first).
    pub fn truth(&self) -> &Truth {
        &self.truth
    }

    /// Advances one frame and returns its truth. The first call returns frame 0 (the kick-off
    /// position). O(people), no allocation.
    pub fn step(&mut self) -> &Truth {
        self.kick = KickKind::None;
        self.event = Event::None;
        if self.started {
            self.ball.teleported = false;
            self.advance();
        }
        self.build_truth();
        self.started = true;
        self.frame += 1;
        &self.truth
    }

    fn advance(&mut self) {
        let dt = self.dt;
        match self.state {
            State::Play => self.play_decisions(),
            State::Dead(_) => self.dead_step(),
        }
        self.tactics();
        for a in &mut self.agents {
            let to = a.target - a.pos;
            let d = to.len();
            // Arrive: never faster than what can still brake to a stop at the target.
            let brake = libm::sqrtf(2.0 * 0.8 * MAX_ACCEL * d);
            let want = a.speed.min(d * 1.8).min(brake);
            let desired = to.norm() * want;
            let dv = (desired - a.vel).clamp_len(MAX_ACCEL * dt);
            a.vel = (a.vel + dv).clamp_len(a.max_speed);
            a.pos += a.vel * dt;
            // The boards: nobody leaves the area the panorama shows.
            let (px, py) = (
                a.pos.x.clamp(-PERSON_MAX_X, PERSON_MAX_X),
                a.pos.y.clamp(PERSON_MIN_Y, PERSON_MAX_Y),
            );
            if px != a.pos.x {
                a.pos.x = px;
                a.vel.x = 0.0;
            }
            if py != a.pos.y {
                a.pos.y = py;
                a.vel.y = 0.0;
            }
            let s = a.vel.len();
            a.stride += s * dt / 1.9;
            a.stride -= libm::floorf(a.stride);
            if s > 0.3 {
                a.facing = a.vel * (1.0 / s);
            }
            a.cooldown = libm::fmaxf(a.cooldown - dt, 0.0);
            a.run_timer -= dt;
        }
        self.ball_step();
    }

    // ---- decisions -------------------------------------------------------------------------

    fn play_decisions(&mut self) {
        let dt = self.dt;
        // Refresh off-the-ball runs.
        for i in 0..N_PLAYERS {
            if self.agents[i].run_timer <= 0.0 {
                let role = self.agents[i].role;
                let fwd = match role {
                    Role::Forward => self.rng.range(-3.0, 10.0),
                    Role::Midfielder => self.rng.range(-5.0, 7.0),
                    _ => self.rng.range(-3.0, 3.0),
                };
                let lat = self.rng.range(-7.0, 7.0);
                let a = &mut self.agents[i];
                a.run = V2::new(fwd, lat);
                a.run_timer = self.rng.range(2.0, 5.0);
            }
        }
        if let Mode::Held(c) = self.ball.mode {
            let c = c as usize;
            let team = self.agents[c].team;
            // A tackle from the nearest opponent.
            if self.agents[c].role != Role::Keeper
                && let Some((o, d)) = self.nearest(1 - team, self.ball.pos, true)
                && d < 1.1
                && self.agents[o].cooldown <= 0.0
                && self.rng.chance(0.6 * dt)
            {
                self.event = Event::Tackle;
                self.stats.tackles += 1;
                self.agents[c].cooldown = 0.7;
                self.ball.last_touch = 1 - team;
                if self.rng.chance(0.55) {
                    self.take(o);
                } else {
                    let a = self.rng.range(0.0, core::f32::consts::TAU);
                    self.ball.vel = self.agents[c].vel * 0.5
                        + V2::new(libm::cosf(a), libm::sinf(a)) * self.rng.range(3.0, 8.0);
                    self.ball.vz = self.rng.range(0.0, 1.5);
                    self.ball.mode = Mode::Free;
                    self.ball.receiver = None;
                    self.agents[o].cooldown = 0.3;
                }
                return;
            }
            self.hold_timer -= dt;
            let p = self.agents[c].pos;
            if self.agents[c].role != Role::Keeper
                && dir(team) * p.x > HALF_LENGTH - BOX_DEPTH - 2.0
                && libm::fabsf(p.y - MID_Y) < BOX_HALF_WIDTH
            {
                // In the box nobody dribbles on for long.
                self.hold_timer = self.hold_timer.min(0.3);
            }
            let pressure = self.nearest(1 - team, self.agents[c].pos, false).map_or(99.0, |p| p.1);
            if self.hold_timer <= 0.0 || (pressure < 1.5 && self.rng.chance(0.8 * dt)) {
                self.decide(c, pressure);
            }
        }
    }

    /// The nearest player of `team` to `p` (keeper excluded when `outfield`), with the distance.
    fn nearest(&self, team: u8, p: V2, outfield: bool) -> Option<(usize, f32)> {
        let mut best = None;
        let mut bd = f32::INFINITY;
        for i in team_range(team) {
            if outfield && self.agents[i].role == Role::Keeper {
                continue;
            }
            let d = self.agents[i].pos.dist(p);
            if d < bd {
                bd = d;
                best = Some(i);
            }
        }
        best.map(|i| (i, bd))
    }

    /// Gives the ball to `i` (control).
    fn take(&mut self, i: usize) {
        let team = self.agents[i].team;
        self.ball.mode = Mode::Held(i as u8);
        self.ball.receiver = None;
        self.ball.shot = false;
        self.ball.last_touch = team;
        self.hold_timer = if self.agents[i].role == Role::Keeper {
            self.rng.range(1.5, 4.0)
        } else {
            self.rng.range(0.6, 3.0)
        };
    }

    /// The carrier `c` decides: shoot, cross, clear, pass or dribble on.
    fn decide(&mut self, c: usize, pressure: f32) {
        let a = self.agents[c];
        let team = a.team;
        let d = dir(team);
        let f = d * a.pos.x;
        let goal = opp_goal(team);
        let d_goal = a.pos.dist(goal);
        if a.role == Role::Keeper {
            if self.rng.chance(0.55)
                && let Some(r) = self.pick_receiver(c, 25.0, 70.0, true)
            {
                let t = self.rng.range(2.4, 3.1);
                self.kick_lofted(c, self.lead(r, 2.5), Some(r), KickKind::LongBall, t, 0.0);
                return;
            }
            if let Some(r) = self.pick_receiver(c, 6.0, 35.0, false) {
                self.pass_ground(c, r, KickKind::Pass, pressure);
            } else {
                let t = self.rng.range(2.4, 3.1);
                let p = V2::new(0.0, self.rng.range(15.0, 53.0));
                self.kick_lofted(c, p, None, KickKind::LongBall, t, 0.0);
            }
            return;
        }
        let central = libm::fabsf(a.pos.y - MID_Y) < 22.0;
        if f > 30.0 && d_goal < 32.0 && central {
            let p = ((30.0 - d_goal) / 24.0).clamp(0.08, 0.7);
            if self.rng.chance(p) {
                self.shoot(c);
                return;
            }
        }
        if f > 30.0 && !central && self.rng.chance(0.5) {
            // Cross to the attacker best placed in the box.
            let spot = V2::new(d * (HALF_LENGTH - self.rng.range(6.0, 12.0)), MID_Y);
            let mut best = None;
            let mut bd = f32::INFINITY;
            for j in team_range(team) {
                if j != c && self.agents[j].role != Role::Keeper {
                    let dd = self.agents[j].pos.dist(spot);
                    if dd < bd {
                        bd = dd;
                        best = Some(j);
                    }
                }
            }
            if let Some(r) = best {
                let target = V2::new(spot.x, MID_Y + self.rng.gauss() * 5.0);
                let t = self.rng.range(1.3, 1.9);
                self.kick_lofted(c, target, Some(r), KickKind::LongBall, t, 0.0);
                return;
            }
        }
        if f < -25.0 && pressure < 3.0 && self.rng.chance(0.4) {
            let target = V2::new(d * self.rng.range(-12.0, 12.0), self.rng.range(8.0, 60.0));
            let r = self.nearest(team, target, true).map(|p| p.0);
            let t = self.rng.range(2.6, 3.4);
            self.kick_lofted(c, target, r, KickKind::Clearance, t, 0.0);
            return;
        }
        match self.pick_receiver(c, 7.0, 45.0, false) {
            Some(r) => {
                let dist = a.pos.dist(self.agents[r].pos);
                let lane = self.lane_clearance(team, a.pos, self.agents[r].pos);
                if dist > 32.0 || (lane < 1.0 && dist > 20.0) {
                    let t = (0.9 + dist / 22.0).clamp(1.3, 3.0);
                    self.kick_lofted(c, self.lead(r, t), Some(r), KickKind::LongBall, t, 0.0);
                } else {
                    self.pass_ground(c, r, KickKind::Pass, pressure);
                }
            }
            None => self.hold_timer = self.rng.range(0.4, 1.0),
        }
    }

    /// Smallest distance of an opponent of `team` to the segment `a`–`b`.
    fn lane_clearance(&self, team: u8, a: V2, b: V2) -> f32 {
        let mut m = f32::INFINITY;
        for o in team_range(1 - team) {
            m = libm::fminf(m, seg_dist(self.agents[o].pos, a, b));
        }
        m
    }

    /// The best teammate of `c` between `min` and `max` metres away: forward, open, with a clear
    /// lane, plus some randomness. `far` prefers midfielders and forwards.
    fn pick_receiver(&mut self, c: usize, min: f32, max: f32, far: bool) -> Option<usize> {
        let a = self.agents[c];
        let team = a.team;
        let d = dir(team);
        let mut best = None;
        let mut bs = f32::NEG_INFINITY;
        for j in team_range(team) {
            if j == c || self.agents[j].role == Role::Keeper {
                continue;
            }
            let p = self.agents[j].pos;
            let dist = a.pos.dist(p);
            if dist < min || dist > max {
                continue;
            }
            let forward = d * (p.x - a.pos.x);
            let mut open = f32::INFINITY;
            for o in team_range(1 - team) {
                open = libm::fminf(open, self.agents[o].pos.dist(p));
            }
            let lane = self.lane_clearance(team, a.pos, p);
            let mut s =
                0.04 * forward + 0.4 * libm::fminf(open, 8.0) + 0.2 * libm::fminf(lane, 6.0)
                    - 0.06 * dist
                    + self.rng.range(0.0, 1.8);
            if far && self.agents[j].role == Role::Defender {
                s -= 2.0;
            }
            if s > bs {
                bs = s;
                best = Some(j);
            }
        }
        best
    }

    /// Where receiver `r` will be in `t` seconds if he keeps running.
    fn lead(&self, r: usize, t: f32) -> V2 {
        let a = &self.agents[r];
        a.pos + a.vel * (0.6 * t)
    }

    fn strike(&mut self, c: usize, kind: KickKind) {
        self.kick = kind;
        self.stats.kicks += 1;
        match kind {
            KickKind::Pass => self.stats.passes += 1,
            KickKind::LongBall => self.stats.long_balls += 1,
            KickKind::Shot => self.stats.shots += 1,
            KickKind::Clearance => self.stats.clearances += 1,
            KickKind::ThrowIn => self.stats.throw_ins += 1,
            KickKind::Corner => self.stats.corners += 1,
            KickKind::GoalKick => self.stats.goal_kicks += 1,
            KickKind::KickOff => self.stats.kick_offs += 1,
            KickKind::None => {}
        }
        self.ball.mode = Mode::Free;
        self.ball.shot = false;
        self.ball.save_rolled = false;
        self.ball.last_touch = self.agents[c].team;
        self.agents[c].cooldown = 0.35;
    }

    fn pass_ground(&mut self, c: usize, r: usize, kind: KickKind, pressure: f32) {
        let from = self.ball.pos;
        let est = from.dist(self.agents[r].pos) / 12.0;
        let target = self.lead(r, est);
        let dist = from.dist(target);
        let arrive = self.rng.range(4.0, 7.5);
        // Rolling deceleration is 1 + 0.012 v² m/s²; solve for the launch speed that arrives with
        // `arrive` m/s after `dist` metres.
        let v0 =
            libm::sqrtf(((1.0 + 0.012 * arrive * arrive) * libm::expf(0.024 * dist) - 1.0) / 0.012)
                .clamp(6.0, 24.0);
        let sigma = 0.035 + if pressure < 2.0 { 0.04 } else { 0.0 };
        let heading = (target - from).norm().rotate(self.rng.gauss() * sigma);
        self.strike(c, kind);
        self.ball.vel = heading * (v0 * (1.0 + 0.05 * self.rng.gauss()));
        self.ball.vz = 0.0;
        self.ball.receiver = Some(r as u8);
    }

    /// A lofted kick landing near `target` after about `t` seconds, from height `z0`; the apex is
    /// lowered (the flight made flatter and faster) until the whole flight stays in the image.
    fn kick_lofted(
        &mut self,
        c: usize,
        target: V2,
        receiver: Option<usize>,
        kind: KickKind,
        t: f32,
        z0: f32,
    ) {
        let from = self.ball.pos;
        let target = V2::new(
            target.x.clamp(-HALF_LENGTH - 1.0, HALF_LENGTH + 1.0),
            target.y.clamp(-1.0, WIDTH + 1.0),
        );
        let err = V2::new(self.rng.gauss(), self.rng.gauss()) * (0.04 * from.dist(target) + 0.5);
        let target = target + err;
        let dist = from.dist(target);
        let heading = (target - from).norm();
        let mut t = t.max(0.4);
        let (mut vh, mut vz) = (0.0, 0.0);
        for _ in 0..10 {
            // Horizontal flight under quadratic drag covers ln(1 + k v t) / k.
            vh = (libm::expf(AIR_DRAG * dist) - 1.0) / (AIR_DRAG * t);
            vz = G * t / 2.0 - z0 / t;
            let ok = [0.25f32, 0.5, 0.75].iter().all(|&s| {
                let tt = s * t;
                let p = from + heading * (libm::logf(1.0 + AIR_DRAG * vh * tt) / AIR_DRAG);
                let z = z0 + vz * tt - 0.5 * G * tt * tt;
                z <= self.pitch.max_height_in_frame(p.y, 0.03)
            });
            if ok {
                break;
            }
            t *= 0.85;
        }
        // Last resort: cap the apex directly.
        let zmax = self
            .pitch
            .max_height_in_frame(from.y, 0.03)
            .min(self.pitch.max_height_in_frame((from + heading * (dist * 0.5)).y, 0.03));
        if vz > 0.0 && z0 + vz * vz / (2.0 * G) > zmax {
            vz = libm::sqrtf(2.0 * G * libm::fmaxf(zmax - z0, 0.0));
        }
        // Nobody kicks harder than ~33 m/s.
        let launch = libm::sqrtf(vh * vh + vz * vz);
        if launch > 33.0 {
            vh *= 33.0 / launch;
            vz *= 33.0 / launch;
        }
        self.strike(c, kind);
        self.ball.z = z0;
        self.ball.vel = heading * vh;
        self.ball.vz = vz;
        self.ball.receiver = receiver.map(|r| r as u8);
    }

    fn shoot(&mut self, c: usize) {
        let a = self.agents[c];
        let team = a.team;
        let gx = dir(team) * HALF_LENGTH;
        let aim = V2::new(gx, MID_Y + (self.rng.gauss() * 3.2).clamp(-7.0, 7.0));
        let aim_z =
            if self.rng.chance(0.12) { self.rng.range(2.5, 3.5) } else { self.rng.range(0.0, 2.2) };
        let speed = self.rng.range(17.0, 29.0);
        let from = self.ball.pos;
        let sigma = 0.02 + 0.0015 * from.dist(aim);
        let heading = (aim - from).norm().rotate(self.rng.gauss() * sigma);
        let along = libm::fmaxf(libm::fabsf(heading.x), 0.2);
        let t = libm::fabsf(gx - from.x) / along / speed;
        let t = t.max(0.1);
        let mut vz = (aim_z + 0.5 * G * t * t) / t;
        let zmax = self.pitch.max_height_in_frame(from.y, 0.03);
        vz = vz.min(libm::sqrtf(2.0 * G * zmax));
        // Nobody kicks harder than ~33 m/s.
        vz = vz.min(libm::sqrtf((33.0 * 33.0 - speed * speed).max(0.0)));
        self.strike(c, KickKind::Shot);
        self.ball.vel = heading * speed;
        self.ball.vz = vz;
        self.ball.shot = true;
        self.ball.receiver = None;
    }

    // ---- restarts ---------------------------------------------------------------------------

    fn enter_dead(&mut self, restart: Restart, team: u8, spot: V2, wait: f32) {
        let taker = match restart {
            Restart::GoalKick => keeper(team),
            Restart::KickOff => {
                if team == 0 {
                    9
                } else {
                    20
                }
            }
            _ => self.nearest(team, spot, true).map_or(keeper(team), |p| p.0),
        };
        self.ball.receiver = None;
        self.ball.shot = false;
        if let Mode::Held(_) = self.ball.mode {
            self.ball.mode = Mode::Free;
        }
        // Fresh set-piece positions for everyone.
        for i in 0..N_PLAYERS {
            let (x, y) = (self.rng.range(0.0, 1.0), self.rng.range(-1.0, 1.0));
            self.agents[i].run = V2::new(x, y);
            self.agents[i].run_timer = 1e9;
        }
        self.state = State::Dead(Dead {
            restart,
            team,
            spot,
            taker: taker as u8,
            timer: 0.0,
            wait,
            placed_at: None,
        });
    }

    fn dead_step(&mut self) {
        let State::Dead(mut d) = self.state else { return };
        d.timer += self.dt;
        let taker = d.taker as usize;
        match d.placed_at {
            None => {
                let near = self.agents[taker].pos.dist(self.taker_spot(&d)) < 1.2;
                if (near && d.timer >= d.wait) || d.timer > RESTART_WATCHDOG {
                    self.ball.pos = d.spot;
                    self.ball.z = if d.restart == Restart::ThrowIn { 2.1 } else { 0.0 };
                    self.ball.vel = V2::ZERO;
                    self.ball.vz = 0.0;
                    self.ball.in_net = false;
                    self.ball.mode = Mode::Placed;
                    self.ball.teleported = true;
                    d.placed_at = Some(d.timer);
                }
                self.state = State::Dead(d);
            }
            Some(t0) => {
                if d.timer - t0 >= 1.0 {
                    for a in &mut self.agents[..N_PLAYERS] {
                        a.run_timer = 0.0;
                    }
                    self.state = State::Play;
                    self.restart_kick(&d);
                } else {
                    self.state = State::Dead(d);
                }
            }
        }
    }

    fn taker_spot(&self, d: &Dead) -> V2 {
        match d.restart {
            Restart::ThrowIn => {
                V2::new(d.spot.x, if d.spot.y < MID_Y { d.spot.y - 0.3 } else { d.spot.y + 0.3 })
            }
            Restart::Corner => V2::new(
                d.spot.x + 0.6 * d.spot.x.signum(),
                d.spot.y + if d.spot.y < MID_Y { -0.6 } else { 0.6 },
            ),
            Restart::GoalKick => d.spot - V2::new(dir(d.team) * 1.2, 0.0),
            Restart::KickOff => d.spot - V2::new(dir(d.team) * 0.6, 0.0),
        }
    }

    fn restart_kick(&mut self, d: &Dead) {
        let c = d.taker as usize;
        let team = d.team;
        match d.restart {
            Restart::ThrowIn => {
                let r = self.pick_receiver(c, 4.0, 22.0, false).or_else(|| {
                    let mut best = None;
                    let mut bd = f32::INFINITY;
                    for j in team_range(team) {
                        let dd = self.agents[j].pos.dist(d.spot);
                        if j != c && dd < bd {
                            bd = dd;
                            best = Some(j);
                        }
                    }
                    best
                });
                let target = r.map_or(d.spot + V2::new(0.0, 8.0), |r| self.agents[r].pos);
                let t = (d.spot.dist(target) / 11.0).clamp(0.5, 1.5);
                self.kick_lofted(c, target, r, KickKind::ThrowIn, t, 2.1);
            }
            Restart::Corner => {
                let dd = dir(team);
                let target = V2::new(
                    dd * (HALF_LENGTH - self.rng.range(5.0, 12.0)),
                    MID_Y + self.rng.gauss() * 5.0,
                );
                let r = self.nearest(team, target, true).map(|p| p.0);
                let t = self.rng.range(1.3, 1.8);
                self.kick_lofted(c, target, r, KickKind::Corner, t, 0.0);
            }
            Restart::GoalKick => {
                if self.rng.chance(0.6) {
                    let r = self.pick_receiver(c, 25.0, 70.0, true);
                    let target = r.map_or(V2::new(0.0, MID_Y), |r| self.agents[r].pos);
                    let t = self.rng.range(2.4, 3.1);
                    self.kick_lofted(c, target, r, KickKind::GoalKick, t, 0.0);
                } else {
                    let r = self.pick_receiver(c, 6.0, 30.0, false).unwrap_or(keeper(team) + 2);
                    self.pass_ground(c, r, KickKind::GoalKick, 99.0);
                }
            }
            Restart::KickOff => {
                let mut best = keeper(team) + 6;
                let mut bd = f32::INFINITY;
                for j in team_range(team) {
                    let dd = self.agents[j].pos.dist(d.spot);
                    if j != c && self.agents[j].role == Role::Midfielder && dd < bd {
                        bd = dd;
                        best = j;
                    }
                }
                self.pass_ground(c, best, KickKind::KickOff, 99.0);
            }
        }
    }

    // ---- targets ----------------------------------------------------------------------------

    /// Where player `i` stands in his team's shape given the ball at `ball`.
    fn shape(&self, i: usize, ball: V2, in_poss: bool, runs: bool) -> V2 {
        let a = &self.agents[i];
        let d = dir(a.team);
        let fb = d * ball.x;
        let (back, len, wscale) = if in_poss {
            ((fb - 24.0).clamp(-38.0, 10.0), 44.0, 1.0)
        } else {
            ((fb - 14.0).clamp(-42.0, 2.0), 30.0, 0.72)
        };
        let mut f = back + a.slot.x * len;
        let mut y = MID_Y + (a.slot.y - MID_Y) * wscale + (ball.y - MID_Y) * 0.3;
        if runs && in_poss {
            f += a.run.x;
            y += a.run.y;
        }
        // Nobody waits beyond the offside line (unless the ball is already there).
        let f = f.min(libm::fmaxf(self.offside[a.team as usize], fb) - 0.5).clamp(-50.0, 50.0);
        y = y.clamp(1.5, WIDTH - 1.5);
        V2::new(d * f, y)
    }

    fn keeper_target(&self, team: u8, ball: V2) -> (V2, f32) {
        let g = own_goal(team);
        let d = dir(team);
        let b = &self.ball;
        if b.mode == Mode::Free && matches!(self.state, State::Play) {
            let f = d * b.pos.x;
            if d * b.vel.x < -1.0 && f < -HALF_LENGTH + 35.0 {
                // A ball heading for goal: get across to where it crosses the line.
                let t = (g.x - b.pos.x) / b.vel.x;
                let y = b.pos.y + b.vel.y * t.max(0.0);
                if libm::fabsf(y - MID_Y) < GOAL_HALF_WIDTH + 3.0 {
                    let y = y.clamp(MID_Y - GOAL_HALF_WIDTH, MID_Y + GOAL_HALF_WIDTH);
                    return (V2::new(g.x + d * 0.6, y), 8.0);
                }
            }
            if f < -HALF_LENGTH + BOX_DEPTH
                && libm::fabsf(b.pos.y - MID_Y) < BOX_HALF_WIDTH
                && b.vel.len() < 12.0
            {
                // A loose ball in his box is the keeper's.
                return (b.pos + b.vel * 0.3, 7.0);
            }
        }
        let to = ball - g;
        let dist = to.len();
        let out = (dist * 0.1).clamp(1.0, 6.0);
        let mut p = g + to.norm() * out;
        p.x = if d > 0.0 { p.x.max(g.x + 0.5) } else { p.x.min(g.x - 0.5) };
        (p, 4.5)
    }

    fn tactics(&mut self) {
        let ball = self.ball.pos;
        for team in 0..2u8 {
            // Second-highest `dir · x` among the opponents, seen from `team`'s attacking side.
            let d = dir(team);
            let mut top = [f32::NEG_INFINITY; 2];
            for i in team_range(1 - team) {
                let f = d * self.agents[i].pos.x;
                if f > top[0] {
                    top[1] = top[0];
                    top[0] = f;
                } else if f > top[1] {
                    top[1] = f;
                }
            }
            self.offside[team as usize] = top[1].max(0.0);
        }
        // The ball as the players expect it shortly.
        let ball_soon = ball + self.ball.vel * 0.5;
        match self.state {
            State::Dead(d) => self.dead_targets(&d),
            State::Play => self.play_targets(ball, ball_soon),
        }
        self.official_targets(ball);
        for a in &mut self.agents {
            a.target = V2::new(a.target.x.clamp(-54.0, 54.0), a.target.y.clamp(-3.3, 69.8));
        }
    }

    fn play_targets(&mut self, ball: V2, ball_soon: V2) {
        let (carrier, poss_team) = match self.ball.mode {
            Mode::Held(c) => (Some(c as usize), self.agents[c as usize].team),
            _ => (
                None,
                self.ball.receiver.map_or(self.ball.last_touch, |r| self.agents[r as usize].team),
            ),
        };
        let receiver = self.ball.receiver.map(|r| r as usize);
        let free = self.ball.mode == Mode::Free;
        // Landing / interception point of a free ball.
        let landing = if free && (self.ball.z > 0.3 || self.ball.vz > 0.0) {
            let vz = self.ball.vz;
            let tl = (vz + libm::sqrtf(vz * vz + 2.0 * G * self.ball.z)) / G;
            ball + self.ball.vel * tl
        } else {
            ball_soon
        };
        let mut press = [None; 2];
        let mut cover = [None; 2];
        for team in 0..2u8 {
            let mut best = (f32::INFINITY, None);
            let mut second = (f32::INFINITY, None);
            for i in team_range(team) {
                if self.agents[i].role == Role::Keeper || Some(i) == carrier {
                    continue;
                }
                let d = self.agents[i].pos.dist(if free { landing } else { ball });
                if d < best.0 {
                    second = best;
                    best = (d, Some(i));
                } else if d < second.0 {
                    second = (d, Some(i));
                }
            }
            press[team as usize] = best.1;
            cover[team as usize] = second.1;
        }
        for i in 0..N_PLAYERS {
            let a = self.agents[i];
            let team = a.team;
            let in_poss = team == poss_team;
            let (target, speed) = if a.role == Role::Keeper {
                match carrier {
                    Some(c) if c == i => (a.pos, 0.0),
                    _ => self.keeper_target(team, ball),
                }
            } else if Some(i) == carrier {
                self.dribble_target(i)
            } else if Some(i) == receiver {
                let dist = a.pos.dist(ball);
                let tau = (dist / (self.ball.vel.len() + 7.0)).clamp(0.0, 2.0);
                let p = if self.ball.z > 0.3 || self.ball.vz > 0.0 {
                    landing
                } else {
                    ball + self.ball.vel * tau
                };
                (p, a.max_speed)
            } else if free && press[team as usize] == Some(i) && (!in_poss || receiver.is_none()) {
                (landing, a.max_speed)
            } else if !free && !in_poss && press[team as usize] == Some(i) {
                let goal_side = (own_goal(team) - ball).norm();
                (ball + goal_side * 1.6, 0.92 * a.max_speed)
            } else if !in_poss && cover[team as usize] == Some(i) {
                let goal_side = (own_goal(team) - ball).norm();
                (ball + goal_side * 7.0, 6.0)
            } else {
                let p = self.shape(i, ball, in_poss, true);
                let dist = a.pos.dist(p);
                (p, (1.2 + dist * 0.5).min(6.5))
            };
            self.agents[i].target = target;
            self.agents[i].speed = speed;
        }
    }

    fn dribble_target(&mut self, c: usize) -> (V2, f32) {
        let a = self.agents[c];
        let team = a.team;
        let d = dir(team);
        let mut ahead = V2::new(d * 10.0, 0.0);
        let mut pressure = 99.0;
        if let Some((o, dist)) = self.nearest(1 - team, a.pos, false) {
            pressure = dist;
            if dist < 7.0 {
                ahead += (a.pos - self.agents[o].pos).norm() * (5.0 * (7.0 - dist) / 7.0);
            }
        }
        // Keep away from the touchlines and go for goal when close.
        if a.pos.y < 6.0 {
            ahead.y += 5.0;
        } else if a.pos.y > WIDTH - 6.0 {
            ahead.y -= 5.0;
        }
        if d * a.pos.x > 35.0 {
            ahead += (opp_goal(team) - a.pos).norm() * 6.0;
        }
        let f = d * a.pos.x;
        let speed = if pressure < 5.0 {
            6.3
        } else if f < 0.0 {
            3.8
        } else {
            5.2
        };
        (a.pos + ahead, speed)
    }

    fn dead_targets(&mut self, d: &Dead) {
        let spot = d.spot;
        for i in 0..N_PLAYERS {
            let a = self.agents[i];
            let team = a.team;
            let att = team == d.team;
            let (target, speed) = if i == d.taker as usize {
                (self.taker_spot(d), 5.5)
            } else if a.role == Role::Keeper {
                self.keeper_target(team, spot)
            } else {
                let p = match d.restart {
                    Restart::Corner => {
                        let dd = dir(d.team);
                        let central = libm::fabsf(a.slot.y - MID_Y) < 12.0;
                        if att && (a.role == Role::Forward || central) {
                            V2::new(dd * (HALF_LENGTH - 5.0 - 9.0 * a.run.x), MID_Y + 9.0 * a.run.y)
                        } else if !att && a.role != Role::Forward {
                            V2::new(
                                dd * (HALF_LENGTH - 2.0 - 11.0 * a.run.x),
                                MID_Y + 10.0 * a.run.y,
                            )
                        } else {
                            self.shape(i, spot, att, false)
                        }
                    }
                    Restart::KickOff => {
                        let mut p = self.shape(i, spot, att, false);
                        let f = (dir(team) * p.x).min(-1.0);
                        p.x = dir(team) * f;
                        if !att {
                            let off = p - spot;
                            if off.len() < 10.0 {
                                p = spot + V2::new(-dir(team), 0.0).rotate(a.run.y) * 10.0;
                            }
                        }
                        p
                    }
                    _ => self.shape(i, spot, att, false),
                };
                let dist = a.pos.dist(p);
                (p, (1.0 + dist * 0.5).min(5.0))
            };
            self.agents[i].target = target;
            self.agents[i].speed = speed;
        }
    }

    fn official_targets(&mut self, ball: V2) {
        // Referee: on a diagonal, 10–15 m from play, towards the centre of the pitch.
        let off = V2::new(-0.25 * ball.x - 4.0 * ball.x.signum(), (MID_Y - ball.y) * 0.45 + 4.0);
        let r = ball + off;
        let dist = self.agents[REFEREE].pos.dist(r);
        self.agents[REFEREE].target = r;
        self.agents[REFEREE].speed = (1.0 + dist * 0.5).min(6.5);
        // Assistants: the second-last defender of their half, or the ball if it is deeper.
        let mut top = [f32::NEG_INFINITY; 2];
        for i in team_range(1) {
            let x = self.agents[i].pos.x;
            if x > top[0] {
                top[1] = top[0];
                top[0] = x;
            } else if x > top[1] {
                top[1] = x;
            }
        }
        let far_x = top[1].max(ball.x).clamp(0.0, HALF_LENGTH);
        let mut bot = [f32::INFINITY; 2];
        for i in team_range(0) {
            let x = self.agents[i].pos.x;
            if x < bot[0] {
                bot[1] = bot[0];
                bot[0] = x;
            } else if x < bot[1] {
                bot[1] = x;
            }
        }
        let near_x = bot[1].min(ball.x).clamp(-HALF_LENGTH, 0.0);
        for (i, x, y) in [(AR_FAR, far_x, -1.3), (AR_NEAR, near_x, WIDTH + 1.3)] {
            let t = V2::new(x, y);
            let dist = self.agents[i].pos.dist(t);
            self.agents[i].target = t;
            self.agents[i].speed = (dist * 1.5).min(6.5);
        }
        // Staff pace in front of the benches.
        for i in STAFF0..N_PEOPLE {
            if self.agents[i].run_timer <= 0.0 {
                let side = if i < STAFF0 + 2 { -1.0 } else { 1.0 };
                let x = side * self.rng.range(3.0, 14.0);
                let y = self.rng.range(-3.3, -2.2);
                let a = &mut self.agents[i];
                a.target = V2::new(x, y);
                a.speed = 1.2;
                a.run_timer = self.rng.range(5.0, 15.0);
            }
        }
    }

    // ---- ball -------------------------------------------------------------------------------

    fn ball_step(&mut self) {
        let dt = self.dt;
        let prev = self.ball.pos;
        let prev_z = self.ball.z;
        match self.ball.mode {
            Mode::Held(c) => {
                let c = c as usize;
                let a = self.agents[c];
                let (want, want_z) = if a.role == Role::Keeper {
                    (a.pos + a.facing * 0.35, 1.1)
                } else {
                    self.ball.touch += a.vel.len() * dt / 3.2;
                    self.ball.touch -= libm::floorf(self.ball.touch);
                    let k = 0.5 - 0.5 * libm::cosf(core::f32::consts::TAU * self.ball.touch);
                    (a.pos + a.facing * (0.45 + 0.35 * k), 0.0)
                };
                let old = self.ball.pos;
                // Gathering the ball in: at most 12 m/s relative to the player.
                let pull = ((want - old) * self.follow).clamp_len(12.0 * dt);
                self.ball.pos = old + pull + a.vel * dt;
                self.ball.vel = (self.ball.pos - old) * (1.0 / dt);
                if want_z > 0.0 {
                    self.ball.z += (want_z - self.ball.z) * self.follow;
                    self.ball.vz = 0.0;
                } else if self.ball.z > 0.0 || self.ball.vz > 0.0 {
                    self.ball.vz -= G * dt;
                    self.ball.z += self.ball.vz * dt;
                    if self.ball.z <= 0.0 {
                        self.ball.z = 0.0;
                        self.ball.vz = 0.0;
                    }
                }
            }
            Mode::Placed => {}
            Mode::Free => self.free_flight(),
        }
        if let State::Play = self.state {
            self.check_lines(prev, prev_z);
        }
        if let (State::Play, Mode::Free) = (self.state, self.ball.mode) {
            self.control();
        }
    }

    fn free_flight(&mut self) {
        let dt = self.dt;
        let b = &mut self.ball;
        if b.z > 0.0 || b.vz > 0.0 {
            b.vz -= G * dt;
            let s = b.vel.len();
            b.vel *= 1.0 / (1.0 + AIR_DRAG * s * dt);
            b.pos += b.vel * dt;
            b.z += b.vz * dt;
            if b.z <= 0.0 {
                b.z = 0.0;
                if b.vz < -2.5 {
                    b.vz = -b.vz * 0.45;
                    b.vel *= 0.65;
                } else {
                    b.vz = 0.0;
                }
            }
        } else {
            let s = b.vel.len();
            if s > 0.0 {
                // Rolling resistance plus air drag; much more friction off the pitch.
                let off = b.pos.y < 0.0 || b.pos.y > WIDTH || libm::fabsf(b.pos.x) > HALF_LENGTH;
                let dec = (if off { 4.0 } else { 1.0 } + 0.012 * s * s) * dt;
                b.vel *= libm::fmaxf(s - dec, 0.0) / s;
            }
            b.pos += b.vel * dt;
        }
        // Boards and the net.
        if b.in_net {
            let back = HALF_LENGTH + GOAL_DEPTH - 0.2;
            if libm::fabsf(b.pos.x) > back {
                b.pos.x = back * b.pos.x.signum();
                b.vel = V2::ZERO;
            }
            b.pos.y = b.pos.y.clamp(MID_Y - GOAL_HALF_WIDTH + 0.2, MID_Y + GOAL_HALF_WIDTH - 0.2);
            b.z = b.z.min(GOAL_HEIGHT - 0.3);
        }
        if b.pos.y < BALL_MIN_Y {
            b.pos.y = BALL_MIN_Y;
            b.vel.y *= -0.3;
        } else if b.pos.y > BALL_MAX_Y {
            b.pos.y = BALL_MAX_Y;
            b.vel.y *= -0.3;
        }
        if libm::fabsf(b.pos.x) > BALL_MAX_X {
            b.pos.x = BALL_MAX_X * b.pos.x.signum();
            b.vel.x *= -0.3;
        }
    }

    /// Detects the ball crossing a line this frame.
    fn check_lines(&mut self, prev: V2, prev_z: f32) {
        let p = self.ball.pos;
        let r = BALL_DIAMETER / 2.0;
        if libm::fabsf(p.x) > HALF_LENGTH + r {
            // Where it crossed the goal line.
            let side = p.x.signum();
            let gx = side * (HALF_LENGTH + r);
            let span = p.x - prev.x;
            let t =
                if libm::fabsf(span) > 1e-6 { ((gx - prev.x) / span).clamp(0.0, 1.0) } else { 1.0 };
            let y = prev.y + (p.y - prev.y) * t;
            let z = prev_z + (self.ball.z - prev_z) * t;
            // The team defending this goal: home defends the left (-x) one.
            let defending: u8 = if side > 0.0 { 1 } else { 0 };
            let attacking = 1 - defending;
            if libm::fabsf(y - MID_Y) < GOAL_HALF_WIDTH - r && z < GOAL_HEIGHT - 2.0 * r {
                self.score[attacking as usize] += 1;
                self.stats.goals += 1;
                self.event = Event::Goal(Team::from_index(attacking));
                self.ball.in_net = true;
                self.ball.mode = Mode::Free;
                self.enter_dead(Restart::KickOff, defending, V2::new(0.0, MID_Y), 8.0);
            } else if self.ball.last_touch == defending {
                let spot = V2::new(side * HALF_LENGTH, if y < MID_Y { 0.0 } else { WIDTH });
                self.out(Restart::Corner, attacking, spot, 5.0);
            } else {
                let sy = if y < MID_Y { MID_Y - 6.0 } else { MID_Y + 6.0 };
                let spot = V2::new(side * (HALF_LENGTH - 5.5), sy);
                self.out(Restart::GoalKick, defending, spot, 6.0);
            }
        } else if p.y < -r || p.y > WIDTH + r {
            let line = if p.y < 0.0 { 0.0 } else { WIDTH };
            let span = p.y - prev.y;
            let t = if libm::fabsf(span) > 1e-6 {
                ((line - prev.y) / span).clamp(0.0, 1.0)
            } else {
                1.0
            };
            let x = (prev.x + (p.x - prev.x) * t).clamp(-HALF_LENGTH + 1.0, HALF_LENGTH - 1.0);
            let team = 1 - self.ball.last_touch;
            self.out(Restart::ThrowIn, team, V2::new(x, line), 2.5);
        }
    }

    fn out(&mut self, restart: Restart, team: u8, spot: V2, wait: f32) {
        self.stats.outs += 1;
        self.event = Event::Out(restart);
        self.enter_dead(restart, team, spot, wait);
    }

    /// A free ball near a player: control, interception, keeper save, block.
    fn control(&mut self) {
        let b = self.ball;
        let speed = libm::sqrtf(b.vel.x * b.vel.x + b.vel.y * b.vel.y + b.vz * b.vz);
        let mut best = None;
        let mut bd = f32::INFINITY;
        for i in 0..N_PLAYERS {
            let a = &self.agents[i];
            if a.cooldown > 0.0 {
                continue;
            }
            let keeper_in_box = a.role == Role::Keeper && {
                let f = dir(a.team) * b.pos.x;
                f < -HALF_LENGTH + BOX_DEPTH && libm::fabsf(b.pos.y - MID_Y) < BOX_HALF_WIDTH
            };
            let (reach, zmax) = if keeper_in_box { (1.9, 2.7) } else { (0.9, 1.9) };
            let d = a.pos.dist(b.pos);
            // Nobody controls a moving ball that has already passed him.
            let behind =
                (a.pos.x - b.pos.x) * b.vel.x + (a.pos.y - b.pos.y) * b.vel.y < -0.3 * b.vel.len();
            if d < reach && b.z < zmax && d < bd && !(behind && b.vel.len() > 3.0) {
                bd = d;
                best = Some(i);
            }
        }
        let Some(i) = best else { return };
        let a = self.agents[i];
        let team = a.team;
        if b.shot && team != b.last_touch {
            if a.role == Role::Keeper {
                if b.save_rolled {
                    return;
                }
                self.ball.save_rolled = true;
                // How close the shot passes the keeper decides, and how hard it is struck.
                let v = b.vel.norm();
                let rel = a.pos - b.pos;
                let miss = libm::fabsf(rel.x * v.y - rel.y * v.x);
                let p = (1.15 - 0.22 * miss - 0.012 * (speed - 12.0)).clamp(0.3, 0.96);
                if !self.rng.chance(p) {
                    self.agents[i].cooldown = 1.0;
                    return;
                }
                self.event = Event::Save;
                self.stats.saves += 1;
                if self.rng.chance(0.5) {
                    self.take(i);
                } else {
                    // Parried out to the side: often behind for a corner.
                    let d = dir(team);
                    let side = if b.pos.y < MID_Y { -1.0 } else { 1.0 };
                    self.ball.vel =
                        V2::new(d * self.rng.range(0.5, 6.0), side * self.rng.range(2.0, 9.0));
                    self.ball.vz = self.rng.range(1.0, 4.0);
                    self.ball.shot = false;
                    self.ball.last_touch = team;
                    self.agents[i].cooldown = 0.6;
                }
                return;
            }
            // A defender in the way.
            if self.rng.chance(0.35) {
                self.event = Event::Block;
                self.stats.blocks += 1;
                let turn = self.rng.sign() * self.rng.range(0.5, 1.6);
                self.ball.vel = b.vel.rotate(turn) * 0.45;
                self.ball.vz = self.rng.range(0.0, 5.0);
                self.ball.shot = false;
                self.ball.last_touch = team;
                self.agents[i].cooldown = 0.5;
            } else {
                self.agents[i].cooldown = 0.3;
            }
            return;
        }
        let p = if a.role == Role::Keeper {
            0.9
        } else if Some(i as u8) == b.receiver {
            if speed > 18.0 { 0.5 } else { 0.9 }
        } else if team == b.last_touch {
            if speed > 18.0 { 0.2 } else { 0.5 }
        } else {
            // Cutting out a pass gets harder the faster it runs.
            0.2 * ((14.0 - speed) / 8.0).clamp(0.05, 1.0)
        };
        if self.rng.chance(p) {
            if b.receiver.is_some_and(|r| self.agents[r as usize].team != team) {
                self.event = Event::Interception;
                self.stats.interceptions += 1;
            }
            self.take(i);
        } else {
            self.agents[i].cooldown = 0.15;
        }
    }

    // ---- truth ------------------------------------------------------------------------------

    fn build_truth(&mut self) {
        let pitch = self.pitch;
        let (w, h) = (pitch.size().w as f32, pitch.size().h as f32);
        let t = &mut self.truth;
        t.frame = self.frame;
        t.pts = frame_pts(self.frame, self.fps, 1);
        t.kick = self.kick;
        t.event = self.event;
        t.phase = match self.state {
            State::Play => Phase::Play,
            State::Dead(d) => Phase::Dead(d.restart),
        };
        t.carrier = match self.ball.mode {
            Mode::Held(c) => Some(c),
            _ => None,
        };
        t.score = self.score;
        t.n_people = N_PEOPLE as u8;
        for (i, a) in self.agents.iter().enumerate() {
            let k = pitch.px_per_m(a.pos.y);
            let (u, v) = pitch.to_px(a.pos.x, a.pos.y, 0.0);
            let hp = a.height * k;
            let half = 0.2 * hp;
            t.people[i] = PersonTruth {
                id: i as u8,
                class: match a.role {
                    Role::Keeper => Class::Goalkeeper,
                    Role::Defender | Role::Midfielder | Role::Forward => Class::Player,
                    Role::Referee | Role::Assistant => Class::Referee,
                    Role::Staff => Class::Staff,
                },
                team: Team::from_index(a.team),
                pitch: [a.pos.x, a.pos.y],
                vel: [a.vel.x, a.vel.y],
                bbox: [u - half, v - hp, u + half, v],
                stride: a.stride,
            };
        }
        let b = &self.ball;
        let k = pitch.px_per_m(b.pos.y);
        let r_m = BALL_DIAMETER / 2.0;
        let (bu, bv) = pitch.to_px(b.pos.x, b.pos.y, b.z + r_m);
        let (gu, gv) = pitch.to_px(b.pos.x, b.pos.y, 0.0);
        let radius = r_m * k * (1.0 + 0.03 * b.z);
        let vel = if b.teleported || self.frame == 0 {
            [0.0, 0.0]
        } else {
            [
                (bu - self.prev_ball_px[0]) * self.fps as f32,
                (bv - self.prev_ball_px[1]) * self.fps as f32,
            ]
        };
        self.prev_ball_px = [bu, bv];
        let in_frame = bu >= 0.0 && bu < w && bv >= 0.0 && bv < h;
        let mut occluded = false;
        for p in t.people() {
            let hp = p.bbox[3] - p.bbox[1];
            let cx = (p.bbox[0] + p.bbox[2]) / 2.0;
            if p.bbox[3] > gv + 0.5
                && libm::fabsf(bu - cx) < 0.14 * hp
                && bv > p.bbox[1] + 0.05 * hp
                && bv < p.bbox[3]
            {
                occluded = true;
                break;
            }
        }
        let s2 = b.vel.x * b.vel.x + b.vel.y * b.vel.y + b.vz * b.vz;
        let half_frame = 0.5 / self.fps as f32;
        t.ball = BallTruth {
            pos: [bu, bv],
            ground: [gu, gv],
            vel,
            radius,
            blur: [vel[0] * half_frame, vel[1] * half_frame],
            pitch: [b.pos.x, b.pos.y],
            z: b.z,
            speed: libm::sqrtf(s2),
            in_play: matches!(self.state, State::Play),
            visible: in_frame && !occluded,
            in_frame,
        };
    }
}

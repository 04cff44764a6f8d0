//! The match model: 22 players, 3 referees and 4 bench staff moving in pitch metres, a ball with
//! passes, long balls, shots, dribbles, tackles and out-of-play restarts, and the per-frame ground
//! truth in panorama pixels.
//!
//! The model is a small rule-based football brain, cheap enough to run inside the frame period
//! with O(people) work per frame (a carrier's decision, a few times a second, is O(players²) =
//! 121 distance checks):
//!
//! * **shape** — each team holds a formation (4-4-2 home, 4-3-3 away) that slides with the ball,
//!   pushes up and widens in possession, drops and narrows out of it; attackers make runs but wait
//!   no further than the opponents' second-last player (the offside line);
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
//! own top speed). Not modelled: fouls, free kicks and penalties, offside calls, substitutions,
//! half time.

mod ball;
mod play;
mod restarts;
mod targets;

use super::pitch::{
    BALL_DIAMETER, BALL_MAX_X, BALL_MAX_Y, BALL_MIN_Y, BOX_DEPTH, BOX_HALF_WIDTH, GOAL_DEPTH,
    GOAL_HALF_WIDTH, GOAL_HEIGHT, HALF_LENGTH, MID_Y, Pitch, WIDTH,
};
use super::rng::Rng;
use super::truth::{BallTruth, Event, KickKind, PersonTruth, Phase, Restart, Team, Truth};
use super::{SimConfig, SimError};
use crate::detect::Class;
use crate::time::frame_pts;
use core::ops::{Add, AddAssign, Mul, MulAssign, Sub};

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

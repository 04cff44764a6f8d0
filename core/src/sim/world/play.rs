//! The ball carrier's decisions and the kicks: dribble on, pass, long ball, cross, clear, shoot;
//! tackles.

use super::*;

impl Match {
    pub(super) fn play_decisions(&mut self) {
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
    pub(super) fn nearest(&self, team: u8, p: V2, outfield: bool) -> Option<(usize, f32)> {
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
    pub(super) fn take(&mut self, i: usize) {
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
    pub(super) fn decide(&mut self, c: usize, pressure: f32) {
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
    pub(super) fn lane_clearance(&self, team: u8, a: V2, b: V2) -> f32 {
        let mut m = f32::INFINITY;
        for o in team_range(1 - team) {
            m = libm::fminf(m, seg_dist(self.agents[o].pos, a, b));
        }
        m
    }

    /// The best teammate of `c` between `min` and `max` metres away: forward, open, with a clear
    /// lane, plus some randomness. `far` prefers midfielders and forwards.
    pub(super) fn pick_receiver(
        &mut self,
        c: usize,
        min: f32,
        max: f32,
        far: bool,
    ) -> Option<usize> {
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
    pub(super) fn lead(&self, r: usize, t: f32) -> V2 {
        let a = &self.agents[r];
        a.pos + a.vel * (0.6 * t)
    }

    pub(super) fn strike(&mut self, c: usize, kind: KickKind) {
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

    pub(super) fn pass_ground(&mut self, c: usize, r: usize, kind: KickKind, pressure: f32) {
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
    pub(super) fn kick_lofted(
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

    pub(super) fn shoot(&mut self, c: usize) {
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
}

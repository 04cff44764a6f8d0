//! The ball: dribbled, flying, rolling and bouncing; crossing a line; being controlled, saved,
//! blocked or intercepted.

use super::*;

impl Match {
    pub(super) fn ball_step(&mut self) {
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

    pub(super) fn free_flight(&mut self) {
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
    pub(super) fn check_lines(&mut self, prev: V2, prev_z: f32) {
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

    pub(super) fn out(&mut self, restart: Restart, team: u8, spot: V2, wait: f32) {
        self.stats.outs += 1;
        self.event = Event::Out(restart);
        self.enter_dead(restart, team, spot, wait);
    }

    /// A free ball near a player: control, interception, keeper save, block.
    pub(super) fn control(&mut self) {
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
}

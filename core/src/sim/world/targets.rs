//! Where everyone wants to be each frame: team shape, press and cover, runs, the receiver's
//! interception, the keeper, set-piece positions, the officials and the staff.

use super::*;

impl Match {
    /// Where player `i` stands in his team's shape given the ball at `ball`.
    pub(super) fn shape(&self, i: usize, ball: V2, in_poss: bool, runs: bool) -> V2 {
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

    pub(super) fn keeper_target(&self, team: u8, ball: V2) -> (V2, f32) {
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

    pub(super) fn tactics(&mut self) {
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

    pub(super) fn play_targets(&mut self, ball: V2, ball_soon: V2) {
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

    pub(super) fn dribble_target(&mut self, c: usize) -> (V2, f32) {
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

    pub(super) fn dead_targets(&mut self, d: &Dead) {
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

    pub(super) fn official_targets(&mut self, ball: V2) {
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
}

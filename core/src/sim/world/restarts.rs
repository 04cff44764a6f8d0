//! Out of play: the taker walks to the spot, the ball is placed, the restart is played.

use super::*;

impl Match {
    pub(super) fn enter_dead(&mut self, restart: Restart, team: u8, spot: V2, wait: f32) {
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

    pub(super) fn dead_step(&mut self) {
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

    pub(super) fn taker_spot(&self, d: &Dead) -> V2 {
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

    pub(super) fn restart_kick(&mut self, d: &Dead) {
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
}

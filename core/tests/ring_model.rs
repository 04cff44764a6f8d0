//! `DelayRing` against a plain `Vec`-based model: random sequences of pushes (with adversarial
//! timestamps), lookups, pops, flushes and drains must give identical results, and after every
//! step the ring is sorted, within capacity, and has lost or duplicated no handle.
mod ring_support;

use std::collections::VecDeque;

use pitchcam_core::ring::{DelayRing, Entry, Reject, RingConfig, RingCounters};
use proptest::prelude::*;
use proptest::sample::Index;
use ring_support::{Factory, Handle, Out, out};

/// The specification, written the obvious way: linear scans, `Vec::remove(0)`.
struct Model {
    cap: usize,
    cfg: RingConfig,
    live: Vec<(u64, u64)>,
    stale: VecDeque<(u64, u64)>,
    c: RingCounters,
}

impl Model {
    fn new(cap: usize, cfg: RingConfig) -> Self {
        Model { cap, cfg, live: Vec::new(), stale: VecDeque::new(), c: RingCounters::default() }
    }

    fn push(&mut self, pts: u64, id: u64) -> Out {
        self.c.pushed += 1;
        if pts == u64::MAX {
            self.c.no_pts += 1;
            return Out::Rejected { pts, id, reason: Reject::NoPts };
        }
        if let Some(&(newest, _)) = self.live.last() {
            if pts == newest {
                self.c.duplicates += 1;
                return Out::Rejected { pts, id, reason: Reject::Duplicate };
            }
            if pts < newest && newest - pts <= self.cfg.restart_threshold_ns {
                self.c.late += 1;
                return Out::Rejected { pts, id, reason: Reject::Late };
            }
            if pts < newest {
                self.c.restarts += 1;
                self.stale.extend(self.live.drain(..));
            } else if pts - newest > self.cfg.gap_threshold_ns {
                self.c.gaps += 1;
                self.c.gap_ns_total = self.c.gap_ns_total.saturating_add(pts - newest);
                self.c.max_gap_ns = self.c.max_gap_ns.max(pts - newest);
            }
        }
        let released = if let Some((p, i)) = self.stale.pop_front() {
            self.c.flushed += 1;
            Out::Evicted { pts: p, id: i, stale: true }
        } else if self.live.len() == self.cap {
            self.c.evicted += 1;
            let (p, i) = self.live.remove(0);
            Out::Evicted { pts: p, id: i, stale: false }
        } else {
            Out::Stored
        };
        self.live.push((pts, id));
        self.c.stored += 1;
        self.c.high_water = self.c.high_water.max((self.live.len() + self.stale.len()) as u64);
        released
    }

    fn pop_oldest(&mut self) -> Option<(u64, u64)> {
        if self.live.is_empty() {
            return None;
        }
        self.c.popped += 1;
        // Documented: the oldest stale entry takes the popped entry's place, behind the others.
        self.stale.rotate_left(usize::from(!self.stale.is_empty()));
        Some(self.live.remove(0))
    }

    fn pop_stale(&mut self) -> Option<(u64, u64)> {
        let e = self.stale.pop_front()?;
        self.c.flushed += 1;
        Some(e)
    }

    fn flush(&mut self) {
        self.c.flushes += 1;
        self.stale.extend(self.live.drain(..));
    }

    fn at_or_before(&self, q: u64) -> Option<(u64, u64, usize)> {
        self.at(self.live.iter().rposition(|e| e.0 <= q))
    }
    fn at_or_after(&self, q: u64) -> Option<(u64, u64, usize)> {
        self.at(self.live.iter().position(|e| e.0 >= q))
    }
    fn nearest(&self, q: u64) -> Option<(u64, u64, usize)> {
        self.live
            .iter()
            .enumerate()
            .min_by_key(|(i, e)| (e.0.abs_diff(q), *i))
            .and_then(|(i, _)| self.at(Some(i)))
    }
    fn range(&self, from: u64, to: u64) -> Vec<(u64, u64, usize)> {
        (0..self.live.len())
            .filter(|&i| from <= self.live[i].0 && self.live[i].0 <= to)
            .filter_map(|i| self.at(Some(i)))
            .collect()
    }
    fn at(&self, i: Option<usize>) -> Option<(u64, u64, usize)> {
        i.map(|i| (self.live[i].0, self.live[i].1, i))
    }
}

fn key(e: Option<Entry<'_, Handle>>) -> Option<(u64, u64, usize)> {
    e.map(|e| (e.pts, e.handle.id, e.index))
}

/// How the next PTS relates to the newest one, so random sequences hit every policy branch.
#[derive(Clone, Debug)]
enum Step {
    /// newest + delta (the common case; small deltas are in-order, large ones gaps).
    Ahead(u64),
    Duplicate,
    /// newest − delta (late when small, restart when large), saturating at 0.
    Back(u64),
    /// Any value at all, including 0 and u64::MAX.
    Raw(u64),
}

#[derive(Clone, Debug)]
enum Op {
    Push(Step),
    AtOrBefore(Index, i8, u64),
    AtOrAfter(Index, i8, u64),
    Nearest(Index, i8, u64),
    Range(Index, Index, i8, u64),
    PopOldest,
    PopStale,
    Flush,
    Drain(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (1u64..=12).prop_map(Step::Ahead),
        2 => (13u64..=500).prop_map(Step::Ahead),
        1 => any::<u64>().prop_map(Step::Ahead),
        1 => Just(Step::Duplicate),
        2 => (1u64..=150).prop_map(Step::Back),
        1 => any::<u64>().prop_map(Step::Back),
        1 => prop_oneof![
            Just(0u64), Just(1), Just(u64::MAX), Just(u64::MAX - 1), any::<u64>()
        ].prop_map(Step::Raw),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let q = (any::<Index>(), -2i8..=2, any::<u64>());
    prop_oneof![
        10 => step().prop_map(Op::Push),
        2 => q.clone().prop_map(|(i, d, r)| Op::AtOrBefore(i, d, r)),
        2 => q.clone().prop_map(|(i, d, r)| Op::AtOrAfter(i, d, r)),
        2 => q.prop_map(|(i, d, r)| Op::Nearest(i, d, r)),
        2 => (any::<Index>(), any::<Index>(), -2i8..=2, any::<u64>())
            .prop_map(|(a, b, d, r)| Op::Range(a, b, d, r)),
        1 => Just(Op::PopOldest),
        1 => Just(Op::PopStale),
        1 => Just(Op::Flush),
        1 => (0usize..4).prop_map(Op::Drain),
    ]
}

/// A query PTS: near a live entry most of the time (so hits, misses by one and in-between
/// values all occur), any `u64` otherwise.
fn query(m: &Model, i: &Index, d: i8, raw: u64) -> u64 {
    if m.live.is_empty() || raw.is_multiple_of(5) {
        return raw;
    }
    let base = m.live[i.index(m.live.len())].0;
    if d < 0 { base.saturating_sub(d.unsigned_abs() as u64) } else { base.saturating_add(d as u64) }
}

fn run<const N: usize>(cfg: RingConfig, ops: &[Op]) -> Result<(), TestCaseError> {
    run_limited::<N>(cfg, N, ops)
}

/// As [`run`], for a ring built `with_limit(limit)` over `N` slots: it must behave exactly as a
/// ring of capacity `limit` (the model knows nothing of `N`).
fn run_limited<const N: usize>(
    cfg: RingConfig,
    limit: usize,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    let mut f = Factory::default();
    let mut kept: Vec<Handle> = Vec::new();
    let mut ring: DelayRing<Handle, N> =
        DelayRing::with_limit(cfg, limit).expect("limit within 1..=N");
    let mut m = Model::new(limit, cfg);
    let mut last_pts = 0u64;
    for op in ops {
        match op {
            Op::Push(s) => {
                let newest = m.live.last().map_or(last_pts, |e| e.0);
                let pts = match *s {
                    Step::Ahead(d) => newest.saturating_add(d),
                    Step::Duplicate => newest,
                    Step::Back(d) => newest.saturating_sub(d),
                    Step::Raw(p) => p,
                };
                last_pts = pts;
                let h = f.make();
                let id = h.id;
                let got = out(ring.push(pts, h), &mut kept);
                prop_assert_eq!(got, m.push(pts, id), "push({})", pts);
            }
            Op::AtOrBefore(i, d, r) => {
                let q = query(&m, i, *d, *r);
                prop_assert_eq!(
                    key(ring.at_or_before(q)),
                    m.at_or_before(q),
                    "at_or_before({})",
                    q
                );
            }
            Op::AtOrAfter(i, d, r) => {
                let q = query(&m, i, *d, *r);
                prop_assert_eq!(key(ring.at_or_after(q)), m.at_or_after(q), "at_or_after({})", q);
            }
            Op::Nearest(i, d, r) => {
                let q = query(&m, i, *d, *r);
                prop_assert_eq!(key(ring.nearest(q)), m.nearest(q), "nearest({})", q);
            }
            Op::Range(a, b, d, r) => {
                let from = query(&m, a, *d, *r);
                let to = query(&m, b, 0, r.rotate_left(17));
                let got: Vec<_> = ring.range(from, to).map(|e| key(Some(e)).unwrap()).collect();
                prop_assert_eq!(&got, &m.range(from, to), "range({}, {})", from, to);
                let mut back: Vec<_> =
                    ring.range(from, to).rev().map(|e| key(Some(e)).unwrap()).collect();
                back.reverse();
                prop_assert_eq!(back, got);
            }
            Op::PopOldest => {
                let got = ring.pop_oldest().map(|(p, h)| {
                    let id = h.id;
                    kept.push(h);
                    (p, id)
                });
                prop_assert_eq!(got, m.pop_oldest());
            }
            Op::PopStale => {
                let got = ring.pop_stale().map(|(p, h)| {
                    let id = h.id;
                    kept.push(h);
                    (p, id)
                });
                prop_assert_eq!(got, m.pop_stale());
            }
            Op::Flush => {
                ring.flush();
                m.flush();
            }
            Op::Drain(k) => {
                for _ in 0..*k {
                    let want = match m.pop_stale() {
                        Some(e) => Some(e),
                        None => m.pop_oldest(),
                    };
                    let got = ring.drain().next().map(|(p, h)| {
                        let id = h.id;
                        kept.push(h);
                        (p, id)
                    });
                    prop_assert_eq!(got, want);
                }
            }
        }
        check(&ring, &m, &f, kept.len())?;
    }
    // Shut down: everything comes back, each handle exactly once.
    let want: Vec<(u64, u64)> = m.stale.iter().chain(m.live.iter()).copied().collect();
    let got: Vec<(u64, u64)> = ring
        .drain()
        .map(|(p, h)| {
            let id = h.id;
            kept.push(h);
            (p, id)
        })
        .collect();
    prop_assert_eq!(got, want);
    let mut ids: Vec<u64> = kept.iter().map(|h| h.id).collect();
    ids.sort_unstable();
    prop_assert_eq!(ids, (0..f.made()).collect::<Vec<_>>());
    drop(kept);
    prop_assert_eq!(f.live(), 0);
    Ok(())
}

fn check<const N: usize>(
    ring: &DelayRing<Handle, N>,
    m: &Model,
    f: &Factory,
    kept: usize,
) -> Result<(), TestCaseError> {
    let live: Vec<(u64, u64)> = ring.iter().map(|e| (e.pts, e.handle.id)).collect();
    prop_assert_eq!(&live, &m.live);
    prop_assert!(live.windows(2).all(|w| w[0].0 < w[1].0), "not strictly sorted: {:?}", live);
    prop_assert!(ring.iter().enumerate().all(|(i, e)| e.index == i));
    prop_assert_eq!(ring.iter().len(), live.len());
    prop_assert_eq!(ring.len(), m.live.len());
    prop_assert_eq!(ring.stale_len(), m.stale.len());
    prop_assert_eq!(ring.capacity(), m.cap);
    prop_assert!(ring.len() + ring.stale_len() <= m.cap && m.cap <= N);
    prop_assert_eq!(ring.is_full(), ring.len() + ring.stale_len() == m.cap);
    prop_assert_eq!(ring.is_empty(), m.live.is_empty());
    prop_assert_eq!(ring.oldest().map(|e| e.pts), m.live.first().map(|e| e.0));
    prop_assert_eq!(ring.newest().map(|e| e.pts), m.live.last().map(|e| e.0));
    prop_assert_eq!(ring.counters(), m.c);
    // Conservation: every handle made is alive, either in the ring or returned to the test.
    prop_assert_eq!(f.live(), f.made() as i64);
    prop_assert_eq!(kept + ring.len() + ring.stale_len(), f.made() as usize);
    Ok(())
}

/// Thresholds small enough that random deltas hit every branch: gap above 15, restart above 100.
fn small() -> RingConfig {
    RingConfig::for_frame_period(10).with_restart_threshold(100)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn model_n1(ops in prop::collection::vec(op(), 0..120)) { run::<1>(small(), &ops)?; }

    #[test]
    fn model_n2(ops in prop::collection::vec(op(), 0..120)) { run::<2>(small(), &ops)?; }

    #[test]
    fn model_n7(ops in prop::collection::vec(op(), 0..300)) { run::<7>(small(), &ops)?; }

    #[test]
    fn model_n210(ops in prop::collection::vec(op(), 0..900)) { run::<210>(small(), &ops)?; }

    /// A run-time limit below `N`: the occupied slots wrap around all `N` physical slots while
    /// the ring holds at most `limit`.
    #[test]
    fn model_limit_in_n7(ops in prop::collection::vec(op(), 0..300), limit in 1usize..=7) {
        run_limited::<7>(small(), limit, &ops)?;
    }

    #[test]
    fn model_limit_in_n64(ops in prop::collection::vec(op(), 0..400), limit in 1usize..=64) {
        run_limited::<64>(small(), limit, &ops)?;
    }

    /// Extreme thresholds: every step back is a restart / none is; every step ahead is a gap.
    #[test]
    fn model_extreme_thresholds(ops in prop::collection::vec(op(), 0..200), which in 0u8..3) {
        let cfg = match which {
            0 => RingConfig::for_frame_period(0).with_restart_threshold(0),
            1 => RingConfig::for_frame_period(u64::MAX).with_restart_threshold(u64::MAX),
            _ => RingConfig::for_frame_period(PERIOD_30),
        };
        run::<7>(cfg, &ops)?;
    }
}

const PERIOD_30: u64 = ring_support::PERIOD;

//! `DelayRing`: every timestamp pathology, lookups at their boundaries, and handle conservation,
//! on scripted sequences. (`ring_model.rs` runs random sequences against a reference model.)
mod ring_support;

use pitchcam_core::ring::{DelayRing, Push, Reject, RingConfig};
use pitchcam_core::time::{CLOCK_TIME_NONE, SECOND, frame_pts};
use ring_support::{Factory, Handle, Out, PERIOD, cfg30, live, out};

/// Small, round thresholds for hand-written cases: restart when more than 100 back, gap when
/// more than 15 ahead.
fn small_cfg() -> RingConfig {
    RingConfig::for_frame_period(10).with_restart_threshold(100)
}

fn push<const N: usize>(
    ring: &mut DelayRing<Handle, N>,
    f: &mut Factory,
    kept: &mut Vec<Handle>,
    pts: u64,
) -> Out {
    let h = f.make();
    out(ring.push(pts, h), kept)
}

fn check_identities<const N: usize>(ring: &DelayRing<Handle, N>) {
    let c = ring.counters();
    assert_eq!(c.pushed, c.stored + c.duplicates + c.late + c.no_pts, "{c:?}");
    assert_eq!(
        c.stored,
        c.evicted + c.flushed + c.popped + ring.len() as u64 + ring.stale_len() as u64,
        "{c:?}"
    );
    assert!(ring.len() + ring.stale_len() <= N);
}

#[test]
fn config_defaults_follow_the_frame_period() {
    let c = cfg30();
    assert_eq!(c.restart_threshold_ns, SECOND);
    assert_eq!(c.gap_threshold_ns, 49_999_999);
    // No overflow for an absurd period.
    assert_eq!(RingConfig::for_frame_period(u64::MAX).gap_threshold_ns, u64::MAX);
}

#[test]
fn a_ring_can_live_in_a_static() {
    static RING: DelayRing<u64, 210> = DelayRing::new(RingConfig::for_frame_period(PERIOD));
    assert!(RING.is_empty());
    assert_eq!(RING.capacity(), 210);
    assert_eq!(RING.counters(), Default::default());
}

#[test]
fn empty_ring_answers_none_everywhere() {
    let mut ring: DelayRing<Handle, 210> = DelayRing::new(cfg30());
    for q in [0, 1, PERIOD, u64::MAX - 1, u64::MAX] {
        assert!(ring.at_or_before(q).is_none());
        assert!(ring.at_or_after(q).is_none());
        assert!(ring.nearest(q).is_none());
        assert_eq!(ring.range(0, q).count(), 0);
    }
    assert!(ring.oldest().is_none() && ring.newest().is_none() && ring.get(0).is_none());
    assert_eq!((ring.len(), ring.stale_len(), ring.iter().len()), (0, 0, 0));
    assert!(ring.is_empty() && !ring.is_full());
    assert!(ring.pop_oldest().is_none() && ring.pop_stale().is_none());
    assert_eq!(ring.drain().count(), 0);
    check_identities(&ring);
}

#[test]
fn full_ring_evicts_oldest_first_and_returns_it() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 7> = DelayRing::new(cfg30());
    for i in 0..7 {
        assert_eq!(push(&mut ring, &mut f, &mut kept, frame_pts(i, 30, 1)), Out::Stored);
    }
    assert!(ring.is_full());
    for i in 7..100 {
        let o = push(&mut ring, &mut f, &mut kept, frame_pts(i, 30, 1));
        assert_eq!(o, Out::Evicted { pts: frame_pts(i - 7, 30, 1), id: i - 7, stale: false });
        assert_eq!(ring.len(), 7);
        assert_eq!(ring.oldest().unwrap().pts, frame_pts(i - 6, 30, 1));
    }
    let c = ring.counters();
    assert_eq!((c.pushed, c.stored, c.evicted, c.high_water), (100, 100, 93, 7));
    assert_eq!((c.gaps, c.restarts, c.late, c.duplicates, c.no_pts), (0, 0, 0, 0, 0));
    assert_eq!(f.live(), 100, "no handle dropped");
    check_identities(&ring);
}

#[test]
fn ring_of_one_keeps_the_newest() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 1> = DelayRing::new(small_cfg());
    assert_eq!(push(&mut ring, &mut f, &mut kept, 5), Out::Stored);
    assert_eq!(push(&mut ring, &mut f, &mut kept, 6), Out::Evicted { pts: 5, id: 0, stale: false });
    assert_eq!(live(&ring), vec![(6, 1)]);
    // Restart on a ring of one: the only entry goes stale and is released by the same push.
    let o = push(&mut ring, &mut f, &mut kept, 1_000_000);
    assert_eq!(o, Out::Evicted { pts: 6, id: 1, stale: false }, "a forward jump is a gap");
    assert_eq!(ring.counters().gaps, 1);
    let o = push(&mut ring, &mut f, &mut kept, 0);
    assert_eq!(o, Out::Evicted { pts: 1_000_000, id: 2, stale: true });
    assert_eq!((live(&ring), ring.stale_len()), (vec![(0, 3)], 0));
    assert_eq!(f.live(), 4);
    check_identities(&ring);
}

#[test]
fn duplicate_pts_is_rejected_and_the_ring_is_unchanged() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 210> = DelayRing::new(cfg30());
    let _ = push(&mut ring, &mut f, &mut kept, 0);
    let _ = push(&mut ring, &mut f, &mut kept, PERIOD);
    let before = live(&ring);
    let o = push(&mut ring, &mut f, &mut kept, PERIOD);
    assert_eq!(o, Out::Rejected { pts: PERIOD, id: 2, reason: Reject::Duplicate });
    assert_eq!(live(&ring), before);
    assert_eq!(ring.counters().duplicates, 1);
    // A PTS equal to an older entry is behind the newest: late, not duplicate.
    let o = push(&mut ring, &mut f, &mut kept, 0);
    assert_eq!(o, Out::Rejected { pts: 0, id: 3, reason: Reject::Late });
    check_identities(&ring);
}

#[test]
fn late_frame_within_threshold_is_rejected_and_counted() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 210> = DelayRing::new(cfg30());
    for i in 0..40 {
        let _ = push(&mut ring, &mut f, &mut kept, 10 * SECOND + frame_pts(i, 30, 1));
    }
    let newest = ring.newest().unwrap().pts;
    let before = live(&ring);
    for back in [1, PERIOD, SECOND / 2, SECOND] {
        let o = push(&mut ring, &mut f, &mut kept, newest - back);
        assert!(matches!(o, Out::Rejected { reason: Reject::Late, .. }), "{back}: {o:?}");
    }
    assert_eq!(live(&ring), before);
    let c = ring.counters();
    assert_eq!((c.late, c.restarts, c.stored), (4, 0, 40));
    check_identities(&ring);
}

#[test]
fn restart_one_past_the_threshold_flushes_lazily() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 7> = DelayRing::new(cfg30());
    let t0 = 100 * SECOND;
    for i in 0..7 {
        let _ = push(&mut ring, &mut f, &mut kept, t0 + frame_pts(i, 30, 1));
    }
    let newest = ring.newest().unwrap().pts;
    // Exactly the threshold back is still late...
    let o = push(&mut ring, &mut f, &mut kept, newest - SECOND);
    assert!(matches!(o, Out::Rejected { reason: Reject::Late, .. }));
    // ...one nanosecond more is a new stream. The new frame is stored and the oldest old entry
    // leaves with it.
    let restart = newest - SECOND - 1;
    let o = push(&mut ring, &mut f, &mut kept, restart);
    assert_eq!(o, Out::Evicted { pts: t0, id: 0, stale: true });
    assert_eq!(ring.counters().restarts, 1);
    assert_eq!((ring.len(), ring.stale_len()), (1, 6));
    assert_eq!(live(&ring), vec![(restart, 8)]);
    // Stale entries are invisible to every lookup.
    for q in [0, t0, newest, u64::MAX] {
        assert_eq!(ring.nearest(q).map(|e| e.pts), Some(restart));
    }
    assert_eq!(ring.range(0, u64::MAX).count(), 1);
    assert!(ring.at_or_before(restart - 1).is_none());
    assert!(ring.at_or_after(restart + 1).is_none());
    // Each following push releases exactly one stale entry, oldest first, never a burst.
    for k in 1..7u64 {
        let o = push(&mut ring, &mut f, &mut kept, restart + k * PERIOD);
        assert_eq!(o, Out::Evicted { pts: t0 + frame_pts(k, 30, 1), id: k, stale: true });
        assert_eq!(ring.stale_len(), 6 - k as usize);
    }
    // Now the new timeline fills the ring and evicts its own oldest.
    let o = push(&mut ring, &mut f, &mut kept, restart + 7 * PERIOD);
    assert_eq!(o, Out::Evicted { pts: restart, id: 8, stale: false });
    let c = ring.counters();
    assert_eq!((c.flushed, c.evicted, c.restarts, c.high_water), (7, 1, 1, 7));
    assert_eq!(f.live(), f.made() as i64);
    check_identities(&ring);
}

#[test]
fn restart_on_a_partly_filled_ring_releases_one_stale_per_push() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 210> = DelayRing::new(cfg30());
    for i in 0..5 {
        let _ = push(&mut ring, &mut f, &mut kept, 3600 * SECOND + frame_pts(i, 30, 1));
    }
    let o = push(&mut ring, &mut f, &mut kept, 0);
    assert_eq!(o, Out::Evicted { pts: 3600 * SECOND, id: 0, stale: true });
    assert_eq!((ring.len(), ring.stale_len()), (1, 4));
    // The caller may drain the rest explicitly, oldest first.
    let drained: Vec<u64> = std::iter::from_fn(|| ring.pop_stale()).map(|(_, h)| h.id).collect();
    assert_eq!(drained, vec![1, 2, 3, 4]);
    assert!(ring.pop_stale().is_none());
    // With nothing stale left, pushes store without releasing.
    assert_eq!(push(&mut ring, &mut f, &mut kept, PERIOD), Out::Stored);
    assert_eq!(live(&ring), vec![(0, 5), (PERIOD, 6)]);
    check_identities(&ring);
}

#[test]
fn second_restart_while_stale_pending_keeps_release_order() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 7> = DelayRing::new(small_cfg());
    for p in [1000, 1010, 1020] {
        let _ = push(&mut ring, &mut f, &mut kept, p); // ids 0, 1, 2
    }
    let _ = push(&mut ring, &mut f, &mut kept, 500); // id 3, restart: releases id 0
    let _ = push(&mut ring, &mut f, &mut kept, 510); // id 4: releases id 1
    let o = push(&mut ring, &mut f, &mut kept, 0); // id 5, second restart: releases id 2
    assert_eq!(o, Out::Evicted { pts: 1020, id: 2, stale: true });
    assert_eq!((ring.len(), ring.stale_len()), (1, 2));
    let rest: Vec<u64> = ring.drain().map(|(_, h)| h.id).collect();
    assert_eq!(rest, vec![3, 4, 5], "stale of both old timelines in arrival order, then live");
    assert_eq!(ring.counters().restarts, 2);
    check_identities(&ring);
}

#[test]
fn explicit_flush_behaves_like_a_restart() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 7> = DelayRing::new(small_cfg());
    for p in [10, 20, 30] {
        let _ = push(&mut ring, &mut f, &mut kept, p);
    }
    ring.flush();
    assert!(ring.is_empty() && ring.nearest(20).is_none());
    assert_eq!(ring.stale_len(), 3);
    // The new timeline may start anywhere, even inside the old one's range: not late.
    let o = push(&mut ring, &mut f, &mut kept, 15);
    assert_eq!(o, Out::Evicted { pts: 10, id: 0, stale: true });
    let c = ring.counters();
    assert_eq!((c.flushes, c.restarts, c.late), (1, 0, 0));
    check_identities(&ring);
}

#[test]
fn gaps_are_stored_and_measured() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 210> = DelayRing::new(cfg30());
    let _ = push(&mut ring, &mut f, &mut kept, 0);
    let _ = push(&mut ring, &mut f, &mut kept, PERIOD);
    // Jitter up to 1.5 periods is not a gap.
    let _ = push(&mut ring, &mut f, &mut kept, PERIOD + PERIOD * 3 / 2);
    assert_eq!(ring.counters().gaps, 0);
    let t = ring.newest().unwrap().pts;
    // Three frames missing.
    assert_eq!(push(&mut ring, &mut f, &mut kept, t + 4 * PERIOD), Out::Stored);
    // A 10 s outage.
    assert_eq!(push(&mut ring, &mut f, &mut kept, t + 4 * PERIOD + 10 * SECOND), Out::Stored);
    let c = ring.counters();
    assert_eq!((c.gaps, c.gap_ns_total, c.max_gap_ns), (2, 4 * PERIOD + 10 * SECOND, 10 * SECOND));
    // Lookups across the gap pick the frame before it.
    let inside = t + 4 * PERIOD + 5 * SECOND;
    assert_eq!(ring.at_or_before(inside).unwrap().pts, t + 4 * PERIOD);
    assert_eq!(ring.at_or_after(inside).unwrap().pts, t + 4 * PERIOD + 10 * SECOND);
    assert_eq!(ring.len(), 5);
    check_identities(&ring);
}

#[test]
fn missing_pts_is_rejected_on_empty_and_filled_rings() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 7> = DelayRing::new(cfg30());
    let o = push(&mut ring, &mut f, &mut kept, CLOCK_TIME_NONE);
    assert_eq!(o, Out::Rejected { pts: u64::MAX, id: 0, reason: Reject::NoPts });
    assert!(ring.is_empty());
    let _ = push(&mut ring, &mut f, &mut kept, 5);
    let o = push(&mut ring, &mut f, &mut kept, CLOCK_TIME_NONE);
    assert_eq!(o, Out::Rejected { pts: u64::MAX, id: 2, reason: Reject::NoPts });
    assert_eq!(live(&ring), vec![(5, 1)]);
    assert_eq!(ring.counters().no_pts, 2);
    check_identities(&ring);
}

#[test]
fn extreme_timestamps_are_ordinary() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 7> = DelayRing::new(cfg30());
    assert_eq!(push(&mut ring, &mut f, &mut kept, 0), Out::Stored);
    assert_eq!(push(&mut ring, &mut f, &mut kept, u64::MAX - 1), Out::Stored);
    let c = ring.counters();
    assert_eq!((c.gaps, c.max_gap_ns), (1, u64::MAX - 1));
    assert_eq!(ring.at_or_before(u64::MAX).unwrap().pts, u64::MAX - 1);
    assert!(ring.at_or_after(u64::MAX).is_none());
    assert_eq!(ring.at_or_after(1).unwrap().pts, u64::MAX - 1);
    assert_eq!(ring.nearest(u64::MAX).unwrap().pts, u64::MAX - 1);
    assert_eq!(ring.nearest(u64::MAX / 2).unwrap().pts, 0, "tie goes to the earlier");
    assert_eq!(ring.nearest(u64::MAX / 2 + 1).unwrap().pts, u64::MAX - 1);
    assert_eq!(ring.range(0, u64::MAX).count(), 2);
    assert_eq!(ring.range(u64::MAX, u64::MAX).count(), 0);
    // From the top of the range back to 0: a restart.
    let o = push(&mut ring, &mut f, &mut kept, 0);
    assert!(matches!(o, Out::Evicted { stale: true, .. }));
    assert_eq!(live(&ring), vec![(0, 2)]);
    // Saturating gap total: another maximal gap.
    let _ = push(&mut ring, &mut f, &mut kept, u64::MAX - 1);
    assert_eq!(ring.counters().gap_ns_total, u64::MAX);
    check_identities(&ring);
}

/// Every query in `qs` against a linear scan of `live`.
fn check_lookups<const N: usize>(ring: &DelayRing<Handle, N>, qs: impl Iterator<Item = u64>) {
    let v = live(ring);
    let idx = |i: Option<usize>| i.map(|i| (v[i].0, v[i].1, i));
    let got = |e: Option<pitchcam_core::ring::Entry<'_, Handle>>| {
        e.map(|e| (e.pts, e.handle.id, e.index))
    };
    for q in qs {
        let before = v.iter().rposition(|e| e.0 <= q);
        let after = v.iter().position(|e| e.0 >= q);
        let nearest = match (before, after) {
            (Some(b), Some(a)) => Some(if q - v[b].0 <= v[a].0 - q { b } else { a }),
            (b, a) => b.or(a),
        };
        assert_eq!(got(ring.at_or_before(q)), idx(before), "at_or_before({q}) in {v:?}");
        assert_eq!(got(ring.at_or_after(q)), idx(after), "at_or_after({q}) in {v:?}");
        assert_eq!(got(ring.nearest(q)), idx(nearest), "nearest({q}) in {v:?}");
        for r in [0, 1, 5, 10, 25, u64::MAX] {
            let to = q.saturating_add(r);
            let want: Vec<_> = v.iter().copied().filter(|e| q <= e.0 && e.0 <= to).collect();
            let have: Vec<_> = ring.range(q, to).map(|e| (e.pts, e.handle.id)).collect();
            assert_eq!(have, want, "range({q}, {to}) in {v:?}");
            let back: Vec<_> = ring.range(q, to).rev().map(|e| (e.pts, e.handle.id)).collect();
            assert_eq!(back, want.iter().rev().copied().collect::<Vec<_>>());
            assert_eq!(ring.range(q, to).len(), want.len());
            assert_eq!(ring.range(to, q).count(), usize::from(to == q) * want.len());
        }
    }
}

#[test]
fn lookups_at_every_boundary() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 7> = DelayRing::new(small_cfg());
    for p in [10, 20, 30] {
        let _ = push(&mut ring, &mut f, &mut kept, p);
    }
    let pts = |e: Option<pitchcam_core::ring::Entry<'_, Handle>>| e.map(|e| e.pts);
    assert_eq!(pts(ring.at_or_before(9)), None);
    assert_eq!(pts(ring.at_or_before(10)), Some(10));
    assert_eq!(pts(ring.at_or_before(19)), Some(10));
    assert_eq!(pts(ring.at_or_before(31)), Some(30));
    assert_eq!(pts(ring.at_or_after(9)), Some(10));
    assert_eq!(pts(ring.at_or_after(11)), Some(20));
    assert_eq!(pts(ring.at_or_after(30)), Some(30));
    assert_eq!(pts(ring.at_or_after(31)), None);
    assert_eq!(pts(ring.nearest(15)), Some(10));
    assert_eq!(pts(ring.nearest(16)), Some(20));
    assert_eq!(ring.at_or_before(25).unwrap().index, 1);
    assert_eq!(ring.range(11, 29).map(|e| e.pts).collect::<Vec<_>>(), vec![20]);
    check_lookups(&ring, 0..40);
}

#[test]
fn lookups_across_the_physical_wrap() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 7> = DelayRing::new(small_cfg());
    // Every fill level and every rotation of the storage, with lookups checked at each step.
    for i in 0..40u64 {
        let _ = push(&mut ring, &mut f, &mut kept, 10 * i + 5);
        check_lookups(&ring, (0..=10 * i + 20).chain([u64::MAX - 1, u64::MAX]));
        let v = live(&ring);
        let fwd: Vec<_> = ring.iter().map(|e| (e.pts, e.index)).collect();
        let rev: Vec<_> = ring.iter().rev().map(|e| (e.pts, e.index)).collect();
        assert_eq!(fwd.iter().rev().copied().collect::<Vec<_>>(), rev);
        assert!(fwd.iter().enumerate().all(|(i, e)| e.1 == i));
        assert!(v.windows(2).all(|w| w[0].0 < w[1].0));
    }
    check_identities(&ring);
}

#[test]
fn long_run_wraps_storage_many_times() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 210> = DelayRing::new(cfg30());
    for i in 0..20_000u64 {
        let pts = frame_pts(i, 30, 1);
        let o = push(&mut ring, &mut f, &mut kept, pts);
        assert_eq!(o == Out::Stored, i < 210);
        kept.clear(); // release evicted handles as playback would
        if i >= 210 {
            // 210 entries span 209 frame periods: once the newest frame is in, the frame
            // exactly 7 s (210 periods) back has just left. The caller sizes N with a margin.
            assert_eq!(ring.at_or_before(pts - 7 * SECOND).map(|e| e.pts), None);
            let e = ring.at_or_before(frame_pts(i - 209, 30, 1) + PERIOD / 2).unwrap();
            assert_eq!((e.pts, e.index), (frame_pts(i - 209, 30, 1), 0));
            assert_eq!(ring.nearest(pts + 1).unwrap().index, 209);
        }
    }
    assert_eq!(ring.len(), 210);
    assert_eq!(f.live(), 210, "exactly the ring's entries are alive");
    let c = ring.counters();
    assert_eq!((c.stored, c.evicted, c.gaps, c.high_water), (20_000, 19_790, 0, 210));
    drop(ring);
    assert_eq!(f.live(), 0);
}

#[test]
fn pop_oldest_while_stale_pending_rotates_only_the_stale_release_order() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 7> = DelayRing::new(small_cfg());
    for p in [1000, 1010, 1020, 1030] {
        let _ = push(&mut ring, &mut f, &mut kept, p); // ids 0..=3
    }
    let _ = push(&mut ring, &mut f, &mut kept, 0); // id 4, releases id 0; stale 1, 2, 3
    let _ = push(&mut ring, &mut f, &mut kept, 10); // id 5, releases id 1; stale 2, 3
    let (pts, h) = ring.pop_oldest().unwrap();
    assert_eq!((pts, h.id), (0, 4));
    assert_eq!(live(&ring), vec![(10, 5)]);
    let stale: Vec<u64> = std::iter::from_fn(|| ring.pop_stale()).map(|(_, h)| h.id).collect();
    assert_eq!(stale, vec![3, 2], "the oldest stale entry moved behind the others");
    assert_eq!(ring.pop_oldest().map(|(p, h)| (p, h.id)), Some((10, 5)));
    assert!(ring.pop_oldest().is_none());
    assert_eq!(ring.counters().popped, 2);
    check_identities(&ring);
}

#[test]
fn an_abandoned_drain_keeps_the_rest() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 7> = DelayRing::new(small_cfg());
    for p in [10, 20, 30, 40] {
        let _ = push(&mut ring, &mut f, &mut kept, p);
    }
    let first: Vec<_> = {
        let mut d = ring.drain();
        assert_eq!(d.len(), 4);
        let first: Vec<_> = d.by_ref().take(2).collect();
        assert_eq!(d.len(), 2);
        first
    }; // the drain iterator ends here with two entries untaken
    assert_eq!(first.iter().map(|e| e.0).collect::<Vec<_>>(), vec![10, 20]);
    assert_eq!(live(&ring), vec![(30, 2), (40, 3)]);
    assert_eq!(f.live(), 4);
    // After a full drain the ring starts a new timeline anywhere.
    let rest: Vec<_> = ring.drain().collect();
    assert_eq!(rest.len(), 2);
    assert_eq!(push(&mut ring, &mut f, &mut kept, 0), Out::Stored);
    check_identities(&ring);
}

#[test]
fn push_result_helpers() {
    let mut f = Factory::default();
    let mut ring: DelayRing<Handle, 1> = DelayRing::new(small_cfg());
    let p = ring.push(1, f.make());
    assert!(p.is_stored());
    assert!(p.into_released().is_none());
    let p = ring.push(2, f.make());
    assert!(p.is_stored());
    assert_eq!(p.into_released().map(|(pts, h)| (pts, h.id)), Some((1, 0)));
    let p = ring.push(2, f.make());
    assert!(!p.is_stored());
    assert!(matches!(p, Push::Rejected { reason: Reject::Duplicate, .. }));
    assert_eq!(p.into_released().map(|(pts, h)| (pts, h.id)), Some((2, 2)));
    // Debug never needs `H: Debug` and shows the timeline.
    let s = format!("{ring:?}");
    assert!(s.contains("newest_pts: Some(2)"), "{s}");
}

#[test]
fn scripted_mix_conserves_every_handle() {
    let (mut f, mut kept) = (Factory::default(), Vec::new());
    let mut ring: DelayRing<Handle, 7> = DelayRing::new(small_cfg());
    let script = [
        5,
        15,
        15,
        10,
        40,
        41,
        u64::MAX,
        0,
        3,
        200,
        1000,
        990,
        1001,
        100,
        101,
        102,
        103,
        104,
        105,
        106,
        107,
        108,
        u64::MAX - 1,
        0,
        1,
    ];
    for (k, &p) in script.iter().enumerate() {
        let _ = push(&mut ring, &mut f, &mut kept, p);
        if k % 5 == 4 {
            kept.extend(ring.pop_oldest().map(|e| e.1));
        }
        if k % 7 == 6 {
            kept.extend(ring.pop_stale().map(|e| e.1));
        }
        if k == 12 {
            ring.flush();
        }
        check_identities(&ring);
        assert_eq!(f.live(), f.made() as i64);
    }
    kept.extend(ring.drain().map(|e| e.1));
    assert!(ring.is_empty() && ring.stale_len() == 0);
    let mut ids: Vec<u64> = kept.iter().map(|h| h.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..f.made()).collect::<Vec<_>>(), "every handle came back exactly once");
    drop(kept);
    assert_eq!(f.live(), 0);
}

//! The observation window: one entry per captured frame, oldest first, in a fixed ring.
//!
//! Each entry keeps what the forward pass learnt when the observation arrived (the ball filter's
//! prior and posterior, flags, the player summary), so that each playback tick only runs the
//! backward pass over the window.

use super::kf::Kf;

/// A measurement was accepted for the ball at this frame.
pub(crate) const F_MEAS: u8 = 1;
/// The ball filter holds a state at this frame.
pub(crate) const F_TRACK: u8 = 2;
/// The filter (re)started here: smoothing must not cross into the frame before.
pub(crate) const F_SEG_START: u8 = 4;
/// A kick was accepted at this frame (the prior carries the kick's uncertainty).
pub(crate) const F_KICK: u8 = 8;
/// `cand` holds a detection of the chain that may start (or move) a track.
pub(crate) const F_CAND: u8 = 16;

/// The player summary of one frame in float pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Players {
    pub count: u16,
    pub cx: f32,
    pub cy: f32,
    pub sx: f32,
    pub sy: f32,
}

/// What the window keeps about one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Entry {
    pub pts: u64,
    /// Seconds since the previous entry (0 for the first).
    pub dt: f32,
    pub flags: u8,
    /// Seconds since the last accepted measurement (valid with `F_TRACK`).
    pub since_meas: f32,
    /// Seconds the filtered ball has been still, up to this frame.
    pub still_run: f32,
    /// Accepted measurement (with `F_MEAS`), px.
    pub meas: [f32; 2],
    /// Candidate of the chain that may start (or move) a track (with `F_CAND`), px.
    pub cand: [f32; 2],
    /// Filter prediction for this frame (x, y), before the measurement.
    pub prior: [Kf; 2],
    /// Filter state after the measurement (x, y).
    pub post: [Kf; 2],
    pub players: Players,
}

/// A ring of `W` entries, oldest first.
#[derive(Clone, Debug)]
pub(crate) struct Window<const W: usize> {
    entries: [Entry; W],
    head: usize,
    len: usize,
}

impl<const W: usize> Window<W> {
    pub fn new() -> Self {
        Window { entries: [Entry::default(); W], head: 0, len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }

    fn slot(&self, i: usize) -> usize {
        let s = self.head + i;
        if s >= W { s - W } else { s }
    }

    /// The entry `i` places after the oldest. Panics only on a caller bug (`i >= len`).
    pub fn get(&self, i: usize) -> &Entry {
        debug_assert!(i < self.len);
        &self.entries[self.slot(i)]
    }

    pub fn get_mut(&mut self, i: usize) -> &mut Entry {
        debug_assert!(i < self.len);
        let s = self.slot(i);
        &mut self.entries[s]
    }

    pub fn newest(&self) -> Option<&Entry> {
        if self.len == 0 { None } else { Some(self.get(self.len - 1)) }
    }

    /// Appends `e`; when full, the oldest entry is dropped and returned.
    pub fn push(&mut self, e: Entry) -> Option<Entry> {
        if W == 0 {
            return Some(e);
        }
        if self.len == W {
            let old = self.entries[self.head];
            self.entries[self.head] = e;
            self.head = self.slot(1);
            Some(old)
        } else {
            let s = self.slot(self.len);
            self.entries[s] = e;
            self.len += 1;
            None
        }
    }

    /// Index of the newest entry with `pts <= t`, or `None` when every entry is later.
    pub fn at_or_before(&self, t: u64) -> Option<usize> {
        if self.len == 0 || self.get(0).pts > t {
            return None;
        }
        // Invariant: entry lo has pts <= t; entries at or past hi have pts > t.
        let (mut lo, mut hi) = (0usize, self.len);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid).pts <= t {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(pts: u64) -> Entry {
        Entry { pts, ..Entry::default() }
    }

    #[test]
    fn ring_drops_oldest_and_searches() {
        let mut w = Window::<4>::new();
        assert_eq!(w.at_or_before(10), None);
        for p in [10, 20, 30, 40] {
            assert_eq!(w.push(e(p)), None);
        }
        assert_eq!(w.push(e(50)).map(|x| x.pts), Some(10));
        assert_eq!(w.len(), 4);
        assert_eq!(w.get(0).pts, 20);
        assert_eq!(w.at_or_before(19), None);
        assert_eq!(w.at_or_before(20), Some(0));
        assert_eq!(w.at_or_before(45), Some(2));
        assert_eq!(w.at_or_before(1000), Some(3));
    }
}

//! Drawing the match into NV12 frame buffers, touching only what changed.
//!
//! A frame is the static background — stands, advertising boards, striped grass, white lines, the
//! goals and a spare ball — plus the moving objects: people (with shadows) and the ball (with its
//! shadow and motion blur). The background is never stored: every row of it is a short list of
//! constant-colour spans computed from the [`Pitch`](crate::sim::pitch::Pitch) perspective (every image row is a line of
//! constant depth, so lines, stripes and circles cut a row in a few intervals), so any rectangle of
//! it can be regenerated at memset speed.
//!
//! Frame buffers come from a pool and return to it, so the renderer keeps, per pool slot, the list
//! of rectangles it drew objects into the last time it rendered into that buffer. Rendering a new
//! frame into a used slot restores those rectangles from the background and draws the new objects;
//! only the first use of a slot paints the whole background. A frame rendered this way is
//! byte-identical to a fresh full render of the same truth.

mod background;
mod figures;
mod raster;

use super::truth::{MAX_PEOPLE, Truth};
use super::{MAX_SIZE, MIN_SIZE, SimError};
use crate::geom::Size;
use crate::image::Nv12Mut;
use background::Background;
use figures::{draw_ball, draw_person};
use raster::Dirty;

/// Most object rectangles remembered per slot; more objects are merged into the last rectangle.
pub const MAX_DIRTY: usize = 40;

/// Why a frame was not rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderError {
    /// The slot index is not below the renderer's slot capacity.
    BadSlot {
        /// The slot asked for.
        slot: usize,
        /// The renderer's capacity.
        slots: usize,
    },
    /// The frame's size is not the renderer's.
    SizeMismatch {
        /// The renderer's size.
        expected: Size,
        /// The frame's size.
        got: Size,
    },
}

impl core::fmt::Display for RenderError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RenderError::BadSlot { slot, slots } => {
                write!(f, "render slot {slot} out of range (capacity {slots})")
            }
            RenderError::SizeMismatch { expected, got } => write!(
                f,
                "frame is {}x{}, the renderer draws {}x{}",
                got.w, got.h, expected.w, expected.h
            ),
        }
    }
}

/// What one [`Renderer::render`] call did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderInfo {
    /// The whole background was painted (first use of the slot, or after an invalidation).
    pub full: bool,
    /// Rectangles restored from the background.
    pub restored_rects: u32,
    /// Luma pixels restored from the background.
    pub restored_px: u64,
    /// Objects drawn.
    pub objects: u32,
}

#[derive(Clone, Copy, Debug)]
struct SlotState {
    painted: bool,
    n: u8,
    rects: [Dirty; MAX_DIRTY],
}

const FRESH: SlotState =
    SlotState { painted: false, n: 0, rects: [Dirty { x0: 0, y0: 0, x1: 0, y1: 0 }; MAX_DIRTY] };

/// Something to draw, in far-to-near order.
#[derive(Clone, Copy, Debug)]
enum Obj {
    Person(u8),
    Ball,
}

/// The NV12 renderer for `SLOTS` pool buffers. ~0.4 KB of state per slot.
#[derive(Clone, Debug)]
pub struct Renderer<const SLOTS: usize> {
    size: Size,
    bg: Background,
    slots: [SlotState; SLOTS],
}

impl<const SLOTS: usize> Renderer<SLOTS> {
    /// A renderer for panoramas of `size` (the limits of [`super::SimConfig::validate`]).
    pub fn new(size: Size) -> Result<Self, SimError> {
        if size.w < MIN_SIZE.w || size.h < MIN_SIZE.h {
            return Err(SimError::SizeTooSmall);
        }
        if size.w > MAX_SIZE.w || size.h > MAX_SIZE.h {
            return Err(SimError::SizeTooLarge);
        }
        if size.w % 2 == 1 || size.h % 2 == 1 {
            return Err(SimError::OddSize);
        }
        Ok(Renderer { size, bg: Background::new(size), slots: [FRESH; SLOTS] })
    }

    /// The panorama size drawn.
    pub fn size(&self) -> Size {
        self.size
    }

    /// Forgets what slot `slot` holds: the next render into it paints the whole background (call
    /// when the buffer behind a slot was replaced or written by someone else).
    pub fn invalidate(&mut self, slot: usize) -> Result<(), RenderError> {
        let s = self.slots.get_mut(slot).ok_or(RenderError::BadSlot { slot, slots: SLOTS })?;
        *s = FRESH;
        Ok(())
    }

    /// Forgets every slot.
    pub fn invalidate_all(&mut self) {
        self.slots = [FRESH; SLOTS];
    }

    /// Draws `truth` into `frame`, the buffer of pool slot `slot`. The slot must always name the
    /// same buffer memory: the renderer assumes it still holds what it drew there last time.
    pub fn render(
        &mut self,
        slot: usize,
        truth: &Truth,
        frame: &mut Nv12Mut<'_>,
    ) -> Result<RenderInfo, RenderError> {
        if slot >= SLOTS {
            return Err(RenderError::BadSlot { slot, slots: SLOTS });
        }
        let got = Size { w: frame.width, h: frame.height };
        if got != self.size {
            return Err(RenderError::SizeMismatch { expected: self.size, got });
        }
        let mut info = RenderInfo::default();
        let st = &mut self.slots[slot];
        if st.painted {
            for r in &st.rects[..st.n as usize] {
                self.bg.restore(frame, r);
                info.restored_rects += 1;
                info.restored_px += (r.x1 - r.x0) as u64 * (r.y1 - r.y0) as u64;
            }
        } else {
            let all = Dirty { x0: 0, y0: 0, x1: self.size.w as u16, y1: self.size.h as u16 };
            self.bg.restore(frame, &all);
            info.full = true;
            st.painted = true;
        }
        // Far to near, so nearer things cover farther ones.
        let mut order = [(0f32, Obj::Ball); MAX_PEOPLE + 1];
        let mut n = 0;
        for (i, p) in truth.people().iter().enumerate() {
            order[n] = (p.bbox[3], Obj::Person(i as u8));
            n += 1;
        }
        order[n] = (truth.ball.ground[1], Obj::Ball);
        n += 1;
        for i in 1..n {
            let mut j = i;
            // `!(a <= b)` keeps NaN depths from looping and the sort stable.
            while j > 0 && order[j - 1].0 > order[j].0 {
                order.swap(j - 1, j);
                j -= 1;
            }
        }
        st.n = 0;
        for &(_, obj) in &order[..n] {
            let rect = match obj {
                Obj::Person(i) => draw_person(&truth.people[i as usize], frame),
                Obj::Ball => draw_ball(truth, frame),
            };
            if let Some(r) = rect {
                info.objects += 1;
                if (st.n as usize) < MAX_DIRTY {
                    st.rects[st.n as usize] = r;
                    st.n += 1;
                } else {
                    let l = &mut st.rects[MAX_DIRTY - 1];
                    *l = Dirty {
                        x0: l.x0.min(r.x0),
                        y0: l.y0.min(r.y0),
                        x1: l.x1.max(r.x1),
                        y1: l.y1.max(r.y1),
                    };
                }
            }
        }
        Ok(info)
    }
}

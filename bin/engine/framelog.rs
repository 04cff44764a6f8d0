//! `frames.csv` (`--log-frames`): one line per output frame — its PTS, the crop the virtual
//! camera cut out of the panorama and, with the sim source, where the ball truly was — so the
//! recording can be checked against the truth frame by frame (the end-to-end tests do) and a
//! user can plot what the camera did.
//!
//! Written by the control thread from what it already drains (the sim's truths, playback's
//! crops), never by a realtime thread. Truths arrive `delay` before their crop; the ones still
//! waiting are kept in a bounded queue of small records (not whole `Truth`s).

use pitchcam::core::geom::Rect;
use pitchcam::core::sim::truth::Truth;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// File name inside the output folder.
pub const FILE_NAME: &str = "frames.csv";
/// Column names, the file's first line.
pub const HEADER: &str = "pts_ns,crop_x,crop_y,crop_w,crop_h,ball_x,ball_y,ball_r,in_play,visible";
/// Truths kept waiting for their crop (a 15 s delay at 60 fps is 900; beyond this the oldest go:
/// playback stopped showing frames, and their lines get empty ball columns).
const MAX_PENDING: usize = 4096;

#[derive(Clone, Copy, Debug)]
struct Ball {
    pts: u64,
    pos: [f32; 2],
    radius: f32,
    in_play: bool,
    visible: bool,
}

/// The frame log being written.
pub struct FrameLog {
    path: PathBuf,
    out: BufWriter<File>,
    pending: VecDeque<Ball>,
    lines: u64,
    error: Option<std::io::Error>,
}

impl FrameLog {
    /// Creates `frames.csv` in `dir` and writes the header.
    pub fn create(dir: &Path) -> Result<FrameLog, String> {
        let path = dir.join(FILE_NAME);
        let file =
            File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let mut out = BufWriter::new(file);
        writeln!(out, "{HEADER}").map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(FrameLog { path, out, pending: VecDeque::with_capacity(1024), lines: 0, error: None })
    }

    /// The sim's truth of one captured frame (in capture order).
    pub fn truth(&mut self, t: &Truth) {
        if self.pending.len() == MAX_PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back(Ball {
            pts: t.pts,
            pos: t.ball.pos,
            radius: t.ball.radius,
            in_play: t.ball.in_play,
            visible: t.ball.visible,
        });
    }

    /// One output frame: its capture PTS and crop. Writes its line.
    pub fn crop(&mut self, pts: u64, rect: Rect) {
        while self.pending.front().is_some_and(|b| b.pts < pts) {
            self.pending.pop_front();
        }
        let ball = self.pending.front().filter(|b| b.pts == pts).copied();
        let r = match ball {
            Some(b) => writeln!(
                self.out,
                "{pts},{},{},{},{},{:.2},{:.2},{:.2},{},{}",
                rect.x,
                rect.y,
                rect.w,
                rect.h,
                b.pos[0],
                b.pos[1],
                b.radius,
                u8::from(b.in_play),
                u8::from(b.visible)
            ),
            None => writeln!(self.out, "{pts},{},{},{},{},,,,,", rect.x, rect.y, rect.w, rect.h),
        };
        match r {
            Ok(()) => self.lines += 1,
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }

    /// Flushes the file. Returns the number of lines written (without the header).
    pub fn finish(mut self) -> Result<u64, String> {
        if let Some(e) = self.error.take() {
            return Err(format!("{}: {e}", self.path.display()));
        }
        self.out.flush().map_err(|e| format!("{}: {e}", self.path.display()))?;
        Ok(self.lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn truth(pts: u64, x: f32) -> Truth {
        let mut t = Truth { pts, ..Default::default() };
        t.ball.pos = [x, 20.0];
        t.ball.radius = 3.0;
        t.ball.in_play = true;
        t.ball.visible = pts != 2;
        t
    }

    #[test]
    fn joins_crops_with_their_truth_by_pts() {
        let dir = std::env::temp_dir().join(format!("pitchcam-framelog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut log = FrameLog::create(&dir).unwrap();
        for k in 0..4 {
            log.truth(&truth(k, 100.0 + k as f32));
        }
        let rect = Rect { x: 10, y: 4, w: 320, h: 180 };
        log.crop(1, rect); // frame 0 never shown: skipped, not joined to frame 1
        log.crop(2, rect);
        log.crop(7, rect); // no truth (e.g. evicted): empty ball columns
        assert_eq!(log.finish().unwrap(), 3);
        let text = std::fs::read_to_string(dir.join(FILE_NAME)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], HEADER);
        assert_eq!(lines[1], "1,10,4,320,180,101.00,20.00,3.00,1,1");
        assert_eq!(lines[2], "2,10,4,320,180,102.00,20.00,3.00,1,0");
        assert_eq!(lines[3], "7,10,4,320,180,,,,,");
        assert_eq!(lines[0].split(',').count(), lines[3].split(',').count());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

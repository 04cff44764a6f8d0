//! Fault: the process is killed (SIGKILL) while recording.
//!
//! Defined behaviour (docs/faults.md): every finished segment plays entirely; the open one is
//! recoverable — a Matroska file is written cluster by cluster, so a demuxer reads every cluster
//! that reached the disk. (SIGINT — a clean stop, every file finalised, exit 0 — is proven by
//! tests/engine_sigint.rs.)

mod faults_support;
use faults_support::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn spawn(dir: &std::path::Path, segment_s: u32) -> std::process::Child {
    let cfg = ci_config(dir, segment_s, "");
    Command::new(BIN)
        .args(["run", "--config", cfg.to_str().unwrap(), "--duration", "forever", "--out"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pitchcam")
}

fn wait_for_segments(dir: &std::path::Path, n: usize, child: &mut std::process::Child) {
    let t0 = Instant::now();
    while segments(dir, "vcam").len() < n {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("pitchcam ended early: {st}");
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no {n} segments after 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigkill_mid_recording_loses_only_the_unwritten_tail() {
    let dir = out_dir("fault-sigkill");
    let mut child = spawn(&dir, 2);
    // Three segments exist: two are finished; kill 1 s into the third.
    wait_for_segments(&dir, 3, &mut child);
    std::thread::sleep(Duration::from_millis(1000));
    send_signal(&mut child, libc::SIGKILL);
    let st = child.wait().unwrap();
    assert!(!st.success());
    let segs = segments(&dir, "vcam");
    let (open, finished) = segs.split_last().unwrap();
    assert!(finished.len() >= 2, "{segs:?}");
    for s in finished {
        let d = decode(s);
        assert!(d.error.is_none(), "finished segment {} plays: {:?}", s.display(), d.error);
        assert_eq!(d.frames, d.decoded);
        assert!(
            d.frames >= 55,
            "{}: a 2-s segment holds about 60 frames, got {}",
            s.display(),
            d.frames
        );
        assert_eq!(d.gaps(1_000_000_000 / 30), 0, "{}", s.display());
    }
    let d = decode(open);
    println!(
        "open segment {}: {} frames demuxed, {} decoded, ended with {:?}",
        open.display(),
        d.frames,
        d.decoded,
        d.error
    );
    assert!(d.decoded >= 1, "the open segment is recoverable: {d:?}");
    assert_eq!(d.gaps(1_000_000_000 / 30), 0);
}

/// `kill(2)` through the `kill` command, so the test has no `unsafe`.
fn send_signal(child: &mut std::process::Child, sig: i32) {
    let st =
        Command::new("kill").arg(format!("-{sig}")).arg(child.id().to_string()).status().unwrap();
    assert!(st.success());
}

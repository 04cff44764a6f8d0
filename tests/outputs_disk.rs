//! The recording's disk faults (issue 7's list, owned by the outputs): the disk fills up, or the
//! output folder becomes read-only, in the middle of a run. Expected: a clear error naming the
//! cause, the live stream unaffected (every frame delivered), and the recording back in a new
//! segment once space or permission returns — the earlier segments untouched.
//!
//! The faults are real: a small tmpfs mounted for the test and filled up; a read-only bind
//! mount over the folder. Both need root (CAP_SYS_ADMIN), which CI has here; without it the
//! test fails and says so.

mod outputs_support;
use outputs_support::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path, size_mb: u32) -> Mount {
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mb}m"), "tmpfs"])
            .arg(at)
            .status()
            .expect("run mount");
        assert!(st.success(), "mounting a tmpfs failed: this test needs root (CAP_SYS_ADMIN)");
        Mount(at.to_path_buf())
    }

    fn read_only_bind(at: &Path) -> Mount {
        let st =
            Command::new("mount").args(["--bind", "-o", "ro"]).arg(at).arg(at).status().unwrap();
        assert!(st.success(), "a read-only bind mount failed: this test needs root");
        Mount(at.to_path_buf())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let p = dir.join("filler.bin");
    let mut f = std::fs::File::create(&p).unwrap();
    let block = vec![0xA5u8; 1 << 20];
    while f.write_all(&block).is_ok() {}
    let _ = f.sync_all();
    p
}

fn args(out: &Path, cfg: &Path, url: &str, secs: u32) -> Vec<String> {
    std::fs::write(cfg, "[output]\nsegment_s = 2\nkeyframe_interval = 30\n").unwrap();
    let mut a = small_run(out, secs);
    a.extend(["--config".into(), cfg.to_str().unwrap().into(), "--stream".into(), url.into()]);
    a
}

fn check(r: &Run, out: &Path, cause: &str) {
    assert!(r.ok, "{}", r.stderr);
    let rep = &r.report;
    let rec = output(rep, "record");
    assert!(rec["failures"].as_u64().unwrap() >= 1, "the fault was not seen: {rec}\n{}", r.stderr);
    assert!(rec["restarts"].as_u64().unwrap() >= 1, "{rec}");
    assert_eq!(rec["state"], "up", "the recording did not come back: {rec}\n{}", r.stderr);
    assert!(rec["video_dropped"].as_u64().unwrap() > 0, "the gap is not counted: {rec}");
    let down: Vec<&str> = r.stderr.lines().filter(|l| l.contains("(record) down")).collect();
    assert_eq!(down.len(), 1, "{}", r.stderr);
    assert!(down[0].contains(cause), "the error does not say why: {}", down[0]);
    assert_eq!(
        r.stderr.lines().filter(|l| l.contains("(record) is back")).count(),
        1,
        "{}",
        r.stderr
    );
    // The stream did not notice.
    let s = output(rep, "rtmp");
    assert_eq!(s["failures"], 0, "{s}");
    assert_eq!(s["video_dropped"], 0, "{s}");
    assert_eq!(s["video_frames"].as_u64(), Some(recorded(rep)), "{s}");
    // Segments before and after the fault, numbered on (nothing overwritten), and the ones
    // after it complete and readable.
    let segs = segments(out, "vcam");
    assert!(segs.len() >= 3, "{segs:?}");
    let last = segs.last().unwrap();
    let (n, audio) = count_frames(last);
    assert!(n > 0 && audio, "{}: {n} frames, audio {audio}", last.display());
    let total: u64 = segs.iter().map(|p| count_frames(p).0).sum();
    assert!(total < rep["frames_out"].as_u64().unwrap(), "no gap in the recording?");
}

#[test]
fn disk_full_then_space_returns() {
    let _turn = serial();
    let nginx = Nginx::start("disk-full");
    let base = out_dir("outputs-disk-full");
    let out = base.join("mnt");
    std::fs::create_dir_all(&out).unwrap();
    let _m = Mount::tmpfs(&out, 48);
    let child = spawn(&args(&out, &base.join("c.toml"), &nginx.url("k"), 26), &base);
    std::thread::sleep(Duration::from_secs(6));
    let filler = fill(&out);
    std::thread::sleep(Duration::from_secs(5));
    std::fs::remove_file(&filler).unwrap();
    let r = finish(child, &base);
    check(&r, &out, "No space left");
    drop(_m);
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn folder_read_only_then_writable_again() {
    let _turn = serial();
    let nginx = Nginx::start("disk-ro");
    let base = out_dir("outputs-disk-ro");
    let out = base.join("mnt");
    std::fs::create_dir_all(&out).unwrap();
    let _m = Mount::tmpfs(&out, 256);
    let child = spawn(&args(&out, &base.join("c.toml"), &nginx.url("k"), 26), &base);
    std::thread::sleep(Duration::from_secs(6));
    let ro = Mount::read_only_bind(&out);
    std::thread::sleep(Duration::from_secs(5));
    drop(ro);
    let r = finish(child, &base);
    check(&r, &out, "Read-only file system");
    drop(_m);
    let _ = std::fs::remove_dir_all(&base);
}

/// Frames every recording and stream carries: each output frame once, plus the repeats of the
/// last frame that kept the rate while a frame was missing (`frames_repeated`).
fn recorded(rep: &serde_json::Value) -> u64 {
    rep["frames_out"].as_u64().unwrap() + rep["frames_repeated"].as_u64().unwrap_or(0)
}

//! Fault: the analysis thread stalls for 3 s (injected with `PITCHCAM_FAULT_ANALYSIS_STALL_MS`).
//!
//! Defined behaviour (docs/faults.md): capture never waits for analysis — the probe drops the
//! stalled frames' tensors into a full queue, counted as `analysis_queue_full` — and playback
//! keeps its cadence, planning with the observations it has (the camera holds its last plan);
//! no video frame is lost.

mod faults_support;
use faults_support::*;

#[test]
fn stalled_analysis_costs_observations_never_frames() {
    let dir = out_dir("fault-analysis-stall");
    let cfg = ci_config(&dir, 60, "");
    let (_, r) = run_ok(
        &dir,
        &cfg,
        &["--duration", "14"],
        &[("PITCHCAM_FAULT_ANALYSIS_STALL_MS", "3000@60")],
    );
    let lost = num(&r, &["drops", "analysis_queue_full"]);
    // 3 s at 30 fps = 90 frames' tensors arrive while it sleeps; its queue holds 16.
    assert!(lost >= 60.0, "overflow is counted: {lost}");
    assert!(num(&r, &["capture", "analysed"]) + lost >= num(&r, &["frames_in"]) - 20.0);
    // Capture and playback went on: every captured frame was output or is in the delay window.
    assert_eq!(num(&r, &["drops", "capture_queue_full"]), 0.0, "capture never blocked");
    assert_eq!(
        num(&r, &["frames_out"])
            + num(&r, &["frames_in_window_at_stop"])
            + num(&r, &["frames_dropped"]),
        num(&r, &["frames_in"])
    );
    assert_eq!(num(&r, &["frames_repeated"]), 0.0, "frames kept coming: nothing to hold");
    let d = &r["delay_scheduled_range_s"];
    assert!(
        d[0].as_f64().unwrap() >= 2.0 - 1.0 / 30.0 && d[1].as_f64().unwrap() <= 2.0 + 1.0 / 30.0,
        "{d}"
    );
    assert_recording_complete(&dir, &r);
}

#[test]
fn a_malformed_stall_switch_is_refused() {
    let dir = out_dir("fault-analysis-stall-bad");
    let o = run(
        &["run", "--duration", "5", "--out", dir.to_str().unwrap()],
        &[("PITCHCAM_FAULT_ANALYSIS_STALL_MS", "soon")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("PITCHCAM_FAULT_ANALYSIS_STALL_MS"), "{}", text(&o));
}

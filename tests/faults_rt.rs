//! Fault: no realtime privilege. The binary runs as a child without CAP_SYS_NICE (dropped from
//! its bounding, inheritable and ambient sets with `setpriv`) and with RLIMIT_RTPRIO 0
//! (`prlimit`): SCHED_FIFO is refused. Defined behaviour: a warning per thread, the run goes on
//! with normal scheduling, `rt_active=false` in the report.

mod faults_support;
use faults_support::*;
use std::process::Command;

#[test]
fn without_cap_sys_nice_it_warns_and_runs() {
    let dir = out_dir("fault-no-rt");
    let cfg = ci_config(&dir, 60, "");
    let o = Command::new("setpriv")
        .args([
            "--inh-caps=-sys_nice",
            "--bounding-set=-sys_nice",
            "--ambient-caps=-sys_nice",
            "--",
        ])
        .args(["prlimit", "--rtprio=0:0", "--"])
        .arg(BIN)
        .args([
            "run",
            "--config",
            cfg.to_str().unwrap(),
            "--duration",
            "8",
            "--out",
            dir.to_str().unwrap(),
        ])
        .output()
        .expect("setpriv and prlimit (util-linux: run scripts/setup)");
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("no realtime scheduling"), "a warning names the degraded mode: {t}");
    let r = report(&dir);
    assert_eq!(r["rt_active"], serde_json::Value::Bool(false), "{r:#}");
    assert!(num(&r, &["frames_out"]) > 100.0, "it ran: {r:#}");
    assert!(r["thread_plan"].as_str().unwrap().contains("RT off"));
}

/// The control: the same run with the privilege gets SCHED_FIFO (this machine's tests run as
/// root), so the test above fails for the right reason.
#[test]
fn with_cap_sys_nice_it_gets_realtime() {
    if !pitchcam::os::caps::has_capability(pitchcam::os::caps::CAP_SYS_NICE) {
        panic!("this test needs CAP_SYS_NICE (run the tests as root, as CI does)");
    }
    let dir = out_dir("fault-rt");
    let cfg = ci_config(&dir, 60, "");
    let (_, r) = run_ok(&dir, &cfg, &["--duration", "6"], &[]);
    assert_eq!(r["rt_active"], serde_json::Value::Bool(true));
}

//! Thread pinning, SCHED_FIFO (working and degraded), memory locking, stack prefault, metrics.
//!
//! Steps that change process-wide state (resource limits, mlockall) run in a child process: the
//! test re-executes this binary with `--exact <child test>` and an environment variable that
//! arms the child; without the variable the child tests return at once.

use std::process::Command;
use std::time::Duration;

use pitchcam::os::{self, MlockOutcome, RtError, caps, metrics, rt};

const CHILD_ENV: &str = "PITCHCAM_OS_RT_CHILD";

fn run_child(test: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .output()
        .expect("re-executing the test binary");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "child {test} failed:\n{text}");
    assert!(text.contains(&format!("CHILD-OK {test}")), "child {test} did not run:\n{text}");
    text
}

fn armed(test: &str) -> bool {
    std::env::var(CHILD_ENV).as_deref() == Ok(test)
}

#[test]
fn pinning_restricts_the_thread_to_one_core() {
    let allowed = os::current_affinity().unwrap();
    assert!(!allowed.is_empty());
    let target = *allowed.last().unwrap();
    let got = std::thread::spawn(move || {
        os::pin_current_thread(target).unwrap();
        os::current_affinity().unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(got, vec![target]);
    assert_eq!(os::current_affinity().unwrap(), allowed, "other threads are unaffected");
}

#[test]
fn pinning_to_a_missing_core_names_the_available_ones() {
    let allowed = os::current_affinity().unwrap();
    let e = std::thread::spawn(|| os::pin_current_thread(1000)).join().unwrap().unwrap_err();
    assert_eq!(e, RtError::CoreNotAllowed { core: 1000, allowed: allowed.clone() });
    assert_eq!(
        e.to_string(),
        format!(
            "cannot pin to core 1000: not available to this process (available: {})",
            os::format_cpu_list(&allowed)
        )
    );
    assert!(matches!(os::pin_current_thread_to(&[]), Err(RtError::Affinity { .. })));
}

#[test]
fn pinning_to_a_set_is_inherited_by_new_threads() {
    let allowed = os::current_affinity().unwrap();
    let set = vec![allowed[0]];
    let (mine, child) = std::thread::spawn(move || {
        os::pin_current_thread_to(&set).unwrap();
        let child = std::thread::spawn(|| os::current_affinity().unwrap()).join().unwrap();
        (os::current_affinity().unwrap(), child)
    })
    .join()
    .unwrap();
    assert_eq!(mine, vec![allowed[0]]);
    assert_eq!(child, vec![allowed[0]], "threads created afterwards inherit the set");
}

#[test]
fn fifo_works_with_privilege_or_fails_typed() {
    let permitted = rt::fifo_permitted(10);
    let (r, state) = std::thread::spawn(|| {
        let r = os::set_current_thread_fifo(10);
        let state = os::current_thread_fifo();
        let _ = os::set_current_thread_normal();
        (r, state)
    })
    .join()
    .unwrap();
    if permitted {
        assert_eq!(r, Ok(()));
        assert_eq!(state, (true, 10));
    } else {
        assert!(matches!(r, Err(RtError::FifoNotPermitted { priority: 10, .. })), "{r:?}");
        assert!(!state.0);
    }
    assert_eq!(os::set_current_thread_fifo(0), Err(RtError::InvalidPriority(0)));
    assert_eq!(os::set_current_thread_fifo(100), Err(RtError::InvalidPriority(100)));
}

/// The degraded path, made real: the child lowers its soft RLIMIT_RTPRIO to 0 and a thread drops
/// CAP_SYS_NICE from its effective set — exactly an unprivileged service. SCHED_FIFO must then
/// fail with the typed EPERM error, the thread keeps running at normal priority, and the status
/// reports it.
#[test]
fn fifo_degraded_path() {
    let out = run_child("fifo_degraded_child");
    assert!(out.contains("SCHED_FIFO 20 not permitted (EPERM)"), "{out}");
}

#[test]
fn fifo_degraded_child() {
    if !armed("fifo_degraded_child") {
        return;
    }
    caps::lower_rtprio_soft_limit(0).unwrap();
    assert_eq!(caps::rtprio_limit().unwrap().soft, Some(0));
    let core = *os::current_affinity().unwrap().last().unwrap();
    let st = std::thread::spawn(move || {
        if caps::has_capability(caps::CAP_SYS_NICE) {
            caps::drop_effective_capability(caps::CAP_SYS_NICE).unwrap();
        }
        assert!(!caps::has_capability(caps::CAP_SYS_NICE));
        assert!(!rt::fifo_permitted(20));
        let e = os::set_current_thread_fifo(20).unwrap_err();
        assert_eq!(e, RtError::FifoNotPermitted { priority: 20, rtprio_limit: Some(0) });
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "one line");
        assert!(msg.contains("CAP_SYS_NICE") && msg.contains("LimitRTPRIO=20"), "{msg}");
        println!("{msg}");
        // The full setup degrades the same way: pinned, not realtime, one warning.
        let st = os::setup_current_thread(Some(core), Some(20), 64 * 1024);
        assert!(!os::current_thread_fifo().0);
        st
    })
    .join()
    .unwrap();
    assert_eq!(st.pinned_core, Some(core));
    assert!(!st.rt_active());
    assert_eq!(st.warnings.len(), 1, "{:?}", st.warnings);
    assert_eq!(st.summary(), format!("core {core}, SCHED_OTHER, mlock off"));
    println!("CHILD-OK fifo_degraded_child");
}

#[test]
fn setup_reports_what_took_effect() {
    let core = *os::current_affinity().unwrap().first().unwrap();
    let permitted = rt::fifo_permitted(5);
    let st = std::thread::spawn(move || {
        let st = os::setup_current_thread(Some(core), Some(5), 128 * 1024);
        let _ = os::set_current_thread_normal();
        st
    })
    .join()
    .unwrap();
    assert_eq!(st.pinned_core, Some(core));
    assert_eq!(st.rt_active(), permitted);
    if permitted {
        assert!(st.warnings.is_empty(), "{:?}", st.warnings);
        assert_eq!(st.summary(), format!("core {core}, SCHED_FIFO 5, mlock off"));
    }
}

#[test]
fn mlock_future_only_when_unlimited_or_capable() {
    assert!(rt::future_lock_allowed(None, false));
    assert!(rt::future_lock_allowed(Some(8 << 20), true));
    assert!(!rt::future_lock_allowed(Some(8 << 20), false));
}

#[test]
fn mlock_in_child() {
    let out = run_child("mlock_child");
    assert!(out.contains("privileged:") && out.contains("unprivileged:"), "{out}");
}

fn vm_locked_kb() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = s.lines().find(|l| l.starts_with("VmLck:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn mlock_child() {
    if !armed("mlock_child") {
        return;
    }
    // Without CAP_IPC_LOCK (dropped on this thread) and with a finite RLIMIT_MEMLOCK, MCL_FUTURE
    // must not be used; MCL_CURRENT either fits the limit or fails with a clear message.
    let limit = caps::memlock_limit().unwrap().soft;
    let unpriv = std::thread::spawn(|| {
        let _ = caps::drop_effective_capability(caps::CAP_IPC_LOCK);
        let o = os::lock_memory();
        let _ = os::rt::unlock_memory();
        o
    })
    .join()
    .unwrap();
    if limit.is_some() {
        assert_ne!(unpriv, MlockOutcome::Locked { future: true }, "MCL_FUTURE with a finite limit");
        if let MlockOutcome::Failed { .. } = &unpriv {
            assert!(unpriv.to_string().contains("RLIMIT_MEMLOCK"), "{unpriv}");
        }
    }
    println!("unprivileged: {unpriv}");
    // With CAP_IPC_LOCK (root here), or an unlimited limit, everything is locked, future too.
    if caps::has_capability(caps::CAP_IPC_LOCK) || limit.is_none() {
        let o = os::lock_memory();
        assert_eq!(o, MlockOutcome::Locked { future: true });
        assert!(vm_locked_kb() > 0, "VmLck reports locked memory");
        os::rt::unlock_memory().unwrap();
        assert_eq!(vm_locked_kb(), 0);
        println!("privileged: {o}");
    } else {
        println!("privileged: not available here (no CAP_IPC_LOCK, finite limit)");
    }
    println!("CHILD-OK mlock_child");
}

#[test]
fn prefault_touches_the_stack_without_overflow() {
    let h = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(|| {
            os::prefault_stack(512 * 1024);
            os::prefault_stack(0);
            true
        })
        .unwrap();
    assert!(h.join().unwrap());
}

#[test]
fn metrics_follow_memory_and_cpu() {
    let m0 = metrics::memory().unwrap();
    assert!(m0.rss_bytes > 0 && m0.vm_size_bytes >= m0.rss_bytes);
    let mut big = vec![0u8; 64 << 20];
    for i in (0..big.len()).step_by(4096) {
        big[i] = 1;
    }
    let m1 = metrics::memory().unwrap();
    assert!(m1.rss_bytes >= m0.rss_bytes + (32 << 20), "{m0:?} → {m1:?}");
    assert!(metrics::peak_rss_bytes().unwrap() >= m1.rss_bytes);
    std::hint::black_box(&big);
    drop(big);
    let mut meter = metrics::CpuMeter::new();
    let t0 = metrics::thread_cpu_time_ns();
    let mut x = 0u64;
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_millis(50) {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    let used = metrics::thread_cpu_time_ns() - t0;
    assert!(used > 0, "thread CPU time advances while busy");
    let pct = meter.sample().unwrap();
    assert!(pct > 0.0 && pct <= 100.0 * 64.0, "{pct}");
    assert!(metrics::process_cpu_time_ns() >= used);
}

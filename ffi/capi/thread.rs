//! Pinning and realtime scheduling for the calling C thread.
//!
//! Raw `libc` here (sched_setaffinity, pthread_setschedparam) so each failure maps to its own
//! status; `ffi/os` (on another branch) wraps the same calls for pitchcam's own threads with
//! `core_affinity` / `thread-priority` — to be merged into one helper once it lands.

use std::ffi::c_int;
use std::io;

use super::status::{Status, boundary};

/// Maps an errno of a scheduling call to a status.
fn errno_status(err: i32) -> Status {
    match err {
        libc::EPERM => Status::NoPrivilege,
        libc::EINVAL => Status::InvalidArg,
        _ => Status::Os,
    }
}

/// Restricts the calling thread to CPU `core` (0-based, as in `/proc/cpuinfo`).
/// `PC_ERR_INVALID_ARG` if `core` is negative, beyond `CPU_SETSIZE`, offline or outside the
/// process's cpuset; `PC_ERR_NO_PRIVILEGE` on EPERM.
#[unsafe(no_mangle)]
pub extern "C" fn pc_thread_pin(core: c_int) -> c_int {
    boundary(|| {
        if !(0..libc::CPU_SETSIZE).contains(&core) {
            return Err(Status::InvalidArg);
        }
        // SAFETY: an all-zero cpu_set_t is the empty set (a plain bit array).
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: `core` is in 0..CPU_SETSIZE, inside the set's bit array.
        unsafe { libc::CPU_SET(core as usize, &mut set) };
        // SAFETY: pid 0 is the calling thread; `set` is a valid cpu_set_t of the size passed.
        let rc = unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) };
        if rc != 0 {
            return Err(errno_status(io::Error::last_os_error().raw_os_error().unwrap_or(0)));
        }
        Ok(())
    })
}

/// Sets the calling thread's scheduling: `priority` 1..=99 is SCHED_FIFO at that priority, 0 goes
/// back to SCHED_OTHER. `PC_ERR_INVALID_ARG` for other values; `PC_ERR_NO_PRIVILEGE` without
/// CAP_SYS_NICE or a sufficient RLIMIT_RTPRIO (the thread keeps running as it was).
#[unsafe(no_mangle)]
pub extern "C" fn pc_thread_set_realtime(priority: c_int) -> c_int {
    boundary(|| {
        let policy = if priority == 0 { libc::SCHED_OTHER } else { libc::SCHED_FIFO };
        // SAFETY: plain queries of the scheduler's priority range.
        let (lo, hi) =
            unsafe { (libc::sched_get_priority_min(policy), libc::sched_get_priority_max(policy)) };
        if !(lo..=hi).contains(&priority) {
            return Err(Status::InvalidArg);
        }
        let param = libc::sched_param { sched_priority: priority };
        // SAFETY: pthread_self() is the calling thread; `param` is a valid sched_param.
        let rc = unsafe { libc::pthread_setschedparam(libc::pthread_self(), policy, &param) };
        if rc != 0 {
            return Err(errno_status(rc));
        }
        Ok(())
    })
}

//! Realtime setup of a thread: core pinning, SCHED_FIFO, memory locking, stack prefault.
//!
//! Every step degrades instead of failing the program: without privileges each returns a typed
//! error whose `Display` is one line saying what is missing and how to grant it, and
//! [`setup_current_thread`] collects those lines into an [`RtStatus`] for the status line and
//! the report. Nothing here panics or aborts.

use std::fmt;
use std::io;

use thread_priority::{
    Error as TpError, RealtimeThreadSchedulePolicy, ThreadPriority, ThreadPriorityValue,
    ThreadSchedulePolicy,
};

use super::caps::{self, CAP_IPC_LOCK, CAP_SYS_NICE};
use super::topology::format_cpu_list;

/// Why a realtime step failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RtError {
    /// The core is not in this thread's allowed set.
    CoreNotAllowed {
        /// Requested core.
        core: usize,
        /// Cores the thread may use.
        allowed: Vec<usize>,
    },
    /// `sched_setaffinity` failed.
    Affinity {
        /// Requested cores.
        cores: Vec<usize>,
        /// errno.
        errno: i32,
    },
    /// SCHED_FIFO priorities are 1..=99.
    InvalidPriority(u8),
    /// SCHED_FIFO refused for lack of privilege (EPERM).
    FifoNotPermitted {
        /// Requested priority.
        priority: u8,
        /// Soft `RLIMIT_RTPRIO` (`None` = unlimited).
        rtprio_limit: Option<u64>,
    },
    /// Another SCHED_FIFO failure (errno or library message).
    Fifo(String),
}

impl fmt::Display for RtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtError::CoreNotAllowed { core, allowed } => write!(
                f,
                "cannot pin to core {core}: not available to this process (available: {})",
                format_cpu_list(allowed)
            ),
            RtError::Affinity { cores, errno } => write!(
                f,
                "cannot pin to cores {}: {}",
                format_cpu_list(cores),
                io::Error::from_raw_os_error(*errno)
            ),
            RtError::InvalidPriority(p) => {
                write!(f, "SCHED_FIFO priority {p} is outside 1..=99")
            }
            RtError::FifoNotPermitted { priority, rtprio_limit } => write!(
                f,
                "SCHED_FIFO {priority} not permitted (EPERM): needs CAP_SYS_NICE or \
                 RLIMIT_RTPRIO >= {priority} (current limit {}); running at normal priority — \
                 grant with `LimitRTPRIO={priority}` (systemd) or `ulimit -r {priority}`",
                rtprio_limit.map_or("unlimited".to_owned(), |l| l.to_string())
            ),
            RtError::Fifo(m) => write!(f, "SCHED_FIFO failed: {m}; running at normal priority"),
        }
    }
}

impl std::error::Error for RtError {}

/// The cores the calling thread may run on (`sched_getaffinity`).
pub fn current_affinity() -> io::Result<Vec<usize>> {
    // SAFETY: a zeroed cpu_set_t is the empty set; valid out-pointer and size.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above; pid 0 = calling thread.
    let r = unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: CPU_ISSET reads the initialised set; indices are below CPU_SETSIZE.
    Ok((0..libc::CPU_SETSIZE as usize).filter(|&c| unsafe { libc::CPU_ISSET(c, &set) }).collect())
}

/// Pins the calling thread to one core (through `core_affinity`), checking first that the core
/// is in the thread's allowed set.
pub fn pin_current_thread(core: usize) -> Result<(), RtError> {
    let allowed = current_affinity().map_err(|e| RtError::Affinity {
        cores: vec![core],
        errno: e.raw_os_error().unwrap_or(0),
    })?;
    if !allowed.contains(&core) {
        return Err(RtError::CoreNotAllowed { core, allowed });
    }
    if core_affinity::set_for_current(core_affinity::CoreId { id: core }) {
        Ok(())
    } else {
        // core_affinity drops errno; it is still the thread's last error right after the call.
        let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
        Err(RtError::Affinity { cores: vec![core], errno })
    }
}

/// Restricts the calling thread to a set of cores (threads it creates afterwards inherit the
/// set: how GStreamer's streaming threads are kept on their cluster).
pub fn pin_current_thread_to(cores: &[usize]) -> Result<(), RtError> {
    let err = |errno| RtError::Affinity { cores: cores.to_vec(), errno };
    if cores.is_empty() || cores.iter().any(|&c| c >= libc::CPU_SETSIZE as usize) {
        return Err(err(libc::EINVAL));
    }
    // SAFETY: zeroed cpu_set_t is empty; CPU_SET indices are checked above.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &c in cores {
        // SAFETY: `c < CPU_SETSIZE`.
        unsafe { libc::CPU_SET(c, &mut set) };
    }
    // SAFETY: initialised set, correct size; pid 0 = calling thread.
    let r = unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) };
    if r != 0 {
        return Err(err(io::Error::last_os_error().raw_os_error().unwrap_or(0)));
    }
    Ok(())
}

/// The calling thread's scheduling policy as `(is_fifo, priority)`.
pub fn current_thread_fifo() -> (bool, i32) {
    let mut policy = 0;
    // SAFETY: zeroed sched_param is valid for an out-parameter.
    let mut param: libc::sched_param = unsafe { std::mem::zeroed() };
    // SAFETY: the calling thread's handle and valid out-pointers.
    let r = unsafe { libc::pthread_getschedparam(libc::pthread_self(), &mut policy, &mut param) };
    if r != 0 {
        return (false, 0);
    }
    (policy == libc::SCHED_FIFO, param.sched_priority)
}

/// Switches the calling thread to SCHED_FIFO at `priority` (1..=99).
pub fn set_current_thread_fifo(priority: u8) -> Result<(), RtError> {
    if !(1..=99).contains(&priority) {
        return Err(RtError::InvalidPriority(priority));
    }
    let value =
        ThreadPriorityValue::try_from(priority).map_err(|_| RtError::InvalidPriority(priority))?;
    let r = thread_priority::set_thread_priority_and_policy(
        thread_priority::thread_native_id(),
        ThreadPriority::Crossplatform(value),
        ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
    );
    match r {
        Ok(()) => Ok(()),
        Err(TpError::OS(e)) if e == libc::EPERM => Err(RtError::FifoNotPermitted {
            priority,
            rtprio_limit: caps::rtprio_limit().ok().and_then(|l| l.soft),
        }),
        Err(TpError::OS(e)) => Err(RtError::Fifo(io::Error::from_raw_os_error(e).to_string())),
        Err(other) => Err(RtError::Fifo(format!("{other:?}"))),
    }
}

/// Returns the calling thread to SCHED_OTHER (priority 0).
pub fn set_current_thread_normal() -> Result<(), RtError> {
    // SAFETY: zeroed sched_param = priority 0, required for SCHED_OTHER.
    let param: libc::sched_param = unsafe { std::mem::zeroed() };
    // SAFETY: the calling thread's handle and a valid param.
    let r = unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_OTHER, &param) };
    if r != 0 {
        return Err(RtError::Fifo(io::Error::from_raw_os_error(r).to_string()));
    }
    Ok(())
}

/// What [`lock_memory`] did.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum MlockOutcome {
    /// Not attempted.
    #[default]
    NotRequested,
    /// Locked: current mappings always; future ones when `future`.
    Locked {
        /// Whether `MCL_FUTURE` was included.
        future: bool,
    },
    /// `mlockall` failed (memory stays unlocked; the program runs on).
    Failed {
        /// errno.
        errno: i32,
        /// Soft `RLIMIT_MEMLOCK` in bytes (`None` = unlimited).
        limit: Option<u64>,
    },
}

impl MlockOutcome {
    /// Whether memory is locked.
    pub fn is_locked(&self) -> bool {
        matches!(self, MlockOutcome::Locked { .. })
    }
}

impl fmt::Display for MlockOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MlockOutcome::NotRequested => write!(f, "mlock off"),
            MlockOutcome::Locked { future: true } => write!(f, "mlock current+future"),
            MlockOutcome::Locked { future: false } => write!(f, "mlock current"),
            MlockOutcome::Failed { errno, limit } => write!(
                f,
                "mlock failed ({}; RLIMIT_MEMLOCK {}): memory may page — grant CAP_IPC_LOCK or \
                 `LimitMEMLOCK=infinity`",
                io::Error::from_raw_os_error(*errno),
                limit.map_or("unlimited".to_owned(), |l| format!("{} KiB", l / 1024))
            ),
        }
    }
}

/// Whether `MCL_FUTURE` is safe: only with an unlimited memlock limit or `CAP_IPC_LOCK`.
/// With a finite limit, `mlockall(MCL_FUTURE)` succeeds and a later large allocation then
/// fails and aborts the process (rust-practice TL;DR 5, verified on the reference machine).
pub fn future_lock_allowed(memlock_soft: Option<u64>, has_ipc_lock: bool) -> bool {
    memlock_soft.is_none() || has_ipc_lock
}

/// Locks the process's current memory (`MCL_CURRENT`), plus future mappings only when
/// [`future_lock_allowed`]. Call after every pool and ring is preallocated.
pub fn lock_memory() -> MlockOutcome {
    let limit = caps::memlock_limit().ok().and_then(|l| l.soft);
    let future = future_lock_allowed(limit, caps::has_capability(CAP_IPC_LOCK));
    let flags = libc::MCL_CURRENT | if future { libc::MCL_FUTURE } else { 0 };
    // SAFETY: plain syscall with valid flags.
    if unsafe { libc::mlockall(flags) } == 0 {
        MlockOutcome::Locked { future }
    } else {
        MlockOutcome::Failed {
            errno: io::Error::last_os_error().raw_os_error().unwrap_or(0),
            limit,
        }
    }
}

/// Undoes [`lock_memory`].
pub fn unlock_memory() -> io::Result<()> {
    // SAFETY: plain syscall.
    if unsafe { libc::munlockall() } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

const PREFAULT_CHUNK: usize = 16 * 1024;

/// Touches `bytes` of the calling thread's stack below the current frame, so the pages are
/// mapped before the realtime loop needs them. Keep `bytes` well below the thread's stack size.
pub fn prefault_stack(bytes: usize) {
    #[inline(never)]
    fn touch(remaining: usize) -> u8 {
        let mut chunk = [0u8; PREFAULT_CHUNK];
        // Write through black_box so the array is really materialised and every page touched.
        for i in (0..PREFAULT_CHUNK).step_by(256) {
            chunk[i] = i as u8;
        }
        let chunk = std::hint::black_box(&mut chunk);
        let below = if remaining > PREFAULT_CHUNK { touch(remaining - PREFAULT_CHUNK) } else { 0 };
        chunk[PREFAULT_CHUNK - 1].wrapping_add(below)
    }
    if bytes > 0 {
        std::hint::black_box(touch(bytes));
    }
}

/// The realtime state of one thread (and the process's memory lock), for the status line and
/// the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RtStatus {
    /// Core the thread is pinned to, if pinning was requested and worked.
    pub pinned_core: Option<usize>,
    /// SCHED_FIFO priority, if requested and active.
    pub fifo_priority: Option<u8>,
    /// Memory lock outcome (process-wide; filled by the caller of [`lock_memory`]).
    pub mlock: MlockOutcome,
    /// One line per step that did not work.
    pub warnings: Vec<String>,
}

impl RtStatus {
    /// Whether the thread runs SCHED_FIFO.
    pub fn rt_active(&self) -> bool {
        self.fifo_priority.is_some()
    }

    /// One line: `core 3, SCHED_FIFO 80, mlock current+future`.
    pub fn summary(&self) -> String {
        let core = self.pinned_core.map_or("unpinned".to_owned(), |c| format!("core {c}"));
        let fifo =
            self.fifo_priority.map_or("SCHED_OTHER".to_owned(), |p| format!("SCHED_FIFO {p}"));
        let mlock = match &self.mlock {
            MlockOutcome::Failed { .. } => "mlock failed".to_owned(),
            other => other.to_string(),
        };
        format!("{core}, {fifo}, {mlock}")
    }
}

/// Applies what is requested to the calling thread — pin to `core`, SCHED_FIFO at
/// `fifo_priority`, prefault `stack_bytes` of stack — and reports what took effect. Failures
/// become warnings; the thread keeps running either way.
pub fn setup_current_thread(
    core: Option<usize>,
    fifo_priority: Option<u8>,
    stack_bytes: usize,
) -> RtStatus {
    let mut st = RtStatus::default();
    if let Some(c) = core {
        match pin_current_thread(c) {
            Ok(()) => st.pinned_core = Some(c),
            Err(e) => st.warnings.push(e.to_string()),
        }
    }
    prefault_stack(stack_bytes);
    if let Some(p) = fifo_priority {
        match set_current_thread_fifo(p) {
            Ok(()) => st.fifo_priority = Some(p),
            Err(e) => st.warnings.push(e.to_string()),
        }
    }
    st
}

/// Whether the calling thread could use SCHED_FIFO at `priority` without trying it.
pub fn fifo_permitted(priority: u8) -> bool {
    caps::has_capability(CAP_SYS_NICE)
        || caps::rtprio_limit().ok().is_some_and(|l| l.soft.is_none_or(|s| s >= priority as u64))
}

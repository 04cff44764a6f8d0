//! Linux capabilities and resource limits that decide what realtime setup may do.
//!
//! Capabilities are per thread (`capget`/`capset` with pid 0 act on the calling thread only),
//! which is also what makes the degraded paths testable as root: a test thread can drop
//! `CAP_SYS_NICE` from its own effective set and see exactly what an unprivileged deployment
//! sees.

use std::io;

/// `CAP_IPC_LOCK`: lock memory beyond `RLIMIT_MEMLOCK`.
pub const CAP_IPC_LOCK: u32 = 14;
/// `CAP_SYS_NICE`: realtime scheduling policies regardless of `RLIMIT_RTPRIO`.
pub const CAP_SYS_NICE: u32 = 23;
/// `CAP_SYS_RESOURCE`: raise hard resource limits.
pub const CAP_SYS_RESOURCE: u32 = 24;

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

fn capget() -> io::Result<[CapData; 2]> {
    let mut hdr = CapHeader { version: LINUX_CAPABILITY_VERSION_3, pid: 0 };
    let mut data = [CapData::default(); 2];
    // SAFETY: header and a two-element data array as the v3 ABI requires; pid 0 = this thread.
    let r =
        unsafe { libc::syscall(libc::SYS_capget, &mut hdr as *mut CapHeader, data.as_mut_ptr()) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(data)
}

fn bit(cap: u32) -> (usize, u32) {
    ((cap / 32) as usize, 1u32 << (cap % 32))
}

/// Whether the calling thread has `cap` in its effective set.
pub fn has_capability(cap: u32) -> bool {
    let (i, m) = bit(cap);
    i < 2 && capget().is_ok_and(|d| d[i].effective & m != 0)
}

/// Removes `cap` from the calling thread's **effective** set only (it stays permitted, so
/// [`raise_effective_capability`] can restore it). Other threads are unaffected. Used to run a
/// thread the way an unprivileged deployment would (tests, fault injection).
pub fn drop_effective_capability(cap: u32) -> io::Result<()> {
    set_effective(cap, false)
}

/// Puts a permitted `cap` back into the calling thread's effective set.
pub fn raise_effective_capability(cap: u32) -> io::Result<()> {
    set_effective(cap, true)
}

fn set_effective(cap: u32, on: bool) -> io::Result<()> {
    let (i, m) = bit(cap);
    if i >= 2 {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let mut data = capget()?;
    if on {
        data[i].effective |= m;
    } else {
        data[i].effective &= !m;
    }
    let mut hdr = CapHeader { version: LINUX_CAPABILITY_VERSION_3, pid: 0 };
    // SAFETY: as in `capget`; the raw syscall changes the calling thread only.
    let r = unsafe { libc::syscall(libc::SYS_capset, &mut hdr as *mut CapHeader, data.as_ptr()) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A resource limit: `(soft, hard)`, `None` meaning unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Soft (enforced) limit.
    pub soft: Option<u64>,
    /// Hard (ceiling) limit.
    pub hard: Option<u64>,
}

fn getrlimit(resource: libc::__rlimit_resource_t) -> io::Result<Limit> {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: valid out-pointer.
    if unsafe { libc::getrlimit(resource, &mut r) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // rlim_t is 32 bits on some targets.
    #[allow(clippy::unnecessary_cast)]
    let f = |v: libc::rlim_t| (v != libc::RLIM_INFINITY).then_some(v as u64);
    Ok(Limit { soft: f(r.rlim_cur), hard: f(r.rlim_max) })
}

/// `RLIMIT_RTPRIO`: the highest SCHED_FIFO priority allowed without `CAP_SYS_NICE`.
pub fn rtprio_limit() -> io::Result<Limit> {
    getrlimit(libc::RLIMIT_RTPRIO)
}

/// `RLIMIT_MEMLOCK` in bytes.
pub fn memlock_limit() -> io::Result<Limit> {
    getrlimit(libc::RLIMIT_MEMLOCK)
}

/// Lowers the soft `RLIMIT_RTPRIO` of the process (always allowed; raising needs privilege).
/// Lets a deployment — or a test — run exactly as an unprivileged service would.
pub fn lower_rtprio_soft_limit(limit: u64) -> io::Result<()> {
    let cur = rtprio_limit()?;
    if cur.soft.is_some_and(|s| s <= limit) {
        return Ok(());
    }
    let hard = cur.hard.map_or(libc::RLIM_INFINITY, |h| h as libc::rlim_t);
    let r = libc::rlimit { rlim_cur: limit as libc::rlim_t, rlim_max: hard };
    // SAFETY: valid rlimit struct; lowering the soft limit needs no privilege.
    if unsafe { libc::setrlimit(libc::RLIMIT_RTPRIO, &r) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

//! Cheap process metrics for the status line and the report: RSS, virtual size, peak RSS, CPU
//! time. Reads go through fixed stack buffers (no heap allocation), so they may run on the
//! control thread every second without disturbing allocation counts.

use std::fs::File;
use std::io::{self, Read};
use std::time::Instant;

/// Reads a small `/proc` file into `buf`, returning the filled prefix.
fn read_proc<'a>(path: &str, buf: &'a mut [u8]) -> io::Result<&'a [u8]> {
    let mut f = File::open(path)?;
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(&buf[..n])
}

fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &c| {
        c.is_ascii_digit().then(|| acc.checked_mul(10)?.checked_add((c - b'0') as u64)).flatten()
    })
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 { p as u64 } else { 4096 }
}

/// Process memory from `/proc/self/statm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    /// Virtual size in bytes (every mapping, touched or not).
    pub vm_size_bytes: u64,
    /// Resident set size in bytes.
    pub rss_bytes: u64,
}

/// Current virtual size and RSS.
pub fn memory() -> io::Result<Memory> {
    let mut buf = [0u8; 256];
    let s = read_proc("/proc/self/statm", &mut buf)?;
    let mut it = s.split(|&c| c == b' ' || c == b'\n').filter(|f| !f.is_empty());
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "unexpected /proc/self/statm format");
    let size = it.next().and_then(parse_u64).ok_or_else(bad)?;
    let rss = it.next().and_then(parse_u64).ok_or_else(bad)?;
    let ps = page_size();
    Ok(Memory { vm_size_bytes: size * ps, rss_bytes: rss * ps })
}

/// Current RSS in bytes.
pub fn rss_bytes() -> io::Result<u64> {
    memory().map(|m| m.rss_bytes)
}

/// Peak RSS in bytes (`VmHWM` of `/proc/self/status`).
pub fn peak_rss_bytes() -> io::Result<u64> {
    let mut buf = [0u8; 4096];
    let s = read_proc("/proc/self/status", &mut buf)?;
    for line in s.split(|&c| c == b'\n') {
        if let Some(rest) = line.strip_prefix(b"VmHWM:") {
            let digits: &[u8] = rest.trim_ascii().split(|&c| c == b' ').next().unwrap_or(b"");
            let kb = parse_u64(digits)
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad VmHWM line"))?;
            return Ok(kb * 1024);
        }
    }
    Err(io::Error::new(io::ErrorKind::NotFound, "no VmHWM in /proc/self/status"))
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    // SAFETY: zeroed timespec is a valid out-parameter.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: valid clock id and out-pointer.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// CPU time consumed by the whole process, in ns (`CLOCK_PROCESS_CPUTIME_ID`).
pub fn process_cpu_time_ns() -> u64 {
    clock_ns(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// CPU time consumed by the calling thread, in ns (`CLOCK_THREAD_CPUTIME_ID`).
pub fn thread_cpu_time_ns() -> u64 {
    clock_ns(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// Process CPU usage between successive samples, in percent of one core (200 % = two cores
/// busy).
#[derive(Debug, Clone, Copy)]
pub struct CpuMeter {
    last_cpu: u64,
    last_wall: Instant,
}

impl CpuMeter {
    /// Starts measuring now.
    pub fn new() -> CpuMeter {
        CpuMeter { last_cpu: process_cpu_time_ns(), last_wall: Instant::now() }
    }

    /// CPU % since the previous sample (or construction); `None` if no time has passed.
    pub fn sample(&mut self) -> Option<f64> {
        let cpu = process_cpu_time_ns();
        let now = Instant::now();
        let wall = now.duration_since(self.last_wall).as_nanos() as f64;
        let used = cpu.saturating_sub(self.last_cpu) as f64;
        self.last_cpu = cpu;
        self.last_wall = now;
        (wall > 0.0).then(|| used / wall * 100.0)
    }
}

impl Default for CpuMeter {
    fn default() -> Self {
        CpuMeter::new()
    }
}

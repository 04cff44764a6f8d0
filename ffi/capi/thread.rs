//! Pinning and realtime scheduling for the calling C thread, through [`crate::os::rt`] (the same
//! calls pitchcam uses for its own threads), with each outcome mapped to its own status.

use std::ffi::c_int;

use crate::os::rt::{self, RtError};

use super::status::{Status, boundary};

/// Maps a realtime step's failure to a status.
fn rt_status(e: RtError) -> Status {
    match e {
        RtError::CoreNotAllowed { .. } | RtError::InvalidPriority(_) => Status::InvalidArg,
        RtError::FifoNotPermitted { .. } => Status::NoPrivilege,
        RtError::Affinity { errno, .. } if errno == libc::EPERM => Status::NoPrivilege,
        RtError::Affinity { errno, .. } if errno == libc::EINVAL => Status::InvalidArg,
        RtError::Affinity { .. } | RtError::Fifo(_) => Status::Os,
    }
}

/// Restricts the calling thread to CPU `core`; see `include/pitchcam.h`.
#[unsafe(no_mangle)]
pub extern "C" fn pc_thread_pin(core: c_int) -> c_int {
    boundary(|| {
        let core = usize::try_from(core).map_err(|_| Status::InvalidArg)?;
        rt::pin_current_thread(core).map_err(rt_status)
    })
}

/// SCHED_FIFO at `priority` (1..=99) for the calling thread, or SCHED_OTHER for 0; see
/// `include/pitchcam.h`.
#[unsafe(no_mangle)]
pub extern "C" fn pc_thread_set_realtime(priority: c_int) -> c_int {
    boundary(|| match priority {
        0 => rt::set_current_thread_normal().map_err(rt_status),
        1..=99 => rt::set_current_thread_fifo(priority as u8).map_err(rt_status),
        _ => Err(Status::InvalidArg),
    })
}

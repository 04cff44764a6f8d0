//! The exported C ABI: `libpitchcam.so` / `libpitchcam.a`, declared in `include/pitchcam.h`.
//!
//! Conventions (those of rustls-ffi):
//!
//! * every exported symbol starts with `pc_`; the complete list is `linker/exports.txt`, and a
//!   test compares it with `nm -D` of the shared library and with the header. What is exported is
//!   decided here, by `#[unsafe(no_mangle)]`, and nowhere else (a linker version script does not
//!   hide `#[no_mangle]` symbols with rustc's own export list);
//! * fallible functions return an `int` [`Status`]: 0 on success, a negative code otherwise, with
//!   a static description from `pc_status_str`. Out-parameters are written only on success — the
//!   documented exceptions are `*out_len` (and the frame statistics) on `PC_ERR_CAPACITY` /
//!   `PC_ERR_NON_FINITE_DATA`, which say what the caller needs to retry;
//! * every pointer is checked for NULL and for alignment before it is used;
//! * opaque handles come from `pc_<thing>_new(.., **out)` and go back through `pc_<thing>_free`,
//!   which accepts NULL;
//! * no panic crosses the boundary: every body runs inside [`boundary`], which turns a panic into
//!   `PC_ERR_PANIC` (a bug in pitchcam; the message goes to stderr through the panic hook).
//!
//! Modules: [`status`] (codes, strings, the panic boundary), [`detect`] (`pc_detect`, `pc_nms`,
//! `pc_detector_*`), [`ring`] (`pc_ring_*`, the delay ring over `GstBuffer*`), [`track`]
//! (`pc_tracker_*`, the ball tracker and `pc_observation`), [`plan`] (`pc_planner_*`, the
//! virtual camera), [`thread`] (`pc_thread_*`, pinning and SCHED_FIFO for the calling thread).
#![allow(non_camel_case_types)]

pub mod detect;
#[doc(hidden)]
pub mod fuzz_caller;
pub mod plan;
pub mod ring;
pub mod status;
pub mod thread;
pub mod track;

pub use status::{Status, boundary};

/// Major ABI version: the number in the soname (`libpitchcam.so.0`). Changes on any incompatible
/// change.
pub const ABI_MAJOR: u32 = 0;
/// Minor ABI version: grows when functions or types are added compatibly.
pub const ABI_MINOR: u32 = 1;
/// `(major << 16) | minor`, the value of `PITCHCAM_ABI_VERSION` in the header this library was
/// built with.
pub const ABI_VERSION: u32 = (ABI_MAJOR << 16) | ABI_MINOR;

/// The ABI version of the loaded library (`PITCHCAM_ABI_VERSION` of its header). A program built
/// against header version `h` may use this library if `(v >> 16) == (h >> 16)` and
/// `(v & 0xffff) >= (h & 0xffff)`.
#[unsafe(no_mangle)]
pub extern "C" fn pc_abi_version() -> u32 {
    ABI_VERSION
}

/// Checks a pointer argument: `Err(Null)` for NULL, `Err(Misaligned)` if it is not aligned for `T`.
#[inline]
pub(crate) fn check_ptr<T>(p: *const T) -> Result<(), Status> {
    if p.is_null() {
        Err(Status::Null)
    } else if !p.is_aligned() {
        Err(Status::Misaligned)
    } else {
        Ok(())
    }
}

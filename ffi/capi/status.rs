//! Status codes, their descriptions, and the panic boundary every exported function runs inside.

use std::ffi::{CStr, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The outcome of a C-ABI call: `PC_OK` (0) or a negative error code (`pc_status` in the header).
///
/// Values are stable: a code is never renumbered or reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// A required pointer argument is NULL.
    Null = -1,
    /// An argument is outside its documented range.
    InvalidArg = -2,
    /// The output array is too small; `*out_len` holds the number needed.
    Capacity = -3,
    /// A tensor's shape is unusable: rows not in 5..=20, no anchors, or too many values.
    TensorShape = -4,
    /// A float parameter is NaN or infinite.
    NonFiniteParam = -5,
    /// Tensor data holds NaN or infinite values (and the caller did not ask to skip them).
    NonFiniteData = -6,
    /// A pointer is not aligned for its type.
    Misaligned = -7,
    /// The buffer has no PTS (`GST_CLOCK_TIME_NONE`).
    NoPts = -8,
    /// The buffer's PTS equals the newest one in the ring.
    DuplicatePts = -9,
    /// The buffer's PTS is behind the newest one in the ring by less than the restart threshold.
    LatePts = -10,
    /// No entry matches the query.
    NotFound = -11,
    /// The operating system refused for lack of privilege (EPERM).
    NoPrivilege = -12,
    /// Another operating-system error.
    Os = -13,
    /// Memory for a new object could not be allocated.
    NoMemory = -14,
    /// pitchcam panicked: a bug. The call had no effect beyond what its documentation allows on
    /// failure; the message went to stderr.
    Panic = -15,
}

impl Status {
    /// Every status, for tests and for `pc_status_str`.
    pub const ALL: [Status; 16] = [
        Status::Ok,
        Status::Null,
        Status::InvalidArg,
        Status::Capacity,
        Status::TensorShape,
        Status::NonFiniteParam,
        Status::NonFiniteData,
        Status::Misaligned,
        Status::NoPts,
        Status::DuplicatePts,
        Status::LatePts,
        Status::NotFound,
        Status::NoPrivilege,
        Status::Os,
        Status::NoMemory,
        Status::Panic,
    ];

    /// The code as the C caller sees it.
    pub const fn code(self) -> c_int {
        self as c_int
    }

    /// The status for a code, if it is one.
    pub fn from_code(code: c_int) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The constant's name in `include/pitchcam.h`.
    pub const fn name(self) -> &'static str {
        match self {
            Status::Ok => "PC_OK",
            Status::Null => "PC_ERR_NULL",
            Status::InvalidArg => "PC_ERR_INVALID_ARG",
            Status::Capacity => "PC_ERR_CAPACITY",
            Status::TensorShape => "PC_ERR_TENSOR_SHAPE",
            Status::NonFiniteParam => "PC_ERR_NON_FINITE_PARAM",
            Status::NonFiniteData => "PC_ERR_NON_FINITE_DATA",
            Status::Misaligned => "PC_ERR_MISALIGNED",
            Status::NoPts => "PC_ERR_NO_PTS",
            Status::DuplicatePts => "PC_ERR_DUPLICATE_PTS",
            Status::LatePts => "PC_ERR_LATE_PTS",
            Status::NotFound => "PC_ERR_NOT_FOUND",
            Status::NoPrivilege => "PC_ERR_NO_PRIVILEGE",
            Status::Os => "PC_ERR_OS",
            Status::NoMemory => "PC_ERR_NO_MEMORY",
            Status::Panic => "PC_ERR_PANIC",
        }
    }

    /// A one-line description (static, NUL-terminated).
    pub const fn description(self) -> &'static CStr {
        match self {
            Status::Ok => c"success",
            Status::Null => c"a required pointer argument is NULL",
            Status::InvalidArg => c"an argument is outside its documented range",
            Status::Capacity => c"output array too small: *out_len holds the number needed",
            Status::TensorShape => {
                c"tensor shape invalid: rows must be 5..=20 (4 + 1..=16 classes), anchors >= 1"
            }
            Status::NonFiniteParam => c"a float parameter is NaN or infinite",
            Status::NonFiniteData => c"tensor data holds NaN or infinite values",
            Status::Misaligned => c"a pointer is not aligned for its type",
            Status::NoPts => c"the buffer has no PTS (GST_CLOCK_TIME_NONE): not stored",
            Status::DuplicatePts => c"the buffer's PTS equals the newest in the ring: not stored",
            Status::LatePts => c"the buffer's PTS is behind the newest in the ring: not stored",
            Status::NotFound => c"no entry matches",
            Status::NoPrivilege => {
                c"no privilege (EPERM): needs CAP_SYS_NICE or an RLIMIT_RTPRIO/cpuset allowing it"
            }
            Status::Os => c"operating-system error",
            Status::NoMemory => c"out of memory",
            Status::Panic => c"internal error: pitchcam panicked (a bug; please report it)",
        }
    }
}

impl From<Result<(), Status>> for Status {
    fn from(r: Result<(), Status>) -> Status {
        match r {
            Ok(()) => Status::Ok,
            Err(s) => s,
        }
    }
}

/// Runs one exported function's body: its `Result` becomes the status code, and a panic becomes
/// `PC_ERR_PANIC` instead of unwinding into C (where it would abort the host process).
///
/// The closure is `AssertUnwindSafe`: after a panic no Rust state it touched is used again by this
/// call, and state that outlives the call (a ring behind its mutex) is kept consistent by the
/// owner types, which do not panic midway through an update.
#[inline]
pub fn boundary(f: impl FnOnce() -> Result<(), Status>) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Status::from(r).code(),
        Err(_) => Status::Panic.code(),
    }
}

/// [`boundary`] for functions that return nothing (`_free`): a panic is contained and dropped.
#[inline]
pub fn boundary_void(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

/// A static, NUL-terminated description of `status`; never NULL. Unknown codes get
/// "unknown pitchcam status code". The string lives as long as the library stays loaded.
#[unsafe(no_mangle)]
pub extern "C" fn pc_status_str(status: c_int) -> *const c_char {
    match Status::from_code(status) {
        Some(s) => s.description().as_ptr(),
        None => c"unknown pitchcam status code".as_ptr(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_described() {
        for (i, s) in Status::ALL.iter().enumerate() {
            assert_eq!(s.code(), -(i as c_int), "codes are 0, -1, -2, … in order");
            assert_eq!(Status::from_code(s.code()), Some(*s));
            assert!(!s.description().is_empty());
        }
        // SAFETY: pc_status_str returns a pointer to a static NUL-terminated string.
        let unknown = unsafe { CStr::from_ptr(pc_status_str(12345)) };
        assert_eq!(unknown, c"unknown pitchcam status code");
    }

    #[test]
    fn a_panic_becomes_a_status() {
        assert_eq!(boundary(|| panic!("deliberate")), Status::Panic.code());
        assert_eq!(boundary(|| Err(Status::NotFound)), Status::NotFound.code());
        assert_eq!(boundary(|| Ok(())), 0);
        boundary_void(|| panic!("deliberate, contained"));
    }
}

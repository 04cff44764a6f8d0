//! NvBufSurface / NvBufSurfTransform / NvDs meta-lock calls and RAII wrappers.
//!
//! Compiled only with the `deepstream` feature, which makes `build.rs` link `libnvbufsurface`,
//! `libnvbufsurftransform`, `libnvds_meta` and `libnvdsgst_meta` (DeepStream's lib dir, plus the
//! Jetson BSP's `tegra/` dir on aarch64) and set an rpath. Signatures from
//! `deepstream-abi.md` §1.4 / §2.4; every call returns `0` (or `NvBufSurfTransformError_Success`)
//! on success.

use core::ffi::c_int;
use core::marker::PhantomData;
use core::ptr::NonNull;

use super::abi::{
    NvBufSurfTransformCompute, NvBufSurfTransformConfigParams, NvBufSurfTransformError,
    NvBufSurfTransformParams, NvBufSurface, NvBufSurfaceCreateParams, NvBufSurfaceMemMapFlags,
    NvBufSurfaceParams, NvDsBatchMeta, NvDsFrameMeta, NvDsUserMeta,
};
use super::error::DsError;
use super::surface::{MAX_BATCH, MappedSurface};

#[allow(non_snake_case, missing_docs)]
unsafe extern "C" {
    pub fn NvBufSurfaceCreate(
        surf: *mut *mut NvBufSurface,
        batch_size: u32,
        params: *mut NvBufSurfaceCreateParams,
    ) -> c_int;
    pub fn NvBufSurfaceDestroy(surf: *mut NvBufSurface) -> c_int;
    pub fn NvBufSurfaceMap(
        surf: *mut NvBufSurface,
        index: c_int,
        plane: c_int,
        flags: NvBufSurfaceMemMapFlags,
    ) -> c_int;
    pub fn NvBufSurfaceUnMap(surf: *mut NvBufSurface, index: c_int, plane: c_int) -> c_int;
    pub fn NvBufSurfaceSyncForCpu(surf: *mut NvBufSurface, index: c_int, plane: c_int) -> c_int;
    pub fn NvBufSurfaceSyncForDevice(surf: *mut NvBufSurface, index: c_int, plane: c_int) -> c_int;
    pub fn NvBufSurfTransform(
        src: *mut NvBufSurface,
        dst: *mut NvBufSurface,
        params: *mut NvBufSurfTransformParams,
    ) -> NvBufSurfTransformError;
    pub fn NvBufSurfTransformSetSessionParams(
        params: *mut NvBufSurfTransformConfigParams,
    ) -> NvBufSurfTransformError;
    pub fn nvds_acquire_meta_lock(batch_meta: *mut NvDsBatchMeta);
    pub fn nvds_release_meta_lock(batch_meta: *mut NvDsBatchMeta);
    pub fn nvds_remove_user_meta_from_frame(
        frame_meta: *mut NvDsFrameMeta,
        user_meta: *mut NvDsUserMeta,
    );
}

fn check(function: &'static str, status: c_int) -> Result<(), DsError> {
    if status == 0 { Ok(()) } else { Err(DsError::Call { function, status }) }
}

/// Something that is an `NvBufSurface` pitchcam may hand to NvBufSurface* calls.
pub trait AsSurface {
    /// The descriptor pointer; valid while `self` lives.
    fn surface_ptr(&self) -> *mut NvBufSurface;
}

impl AsSurface for MappedSurface<'_> {
    fn surface_ptr(&self) -> *mut NvBufSurface {
        self.as_ptr()
    }
}

/// A batch of surfaces pitchcam created (`NvBufSurfaceCreate`) and destroys on drop — the ring's
/// own frames or the output pool.
#[derive(Debug)]
pub struct OwnedSurface {
    ptr: NonNull<NvBufSurface>,
}

// SAFETY: an NvBufSurface is a process-wide allocation with no thread affinity; NvBufSurface*
// calls on it may come from any thread (one at a time: `&mut self` for the mutating calls).
unsafe impl Send for OwnedSurface {}

impl OwnedSurface {
    /// Creates `batch_size` surfaces described by `params`.
    pub fn create(batch_size: u32, params: &NvBufSurfaceCreateParams) -> Result<Self, DsError> {
        if batch_size == 0 || batch_size > MAX_BATCH {
            return Err(DsError::BadSurface("batchSize"));
        }
        let mut p = *params;
        let mut out: *mut NvBufSurface = core::ptr::null_mut();
        // SAFETY: valid out-pointer and parameter struct of this build's ABI.
        check("NvBufSurfaceCreate", unsafe { NvBufSurfaceCreate(&mut out, batch_size, &mut p) })?;
        let ptr = NonNull::new(out).ok_or(DsError::NullPointer("NvBufSurfaceCreate result"))?;
        Ok(OwnedSurface { ptr })
    }

    /// The descriptor.
    pub fn surface(&self) -> &NvBufSurface {
        // SAFETY: live until drop.
        unsafe { self.ptr.as_ref() }
    }

    /// Surface `index`, checked against `batchSize`.
    pub fn params(&self, index: u32) -> Result<&NvBufSurfaceParams, DsError> {
        let s = self.surface();
        if index >= s.batch_size || s.surface_list.is_null() {
            return Err(DsError::NoSuchSurface { index, filled: s.batch_size });
        }
        // SAFETY: `surfaceList` holds `batchSize` entries, live until drop.
        Ok(unsafe { &*s.surface_list.add(index as usize) })
    }

    /// Sets `numFilled` (how many entries NvBufSurfTransform and encoders consider valid).
    pub fn set_num_filled(&mut self, n: u32) -> Result<(), DsError> {
        if n > self.surface().batch_size {
            return Err(DsError::BadSurface("numFilled"));
        }
        // SAFETY: exclusive access (`&mut self`) to a live descriptor.
        unsafe { self.ptr.as_mut().num_filled = n };
        Ok(())
    }

    /// Maps surface `index` (−1: all), plane `plane` (−1: all) for CPU access; the addresses land
    /// in `mapped_addr.addr[plane]`.
    pub fn map(
        &mut self,
        index: i32,
        plane: i32,
        flags: NvBufSurfaceMemMapFlags,
    ) -> Result<(), DsError> {
        // SAFETY: live descriptor; DeepStream validates index/plane and returns -1 on bad ones.
        check("NvBufSurfaceMap", unsafe { NvBufSurfaceMap(self.ptr.as_ptr(), index, plane, flags) })
    }

    /// Undoes [`OwnedSurface::map`].
    pub fn unmap(&mut self, index: i32, plane: i32) -> Result<(), DsError> {
        // SAFETY: as for `map`.
        check("NvBufSurfaceUnMap", unsafe { NvBufSurfaceUnMap(self.ptr.as_ptr(), index, plane) })
    }

    /// Makes hardware writes visible to the CPU (SURFACE_ARRAY / HANDLE memory).
    pub fn sync_for_cpu(&mut self, index: i32, plane: i32) -> Result<(), DsError> {
        // SAFETY: as for `map`.
        check("NvBufSurfaceSyncForCpu", unsafe {
            NvBufSurfaceSyncForCpu(self.ptr.as_ptr(), index, plane)
        })
    }

    /// Makes CPU writes visible to the hardware (SURFACE_ARRAY / HANDLE memory).
    pub fn sync_for_device(&mut self, index: i32, plane: i32) -> Result<(), DsError> {
        // SAFETY: as for `map`.
        check("NvBufSurfaceSyncForDevice", unsafe {
            NvBufSurfaceSyncForDevice(self.ptr.as_ptr(), index, plane)
        })
    }
}

impl AsSurface for OwnedSurface {
    fn surface_ptr(&self) -> *mut NvBufSurface {
        self.ptr.as_ptr()
    }
}

impl Drop for OwnedSurface {
    fn drop(&mut self) {
        // SAFETY: created by NvBufSurfaceCreate, destroyed exactly once. A failure cannot be
        // reported from drop and leaves nothing to retry.
        let _ = unsafe { NvBufSurfaceDestroy(self.ptr.as_ptr()) };
    }
}

/// Proof that this thread's NvBufSurfTransform session parameters are set. NvBufSurfTransform
/// keeps them **per calling thread** (deepstream-abi.md §1.4), so the value is `!Send`: create it
/// on the thread that transforms (the playback thread).
#[derive(Debug)]
pub struct TransformSession {
    compute: NvBufSurfTransformCompute,
    _thread_bound: PhantomData<*const ()>,
}

impl TransformSession {
    /// Sets the calling thread's session: `compute` (VIC or GPU on Jetson) on GPU `gpu_id`,
    /// default CUDA stream.
    pub fn for_current_thread(
        compute: NvBufSurfTransformCompute,
        gpu_id: i32,
    ) -> Result<Self, DsError> {
        let mut cfg = NvBufSurfTransformConfigParams::new(compute, gpu_id);
        // SAFETY: a valid config struct of this build's ABI; copied by the library.
        let status = unsafe { NvBufSurfTransformSetSessionParams(&mut cfg) };
        if status != NvBufSurfTransformError::SUCCESS {
            return Err(DsError::Call {
                function: "NvBufSurfTransformSetSessionParams",
                status: status.0,
            });
        }
        Ok(TransformSession { compute, _thread_bound: PhantomData })
    }

    /// The compute device the session uses.
    pub fn compute(&self) -> NvBufSurfTransformCompute {
        self.compute
    }

    /// Runs `NvBufSurfTransform(src, dst, params)`.
    ///
    /// # Safety
    ///
    /// `src` and `dst` must be live descriptors, and `params`' rect pointers must point at
    /// arrays with one rect per batch entry of `src` / `dst` respectively, live for the call.
    pub unsafe fn transform(
        &self,
        src: *mut NvBufSurface,
        dst: *mut NvBufSurface,
        params: &mut NvBufSurfTransformParams,
    ) -> Result<(), DsError> {
        // SAFETY: the caller's contract.
        let status = unsafe { NvBufSurfTransform(src, dst, params) };
        if status == NvBufSurfTransformError::SUCCESS {
            Ok(())
        } else {
            Err(DsError::Call { function: "NvBufSurfTransform", status: status.0 })
        }
    }
}

/// Holds DeepStream's batch meta lock (`nvds_acquire_meta_lock`) until dropped.
pub struct MetaLock {
    batch: NonNull<NvDsBatchMeta>,
}

impl MetaLock {
    /// Takes the lock of `batch`.
    ///
    /// # Safety
    ///
    /// `batch` must be a live batch meta that outlives the returned guard.
    pub unsafe fn acquire(batch: NonNull<NvDsBatchMeta>) -> Self {
        // SAFETY: a live batch meta (contract).
        unsafe { nvds_acquire_meta_lock(batch.as_ptr()) };
        MetaLock { batch }
    }

    /// Detaches `user_meta` from `frame` (e.g. a tensor meta already decoded, so nvinfer's
    /// output buffer returns to its pool before the frame enters the 210-frame ring). Whether
    /// DeepStream calls the meta's `release_func` here is **unverified** (deepstream-abi.md §6.3):
    /// watch nvinfer's pool on the target.
    ///
    /// # Safety
    ///
    /// `frame` must belong to the locked batch and `user_meta` to `frame`'s user meta list; no
    /// view of that user meta may be used afterwards.
    pub unsafe fn remove_user_meta(&self, frame: *mut NvDsFrameMeta, user_meta: *mut NvDsUserMeta) {
        // SAFETY: the caller's contract; the batch lock is held.
        unsafe { nvds_remove_user_meta_from_frame(frame, user_meta) };
    }
}

impl Drop for MetaLock {
    fn drop(&mut self) {
        // SAFETY: acquired in `acquire` on the same live batch.
        unsafe { nvds_release_meta_lock(self.batch.as_ptr()) };
    }
}

//! Safe entry points over pitchcam's GStreamer handles ([`crate::gst::BufferRef`], which a
//! [`crate::gst::Buffer`] derefs to), and the DeepStream [`BorrowedReader`] for
//! [`TensorSource::Borrowed`](crate::tensor_meta::TensorSource::Borrowed).
//!
//! # The one assumption
//!
//! A `&BufferRef` proves the buffer (and so nvinfer's tensor outputs it keeps alive) lives for
//! `'b`. What it cannot prove is that no DeepStream element modifies the buffer's batch meta
//! meanwhile: DeepStream elements write meta into buffers they process, under
//! `nvds_acquire_meta_lock`, not under GStreamer's writability rule. pitchcam reads at the ring
//! input, after every DeepStream element has processed the buffer on its streaming thread, so no
//! writer remains. A pipeline that `tee`s the same buffer into a DeepStream element on another
//! branch (an OSD, a tracker) while pitchcam reads would break that; don't build one. The raw
//! [`super::batch_meta_from_buffer`] states the same as its `# Safety` contract.

use pitchcam_core::detect::Tensor;

use super::error::DsError;
use super::meta::{BatchMeta, InputGeometry, LayerData, batch_meta_from_buffer};
use crate::gst::BufferRef;
use crate::tensor_meta::{BorrowedReader, MAX_TENSORS, TensorList, TensorMetaError};

/// The `NvDsBatchMeta` of `buffer`, if DeepStream attached one (see the module docs for the one
/// assumption this relies on).
pub fn batch_meta(buffer: &BufferRef) -> Result<Option<BatchMeta<'_>>, DsError> {
    // SAFETY: `buffer` is live for the borrow; its DeepStream meta is not written while pitchcam
    // reads (module docs).
    unsafe { batch_meta_from_buffer(buffer.as_ptr()) }
}

/// Every FP32 detection-head tensor DeepStream attached to `buffer` (all frames of the batch, in
/// order), mapped to panorama pixels from the frame meta's sizes (letterbox per the tensor meta;
/// symmetric padding assumed before DeepStream 8.0, as `configs/deepstream` sets it).
///
/// This is [`DEEPSTREAM_READER`]: it matches [`BorrowedReader`], so the views borrow nvinfer's
/// host outputs through the frame buffer without copying. An FP16 output layer is refused with a
/// clear reason (TensorRT keeps network outputs FP32 even in FP16 engines; for FP16 outputs use
/// [`super::FrameMeta::push_tensors`] with a scratch).
pub fn read_frame_tensors<'b>(
    buffer: &'b BufferRef,
    out: &mut TensorList<'b>,
) -> Result<(), TensorMetaError> {
    let foreign = |e: DsError| TensorMetaError::Foreign(e.reason());
    let Some(batch) = batch_meta(buffer).map_err(foreign)? else {
        return Ok(());
    };
    let geometry = InputGeometry::FromFrameMeta { symmetric_padding: true };
    for frame in batch.frames() {
        let frame = frame.map_err(foreign)?;
        for meta in frame.tensor_metas() {
            let meta = meta.map_err(foreign)?;
            let map = meta.mapping(&geometry).map_err(foreign)?;
            for layer in meta.layers() {
                let layer = layer.map_err(foreign)?;
                let shape = layer.head_shape().map_err(foreign)?;
                let LayerData::F32(data) = layer.data() else {
                    return Err(TensorMetaError::Foreign(
                        "DeepStream FP16 output layer: read it with FrameMeta::push_tensors and a \
                         scratch",
                    ));
                };
                let t = Tensor::new(data, shape.rows, shape.anchors, shape.layout, map)
                    .map_err(|e| foreign(DsError::Tensor(e)))?;
                out.try_push(t).map_err(|_| TensorMetaError::TooMany { count: MAX_TENSORS + 1 })?;
            }
        }
    }
    Ok(())
}

/// [`read_frame_tensors`] as the function pointer `TensorSource::Borrowed` takes.
pub const DEEPSTREAM_READER: BorrowedReader = read_frame_tensors;

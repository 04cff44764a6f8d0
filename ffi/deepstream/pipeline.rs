//! The DeepStream variant of the capture pipeline and of the playback transform.
//!
//! * [`CaptureConfig::description`] builds the `gst_parse_launch` description:
//!   source → `nvstreammux` (batch 1, panorama size) → `nvinfer` (raw YOLO head as tensor meta,
//!   `network-type=100`, `output-tensor-meta=1`) → `nvvideoconvert` to NV12 NVMM with
//!   `output-buffers` sized for the 210-frame ring → the ring-input sink. Plain string building,
//!   checked, testable anywhere; the pipeline itself only runs where DeepStream is installed.
//! * [`EncoderConfig::description`]: `nvv4l2h264enc` / `nvv4l2h265enc` for the playback side,
//!   refusing sizes H.264 cannot encode.
//! * [`crop_rect`] and [`single_entry_view`]: the checked pieces of the crop transform;
//!   [`PlaybackTransform`] (feature `deepstream`) runs them through `NvBufSurfTransform`.

use std::fmt::Write as _;

use pitchcam_core::geom::Rect;

use super::abi::{NvBufSurfTransformRect, NvBufSurface};
use super::error::DsError;

/// Frames of headroom on top of the ring capacity for `nvvideoconvert output-buffers`: the
/// buffers in flight between the converter and the ring (queues, the probe, the analysis stage).
pub const DEFAULT_HEADROOM: u32 = 8;

/// Where the capture pipeline runs: it decides which `nvbuf-memory-type` values are valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Jetson (integrated GPU): memory types 0 (default = surface array) and 4 only.
    Jetson,
    /// x86 with a discrete GPU: 0..=3.
    DiscreteGpu,
}

impl Platform {
    /// The platform of this build: aarch64 means Jetson.
    pub const fn current() -> Platform {
        if cfg!(target_arch = "aarch64") { Platform::Jetson } else { Platform::DiscreteGpu }
    }
}

/// `nvbuf-memory-type` of nvstreammux / nvvideoconvert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NvbufMemoryType {
    /// 0: surface array on Jetson, CUDA device memory on dGPU.
    Default = 0,
    /// 1: CUDA pinned host memory (dGPU).
    CudaPinned = 1,
    /// 2: CUDA device memory (dGPU).
    CudaDevice = 2,
    /// 3: CUDA unified memory (dGPU only — **not valid on Jetson**).
    CudaUnified = 3,
    /// 4: NvBufSurface surface array (Jetson).
    SurfaceArray = 4,
}

/// Where the panorama comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureSource<'a> {
    /// A CSI camera through libargus (`nvarguscamerasrc sensor-id=N`).
    Argus {
        /// `sensor-id`.
        sensor_id: u32,
    },
    /// Any URI GStreamer can decode (`file:///…`, `rtsp://…`), decoded by `uridecodebin`.
    Uri(&'a str),
    /// A GStreamer description that yields raw video (a user's own stitcher, `videotestsrc`).
    Description(&'a str),
}

/// The DeepStream capture pipeline's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CaptureConfig<'a> {
    /// The source.
    pub source: CaptureSource<'a>,
    /// Panorama width (nvstreammux output; equal to the source to avoid a scaling copy).
    pub width: u32,
    /// Panorama height.
    pub height: u32,
    /// Frame rate numerator.
    pub fps_n: u32,
    /// Frame rate denominator.
    pub fps_d: u32,
    /// Path of the nvinfer config file (e.g. `configs/deepstream/config_infer_yolo11.txt`).
    pub infer_config: &'a str,
    /// `output-buffers` of the last nvvideoconvert: ring capacity + headroom
    /// ([`output_buffers_for`]); every ring frame pins one of them.
    pub output_buffers: u32,
    /// `nvbuf-memory-type` for nvstreammux and nvvideoconvert.
    pub memory_type: NvbufMemoryType,
    /// The platform the pipeline will run on.
    pub platform: Platform,
    /// Whether the source is live (camera / network): nvstreammux `live-source`.
    pub live: bool,
    /// The ring-input sink element (and its properties); pitchcam's probe sits on its sink pad.
    pub sink: &'a str,
}

/// The ring-input sink used when the engine does not supply its own: an appsink that never holds
/// an extra reference (`enable-last-sample=false`) and never syncs (the ring paces playback).
pub const DEFAULT_RING_SINK: &str = "appsink name=ring_in sync=false emit-signals=false \
     enable-last-sample=false max-buffers=4 drop=false";

/// `output-buffers` for a ring of `ring_capacity` frames plus `headroom` in flight.
pub const fn output_buffers_for(ring_capacity: u32, headroom: u32) -> u32 {
    ring_capacity.saturating_add(headroom)
}

/// Why a pipeline description was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PipelineError {
    /// Width or height is zero or odd (NV12 needs even sizes).
    BadSize {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
    },
    /// Frame rate with a zero numerator or denominator.
    BadFrameRate,
    /// `output-buffers` is zero.
    NoOutputBuffers,
    /// The memory type is not valid on the platform (3 = CUDA unified on Jetson).
    MemoryTypeInvalid {
        /// The value asked for.
        memory_type: u32,
        /// The platform.
        platform: Platform,
    },
    /// A string parameter is empty or holds characters the description syntax cannot carry.
    BadParameter(&'static str),
    /// H.264 cannot encode this size (more than 36 864 macroblocks needs level 6).
    H264TooLarge {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
    },
}

impl std::fmt::Display for PipelineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PipelineError::BadSize { width, height } => {
                write!(f, "capture size {width}x{height} must be non-zero and even (NV12)")
            }
            PipelineError::BadFrameRate => write!(f, "frame rate must be positive"),
            PipelineError::NoOutputBuffers => {
                write!(f, "nvvideoconvert output-buffers must cover the ring (capacity + headroom)")
            }
            PipelineError::MemoryTypeInvalid { memory_type, platform } => write!(
                f,
                "nvbuf-memory-type {memory_type} is not valid on {platform:?} (Jetson: 0 or 4; \
                 CUDA unified memory is a discrete-GPU setting)"
            ),
            PipelineError::BadParameter(what) => {
                write!(f, "{what} is empty or contains a quote, newline or '!'")
            }
            PipelineError::H264TooLarge { width, height } => write!(
                f,
                "H.264 cannot encode {width}x{height} (over 36864 macroblocks needs level 6): use \
                 H.265 or encode the virtual-camera view"
            ),
        }
    }
}

impl std::error::Error for PipelineError {}

/// Quotes a value for a pipeline description. Refuses what cannot be quoted safely.
fn quoted(value: &str, what: &'static str) -> Result<String, PipelineError> {
    if value.is_empty() || value.contains(['"', '\n', '\r', '\\']) {
        return Err(PipelineError::BadParameter(what));
    }
    Ok(format!("\"{value}\""))
}

/// An element chain spliced verbatim: non-empty, no quotes that could unbalance the description.
fn chain<'v>(value: &'v str, what: &'static str) -> Result<&'v str, PipelineError> {
    if value.trim().is_empty() || value.contains(['\n', '\r']) {
        return Err(PipelineError::BadParameter(what));
    }
    Ok(value)
}

impl CaptureConfig<'_> {
    /// The `gst_parse_launch` description of the capture pipeline.
    pub fn description(&self) -> Result<String, PipelineError> {
        let (w, h) = (self.width, self.height);
        if w == 0 || h == 0 || w % 2 != 0 || h % 2 != 0 {
            return Err(PipelineError::BadSize { width: w, height: h });
        }
        if self.fps_n == 0 || self.fps_d == 0 {
            return Err(PipelineError::BadFrameRate);
        }
        if self.output_buffers == 0 {
            return Err(PipelineError::NoOutputBuffers);
        }
        let mem = self.memory_type as u32;
        let mem_ok = match self.platform {
            Platform::Jetson => {
                matches!(self.memory_type, NvbufMemoryType::Default | NvbufMemoryType::SurfaceArray)
            }
            Platform::DiscreteGpu => mem <= 3,
        };
        if !mem_ok {
            return Err(PipelineError::MemoryTypeInvalid {
                memory_type: mem,
                platform: self.platform,
            });
        }
        let nvmm = "video/x-raw(memory:NVMM),format=NV12";
        let mut d = String::with_capacity(512);
        match self.source {
            CaptureSource::Argus { sensor_id } => {
                let _ = write!(
                    d,
                    "nvarguscamerasrc sensor-id={sensor_id} ! \
                     {nvmm},width={w},height={h},framerate={}/{}",
                    self.fps_n, self.fps_d
                );
            }
            CaptureSource::Uri(uri) => {
                let _ = write!(
                    d,
                    "uridecodebin uri={} ! queue ! nvvideoconvert nvbuf-memory-type={mem} ! {nvmm}",
                    quoted(uri, "source URI")?
                );
            }
            CaptureSource::Description(desc) => {
                let _ = write!(
                    d,
                    "{} ! nvvideoconvert nvbuf-memory-type={mem} ! {nvmm}",
                    chain(desc, "source description")?
                );
            }
        }
        let _ = write!(
            d,
            " ! mux.sink_0 nvstreammux name=mux batch-size=1 width={w} height={h} \
             live-source={live} batched-push-timeout={timeout} nvbuf-memory-type={mem} \
             ! nvinfer name=infer config-file-path={cfg} batch-size=1 output-tensor-meta=true \
             ! nvvideoconvert name=ring_convert output-buffers={bufs} nvbuf-memory-type={mem} \
             ! {nvmm} ! queue max-size-buffers=4 max-size-time=0 max-size-bytes=0 ! {sink}",
            live = u8::from(self.live),
            // One frame period in µs: the muxer never waits longer than a frame for a batch of 1.
            timeout = 1_000_000u64 * u64::from(self.fps_d) / u64::from(self.fps_n),
            cfg = quoted(self.infer_config, "nvinfer config path")?,
            bufs = self.output_buffers,
            sink = chain(self.sink, "ring sink")?,
        );
        Ok(d)
    }
}

/// Hardware video codec of the playback encoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// `nvv4l2h264enc` (≤ 36 864 macroblocks per frame).
    H264,
    /// `nvv4l2h265enc`.
    H265,
}

/// The Jetson playback encoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncoderConfig {
    /// Codec.
    pub codec: Codec,
    /// Width of the encoded view.
    pub width: u32,
    /// Height of the encoded view.
    pub height: u32,
    /// Bit rate in bit/s.
    pub bitrate: u32,
    /// Frames between I-frames (and IDR frames: segments must start decodable).
    pub iframe_interval: u32,
}

impl EncoderConfig {
    /// `nvv4l2h26Xenc … ! h26Xparse`: SPS/PPS repeated at each IDR, so every recording segment
    /// and every stream joiner can start decoding.
    pub fn description(&self) -> Result<String, PipelineError> {
        let (w, h) = (self.width, self.height);
        if w == 0 || h == 0 || w % 2 != 0 || h % 2 != 0 {
            return Err(PipelineError::BadSize { width: w, height: h });
        }
        let macroblocks = u64::from(w.div_ceil(16)) * u64::from(h.div_ceil(16));
        let (enc, parse) = match self.codec {
            Codec::H264 if macroblocks > 36_864 => {
                return Err(PipelineError::H264TooLarge { width: w, height: h });
            }
            Codec::H264 => ("nvv4l2h264enc", "h264parse"),
            Codec::H265 => ("nvv4l2h265enc", "h265parse"),
        };
        let gop = self.iframe_interval.max(1);
        Ok(format!(
            "{enc} bitrate={} iframeinterval={gop} idrinterval={gop} insert-sps-pps=true ! {parse}",
            self.bitrate
        ))
    }
}

/// The source rectangle of the crop, checked against the source surface: non-empty, inside
/// `src_w × src_h`, even origin and size (NV12 chroma is subsampled 2×2).
pub fn crop_rect(crop: Rect, src_w: u32, src_h: u32) -> Result<NvBufSurfTransformRect, DsError> {
    let Rect { x, y, w, h } = crop;
    let inside = x >= 0
        && y >= 0
        && w > 0
        && h > 0
        && (x as i64 + w as i64) <= i64::from(src_w)
        && (y as i64 + h as i64) <= i64::from(src_h);
    if !inside || (x | y | w | h) & 1 != 0 {
        return Err(DsError::BadRect);
    }
    Ok(NvBufSurfTransformRect::new(x as u32, y as u32, w as u32, h as u32))
}

/// A one-entry view of batch entry `index` of `surface`: the same descriptor with
/// `batchSize = numFilled = 1` and `surfaceList` pointing at entry `index` — how a single frame
/// of a batch is handed to `NvBufSurfTransform` (the gst-dsexample pattern).
pub fn single_entry_view(surface: &NvBufSurface, index: u32) -> Result<NvBufSurface, DsError> {
    if index >= surface.num_filled {
        return Err(DsError::NoSuchSurface { index, filled: surface.num_filled });
    }
    if surface.surface_list.is_null() {
        return Err(DsError::NullPointer("surfaceList"));
    }
    let mut view = *surface;
    view.batch_size = 1;
    view.num_filled = 1;
    // `wrapping_add` keeps this safe code; `index < numFilled ≤ batchSize` keeps it in bounds.
    view.surface_list = surface.surface_list.wrapping_add(index as usize);
    Ok(view)
}

#[cfg(feature = "deepstream")]
pub use transform::PlaybackTransform;

#[cfg(feature = "deepstream")]
mod transform {
    use super::super::abi::{NvBufSurfTransformInter, transform_flag};
    use super::super::nvbuf::{AsSurface, TransformSession};
    use super::*;

    /// The playback crop: one frame of a capture surface, cropped and scaled into an output
    /// surface by `NvBufSurfTransform` (VIC on Jetson). Owns the thread's session, so it is
    /// `!Send`: build it on the playback thread.
    #[derive(Debug)]
    pub struct PlaybackTransform {
        session: TransformSession,
        filter: NvBufSurfTransformInter,
    }

    impl PlaybackTransform {
        /// Sets the calling thread's transform session (`compute`, GPU 0) and the scaling
        /// filter.
        pub fn for_current_thread(
            compute: super::super::abi::NvBufSurfTransformCompute,
            filter: NvBufSurfTransformInter,
        ) -> Result<Self, DsError> {
            Ok(PlaybackTransform {
                session: TransformSession::for_current_thread(compute, 0)?,
                filter,
            })
        }

        /// Crops `crop` out of entry `src_index` of `src` and scales it to fill entry
        /// `dst_index` of `dst`.
        pub fn crop_into(
            &self,
            src: &impl AsSurface,
            src_index: u32,
            dst: &mut impl AsSurface,
            dst_index: u32,
            crop: Rect,
        ) -> Result<(), DsError> {
            // SAFETY: `AsSurface` pointers are live descriptors while their owners live, and
            // the borrows keep both owners alive for this call.
            let (src_desc, dst_desc) = unsafe { (&*src.surface_ptr(), &*dst.surface_ptr()) };
            let mut src_view = single_entry_view(src_desc, src_index)?;
            let mut dst_view = single_entry_view(dst_desc, dst_index)?;
            // SAFETY: `single_entry_view` checked `src_index < numFilled` and a non-NULL list.
            let src_params = unsafe { &*src_view.surface_list };
            let mut rect = crop_rect(crop, src_params.width, src_params.height)?;
            let mut params = super::super::abi::NvBufSurfTransformParams::new(
                transform_flag::CROP_SRC | transform_flag::FILTER,
                self.filter,
                &mut rect,
                core::ptr::null_mut(),
            );
            // SAFETY: both views are one-entry descriptors over live surfaces; `rect` is the
            // one source rect, live across the call; no destination rect (CROP_DST unset).
            unsafe { self.session.transform(&mut src_view, &mut dst_view, &mut params) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base<'a>() -> CaptureConfig<'a> {
        CaptureConfig {
            source: CaptureSource::Argus { sensor_id: 0 },
            width: 5700,
            height: 1900,
            fps_n: 30,
            fps_d: 1,
            infer_config: "/etc/pitchcam/config_infer_yolo11.txt",
            output_buffers: output_buffers_for(210, DEFAULT_HEADROOM),
            memory_type: NvbufMemoryType::Default,
            platform: Platform::Jetson,
            live: true,
            sink: DEFAULT_RING_SINK,
        }
    }

    #[test]
    fn capture_description_has_the_documented_elements_and_properties() {
        let d = base().description().expect("valid");
        for needle in [
            "nvarguscamerasrc sensor-id=0 ! video/x-raw(memory:NVMM),format=NV12,width=5700,\
             height=1900,framerate=30/1",
            "nvstreammux name=mux batch-size=1 width=5700 height=1900 live-source=1",
            "batched-push-timeout=33333",
            "nvinfer name=infer config-file-path=\"/etc/pitchcam/config_infer_yolo11.txt\"",
            "output-tensor-meta=true",
            "nvvideoconvert name=ring_convert output-buffers=218 nvbuf-memory-type=0",
            "appsink name=ring_in",
        ] {
            assert!(d.contains(needle), "missing `{needle}` in\n{d}");
        }
        assert!(!d.contains("nvbuf-memory-type=3"));
    }

    #[test]
    fn uri_and_description_sources() {
        let mut c = base();
        c.source = CaptureSource::Uri("file:///data/match.mp4");
        c.live = false;
        let d = c.description().expect("valid");
        assert!(
            d.starts_with("uridecodebin uri=\"file:///data/match.mp4\" ! queue ! nvvideoconvert")
        );
        assert!(d.contains("live-source=0"));
        c.source = CaptureSource::Description("videotestsrc is-live=true");
        assert!(
            c.description()
                .expect("valid")
                .starts_with("videotestsrc is-live=true ! nvvideoconvert")
        );
        c.source = CaptureSource::Uri("file:///a\"b");
        assert_eq!(c.description(), Err(PipelineError::BadParameter("source URI")));
        c.source = CaptureSource::Description("  ");
        assert_eq!(c.description(), Err(PipelineError::BadParameter("source description")));
    }

    #[test]
    fn cuda_unified_memory_is_refused_on_jetson_only() {
        let mut c = base();
        c.memory_type = NvbufMemoryType::CudaUnified;
        assert_eq!(
            c.description(),
            Err(PipelineError::MemoryTypeInvalid { memory_type: 3, platform: Platform::Jetson })
        );
        c.memory_type = NvbufMemoryType::SurfaceArray;
        assert!(c.description().expect("4 is fine").contains("nvbuf-memory-type=4"));
        c.platform = Platform::DiscreteGpu;
        c.memory_type = NvbufMemoryType::CudaUnified;
        assert!(c.description().is_ok());
        c.memory_type = NvbufMemoryType::SurfaceArray;
        assert!(c.description().is_err(), "surface arrays are Jetson-only");
    }

    #[test]
    fn bad_parameters_are_specific_errors() {
        let mut c = base();
        c.width = 5701;
        assert_eq!(c.description(), Err(PipelineError::BadSize { width: 5701, height: 1900 }));
        let mut c = base();
        c.fps_d = 0;
        assert_eq!(c.description(), Err(PipelineError::BadFrameRate));
        let mut c = base();
        c.output_buffers = 0;
        assert_eq!(c.description(), Err(PipelineError::NoOutputBuffers));
        let mut c = base();
        c.infer_config = "";
        assert_eq!(c.description(), Err(PipelineError::BadParameter("nvinfer config path")));
    }

    #[test]
    fn h264_refuses_the_panorama_h265_takes_it() {
        let mut e = EncoderConfig {
            codec: Codec::H264,
            width: 5700,
            height: 1900,
            bitrate: 50_000_000,
            iframe_interval: 30,
        };
        assert_eq!(e.description(), Err(PipelineError::H264TooLarge { width: 5700, height: 1900 }));
        e.codec = Codec::H265;
        let d = e.description().expect("H.265 level 6 takes it");
        assert!(d.starts_with("nvv4l2h265enc bitrate=50000000 iframeinterval=30"), "{d}");
        assert!(d.ends_with("! h265parse"));
        e.codec = Codec::H264;
        e.width = 1920;
        e.height = 1080;
        assert!(e.description().expect("1080p is fine").contains("insert-sps-pps=true"));
    }

    #[test]
    fn crop_rect_keeps_top_and_left_apart_and_checks_bounds() {
        let r = crop_rect(Rect { x: 100, y: 40, w: 1920, h: 1080 }, 5700, 1900).expect("inside");
        assert_eq!((r.left, r.top, r.width, r.height), (100, 40, 1920, 1080));
        for bad in [
            Rect { x: -2, y: 0, w: 10, h: 10 },
            Rect { x: 0, y: 0, w: 0, h: 10 },
            Rect { x: 5690, y: 0, w: 12, h: 10 },
            Rect { x: 0, y: 1890, w: 10, h: 12 },
            Rect { x: 1, y: 0, w: 10, h: 10 },
            Rect { x: 0, y: 0, w: 11, h: 10 },
        ] {
            assert_eq!(crop_rect(bad, 5700, 1900).map(|_| ()), Err(DsError::BadRect), "{bad:?}");
        }
    }

    #[test]
    fn single_entry_view_points_at_the_entry() {
        use super::super::abi::{NvBufSurfaceMemType, NvBufSurfaceParams};
        // SAFETY: all-zero bytes are a valid NvBufSurfaceParams (integers and NULL pointers).
        let mut list: [NvBufSurfaceParams; 3] = unsafe { core::mem::zeroed() };
        for (i, p) in list.iter_mut().enumerate() {
            p.width = 100 + i as u32;
        }
        // SAFETY: as above for NvBufSurface.
        let mut s: NvBufSurface = unsafe { core::mem::zeroed() };
        s.batch_size = 3;
        s.num_filled = 2;
        s.mem_type = NvBufSurfaceMemType::SURFACE_ARRAY;
        s.surface_list = list.as_mut_ptr();
        let v = single_entry_view(&s, 1).expect("entry 1 is filled");
        assert_eq!((v.batch_size, v.num_filled), (1, 1));
        assert_eq!(v.mem_type, NvBufSurfaceMemType::SURFACE_ARRAY);
        // SAFETY: the view points into `list`, alive here.
        assert_eq!(unsafe { (*v.surface_list).width }, 101);
        assert_eq!(
            single_entry_view(&s, 2).map(|_| ()),
            Err(DsError::NoSuchSurface { index: 2, filled: 2 })
        );
        s.surface_list = core::ptr::null_mut();
        assert_eq!(single_entry_view(&s, 0).map(|_| ()), Err(DsError::NullPointer("surfaceList")));
    }
}

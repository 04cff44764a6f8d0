//! Raw video: [`VideoInfo`] (format, size, strides, offsets from caps) and mapped video frames
//! with NV12 plane access.
//!
//! Frames are mapped with `gst_video_frame_map`, which takes plane offsets and strides from the
//! buffer's `GstVideoMeta` when one is attached (upstream padded its rows) and from the
//! `VideoInfo` otherwise, and maps each plane's memory even when planes live in separate memory
//! blocks. The views handed out are `pitchcam_core::image::{Nv12, Nv12Mut}`: plain slices plus
//! strides, checked against the mapping so no view reaches past mapped memory and the two
//! mutable planes never alias.

use std::ffi::CStr;
use std::fmt;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use gstreamer_sys as sys;
use gstreamer_video_sys as vsys;
use pitchcam_core::image::{Nv12, Nv12Mut};

use super::buffer::BufferRef;
use super::caps::Caps;
use super::{Error, cstring, init};

/// A raw video format (`GstVideoFormat`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VideoFormat(pub vsys::GstVideoFormat);

impl VideoFormat {
    /// Unknown / not raw video.
    pub const UNKNOWN: VideoFormat = VideoFormat(vsys::GST_VIDEO_FORMAT_UNKNOWN);
    /// NV12: Y plane + interleaved UV plane at half resolution.
    pub const NV12: VideoFormat = VideoFormat(vsys::GST_VIDEO_FORMAT_NV12);
    /// I420: Y, U, V planes.
    pub const I420: VideoFormat = VideoFormat(vsys::GST_VIDEO_FORMAT_I420);
    /// RGBA, 8 bits per channel.
    pub const RGBA: VideoFormat = VideoFormat(vsys::GST_VIDEO_FORMAT_RGBA);

    /// The format called `name` in caps (`"NV12"`), `None` if GStreamer does not know it.
    pub fn from_name(name: &str) -> Option<VideoFormat> {
        let c = cstring(name).ok()?;
        // SAFETY: valid C string; pure lookup.
        let f = unsafe { vsys::gst_video_format_from_string(c.as_ptr()) };
        (f != vsys::GST_VIDEO_FORMAT_UNKNOWN).then_some(VideoFormat(f))
    }

    /// The caps name of the format (`"NV12"`).
    pub fn name(self) -> &'static str {
        if self.0 == vsys::GST_VIDEO_FORMAT_UNKNOWN {
            return "UNKNOWN"; // GStreamer reports this value with a g_critical
        }
        // SAFETY: returns a static string, or NULL for values past its table.
        let p = unsafe { vsys::gst_video_format_to_string(self.0) };
        if p.is_null() {
            return "UNKNOWN";
        }
        // SAFETY: static, NUL-terminated, ASCII.
        unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("UNKNOWN")
    }
}

impl fmt::Debug for VideoFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Raw video layout: format, size, frame rate, per-plane strides and offsets, frame size.
#[derive(Clone)]
pub struct VideoInfo {
    raw: vsys::GstVideoInfo,
}

// SAFETY: GstVideoInfo is plain data; its `finfo` points to GStreamer's immutable static format
// table.
unsafe impl Send for VideoInfo {}
// SAFETY: as above; no interior mutability.
unsafe impl Sync for VideoInfo {}

impl VideoInfo {
    fn empty() -> vsys::GstVideoInfo {
        let mut raw = MaybeUninit::<vsys::GstVideoInfo>::zeroed();
        // SAFETY: gst_video_info_init fully initialises the struct it is given.
        unsafe {
            vsys::gst_video_info_init(raw.as_mut_ptr());
            raw.assume_init()
        }
    }

    /// Parses fixed raw-video caps (`video/x-raw, format=NV12, width=…, height=…, …`).
    pub fn from_caps(caps: &Caps) -> Result<VideoInfo, Error> {
        // Unfixed caps are refused here: gst_video_info_from_caps reports them with a g_critical.
        if caps.is_fixed() {
            let mut raw = Self::empty();
            // SAFETY: valid fixed caps and an initialised info; the function only reads the caps.
            if unsafe { vsys::gst_video_info_from_caps(&mut raw, caps.as_ptr()) } != 0 {
                return Ok(VideoInfo { raw });
            }
        }
        Err(Error::VideoInfo(format!(
            "caps \"{caps}\" are not fixed raw video (format, width, height and framerate must \
             each have one value)"
        )))
    }

    /// A layout for `format` at `width × height` with GStreamer's default strides, frame rate
    /// `fps_n / fps_d`.
    pub fn new(
        format: VideoFormat,
        width: u32,
        height: u32,
        fps_n: i32,
        fps_d: i32,
    ) -> Result<VideoInfo, Error> {
        init()?;
        if fps_d <= 0 || fps_n < 0 {
            return Err(Error::VideoInfo(format!("invalid frame rate {fps_n}/{fps_d}")));
        }
        // Unknown/encoded formats are refused here: GStreamer reports them with a g_critical.
        let raw_video = format.0 != vsys::GST_VIDEO_FORMAT_UNKNOWN
            && format.0 != vsys::GST_VIDEO_FORMAT_ENCODED
            && format.name() != "UNKNOWN";
        let mut raw = Self::empty();
        let ok = raw_video
            && width > 0
            && height > 0
            // SAFETY: initialised info and a known raw format.
            && unsafe { vsys::gst_video_info_set_format(&mut raw, format.0, width, height) } != 0;
        if !ok {
            return Err(Error::VideoInfo(format!(
                "{format:?} {width}x{height} is not a valid video layout"
            )));
        }
        raw.fps_n = fps_n;
        raw.fps_d = fps_d;
        Ok(VideoInfo { raw })
    }

    /// The raw struct.
    pub fn as_raw(&self) -> &vsys::GstVideoInfo {
        &self.raw
    }

    /// Pixel format.
    pub fn format(&self) -> VideoFormat {
        if self.raw.finfo.is_null() {
            return VideoFormat::UNKNOWN;
        }
        // SAFETY: `finfo` points into GStreamer's static format table.
        VideoFormat(unsafe { (*self.raw.finfo).format })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.raw.width.max(0) as u32
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.raw.height.max(0) as u32
    }

    /// Frame rate as `(numerator, denominator)`; `(0, 1)` for variable rate.
    pub fn fps(&self) -> (i32, i32) {
        (self.raw.fps_n, self.raw.fps_d)
    }

    /// Bytes of one frame with these strides.
    pub fn size(&self) -> usize {
        self.raw.size
    }

    /// Number of planes.
    pub fn n_planes(&self) -> u32 {
        if self.raw.finfo.is_null() {
            return 0;
        }
        // SAFETY: static format table.
        unsafe { (*self.raw.finfo).n_planes }
    }

    /// Row stride of `plane` in bytes (0 for a plane the format does not have).
    pub fn stride(&self, plane: usize) -> usize {
        if plane < self.n_planes() as usize { self.raw.stride[plane].max(0) as usize } else { 0 }
    }

    /// Offset of `plane` from the start of the frame in bytes.
    pub fn offset(&self, plane: usize) -> usize {
        if plane < self.n_planes() as usize { self.raw.offset[plane] } else { 0 }
    }

    /// Caps describing this layout.
    pub fn to_caps(&self) -> Result<Caps, Error> {
        // SAFETY: valid info; returns new caps (transfer full) or NULL.
        let p = unsafe { vsys::gst_video_info_to_caps(&self.raw) };
        NonNull::new(p)
            // SAFETY: new caps we own.
            .map(|p| unsafe { Caps::from_glib_full(p) })
            .ok_or_else(|| Error::VideoInfo("could not build caps from video info".into()))
    }
}

impl fmt::Debug for VideoInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VideoInfo")
            .field("format", &self.format())
            .field("width", &self.width())
            .field("height", &self.height())
            .field("fps", &self.fps())
            .field("size", &self.size())
            .field("stride", &[self.stride(0), self.stride(1), self.stride(2)])
            .field("offset", &[self.offset(0), self.offset(1), self.offset(2)])
            .finish()
    }
}

/// A mapped `GstVideoFrame`, unmapped on drop. Shared by the readable and writable guards.
struct RawFrame {
    frame: vsys::GstVideoFrame,
}

impl RawFrame {
    /// # Safety
    /// `buf` stays alive and (for WRITE) exclusively borrowed for the frame's life.
    unsafe fn map(
        info: &VideoInfo,
        buf: *mut sys::GstBuffer,
        flags: sys::GstMapFlags,
    ) -> Result<RawFrame, Error> {
        // gst_video_frame_map checks a video meta against `info` with g_return_val_if_fail
        // (a g_critical, fatal under G_DEBUG=fatal-warnings): check the same things first.
        // SAFETY: valid buffer; the meta (if any) is borrowed from it and only read.
        let meta = unsafe { vsys::gst_buffer_get_video_meta(buf) };
        if !meta.is_null() {
            // SAFETY: a valid GstVideoMeta attached to the live buffer.
            let (mf, mw, mh, mp) =
                unsafe { ((*meta).format, (*meta).width, (*meta).height, (*meta).n_planes) };
            if mf != info.format().0
                || mw < info.width()
                || mh < info.height()
                || mp != info.n_planes()
            {
                return Err(Error::Buffer(format!(
                    "buffer's video meta ({:?} {mw}x{mh}, {mp} planes) does not match the \
                     expected {:?} {}x{}",
                    VideoFormat(mf),
                    info.format(),
                    info.width(),
                    info.height()
                )));
            }
        }
        let mut frame = MaybeUninit::<vsys::GstVideoFrame>::zeroed();
        // SAFETY: valid info and buffer; on success the frame is initialised and mapped.
        let ok = unsafe { vsys::gst_video_frame_map(frame.as_mut_ptr(), &info.raw, buf, flags) };
        if ok == 0 {
            return Err(Error::Buffer(format!(
                "could not map a {:?} {}x{} frame (buffer too small for the layout or meta \
                 mismatch)",
                info.format(),
                info.width(),
                info.height()
            )));
        }
        // SAFETY: gst_video_frame_map succeeded, so the struct is initialised. Moving it is fine:
        // it holds pointers into mapped memory, none into itself.
        Ok(RawFrame { frame: unsafe { frame.assume_init() } })
    }

    fn n_planes(&self) -> usize {
        if self.frame.info.finfo.is_null() {
            return 0;
        }
        // SAFETY: static format table.
        unsafe { (*self.frame.info.finfo).n_planes as usize }
    }

    /// Start pointer of `plane` and the number of mapped bytes from there to the end of the
    /// mapping that holds it.
    fn plane_extent(&self, plane: usize) -> Option<(*mut u8, usize)> {
        if plane >= self.n_planes() {
            return None;
        }
        // With a video meta each plane has its own map; without, all planes are in map[0].
        let map =
            if self.frame.meta.is_null() { &self.frame.map[0] } else { &self.frame.map[plane] };
        let start = self.frame.data[plane] as *mut u8;
        let base = map.data as usize;
        let end = base.checked_add(map.size)?;
        let s = start as usize;
        if start.is_null() || s < base || s > end {
            return None;
        }
        Some((start, end - s))
    }

    fn stride(&self, plane: usize) -> usize {
        self.frame.info.stride[plane].max(0) as usize
    }

    fn format(&self) -> VideoFormat {
        if self.frame.info.finfo.is_null() {
            return VideoFormat::UNKNOWN;
        }
        // SAFETY: static format table.
        VideoFormat(unsafe { (*self.frame.info.finfo).format })
    }

    /// The NV12 planes as `(y_ptr, y_len, y_stride, uv_ptr, uv_len, uv_stride, w, h)`, with each
    /// length clipped to both the plane's rows and its mapping.
    #[allow(clippy::type_complexity)]
    fn nv12_layout(
        &self,
    ) -> Result<(*mut u8, usize, usize, *mut u8, usize, usize, u32, u32), Error> {
        if self.format() != VideoFormat::NV12 {
            return Err(Error::VideoInfo(format!("frame is {:?}, not NV12", self.format())));
        }
        let w = self.frame.info.width.max(0) as u32;
        let h = self.frame.info.height.max(0) as u32;
        let bad = || Error::Buffer("NV12 plane lies outside the mapped memory".into());
        let (y, y_avail) = self.plane_extent(0).ok_or_else(bad)?;
        let (uv, uv_avail) = self.plane_extent(1).ok_or_else(bad)?;
        let (ys, uvs) = (self.stride(0), self.stride(1));
        let y_len = y_avail.min(ys.saturating_mul(h as usize));
        let uv_len = uv_avail.min(uvs.saturating_mul(h as usize / 2));
        Ok((y, y_len, ys, uv, uv_len, uvs, w, h))
    }
}

impl Drop for RawFrame {
    fn drop(&mut self) {
        // SAFETY: the frame was mapped by gst_video_frame_map and not yet unmapped.
        unsafe { vsys::gst_video_frame_unmap(&mut self.frame) };
    }
}

fn image_err(e: pitchcam_core::image::ImageError) -> Error {
    Error::VideoInfo(format!("NV12 layout refused: {e:?}"))
}

/// A video frame mapped for reading; planes are valid until the guard drops.
pub struct VideoFrame<'a> {
    raw: RawFrame,
    _buf: PhantomData<&'a BufferRef>,
}

impl<'a> VideoFrame<'a> {
    /// Maps `buf` as a frame of layout `info` for reading.
    pub fn map(buf: &'a BufferRef, info: &VideoInfo) -> Result<VideoFrame<'a>, Error> {
        // SAFETY: the borrow keeps `buf` alive for 'a; READ does not modify the buffer.
        let raw = unsafe { RawFrame::map(info, buf.as_ptr(), sys::GST_MAP_READ)? };
        Ok(VideoFrame { raw, _buf: PhantomData })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.raw.frame.info.width.max(0) as u32
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.raw.frame.info.height.max(0) as u32
    }

    /// Pixel format.
    pub fn format(&self) -> VideoFormat {
        self.raw.format()
    }

    /// Row stride of `plane` as actually laid out in this buffer (from its video meta, if any).
    pub fn stride(&self, plane: usize) -> usize {
        if plane < self.raw.n_planes() { self.raw.stride(plane) } else { 0 }
    }

    /// Offset of `plane` as laid out in this buffer.
    pub fn offset(&self, plane: usize) -> usize {
        if plane < self.raw.n_planes() { self.raw.frame.info.offset[plane] } else { 0 }
    }

    /// Whether the layout came from a `GstVideoMeta` on the buffer.
    pub fn has_video_meta(&self) -> bool {
        !self.raw.frame.meta.is_null()
    }

    /// The mapped bytes of `plane`, from its first byte to the end of its mapping.
    pub fn plane_data(&self, plane: usize) -> Option<&[u8]> {
        let (p, len) = self.raw.plane_extent(plane)?;
        // SAFETY: `plane_extent` checked the range lies inside a live read mapping.
        Some(unsafe { std::slice::from_raw_parts(p, len) })
    }

    /// The frame as an NV12 view (fails for any other format or an inconsistent layout).
    pub fn nv12(&self) -> Result<Nv12<'_>, Error> {
        let (y, yl, ys, uv, uvl, uvs, w, h) = self.raw.nv12_layout()?;
        // SAFETY: both ranges lie inside live read mappings (checked by `nv12_layout`).
        let (y, uv) =
            unsafe { (std::slice::from_raw_parts(y, yl), std::slice::from_raw_parts(uv, uvl)) };
        Nv12::new(y, ys, uv, uvs, w, h).map_err(image_err)
    }
}

impl fmt::Debug for VideoFrame<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VideoFrame")
            .field("format", &self.format())
            .field("width", &self.width())
            .field("height", &self.height())
            .field("video_meta", &self.has_video_meta())
            .finish()
    }
}

/// A video frame mapped for writing; needs `&mut BufferRef` (a writable buffer).
pub struct VideoFrameMut<'a> {
    raw: RawFrame,
    _buf: PhantomData<&'a mut BufferRef>,
}

impl<'a> VideoFrameMut<'a> {
    /// Maps `buf` as a frame of layout `info` for writing.
    pub fn map(buf: &'a mut BufferRef, info: &VideoInfo) -> Result<VideoFrameMut<'a>, Error> {
        // SAFETY: the exclusive borrow keeps `buf` alive and unshared for 'a.
        let raw = unsafe { RawFrame::map(info, buf.as_ptr(), sys::GST_MAP_WRITE)? };
        Ok(VideoFrameMut { raw, _buf: PhantomData })
    }

    /// The frame as a writable NV12 view. Refused if the planes overlap in memory.
    pub fn nv12_mut(&mut self) -> Result<Nv12Mut<'_>, Error> {
        let (y, yl, ys, uv, uvl, uvs, w, h) = self.raw.nv12_layout()?;
        let (ya, uva) = (y as usize, uv as usize);
        if ya < uva + uvl && uva < ya + yl {
            return Err(Error::Buffer("NV12 planes overlap in memory".into()));
        }
        // SAFETY: both ranges lie inside live write mappings, do not overlap (checked above), and
        // `&mut self` keeps them exclusive for the returned lifetime.
        let (y, uv) = unsafe {
            (std::slice::from_raw_parts_mut(y, yl), std::slice::from_raw_parts_mut(uv, uvl))
        };
        Nv12Mut::new(y, ys, uv, uvs, w, h).map_err(image_err)
    }

    /// The frame as a read-only NV12 view.
    pub fn nv12(&self) -> Result<Nv12<'_>, Error> {
        let (y, yl, ys, uv, uvl, uvs, w, h) = self.raw.nv12_layout()?;
        // SAFETY: inside live mappings; shared borrow of `self` excludes the mutable view.
        let (y, uv) =
            unsafe { (std::slice::from_raw_parts(y, yl), std::slice::from_raw_parts(uv, uvl)) };
        Nv12::new(y, ys, uv, uvs, w, h).map_err(image_err)
    }

    /// Whether the layout came from a `GstVideoMeta` on the buffer.
    pub fn has_video_meta(&self) -> bool {
        !self.raw.frame.meta.is_null()
    }
}

impl fmt::Debug for VideoFrameMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VideoFrameMut").field("format", &self.raw.format()).finish()
    }
}

impl BufferRef {
    /// Maps this buffer as a video frame of layout `info` for reading.
    pub fn map_video(&self, info: &VideoInfo) -> Result<VideoFrame<'_>, Error> {
        VideoFrame::map(self, info)
    }

    /// Maps this (writable) buffer as a video frame of layout `info` for writing.
    pub fn map_video_mut(&mut self, info: &VideoInfo) -> Result<VideoFrameMut<'_>, Error> {
        VideoFrameMut::map(self, info)
    }

    /// Attaches a `GstVideoMeta` describing `info`'s layout.
    pub fn add_video_meta(&mut self, info: &VideoInfo) -> Result<(), Error> {
        let n = info.n_planes() as usize;
        let offsets: Vec<usize> = (0..n).map(|p| info.offset(p)).collect();
        let strides: Vec<usize> = (0..n).map(|p| info.stride(p)).collect();
        self.add_video_meta_full(info.format(), info.width(), info.height(), &offsets, &strides)
    }

    /// Attaches a `GstVideoMeta` with explicit per-plane offsets and strides (a padded layout,
    /// as hardware decoders and converters produce). Each plane must fit in the buffer.
    pub fn add_video_meta_full(
        &mut self,
        format: VideoFormat,
        width: u32,
        height: u32,
        plane_offsets: &[usize],
        plane_strides: &[usize],
    ) -> Result<(), Error> {
        let n = plane_offsets.len();
        if n == 0 || n > 4 || plane_strides.len() != n {
            return Err(Error::Buffer(format!(
                "video meta needs 1..=4 planes with one stride each (got {n} offsets, {} strides)",
                plane_strides.len()
            )));
        }
        let size = self.size();
        let mut offsets = [0usize; 4];
        let mut strides = [0i32; 4];
        for p in 0..n {
            let stride = i32::try_from(plane_strides[p])
                .map_err(|_| Error::Buffer(format!("stride {} too large", plane_strides[p])))?;
            if plane_offsets[p] >= size {
                return Err(Error::Buffer(format!(
                    "plane {p} offset {} is outside the {size}-byte buffer",
                    plane_offsets[p]
                )));
            }
            offsets[p] = plane_offsets[p];
            strides[p] = stride;
        }
        let n = n as u32;
        // SAFETY: writable buffer (`&mut self`), arrays of 4 as the C API expects.
        let m = unsafe {
            vsys::gst_buffer_add_video_meta_full(
                self.as_ptr(),
                vsys::GST_VIDEO_FRAME_FLAG_NONE,
                format.0,
                width,
                height,
                n,
                &offsets,
                &strides,
            )
        };
        if m.is_null() { Err(Error::Buffer("could not add video meta".into())) } else { Ok(()) }
    }
}

/// The `GType` of `GstVideoMeta`'s API, for allocation queries.
pub fn video_meta_api() -> glib_sys::GType {
    // SAFETY: registers on first call, then returns the cached type; thread-safe.
    unsafe { vsys::gst_video_meta_api_get_type() }
}

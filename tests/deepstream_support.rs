//! Shared by the DeepStream tests (included with `#[path]`, not a test target of its own):
//! compiling the C fixtures and loading them.
#![allow(dead_code)] // each test file uses a different part

use std::ffi::{CString, c_char, c_int, c_void};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, Once, OnceLock};

/// Serialises the tests of one binary that count live fixture allocations.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn gst_init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: NULL argc/argv is allowed; called once.
        unsafe { gstreamer_sys::gst_init(std::ptr::null_mut(), std::ptr::null_mut()) };
    });
}

/// The repository's `tests/c` directory.
pub fn c_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c")
}

/// Scratch directory for build products (per target architecture: the aarch64 run shares it).
pub fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ds-{}", std::env::consts::ARCH));
    std::fs::create_dir_all(&d).expect("create the test scratch directory");
    d
}

/// The C compiler: `PITCHCAM_TEST_CC` (the aarch64 run sets `aarch64-linux-gnu-gcc`), else `cc`.
pub fn cc() -> String {
    std::env::var("PITCHCAM_TEST_CC").unwrap_or_else(|_| "cc".into())
}

/// `pkg-config` output for GStreamer, split into arguments.
pub fn pkg_config(args: &[&str]) -> Vec<String> {
    let out = Command::new("pkg-config")
        .args(args)
        .arg("gstreamer-1.0")
        .output()
        .expect("run pkg-config: install pkg-config and libgstreamer1.0-dev (scripts/setup)");
    assert!(
        out.status.success(),
        "pkg-config gstreamer-1.0 failed: install libgstreamer1.0-dev (scripts/setup): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8").split_whitespace().map(str::to_string).collect()
}

/// Extra compiler/linker arguments from `PITCHCAM_TEST_CFLAGS` (the aarch64 run adds
/// `-Wl,-rpath-link,…` for the sysroot).
pub fn extra_cflags() -> Vec<String> {
    std::env::var("PITCHCAM_TEST_CFLAGS")
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Compiles `tests/c/<src>` into a shared object with the project's C flags.
pub fn compile_shared(src: &str, defines: &[&str], out_name: &str, extra: &[&str]) -> PathBuf {
    let out = out_dir().join(out_name);
    let mut cmd = Command::new(cc());
    cmd.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1", "-fPIC", "-shared"])
        .args(defines)
        .arg(c_dir().join(src))
        .arg("-o")
        .arg(&out)
        .args(pkg_config(&["--cflags"]))
        .args(extra)
        .args(extra_cflags())
        .args(pkg_config(&["--libs"]));
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("run the C compiler `{}`: {e} (install build-essential)", cc()));
    assert!(status.success(), "compiling tests/c/{src} failed: {cmd:?}");
    out
}

/// A dlopen'ed shared object; never closed (its GTypes stay registered for the process).
pub struct Library(*mut c_void);

// SAFETY: the handle is only used for dlsym, which is thread-safe.
unsafe impl Send for Library {}
// SAFETY: as above.
unsafe impl Sync for Library {}

impl Library {
    pub fn open(path: &Path) -> Library {
        let c = CString::new(path.to_str().expect("utf-8 path")).expect("no NUL");
        // SAFETY: a NUL-terminated path; RTLD_NOW resolves everything up front.
        let h = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if h.is_null() {
            // SAFETY: dlerror returns a NUL-terminated message after a failed dlopen.
            let msg = unsafe { std::ffi::CStr::from_ptr(libc::dlerror()) };
            panic!("dlopen {}: {}", path.display(), msg.to_string_lossy());
        }
        Library(h)
    }

    /// The function `name`, typed as `F`.
    ///
    /// # Safety
    /// `F` must be the `unsafe extern "C" fn` type matching the C definition.
    pub unsafe fn func<F: Copy>(&self, name: &str) -> F {
        assert_eq!(size_of::<F>(), size_of::<*mut c_void>());
        let p = self.sym(name);
        // SAFETY: `F` is a function pointer type of the symbol's signature (contract).
        unsafe { std::mem::transmute_copy::<*mut c_void, F>(&p) }
    }

    /// The address of `name`.
    pub fn sym(&self, name: &str) -> *mut c_void {
        let c = CString::new(name).expect("no NUL");
        // SAFETY: a live handle and a NUL-terminated name.
        let p = unsafe { libc::dlsym(self.0, c.as_ptr()) };
        assert!(!p.is_null(), "symbol {name} missing from the fixture");
        p
    }
}

/// `ds_fixture_spec` of tests/c/ds_meta.c.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub frames: u32,
    pub defect: u32,
    pub net_w: u32,
    pub net_h: u32,
    pub maintain_aspect_ratio: i32,
    pub symmetric_padding: i32,
    pub pts_base: u64,
}

impl Spec {
    pub const fn new(frames: u32, defect: u32) -> Spec {
        Spec {
            frames,
            defect,
            net_w: 1920,
            net_h: 640,
            maintain_aspect_ratio: 1,
            symmetric_padding: 1,
            pts_base: 1_000_000,
        }
    }
}

/// `ds_row` of tests/c/ds_meta.c.
#[repr(C)]
pub struct Row {
    pub name: *const c_char,
    pub value: usize,
}

/// The metadata fixture of one ABI.
pub struct MetaFixture {
    pub abi_b: bool,
    pub buffer: unsafe extern "C" fn(*const Spec) -> *mut gstreamer_sys::GstBuffer,
    pub attach: unsafe extern "C" fn(*mut gstreamer_sys::GstBuffer, *const Spec) -> c_int,
    pub install_probe: unsafe extern "C" fn(*mut gstreamer_sys::GstPad, *const Spec) -> u64,
    pub live: unsafe extern "C" fn() -> c_int,
    pub layout: unsafe extern "C" fn(*mut *const Row) -> usize,
    _lib: &'static Library,
}

/// Compiles (once per process) and loads tests/c/ds_meta.c for ABI-A or ABI-B.
pub fn meta_fixture(abi_b: bool) -> &'static MetaFixture {
    static A: OnceLock<MetaFixture> = OnceLock::new();
    static B: OnceLock<MetaFixture> = OnceLock::new();
    gst_init();
    (if abi_b { &B } else { &A }).get_or_init(|| {
        let (defs, name): (&[&str], _) =
            if abi_b { (&["-DPITCHCAM_DS8"], "libds_meta_b.so") } else { (&[], "libds_meta_a.so") };
        let path = compile_shared("ds_meta.c", defs, name, &[]);
        let lib: &'static Library = Box::leak(Box::new(Library::open(&path)));
        // SAFETY: each symbol is the C function of the matching signature in ds_meta.c.
        unsafe {
            let f = MetaFixture {
                abi_b,
                buffer: lib.func("ds_fixture_buffer"),
                attach: lib.func("ds_fixture_attach"),
                install_probe: lib.func("ds_fixture_install_probe"),
                live: lib.func("ds_fixture_live"),
                layout: lib.func("ds_fixture_layout"),
                _lib: lib,
            };
            let abi: unsafe extern "C" fn() -> c_int = lib.func("ds_fixture_abi_b");
            assert_eq!(abi() != 0, abi_b, "fixture compiled for the wrong ABI");
            f
        }
    })
}

/// The fixture's sizeof/offsetof table.
pub fn c_layout(f: &MetaFixture) -> Vec<(String, usize)> {
    let mut rows: *const Row = std::ptr::null();
    // SAFETY: the fixture writes a pointer to its static table and returns its length.
    let n = unsafe { (f.layout)(&mut rows) };
    // SAFETY: `n` rows of static data with NUL-terminated static names.
    unsafe { std::slice::from_raw_parts(rows, n) }
        .iter()
        // SAFETY: static NUL-terminated names.
        .map(|r| {
            (unsafe { std::ffi::CStr::from_ptr(r.name) }.to_string_lossy().into_owned(), r.value)
        })
        .collect()
}

/// The FP32 value the fixture writes at index `i` of frame `f`'s layer 0.
pub fn fp32_value(f: u32, i: u32) -> f32 {
    ((i + 31 * f) % 997) as f32 / 997.0
}

/// The value (after FP16 → FP32) the fixture writes at index `i` of frame `f`'s layer 1.
pub fn fp16_value(f: u32, i: u32) -> f32 {
    match i {
        0 => 5.960_464_5e-8,
        1 => f32::INFINITY,
        2 => f32::NAN,
        3 => -0.0,
        _ => (((i * 7 + f) % 2048) as i32 - 1024) as f32 / 256.0,
    }
}

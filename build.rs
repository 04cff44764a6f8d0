//! Build script: DeepStream header discovery, bindgen, ABI selection and DeepStream linking.
//!
//! * **Headers.** `DEEPSTREAM_DIR` may name the DeepStream install root (the directory holding
//!   `sources/includes/` and `lib/`, e.g. `/opt/nvidia/deepstream/deepstream`) — the preferred
//!   form — or the includes directory itself. Without it, the default install root
//!   `/opt/nvidia/deepstream/deepstream` is tried. `nvbufsurface.h` and `nvdsmeta.h` are required;
//!   `nvbufsurftransform.h`, `gstnvdsmeta.h` and `gstnvdsinfer.h` are optional (a missing one, or
//!   one that does not parse — the DS 6/7 transform header needs CUDA's headers — is dropped with
//!   a warning and its types are not checked).
//! * **bindgen** runs over the found headers with an allowlist of exactly what pitchcam uses and
//!   writes `$OUT_DIR/deepstream_sys.rs`; `cfg(pitchcam_ds_bindgen)` is set, plus one
//!   `cfg(pitchcam_ds_bindgen_<group>)` per optional header that made it. The crate then checks,
//!   at compile time, that its hand-written mirrors have the generated sizes, alignments and
//!   offsets (ffi/deepstream/sys.rs): a mismatch fails the build naming the type and field.
//! * **ABI.** With headers, the NvBufSurface ABI is read from them (`isImportedBuf` present ⇒
//!   ABI-B, DeepStream 8.0+) and `cfg(pitchcam_ds_abi_b)` follows; the `ds8` feature only chooses
//!   when there are no headers (a disagreement is reported as a warning).
//! * **Linking** (feature `deepstream`): `nvbufsurface`, `nvbufsurftransform`, `nvds_meta`,
//!   `nvdsgst_meta` from `DEEPSTREAM_LIB_DIR`, else `<root>/lib`, else
//!   `/opt/nvidia/deepstream/deepstream/lib`; on aarch64 also the Jetson BSP's
//!   `/usr/lib/aarch64-linux-gnu/tegra`; with an rpath to each.
//! * `PITCHCAM_DS_BINDGEN=0` skips bindgen even when headers exist (the mirrors are used).
//!
//! It prints exactly one `cargo:warning` line saying which path was taken (plus one per dropped
//! header or missing library).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const DEFAULT_ROOT: &str = "/opt/nvidia/deepstream/deepstream";
const TEGRA_LIB_DIR: &str = "/usr/lib/aarch64-linux-gnu/tegra";

/// Headers bindgen needs; without them the checked-in mirrors are used.
const REQUIRED: [&str; 2] = ["nvbufsurface.h", "nvdsmeta.h"];
/// Optional headers and the cfg set when each made it into the bindings.
const OPTIONAL: [(&str, &str); 3] = [
    ("nvbufsurftransform.h", "pitchcam_ds_bindgen_transform"),
    ("gstnvdsmeta.h", "pitchcam_ds_bindgen_gstmeta"),
    ("gstnvdsinfer.h", "pitchcam_ds_bindgen_infer"),
];

const TYPES: &[&str] = &[
    "NvBufSurface",
    "NvBufSurfaceParams",
    "NvBufSurfacePlaneParams",
    "NvBufSurfaceMappedAddr",
    "NvBufSurfaceCreateParams",
    "NvBufSurfaceMemType",
    "NvBufSurfaceColorFormat",
    "NvBufSurfaceLayout",
    "NvBufSurfaceMemMapFlags",
    "NvBufSurfTransformRect",
    "NvBufSurfTransformParams",
    "NvBufSurfTransformConfigParams",
    "NvBufSurfTransform_Error",
    "NvBufSurfTransform_Compute",
    "NvBufSurfTransform_Flip",
    "NvBufSurfTransform_Inter",
    "NvBufSurfTransform_Transform_Flag",
    "NvDsBaseMeta",
    "NvDsUserMeta",
    "NvDsBatchMeta",
    "NvDsFrameMeta",
    "NvDsMetaType",
    "NvDsMeta",
    "GstNvDsMetaType",
    "NvDsInferTensorMeta",
    "NvDsInferLayerInfo",
    "NvDsInferDims",
    "NvDsInferDataType",
    "NvDsInferNetworkInfo",
];

const FUNCTIONS: &[&str] = &[
    "NvBufSurfaceCreate",
    "NvBufSurfaceDestroy",
    "NvBufSurfaceMap",
    "NvBufSurfaceUnMap",
    "NvBufSurfaceSyncForCpu",
    "NvBufSurfaceSyncForDevice",
    "NvBufSurfTransform",
    "NvBufSurfTransformSetSessionParams",
    "gst_buffer_get_nvds_batch_meta",
    "nvds_acquire_meta_lock",
    "nvds_release_meta_lock",
    "nvds_remove_user_meta_from_frame",
];

const VARS: &[&str] = &["NVBUF_MAX_PLANES", "STRUCTURE_PADDING", "NVDSINFER_MAX_DIMS"];

/// GLib / GStreamer types the crate takes from glib-sys / gstreamer-sys instead of generating.
const BLOCKED: &[&str] = &["_?GList", "_?GRecMutex", "_?GstMeta", "_?GstBuffer"];

const LIBS: [&str; 4] = ["nvbufsurface", "nvbufsurftransform", "nvds_meta", "nvdsgst_meta"];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    for var in [
        "DEEPSTREAM_DIR",
        "DEEPSTREAM_LIB_DIR",
        "PITCHCAM_DS_BINDGEN",
        "CUDA_HOME",
        "CUDA_PATH",
        "PKG_CONFIG",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    println!("cargo::rustc-check-cfg=cfg(pitchcam_ds_bindgen)");
    println!("cargo::rustc-check-cfg=cfg(pitchcam_ds_abi_b)");
    for (_, cfg) in OPTIONAL {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }

    let feature_ds8 = env::var_os("CARGO_FEATURE_DS8").is_some();
    let feature_link = env::var_os("CARGO_FEATURE_DEEPSTREAM").is_some();
    let target_arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let location = locate();
    let bindgen_off = env::var("PITCHCAM_DS_BINDGEN").is_ok_and(|v| v == "0");
    let mut abi_b = feature_ds8;
    let path_taken = match &location {
        Location::Found { include, explicit, .. } if !bindgen_off => {
            match run_bindgen(include, &out_dir) {
                Ok(generated) => {
                    println!("cargo::rustc-cfg=pitchcam_ds_bindgen");
                    for cfg in &generated.optional_cfgs {
                        println!("cargo::rustc-cfg={cfg}");
                    }
                    if generated.abi_b != feature_ds8 {
                        println!(
                            "cargo::warning=pitchcam: the DeepStream headers are ABI-{}; the \
                             `ds8` feature is {}: following the headers",
                            if generated.abi_b { "B (8.0+)" } else { "A (6.1-7.1)" },
                            if feature_ds8 { "on" } else { "off" }
                        );
                    }
                    abi_b = generated.abi_b;
                    format!(
                        "bindgen ran over {} ({}); the ABI-{} mirrors are checked against it at \
                         compile time",
                        include.display(),
                        generated.headers.join(", "),
                        if abi_b { "B" } else { "A" }
                    )
                }
                Err(e) if *explicit => panic!(
                    "pitchcam: DEEPSTREAM_DIR is set but bindgen failed on {}: {e}\n(set \
                     PITCHCAM_DS_BINDGEN=0 to build with the checked-in mirrors instead)",
                    include.display()
                ),
                Err(e) => format!(
                    "bindgen failed on {} ({e}); using the checked-in ABI-{} mirrors",
                    include.display(),
                    if abi_b { "B" } else { "A" }
                ),
            }
        }
        Location::Found { include, .. } => format!(
            "PITCHCAM_DS_BINDGEN=0: headers in {} not used; using the checked-in ABI-{} mirrors",
            include.display(),
            if abi_b { "B" } else { "A" }
        ),
        Location::Missing { looked } => format!(
            "no DeepStream headers ({looked}); using the checked-in ABI-{} mirrors ({})",
            if abi_b { "B" } else { "A" },
            if abi_b { "DeepStream 8.0+, feature ds8" } else { "DeepStream 6.1-7.1" }
        ),
    };
    println!("cargo::warning=pitchcam DeepStream: {path_taken}");
    if abi_b {
        println!("cargo::rustc-cfg=pitchcam_ds_abi_b");
    }

    if feature_link {
        link_deepstream(&location, &target_arch);
    }

    // The C ABI's soname (issue 3; the same line as on the C-ABI branch, kept here so the two
    // build.rs changes merge as one). The .deb installs the library under this name.
    println!("cargo::rustc-cdylib-link-arg=-Wl,-soname,libpitchcam.so.0");
}

enum Location {
    Found { include: PathBuf, root: Option<PathBuf>, explicit: bool },
    Missing { looked: String },
}

/// Finds the includes directory (and the install root when it can be told).
fn locate() -> Location {
    match env::var_os("DEEPSTREAM_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            let (include, root) = if dir.join("nvdsmeta.h").is_file() {
                // The includes dir itself; `<root>/sources/includes` gives the root back.
                let root = (dir.ends_with("sources/includes"))
                    .then(|| dir.parent().and_then(Path::parent).map(Path::to_path_buf))
                    .flatten();
                (dir, root)
            } else if dir.join("sources/includes/nvdsmeta.h").is_file() {
                (dir.join("sources/includes"), Some(dir))
            } else {
                panic!(
                    "pitchcam: DEEPSTREAM_DIR={} holds neither nvdsmeta.h nor \
                     sources/includes/nvdsmeta.h: point it at the DeepStream install root \
                     (e.g. /opt/nvidia/deepstream/deepstream) or at its sources/includes",
                    dir.display()
                );
            };
            for h in REQUIRED {
                if !include.join(h).is_file() {
                    panic!("pitchcam: DEEPSTREAM_DIR: {} has no {h}", include.display());
                }
            }
            Location::Found { include, root, explicit: true }
        }
        None => {
            let root = PathBuf::from(DEFAULT_ROOT);
            let include = root.join("sources/includes");
            if REQUIRED.iter().all(|h| include.join(h).is_file()) {
                Location::Found { include, root: Some(root), explicit: false }
            } else {
                Location::Missing {
                    looked: format!("DEEPSTREAM_DIR unset, none in {}", include.display()),
                }
            }
        }
    }
}

struct Generated {
    headers: Vec<String>,
    optional_cfgs: Vec<&'static str>,
    abi_b: bool,
}

/// Runs bindgen over the required headers plus every optional header that parses.
fn run_bindgen(include: &Path, out_dir: &Path) -> Result<Generated, String> {
    let mut args = vec![format!("-I{}", include.display())];
    args.extend(gstreamer_cflags());
    for dir in [env::var_os("CUDA_HOME"), env::var_os("CUDA_PATH")]
        .into_iter()
        .flatten()
        .map(PathBuf::from)
        .chain([PathBuf::from("/usr/local/cuda")])
    {
        if dir.join("include").is_dir() {
            args.push(format!("-I{}", dir.join("include").display()));
        }
    }

    let mut headers: Vec<&str> = REQUIRED.to_vec();
    let mut cfgs = Vec::new();
    for (h, cfg) in OPTIONAL {
        if !include.join(h).is_file() {
            println!(
                "cargo::warning=pitchcam DeepStream: optional {h} not found; its types are not checked"
            );
            continue;
        }
        let mut trial = headers.clone();
        trial.push(h);
        match generate(&trial, &args) {
            Ok(_) => {
                headers.push(h);
                cfgs.push(cfg);
            }
            Err(e) => println!(
                "cargo::warning=pitchcam DeepStream: {h} dropped (does not parse: {}); its types \
                 are not checked",
                first_line(&e)
            ),
        }
    }
    let code = generate(&headers, &args).map_err(|e| first_line(&e).to_string())?;
    for h in &headers {
        println!("cargo::rerun-if-changed={}", include.join(h).display());
    }
    let abi_b = struct_has_field(&code, "NvBufSurface", "isImportedBuf");
    fs::write(out_dir.join("deepstream_sys.rs"), code)
        .map_err(|e| format!("cannot write the bindings: {e}"))?;
    Ok(Generated {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        optional_cfgs: cfgs,
        abi_b,
    })
}

fn generate(headers: &[&str], clang_args: &[String]) -> Result<String, String> {
    let wrapper: String = headers.iter().map(|h| format!("#include \"{h}\"\n")).collect();
    let mut b = bindgen::Builder::default()
        .header_contents("pitchcam_deepstream.h", &wrapper)
        .clang_args(clang_args)
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .generate_comments(false)
        .derive_debug(false)
        .derive_default(false)
        .raw_line("#[allow(unused_imports)]")
        .raw_line("use glib_sys::{GList, GRecMutex};")
        .raw_line("#[allow(unused_imports)]")
        .raw_line("use gstreamer_sys::{GstBuffer, GstMeta};");
    for t in TYPES {
        b = b.allowlist_type(t);
    }
    for f in FUNCTIONS {
        b = b.allowlist_function(f);
    }
    for v in VARS {
        b = b.allowlist_var(v);
    }
    for t in BLOCKED {
        b = b.blocklist_type(t);
    }
    b.generate().map(|g| g.to_string()).map_err(|e| e.to_string())
}

/// Whether the generated `pub struct <name> { … }` has a field `<field>`.
fn struct_has_field(code: &str, name: &str, field: &str) -> bool {
    let start = format!("pub struct {name} {{");
    code.find(&start)
        .and_then(|i| code[i..].find('}').map(|j| &code[i..i + j]))
        .is_some_and(|body| body.contains(&format!("pub {field}:")))
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}

/// Include flags for GStreamer / GLib (gstnvdsmeta.h and gstnvdsinfer.h include <gst/gst.h>).
fn gstreamer_cflags() -> Vec<String> {
    let pkg_config = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".into());
    let out = Command::new(&pkg_config)
        .args(["--cflags", "gstreamer-1.0", "gstreamer-base-1.0", "gstreamer-video-1.0"])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            String::from_utf8_lossy(&o.stdout).split_whitespace().map(str::to_string).collect()
        }
        _ => {
            println!(
                "cargo::warning=pitchcam DeepStream: `{pkg_config} --cflags gstreamer-1.0 …` \
                 failed; the GStreamer-based headers will not parse (install \
                 libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev)"
            );
            Vec::new()
        }
    }
}

/// Link directives for the `deepstream` feature.
fn link_deepstream(location: &Location, target_arch: &str) {
    let mut dirs = Vec::new();
    if let Some(d) = env::var_os("DEEPSTREAM_LIB_DIR") {
        dirs.push(PathBuf::from(d));
    } else if let Location::Found { root: Some(root), .. } = location {
        dirs.push(root.join("lib"));
    } else {
        dirs.push(PathBuf::from(DEFAULT_ROOT).join("lib"));
    }
    if target_arch == "aarch64" {
        dirs.push(PathBuf::from(TEGRA_LIB_DIR));
    }
    for lib in LIBS {
        let file = format!("lib{lib}.so");
        if !dirs.iter().any(|d| d.join(&file).exists()) {
            println!(
                "cargo::warning=pitchcam DeepStream: {file} not found in {}: linking will fail \
                 (set DEEPSTREAM_DIR or DEEPSTREAM_LIB_DIR)",
                dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
            );
        }
    }
    for d in &dirs {
        println!("cargo::rustc-link-search=native={}", d.display());
        println!("cargo::rustc-link-arg=-Wl,-rpath,{}", d.display());
    }
    for lib in LIBS {
        println!("cargo::rustc-link-lib=dylib={lib}");
    }
}

//! Shared by the `capi_*` tests: where the built libraries are, installing them into a temporary
//! prefix with `scripts/install-lib`, compiling C/C++ consumers, running them under GStreamer's
//! leaks tracer, and the shared reference data.
#![allow(dead_code)]

use pitchcam::core::detect::{DetectParams, Detection, Detector, Mapping, Tensor, TensorLayout};
use pitchcam::core::geom::Size;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>`: the directory holding this test binary's `deps/`, where cargo leaves
/// `libpitchcam.so` and `libpitchcam.a` of the same build.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("test binary has a directory");
    deps.parent().expect("deps/ has a parent").to_path_buf()
}

/// The cargo profile name of this build (`dev` for `target/debug`).
pub fn profile_name() -> String {
    match profile_dir().file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev".into(),
        Some(name) => name.into(),
        None => panic!("cannot tell the cargo profile from {}", profile_dir().display()),
    }
}

/// `target/`.
pub fn target_dir() -> PathBuf {
    profile_dir().parent().expect("profile dir has a parent").to_path_buf()
}

/// The shared library as installed (built by `scripts/install-lib` for this profile).
pub fn shared_lib() -> PathBuf {
    installed_prefix().join("lib/libpitchcam.so.0")
}

/// The static library as installed.
pub fn static_lib() -> PathBuf {
    installed_prefix().join("lib/libpitchcam.a")
}

/// A fresh scratch directory under `target/<profile>/capi-tests/<name>`.
pub fn scratch(name: &str) -> PathBuf {
    let d = profile_dir().join("capi-tests").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create scratch dir");
    d
}

/// Runs a command, panicking with its output unless it exits 0.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Checks that a tool is on PATH; fails with what to install otherwise.
pub fn require_tool(tool: &str, package: &str) {
    let found = Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        found,
        "`{tool}` is needed by the C-ABI tests and was not found on PATH: install it \
         (Debian/Ubuntu: apt-get install {package}; scripts/setup does this)"
    );
}

/// A prefix with libpitchcam built and installed by `scripts/install-lib` for this test build's
/// profile and target directory (once per test process; cargo rebuilds only the root crate, if
/// anything). Every C-ABI test uses these libraries, so the install path is the tested path.
pub fn installed_prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        require_tool("pkg-config", "pkg-config");
        let prefix = scratch(&format!("prefix-{}", env!("CARGO_CRATE_NAME")));
        run_ok(
            Command::new("bash")
                .arg(root().join("scripts/install-lib"))
                .args(["--profile", &profile_name(), "--target-dir"])
                .arg(target_dir())
                .arg(&prefix)
                .current_dir(root()),
        );
        prefix
    })
}

/// `PKG_CONFIG_PATH` for [`installed_prefix`].
pub fn pkg_config_path() -> PathBuf {
    installed_prefix().join("lib/pkgconfig")
}

/// `pkg-config <args> <pkg>` with the installed prefix on the search path, split into words.
pub fn pkg_config(args: &[&str], pkg: &str) -> Vec<String> {
    let out = run_ok(
        Command::new("pkg-config").args(args).arg(pkg).env("PKG_CONFIG_PATH", pkg_config_path()),
    );
    String::from_utf8(out.stdout).expect("utf-8").split_whitespace().map(String::from).collect()
}

/// GStreamer's compile flags, with `-I` turned into `-isystem` so its headers are not held to our
/// `-Werror -pedantic`.
pub fn gst_cflags() -> Vec<String> {
    pkg_config(&["--cflags"], "gstreamer-1.0")
        .into_iter()
        .flat_map(|f| match f.strip_prefix("-I") {
            Some(dir) => vec!["-isystem".to_string(), dir.to_string()],
            None => vec![f],
        })
        .collect()
}

/// GStreamer's link flags.
pub fn gst_libs() -> Vec<String> {
    pkg_config(&["--libs"], "gstreamer-1.0")
}

/// Which language and library a consumer build uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    C11,
    Cxx17,
}

/// Which libpitchcam a consumer links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Static,
    Shared,
}

/// Compiles `tests/c/<source>` against the installed header and library; returns the binary.
pub fn build_consumer(source: &str, lang: Lang, link: Link, out: &Path) -> PathBuf {
    let (compiler, std_flags): (&str, &[&str]) = match lang {
        Lang::C11 => ("cc", &["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"]),
        Lang::Cxx17 => ("c++", &["-std=c++17", "-Wall", "-Wextra", "-Werror"]),
    };
    require_tool(compiler, if lang == Lang::C11 { "gcc" } else { "g++" });
    let prefix = installed_prefix();
    let mut cmd = Command::new(compiler);
    cmd.args(std_flags)
        .args(pkg_config(&["--cflags"], "pitchcam"))
        .args(gst_cflags())
        .arg("-I")
        .arg(root().join("tests/c"))
        .arg(root().join("tests/c").join(source))
        .arg("-o")
        .arg(out);
    match link {
        Link::Shared => {
            cmd.args(pkg_config(&["--libs"], "pitchcam"))
                .arg(format!("-Wl,-rpath,{}", prefix.join("lib").display()));
        }
        Link::Static => {
            cmd.args(pkg_config(&["--variable=static_libs"], "pitchcam"));
        }
    }
    cmd.args(gst_libs()).arg("-lm");
    run_ok(&mut cmd);
    out.to_path_buf()
}

/// Runs a consumer under `GST_TRACERS=leaks` with `G_DEBUG=fatal-warnings`, so that any leaked
/// GStreamer object (reported at `gst_deinit`) turns into a failing exit.
pub fn run_leak_checked(bin: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .env("GST_TRACERS", "leaks")
        .env("G_DEBUG", "fatal-warnings")
        .env_remove("GST_DEBUG")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()))
}

/// The directory holding the NMS reference data (`reference_outputs.json`, `frame_*.bin`).
///
/// `PITCHCAM_SHARED_DATA` names the shared data directory (the one holding `nms/`, or `nms/`
/// itself); without it, `$CARGO_MANIFEST_DIR/../shared/data/nms` (where it lies beside the main
/// checkout).
pub fn nms_dir() -> PathBuf {
    let dir = match std::env::var_os("PITCHCAM_SHARED_DATA") {
        Some(p) => {
            let p = PathBuf::from(p);
            if p.join("nms/reference_outputs.json").is_file() { p.join("nms") } else { p }
        }
        None => root().join("../shared/data/nms"),
    };
    assert!(
        dir.join("reference_outputs.json").is_file(),
        "NMS reference data not found: {}/reference_outputs.json is missing. Point \
         PITCHCAM_SHARED_DATA at the shared data directory (the one holding nms/).",
        dir.display()
    );
    dir
}

/// The reference JSON.
pub fn reference() -> serde_json::Value {
    let path = nms_dir().join("reference_outputs.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("reference_outputs.json is valid JSON")
}

/// A `[9, 8400]` little-endian f32 head of the reference data.
pub fn load_head(name: &str) -> Vec<f32> {
    let path = nms_dir().join(format!("{name}.bin"));
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read reference head {}: {e}", path.display()));
    assert_eq!(bytes.len(), 9 * 8400 * 4, "{} has the wrong size", path.display());
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
}

/// One detection as `(x1, y1, x2, y2, score, class)`.
pub type Det = (i32, i32, i32, i32, u16, u8);

/// Parses `DET x1 y1 x2 y2 score class` lines.
pub fn parse_dets(stdout: &str) -> Vec<Det> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("DET "))
        .map(|l| {
            let v: Vec<i64> = l.split_whitespace().map(|w| w.parse().expect("number")).collect();
            assert_eq!(v.len(), 6, "DET line: {l}");
            (v[0] as i32, v[1] as i32, v[2] as i32, v[3] as i32, v[4] as u16, v[5] as u8)
        })
        .collect()
}

/// Checks detections of a reference frame (identity mapping, default clamping to
/// [0, 16384] px) against the float reference: the same kept boxes in the same order, except
/// decisions the reference marks fragile; each box within 1/256 px of the reference xyxy and
/// the score its Q0.16 confidence.
pub fn check_against_reference(frame: &str, dets: &[Det]) {
    let reference = reference();
    let f = reference["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .find(|f| f["name"] == frame)
        .unwrap_or_else(|| panic!("no reference frame {frame}"));
    let fragile: Vec<u64> =
        f["fragile"].as_array().unwrap().iter().map(|a| a.as_u64().unwrap()).collect();
    // Every candidate's expected box, by anchor, for matching.
    let expected: Vec<(u64, Det)> = f["detections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let d = d.as_array().unwrap();
            let q8 = |v: &serde_json::Value| {
                let px = v.as_f64().unwrap();
                (px * 256.0).round().clamp(0.0, 16384.0 * 256.0) as i32
            };
            let conf = d[2].as_f64().unwrap() as f32;
            let score = if conf >= 1.0 { u16::MAX } else { (conf * 65536.0) as u16 };
            (
                d[0].as_u64().unwrap(),
                (q8(&d[3]), q8(&d[4]), q8(&d[5]), q8(&d[6]), score, d[1].as_u64().unwrap() as u8),
            )
        })
        .collect();
    let close = |a: &Det, b: &Det| {
        a.4 == b.4
            && a.5 == b.5
            && [(a.0, b.0), (a.1, b.1), (a.2, b.2), (a.3, b.3)]
                .iter()
                .all(|(p, q)| (p - q).abs() <= 1)
    };
    // A box the reference did not keep may only be a fragile candidate's (same class, score).
    let fragile_scores: Vec<(u16, u8)> = f["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| fragile.contains(&c[0].as_u64().unwrap()))
        .map(|c| {
            let conf = c[2].as_f64().unwrap() as f32;
            ((conf * 65536.0) as u16, c[1].as_u64().unwrap() as u8)
        })
        .collect();
    let mut matched = Vec::new();
    for d in dets {
        match expected.iter().find(|(_, e)| close(d, e)) {
            Some((anchor, _)) => matched.push(*anchor),
            None => assert!(
                fragile_scores.contains(&(d.4, d.5)),
                "{frame}: detection {d:?} is none of the reference's kept boxes nor fragile"
            ),
        }
    }
    let ref_kept: Vec<u64> =
        f["kept"].as_array().unwrap().iter().map(|a| a.as_u64().unwrap()).collect();
    let missing: Vec<u64> = ref_kept.iter().copied().filter(|a| !matched.contains(a)).collect();
    for a in &missing {
        assert!(fragile.contains(a), "{frame}: reference box of anchor {a} is missing");
    }
    let in_order: Vec<u64> = ref_kept.iter().copied().filter(|a| matched.contains(a)).collect();
    assert_eq!(matched, in_order, "{frame}: order differs from the reference");
    assert!(matched.len() + missing.len() >= ref_kept.len());
}

/// What core's detector gives for a reference frame with `pc_detect`'s settings (conf 0.25,
/// IoU 0.45, max_det 300, per class, identity mapping, bounds 16384 × 16384): what every
/// consumer of the C ABI must get, bit for bit.
pub fn core_detections(frame: &str) -> Vec<Det> {
    let head = load_head(frame);
    let t = Tensor::new(&head, 9, 8400, TensorLayout::ChannelsFirst, Mapping::IDENTITY).unwrap();
    let params = DetectParams::new(0.25, 0.45, 300, Size { w: 16384, h: 16384 }).unwrap();
    let mut det = Box::new(Detector::<8400>::new());
    let mut out = vec![Detection::default(); 512];
    let stats = det.detect(&[t], &params, &mut out).unwrap();
    assert_eq!(stats.written, stats.kept);
    out[..stats.written as usize]
        .iter()
        .map(|d| (d.x1, d.y1, d.x2, d.y2, d.score, d.class))
        .collect()
}

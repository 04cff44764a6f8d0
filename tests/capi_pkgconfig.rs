//! `scripts/install-lib` into a temporary prefix: the installed files and symlinks, the soname
//! chain, `pitchcam.pc`, and C programs built with nothing but pkg-config's answers — against
//! the shared and the static library.
mod capi_support;

use capi_support::*;
use std::process::Command;

#[test]
fn installed_layout_and_soname_chain() {
    let prefix = installed_prefix();
    let lib = prefix.join("lib");
    let version = env!("CARGO_PKG_VERSION");
    let real = lib.join(format!("libpitchcam.so.{version}"));
    assert!(real.is_file() && !real.is_symlink(), "{} is the library itself", real.display());
    assert_eq!(
        std::fs::read_link(lib.join("libpitchcam.so.0")).unwrap().to_str().unwrap(),
        format!("libpitchcam.so.{version}")
    );
    assert_eq!(
        std::fs::read_link(lib.join("libpitchcam.so")).unwrap().to_str().unwrap(),
        "libpitchcam.so.0"
    );
    assert!(lib.join("libpitchcam.a").is_file());
    assert_eq!(
        std::fs::read(prefix.join("include/pitchcam.h")).unwrap(),
        std::fs::read(root().join("include/pitchcam.h")).unwrap()
    );
    let out = run_ok(Command::new("readelf").arg("-d").arg(&real));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Library soname: [libpitchcam.so.0]"));
}

#[test]
fn pkg_config_describes_the_install() {
    assert_eq!(pkg_config(&["--modversion"], "pitchcam"), [env!("CARGO_PKG_VERSION")]);
    let prefix = installed_prefix();
    let cflags = pkg_config(&["--cflags"], "pitchcam");
    assert_eq!(cflags, [format!("-I{}", prefix.join("include").display())]);
    let libs = pkg_config(&["--libs"], "pitchcam");
    assert_eq!(libs, [format!("-L{}", prefix.join("lib").display()), "-lpitchcam".into()]);
    // The static link line comes from rustc's --print native-static-libs for this build: the
    // GStreamer/GLib libraries the ring uses and the C runtime pieces of Rust's std.
    let statics = pkg_config(&["--variable=static_libs"], "pitchcam");
    assert_eq!(statics[0], prefix.join("lib/libpitchcam.a").display().to_string());
    for need in ["-lgstreamer-1.0", "-lpthread", "-lc"] {
        assert!(statics.iter().any(|s| s == need), "{need} missing from static_libs: {statics:?}");
    }
    let private = pkg_config(&["--libs", "--static"], "pitchcam");
    assert!(private.iter().any(|s| s == "-lgstreamer-1.0"), "Libs.private: {private:?}");
}

#[test]
fn c_program_builds_from_pkg_config_alone() {
    require_tool("cc", "gcc");
    let dir = scratch("pkgconfig-consumer");
    let src = root().join("tests/c/capi_pkgconfig.c");
    let cflags = pkg_config(&["--cflags"], "pitchcam");
    for (name, libs) in [
        ("shared", {
            let mut l = pkg_config(&["--libs"], "pitchcam");
            l.push(format!("-Wl,-rpath,{}", installed_prefix().join("lib").display()));
            l
        }),
        ("static", pkg_config(&["--variable=static_libs"], "pitchcam")),
    ] {
        let bin = dir.join(name);
        run_ok(
            Command::new("cc")
                .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
                .args(&cflags)
                .arg(&src)
                .arg("-o")
                .arg(&bin)
                .args(&libs),
        );
        let out = run_ok(&mut Command::new(&bin));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.trim(), "pitchcam abi 0.1: success", "{name}");
        // The shared build resolves libpitchcam.so.0 from the prefix; the static one needs none.
        let ldd = run_ok(Command::new("ldd").arg(&bin));
        let ldd = String::from_utf8_lossy(&ldd.stdout);
        assert_eq!(ldd.contains("libpitchcam.so.0"), name == "shared", "{name}: {ldd}");
    }
}

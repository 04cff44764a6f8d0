//! The export surface of libpitchcam: the `pc_*` symbols that `nm -D` finds in the shared library
//! (and `nm` in the static one) are exactly `linker/exports.txt`, which is exactly the functions
//! `include/pitchcam.h` declares; the header's constants and status codes are the library's; the
//! shared library's soname is `libpitchcam.so.0`.
mod capi_support;

use capi_support::*;
use pitchcam::capi::status::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn exports_txt() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("linker/exports.txt")).expect("exports.txt");
    let list: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let mut sorted = list.clone();
    sorted.sort();
    assert_eq!(list, sorted, "linker/exports.txt is kept sorted");
    list.into_iter().collect()
}

/// Function names declared in the header: a line starting in column 0 with a type, followed by
/// `pc_name(`. Comments and macros start otherwise (` *`, `/*`, `#`).
fn header_functions() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("include/pitchcam.h")).expect("header");
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let starts_decl = line.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && !line.starts_with("typedef")
            && !line.starts_with("struct")
            && !line.starts_with("extern");
        if !starts_decl {
            continue;
        }
        let Some(open) = line.find('(') else { continue };
        let name: String = line[..open]
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        assert!(name.starts_with("pc_"), "header declares `{name}` without the pc_ prefix: {line}");
        assert!(out.insert(name.clone()), "header declares {name} twice");
    }
    out
}

/// Defined symbols of a library as `nm` reports them: (type letter, name).
fn nm(args: &[&str], lib: &std::path::Path) -> Vec<(char, String)> {
    require_tool("nm", "binutils");
    let out = run_ok(Command::new("nm").args(args).arg(lib));
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace().rev();
            let name = w.next()?;
            let ty = w.next()?.chars().next()?;
            Some((ty, name.to_string()))
        })
        .collect()
}

#[test]
fn header_declares_exactly_the_export_list() {
    let header = header_functions();
    let exports = exports_txt();
    assert!(header.len() >= 19, "the header parse found too few functions: {header:?}");
    assert_eq!(header, exports, "include/pitchcam.h vs linker/exports.txt");
}

#[test]
fn shared_library_exports_exactly_the_list() {
    let syms = nm(&["-D", "--defined-only"], &shared_lib());
    let pc: BTreeSet<String> =
        syms.iter().filter(|(_, n)| n.starts_with("pc_")).map(|(_, n)| n.clone()).collect();
    assert_eq!(pc, exports_txt(), "nm -D libpitchcam.so vs linker/exports.txt");
    for (ty, name) in &syms {
        if name.starts_with("pc_") {
            assert_eq!(*ty, 'T', "{name} is exported as a function");
        }
    }
    // Nothing else of ours leaks into the dynamic symbol table: every other defined symbol is
    // one rustc itself always exports (none at present) — a new one must be looked at.
    let other: Vec<&String> =
        syms.iter().map(|(_, n)| n).filter(|n| !n.starts_with("pc_")).collect();
    assert!(other.is_empty(), "unexpected dynamic symbols: {other:?}");
}

#[test]
fn static_library_defines_the_list() {
    let syms = nm(&["--defined-only", "--extern-only"], &static_lib());
    let pc: BTreeSet<String> = syms
        .iter()
        .filter(|(ty, n)| *ty == 'T' && n.starts_with("pc_"))
        .map(|(_, n)| n.clone())
        .collect();
    assert_eq!(pc, exports_txt(), "nm libpitchcam.a vs linker/exports.txt");
}

#[test]
fn soname_is_libpitchcam_so_0() {
    require_tool("readelf", "binutils");
    let out = run_ok(Command::new("readelf").arg("-d").arg(shared_lib()));
    let text = String::from_utf8_lossy(&out.stdout);
    let soname: Vec<&str> = text.lines().filter(|l| l.contains("(SONAME)")).collect();
    assert_eq!(soname.len(), 1, "one SONAME entry: {text}");
    assert!(soname[0].contains("[libpitchcam.so.0]"), "soname: {}", soname[0]);
    let header = std::fs::read_to_string(root().join("include/pitchcam.h")).unwrap();
    assert!(header.contains("#define PITCHCAM_ABI_MAJOR 0\n"), "soname number = ABI major");
}

/// `#define NAME <integer>` lines and `NAME = <integer>` enumerators of the header.
fn header_constants() -> BTreeMap<String, i64> {
    let text = std::fs::read_to_string(root().join("include/pitchcam.h")).expect("header");
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        let (name, value) = if let Some(rest) = line.strip_prefix("#define ") {
            let mut w = rest.split_whitespace();
            (w.next().unwrap_or(""), w.next().unwrap_or(""))
        } else if let Some((name, rest)) = line.split_once(" = ") {
            (name, rest.split([',', ' ']).next().unwrap_or(""))
        } else {
            continue;
        };
        let value = value.trim_end_matches('u');
        if let Ok(v) = value.parse::<i64>() {
            out.insert(name.to_string(), v);
        }
    }
    out
}

#[test]
fn header_constants_are_the_librarys() {
    use pitchcam::capi::{ABI_MAJOR, ABI_MINOR, ABI_VERSION, detect, pc_abi_version, ring};
    let h = header_constants();
    let want: [(&str, i64); 10] = [
        ("PC_MAX_BALL_CANDIDATES", pitchcam::core::obs::MAX_BALL_CANDIDATES as i64),
        ("PITCHCAM_ABI_MAJOR", ABI_MAJOR as i64),
        ("PITCHCAM_ABI_MINOR", ABI_MINOR as i64),
        ("PC_MAX_CLASSES", pitchcam::core::detect::MAX_CLASSES as i64),
        ("PC_MAX_TENSORS", detect::MAX_TENSORS as i64),
        ("PC_DETECT_CANDIDATES", detect::CANDIDATES as i64),
        ("PC_DETECT_MAX_PANORAMA_SIDE", pitchcam::core::detect::MAX_PANORAMA_SIDE as i64),
        ("PC_DETECT_SKIP_NON_FINITE", detect::SKIP_NON_FINITE as i64),
        ("PC_RING_MAX_CAPACITY", ring::RING_MAX_CAPACITY as i64),
        ("PC_OK", 0),
    ];
    for (name, value) in want {
        assert_eq!(h.get(name), Some(&value), "{name} in include/pitchcam.h");
    }
    assert_eq!(pc_abi_version(), ABI_VERSION);
    assert_eq!(ABI_VERSION, (ABI_MAJOR << 16) | ABI_MINOR);
    // Every status code, both ways: the header has no code the library lacks, and vice versa.
    let header_codes: BTreeMap<&str, i64> = h
        .iter()
        .filter(|(n, _)| n.starts_with("PC_ERR_") || n.as_str() == "PC_OK")
        .map(|(n, v)| (n.as_str(), *v))
        .collect();
    let lib_codes: BTreeMap<&str, i64> =
        Status::ALL.iter().map(|s| (s.name(), s.code() as i64)).collect();
    assert_eq!(header_codes, lib_codes, "pc_status in the header vs the library");
}

//! The command line as a user meets it: bad values are refused with exit code 2 and a message
//! naming the flag (before anything runs or is written), `run --help` documents every flag, and
//! `pitchcam cores` shows the machine and the thread plan.

mod engine_support;

use engine_support::*;

/// `(arguments after "run", the flag the message must name, a phrase it must contain)`.
const BAD: &[(&[&str], &str, &str)] = &[
    (&["--resolution", "5701x1900"], "--resolution", "even"),
    (&["--resolution", "wide"], "--resolution", "WIDTHxHEIGHT"),
    (&["--delay", "99"], "--delay", "between 0.5 and 15"),
    (&["--delay", "-1"], "--delay", "between 0.5 and 15"),
    (&["--duration", "soon"], "--duration", "seconds"),
    (&["--duration", "-3"], "--duration", "seconds"),
    (&["--fps", "0"], "--fps", ""),
    (&["--seed", "-4"], "--seed", "invalid value"),
    (&["--source", "bogus"], "--source", "expected sim, file:PATH"),
    (&["--source", "file:/nonexistent/match.mkv"], "--source", "No such file"),
    (&["--camera-size", "10x10"], "--camera-size", "64x64"),
    (&["--mode", "cinema"], "--mode", "vcam or panorama"),
    (&["--preset", "zoom"], "--preset", "broadcast, action, wide"),
    (&["--stream", "http://example.invalid/live"], "--stream", "rtmp://"),
    (&["--analysis-core", "999"], "--analysis-core", "available cores"),
    (&["--config", "/nonexistent/pitchcam.toml"], "/nonexistent/pitchcam.toml", "cannot read"),
    (&["--no-such-flag"], "--no-such-flag", "unexpected argument"),
];

#[test]
fn bad_values_exit_2_with_a_message_naming_the_flag_and_write_nothing() {
    for (args, flag, phrase) in BAD {
        let dir = out_dir("engine-cli-bad");
        // A repeated flag would be an error of its own: add only what the case does not set.
        let mut argv: Vec<&str> = vec!["run"];
        argv.extend_from_slice(args);
        if !args.contains(&"--resolution") {
            argv.extend_from_slice(&["--resolution", "960x320"]);
        }
        if !args.contains(&"--duration") {
            argv.extend_from_slice(&["--duration", "1"]);
        }
        let out_arg = dir.join("out");
        argv.extend_from_slice(&["--out", out_arg.to_str().unwrap()]);
        let out = run(&argv);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{argv:?}: {}", describe(&out));
        assert!(err.contains(flag), "{argv:?}: the message does not name {flag}:\n{err}");
        assert!(err.contains(phrase), "{argv:?}: expected {phrase:?} in:\n{err}");
        assert!(!err.contains("panicked"), "{argv:?}: {err}");
        assert!(!out_arg.join("report.json").exists(), "{argv:?}: a refused run wrote a report");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The long flags `RunArgs` declares, read from its source: every field is a flag, named by its
/// `long = "…"` or by the field name with `-` for `_`.
fn declared_run_flags() -> Vec<String> {
    let src = include_str!("../bin/cli.rs");
    let start = src.find("pub struct RunArgs {").expect("RunArgs in bin/cli.rs");
    let body = &src[start..start + src[start..].find("\n}\n").unwrap()];
    let mut flags = Vec::new();
    let mut long: Option<String> = None;
    for line in body.lines().skip(1).map(str::trim) {
        if line.starts_with("#[arg(")
            && let Some(i) = line.find("long = \"")
        {
            let rest = &line[i + 8..];
            long = Some(rest[..rest.find('"').unwrap()].to_owned());
        } else if let Some(field) = line.strip_prefix("pub ").and_then(|l| l.split(':').next()) {
            let name = long.take().unwrap_or_else(|| field.replace('_', "-"));
            flags.push(format!("--{name}"));
        }
    }
    flags
}

#[test]
fn run_help_documents_every_flag() {
    let out = run_ok(&["run", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    let declared = declared_run_flags();
    // What the issue asks for, whatever the source says.
    for required in [
        "--config",
        "--source",
        "--duration",
        "--seed",
        "--out",
        "--resolution",
        "--analysis-core",
        "--playback-core",
        "--no-realtime",
        "--log-frames",
    ] {
        assert!(declared.iter().any(|f| f == required), "{required} is not a run flag");
    }
    assert!(declared.len() >= 20, "parsed the flags of RunArgs: {declared:?}");
    for flag in &declared {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(flag.as_str()) || l.contains(&format!(" {flag} ")))
            .unwrap_or_else(|| panic!("`pitchcam run --help` does not mention {flag}:\n{help}"));
        // Each flag comes with a description on its line or the next.
        let after = line.trim_start().trim_start_matches(flag.as_str());
        let idx = help.find(line).unwrap() + line.len();
        let next = help[idx..].lines().nth(1).unwrap_or("");
        assert!(
            after.split_whitespace().count() >= 2 || !next.trim().is_empty(),
            "{flag} has no description in --help:\n{help}"
        );
    }
    // A newcomer learns what the sources look like and what runs with no arguments.
    let top = String::from_utf8_lossy(&run_ok(&["--help"]).stdout).into_owned();
    assert!(top.contains("run") && top.contains("cores"), "{top}");
    assert!(help.contains("file:PATH") && help.contains("gst:DESCRIPTION"), "{help}");
}

#[test]
fn cores_prints_every_cpu_and_the_thread_plan() {
    let out = run_ok(&["cores"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cluster 0: cpus"), "{text}");
    let plan = text
        .lines()
        .find_map(|l| l.strip_prefix("default plan: "))
        .unwrap_or_else(|| panic!("no plan in:\n{text}"));
    assert!(plan.contains("analysis") && plan.contains("playback"), "{plan}");
    // Every CPU this process may run on appears in some cluster.
    let n = std::thread::available_parallelism().unwrap().get();
    let listed = text.lines().filter(|l| l.starts_with("cluster ")).count();
    assert!(listed >= 1 && listed <= n, "{listed} clusters for {n} CPUs:\n{text}");
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
    for range in online.trim().split(',').filter(|r| !r.is_empty()) {
        let (a, b) = range.split_once('-').unwrap_or((range, range));
        for cpu in a.parse::<usize>().unwrap()..=b.parse::<usize>().unwrap() {
            assert!(
                text.lines().filter(|l| l.starts_with("cluster ")).any(|l| cpu_listed(l, cpu)),
                "cpu {cpu} missing:\n{text}"
            );
        }
    }
}

/// Whether `line` ("cluster N: cpus 0-3,6") lists `cpu`.
fn cpu_listed(line: &str, cpu: usize) -> bool {
    let list = line.split("cpus").nth(1).unwrap_or("").trim();
    list.split(',').any(|r| {
        let (a, b) = r.trim().split_once('-').unwrap_or((r.trim(), r.trim()));
        match (a.parse::<usize>(), b.parse::<usize>()) {
            (Ok(a), Ok(b)) => (a..=b).contains(&cpu),
            _ => false,
        }
    })
}

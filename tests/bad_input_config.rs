//! Bad input: configuration files and command-line values. Each is refused before anything
//! starts, with exit code 2 and a message that names what is wrong — never a panic.

mod faults_support;
use faults_support::*;

/// Runs pitchcam with `args`; asserts exit 2, no panic, and every `expect` in the message.
fn refused(args: &[&str], expect: &[&str]) {
    let o = run(args, &[]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?} must be refused with exit 2:\n{t}");
    assert!(!t.contains("panicked"), "{args:?} panicked:\n{t}");
    for e in expect {
        assert!(t.contains(e), "{args:?}: the message must mention {e:?}:\n{t}");
    }
}

fn config_refused(name: &str, toml: &str, expect: &[&str]) {
    let dir = out_dir(&format!("badcfg-{name}"));
    let p = dir.join("bad.toml");
    std::fs::write(&p, toml).unwrap();
    refused(&["run", "--config", p.to_str().unwrap(), "--out", dir.to_str().unwrap()], expect);
}

#[test]
fn unknown_keys_are_named() {
    config_refused("unknown", "[source]\nurl = \"sim\"\n", &["url"]);
    config_refused("unknown-table", "[sauce]\nuri = \"sim\"\n", &["sauce"]);
}

#[test]
fn wrong_types_are_named() {
    config_refused("type-fps", "[source]\nfps = \"thirty\"\n", &["fps"]);
    config_refused("type-delay", "[delay]\nseconds = \"7\"\n", &["seconds"]);
    config_refused("type-modes", "[output]\nmodes = \"vcam\"\n", &["modes"]);
    config_refused("type-bool", "[threads]\nrealtime = 1\n", &["realtime"]);
}

#[test]
fn toml_syntax_errors_name_the_line() {
    config_refused("syntax", "[source\nuri = sim\n", &["bad.toml", "line 1"]);
}

#[test]
fn out_of_range_numbers_are_named() {
    for (name, toml, key) in [
        ("fps", "[source]\nfps = 0", "source.fps"),
        ("fps-big", "[source]\nfps = 100000", "source.fps"),
        ("delay-neg", "[delay]\nseconds = -1", "delay.seconds"),
        ("delay-inf", "[delay]\nseconds = inf", "delay.seconds"),
        ("delay-nan", "[delay]\nseconds = nan", "delay.seconds"),
        ("delay-frames", "[delay]\nseconds = 15\n[source]\nfps = 60", "delay.seconds"),
        ("iou", "[analysis]\niou = 2", "analysis.iou"),
        ("conf", "[analysis]\nconf = 1.0", "analysis.conf"),
        ("per-class", "[analysis]\nconf_per_class = [0.1, 0.2]", "conf_per_class"),
        ("max-det", "[analysis]\nmax_det = 0", "analysis.max_det"),
        ("segment", "[output]\nsegment_s = 0", "output.segment_s"),
        ("bitrate", "[output]\nvcam_bitrate_kbps = 5", "output.vcam_bitrate_kbps"),
        ("prio", "[threads]\nplayback_priority = 0", "threads.playback_priority"),
        ("rate", "[audio]\nrate = 12345", "audio.rate"),
        ("stall", "[source]\nstall_timeout_s = -1", "source.stall_timeout_s"),
        ("retry", "[source]\nretry_max_s = 0", "source.retry_max_s"),
        ("duration", "[run]\nduration_s = -5", "run.duration_s"),
        ("res", "[source]\nresolution = \"5701x1900\"", "even"),
        ("res-tiny", "[source]\nresolution = \"64x64\"", "source.resolution"),
        ("camera", "[camera]\nsize = \"10x10\"", "camera.size"),
        ("preset", "[camera]\npreset = \"shaky\"", "camera.preset"),
        ("container", "[output]\ncontainer = \"avi\"", "output.container"),
        ("u32-neg", "[source]\nfps = -30", "fps"),
        ("u64-huge", "[source]\nseed = 99999999999999999999999", "seed"),
    ] {
        config_refused(name, toml, &[key]);
    }
}

#[test]
fn cores_that_do_not_exist_are_refused() {
    config_refused("core", "[threads]\nanalysis_core = 4096\n", &["threads.analysis_core", "4096"]);
    let dir = out_dir("badcli-core");
    refused(
        &["run", "--playback-core", "999", "--out", dir.to_str().unwrap()],
        &["--playback-core", "999"],
    );
}

#[test]
fn a_missing_config_file_is_named() {
    refused(&["run", "--config", "/nonexistent/pitchcam.toml"], &["/nonexistent/pitchcam.toml"]);
}

#[test]
fn bad_command_line_values_are_named() {
    let dir = out_dir("badcli");
    let out = dir.to_str().unwrap();
    // Each message names the flag (not the config key it sets) and what is wrong.
    for (args, expect) in [
        (vec!["run", "--resolution", "5701x1900"], "--resolution 5701x1900: NV12 needs even"),
        (vec!["run", "--resolution", "big"], "--resolution \"big\""),
        (vec!["run", "--camera-size", "0x0"], "--camera-size"),
        (vec!["run", "--fps", "0"], "--fps 0: must be 1..=240"),
        (vec!["run", "--fps", "thirty"], "--fps"),
        (vec!["run", "--delay=-2"], "--delay -2: must be between 0.5 and 15"),
        (vec!["run", "--delay", "-2"], "--delay -2"),
        (vec!["run", "--delay", "NaN"], "--delay NaN"),
        (vec!["run", "--duration=-3"], "--duration"),
        (vec!["run", "--duration", "soon"], "--duration"),
        (vec!["run", "--mode", "pano"], "unknown mode \"pano\""),
        (vec!["run", "--stream", "http://example.invalid/x"], "not an rtmp://"),
        (vec!["run", "--preset", "shaky"], "--preset"),
        (vec!["run", "--source", "ftp://x"], "--source"),
        (vec!["run", "--source", "file:"], "needs a path"),
        (vec!["run", "--seed=-1"], "--seed"),
        (vec!["run", "--no-such-flag"], "--no-such-flag"),
        (vec!["soak", "--duration", "3"], "at least 10 s"),
        (vec!["soak", "--duration", "nan"], "at least 10 s"),
    ] {
        let mut a = args.clone();
        a.extend(["--out", out]);
        refused(&a, &[expect]);
    }
}

/// The fault switches are validated like the config: a malformed value stops the run at once.
#[test]
fn malformed_fault_switches_are_refused() {
    let dir = out_dir("badcli-fault");
    let o = run(
        &["run", "--duration", "5", "--out", dir.to_str().unwrap()],
        &[("PITCHCAM_FAULT_SIM_OUTAGE", "5")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("PITCHCAM_FAULT_SIM_OUTAGE"), "{}", text(&o));
}

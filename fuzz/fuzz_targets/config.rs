//! The binary's configuration schema (bin/config.rs, compiled in by path) and its command-line
//! value parsers (bin/cli.rs): arbitrary TOML text, source URIs, sizes, stream URLs, durations.
//! A refusal must be an error with a message; a panic is a finding. What validates must be usable:
//! sizes even and non-zero, the delay in range.
#![no_main]
#![allow(dead_code)]

// config.rs validates camera limits through camera.rs, which uses obslog.rs and plot.rs.
#[path = "../../bin/camera.rs"]
mod camera;
#[path = "../../bin/cli.rs"]
mod cli;
#[path = "../../bin/config.rs"]
mod config;
#[path = "../../bin/obslog.rs"]
mod obslog;
#[path = "../../bin/plot.rs"]
mod plot;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match mode % 6 {
        0 | 1 => {
            // Arbitrary TOML; also arbitrary values under real keys.
            let toml = if mode % 6 == 0 {
                text.to_string()
            } else {
                let keys = [
                    "[source]\nuri",
                    "[source]\nresolution",
                    "[source]\nfps",
                    "[delay]\nseconds",
                    "[analysis]\nconf_per_class",
                    "[camera]\nsize",
                    "[output]\nstreams",
                    "[threads]\nanalysis_core",
                    "[run]\nduration_s",
                    "[source]\nstall_timeout_s",
                ];
                format!(
                    "{} = {text}",
                    keys[rest.first().copied().unwrap_or(0) as usize % keys.len()]
                )
            };
            match config::Config::from_toml(&toml) {
                Ok(c) => {
                    if c.validate().is_ok() {
                        let (w, h) = c.sim_size();
                        assert!(w > 0 && h > 0 && w % 2 == 0 && h % 2 == 0, "{w}x{h}");
                        assert!((0.5..=15.0).contains(&c.delay.seconds));
                        let _ = c.run.effective_duration(&c.source.uri);
                    }
                }
                Err(e) => assert!(!e.0.is_empty()),
            }
        }
        2 => {
            if let Ok(config::Source::File(p)) = config::Source::parse(&text) {
                assert!(!p.as_os_str().is_empty());
            }
        }
        3 => {
            if let Ok((w, h)) = config::parse_size("k", &text) {
                assert!(w > 0 && h > 0 && w % 2 == 0 && h % 2 == 0);
            }
        }
        4 => {
            let r = config::redact(&text);
            // A stream key never survives redaction.
            if let Some(rest) = text.strip_prefix("rtmp://") {
                let parts: Vec<&str> = rest.splitn(3, '/').collect();
                if let [_, _, key] = parts.as_slice()
                    && !key.is_empty()
                {
                    assert!(r.ends_with("/***"), "{r}");
                }
            }
        }
        _ => {
            if let Ok(Some(d)) = cli::parse_duration(&text) {
                assert!(d.is_finite() && d > 0.0);
            }
        }
    }
});

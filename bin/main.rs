//! `pitchcam`: the deployed binary. Thin over `pitchcam-core` (logic) and the `pitchcam` library
//! (FFI): command line and configuration, the engine's threads and pipelines, the report.

mod camera;
mod cli;
mod config;
mod engine;
mod obslog;
mod plot;
mod replay;
mod report;
mod soak;

use clap::Parser;
use cli::{Cli, Command, RunArgs};
use std::process::ExitCode;

/// Counts every Rust allocation so the report can show the hot path makes none.
#[global_allocator]
static ALLOC: pitchcam::alloc_count::CountingAlloc = pitchcam::alloc_count::CountingAlloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Run(RunArgs::default())) {
        Command::Run(args) => cmd_run(&args),
        Command::Cores(_) => cmd_cores(),
        Command::Replay(args) => replay::cmd_replay(&args),
        Command::Soak(args) => match soak::cmd_soak(&args) {
            Ok(true) => Ok(()),
            // The verdict is printed; FAIL is exit 1 (2 stays "could not run").
            Ok(false) => return ExitCode::from(1),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pitchcam: {e}");
            ExitCode::from(2)
        }
    }
}

fn cmd_run(args: &RunArgs) -> Result<(), String> {
    let cfg = args.resolve().map_err(|e| e.to_string())?;
    let stop =
        pitchcam::signals::install_stop_handler().map_err(|e| format!("signal handler: {e}"))?;
    eprintln!(
        "pitchcam {}: source {}, delay {:.1} s, {}, output {}",
        env!("CARGO_PKG_VERSION"),
        config::redact(&cfg.source.uri),
        cfg.delay.seconds,
        match cfg.run.effective_duration(&cfg.source.uri) {
            Some(d) => format!("{d} s"),
            None => "until Ctrl-C".into(),
        },
        cfg.output.dir.display()
    );
    let outcome = engine::run(&cfg, stop).map_err(|e| args.name_flag(&e))?;
    let r = &outcome.report;
    eprintln!(
        "done: {} frames in, {} out, {} dropped, {:.2} fps out, delay {:.3} s, tick lateness p99.9 {:.0} µs, RT {}; report: {}",
        r.frames_in,
        r.frames_out,
        r.frames_dropped,
        r.fps_out,
        r.delay_s,
        r.tick_lateness_us.p999,
        if r.rt_active { "on" } else { "off" },
        cfg.output.dir.join("report.json").display()
    );
    for e in &r.errors {
        eprintln!("error during the run: {e}");
    }
    Ok(())
}

fn cmd_cores() -> Result<(), String> {
    let topo = pitchcam::os::Topology::read().map_err(|e| e.to_string())?;
    for (i, cluster) in topo.clusters().iter().enumerate() {
        println!("cluster {i}: cpus {}", pitchcam::os::format_cpu_list(cluster));
    }
    println!("default plan: {}", topo.default_plan().description);
    Ok(())
}

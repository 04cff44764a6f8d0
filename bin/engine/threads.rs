//! Thread placement: which core and priority each realtime thread gets, from the CPU topology,
//! and spawning with graceful degradation (no privilege ⇒ a warning, normal scheduling, the run
//! goes on).

use crate::config::Config;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where one thread runs.
#[derive(Clone, Debug)]
pub struct Placement {
    /// Core to pin to (`None`: not pinned).
    pub core: Option<usize>,
    /// SCHED_FIFO priority (`None`: normal scheduling).
    pub fifo: Option<i32>,
    /// Set when the thread obtained SCHED_FIFO.
    pub rt_ok: Arc<AtomicBool>,
}

/// The placement of every pitchcam thread.
#[derive(Clone, Debug)]
pub struct ThreadPlan {
    /// Analysis thread.
    pub analysis: Placement,
    /// Playback thread.
    pub playback: Placement,
    /// Sim thread (not realtime: it stands in for a camera).
    pub sim: Placement,
    /// One line for the status and the report.
    pub summary: String,
}

impl ThreadPlan {
    /// Whether every thread that asked for SCHED_FIFO got it.
    pub fn rt_active(&self) -> bool {
        [&self.analysis, &self.playback]
            .iter()
            .all(|p| p.fifo.is_none_or(|_| p.rt_ok.load(Ordering::Relaxed)))
            && [&self.analysis, &self.playback].iter().any(|p| p.fifo.is_some())
    }

    /// The plan in words, with the realtime outcome.
    pub fn describe(&self) -> String {
        let rt = if self.rt_active() { "RT on" } else { "RT off" };
        format!("{} | {rt}", self.summary)
    }
}

/// Builds the plan from the topology and the config.
pub fn plan(cfg: &Config) -> Result<ThreadPlan, String> {
    let t = &cfg.threads;
    let topo = pitchcam::os::Topology::read().map_err(|e| e.to_string())?;
    let default = topo.default_plan();
    for (what, core) in
        [("threads.analysis_core", t.analysis_core), ("threads.playback_core", t.playback_core)]
    {
        if let Some(c) = core {
            topo.validate(&[c]).map_err(|e| format!("{what}: {e}"))?;
        }
    }
    let fifo = |p: i32| if t.realtime { Some(p) } else { None };
    let analysis = Placement {
        core: t.analysis_core.or(default.analysis),
        fifo: fifo(t.analysis_priority),
        rt_ok: Arc::default(),
    };
    let playback = Placement {
        core: t.playback_core.or(default.playback),
        fifo: fifo(t.playback_priority),
        rt_ok: Arc::default(),
    };
    let sim = Placement { core: None, fifo: None, rt_ok: Arc::default() };
    let summary = format!(
        "analysis {} playback {}",
        analysis.core.map_or("any".into(), |c| format!("cpu{c}")),
        playback.core.map_or("any".into(), |c| format!("cpu{c}")),
    );
    Ok(ThreadPlan { analysis, playback, sim, summary })
}

/// Spawns a named thread placed as `p`; failures to pin or to get SCHED_FIFO print one warning
/// and the thread runs anyway.
pub fn spawn_rt<T: Send + 'static>(
    name: &str,
    p: Placement,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    let tname = name.to_string();
    std::thread::Builder::new().name(name.into()).spawn(move || {
        if let Some(core) = p.core
            && let Err(e) = pitchcam::os::pin_current_thread(core)
        {
            eprintln!("warning: {tname}: cannot pin to cpu{core}: {e}");
        }
        if let Some(prio) = p.fifo {
            match pitchcam::os::set_current_thread_fifo(prio.clamp(1, 99) as u8) {
                Ok(()) => p.rt_ok.store(true, Ordering::Relaxed),
                Err(e) => eprintln!(
                    "warning: {tname}: no realtime scheduling ({e}); running with normal priority"
                ),
            }
        }
        pitchcam::os::prefault_stack(256 * 1024);
        f()
    })
}

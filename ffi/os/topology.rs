//! CPU topology from sysfs and the default thread placement.
//!
//! Each CPU's `topology/cluster_id` groups cores that share an L2/L3 cluster (Orin NX: cpu0-3
//! and cpu4-7). Where the kernel reports no cluster (x86 shows 65535 or -1), cores are grouped by
//! `physical_package_id`. Only cores that are online **and** in the process's affinity set are
//! usable (a systemd `CPUAffinity=` or a container's cpuset narrows it).
//!
//! The default plan ([`Topology::default_plan`]):
//! * two or more clusters: GStreamer's streaming threads on cluster 0; analysis and playback
//!   each pinned to its own core, the last two cores of the last cluster (Orin NX 8-core:
//!   GStreamer 0-3, analysis 6, playback 7; cores 4-5 stay free for the OS and encoder
//!   threads);
//! * one cluster of 4 or more cores: analysis and playback on the last two cores, GStreamer on
//!   the others;
//! * 2–3 cores: analysis and playback share the last core, GStreamer unpinned;
//! * 1 core: nothing pinned.
//!
//! The reader takes a root directory so tests can run it on fake trees.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// Why the topology could not be read or a core was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopologyError {
    /// A sysfs file could not be read or parsed.
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// No usable CPU was found.
    NoCpus,
    /// A requested core does not exist, is offline, or is outside the affinity set.
    UnknownCore {
        /// The core asked for.
        core: usize,
        /// The usable cores.
        available: Vec<usize>,
    },
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopologyError::Read { path, reason } => {
                write!(f, "cannot read {}: {reason}", path.display())
            }
            TopologyError::NoCpus => write!(f, "no usable CPU found in sysfs"),
            TopologyError::UnknownCore { core, available } => write!(
                f,
                "core {core} does not exist or is not available to this process; available \
                 cores: {}",
                format_cpu_list(available)
            ),
        }
    }
}

impl std::error::Error for TopologyError {}

/// Parses a kernel CPU list (`"0-3,5,7-8"`).
pub fn parse_cpu_list(s: &str) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    for part in s.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (usize, usize) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                if a > b || b - a > 4096 {
                    return None;
                }
                out.extend(a..=b);
            }
            None => out.push(part.trim().parse().ok()?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// Formats cores as a kernel CPU list (`[0,1,2,3,5]` → `"0-3,5"`; empty → `"none"`).
pub fn format_cpu_list(cores: &[usize]) -> String {
    let mut v = cores.to_vec();
    v.sort_unstable();
    v.dedup();
    if v.is_empty() {
        return "none".into();
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let start = v[i];
        while i + 1 < v.len() && v[i + 1] == v[i] + 1 {
            i += 1;
        }
        parts.push(if v[i] == start { start.to_string() } else { format!("{start}-{}", v[i]) });
        i += 1;
    }
    parts.join(",")
}

/// One logical CPU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cpu {
    /// `cpuN`.
    pub id: usize,
    /// `topology/cluster_id`, when the kernel reports a real one.
    pub cluster_id: Option<u32>,
    /// `topology/physical_package_id`.
    pub package_id: Option<u32>,
    /// `topology/core_id`.
    pub core_id: Option<u32>,
    /// Listed in `cpu/online`.
    pub online: bool,
    /// In the process's affinity set.
    pub allowed: bool,
    /// Index into [`Topology::clusters`] (meaningful for usable CPUs).
    pub cluster: usize,
}

impl Cpu {
    /// Online and allowed.
    pub fn usable(&self) -> bool {
        self.online && self.allowed
    }
}

/// Where pitchcam's threads run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadPlan {
    /// Cores for GStreamer's streaming threads (`None`: not pinned).
    pub gstreamer: Option<Vec<usize>>,
    /// Core of the analysis thread.
    pub analysis: Option<usize>,
    /// Core of the playback thread.
    pub playback: Option<usize>,
    /// One line for the status line and the report.
    pub description: String,
}

/// The machine's usable CPUs grouped into clusters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    cpus: Vec<Cpu>,
    clusters: Vec<Vec<usize>>,
}

/// Cluster ids that mean "no cluster information" (u16/u32 −1 as the kernel prints them).
fn real_cluster_id(v: i64) -> Option<u32> {
    (0..65535).contains(&v).then_some(v as u32)
}

fn read_trimmed(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_owned())
}

fn read_int(path: &Path) -> Option<i64> {
    read_trimmed(path)?.parse().ok()
}

impl Topology {
    /// Reads `/sys` and the calling thread's affinity set. Call once at start-up, before any
    /// thread pins itself (the affinity set of a pinned thread is just its core).
    pub fn read() -> Result<Topology, TopologyError> {
        let allowed = super::rt::current_affinity().map_err(|e| TopologyError::Read {
            path: PathBuf::from("sched_getaffinity"),
            reason: e.to_string(),
        })?;
        Topology::from_sysfs(Path::new("/sys"), Some(&allowed))
    }

    /// Reads a sysfs tree rooted at `root` (the directory holding `devices/system/cpu`);
    /// `allowed` is the affinity set (`None`: every CPU allowed).
    pub fn from_sysfs(root: &Path, allowed: Option<&[usize]>) -> Result<Topology, TopologyError> {
        let base = root.join("devices/system/cpu");
        let entries = fs::read_dir(&base)
            .map_err(|e| TopologyError::Read { path: base.clone(), reason: e.to_string() })?;
        let mut ids: Vec<usize> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.strip_prefix("cpu")?.parse().ok())
            .collect();
        ids.sort_unstable();
        if ids.is_empty() {
            return Err(TopologyError::NoCpus);
        }
        let online_path = base.join("online");
        let online = match read_trimmed(&online_path) {
            Some(s) => Some(parse_cpu_list(&s).ok_or_else(|| TopologyError::Read {
                path: online_path.clone(),
                reason: format!("not a CPU list: {s:?}"),
            })?),
            None => None,
        };
        let mut cpus: Vec<Cpu> = ids
            .iter()
            .map(|&id| {
                let t = base.join(format!("cpu{id}/topology"));
                let per_cpu_online = read_int(&base.join(format!("cpu{id}/online")));
                Cpu {
                    id,
                    cluster_id: read_int(&t.join("cluster_id")).and_then(real_cluster_id),
                    package_id: read_int(&t.join("physical_package_id"))
                        .or_else(|| read_int(&t.join("package_id")))
                        .and_then(|v| u32::try_from(v).ok()),
                    core_id: read_int(&t.join("core_id")).and_then(|v| u32::try_from(v).ok()),
                    online: match (&online, per_cpu_online) {
                        (Some(list), _) => list.contains(&id),
                        (None, Some(v)) => v != 0,
                        (None, None) => true,
                    },
                    allowed: allowed.is_none_or(|a| a.contains(&id)),
                    cluster: 0,
                }
            })
            .collect();
        // Group usable CPUs by (package, cluster) in key order.
        let key = |c: &Cpu| (c.package_id.unwrap_or(0), c.cluster_id.unwrap_or(0));
        let mut keys: Vec<(u32, u32)> = cpus.iter().filter(|c| c.usable()).map(key).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut clusters = vec![Vec::new(); keys.len()];
        for c in &mut cpus {
            if let Ok(i) = keys.binary_search(&key(c)) {
                c.cluster = i;
                if c.usable() {
                    clusters[i].push(c.id);
                }
            }
        }
        if clusters.iter().all(|c| c.is_empty()) {
            return Err(TopologyError::NoCpus);
        }
        Ok(Topology { cpus, clusters })
    }

    /// Every CPU found, usable or not.
    pub fn cpus(&self) -> &[Cpu] {
        &self.cpus
    }

    /// Usable cores, grouped by cluster (cluster 0 first).
    pub fn clusters(&self) -> &[Vec<usize>] {
        &self.clusters
    }

    /// All usable cores, ascending.
    pub fn usable(&self) -> Vec<usize> {
        self.cpus.iter().filter(|c| c.usable()).map(|c| c.id).collect()
    }

    /// Checks that every core exists and is usable; the error names the usable cores.
    pub fn validate(&self, cores: &[usize]) -> Result<(), TopologyError> {
        let usable = self.usable();
        match cores.iter().find(|c| !usable.contains(c)) {
            Some(&core) => Err(TopologyError::UnknownCore { core, available: usable }),
            None => Ok(()),
        }
    }

    /// The default placement of GStreamer, analysis and playback threads (see module docs).
    pub fn default_plan(&self) -> ThreadPlan {
        let usable = self.usable();
        let n = usable.len();
        if self.clusters.len() >= 2 {
            let first = self.clusters[0].clone();
            let last = self.clusters.last().expect("two or more clusters");
            let (a, p) = match last.len() {
                1 => (last[0], last[0]),
                k => (last[k - 2], last[k - 1]),
            };
            let rt = if a == p {
                format!("analysis and playback share core {a}")
            } else {
                format!("analysis on core {a}, playback on core {p}")
            };
            return ThreadPlan {
                description: format!(
                    "{} clusters: GStreamer on cluster 0 (cores {}); {rt} (cluster {})",
                    self.clusters.len(),
                    format_cpu_list(&first),
                    self.clusters.len() - 1
                ),
                gstreamer: Some(first),
                analysis: Some(a),
                playback: Some(p),
            };
        }
        match n {
            0 | 1 => ThreadPlan {
                gstreamer: None,
                analysis: None,
                playback: None,
                description: format!(
                    "{n} usable core: nothing pinned (core {})",
                    format_cpu_list(&usable)
                ),
            },
            2 | 3 => {
                let c = usable[n - 1];
                ThreadPlan {
                    gstreamer: None,
                    analysis: Some(c),
                    playback: Some(c),
                    description: format!(
                        "{n} cores: analysis and playback share core {c}; GStreamer unpinned"
                    ),
                }
            }
            _ => {
                let (a, p) = (usable[n - 2], usable[n - 1]);
                let gst = usable[..n - 2].to_vec();
                ThreadPlan {
                    description: format!(
                        "{n} cores in one cluster: GStreamer on cores {}; analysis on core {a}, \
                         playback on core {p}",
                        format_cpu_list(&gst)
                    ),
                    gstreamer: Some(gst),
                    analysis: Some(a),
                    playback: Some(p),
                }
            }
        }
    }
}

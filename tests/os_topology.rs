//! CPU topology on fake sysfs trees (Orin NX 8-core and 6-core, a 2-core VM, hotplug, no
//! cluster ids) and on this machine.

use std::fs;
use std::path::{Path, PathBuf};

use pitchcam::os::{Topology, TopologyError, format_cpu_list, parse_cpu_list};

/// A fresh temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "pitchcam-topo-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Writes `cpuN/topology/{cluster_id,physical_package_id,core_id}`; `None` omits a file.
fn write_cpu(root: &Path, id: usize, cluster: Option<i64>, package: Option<i64>, core: i64) {
    let t = root.join(format!("devices/system/cpu/cpu{id}/topology"));
    fs::create_dir_all(&t).unwrap();
    if let Some(c) = cluster {
        fs::write(t.join("cluster_id"), format!("{c}\n")).unwrap();
    }
    if let Some(p) = package {
        fs::write(t.join("physical_package_id"), format!("{p}\n")).unwrap();
    }
    fs::write(t.join("core_id"), format!("{core}\n")).unwrap();
}

fn write_online(root: &Path, list: &str) {
    fs::write(root.join("devices/system/cpu/online"), format!("{list}\n")).unwrap();
}

/// Orin NX: two clusters of 4 Cortex-A78AE (cluster_id 0 and 1), package 0.
fn orin_nx(root: &Path, cores: usize) {
    for id in 0..cores {
        write_cpu(root, id, Some((id / 4) as i64), Some(0), (id % 4) as i64);
    }
    write_online(root, &format!("0-{}", cores - 1));
    // Non-CPU entries sysfs also has: must be ignored.
    fs::create_dir_all(root.join("devices/system/cpu/cpufreq")).unwrap();
    fs::create_dir_all(root.join("devices/system/cpu/cpuidle")).unwrap();
}

#[test]
fn orin_nx_8_core_plan() {
    let d = TempDir::new("orin8");
    orin_nx(&d.0, 8);
    let t = Topology::from_sysfs(&d.0, None).unwrap();
    assert_eq!(t.clusters(), &[vec![0, 1, 2, 3], vec![4, 5, 6, 7]]);
    assert_eq!(t.cpus().len(), 8);
    assert_eq!(t.cpus()[5].cluster_id, Some(1));
    assert_eq!(t.cpus()[5].core_id, Some(1));
    let p = t.default_plan();
    assert_eq!(p.gstreamer, Some(vec![0, 1, 2, 3]));
    assert_eq!((p.analysis, p.playback), (Some(6), Some(7)));
    assert_eq!(
        p.description,
        "2 clusters: GStreamer on cluster 0 (cores 0-3); analysis on core 6, playback on core 7 \
         (cluster 1)"
    );
    t.validate(&[0, 7]).unwrap();
    let e = t.validate(&[8]).unwrap_err();
    assert_eq!(e, TopologyError::UnknownCore { core: 8, available: (0..8).collect() });
    assert_eq!(
        e.to_string(),
        "core 8 does not exist or is not available to this process; available cores: 0-7"
    );
}

#[test]
fn orin_nx_6_core_and_restricted_affinity() {
    let d = TempDir::new("orin6");
    orin_nx(&d.0, 6);
    let t = Topology::from_sysfs(&d.0, None).unwrap();
    assert_eq!(t.clusters(), &[vec![0, 1, 2, 3], vec![4, 5]]);
    let p = t.default_plan();
    assert_eq!(
        (p.gstreamer.as_deref(), p.analysis, p.playback),
        (Some(&[0, 1, 2, 3][..]), Some(4), Some(5))
    );
    // A service restricted to cores 0-4 (systemd CPUAffinity=0-4): one core left in cluster 1.
    let t = Topology::from_sysfs(&d.0, Some(&[0, 1, 2, 3, 4])).unwrap();
    let p = t.default_plan();
    assert_eq!((p.analysis, p.playback), (Some(4), Some(4)));
    assert!(p.description.contains("analysis and playback share core 4"), "{}", p.description);
    let e = t.validate(&[5]).unwrap_err();
    assert!(e.to_string().ends_with("available cores: 0-4"), "{e}");
}

#[test]
fn two_core_vm_plan() {
    let d = TempDir::new("vm2");
    // x86 without cluster information: cluster_id reads 65535.
    for id in 0..2 {
        write_cpu(&d.0, id, Some(65535), Some(0), id as i64);
    }
    write_online(&d.0, "0-1");
    let t = Topology::from_sysfs(&d.0, None).unwrap();
    assert_eq!(t.clusters(), &[vec![0, 1]]);
    assert_eq!(t.cpus()[0].cluster_id, None, "65535 means no cluster");
    let p = t.default_plan();
    assert_eq!((p.gstreamer, p.analysis, p.playback), (None, Some(1), Some(1)));
    assert_eq!(p.description, "2 cores: analysis and playback share core 1; GStreamer unpinned");
}

#[test]
fn single_cluster_of_four_and_one_core() {
    let d = TempDir::new("four");
    for id in 0..4 {
        write_cpu(&d.0, id, Some(-1), Some(0), id as i64);
    }
    write_online(&d.0, "0-3");
    let p = Topology::from_sysfs(&d.0, None).unwrap().default_plan();
    assert_eq!((p.gstreamer, p.analysis, p.playback), (Some(vec![0, 1]), Some(2), Some(3)));
    let one = Topology::from_sysfs(&d.0, Some(&[2])).unwrap().default_plan();
    assert_eq!((one.gstreamer, one.analysis, one.playback), (None, None, None));
    assert_eq!(one.description, "1 usable core: nothing pinned (core 2)");
}

#[test]
fn offline_cores_are_not_usable() {
    let d = TempDir::new("hotplug");
    orin_nx(&d.0, 8);
    write_online(&d.0, "0-2,4-7");
    let t = Topology::from_sysfs(&d.0, None).unwrap();
    assert!(!t.cpus()[3].online);
    assert_eq!(t.usable(), vec![0, 1, 2, 4, 5, 6, 7]);
    assert_eq!(t.clusters()[0], vec![0, 1, 2]);
    let e = t.validate(&[3]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "core 3 does not exist or is not available to this process; available cores: 0-2,4-7"
    );
}

#[test]
fn without_cluster_ids_packages_group_cores() {
    let d = TempDir::new("pkgs");
    // An older kernel: no cluster_id files; two sockets of two cores.
    for id in 0..4 {
        write_cpu(&d.0, id, None, Some((id / 2) as i64), (id % 2) as i64);
    }
    let t = Topology::from_sysfs(&d.0, None).unwrap(); // no `online` file either
    assert_eq!(t.clusters(), &[vec![0, 1], vec![2, 3]]);
    let p = t.default_plan();
    assert_eq!((p.gstreamer, p.analysis, p.playback), (Some(vec![0, 1]), Some(2), Some(3)));
}

#[test]
fn broken_trees_are_clear_errors() {
    let d = TempDir::new("broken");
    let e = Topology::from_sysfs(&d.0, None).unwrap_err();
    assert!(matches!(e, TopologyError::Read { .. }), "{e:?}");
    assert!(e.to_string().contains("devices/system/cpu"), "{e}");
    fs::create_dir_all(d.0.join("devices/system/cpu")).unwrap();
    assert_eq!(Topology::from_sysfs(&d.0, None).unwrap_err(), TopologyError::NoCpus);
    write_cpu(&d.0, 0, Some(0), Some(0), 0);
    write_online(&d.0, "zero");
    let e = Topology::from_sysfs(&d.0, None).unwrap_err();
    assert!(e.to_string().contains("not a CPU list"), "{e}");
    write_online(&d.0, "0");
    assert_eq!(Topology::from_sysfs(&d.0, Some(&[5])).unwrap_err(), TopologyError::NoCpus);
}

#[test]
fn cpu_lists_parse_and_format() {
    assert_eq!(parse_cpu_list("0-3,5,7-8\n"), Some(vec![0, 1, 2, 3, 5, 7, 8]));
    assert_eq!(parse_cpu_list("3,1,1"), Some(vec![1, 3]));
    assert_eq!(parse_cpu_list(""), Some(vec![]));
    assert_eq!(parse_cpu_list("4-2"), None);
    assert_eq!(parse_cpu_list("a"), None);
    assert_eq!(format_cpu_list(&[0, 1, 2, 3, 5, 7, 8]), "0-3,5,7-8");
    assert_eq!(format_cpu_list(&[]), "none");
}

#[test]
fn this_machine() {
    let t = Topology::read().expect("sysfs CPU topology must be readable");
    let usable = t.usable();
    assert!(!usable.is_empty());
    let p = t.default_plan();
    for c in p.analysis.iter().chain(p.playback.iter()).chain(p.gstreamer.iter().flatten()) {
        assert!(usable.contains(c), "plan uses unusable core {c}");
    }
    println!("this machine: {} → {}", format_cpu_list(&usable), p.description);
}

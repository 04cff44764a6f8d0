//! The operating system side of realtime: CPU topology and thread placement, core pinning,
//! SCHED_FIFO, memory locking, stack prefault, capabilities, and process metrics.
//!
//! Everything degrades: a missing privilege is a typed error with a one-line message and a flag
//! in [`RtStatus`], never an abort.

pub mod caps;
pub mod metrics;
pub mod rt;
pub mod topology;

pub use rt::{
    MlockOutcome, RtError, RtStatus, current_affinity, current_thread_fifo, lock_memory,
    pin_current_thread, pin_current_thread_to, prefault_stack, set_current_thread_fifo,
    set_current_thread_normal, setup_current_thread,
};
pub use topology::{Cpu, ThreadPlan, Topology, TopologyError, format_cpu_list, parse_cpu_list};

//! Benchmark part: track (being written).
use super::common::Table;

pub fn run(_table: &mut Table) {}

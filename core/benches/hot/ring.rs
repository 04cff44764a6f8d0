//! Benchmark part: ring (being written).
use super::common::Table;

pub fn run(_table: &mut Table) {}

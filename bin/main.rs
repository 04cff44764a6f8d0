//! The deployed `pitchcam` binary.
fn main() {}

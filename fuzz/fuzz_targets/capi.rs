//! The exported C ABI driven as a C caller would, with arbitrary arguments (see
//! `pitchcam::capi::fuzz_caller`, which holds the raw calls: all the project's unchecked code
//! lives in ffi/).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pitchcam::capi::fuzz_caller::drive_detection_abi(data));

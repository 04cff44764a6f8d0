//! Build script: DeepStream header discovery and bindgen (see ffi/deepstream).
fn main() {
    println!("cargo:rerun-if-env-changed=DEEPSTREAM_DIR");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libpitchcam.so.0");
}

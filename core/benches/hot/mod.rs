//! Parts of the hot-path benchmark, one file per stage.
// Parts land one by one; until each uses every helper, some are unused.
#[allow(dead_code)]
pub mod common;
pub mod detect;
pub mod ring;
pub mod track;

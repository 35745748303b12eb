//! Skills tests: registry (see mod.rs).

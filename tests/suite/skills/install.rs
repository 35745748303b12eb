//! Skills tests: install (see mod.rs).

//! Skills tests: discovery (see mod.rs).

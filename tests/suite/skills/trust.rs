//! Skills tests: trust (see mod.rs).

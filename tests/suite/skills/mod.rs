//! Skills: discovery and the system prompt, installs from files, URLs and a signed registry
//! (served by `support::fake_registry` on 127.0.0.1), trust roots, the lockfile.

mod commands;
mod discovery;
mod install;
mod registry;
mod trust;

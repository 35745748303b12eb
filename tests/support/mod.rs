//! Test support: the fake provider server and helpers to run the built binary.
#![allow(dead_code)]

pub mod fake_github;
pub mod fake_provider;
pub mod fake_registry;
pub mod fake_slack;

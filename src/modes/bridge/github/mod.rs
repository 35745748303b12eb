//! The GitHub Issues bridge: the REST client (`api.rs`).

//! The bridges' shared parts, through the real binary.

mod store;

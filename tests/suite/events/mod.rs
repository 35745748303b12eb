//! The built `pi --events-runner` against the fake provider and the fake GitHub: an
//! immediate event posts its answer on the issue, a local channel's answer lands in the
//! outbox, a bad event file is reported and skipped while the good ones run, a second runner
//! on the same state refuses, and SIGTERM exits 0.

mod ingest;
mod listen;
mod runner;

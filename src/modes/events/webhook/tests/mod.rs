//! Tests of the webhook checks: the vendors' published vectors, refusals, and the replay
//! record across guards (as separate processes would use it).

mod replay;
mod signature;

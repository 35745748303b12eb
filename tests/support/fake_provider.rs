//! Fake provider (see the ai helper).

//! The terminal itself: raw mode and restore, what it can draw (the capability query),
//! signals that stop pi, and inline images.

pub(crate) mod images;
pub(crate) mod query;
pub(crate) mod signals;
pub mod terminal;

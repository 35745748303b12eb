//! The five panes. Each owns its state, its key handling and its drawing.

pub mod conversation;
pub mod editor;
pub mod graph;
pub mod skills;
pub mod trace;

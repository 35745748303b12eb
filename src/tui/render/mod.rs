//! Turning text into styled, wrapped lines: markdown, tables, syntax highlighting and the
//! one wrapping function every pane uses.

pub mod highlight;
pub mod markdown;
pub(crate) mod table;
pub(crate) mod wrap;

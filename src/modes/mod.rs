//! modes layer.

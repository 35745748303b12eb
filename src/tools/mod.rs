//! tools layer.

//! ai tests.

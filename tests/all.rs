//! The one integration-test binary: every suite module and the shared support code.

mod suite;
mod support;

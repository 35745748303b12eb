//! A fake GitHub REST server on 127.0.0.1 for the bridge tests.

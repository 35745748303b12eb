//! The skill file parser: YAML front matter (serde-saphyr) and the body, on arbitrary text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = pi_coding_agent::skills::package::parse(text, "x", Path::new("x.md"));
    }
});

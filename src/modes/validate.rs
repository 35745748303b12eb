//! `--session-validate`: checks a session file without changing it, prints the report and
//! exits 0 when it is valid, 1 when it is not.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;

use crate::session::validate_file;

pub fn run_session_validate(path: &Path) -> u8 {
    match validate_file(path) {
        Ok(report) => {
            println!("{report}");
            u8::from(!report.ok)
        }
        Err(e) => {
            eprintln!("pi: {e}");
            1
        }
    }
}

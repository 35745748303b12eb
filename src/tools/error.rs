//! Tool failures. Each message is read by the model, so it says what to do next.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ToolError {
    #[error("cancelled: the operation was cancelled by the user")]
    Cancelled,
    /// A call the model can fix; the message says how.
    #[error("{0}")]
    Invalid(String),
    #[error("{}", io_message(.action, .path, .source))]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// A blocking worker died; should not happen.
    #[error("internal error in the {0} tool; try the call again")]
    Internal(&'static str),
}

impl ToolError {
    /// An `io::Error` while doing `action` ("read", "write", ...) on `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| ToolError::Io {
            action,
            path,
            source,
        }
    }
}

fn io_message(action: &str, path: &std::path::Path, source: &io::Error) -> String {
    let path = path.display();
    match source.kind() {
        io::ErrorKind::NotFound => {
            format!("Path not found: {path}. Check the path; use ls or find to locate the file.")
        }
        io::ErrorKind::PermissionDenied => {
            format!("Permission denied: cannot {action} {path}.")
        }
        _ => format!("Could not {action} {path}: {source}"),
    }
}

//! `--enforce-regular-files`: read, write and edit touch regular files only. The check is
//! made on the opened file itself (`O_NOFOLLOW | O_NONBLOCK`, then `fstat`), so a FIFO, a
//! device or a symlink swapped in after the path was resolved is refused instead of blocking
//! or being followed.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use nix::fcntl::OFlag;

/// Opens `path` for reading; with `enforce`, refuses anything but a regular file (and a
/// symlink as the last component: the path given is already resolved).
pub(crate) fn open_for_read(path: &Path, enforce: bool) -> io::Result<(File, Metadata)> {
    if !enforce {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        return Ok((file, meta));
    }
    let flags = OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits())
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(nix::libc::ELOOP) {
                not_regular("a symlink that appeared after the path was checked")
            } else {
                e
            }
        })?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(not_regular(kind(&meta)));
    }
    // Reads block as usual from here on.
    let fl = nix::fcntl::fcntl(&file, nix::fcntl::FcntlArg::F_GETFL).map_err(io::Error::from)?;
    let without = OFlag::from_bits_truncate(fl) - OFlag::O_NONBLOCK;
    nix::fcntl::fcntl(&file, nix::fcntl::FcntlArg::F_SETFL(without)).map_err(io::Error::from)?;
    Ok((file, meta))
}

/// With `enforce`, refuses to replace an existing `path` that is not a regular file.
pub(crate) fn check_write_target(path: &Path, enforce: bool) -> io::Result<()> {
    if !enforce {
        return Ok(());
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() || m.file_type().is_dir() => Ok(()),
        Ok(m) => Err(not_regular(kind(&m))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else if t.is_symlink() {
        "a symlink"
    } else {
        "not a regular file"
    }
}

fn not_regular(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what}; only regular files are read or written (--enforce-regular-files)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifos_devices_and_links_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        // Without enforcement a FIFO would block the open; with it, it is refused at once.
        let e = open_for_read(&fifo, true).unwrap_err();
        assert!(e.to_string().starts_with("a FIFO;"), "{e}");
        assert!(check_write_target(&fifo, true).is_err());
        assert!(check_write_target(&fifo, false).is_ok());
        let e = open_for_read(Path::new("/dev/null"), true).unwrap_err();
        assert!(e.to_string().starts_with("a device;"), "{e}");
        let file = dir.path().join("f.txt");
        std::fs::write(&file, "x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let e = open_for_read(&link, true).unwrap_err();
        assert!(e.to_string().contains("symlink"), "{e}");
        let (mut f, meta) = open_for_read(&file, true).unwrap();
        assert!(meta.is_file());
        let mut s = String::new();
        std::io::Read::read_to_string(&mut f, &mut s).unwrap();
        assert_eq!(s, "x");
        assert!(check_write_target(&dir.path().join("new"), true).is_ok());
    }
}

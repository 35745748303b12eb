//! The bubblewrap argument list: every mount rule of the sandbox, in the order bwrap applies
//! them (a later mount covers an earlier one, so the order is the policy).

use std::ffi::OsString;
use std::path::Path;

use super::SandboxSpec;

/// bwrap's arguments (without the program) that run `bash -c command` in the sandbox of
/// `spec`:
///
/// 1. new session, pid namespace, killed with its parent; no network namespace of pi's when
///    the network is off;
/// 2. the whole root read-only, a minimal `/dev`, a `/proc` of the new pid namespace;
/// 3. a private `/tmp`, before the binds, so a working directory under `/tmp` is bound on top
///    of it;
/// 4. the writable directories, then the read-only ones (the spill folder), then the
///    run-later-outside paths of the caches re-bound read-only;
/// 5. the denied paths hidden last, so nothing bound before uncovers them.
pub fn bwrap_args(spec: &SandboxSpec, command: &str) -> Vec<OsString> {
    let mut args = Args::default();
    args.flag("--die-with-parent");
    // Its own session: no TIOCSTI into pi's terminal, and no signals from its job control.
    args.flag("--new-session");
    args.flag("--unshare-pid");
    if !spec.network {
        args.flag("--unshare-net");
    }
    args.pair("--ro-bind", "/", "/");
    args.one("--dev", "/dev");
    args.one("--proc", "/proc");
    args.one("--tmpfs", "/tmp");
    for dir in &spec.writable {
        args.same("--bind", dir);
    }
    for dir in &spec.read_only {
        args.same("--ro-bind", dir);
    }
    for path in &spec.protected {
        args.same("--ro-bind", path);
    }
    for hidden in &spec.hidden {
        if hidden.is_dir {
            args.one("--tmpfs", &hidden.path);
            // A write into a hidden folder fails loudly instead of vanishing with the tmpfs.
            args.one("--remount-ro", &hidden.path);
        } else {
            args.pair("--ro-bind", "/dev/null", &hidden.path);
        }
    }
    args.one("--chdir", &spec.cwd);
    args.flag("--");
    args.flag("bash");
    args.flag("-c");
    args.flag(command);
    args.0
}

#[derive(Default)]
struct Args(Vec<OsString>);

impl Args {
    fn flag(&mut self, s: &str) {
        self.0.push(s.into());
    }

    fn one(&mut self, flag: &str, p: impl AsRef<Path>) {
        self.flag(flag);
        self.0.push(p.as_ref().as_os_str().to_owned());
    }

    fn pair(&mut self, flag: &str, src: impl AsRef<Path>, dest: impl AsRef<Path>) {
        self.one(flag, src);
        self.0.push(dest.as_ref().as_os_str().to_owned());
    }

    /// A bind of a path onto itself.
    fn same(&mut self, flag: &str, p: &Path) {
        self.pair(flag, p, p);
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::spec::Hidden;
    use super::*;

    fn spec() -> SandboxSpec {
        SandboxSpec {
            cwd: PathBuf::from("/tmp/work"),
            writable: vec![PathBuf::from("/tmp/work"), PathBuf::from("/h/.cargo")],
            read_only: vec![PathBuf::from("/tmp/pi-0/run-1-a")],
            protected: vec![
                PathBuf::from("/h/.cargo/bin"),
                PathBuf::from("/h/.cargo/env"),
            ],
            hidden: vec![
                Hidden {
                    path: PathBuf::from("/h/.ssh"),
                    is_dir: true,
                },
                Hidden {
                    path: PathBuf::from("/h/.netrc"),
                    is_dir: false,
                },
            ],
            network: true,
        }
    }

    fn args(spec: &SandboxSpec) -> Vec<String> {
        bwrap_args(spec, "echo hi")
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// Where `window` starts in `args`; panics when absent.
    fn at(args: &[String], window: &[&str]) -> usize {
        args.windows(window.len())
            .position(|w| w == window)
            .unwrap_or_else(|| panic!("{window:?} not in {args:?}"))
    }

    fn has(args: &[String], window: &[&str]) -> bool {
        args.windows(window.len()).any(|w| w == window)
    }

    #[test]
    fn root_is_read_only_with_minimal_dev_and_proc_in_a_pid_namespace() {
        let a = args(&spec());
        assert_eq!(at(&a, &["--ro-bind", "/", "/"]), 3);
        assert!(at(&a, &["--dev", "/dev"]) > 3);
        assert!(at(&a, &["--proc", "/proc"]) > 3);
        assert!(has(&a, &["--unshare-pid"]));
        assert!(!has(&a, &["--bind", "/", "/"]));
    }

    #[test]
    fn private_tmp_comes_before_the_binds() {
        let a = args(&spec());
        let tmp = at(&a, &["--tmpfs", "/tmp"]);
        assert!(tmp < at(&a, &["--bind", "/tmp/work", "/tmp/work"]));
        assert!(tmp < at(&a, &["--ro-bind", "/tmp/pi-0/run-1-a", "/tmp/pi-0/run-1-a"]));
    }

    #[test]
    fn writable_dirs_are_bound_writable() {
        let a = args(&spec());
        assert!(has(&a, &["--bind", "/tmp/work", "/tmp/work"]));
        assert!(has(&a, &["--bind", "/h/.cargo", "/h/.cargo"]));
        assert_eq!(a.iter().filter(|x| *x == "--bind").count(), 2);
    }

    #[test]
    fn run_later_paths_are_rebound_read_only_after_their_cache() {
        let a = args(&spec());
        let cache = at(&a, &["--bind", "/h/.cargo", "/h/.cargo"]);
        assert!(cache < at(&a, &["--ro-bind", "/h/.cargo/bin", "/h/.cargo/bin"]));
        assert!(cache < at(&a, &["--ro-bind", "/h/.cargo/env", "/h/.cargo/env"]));
    }

    #[test]
    fn denied_paths_are_hidden_last() {
        let a = args(&spec());
        let dir = at(&a, &["--tmpfs", "/h/.ssh"]);
        assert_eq!(at(&a, &["--remount-ro", "/h/.ssh"]), dir + 2);
        let file = at(&a, &["--ro-bind", "/dev/null", "/h/.netrc"]);
        let last_bind = at(&a, &["--ro-bind", "/h/.cargo/env", "/h/.cargo/env"]);
        assert!(dir > last_bind && file > last_bind);
    }

    #[test]
    fn network_off_unshares_the_network_namespace() {
        assert!(!has(&args(&spec()), &["--unshare-net"]));
        let off = SandboxSpec {
            network: false,
            ..spec()
        };
        assert!(has(&args(&off), &["--unshare-net"]));
    }

    #[test]
    fn dies_with_pi_in_its_own_session() {
        let a = args(&spec());
        assert!(has(&a, &["--die-with-parent"]));
        assert!(has(&a, &["--new-session"]));
    }

    #[test]
    fn ends_with_chdir_and_bash_c_command() {
        let a = args(&spec());
        let n = a.len();
        assert_eq!(
            a[n - 6..],
            ["--chdir", "/tmp/work", "--", "bash", "-c", "echo hi"]
        );
        // The command is one argument, never a shell string bwrap would split.
        let tricky = bwrap_args(&spec(), "--bind / / ; rm -rf x");
        assert_eq!(tricky.last().unwrap(), "--bind / / ; rm -rf x");
    }
}

//! The bash profiles: which commands run unasked once the deny list, the destructive
//! patterns and the allow list have had their say.

use crate::tools::ToolPolicy;
use crate::tools::policy::BashProfile;
use crate::tools::policy::shell::{Cmd, SHELLS};

/// Why `cmd` asks under the policy's profile; `None` when it runs unasked.
pub(super) fn check(policy: &ToolPolicy, cmd: &Cmd) -> Option<String> {
    let profile = policy.bash.profile;
    if profile == BashProfile::Permissive {
        return None;
    }
    let Some(name) = cmd.name.as_deref() else {
        return Some("the program's name is computed at run time".into());
    };
    if cmd.dynamic_script {
        return Some(format!("`{name}` runs a script computed at run time"));
    }
    if let Some((var, _)) = cmd
        .env
        .iter()
        .find(|(n, _)| LOADER_VARS.contains(&n.as_str()))
    {
        return Some(format!("{var} loads code into `{name}`"));
    }
    if let Some(why) = sensitive(cmd, name) {
        return Some(why);
    }
    if profile == BashProfile::Strict && !strict_allows(cmd, name) {
        return Some(format!("`{name}` is not on the strict profile's list"));
    }
    None
}

/// Variables that make every program load other code.
const LOADER_VARS: &[&str] = &[
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "DYLD_INSERT_LIBRARIES",
    "BASH_ENV",
    "ENV",
    "PROMPT_COMMAND",
    "PERL5OPT",
    "NODE_OPTIONS",
    "PYTHONSTARTUP",
    "RUBYOPT",
];

/// Remote shells, system administration, system package managers, global installs.
fn sensitive(cmd: &Cmd, name: &str) -> Option<String> {
    const REMOTE: &[&str] = &[
        "ssh", "scp", "sftp", "telnet", "mosh", "nc", "ncat", "netcat", "socat", "ftp", "tftp",
        "rsh", "rlogin",
    ];
    const ADMIN: &[&str] = &[
        "su",
        "mount",
        "umount",
        "systemctl",
        "service",
        "shutdown",
        "reboot",
        "halt",
        "poweroff",
        "init",
        "telinit",
        "useradd",
        "userdel",
        "usermod",
        "groupadd",
        "groupdel",
        "groupmod",
        "passwd",
        "chpasswd",
        "visudo",
        "crontab",
        "iptables",
        "ip6tables",
        "nft",
        "ufw",
        "firewall-cmd",
        "modprobe",
        "insmod",
        "rmmod",
        "swapon",
        "swapoff",
        "chroot",
        "launchctl",
        "setcap",
        "chattr",
    ];
    const PACKAGES: &[&str] = &[
        "apt", "apt-get", "aptitude", "yum", "dnf", "zypper", "snap", "flatpak", "port", "emerge",
        "nix-env", "pkg",
    ];
    let words: Vec<&str> = cmd.words().collect();
    let has = |w: &str| words.contains(&w);
    if REMOTE.contains(&name) {
        return Some(format!("`{name}` reaches another machine"));
    }
    if name == "rsync" && words.iter().any(|w| is_remote_path(w)) {
        return Some("`rsync` copies to or from another machine".into());
    }
    if ADMIN.contains(&name)
        || (name == "sysctl" && (has("-w") || words.iter().any(|w| w.contains('='))))
    {
        return Some(format!("`{name}` administers the system"));
    }
    let package_change = PACKAGES.contains(&name)
        || (name == "dpkg"
            && words.iter().any(|w| {
                matches!(
                    *w,
                    "-i" | "-r" | "-P" | "--install" | "--remove" | "--purge" | "--configure"
                )
            }))
        || (name == "rpm"
            && words.iter().any(|w| {
                w.starts_with("-i")
                    || w.starts_with("-e")
                    || w.starts_with("-U")
                    || matches!(*w, "--install" | "--erase" | "--upgrade")
            }))
        || (name == "pacman"
            && words
                .iter()
                .any(|w| w.starts_with("-S") || w.starts_with("-R") || w.starts_with("-U")))
        || (name == "apk" && words.first().is_some_and(|w| matches!(*w, "add" | "del")))
        || (name == "brew"
            && words.first().is_some_and(|w| {
                matches!(
                    *w,
                    "install" | "uninstall" | "reinstall" | "upgrade" | "tap" | "remove"
                )
            }));
    if package_change {
        return Some(format!("`{name}` changes the system's packages"));
    }
    if matches!(name, "npm" | "pnpm" | "yarn" | "bun")
        && (has("-g") || has("--global") || has("global"))
    {
        return Some(format!("`{name}` installs for the whole machine"));
    }
    None
}

/// `host:path` or `user@host:path`, not a local path with a colon.
fn is_remote_path(w: &str) -> bool {
    match w.split_once(':') {
        Some((host, _)) => {
            !host.is_empty() && !host.contains('/') && !w.starts_with('-') && !w.starts_with('.')
        }
        None => false,
    }
}

/// The development commands the strict profile runs unasked.
fn strict_allows(cmd: &Cmd, name: &str) -> bool {
    const READ_ONLY: &[&str] = &[
        "ls",
        "cat",
        "head",
        "tail",
        "wc",
        "grep",
        "egrep",
        "fgrep",
        "rg",
        "ag",
        "fd",
        "tree",
        "echo",
        "printf",
        "pwd",
        "true",
        "false",
        "test",
        "[",
        "sort",
        "uniq",
        "cut",
        "tr",
        "diff",
        "cmp",
        "comm",
        "file",
        "stat",
        "du",
        "df",
        "which",
        "type",
        "basename",
        "dirname",
        "realpath",
        "readlink",
        "date",
        "whoami",
        "id",
        "uname",
        "hostname",
        "printenv",
        "jq",
        "xxd",
        "od",
        "hexdump",
        "md5sum",
        "sha1sum",
        "sha256sum",
        "sha512sum",
        "cksum",
        "b2sum",
        "nl",
        "column",
        "fold",
        "expand",
        "unexpand",
        "tac",
        "rev",
        "seq",
        "sleep",
        "strings",
        "tokei",
        "cloc",
        "cd",
        "pushd",
        "popd",
        "export",
        "unset",
        "set",
        "shopt",
        "local",
        "declare",
        "read",
        "wait",
        "exit",
        "return",
        ":",
        "hash",
    ];
    const WRAPPERS: &[&str] = &[
        "env", "nice", "nohup", "time", "timeout", "xargs", "stdbuf", "command", "eval",
    ];
    const BUILD: &[&str] = &[
        "make",
        "cmake",
        "ctest",
        "ninja",
        "meson",
        "tsc",
        "eslint",
        "prettier",
        "jest",
        "vitest",
        "mocha",
        "pytest",
        "mypy",
        "ruff",
        "black",
        "flake8",
        "pylint",
        "rustc",
        "rustfmt",
        "gofmt",
        "shellcheck",
    ];
    let words: Vec<&str> = cmd.words().collect();
    let sub = words
        .iter()
        .find(|w| !w.starts_with('-'))
        .copied()
        .unwrap_or("");
    let known = cmd.args.iter().all(|a| a.known);
    match name {
        n if READ_ONLY.contains(&n) || BUILD.contains(&n) => true,
        n if WRAPPERS.contains(&n) => true,
        "sed" => !words
            .iter()
            .any(|w| w.starts_with("-i") || w.starts_with("--in-place")),
        "find" => !words
            .iter()
            .any(|w| matches!(*w, "-delete" | "-fprint" | "-fprint0" | "-fprintf" | "-fls")),
        n if SHELLS.contains(&n) => {
            // Only when the script it runs was read here: `sh -c '...'` or a here-document.
            words
                .iter()
                .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('c'))
                || cmd.stdin_text.is_some()
        }
        "git" => known && git_read_only(&words),
        "cargo" => matches!(
            sub,
            "build"
                | "b"
                | "check"
                | "c"
                | "test"
                | "t"
                | "clippy"
                | "fmt"
                | "doc"
                | "d"
                | "tree"
                | "metadata"
                | "bench"
                | "nextest"
                | "run"
                | "r"
                | "version"
                | "locate-project"
                | "pkgid"
                | "verify-project"
                | "--version"
                | "-V"
        ),
        "go" => matches!(
            sub,
            "build" | "test" | "vet" | "fmt" | "list" | "env" | "version" | "doc" | "run"
        ),
        "npm" | "pnpm" | "yarn" | "bun" => matches!(
            sub,
            "test" | "t" | "run" | "run-script" | "ls" | "list" | "outdated" | "view" | "why"
        ),
        "deno" => matches!(sub, "test" | "check" | "fmt" | "lint"),
        "mvn" | "mvnw" | "gradle" | "gradlew" => matches!(
            sub,
            "test" | "build" | "compile" | "check" | "package" | "verify"
        ),
        "python" | "python3" => matches!(
            words.as_slice(),
            ["-m", "pytest" | "unittest" | "mypy" | "ruff" | "black", ..]
        ),
        _ => false,
    }
}

/// git subcommands that only look.
fn git_read_only(words: &[&str]) -> bool {
    let mut i = 0;
    while let Some(w) = words.get(i) {
        match *w {
            "-C" => i += 2,
            "--no-pager" | "-P" => i += 1,
            _ => break,
        }
    }
    let Some((sub, rest)) = words.get(i..).and_then(<[&str]>::split_first) else {
        return true;
    };
    let only = |allowed: &[&str]| rest.iter().all(|w| allowed.contains(w));
    match *sub {
        "status" | "log" | "diff" | "show" | "rev-parse" | "ls-files" | "ls-tree" | "blame"
        | "grep" | "describe" | "shortlog" | "cat-file" | "whatchanged" | "merge-base"
        | "name-rev" | "for-each-ref" | "version" | "help" | "rev-list" => true,
        "branch" => rest.iter().all(|w| {
            w.starts_with('-')
                && !matches!(
                    *w,
                    "-d" | "-D"
                        | "-m"
                        | "-M"
                        | "-c"
                        | "-C"
                        | "-f"
                        | "--delete"
                        | "--move"
                        | "--copy"
                        | "--force"
                        | "-u"
                        | "--set-upstream-to"
                        | "--unset-upstream"
                        | "--edit-description"
                )
        }),
        "tag" => rest.is_empty() || rest.iter().any(|w| matches!(*w, "-l" | "--list")),
        "remote" => {
            rest.is_empty()
                || only(&["-v", "--verbose"])
                || matches!(rest.first(), Some(&"show" | &"get-url"))
        }
        "config" => rest
            .iter()
            .any(|w| w.starts_with("--get") || matches!(*w, "--list" | "-l")),
        "stash" => matches!(rest.first(), Some(&"list" | &"show")),
        "reflog" => rest.is_empty() || rest.first() == Some(&"show"),
        _ => false,
    }
}

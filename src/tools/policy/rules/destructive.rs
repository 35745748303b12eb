//! Destructive patterns: what gets `--destructive-commands` whatever the allow list says.
//! Removing outside the working directory, rewriting a remote's history, running what was
//! just downloaded, writing to a block device, running as root, changing git's hooks.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use crate::tools::ToolPolicy;
use crate::tools::paths;
use crate::tools::policy::shell::{Arg, Cmd, Write};

/// Programs that fetch from the network.
const DOWNLOADERS: &[&str] = &[
    "curl", "wget", "fetch", "http", "https", "aria2c", "nc", "ncat", "netcat", "socat",
];

/// Programs that run a program given as text.
const INTERPRETERS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "python", "python2", "python3",
    "perl", "ruby", "node", "php", "lua", "eval", "source", ".",
];

/// Why `cmd` is destructive, if it is.
pub(super) fn check(places: &Places, cmd: &Cmd) -> Option<String> {
    let name = cmd.name.as_deref()?;
    if let Some(d) = downloaded(cmd, name) {
        return Some(format!("runs what `{d}` downloads"));
    }
    match name {
        "sudo" | "su" | "doas" | "pkexec" | "run0" => Some(format!("`{name}` runs as root")),
        "rm" | "rmdir" | "unlink" | "shred" | "srm" => {
            removal(places, cmd, operands(&cmd.args), true)
        }
        "find" if cmd.args.iter().any(|a| a.text == "-delete") => {
            let starts: Vec<&Arg> = cmd
                .args
                .iter()
                .take_while(|a| !(a.text.starts_with('-') || a.text == "(" || a.text == "!"))
                .collect();
            let dot = Arg::literal(".");
            let starts = if starts.is_empty() {
                vec![&dot]
            } else {
                starts
            };
            // find removes what it finds under its start points, not the points themselves.
            removal(places, cmd, starts, false)
        }
        "mv" => {
            let targets = operands(&cmd.args);
            outside(places, cmd, targets, "moves")
        }
        "chmod" | "chown" | "chgrp" if recursive(&cmd.args) => {
            // The first operand is the mode or owner.
            let targets = operands(&cmd.args).into_iter().skip(1).collect();
            outside(places, cmd, targets, "changes, recursively,")
        }
        "shutdown" | "reboot" | "halt" | "poweroff" => Some(format!("`{name}` stops the machine")),
        "kill" | "pkill" | "killall" if kills_everything(&cmd.args) => {
            Some("kills every process you own".into())
        }
        "git" => git_push(&cmd.args),
        "dd" => cmd.args.iter().find_map(|a| {
            let target = a.text.strip_prefix("of=")?;
            block_device(target).then(|| format!("writes to the block device {target}"))
        }),
        "tee" | "cp" | "wipefs" | "blkdiscard" | "fdisk" | "sfdisk" | "cfdisk" | "parted"
        | "sgdisk" | "mkswap" | "badblocks" => device_arg(cmd),
        n if n.starts_with("mkfs") || n.starts_with("mke2fs") => device_arg(cmd),
        _ => None,
    }
}

/// Why a redirection's write is destructive, if it is.
pub(super) fn write(places: &Places, w: &Write) -> Option<String> {
    let text = w.target.exact()?;
    if block_device(text) {
        return Some(format!("writes to the block device {text}"));
    }
    let cwd = w.cwd.as_ref()?;
    let lexical = paths::normalize(&cwd.join(text));
    let real = places.real(&lexical);
    let rel = real.strip_prefix(&places.cwd).ok()?;
    let mut parts = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    if parts.next().as_deref() != Some(".git") {
        return None;
    }
    match parts.next().as_deref() {
        Some("hooks") => Some("writes a git hook, which runs outside the sandbox later".into()),
        Some("config") => Some("writes git's config, which can name programs git runs".into()),
        _ => None,
    }
}

/// An interpreter reading its program from `curl`'s output.
fn downloaded<'a>(cmd: &'a Cmd, name: &str) -> Option<&'a str> {
    if !INTERPRETERS.contains(&name) {
        return None;
    }
    let from_args = cmd.args.iter().flat_map(|a| a.from.iter());
    let from_stdin = reads_program_from_stdin(name, &cmd.args)
        .then_some(cmd.piped_from.iter())
        .into_iter()
        .flatten();
    from_args
        .chain(from_stdin)
        .find(|p| DOWNLOADERS.contains(&p.as_str()))
        .map(String::as_str)
}

/// Whether the interpreter takes its program from standard input (no script, no `-c`).
fn reads_program_from_stdin(name: &str, args: &[Arg]) -> bool {
    let inline: &[&str] = match name {
        "python" | "python2" | "python3" => &["-c", "-m"],
        "perl" => &["-e", "-E"],
        "ruby" => &["-e"],
        "node" => &["-e", "--eval", "-p", "--print"],
        "php" => &["-r"],
        "lua" => &["-e"],
        "eval" | "source" | "." => return false,
        _ => &[],
    };
    for a in args {
        let t = a.text.as_str();
        if t == "-" {
            return true;
        }
        if !t.starts_with('-') || !a.known {
            return false;
        }
        let shell_c = inline.is_empty() && !t.starts_with("--") && t.contains('c');
        if shell_c || inline.contains(&t) {
            return false;
        }
    }
    true
}

/// The operands of `rm`-like commands: the words that are not options.
fn operands(args: &[Arg]) -> Vec<&Arg> {
    let mut out = Vec::new();
    let mut options_done = false;
    for a in args {
        if !options_done && a.known && a.text == "--" {
            options_done = true;
        } else if options_done || !a.known || !a.text.starts_with('-') || a.text == "-" {
            out.push(a);
        }
    }
    out
}

fn recursive(args: &[Arg]) -> bool {
    args.iter().any(|a| {
        a.text == "--recursive"
            || (a.text.starts_with('-') && !a.text.starts_with("--") && a.text.contains('R'))
    })
}

/// `kill -9 -1`, `kill -- -1`: signal every process.
fn kills_everything(args: &[Arg]) -> bool {
    let ops = operands(args);
    ops.iter().any(|a| a.text == "-1")
        || args
            .last()
            .is_some_and(|a| a.text == "-1" && args.len() > 1)
}

/// [`removal`] for commands that change rather than remove: any operand outside counts.
fn outside(places: &Places, cmd: &Cmd, targets: Vec<&Arg>, verb: &str) -> Option<String> {
    removal(places, cmd, targets, false).map(|why| why.replacen("removes", verb, 1))
}

/// Whether removing `targets` reaches outside the working directory and the allowed roots.
fn removal(places: &Places, cmd: &Cmd, targets: Vec<&Arg>, whole: bool) -> Option<String> {
    if cmd.more_args {
        return Some("removes paths only known at run time (from xargs)".into());
    }
    let roots = &places.roots;
    for t in targets {
        if !t.known {
            return Some(format!(
                "removes a path computed at run time (`{}…`)",
                t.prefix
            ));
        }
        // A glob stays under the folder its fixed part names.
        let fixed = if t.expands {
            let cut = t.text.find(['*', '?', '[', '{']).unwrap_or(t.text.len());
            match t.text[..cut].rfind('/') {
                Some(i) => &t.text[..=i],
                None => "",
            }
        } else {
            t.text.as_str()
        };
        let fixed = if fixed.is_empty() { "." } else { fixed };
        let Some(lexical) = locate(cmd.cwd.as_deref(), fixed) else {
            return Some(format!(
                "removes `{}` relative to a directory computed at run time",
                t.text
            ));
        };
        let real = places.real(&lexical);
        if whole && !t.expands && roots.contains(&real) {
            return Some(format!("removes the whole folder {}", real.display()));
        }
        if !roots.iter().any(|r| real.starts_with(r)) {
            return Some(format!(
                "removes {}, outside the working directory",
                real.display()
            ));
        }
    }
    None
}

/// Where a redirection writes, when that is outside the working directory, the allowed roots
/// and `/tmp` (`None` when inside, or a device like `/dev/null`).
pub(super) fn write_outside(places: &Places, w: &Write) -> Option<String> {
    let Some(text) = w.target.exact() else {
        return Some(format!(
            "writes to a file computed at run time (`{}…`)",
            w.target.prefix
        ));
    };
    if text.starts_with("/dev/") || text.starts_with("/proc/self/fd/") {
        return None;
    }
    let Some(lexical) = locate(w.cwd.as_deref(), text) else {
        return Some(format!(
            "writes `{text}` relative to a directory computed at run time"
        ));
    };
    let real = places.real(&lexical);
    if places
        .roots
        .iter()
        .chain(places.tmp.iter())
        .any(|r| real.starts_with(r))
    {
        return None;
    }
    Some(format!(
        "writes {}, outside the working directory",
        real.display()
    ))
}

/// The places a decision compares paths with, resolved once per command line.
pub(super) struct Places {
    /// The working directory, symlinks resolved.
    cwd: PathBuf,
    /// The working directory and the allowed roots, symlinks resolved.
    roots: Vec<PathBuf>,
    /// `/tmp` as written and resolved.
    tmp: [PathBuf; 2],
    /// Paths already resolved for this line: a long line names the same folders again and
    /// again, and each resolution of a missing path walks up to the first that exists.
    seen: RefCell<paths::RealPaths>,
}

impl Places {
    pub(super) fn new(policy: &ToolPolicy) -> Places {
        let real = |r: &PathBuf| std::fs::canonicalize(r).unwrap_or_else(|_| paths::normalize(r));
        let roots: Vec<PathBuf> = std::iter::once(&policy.cwd)
            .chain(policy.allowed_roots.iter())
            .map(real)
            .collect();
        Places {
            cwd: roots.first().cloned().unwrap_or_default(),
            roots,
            tmp: [PathBuf::from("/tmp"), paths::real_path(Path::new("/tmp"))],
            seen: RefCell::default(),
        }
    }

    /// `lexical` (absolute, normalized) with its symlinks resolved.
    fn real(&self, lexical: &Path) -> PathBuf {
        self.seen.borrow_mut().get(lexical)
    }
}

fn locate(cwd: Option<&Path>, target: &str) -> Option<PathBuf> {
    let p = Path::new(target);
    if p.is_absolute() {
        return Some(paths::normalize(p));
    }
    Some(paths::normalize(&cwd?.join(p)))
}

/// `git push --force` and friends.
fn git_push(args: &[Arg]) -> Option<String> {
    let mut i = 0;
    // Options before the subcommand; some take a value.
    while let Some(a) = args.get(i) {
        match a.text.as_str() {
            "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" => i += 2,
            t if t.starts_with('-') => i += 1,
            _ => break,
        }
    }
    if args.get(i).map(|a| a.text.as_str()) != Some("push") {
        return None;
    }
    for a in &args[i + 1..] {
        let t = a.text.as_str();
        let forced = matches!(t, "--force" | "--mirror" | "--force-if-includes")
            || t.starts_with("--force-with-lease")
            || (t.starts_with('-') && !t.starts_with("--") && t.contains('f'));
        if forced {
            return Some(format!("`git push {t}` rewrites the remote's history"));
        }
        if t.starts_with('+') {
            return Some(format!("`git push {t}` force-pushes that ref"));
        }
        if matches!(t, "--delete" | "-d" | "--prune") || (t.starts_with(':') && t.len() > 1) {
            return Some(format!("`git push {t}` deletes remote refs"));
        }
    }
    None
}

fn device_arg(cmd: &Cmd) -> Option<String> {
    cmd.args.iter().find_map(|a| {
        block_device(&a.text).then(|| format!("writes to the block device {}", a.text))
    })
}

/// Disks, partitions and raw memory; `/dev/null`, ttys and the like are fine.
fn block_device(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/dev/") else {
        return false;
    };
    const BLOCK: &[&str] = &[
        "sd", "hd", "vd", "xvd", "nvme", "mmcblk", "loop", "dm-", "md", "sr", "nbd", "zram",
        "mapper/", "disk/", "mem", "kmem", "port", "fd0",
    ];
    BLOCK.iter().any(|b| rest.starts_with(b))
}

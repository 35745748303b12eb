//! Commands that run other commands: each wrapper's own options are skipped and the command
//! it runs is walked like any other (`sudo env X=1 nice -n 5 rm -rf /` runs `rm`).

use super::walk::{Scope, Walker};
use super::{Arg, Cmd, MAX_DEPTH, ParseFailure};

/// Shells whose `-c` argument, or standard input, is a script.
pub(crate) const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "mksh",
    "ash",
    "fish",
    "busybox-sh",
];

/// Variables whose value is a command line some program runs.
const PROGRAM_VARS: &[&str] = &[
    "PAGER",
    "GIT_PAGER",
    "MANPAGER",
    "EDITOR",
    "VISUAL",
    "GIT_EDITOR",
    "GIT_SSH_COMMAND",
    "GIT_SSH",
    "GIT_EXTERNAL_DIFF",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "GIT_SEQUENCE_EDITOR",
];

/// `git -c` keys whose value is a program git runs.
const GIT_PROGRAM_KEYS: &[&str] = &[
    "core.pager",
    "core.editor",
    "core.sshcommand",
    "core.fsmonitor",
    "core.askpass",
    "diff.external",
    "sequence.editor",
    "gpg.program",
    "credential.helper",
    "pager.",
    "alias.",
    "uploadpack.packobjectshook",
];

/// Records `cmd`, then walks what it runs.
pub(super) fn emit(
    w: &mut Walker,
    cmd: Cmd,
    scope: &mut Scope,
    depth: usize,
) -> Result<(), ParseFailure> {
    if depth > MAX_DEPTH {
        return Err(ParseFailure(format!(
            "nested more than {MAX_DEPTH} levels deep"
        )));
    }
    let index = w.line.cmds.len();
    w.line.cmds.push(cmd.clone());
    for (name, value) in &cmd.env {
        if PROGRAM_VARS.contains(&name.as_str()) {
            program_text(w, index, value, scope, &cmd, depth)?;
        }
    }
    let Some(name) = cmd.name.as_deref() else {
        return Ok(());
    };
    let a = &cmd.args;
    match name {
        "sudo" | "doas" | "run0" | "pkexec" => {
            let rest = skip_options(
                a,
                &[
                    "-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group",
                ],
            );
            inner(w, &cmd, rest, scope, depth)
        }
        "env" => env(w, &cmd, scope, depth),
        "nice" => inner(
            w,
            &cmd,
            skip_options(a, &["-n", "--adjustment"]),
            scope,
            depth,
        ),
        "nohup" | "time" | "builtin" | "exec" | "unbuffer" | "setsid" | "caffeinate"
        | "chronic" => inner(w, &cmd, skip_options(a, &["-a"]), scope, depth),
        "command" => {
            // `command -v x` only looks `x` up.
            if a.iter().any(|x| matches!(x.exact(), Some("-v" | "-V"))) {
                return Ok(());
            }
            inner(w, &cmd, skip_options(a, &[]), scope, depth)
        }
        "timeout" => {
            let rest = skip_options(a, &["-s", "-k", "--signal", "--kill-after"]);
            inner(w, &cmd, rest.get(1..).unwrap_or_default(), scope, depth)
        }
        "stdbuf" => inner(
            w,
            &cmd,
            skip_options(a, &["-i", "-o", "-e", "--input", "--output", "--error"]),
            scope,
            depth,
        ),
        "ionice" => inner(
            w,
            &cmd,
            skip_options(a, &["-c", "-n", "-p", "-P", "-u", "--class", "--classdata"]),
            scope,
            depth,
        ),
        "xargs" => {
            let rest = skip_options(
                a,
                &[
                    "-I",
                    "-L",
                    "-n",
                    "-P",
                    "-s",
                    "-d",
                    "-E",
                    "-a",
                    "--arg-file",
                    "--delimiter",
                    "--max-args",
                    "--max-procs",
                    "--max-lines",
                    "--replace",
                ],
            );
            let index = w.line.cmds.len();
            if rest.is_empty() {
                return Ok(());
            }
            inner(w, &cmd, rest, scope, depth)?;
            if let Some(c) = w.line.cmds.get_mut(index) {
                c.more_args = true;
            }
            Ok(())
        }
        "watch" => {
            let rest = skip_options(a, &["-n", "--interval", "-q", "--equexit"]);
            script_of(w, index, rest, scope, &cmd, depth)
        }
        "flock" => {
            let rest = skip_options(a, &["-w", "--timeout", "-E", "--conflict-exit-code"]);
            let rest = rest.get(1..).unwrap_or_default();
            match rest.first().and_then(Arg::exact) {
                Some("-c" | "--command") => script_of(
                    w,
                    index,
                    rest.get(1..2).unwrap_or_default(),
                    scope,
                    &cmd,
                    depth,
                ),
                _ => inner(w, &cmd, rest, scope, depth),
            }
        }
        "eval" => script_of(w, index, a, scope, &cmd, depth),
        "find" => find_exec(w, &cmd, scope, depth),
        "git" => git_config(w, index, &cmd, scope, depth),
        n if SHELLS.contains(&n) => shell(w, index, &cmd, scope, depth),
        _ => Ok(()),
    }
}

/// The arguments after the wrapper's options. `with_value` lists options taking a value as the
/// next word (or after `=`, or glued to a short option).
fn skip_options<'a>(args: &'a [Arg], with_value: &[&str]) -> &'a [Arg] {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let t = a.text.as_str();
        if t == "--" {
            return &args[i + 1..];
        }
        if !t.starts_with('-') || t == "-" || !a.known {
            break;
        }
        i += 1;
        if with_value.contains(&t) {
            i += 1;
        }
    }
    args.get(i..).unwrap_or_default()
}

/// Walks the command `rest` names, run by `outer`.
fn inner(
    w: &mut Walker,
    outer: &Cmd,
    rest: &[Arg],
    scope: &mut Scope,
    depth: usize,
) -> Result<(), ParseFailure> {
    let Some((first, args)) = rest.split_first() else {
        return Ok(());
    };
    let name = first
        .exact()
        .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
        .filter(|n| !n.is_empty());
    let mut via = outer.via.clone();
    via.push(outer.name.clone().unwrap_or_default());
    let cmd = Cmd {
        name,
        path: if first.known {
            first.text.clone()
        } else {
            format!("{}…", first.prefix)
        },
        args: args.to_vec(),
        env: outer.env.clone(),
        via,
        more_args: outer.more_args,
        cwd: outer.cwd.clone(),
        piped_from: outer.piped_from.clone(),
        stdin_text: outer.stdin_text.clone(),
        dynamic_script: false,
    };
    emit(w, cmd, scope, depth + 1)
}

fn env(w: &mut Walker, cmd: &Cmd, scope: &mut Scope, depth: usize) -> Result<(), ParseFailure> {
    let mut outer = cmd.clone();
    let mut i = 0;
    while let Some(a) = cmd.args.get(i) {
        let t = a.text.as_str();
        match t {
            "-u" | "--unset" => i += 2,
            "-C" | "--chdir" => {
                outer.cwd = match cmd.args.get(i + 1).and_then(Arg::exact) {
                    Some(dir) => scope.locate(dir),
                    None => None,
                };
                i += 2;
            }
            "-S" | "--split-string" => {
                let index = w.line.cmds.len() - 1;
                return script_of(
                    w,
                    index,
                    cmd.args.get(i + 1..).unwrap_or_default(),
                    scope,
                    cmd,
                    depth,
                );
            }
            "--" => {
                i += 1;
                break;
            }
            _ if t.starts_with('-') && a.known => i += 1,
            _ if a.known && t.contains('=') && !t.starts_with('=') => {
                if let Some((n, v)) = t.split_once('=') {
                    outer.env.push((n.to_string(), Arg::literal(v)));
                }
                i += 1;
            }
            _ => break,
        }
    }
    let rest = cmd.args.get(i..).unwrap_or_default().to_vec();
    let start = w.line.cmds.len();
    inner(w, &outer, &rest, scope, depth)?;
    // The variables `env` sets are the inner command's, for the program-variable check.
    if let Some(c) = w.line.cmds.get(start) {
        for (name, value) in &c.env.clone() {
            if PROGRAM_VARS.contains(&name.as_str()) && !cmd.env.iter().any(|(n, _)| n == name) {
                program_text(w, start, value, scope, cmd, depth)?;
            }
        }
    }
    Ok(())
}

/// Runs the words `args` joined as a script (`eval`, `watch`, `env -S`); marks the command at
/// `index` as running a script computed at run time when any word is not known.
fn script_of(
    w: &mut Walker,
    index: usize,
    args: &[Arg],
    scope: &mut Scope,
    cmd: &Cmd,
    depth: usize,
) -> Result<(), ParseFailure> {
    let words: Option<Vec<&str>> = args
        .iter()
        .map(|a| a.known.then_some(a.text.as_str()))
        .collect();
    match words {
        Some(words) if !words.is_empty() => {
            let text = words.join(" ");
            if cmd.name.as_deref() == Some("eval") {
                w.script(&text, scope, depth + 1)
            } else {
                w.script(&text, &mut scope.fresh(cmd.cwd.clone()), depth + 1)
            }
        }
        Some(_) => Ok(()),
        None => {
            mark_dynamic(w, index);
            Ok(())
        }
    }
}

fn mark_dynamic(w: &mut Walker, index: usize) {
    if let Some(c) = w.line.cmds.get_mut(index) {
        c.dynamic_script = true;
    }
}

/// A variable or config value that is a command line: walked as one.
fn program_text(
    w: &mut Walker,
    index: usize,
    value: &Arg,
    scope: &mut Scope,
    cmd: &Cmd,
    depth: usize,
) -> Result<(), ParseFailure> {
    match value.exact() {
        Some("") => Ok(()),
        Some(text) => w.script(text, &mut scope.fresh(cmd.cwd.clone()), depth + 1),
        None => {
            mark_dynamic(w, index);
            Ok(())
        }
    }
}

/// `sh -c SCRIPT`, `bash script.sh`, or a shell reading its script from standard input.
fn shell(
    w: &mut Walker,
    index: usize,
    cmd: &Cmd,
    scope: &mut Scope,
    depth: usize,
) -> Result<(), ParseFailure> {
    let mut i = 0;
    let mut has_c = false;
    while let Some(a) = cmd.args.get(i) {
        let t = a.text.as_str();
        if !a.known || !t.starts_with('-') || t == "-" || t == "--" {
            break;
        }
        if !t.starts_with("--") && t.contains('c') {
            has_c = true;
        }
        // Options with a value: `-o name`, `-O name`, `--rcfile file`, `--init-file file`.
        if matches!(t, "-o" | "-O" | "+o" | "+O" | "--rcfile" | "--init-file") {
            i += 1;
        }
        i += 1;
    }
    let rest = cmd.args.get(i..).unwrap_or_default();
    if has_c {
        let script = rest.first().cloned().unwrap_or_default();
        if !script.known {
            mark_dynamic(w, index);
            return Ok(());
        }
        return w.script(&script.text, &mut scope.fresh(cmd.cwd.clone()), depth + 1);
    }
    let reads_stdin = match rest.first().map(|a| a.text.as_str()) {
        None | Some("-") | Some("--") => true,
        Some(_) => false,
    };
    if !reads_stdin {
        // A script file (or `/dev/fd/63` from `<(...)`): judged by what feeds it.
        return Ok(());
    }
    match &cmd.stdin_text {
        Some(text) => w.script(text, &mut scope.fresh(cmd.cwd.clone()), depth + 1),
        None if !cmd.piped_from.is_empty() => {
            mark_dynamic(w, index);
            Ok(())
        }
        None => Ok(()),
    }
}

/// `find ... -exec CMD {} ;`: CMD runs once per match, on paths under find's start points.
fn find_exec(
    w: &mut Walker,
    cmd: &Cmd,
    scope: &mut Scope,
    depth: usize,
) -> Result<(), ParseFailure> {
    let starts: Vec<&Arg> = cmd
        .args
        .iter()
        .take_while(|a| !(a.text.starts_with('-') || a.text == "(" || a.text == "!"))
        .collect();
    let start = starts
        .first()
        .map_or_else(|| Arg::literal("."), |a| (*a).clone());
    let mut i = 0;
    while i < cmd.args.len() {
        let t = cmd.args[i].text.as_str();
        if matches!(t, "-exec" | "-execdir" | "-ok" | "-okdir") {
            let end = cmd.args[i + 1..]
                .iter()
                .position(|a| a.text == ";" || a.text == "+")
                .map_or(cmd.args.len(), |p| i + 1 + p);
            let words: Vec<Arg> = cmd.args[i + 1..end]
                .iter()
                .map(|a| {
                    if a.text.contains("{}") {
                        placeholder(a, &start)
                    } else {
                        a.clone()
                    }
                })
                .collect();
            inner(w, cmd, &words, scope, depth)?;
            i = end;
        }
        i += 1;
    }
    Ok(())
}

/// `{}` in a `find -exec` word: some path under the start point.
fn placeholder(a: &Arg, start: &Arg) -> Arg {
    let child = format!("{}/x", start.text.trim_end_matches('/'));
    let mut out = a.clone();
    out.text = a.text.replace("{}", &child);
    out.prefix = out.text.clone();
    out.known = a.known && start.known;
    if !out.known {
        out.prefix = start.prefix.clone();
    }
    out.expands |= start.expands;
    out
}

/// `git -c core.pager=CMD ...`: config values that are programs git runs.
fn git_config(
    w: &mut Walker,
    index: usize,
    cmd: &Cmd,
    scope: &mut Scope,
    depth: usize,
) -> Result<(), ParseFailure> {
    let mut i = 0;
    while let Some(a) = cmd.args.get(i) {
        let value = match a.text.as_str() {
            "-c" => cmd.args.get(i + 1).cloned(),
            t if t.starts_with("--config-env") => {
                mark_dynamic(w, index);
                None
            }
            t if !t.starts_with('-') => break,
            _ => None,
        };
        if let Some(v) = value {
            i += 1;
            if let Some((key, program)) = v.text.split_once('=') {
                let key = key.to_ascii_lowercase();
                if key == "core.hookspath" {
                    // Hooks from another folder: scripts nobody has looked at.
                    mark_dynamic(w, index);
                } else if GIT_PROGRAM_KEYS
                    .iter()
                    .any(|k| key == *k || (k.ends_with('.') && key.starts_with(k)))
                {
                    let program = program.strip_prefix('!').unwrap_or(program);
                    let arg = Arg {
                        text: program.to_string(),
                        ..v.clone()
                    };
                    // An alias without `!` is a git subcommand, not a program.
                    if key.starts_with("alias.") && !v.text.contains("=!") {
                        i += 1;
                        continue;
                    }
                    program_text(w, index, &arg, scope, cmd, depth)?;
                }
            }
        }
        i += 1;
    }
    Ok(())
}

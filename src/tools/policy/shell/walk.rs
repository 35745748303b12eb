//! The walk over brush-parser's syntax tree.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use brush_parser::ParserOptions;
use brush_parser::ast::{
    AndOr, AssignmentName, AssignmentValue, Command, CommandPrefixOrSuffixItem, CompoundCommand,
    CompoundList, ExtendedTestExpr, IoFileRedirectKind, IoFileRedirectTarget, IoRedirect, Pipeline,
    RedirectList, SimpleCommand,
};

use super::{Arg, Cmd, Line, MAX_DEPTH, ParseFailure, Write, words, wrappers};

/// What the shell knows at one point of the line: variables set earlier, the directory, the
/// functions defined.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// `Some(value)` when known, `None` when computed at run time.
    vars: HashMap<String, Option<String>>,
    pub cwd: Option<PathBuf>,
    pub home: Option<String>,
    functions: HashSet<String>,
    /// The function whose body is being walked.
    defining: Option<String>,
}

impl Scope {
    pub(crate) fn new(cwd: &Path) -> Self {
        Scope {
            vars: HashMap::new(),
            cwd: Some(cwd.to_path_buf()),
            home: std::env::var("HOME").ok(),
            functions: HashSet::new(),
            defining: None,
        }
    }

    /// A new shell (`sh -c`) started in `cwd`: it sees no variables of this one.
    pub(crate) fn fresh(&self, cwd: Option<PathBuf>) -> Self {
        Scope {
            vars: HashMap::new(),
            cwd,
            home: self.home.clone(),
            functions: HashSet::new(),
            defining: None,
        }
    }

    /// A variable's value, when it was set earlier in the line to something known.
    pub(crate) fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).and_then(|v| v.as_deref())
    }

    pub(crate) fn set(&mut self, name: &str, value: Option<String>) {
        self.vars.insert(name.to_string(), value);
    }

    /// Where `dir` is, from here; `None` when that is not known before the line runs.
    pub(crate) fn locate(&self, dir: &str) -> Option<PathBuf> {
        let p = Path::new(dir);
        if p.is_absolute() {
            return Some(crate::tools::paths::normalize(p));
        }
        Some(crate::tools::paths::normalize(&self.cwd.as_ref()?.join(p)))
    }
}

/// What a command's standard input is, when the walk can tell.
#[derive(Debug, Clone, Default)]
pub(super) struct Input {
    pub piped_from: Vec<String>,
    pub text: Option<String>,
}

#[derive(Default)]
pub(crate) struct Walker {
    pub options: ParserOptions,
    pub(super) line: Line,
}

impl Walker {
    pub(crate) fn into_line(self) -> Line {
        self.line
    }

    /// Parses `text` and walks it in `scope`.
    pub(crate) fn script(
        &mut self,
        text: &str,
        scope: &mut Scope,
        depth: usize,
    ) -> Result<(), ParseFailure> {
        if depth > MAX_DEPTH {
            return Err(ParseFailure(format!(
                "nested more than {MAX_DEPTH} levels deep"
            )));
        }
        let mut parser =
            brush_parser::Parser::new(std::io::Cursor::new(text.as_bytes()), &self.options);
        let program = parser
            .parse_program()
            .map_err(|e| ParseFailure(one_line(&e.to_string())))?;
        for list in &program.complete_commands {
            self.list(list, scope, depth)?;
        }
        Ok(())
    }

    /// Walks `$(...)`'s text in a copy of `scope`; returns the programs it runs.
    pub(super) fn substitution(
        &mut self,
        text: &str,
        scope: &Scope,
        depth: usize,
    ) -> Result<Vec<String>, ParseFailure> {
        let start = self.line.cmds.len();
        let mut inner = scope.clone();
        self.script(text, &mut inner, depth)?;
        Ok(self.names_since(start))
    }

    fn names_since(&self, start: usize) -> Vec<String> {
        self.line.cmds[start..]
            .iter()
            .map(|c| c.name.clone().unwrap_or_else(|| "?".to_string()))
            .collect()
    }

    fn list(
        &mut self,
        list: &CompoundList,
        scope: &mut Scope,
        depth: usize,
    ) -> Result<(), ParseFailure> {
        for item in &list.0 {
            let and_or = &item.0;
            self.pipeline(&and_or.first, scope, depth)?;
            for next in &and_or.additional {
                let (AndOr::And(p) | AndOr::Or(p)) = next;
                self.pipeline(p, scope, depth)?;
            }
        }
        Ok(())
    }

    fn pipeline(
        &mut self,
        p: &Pipeline,
        scope: &mut Scope,
        depth: usize,
    ) -> Result<(), ParseFailure> {
        if let [only] = p.seq.as_slice() {
            return self.command(only, scope, depth, &Input::default());
        }
        // Each stage of a pipeline runs in a subshell.
        let mut input = Input::default();
        for c in &p.seq {
            let start = self.line.cmds.len();
            self.command(c, &mut scope.clone(), depth, &input)?;
            input.text = echoed(&self.line.cmds[start..]);
            input.piped_from.extend(self.names_since(start));
        }
        Ok(())
    }

    fn command(
        &mut self,
        c: &Command,
        scope: &mut Scope,
        depth: usize,
        input: &Input,
    ) -> Result<(), ParseFailure> {
        match c {
            Command::Simple(s) => self.simple(s, scope, depth, input),
            Command::Compound(cc, redirects) => {
                self.redirects(redirects.as_ref(), scope, depth)?;
                self.compound(cc, scope, depth)
            }
            Command::Function(f) => {
                scope.functions.insert(f.fname.value.clone());
                let mut body = scope.clone();
                body.defining = Some(f.fname.value.clone());
                self.redirects(f.body.1.as_ref(), &body, depth)?;
                self.compound(&f.body.0, &mut body, depth)
            }
            Command::ExtendedTest(t, redirects) => {
                self.redirects(redirects.as_ref(), scope, depth)?;
                self.test_expr(&t.expr, scope, depth)
            }
        }
    }

    fn compound(
        &mut self,
        c: &CompoundCommand,
        scope: &mut Scope,
        depth: usize,
    ) -> Result<(), ParseFailure> {
        match c {
            CompoundCommand::BraceGroup(g) => self.list(&g.list, scope, depth),
            CompoundCommand::Subshell(s) => self.list(&s.list, &mut scope.clone(), depth),
            CompoundCommand::ForClause(f) => {
                let mut values = Vec::new();
                let mut all_known = true;
                for w in f.values.iter().flatten() {
                    let a = words::resolve(&w.value, scope, self, depth)?;
                    match a.exact() {
                        Some(v) => values.push(v.to_string()),
                        None if a.known => values.push(a.text.clone()),
                        None => all_known = false,
                    }
                }
                // Walk the body once per known value (a few), else once with the value unknown.
                if all_known && !values.is_empty() && values.len() <= 8 {
                    for v in values {
                        scope.set(&f.variable_name, Some(v));
                        self.list(&f.body.list, scope, depth)?;
                    }
                    Ok(())
                } else {
                    scope.set(&f.variable_name, None);
                    self.list(&f.body.list, scope, depth)
                }
            }
            CompoundCommand::ArithmeticForClause(f) => {
                for e in [&f.initializer, &f.condition, &f.updater]
                    .into_iter()
                    .flatten()
                {
                    words::resolve(
                        &format!("\"{}\"", e.value.replace('"', "")),
                        scope,
                        self,
                        depth,
                    )?;
                }
                self.list(&f.body.list, scope, depth)
            }
            CompoundCommand::Arithmetic(a) => {
                words::resolve(
                    &format!("\"{}\"", a.expr.value.replace('"', "")),
                    scope,
                    self,
                    depth,
                )?;
                Ok(())
            }
            CompoundCommand::CaseClause(c) => {
                words::resolve(&c.value.value, scope, self, depth)?;
                for item in &c.cases {
                    for p in &item.patterns {
                        words::resolve(&p.value, scope, self, depth)?;
                    }
                    if let Some(list) = &item.cmd {
                        self.list(list, scope, depth)?;
                    }
                }
                Ok(())
            }
            CompoundCommand::IfClause(i) => {
                self.list(&i.condition, scope, depth)?;
                self.list(&i.then, scope, depth)?;
                for e in i.elses.iter().flatten() {
                    if let Some(cond) = &e.condition {
                        self.list(cond, scope, depth)?;
                    }
                    self.list(&e.body, scope, depth)?;
                }
                Ok(())
            }
            CompoundCommand::WhileClause(w) | CompoundCommand::UntilClause(w) => {
                self.list(&w.0, scope, depth)?;
                self.list(&w.1.list, scope, depth)
            }
            CompoundCommand::Coprocess(c) => {
                self.command(&c.body, &mut scope.clone(), depth, &Input::default())
            }
        }
    }

    fn test_expr(
        &mut self,
        e: &ExtendedTestExpr,
        scope: &Scope,
        depth: usize,
    ) -> Result<(), ParseFailure> {
        match e {
            ExtendedTestExpr::And(a, b) | ExtendedTestExpr::Or(a, b) => {
                self.test_expr(a, scope, depth)?;
                self.test_expr(b, scope, depth)
            }
            ExtendedTestExpr::Not(a) | ExtendedTestExpr::Parenthesized(a) => {
                self.test_expr(a, scope, depth)
            }
            ExtendedTestExpr::UnaryTest(_, w) => {
                words::resolve(&w.value, scope, self, depth).map(drop)
            }
            ExtendedTestExpr::BinaryTest(_, a, b) => {
                words::resolve(&a.value, scope, self, depth)?;
                words::resolve(&b.value, scope, self, depth).map(drop)
            }
        }
    }

    fn redirects(
        &mut self,
        list: Option<&RedirectList>,
        scope: &Scope,
        depth: usize,
    ) -> Result<(), ParseFailure> {
        let mut input = Input::default();
        for r in list.iter().flat_map(|l| l.0.iter()) {
            self.redirect(r, scope, depth, &mut input)?;
        }
        Ok(())
    }

    /// Records what a redirection writes; a here-document or here-string becomes `input`.
    fn redirect(
        &mut self,
        r: &IoRedirect,
        scope: &Scope,
        depth: usize,
        input: &mut Input,
    ) -> Result<(), ParseFailure> {
        let reads_stdin = |fd: &Option<i32>| fd.is_none_or(|fd| fd == 0);
        match r {
            IoRedirect::File(fd, kind, target) => match target {
                IoFileRedirectTarget::Filename(w) => {
                    let target = words::resolve(&w.value, scope, self, depth)?;
                    match kind {
                        IoFileRedirectKind::Read => {
                            if reads_stdin(fd) {
                                // A file's contents: not known before it runs.
                                input.text = None;
                                input.piped_from.push(format!("<{}", target.text));
                            }
                        }
                        IoFileRedirectKind::DuplicateInput
                        | IoFileRedirectKind::DuplicateOutput => {}
                        _ => self.line.writes.push(Write {
                            target,
                            cwd: scope.cwd.clone(),
                        }),
                    }
                }
                IoFileRedirectTarget::ProcessSubstitution(_, sub) => {
                    let start = self.line.cmds.len();
                    self.list(&sub.list, &mut scope.clone(), depth)?;
                    if matches!(kind, IoFileRedirectKind::Read) && reads_stdin(fd) {
                        input.text = None;
                        input.piped_from.extend(self.names_since(start));
                    }
                }
                IoFileRedirectTarget::Duplicate(w) => {
                    words::resolve(&w.value, scope, self, depth)?;
                }
                IoFileRedirectTarget::Fd(_) => {}
            },
            IoRedirect::HereDocument(fd, doc) => {
                let text =
                    words::heredoc(&doc.doc.value, doc.requires_expansion, scope, self, depth)?;
                if reads_stdin(fd) {
                    match text {
                        Some(t) => input.text = Some(t),
                        None => input.piped_from.push("<<".to_string()),
                    }
                }
            }
            IoRedirect::HereString(fd, w) => {
                let a = words::resolve(&w.value, scope, self, depth)?;
                if reads_stdin(fd) {
                    match a.exact() {
                        Some(t) => input.text = Some(t.to_string()),
                        None => input
                            .piped_from
                            .extend(a.from.iter().cloned().chain(["<<<".to_string()])),
                    }
                }
            }
            IoRedirect::OutputAndError(w, _) => {
                let target = words::resolve(&w.value, scope, self, depth)?;
                self.line.writes.push(Write {
                    target,
                    cwd: scope.cwd.clone(),
                });
            }
        }
        Ok(())
    }

    /// One prefix or suffix item of a simple command.
    #[allow(clippy::too_many_arguments)]
    fn item(
        &mut self,
        item: &CommandPrefixOrSuffixItem,
        in_prefix: bool,
        scope: &Scope,
        depth: usize,
        input: &mut Input,
        env: &mut Vec<(String, Arg)>,
        args: &mut Vec<Arg>,
    ) -> Result<(), ParseFailure> {
        match item {
            CommandPrefixOrSuffixItem::AssignmentWord(a, _) if in_prefix => {
                let value = match &a.value {
                    AssignmentValue::Scalar(v) => words::resolve(&v.value, scope, self, depth)?,
                    AssignmentValue::Array(items) => {
                        for (k, v) in items {
                            if let Some(k) = k {
                                words::resolve(&k.value, scope, self, depth)?;
                            }
                            words::resolve(&v.value, scope, self, depth)?;
                        }
                        Arg::default()
                    }
                };
                let (AssignmentName::VariableName(name)
                | AssignmentName::ArrayElementName(name, _)) = &a.name;
                env.push((name.clone(), value));
            }
            CommandPrefixOrSuffixItem::AssignmentWord(_, w)
            | CommandPrefixOrSuffixItem::Word(w) => {
                args.push(words::resolve(&w.value, scope, self, depth)?);
            }
            CommandPrefixOrSuffixItem::IoRedirect(r) => self.redirect(r, scope, depth, input)?,
            CommandPrefixOrSuffixItem::ProcessSubstitution(_, sub) => {
                let start = self.line.cmds.len();
                self.list(&sub.list, &mut scope.clone(), depth)?;
                args.push(Arg {
                    text: "/dev/fd/63".to_string(),
                    prefix: String::new(),
                    known: false,
                    expands: false,
                    from: self.names_since(start),
                });
            }
        }
        Ok(())
    }

    fn simple(
        &mut self,
        s: &SimpleCommand,
        scope: &mut Scope,
        depth: usize,
        input: &Input,
    ) -> Result<(), ParseFailure> {
        let mut input = input.clone();
        let mut env = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        for item in s.prefix.iter().flat_map(|p| p.0.iter()) {
            self.item(item, true, scope, depth, &mut input, &mut env, &mut args)?;
        }
        if let Some(w) = &s.word_or_name {
            args.push(words::resolve(&w.value, scope, self, depth)?);
        }
        for item in s.suffix.iter().flat_map(|p| p.0.iter()) {
            self.item(item, false, scope, depth, &mut input, &mut env, &mut args)?;
        }
        if args.is_empty() {
            // `X=value` alone sets a shell variable for the rest of the line.
            for (name, value) in env {
                scope.set(&name, value.exact().map(str::to_string));
            }
            return Ok(());
        }
        let first = args.remove(0);
        let name = first
            .exact()
            .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
            .filter(|n| !n.is_empty());
        if let Some(n) = &name
            && scope.functions.contains(n)
        {
            // A function defined earlier in the line: its body was walked where it was defined.
            if scope.defining.as_ref() == Some(n) && !self.line.recursive.contains(n) {
                self.line.recursive.push(n.clone());
            }
            return Ok(());
        }
        let path = if first.known {
            first.text.clone()
        } else {
            format!("{}…", first.prefix)
        };
        let cmd = Cmd {
            name,
            path,
            args,
            env,
            via: Vec::new(),
            more_args: false,
            cwd: scope.cwd.clone(),
            piped_from: input.piped_from,
            stdin_text: input.text,
            dynamic_script: false,
        };
        builtin_effects(&cmd, scope);
        wrappers::emit(self, cmd, scope, depth)
    }
}

/// What `cd`, `export`, `read` and friends change for the commands after them.
fn builtin_effects(cmd: &Cmd, scope: &mut Scope) {
    let Some(name) = cmd.name.as_deref() else {
        return;
    };
    match name {
        "cd" | "pushd" => {
            let target = cmd
                .args
                .iter()
                .find(|a| !a.text.starts_with('-') || !a.known);
            scope.cwd = match target {
                None => scope.home.as_deref().map(PathBuf::from),
                Some(a) => match a.exact() {
                    Some("-") | None => None,
                    Some(dir) => scope.locate(dir),
                },
            };
        }
        "popd" => scope.cwd = None,
        "export" | "declare" | "typeset" | "local" | "readonly" => {
            for a in &cmd.args {
                if let Some((n, v)) = a.text.split_once('=')
                    && !n.starts_with('-')
                {
                    let known = a.known && !a.expands;
                    scope.set(n, known.then(|| v.to_string()));
                }
            }
        }
        "unset" => {
            for a in &cmd.args {
                scope.set(&a.text, Some(String::new()));
            }
        }
        "read" | "mapfile" | "readarray" | "getopts" => {
            for a in cmd.args.iter().filter(|a| !a.text.starts_with('-')) {
                scope.set(&a.text, None);
            }
        }
        _ => {}
    }
}

/// The text `echo`/`printf` with known arguments writes, for the next stage of a pipeline.
fn echoed(cmds: &[Cmd]) -> Option<String> {
    let [c] = cmds else { return None };
    match c.name.as_deref()? {
        "echo" => {
            let words: Option<Vec<&str>> = c
                .args
                .iter()
                .map(|a| a.exact())
                .filter(|w| !matches!(w, Some("-n" | "-e" | "-E")))
                .collect();
            Some(words?.join(" "))
        }
        "printf" => {
            let words: Option<Vec<&str>> = c.args.iter().map(|a| a.exact()).collect();
            Some(words?.join(" ").replace("\\n", "\n"))
        }
        _ => None,
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

//! Where pi finds skills: the project's folder (`--skills-dir`, default `.pi/skills`), then the
//! user's (`<config>/pi/skills`). The first skill of a name wins; a later one of the same name
//! is reported as shadowed, never loaded twice. A skill that cannot be read is reported (file,
//! line, reason) and the others still load. A missing folder is not an error.
//!
//! Only what a skill needs is read: each root's entries, each `NAME.md`, and each directory's
//! `SKILL.md` (nothing else inside a skill directory). Hidden entries (`.installs.json`, the
//! temporary folders of installs in progress) are skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::SkillsConfig;
use super::package::{self, SKILL_FILE, Skill, SkillKind};

/// Which folder a skill came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkillSource {
    /// `--skills-dir` (default `.pi/skills`).
    Project,
    /// `<config>/pi/skills`.
    User,
}

impl SkillSource {
    /// `project` or `user`.
    pub fn label(self) -> &'static str {
        match self {
            SkillSource::Project => "project",
            SkillSource::User => "user",
        }
    }
}

/// A folder searched for skills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillRoot {
    pub dir: PathBuf,
    pub source: SkillSource,
}

/// The folders `config` names, in the order they are searched.
pub fn roots(config: &SkillsConfig) -> Vec<SkillRoot> {
    let mut roots = vec![SkillRoot {
        dir: config.dir.clone(),
        source: SkillSource::Project,
    }];
    if let Some(user) = &config.user_dir
        && *user != config.dir
    {
        roots.push(SkillRoot {
            dir: user.clone(),
            source: SkillSource::User,
        });
    }
    roots
}

/// A skill found in a root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundSkill {
    pub skill: Skill,
    pub source: SkillSource,
    /// The folder it was found in.
    pub root: PathBuf,
}

impl FoundSkill {
    pub fn name(&self) -> &str {
        &self.skill.name
    }
}

/// A skill not loaded because one of the same name came first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadowed {
    pub name: String,
    /// The skill's file, and where it came from.
    pub path: PathBuf,
    pub source: SkillSource,
    /// The file of the skill that won.
    pub by: PathBuf,
}

impl std::fmt::Display for Shadowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: skill '{}' is shadowed by {}",
            self.path.display(),
            self.name,
            self.by.display()
        )
    }
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The skill was not loaded.
    Error,
    /// The skill was loaded, but something about it is off.
    Warning,
}

/// Something wrong with a skill or a root: the file, the line in it (when known) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub reason: String,
    pub severity: Severity,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// What discovery found: the skills sorted by name, the ones shadowed, and the problems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    pub skills: Vec<FoundSkill>,
    pub shadowed: Vec<Shadowed>,
    pub problems: Vec<Problem>,
}

impl Discovery {
    /// The skill named `name`.
    pub fn get(&self, name: &str) -> Option<&FoundSkill> {
        self.skills
            .binary_search_by(|s| s.name().cmp(name))
            .ok()
            .and_then(|i| self.skills.get(i))
    }

    /// The problems that kept a skill from loading.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }
}

/// Finds the skills of `config`'s folders.
pub fn discover_config(config: &SkillsConfig) -> Discovery {
    discover(&roots(config))
}

/// Skills read on one thread at most; more are read on a few threads.
const PER_THREAD: usize = 128;

/// Finds the skills of `roots`, searched in order.
pub fn discover(roots: &[SkillRoot]) -> Discovery {
    let mut out = Discovery::default();
    let mut candidates = Vec::new();
    for (i, root) in roots.iter().enumerate() {
        candidates.extend(
            self::candidates(root, &mut out.problems)
                .into_iter()
                .map(|c| (i, c)),
        );
    }
    let read = read_all(&candidates);
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for ((i, candidate), result) in candidates.iter().zip(read) {
        let root = &roots[*i];
        let skill = match result {
            Ok(Some(s)) => s,
            // A folder without SKILL.md is not a skill (perhaps a skill's shared files).
            Ok(None) => continue,
            Err(e) => {
                out.problems.push(Problem {
                    path: e.path,
                    line: e.line,
                    reason: e.reason,
                    severity: Severity::Error,
                });
                continue;
            }
        };
        if skill.name != candidate.fallback {
            let what = match skill.kind {
                SkillKind::File => "file",
                SkillKind::Dir => "directory",
            };
            out.problems.push(Problem {
                path: skill.path.clone(),
                line: None,
                reason: format!(
                    "the front matter names it '{}', its {what} '{}'; it is loaded as '{}'",
                    skill.name, candidate.fallback, skill.name
                ),
                severity: Severity::Warning,
            });
        }
        if let Some(by) = seen.get(&skill.name) {
            out.shadowed.push(Shadowed {
                name: skill.name.clone(),
                path: skill.path.clone(),
                source: root.source,
                by: by.clone(),
            });
            continue;
        }
        seen.insert(skill.name.clone(), skill.path.clone());
        out.skills.push(FoundSkill {
            skill,
            source: root.source,
            root: root.dir.clone(),
        });
    }
    out.skills.sort_by(|a, b| a.name().cmp(b.name()));
    out
}

type ReadResult = Result<Option<Skill>, package::SkillError>;

/// Reads and parses every candidate, in order; many are split over a few threads.
fn read_all(candidates: &[(usize, Candidate)]) -> Vec<ReadResult> {
    let read = |c: &Candidate| package::read_if_present(&c.path, &c.fallback);
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(candidates.len() / PER_THREAD)
        .min(8);
    if threads < 2 {
        return candidates.iter().map(|(_, c)| read(c)).collect();
    }
    let chunk = candidates.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = candidates
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|(_, c)| read(c)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .zip(candidates.chunks(chunk))
            .flat_map(|(h, part)| {
                // A thread that panicked (it should not: parsing never panics) costs its
                // skills, reported, not the whole discovery.
                h.join().unwrap_or_else(|_| {
                    part.iter()
                        .map(|(_, c)| {
                            Err(package::SkillError {
                                path: c.path.clone(),
                                line: None,
                                reason: "reading it failed unexpectedly".to_string(),
                            })
                        })
                        .collect()
                })
            })
            .collect()
    })
}

/// A file that should hold a skill, and the name it falls back to.
struct Candidate {
    path: PathBuf,
    fallback: String,
}

/// The skill files of `root`, in file name order: `*.md`, and `*/SKILL.md` one level down.
fn candidates(root: &SkillRoot, problems: &mut Vec<Problem>) -> Vec<Candidate> {
    let entries = match std::fs::read_dir(&root.dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            let reason = if root.dir.is_file() {
                "not a directory: point the skills folder at a directory".to_string()
            } else {
                format!("cannot read the {} skills folder: {e}", root.source.label())
            };
            problems.push(Problem {
                path: root.dir.clone(),
                line: None,
                reason,
                severity: Severity::Error,
            });
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let Ok(mut kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() {
            match std::fs::metadata(entry.path()) {
                Ok(m) => kind = m.file_type(),
                Err(_) => continue,
            }
        }
        if kind.is_dir() {
            found.push(Candidate {
                path: entry.path().join(SKILL_FILE),
                fallback: name.to_string(),
            });
        } else if let Some(stem) = name.strip_suffix(".md")
            && kind.is_file()
        {
            found.push(Candidate {
                path: entry.path(),
                fallback: stem.to_string(),
            });
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The skills `names` names, in that order; an unknown name is an error naming the folders and
/// the skills they have.
pub fn select<'a>(
    discovery: &'a Discovery,
    names: &[String],
    roots: &[SkillRoot],
) -> Result<Vec<&'a FoundSkill>, String> {
    names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .map(|name| {
            discovery
                .get(name)
                .ok_or_else(|| unknown_skill(discovery, name, roots))
        })
        .collect()
}

/// `no skill 'NAME' in ROOTS (known: a, b)`.
pub fn unknown_skill(discovery: &Discovery, name: &str, roots: &[SkillRoot]) -> String {
    let dirs: Vec<String> = roots.iter().map(|r| shown(&r.dir)).collect();
    let known: Vec<&str> = discovery.skills.iter().map(FoundSkill::name).collect();
    let known = if known.is_empty() {
        "there are none".to_string()
    } else {
        format!("it has {}", known.join(", "))
    };
    format!("no skill '{name}' in {} ({known})", dirs.join(" or "))
}

/// `dir` relative to the working directory when it is under it.
fn shown(dir: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| dir.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| dir.to_path_buf())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn two_roots() -> (tempfile::TempDir, Vec<SkillRoot>) {
        let t = tempfile::tempdir().unwrap();
        let roots = vec![
            SkillRoot {
                dir: t.path().join("project"),
                source: SkillSource::Project,
            },
            SkillRoot {
                dir: t.path().join("user"),
                source: SkillSource::User,
            },
        ];
        (t, roots)
    }

    fn names(d: &Discovery) -> Vec<(&str, SkillSource)> {
        d.skills.iter().map(|s| (s.name(), s.source)).collect()
    }

    #[test]
    fn both_shapes_from_both_roots_sorted_with_their_source() {
        let (t, roots) = two_roots();
        write(&t.path().join("project/zeta.md"), "# Zeta\n");
        write(
            &t.path().join("project/alpha/SKILL.md"),
            "---\nname: alpha\ndescription: A\n---\nbody\n",
        );
        write(&t.path().join("project/alpha/script.sh"), "echo\n");
        write(&t.path().join("user/mid.md"), "Mid\n");
        let d = discover(&roots);
        assert_eq!(
            names(&d),
            [
                ("alpha", SkillSource::Project),
                ("mid", SkillSource::User),
                ("zeta", SkillSource::Project)
            ]
        );
        assert_eq!(d.skills[0].skill.kind, SkillKind::Dir);
        assert_eq!(d.skills[0].root, roots[0].dir);
        assert_eq!(d.skills[1].root, roots[1].dir);
        assert!(d.problems.is_empty() && d.shadowed.is_empty(), "{d:?}");
        assert_eq!(d.get("mid").unwrap().skill.description, "Mid");
        assert!(d.get("nope").is_none());
    }

    #[test]
    fn the_project_shadows_the_user_and_a_name_is_loaded_once() {
        let (t, roots) = two_roots();
        write(&t.path().join("project/review.md"), "project review\n");
        write(&t.path().join("user/review/SKILL.md"), "user review\n");
        // Same name twice in one root: the first path wins.
        write(
            &t.path().join("user/other.md"),
            "---\nname: dup\n---\none\n",
        );
        write(&t.path().join("user/some.md"), "---\nname: dup\n---\ntwo\n");
        let d = discover(&roots);
        assert_eq!(
            names(&d),
            [("dup", SkillSource::User), ("review", SkillSource::Project)]
        );
        assert_eq!(d.get("review").unwrap().skill.body, "project review\n");
        assert_eq!(d.get("dup").unwrap().skill.body, "one\n");
        assert_eq!(d.shadowed.len(), 2, "{:?}", d.shadowed);
        let s = d.shadowed.iter().find(|s| s.name == "review").unwrap();
        assert_eq!(s.source, SkillSource::User);
        assert_eq!(s.by, t.path().join("project/review.md"));
        assert!(s.to_string().contains("shadowed by"), "{s}");
    }

    #[test]
    fn a_bad_skill_is_reported_and_the_others_load() {
        let (t, roots) = two_roots();
        write(&t.path().join("project/bad.md"), "---\nname: [x\n---\n");
        write(&t.path().join("project/open/SKILL.md"), "---\nname: open\n");
        write(&t.path().join("project/good.md"), "Good\n");
        write(&t.path().join("user/fine.md"), "Fine\n");
        let d = discover(&roots);
        assert_eq!(
            names(&d),
            [("fine", SkillSource::User), ("good", SkillSource::Project)]
        );
        let errors: Vec<String> = d.errors().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with(&format!("{}:", t.path().join("project/bad.md").display())));
        assert!(errors[0].contains("bad front matter"), "{errors:?}");
        assert!(
            errors[1].starts_with(&format!(
                "{}:1:",
                t.path().join("project/open/SKILL.md").display()
            )),
            "{errors:?}"
        );
    }

    #[test]
    fn hidden_entries_other_files_and_folders_without_skill_md_are_skipped() {
        let (t, roots) = two_roots();
        write(&t.path().join("project/.installs.json"), "{}");
        write(&t.path().join("project/.tmp-install/SKILL.md"), "half\n");
        write(&t.path().join("project/.hidden.md"), "hidden\n");
        write(&t.path().join("project/notes.txt"), "no\n");
        write(&t.path().join("project/shared/helper.md"), "not a skill\n");
        write(&t.path().join("project/real.md"), "yes\n");
        let d = discover(&roots);
        assert_eq!(names(&d), [("real", SkillSource::Project)]);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
    }

    #[test]
    fn missing_roots_are_empty_and_a_file_root_is_a_problem() {
        let (t, roots) = two_roots();
        assert_eq!(discover(&roots), Discovery::default());
        write(&t.path().join("project"), "a file\n");
        let d = discover(&roots);
        assert!(d.skills.is_empty());
        assert_eq!(d.problems.len(), 1);
        assert!(
            d.problems[0].reason.contains("not a directory"),
            "{:?}",
            d.problems
        );
    }

    #[test]
    fn a_renamed_skill_loads_under_its_front_matter_name_with_a_warning() {
        let (t, roots) = two_roots();
        write(
            &t.path().join("project/code-review/SKILL.md"),
            "---\nname: review\ndescription: R\n---\n",
        );
        let d = discover(&roots);
        assert_eq!(names(&d), [("review", SkillSource::Project)]);
        assert_eq!(d.errors().count(), 0);
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].severity, Severity::Warning);
        assert!(
            d.problems[0].reason.contains("'code-review'"),
            "{:?}",
            d.problems
        );
    }

    #[test]
    fn select_keeps_the_order_given_and_names_the_known_skills() {
        let (t, roots) = two_roots();
        write(&t.path().join("project/a.md"), "A\n");
        write(&t.path().join("user/b.md"), "B\n");
        let d = discover(&roots);
        let picked = select(&d, &["b".into(), " a ".into(), "".into()], &roots).unwrap();
        assert_eq!(
            picked.iter().map(|s| s.name()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        let e = select(&d, &["c".into()], &roots).unwrap_err();
        assert!(e.starts_with("no skill 'c' in "), "{e}");
        assert!(e.ends_with("(it has a, b)"), "{e}");
        assert!(e.contains(" or "), "{e}");
        let e = select(&Discovery::default(), &["c".into()], &roots[..1]).unwrap_err();
        assert!(e.ends_with("(there are none)"), "{e}");
    }
}

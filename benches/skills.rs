//! Skills discovery benchmark (issue 10): 1,000 skills, half `NAME.md` files and half
//! `NAME/SKILL.md` directories with a file beside them, each with YAML front matter and a
//! body of a few hundred bytes, split between the project's and the user's folder (with some
//! shadowed names and a few bad front matters).
//!
//! Budget (docs/benchmarks.md): discovery of 1,000 skills ≤ 50 ms. Run with
//! `cargo bench --bench skills`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::path::Path;
use std::sync::OnceLock;

use divan::Bencher;
use pi_coding_agent::skills::discover::{SkillRoot, SkillSource, discover};
use pi_coding_agent::skills::package::parse;

const SKILLS: usize = 1_000;

struct Tree {
    _dir: tempfile::TempDir,
    roots: Vec<SkillRoot>,
}

fn skill_text(i: usize) -> String {
    format!(
        "---\nname: skill-{i:04}\ndescription: Does task number {i} when the user asks for it; \
         checks the inputs first.\nversion: 1.{i}.0\nlicense: MIT\nmetadata:\n  author: bench\n  \
         tags: [a, b, c]\n---\n# Skill {i}\n\n{}\n",
        "Follow these steps carefully and report what changed. ".repeat(6)
    )
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn tree() -> &'static Tree {
    static TREE: OnceLock<Tree> = OnceLock::new();
    TREE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("project");
        let user = dir.path().join("user");
        for i in 0..SKILLS {
            // 700 in the project, 300 in the user's folder.
            let root = if i < 700 { &project } else { &user };
            let name = format!("skill-{i:04}");
            if i % 2 == 0 {
                write(&root.join(format!("{name}.md")), &skill_text(i));
            } else {
                write(&root.join(&name).join("SKILL.md"), &skill_text(i));
                write(&root.join(&name).join("reference.md"), "more detail\n");
            }
        }
        // The user's folder repeats some project names (shadowed) and has a few bad skills.
        for i in 0..20 {
            write(&user.join(format!("skill-{i:04}.md")), &skill_text(i));
        }
        for i in 0..5 {
            write(
                &user.join(format!("broken-{i}.md")),
                "---\nname: [broken\n---\n",
            );
        }
        write(&project.join(".installs.json"), "{}");
        let roots = vec![
            SkillRoot {
                dir: project,
                source: SkillSource::Project,
            },
            SkillRoot {
                dir: user,
                source: SkillSource::User,
            },
        ];
        let found = discover(&roots);
        assert_eq!(found.skills.len(), SKILLS);
        assert_eq!(found.shadowed.len(), 20);
        assert_eq!(found.problems.len(), 5);
        Tree { _dir: dir, roots }
    })
}

/// Both folders read and every skill parsed, as at start and on each reload of the pane.
#[divan::bench(sample_count = 30)]
fn discover_1000_skills(bencher: Bencher) {
    let tree = tree();
    bencher.bench(|| discover(divan::black_box(&tree.roots)));
}

/// The YAML front matter and body of 1,000 skills parsed from memory: the parsing share of
/// discovery.
#[divan::bench(sample_count = 30)]
fn parse_1000_skills(bencher: Bencher) {
    let texts: Vec<String> = (0..SKILLS).map(skill_text).collect();
    let path = Path::new("bench.md");
    bencher.bench(|| {
        for t in &texts {
            divan::black_box(parse(divan::black_box(t), "x", path).unwrap());
        }
    });
}

fn main() {
    divan::main();
}

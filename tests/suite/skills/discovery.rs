//! Skills discovery and the system prompt, through the real `pi` binary against the fake
//! provider: the active skills go whole into the system prompt, every other skill of the
//! project's and the user's folders is listed by name, description and path (not with
//! `--skills-index off`), in one-shot and command-file runs; the model can read a listed skill
//! with the read tool, even from the user's folder outside the working directory.

use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::suite::oneshot::{Run, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Reply};

const MODEL: &str = "openai/gpt-4o-mini";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A run with project skills in `.pi/skills` (review as a file, deploy as a directory) and a
/// user skill (lint) in a config dir outside the working directory.
struct Skills {
    run: Run,
    config: tempfile::TempDir,
}

impl Skills {
    fn new() -> Skills {
        let run = Run::new();
        let config = tempfile::tempdir().unwrap();
        let project = run.path().join(".pi/skills");
        write(
            &project.join("review.md"),
            "---\nname: review\ndescription: Review a diff for bugs\n---\nREVIEW_BODY: check every error path.\n",
        );
        write(
            &project.join("deploy/SKILL.md"),
            "---\nname: deploy\ndescription: Ship a release\nversion: 1.0\nallowed-tools: Bash\n---\nDEPLOY_BODY: never on Fridays.\n",
        );
        write(&project.join("deploy/checklist.md"), "not a skill\n");
        write(
            &config.path().join("skills/lint.md"),
            "---\nname: lint\ndescription: Run the linters\n---\nLINT_BODY: clippy first.\n",
        );
        Skills { run, config }
    }

    fn user_skills(&self) -> std::path::PathBuf {
        self.config.path().join("skills")
    }

    fn pi(&self, fake: &FakeProvider) -> Command {
        let mut c = self.run.pi(fake, MODEL);
        c.env("PI_CONFIG_DIR", self.config.path());
        c
    }
}

/// The system prompt of each request the provider received.
fn systems(fake: &FakeProvider) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| {
            r.body["messages"][0]["content"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn active_skills_go_whole_and_the_others_are_listed_with_their_paths() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("ok"))
        .start_blocking();
    let s = Skills::new();
    let out = s
        .pi(&fake)
        .args(["--skill", "review", "--prompt", "look at this"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "ok\n");
    let system = &systems(&fake)[0];
    assert!(
        system.contains("<skill name=\"review\">\nREVIEW_BODY: check every error path.\n</skill>"),
        "{system}"
    );
    assert!(system.contains("# Other skills"), "{system}");
    let deploy = s.run.path().join(".pi/skills/deploy/SKILL.md");
    let lint = s.user_skills().join("lint.md");
    assert!(
        system.contains(&format!("- deploy: Ship a release ({})", deploy.display())),
        "{system}"
    );
    assert!(
        system.contains(&format!("- lint: Run the linters ({})", lint.display())),
        "the user's skill is listed: {system}"
    );
    assert!(
        !system.contains("- review:"),
        "active, so not listed: {system}"
    );
    assert!(
        !system.contains("DEPLOY_BODY") && !system.contains("LINT_BODY"),
        "listed skills are not pasted whole: {system}"
    );
    assert!(!system.contains("not a skill"), "{system}");
}

#[test]
fn skills_index_off_lists_nothing_but_keeps_the_active_skills() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("ok"))
        .reply(Reply::text("ok"))
        .start_blocking();
    let s = Skills::new();
    let out = s
        .pi(&fake)
        .args(["--skills-index", "off", "--skill", "deploy,lint"])
        .args(["--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = s
        .pi(&fake)
        .args(["--skills-index", "off", "--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let systems = systems(&fake);
    assert!(systems[0].contains("DEPLOY_BODY") && systems[0].contains("LINT_BODY"));
    assert!(
        systems[0].find("DEPLOY_BODY") < systems[0].find("LINT_BODY"),
        "in the order given"
    );
    for system in &systems {
        assert!(!system.contains("# Other skills"), "{system}");
        assert!(!system.contains("Review a diff"), "{system}");
        assert!(!system.contains("REVIEW_BODY"), "{system}");
    }
    assert!(!systems[1].contains("# Active skills"), "{}", systems[1]);
}

#[test]
fn the_user_folder_is_searched_after_the_project_and_the_project_wins() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("ok"))
        .start_blocking();
    let s = Skills::new();
    // The same name in both folders: the project's is the one loaded; the user's is not listed.
    write(
        &s.user_skills().join("review/SKILL.md"),
        "---\nname: review\ndescription: USER_REVIEW_DESCRIPTION\n---\nUSER_REVIEW_BODY\n",
    );
    let out = s
        .pi(&fake)
        .args(["--skill", "lint,review", "--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let system = &systems(&fake)[0];
    assert!(system.contains("LINT_BODY: clippy first."), "{system}");
    assert!(system.contains("REVIEW_BODY"), "{system}");
    assert!(!system.contains("USER_REVIEW"), "{system}");
}

#[test]
fn an_unknown_skill_names_both_folders_and_the_known_skills() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("must not be used"))
        .start_blocking();
    let s = Skills::new();
    let out = s
        .pi(&fake)
        .args(["--skill", "reveiw", "--prompt", "hi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no skill 'reveiw' in .pi/skills or "), "{err}");
    assert!(
        err.contains(&s.user_skills().display().to_string()),
        "{err}"
    );
    assert!(
        err.contains("(it has deploy, lint, review); check --skill"),
        "{err}"
    );
    assert!(fake.requests().is_empty());
}

#[test]
fn a_bad_front_matter_is_reported_with_its_line_and_the_other_skills_still_load() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("ok"))
        .start_blocking();
    let s = Skills::new();
    let bad = s.run.path().join(".pi/skills/broken.md");
    write(
        &bad,
        "---\nname: broken\ndescription: [unclosed\n---\nBROKEN_BODY\n",
    );
    let out = s
        .pi(&fake)
        .args(["--skill", "review", "--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:", bad.display())), "{err}");
    assert!(err.contains("bad front matter"), "{err}");
    let system = &systems(&fake)[0];
    assert!(
        system.contains("REVIEW_BODY") && system.contains("- lint:"),
        "{system}"
    );
    assert!(!system.contains("broken"), "{system}");
}

#[test]
fn command_files_get_the_active_skills_and_the_index_too() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("scripted"))
        .start_blocking();
    let s = Skills::new();
    write(&s.run.path().join("script.txt"), "do the thing\n");
    let out = s
        .pi(&fake)
        .args(["--skill", "lint", "--command-file", "script.txt"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let system = &systems(&fake)[0];
    assert!(system.contains("<skill name=\"lint\">"), "{system}");
    assert!(
        system.contains("- review: Review a diff for bugs"),
        "{system}"
    );
    assert!(system.contains("- deploy: Ship a release"), "{system}");
}

#[test]
fn the_model_can_read_a_listed_user_skill_outside_the_working_directory() {
    let s = Skills::new();
    let lint = s.user_skills().join("lint.md");
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("read", json!({"path": lint.display().to_string()})))
        .reply(Reply::text("linted"))
        .start_blocking();
    let out = s
        .pi(&fake)
        .args(["--prompt", "lint the code"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "linted\n");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    let second = reqs[1].body["messages"].to_string();
    assert!(second.contains("LINT_BODY: clippy first."), "{second}");
    let results: Vec<_> = s
        .run
        .session_messages()
        .into_iter()
        .filter(|m| m["role"] == "toolResult")
        .collect();
    assert_eq!(results[0]["isError"], false, "{results:?}");
}

#[test]
fn the_skills_pane_reloads_when_a_skill_is_added_changed_or_removed() {
    use crate::suite::tui::Tui;
    let fake = FakeProvider::builder()
        .reply(Reply::text("first answer"))
        .reply(Reply::text("second answer"))
        .start_blocking();
    let s = Skills::new();
    let mut cmd = s.pi(&fake);
    cmd.stdin(std::process::Stdio::inherit());
    cmd.args(["--skill", "review"]);
    let mut tui = Tui::spawn(cmd, 120, 40);
    tui.wait_for("Prompt", 10);
    // The pane (Alt+5) lists each skill with its source (the pty helper points the user's
    // config dir nowhere, so only project skills here).
    tui.send("\x1b5");
    tui.wait_for("review (project)", 10);
    // A new skill in the project's folder shows without a restart.
    write(
        &s.run.path().join(".pi/skills/fresh/SKILL.md"),
        "---\nname: fresh\ndescription: FRESH_DESCRIPTION\n---\nFRESH_BODY\n",
    );
    tui.wait_for("FRESH_DESCRIPTION", 10);
    // A bad front matter shows as a line naming the file and its line.
    write(
        &s.run.path().join(".pi/skills/broken.md"),
        "---\nname: broken\ndescription: [x\n---\n",
    );
    tui.wait_for("broken.md:", 10);
    // The agent's next request lists the new skill; review stays active.
    tui.send("\x1b2");
    tui.send("go\r");
    tui.wait_for("first answer", 20);
    // Removed: gone from the pane and from the next request's list.
    std::fs::remove_dir_all(s.run.path().join(".pi/skills/fresh")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    tui.send("again\r");
    tui.wait_for("second answer", 20);
    tui.send("\x04");
    tui.wait_exit(10);
    let systems = systems(&fake);
    assert_eq!(systems.len(), 2, "{systems:?}");
    assert!(systems[0].contains("REVIEW_BODY"), "{}", systems[0]);
    assert!(
        systems[0].contains("- fresh: FRESH_DESCRIPTION"),
        "{}",
        systems[0]
    );
    assert!(systems[1].contains("REVIEW_BODY"), "{}", systems[1]);
    assert!(!systems[1].contains("FRESH"), "{}", systems[1]);
}

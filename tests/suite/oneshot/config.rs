//! Config files: `$XDG_CONFIG_HOME/pi/config.toml` (or `~/.config/pi/config.toml`) and the
//! project's `.pi/config.toml` give defaults for flags; flag > env > project > user > default.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::errors::assert_clean_error;
use super::{Run, stderr, stdout};
use crate::support::fake_provider::FakeProvider;

/// The user's config file (`Run::cmd` points `XDG_CONFIG_HOME` at `.xdg`).
fn user_file(run: &Run, text: &str) -> PathBuf {
    write(&run.path().join(".xdg/pi/config.toml"), text)
}

fn project_file(run: &Run, text: &str) -> PathBuf {
    write(&run.path().join(".pi/config.toml"), text)
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

/// Environment variables and flags of one run.
type Given<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);

/// `pi` with an OpenAI key and base pointing at `fake`, but no `--model`.
fn pi(run: &Run, fake: &FakeProvider) -> Command {
    let mut c = run.cmd();
    c.env("OPENAI_API_KEY", "test-key")
        .env("OPENAI_BASE_URL", fake.openai_base_url());
    c.args(["--no-session", "--prompt", "hi"]);
    c
}

#[test]
fn flag_beats_env_beats_project_beats_user() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    user_file(
        &run,
        "model = \"openai/user-model\"\nmax_output_tokens = 111\n",
    );
    project_file(
        &run,
        "# the team's choice\nmodel = \"openai/project-model\"\n",
    );
    let runs: [Given; 3] = [
        (&[], &[]),
        (&[("PI_MODEL", "openai/env-model")], &[]),
        (
            &[("PI_MODEL", "openai/env-model")],
            &["--model", "openai/flag-model", "--max-output-tokens", "222"],
        ),
    ];
    for (env, flags) in runs {
        let out = pi(&run, &fake)
            .envs(env.iter().copied())
            .args(flags)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let reqs = fake.requests();
    let models: Vec<&str> = reqs.iter().map(|r| r.model.as_str()).collect();
    assert_eq!(models, ["project-model", "env-model", "flag-model"]);
    let tokens: Vec<u64> = reqs
        .iter()
        .map(|r| r.body["max_completion_tokens"].as_u64().unwrap())
        .collect();
    assert_eq!(
        tokens,
        [111, 111, 222],
        "the user file fills what the others leave"
    );
}

#[test]
fn print_config_names_each_source() {
    let run = Run::new();
    let user = user_file(
        &run,
        "max-output-tokens = 111\ntheme = \"dark\"\napi-base = \"http://proxy:9/v1?key=sekrit\"\n",
    );
    let project = project_file(
        &run,
        "model = \"openai/gpt-4o\"\nfallback-model = [\"openai/gpt-4o-mini\"]\nskills-dir = \"team-skills\"\n",
    );
    let out = run
        .cmd()
        .env("PI_THEME", "light")
        .args(["--print-config", "--max-turns", "5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} = ")) || l.starts_with(&format!("# {key} ")))
            .unwrap_or_else(|| panic!("{key} missing: {text}"))
            .to_string()
    };
    let source = |key: &str| line(key).rsplit_once("  # ").unwrap().1.to_string();
    assert!(
        line("model").starts_with("model = \"openai/gpt-4o\""),
        "{text}"
    );
    assert_eq!(source("model"), format!("project {}:1", project.display()));
    assert!(line("fallback-model").starts_with("fallback-model = [\"openai/gpt-4o-mini\"]"));
    assert_eq!(
        source("max-output-tokens"),
        format!("user {}:1", user.display())
    );
    assert_eq!(source("theme"), "env PI_THEME");
    assert!(line("theme").starts_with("theme = \"light\""));
    assert_eq!(source("max-turns"), "flag --max-turns");
    assert!(line("max-turns").starts_with("max-turns = 5 "));
    assert_eq!(source("request-timeout-ms"), "default");
    // A relative path in the project file is the project's.
    let skills = run.path().join("team-skills").display().to_string();
    assert!(line("skills-dir").contains(&skills), "{text}");
    // The files read, first.
    assert!(
        text.starts_with(&format!("# project config: {}\n", project.display())),
        "{text}"
    );
    // A key in the API base's query is never printed.
    assert!(!text.contains("sekrit"), "{text}");
    assert!(line("api-base").contains("key=[redacted]"), "{text}");
}

#[test]
fn the_policy_report_names_the_config_file() {
    let run = Run::new();
    let project = project_file(
        &run,
        "tool-policy-preset = \"strict\"\nbash-timeout-ms = 5000\n",
    );
    let out = run.cmd().arg("--print-tool-policy").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["preset"]["value"], "strict");
    assert_eq!(
        v["preset"]["source"],
        format!("project {}:1", project.display())
    );
    assert_eq!(
        v["bash_timeout_ms"]["source"],
        format!("project {}:2", project.display())
    );
}

#[test]
fn bad_config_files_are_one_line_errors_naming_file_and_line() {
    let run = Run::new();
    let user = user_file(&run, "model = \"openai/gpt-4o\"\n\nmax-turn = 3\n");
    let out = run.cmd().args(["--prompt", "hi"]).output().unwrap();
    assert_clean_error(
        &out,
        2,
        &format!(
            "{}:3: unknown key 'max-turn'; did you mean max-turns?",
            user.display()
        ),
    );
    std::fs::remove_file(&user).unwrap();
    let project = project_file(&run, "max-turns = \"many\"\n");
    let out = run.cmd().arg("--print-config").output().unwrap();
    assert_clean_error(
        &out,
        2,
        &format!(
            "{}:1: max-turns: expected a whole number",
            project.display()
        ),
    );
    project_file(&run, "context-window = 10\n");
    let out = run.cmd().args(["--prompt", "hi"]).output().unwrap();
    assert_clean_error(
        &out,
        2,
        "context-window: invalid value '10': must be at least 1024",
    );
    project_file(&run, "model = \"openai/gpt-4o\"\nthis is not toml\n");
    let out = run.cmd().args(["--prompt", "hi"]).output().unwrap();
    assert_clean_error(&out, 2, ".pi/config.toml:2: ");
    // A project file may not send the key elsewhere or loosen the policy.
    for text in [
        "api-base = \"http://attacker.example/v1\"\n",
        "os-sandbox-mode = \"off\"\n",
        "tool-policy-preset = \"permissive\"\n",
    ] {
        project_file(&run, text);
        let out = run.cmd().args(["--prompt", "hi"]).output().unwrap();
        assert_clean_error(&out, 2, "may be set only in your user config file");
    }
    // Help still works with a broken file.
    let out = run.cmd().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn without_xdg_config_home_the_file_is_under_home() {
    let run = Run::new();
    let home = run.path().join("home");
    let user = write(&home.join(".config/pi/config.toml"), "max-turns = 9\n");
    let out = run
        .cmd()
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", &home)
        .arg("--print-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("max-turns = 9") && text.contains(&format!("user {}:1", user.display())),
        "{text}"
    );
}

#[test]
fn the_openai_api_and_reasoning_summary_keys() {
    let fake = FakeProvider::echo().start_blocking();
    let run = Run::new();
    project_file(
        &run,
        "openai-api = \"responses\"\nreasoning_summary = \"detailed\"\n",
    );
    let out = pi(&run, &fake)
        .args(["--model", "openai/o3"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let req = &fake.requests()[0];
    assert!(req.path.ends_with("/responses"), "{}", req.path);
    assert_eq!(req.body["reasoning"]["summary"], "detailed");
    let printed = run.cmd().arg("--print-config").output().unwrap();
    let text = stdout(&printed);
    assert!(text.contains("openai-api = \"responses\""), "{text}");
    project_file(&run, "openai-api = \"soap\"\n");
    let out = pi(&run, &fake).output().unwrap();
    assert_clean_error(
        &out,
        2,
        "openai-api: invalid value 'soap': expected chat or responses",
    );
}

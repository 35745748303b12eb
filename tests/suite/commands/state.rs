//! `/macro` and `/profile`: project state files written atomically.

use pi_coding_agent::agent::{EventMsg, Op, RuntimeSettings};
use pi_coding_agent::commands::Outcome;

use super::Bench;

#[test]
fn macros_save_list_show_run_and_delete() {
    let mut b = Bench::new();
    std::fs::write(
        b.path().join("steps.txt"),
        "# nightly checks\n/session-stats\n\n/doctor --json\nsummarise the session\n",
    )
    .unwrap();
    let text = b.ok("/macro save nightly steps.txt");
    assert!(text.contains("saved macro 'nightly' (3 lines)"), "{text}");
    let file = b.path().join(".pi/macros.json");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(saved["macros"]["nightly"]["commands"][0], "/session-stats");
    assert!(b.ok("/macro list").contains("nightly  (3 lines)"));
    assert_eq!(
        b.ok("/macro show nightly"),
        "/session-stats\n/doctor --json\nsummarise the session"
    );
    let text = b.ok("/macro run nightly --dry-run");
    assert!(text.contains("would run 3 lines") && text.contains("  2. /doctor --json"));
    let out = b.run("/macro run nightly").unwrap();
    assert_eq!(
        out.outcome,
        Outcome::Run {
            name: "nightly".into(),
            lines: vec![
                "/session-stats".into(),
                "/doctor --json".into(),
                "summarise the session".into()
            ]
        }
    );
    b.ok("/macro delete nightly");
    assert!(b.ok("/macro list").contains("no macros yet"));
    assert!(
        b.err("/macro run nightly")
            .contains("no macro named 'nightly'")
    );
}

#[test]
fn a_macro_with_a_bad_line_is_refused_with_file_and_line() {
    let mut b = Bench::new();
    std::fs::write(b.path().join("bad.txt"), "/session\n\n/sesion-stats\n").unwrap();
    let e = b.err("/macro save bad bad.txt");
    assert!(
        e.starts_with("bad.txt:3: unknown command '/sesion-stats'"),
        "{e}"
    );
    assert!(e.contains("did you mean /session-stats?"), "{e}");
    assert!(!b.path().join(".pi/macros.json").exists());
    let e = b.err("/macro save 'two words' bad.txt");
    assert!(e.contains("cannot name a macro"), "{e}");
    std::fs::write(b.path().join(".pi/macros.json"), "{broken").unwrap();
    let e = b.err("/macro list");
    assert!(e.contains("macros.json: is not valid"), "{e}");
}

#[test]
fn profiles_save_list_show_load_and_delete() {
    let mut b = Bench::new();
    b.engine.observe(&EventMsg::SettingsApplied {
        settings: RuntimeSettings {
            max_output_tokens: Some(2048),
            fallback_models: Some(vec!["openai/gpt-4o-mini".into()]),
            ..RuntimeSettings::default()
        },
    });
    let text = b.ok("/profile save careful");
    assert!(text.contains("saved profile 'careful'"), "{text}");
    assert!(text.contains("max output tokens     2048"), "{text}");
    let file = b.path().join(".pi/profiles.json");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        saved["profiles"]["careful"]["model"],
        "anthropic/claude-sonnet-4-5"
    );
    assert!(
        b.ok("/profile list")
            .contains("careful  anthropic/claude-sonnet-4-5")
    );
    assert!(
        b.ok("/profile show careful")
            .contains("fallback models       openai/gpt-4o-mini")
    );
    // Loading applies it through the agent.
    b.engine.observe(&EventMsg::ModelChanged {
        model: "anthropic/claude-haiku-4-5".into(),
    });
    let out = b.run("/profile load careful").unwrap();
    let Outcome::Submit(Op::Configure { settings }) = out.outcome else {
        panic!("{:?}", out.outcome);
    };
    assert_eq!(
        settings.model.as_deref(),
        Some("anthropic/claude-sonnet-4-5")
    );
    assert_eq!(settings.max_output_tokens, Some(2048));
    // The engine's view follows the agent's answer.
    assert_eq!(
        b.engine.settings().model.as_deref(),
        Some("anthropic/claude-haiku-4-5")
    );
    b.engine.observe(&EventMsg::SettingsApplied { settings });
    assert_eq!(
        b.engine.settings().model.as_deref(),
        Some("anthropic/claude-sonnet-4-5")
    );
    b.ok("/profile delete careful");
    assert!(
        b.err("/profile load careful")
            .contains("no profile named 'careful'")
    );
}

/// A user's own keys in `.pi/profiles.json` (at the top and inside a profile) survive
/// `/profile save`, also of the profile that holds them.
#[test]
fn profile_save_keeps_keys_it_does_not_know() {
    let mut b = Bench::new();
    let file = b.path().join(".pi/profiles.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        r#"{
  "version": 1,
  "comment": "shared with the team",
  "profiles": {
    "careful": {"model": "openai/gpt-4o", "notes": "for reviews", "savedAt": "2025-01-01T00:00:00Z"},
    "fast": {"model": "openai/gpt-4o-mini", "owner": {"name": "ada"}}
  }
}"#,
    )
    .unwrap();
    b.ok("/profile save careful");
    b.ok("/profile save new-one");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(saved["comment"], "shared with the team", "{saved}");
    assert_eq!(
        saved["profiles"]["careful"]["notes"], "for reviews",
        "{saved}"
    );
    assert_eq!(
        saved["profiles"]["careful"]["model"], "anthropic/claude-sonnet-4-5",
        "the saved settings replace the old ones"
    );
    assert_eq!(saved["profiles"]["fast"]["owner"]["name"], "ada", "{saved}");
    assert_eq!(saved["profiles"]["fast"]["model"], "openai/gpt-4o-mini");
    assert!(
        saved["profiles"]["new-one"]["savedAt"].is_string(),
        "{saved}"
    );
    assert!(saved["profiles"]["new-one"].get("notes").is_none());
    // Known keys are not duplicated into the unknown ones.
    let careful = saved["profiles"]["careful"].as_object().unwrap();
    assert_eq!(careful.keys().filter(|k| *k == "model").count(), 1);
}

//! `/compact`, `/model`, `/models-list`, `/model-show` (the engine's side; the agent's side
//! runs in the binary tests).

use pi_coding_agent::agent::Op;
use pi_coding_agent::commands::Outcome;

use super::Bench;

#[test]
fn compact_submits_a_compact_op_with_the_instructions() {
    let mut b = Bench::new();
    let out = b.run("/compact keep the file names").unwrap();
    assert_eq!(
        out.outcome,
        Outcome::Submit(Op::Compact {
            instructions: Some("keep the file names".into())
        })
    );
    let out = b.run("/compact").unwrap();
    assert_eq!(
        out.outcome,
        Outcome::Submit(Op::Compact { instructions: None })
    );
}

#[test]
fn model_checks_the_name_and_key_then_submits_set_model() {
    let mut b = Bench::new();
    let out = b.run("/model anthropic/claude-haiku-4-5").unwrap();
    assert_eq!(
        out.outcome,
        Outcome::Submit(Op::SetModel {
            model: "anthropic/claude-haiku-4-5".into()
        })
    );
    let out = b.run("/model anthropic/some-private-model").unwrap();
    assert!(out.lines.join(" ").contains("not in the model catalog"));
    let e = b.err("/model gpt-4o");
    assert!(e.contains("malformed model 'gpt-4o'"), "{e}");
    let e = b.err("/model nosuch/model");
    assert!(e.contains("unknown provider 'nosuch'"), "{e}");
    assert!(
        b.err("/model azure/gpt-4o")
            .to_lowercase()
            .contains("azure")
    );
    assert!(b.err("/model").contains("usage: /model <provider/id>"));
}

#[test]
fn models_list_filters_by_query_provider_tools_and_limit() {
    let mut b = Bench::new();
    let text = b.ok("/models-list --provider anthropic");
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.starts_with("anthropic/")), "{text}");
    let text = b.ok("/models-list --limit 2");
    assert_eq!(text.lines().count(), 3, "{text}");
    let v = b.json("/models-list gemini --json");
    let list = v.as_array().unwrap();
    assert!(!list.is_empty());
    assert!(
        list.iter()
            .all(|m| m["id"].as_str().unwrap().contains("gemini"))
    );
    let with_tools = b.json("/models-list --tools true --json");
    assert!(
        with_tools
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["tool_calls"] == true)
    );
    let e = b.err("/models-list --tools maybe");
    assert!(e.contains("--tools takes true or false"), "{e}");
    let e = b.err("/models-list --provider nosuch");
    assert!(e.contains("unknown provider"), "{e}");
    assert!(
        b.ok("/models-list zzz-no-such-model")
            .contains("no model in the catalog matches")
    );
}

#[test]
fn models_list_shows_the_api_each_model_is_spoken_to_in() {
    let mut b = Bench::new();
    let text = b.ok("/models-list gpt-5");
    assert!(text.lines().next().unwrap().contains(" api "), "{text}");
    let row = |id: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("no row {id} in {text}"))
            .to_string()
    };
    assert!(row("openai/gpt-5-codex").contains(" responses "), "{text}");
    assert!(row("openai/gpt-5-chat-latest").contains(" chat "), "{text}");
    let claude = b.ok("/models-list claude-sonnet-4-5");
    assert!(claude.contains(" messages "), "{claude}");
    let show = b.ok("/model-show openai/gpt-5-codex");
    assert!(show.contains("api            openai-responses"), "{show}");
    assert!(show.contains("reasoning at   low, medium, high"), "{show}");
}

#[test]
fn model_show_prints_a_catalog_entry() {
    let mut b = Bench::new();
    let text = b.ok("/model-show anthropic/claude-sonnet-4-5");
    assert!(
        text.contains("context") && text.contains("tokens"),
        "{text}"
    );
    let v = b.json("/model-show anthropic/claude-sonnet-4-5 --json");
    assert!(v["context_window"].as_u64().unwrap() > 0);
    let e = b.err("/model-show anthropic/nope");
    assert!(e.contains("not in the model catalog"), "{e}");
}

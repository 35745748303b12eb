//! The Responses API through the built binary: the 4-turn task on gpt-5-codex, reasoning
//! carried on the branch that produced it (and not onto a sibling), an image read, and the
//! reasoning-effort note.

use serde_json::{Value, json};

use super::{Run, assert_four_turn_outcome, four_turn_script, stderr, stdout};
use crate::support::fake_provider::{FakeProvider, Reply, Wire};

const CODEX: &str = "openai/gpt-5-codex";

fn input_kinds(body: &Value) -> Vec<String> {
    body["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["type"]
                .as_str()
                .or(i["role"].as_str())
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn gpt_5_codex_runs_the_four_turn_task_through_responses() {
    let fake = four_turn_script(FakeProvider::builder().chunk_size(7));
    let run = Run::new();
    let out = run
        .pi(&fake, CODEX)
        .args(["--prompt", "make the hello file"])
        .output()
        .unwrap();
    assert_four_turn_outcome(&run, &out);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 4);
    assert!(reqs.iter().all(|r| r.wire == Some(Wire::Responses)));
    assert!(reqs.iter().all(|r| r.body["store"] == false && r.stream));
    // Turn 3 answers the parallel bash + read calls in call order.
    let third = &reqs[2].body;
    let outputs: Vec<&Value> = third["input"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "function_call_output")
        .collect();
    assert_eq!(outputs.len(), 3);
    assert_eq!(outputs[1]["call_id"], "call_fake0002x00");
    assert_eq!(outputs[2]["call_id"], "call_fake0002x01");
    assert!(outputs[1]["output"].as_str().unwrap().contains("BASH_OK"));
    for m in run
        .session_messages()
        .iter()
        .filter(|m| m["role"] == "assistant")
    {
        assert_eq!(m["api"], "openai-responses", "{m}");
        assert_eq!(m["model"], "gpt-5-codex");
    }
}

#[test]
fn reasoning_goes_back_on_the_same_branch_and_not_on_a_sibling() {
    let fake = FakeProvider::builder()
        .reply(
            Reply::turn()
                .thinking("The user wants a greeting.")
                .text("Hello!"),
        )
        .reply(Reply::text("Second answer."))
        .reply(Reply::text("Sibling answer."))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, CODEX)
        .args(["--prompt", "greet me"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).is_empty() || !stderr(&out).contains("error"),
        "{}",
        stderr(&out)
    );
    // The session keeps the reasoning item beside the message (pi's readers ignore it).
    let first = run
        .session_messages()
        .into_iter()
        .find(|m| m["role"] == "assistant")
        .unwrap();
    assert_eq!(first["content"][0]["type"], "thinking");
    assert_eq!(
        first["content"][0]["thinking"],
        "The user wants a greeting."
    );
    let kept = &first["reasoningItems"][0];
    assert_eq!(kept["at"], 1);
    assert_eq!(kept["item"]["encrypted_content"], "gAAAAB-fake-0001x00");

    // Turn 2 on the same branch sends it back before the answer it led to.
    let out = run
        .pi(&fake, CODEX)
        .args(["--prompt", "again"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let second = &fake.requests()[1].body;
    assert_eq!(
        input_kinds(second),
        ["user", "reasoning", "assistant", "user"]
    );
    assert!(second["input"][1].get("id").is_none(), "{second}");
    assert_eq!(
        second["input"][1]["encrypted_content"],
        "gAAAAB-fake-0001x00"
    );

    // A sibling branch (from before the first answer) carries no reasoning of turn 1.
    let user_entry = run
        .session_lines()
        .into_iter()
        .find(|l| l["type"] == "message" && l["message"]["role"] == "user")
        .unwrap();
    let parent = user_entry["parentId"].as_str().map(str::to_string);
    let target = parent.unwrap_or_else(|| user_entry["id"].as_str().unwrap().to_string());
    std::fs::write(
        run.path().join("cmds.txt"),
        format!("/branch {target}\nsomething else\n"),
    )
    .unwrap();
    let out = run
        .pi(&fake, CODEX)
        .args(["--command-file", "cmds.txt"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Sibling answer."), "{}", stdout(&out));
    let third = &fake.requests()[2].body;
    assert!(
        !input_kinds(third).iter().any(|k| k == "reasoning"),
        "{third}"
    );
    assert!(!third.to_string().contains("gAAAAB-fake"), "{third}");
}

#[test]
fn an_image_read_goes_back_as_input_image() {
    let png: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("read", json!({"path": "pic.png"})))
        .reply(Reply::text("A one-pixel image."))
        .start_blocking();
    let run = Run::new();
    std::fs::write(run.path().join("pic.png"), png).unwrap();
    let out = run
        .pi(&fake, CODEX)
        .args(["--prompt", "what is in pic.png?"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "A one-pixel image.\n");
    let second = &fake.requests()[1].body;
    assert_eq!(
        input_kinds(second),
        ["user", "function_call", "function_call_output", "user"]
    );
    let image = &second["input"][3]["content"][1];
    assert_eq!(image["type"], "input_image");
    assert!(
        image["image_url"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,iVBORw0KGgo"),
        "{image}"
    );
}

#[test]
fn a_thinking_level_the_model_does_not_take_is_mapped_with_one_note() {
    let fake = FakeProvider::builder()
        .reply(Reply::turn().tool_call("ls", json!({})))
        .reply(Reply::text("listed"))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, CODEX)
        .args(["--thinking", "minimal", "--prompt", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let note = "openai/gpt-5-codex does not take thinking level minimal; asking for low";
    assert_eq!(err.matches(note).count(), 1, "{err}");
    for r in fake.requests() {
        assert_eq!(r.body["reasoning"]["effort"], "low");
    }
}

#[test]
fn the_openai_api_and_reasoning_summary_flags() {
    let fake = FakeProvider::builder()
        .reply(Reply::text("via chat"))
        .reply(Reply::turn().thinking("hidden").text("via responses"))
        .start_blocking();
    let run = Run::new();
    let out = run
        .pi(&fake, CODEX)
        .args(["--openai-api", "chat", "--prompt", "hi"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "via chat\n", "{}", stderr(&out));
    assert_eq!(fake.requests()[0].wire, Some(Wire::OpenAi));
    let out = run
        .pi(&fake, "openai/o3")
        .args(["--openai-api", "responses", "--reasoning-summary", "off"])
        .args(["--prompt", "hi"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "via responses\n", "{}", stderr(&out));
    let r = &fake.requests()[1];
    assert_eq!(r.wire, Some(Wire::Responses));
    assert!(r.body["reasoning"].get("summary").is_none(), "{}", r.body);
    for bad in [["--openai-api", "soap"], ["--reasoning-summary", "loud"]] {
        let out = run
            .pi(&fake, CODEX)
            .args(bad)
            .args(["--prompt", "x"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(err.contains(bad[1]) && err.lines().count() <= 4, "{err}");
    }
}

#[test]
fn compaction_and_a_model_switch_keep_only_the_reasoning_that_applies() {
    let fake = FakeProvider::builder()
        .reply(Reply::turn().thinking("first thoughts").text("answer one"))
        .reply(Reply::turn().thinking("second thoughts").text("answer two"))
        .reply(Reply::text("SUMMARY: one question answered"))
        .reply(Reply::text("answer three"))
        .reply(Reply::text("answer four"))
        .start_blocking();
    let run = Run::new();
    std::fs::write(
        run.path().join("script.txt"),
        "first question\nsecond question\n/compact\n/model openai/o3\nthird question\n/model openai/gpt-5-codex\nfourth question\n",
    )
    .unwrap();
    let out = run
        .pi(&fake, CODEX)
        .args(["--openai-api", "responses", "--command-file", "script.txt"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{}\n{text}", stderr(&out));
    assert!(text.contains("compacted: 2 messages summarised"), "{text}");
    assert!(text.contains("answer four"), "{text}");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 5);
    assert!(reqs.iter().all(|r| r.wire == Some(Wire::Responses)));
    // The summary request goes through the Responses API too, without tools.
    assert!(reqs[2].body.get("tools").is_none());
    assert!(reqs[2].body.to_string().contains("first question"));
    // o3 cannot read gpt-5-codex's encrypted reasoning: none is sent.
    let third = &reqs[3].body;
    assert_eq!(third["model"], "o3");
    assert!(third.to_string().contains("SUMMARY: one question answered"));
    assert!(
        !input_kinds(third).iter().any(|k| k == "reasoning"),
        "{third}"
    );
    // Back on gpt-5-codex, its reasoning still on the branch goes back; the summarised one
    // does not exist any more.
    let fourth = &reqs[4].body;
    let reasoning: Vec<&Value> = fourth["input"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "reasoning")
        .collect();
    assert_eq!(reasoning.len(), 1, "{fourth}");
    assert_eq!(reasoning[0]["encrypted_content"], "gAAAAB-fake-0002x00");
}

#[test]
fn ctrl_c_mid_stream_keeps_the_partial_answer_and_its_reasoning() {
    use std::io::{BufReader, Read};
    use std::process::Stdio;
    use std::time::Duration;

    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;

    let long = "word ".repeat(4000);
    let fake = FakeProvider::builder()
        .chunk_size(64)
        .chunk_delay(Duration::from_millis(5))
        .reply(Reply::turn().thinking("plan first").text(long.clone()))
        .reply(Reply::text("going on"))
        .start_blocking();
    let run = Run::new();
    let mut child = run
        .pi(&fake, CODEX)
        .args(["--stream-output", "true", "--prompt", "go"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut buf = [0u8; 16];
    out.read_exact(&mut buf).unwrap();
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    let answer = run.session_messages()[1].clone();
    assert_eq!(answer["stopReason"], "aborted");
    assert_eq!(answer["api"], "openai-responses");
    assert_eq!(
        answer["reasoningItems"][0]["item"]["id"], "rs_fake0001x00",
        "{answer}"
    );
    let text = answer["content"][1]["text"].as_str().unwrap();
    assert!(text.len() >= 16 && text.len() < long.len());

    // The next turn sends the reasoning back with the partial answer that followed it.
    let out = run
        .pi(&fake, CODEX)
        .args(["--prompt", "go on"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sent = &fake.requests()[1].body;
    assert_eq!(
        input_kinds(sent),
        ["user", "reasoning", "assistant", "user"]
    );
    assert_eq!(sent["input"][2]["content"].as_str(), Some(text));
}

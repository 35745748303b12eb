//! Snapshot tests: every pane and overlay in its notable states, drawn into a `TestBackend`
//! at 120×40 and at 80×24 (where the panes become tabs).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use crate::ai::types::ThinkingLevel;
use crate::tui::config::theme::Theme;
use crate::tui::msg::Msg;
use crate::tui::overlay::{ListPicker, Overlay, PaletteKind};
use crate::tui::panes::conversation::{CellKind, NoticeLevel};
use crate::tui::panes::skills::parse_skill;
use crate::tui::state::{Busy, ModelChoice, Pane, State};
use crate::tui::update::update;
use crate::tui::view::view;

const SIZES: [(u16, u16); 3] = [(120, 40), (80, 24), (60, 20)];

fn base(w: u16, h: u16) -> State {
    let mut s = State::new(w, h);
    s.set_theme(Theme::plain());
    s.status.model = "anthropic/claude-sonnet-4-5".into();
    s.status.thinking = ThinkingLevel::Medium;
    s.status.context_window = Some(200_000);
    s.status.context_tokens = 30_000;
    s.status.usage.input = 12_345;
    s.status.usage.output = 2_345;
    s.status.usage.cost.total = 0.0812;
    s.status.session = Some(".pi/sessions/default.jsonl".into());
    s.status.head = Some("a1b2c3d4".into());
    s
}

fn conversation(s: &mut State) {
    let c = &mut s.conversation;
    c.push(CellKind::User {
        text: "Add a --verbose flag to the CLI and test it".into(),
    });
    c.push(CellKind::Thinking {
        text: "The flag goes in args.rs.\nThen a test.".into(),
        streaming: false,
    });
    c.answer_finished(
        "## Plan\n\n1. Add the flag in `src/cli/args.rs`\n2. Wire it to **logging**\n\n```rust\n#[arg(long)]\npub verbose: bool,\n```\n\n| file | change |\n|---|---|\n| args.rs | new flag |\n\n> Tests come last.\n",
    );
    c.tool_started(
        "c1",
        "edit",
        json!({"path": "src/cli/args.rs", "oldText": "a", "newText": "b"}),
    );
    c.tool_finished(
        "c1",
        false,
        "Successfully replaced 1 block(s) in src/cli/args.rs.\n--- a/src/cli/args.rs\n+++ b/src/cli/args.rs\n@@ -1,2 +1,3 @@\n pub struct Args {\n+    pub verbose: bool,\n }",
        42,
    );
    c.tool_started("c2", "bash", json!({"command": "cargo test verbose"}));
    c.tool_finished(
        "c2",
        true,
        "error[E0425]: cannot find value `verbose`",
        1830,
    );
    c.notice(NoticeLevel::Warning, "retrying in 2.0 s: 529 overloaded");
    s.trace
        .started("c1", "edit", &json!({"path": "src/cli/args.rs"}));
    s.trace.finished("c1", false, "diff…", 42);
    s.trace
        .started("c2", "bash", &json!({"command": "cargo test verbose"}));
    s.trace.finished(
        "c2",
        true,
        "error[E0425]\n\nCommand exited with code 101",
        1830,
    );
    s.trace.started("c3", "read", &json!({"path": "README.md"}));
}

fn graph(s: &mut State) {
    let pane = crate::tui::panes::graph::pane_from_lines(&[
        r#"{"type":"message","id":"u1","parentId":null,"message":{"role":"user","content":"Add a --verbose flag"}}"#,
        r#"{"type":"message","id":"a1","parentId":"u1","message":{"role":"assistant","content":[{"type":"toolCall","id":"c","name":"edit","arguments":{}}]}}"#,
        r#"{"type":"message","id":"t1","parentId":"a1","message":{"role":"toolResult","toolCallId":"c","toolName":"edit","content":[{"type":"text","text":"ok"}]}}"#,
        r#"{"type":"message","id":"a2","parentId":"t1","message":{"role":"assistant","content":[{"type":"text","text":"Done, the flag works."}]}}"#,
        r#"{"type":"message","id":"u2","parentId":"a1","message":{"role":"user","content":"Try a shorter name"}}"#,
        r#"{"type":"message","id":"a3","parentId":"u2","message":{"role":"assistant","content":[{"type":"text","text":"Renamed to -v."}]}}"#,
        r#"{"type":"label","id":"l1","parentId":"a3","targetId":"a2","label":"works"}"#,
        r#"{"type":"custom","id":"x1","parentId":"a3","customType":"rust-pi.branch-alias","data":{"name":"short","targetId":"a3"}}"#,
    ]);
    s.status.head = Some("a3".into());
    s.graph = pane;
    s.graph.preview = Some(("a3".into(), "assistant\n\nRenamed to -v.".into()));
}

fn skills(s: &mut State) {
    s.skills.dir = Some("skills".into());
    s.skills.set_skills(vec![
        parse_skill("review", "review.md".into(), "---\nname: review\ndescription: Review a diff for bugs\n---\n# Review\n\nRead the diff **carefully**.\n".into()),
        parse_skill("tests", "tests.md".into(), "# Write tests first\n\n- one\n- two\n".into()),
        crate::skills::discover::FoundSkill {
            source: crate::skills::discover::SkillSource::User,
            ..parse_skill("lint", "lint/SKILL.md".into(), "Run the linters\n".into())
        },
    ]);
    s.skills.problems = vec![crate::skills::discover::Problem {
        path: "skills/bad.md".into(),
        line: Some(3),
        reason: "bad front matter: invalid type".into(),
        severity: crate::skills::discover::Severity::Error,
    }];
    s.skills.active.insert("tests".into());
}

fn draw(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(s.width, s.height)).unwrap();
    t.draw(|f| view(s, f)).unwrap();
    format!("{}", t.backend())
}

fn snap(name: &str, f: impl Fn(&mut State)) {
    for (w, h) in SIZES {
        let mut s = base(w, h);
        f(&mut s);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(&s));
    }
}

#[test]
fn welcome() {
    snap("welcome", |_| {});
}

#[test]
fn conversation_with_tools() {
    snap("conversation", |s| {
        conversation(s);
        graph(s);
    });
}

#[test]
fn streaming_answer_while_busy_with_a_queued_prompt() {
    snap("streaming", |s| {
        s.conversation.push(CellKind::User {
            text: "Explain the loop".into(),
        });
        s.conversation
            .text_delta("The loop has three parts:\n\n- input\n- agent ev");
        s.busy = Some(Busy {
            submission: 1,
            since_ms: 0,
            compacting: false,
        });
        s.now_ms = 2400;
        s.queue.push_back("and then?".into());
        s.editor.textarea.insert_str("next question");
    });
}

#[test]
fn thinking_expanded_and_scrolled_up() {
    snap("scrolled", |s| {
        conversation(s);
        s.conversation.toggle_thinking();
        s.focus = Pane::Conversation;
        for i in 0..30 {
            s.conversation.push(CellKind::User {
                text: format!("later message {i}"),
            });
        }
        update(
            s,
            Msg::Key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE)),
        );
    });
}

#[test]
fn graph_focused() {
    snap("graph", |s| {
        conversation(s);
        graph(s);
        s.focus = Pane::Graph;
    });
}

#[test]
fn graph_naming_an_entry() {
    snap("graph_naming", |s| {
        graph(s);
        s.focus = Pane::Graph;
        update(
            s,
            Msg::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE)),
        );
        for c in "exp".chars() {
            update(
                s,
                Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            );
        }
    });
}

#[test]
fn trace_focused() {
    snap("trace", |s| {
        conversation(s);
        s.focus = Pane::Trace;
    });
}

#[test]
fn skills_filtered() {
    snap("skills", |s| {
        skills(s);
        s.focus = Pane::Skills;
        s.skills.filter = "rev".into();
        s.skills.refilter();
    });
}

#[test]
fn help_overlay() {
    snap("help", |s| s.overlay = Some(Overlay::Help { scroll: 0 }));
}

#[test]
fn command_palette() {
    snap("palette", |s| {
        s.editor.commands = vec![
            ("branch".into(), "/branch <id>  move the head".into()),
            (
                "session-stats".into(),
                "/session-stats [--json]  entries, branches".into(),
            ),
        ];
        update(
            s,
            Msg::Key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL)),
        );
        for c in "ses".chars() {
            update(
                s,
                Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            );
        }
    });
}

#[test]
fn model_picker() {
    snap("models", |s| {
        s.overlay = Some(Overlay::Picker {
            kind: PaletteKind::Models,
            list: ListPicker::new(vec![
                (
                    "anthropic/claude-sonnet-4-5".into(),
                    "● Claude Sonnet 4.5  200k ctx".into(),
                ),
                ("openai/gpt-4.1".into(), "GPT-4.1  1047k ctx".into()),
                (
                    "google/gemini-2.5-flash".into(),
                    "Gemini 2.5 Flash  1048k ctx".into(),
                ),
            ]),
        });
    });
}

#[test]
fn tool_output_overlay() {
    snap("tool_output", |s| {
        s.overlay = Some(Overlay::Text {
            title: "bash cargo test".into(),
            text: "running 2 tests\n\u{1b}[32mok\u{1b}[0m\n\u{1b}[31mFAILED\u{1b}[0m".into(),
            scroll: 0,
            diff: false,
        });
    });
}

#[test]
fn the_full_output_overlay_keeps_diff_and_ansi_colours() {
    use ratatui::style::Color;
    let draw = |text: &str, diff: bool| {
        let mut s = State::new(120, 40);
        s.overlay = Some(Overlay::Text {
            title: "out".into(),
            text: text.into(),
            scroll: 0,
            diff,
        });
        let mut buf = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 120, 40));
        crate::tui::view::draw(&s, &mut buf);
        (s.theme.clone(), buf)
    };
    let fg_of = |buf: &ratatui::buffer::Buffer, needle: &str| -> Option<Color> {
        for y in 0..buf.area.height {
            let row: String = (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            if let Some(i) = row.find(needle) {
                let x = row[..i].chars().count() as u16;
                return Some(buf[(x, y)].fg);
            }
        }
        None
    };
    let (theme, buf) = draw("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old line\n+new line", true);
    assert_eq!(fg_of(&buf, "+new line"), Some(theme.diff_add));
    assert_eq!(fg_of(&buf, "-old line"), Some(theme.diff_remove));
    let (_, buf) = draw("\u{1b}[31mred words\u{1b}[0m", false);
    assert_eq!(fg_of(&buf, "red words"), Some(Color::Red));
}

#[test]
fn file_completion() {
    snap("completion", |s| {
        s.editor.files = Some(vec![
            "src/main.rs".into(),
            "src/tui/mod.rs".into(),
            "README.md".into(),
        ]);
        s.editor.textarea.insert_str("look at @mod");
        s.editor.refresh_completion();
    });
}

#[test]
fn zoomed_graph_and_no_agent() {
    snap("zoom", |s| {
        graph(s);
        s.focus = Pane::Graph;
        s.zoom = true;
    });
    snap("no_agent", |s| {
        s.agent_ready = false;
        s.conversation.notice(
            NoticeLevel::Error,
            "ANTHROPIC_API_KEY is not set: export it and start pi again, or pick another model (ctrl-o)",
        );
        s.models = vec![ModelChoice {
            name: "x/y".into(),
            context_window: 1,
            label: "x".into(),
            missing_key: None,
        }];
    });
}

#[test]
fn argument_completion() {
    snap("argument_completion", |s| {
        s.editor.commands = vec![("branch-alias".into(), "/branch-alias ...".into())];
        s.editor.textarea.insert_str("/branch-alias ");
        s.editor.refresh_completion();
        s.editor.arg_cache.insert(
            "/branch-alias ".into(),
            vec![
                ("set".into(), "name an entry".into()),
                ("remove".into(), "drop a name".into()),
                ("list".into(), "list the names".into()),
            ],
        );
        s.editor.refresh_completion();
    });
}

#[test]
fn the_selected_message_has_the_selection_background_while_focused() {
    let mut s = State::new(80, 24);
    s.conversation.push(CellKind::User {
        text: "pick me".into(),
    });
    s.conversation.answer_finished("not me");
    s.conversation.selected = Some(0);
    let bg_of = |s: &State, text: &str| {
        let mut t = Terminal::new(TestBackend::new(s.width, s.height)).unwrap();
        t.draw(|f| view(s, f)).unwrap();
        let buf = t.backend().buffer().clone();
        let row = (0..buf.area.height)
            .find(|&y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .contains(text)
            })
            .unwrap();
        buf[(2, row)].bg
    };
    s.focus = Pane::Conversation;
    assert_eq!(bg_of(&s, "pick me"), s.theme.selection_bg);
    assert_ne!(bg_of(&s, "not me"), s.theme.selection_bg);
    s.focus = Pane::Editor;
    assert_ne!(bg_of(&s, "pick me"), s.theme.selection_bg);
}

#[test]
fn tab_labels_show_the_keys_of_the_keymap() {
    let mut s = base(80, 24);
    let text =
        "extends = \"default\"\n[global]\nfocus_graph = [\"f7\", \"alt-3\"]\nfocus_trace = []\n";
    let Ok(km) = crate::tui::config::keymap::Keymap::parse("mine", text) else {
        panic!("the test keymap parses");
    };
    s.keymap = km;
    let top = draw(&s)
        .lines()
        .find(|l| l.contains("Chat"))
        .unwrap_or_default()
        .to_string();
    assert!(top.contains(" alt-1 Chat "), "{top}");
    assert!(top.contains(" f7 Branches "), "{top}");
    assert!(top.contains(" Tools "), "unbound: no key shown: {top}");
    assert!(!top.contains("alt-4"), "{top}");
}

#[test]
fn the_status_bar_says_thinking_off() {
    let mut s = base(120, 40);
    s.status.thinking = ThinkingLevel::Off;
    let screen = draw(&s);
    assert!(screen.contains("(thinking off)"), "{screen}");
    s.status.thinking = ThinkingLevel::High;
    assert!(draw(&s).contains("(high)"));
}

/// The screen as `draw` has it, each row with the selection background followed by a row of
/// `^` under those cells (text snapshots carry no colours).
fn draw_marking_selection(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(s.width, s.height)).unwrap();
    t.draw(|f| view(s, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let screen = format!("{}", t.backend());
    let mut out = String::new();
    for (y, line) in screen.lines().enumerate() {
        out.push_str(line);
        out.push('\n');
        let mut marks = String::new();
        let mut skip = 0u16;
        for x in 0..buf.area.width {
            let cell = &buf[(x, y as u16)];
            if skip == 0 {
                marks.push(if cell.bg == s.theme.selection_bg {
                    '^'
                } else {
                    ' '
                });
            }
            let width = unicode_width::UnicodeWidthStr::width(cell.symbol()) as u16;
            skip = skip.max(width).saturating_sub(1);
        }
        if marks.contains('^') {
            out.push_str(&format!(" {}   (selected)\n", marks.trim_end()));
        }
    }
    out
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, key(KeyCode::Char(c)));
    }
}

fn agent(s: &mut State, id: u64, msg: crate::agent::EventMsg) {
    update(s, Msg::Agent(crate::agent::Event { id, msg }));
}

#[test]
fn image_overlay() {
    snap("image", |s| {
        conversation(s);
        graph(s);
        update(
            s,
            Msg::Done {
                id: 1,
                result: crate::tui::msg::EffectResult::Image(Ok(crate::tui::msg::ImageInfo {
                    label: "docs/diagram.png".into(),
                    width: 1280,
                    height: 720,
                    key: 1,
                    overlay: true,
                })),
            },
        );
    });
}

#[test]
fn graph_of_an_in_memory_session() {
    // --no-session: no file; the in-memory store's tree loads, empty until a prompt.
    let no_session = |s: &mut State| {
        s.status.session = None;
        s.status.head = None;
        let fx = crate::tui::update::startup(s);
        for e in fx {
            if let crate::tui::msg::Effect::LoadGraph { id } = e {
                update(
                    s,
                    Msg::Done {
                        id,
                        result: crate::tui::msg::EffectResult::Graph(Ok(
                            crate::session::SessionTree::default(),
                        )),
                    },
                );
            }
        }
        update(
            s,
            Msg::Key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::ALT)),
        );
    };
    snap("graph_no_session", no_session);
    // After some turns the tree has entries; still nothing is saved.
    snap("graph_no_session_entries", |s| {
        conversation(s);
        graph(s);
        s.status.session = None;
        s.focus = Pane::Graph;
    });
}

/// A prompt sent at 0 s runs a tool; two more prompts wait in the queue.
fn busy_with_two_queued(s: &mut State) {
    graph(s);
    update(s, Msg::Tick { now_ms: 0 });
    typed(s, "run the tests");
    update(s, key(KeyCode::Enter));
    agent(s, 1, crate::agent::EventMsg::TurnStarted);
    agent(
        s,
        1,
        crate::agent::EventMsg::ToolCallStarted {
            call_id: "c1".into(),
            name: "bash".into(),
            arguments: json!({"command": "cargo test"}),
            decision: None,
        },
    );
    for q in ["then commit", "and push"] {
        typed(s, q);
        update(s, key(KeyCode::Enter));
    }
    // The "queued" toast has gone by now.
    update(s, Msg::Tick { now_ms: 12_400 });
}

#[test]
fn status_while_a_turn_runs_with_queued_prompts() {
    snap("status_busy_queued", |s| {
        busy_with_two_queued(s);
        assert_eq!(s.queue.len(), 2);
        assert!(s.busy.is_some());
    });
}

#[test]
fn status_after_a_cancelled_turn() {
    snap("turn_cancelled", |s| {
        busy_with_two_queued(s);
        // Ctrl+C: the queued prompts go back to the editor, the agent reports the cancel.
        update(
            s,
            Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        );
        agent(s, 1, crate::agent::EventMsg::TurnCancelled);
        update(s, Msg::Tick { now_ms: 16_000 });
        assert!(s.busy.is_none());
        assert!(s.queue.is_empty());
    });
}

#[test]
fn tab_bar_marks_the_focused_pane() {
    for (name, alt) in [("tabs_branches", '3'), ("tabs_skills", '5')] {
        let mut s = base(80, 24);
        conversation(&mut s);
        graph(&mut s);
        skills(&mut s);
        update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char(alt), KeyModifiers::ALT)),
        );
        insta::assert_snapshot!(format!("{name}_80x24"), draw_marking_selection(&s));
    }
}

#[test]
fn a_selected_thinking_block_expanded() {
    for (w, h) in SIZES {
        let mut s = base(w, h);
        graph(&mut s);
        for (ask, thought, answer) in [
            (
                "Add a --verbose flag",
                "The flag goes in args.rs.\nThen a test.",
                "Added `--verbose`.",
            ),
            (
                "And the docs?",
                "README first.\nThen docs/cli.md.",
                "Both updated.",
            ),
        ] {
            s.conversation.push(CellKind::User { text: ask.into() });
            s.conversation.push(CellKind::Thinking {
                text: thought.into(),
                streaming: false,
            });
            s.conversation.answer_finished(answer);
        }
        s.focus = Pane::Conversation;
        // Up to the first thinking block (cell 1); only it opens, the later one stays shut.
        while s.conversation.selected != Some(1) {
            update(&mut s, key(KeyCode::Char('[')));
        }
        update(&mut s, key(KeyCode::Enter));
        insta::assert_snapshot!(
            format!("thinking_selected_{w}x{h}"),
            draw_marking_selection(&s)
        );
    }
}

#[test]
fn a_table_wider_than_the_pane() {
    snap("wide_table", |s| {
        s.conversation.push(CellKind::User {
            text: "What do the retry settings do?".into(),
        });
        s.conversation.answer_finished(
            "Two settings:\n\n| setting | what it does |\n|---|---|\n| `retry.max` | how many times a request that failed with 429 or 529 is **sent again** before giving up |\n| `retry.base_ms` | the first delay; each retry waits twice as long |\n\nBoth live in `settings.json`.\n",
        );
    });
}

mod approval;
mod vim_prompt;

#[test]
fn the_skills_pane_shows_how_a_skill_was_installed_and_the_install_key() {
    use crate::skills::record::{InstallRecord, SourceKind};
    let mut s = State::new(120, 40);
    skills(&mut s);
    s.focus = Pane::Skills;
    s.skills.records.skills.insert(
        "review".into(),
        InstallRecord {
            version: Some("1.0.0".into()),
            source: SourceKind::Registry,
            source_url: "http://r/skills/review.md".into(),
            registry: Some("http://r/registry.json".into()),
            signing_key: Some("team".into()),
            sha256: "ab".repeat(32),
            installed_unix: 0,
            path: "review.md".into(),
        },
    );
    let screen = draw(&s);
    assert!(
        screen.contains("review (project) ✓ signed by team"),
        "{screen}"
    );
    assert!(
        screen.contains("signed by team (http://r/registry.json)"),
        "{screen}"
    );
    assert!(!screen.contains("install "), "no registry, no install hint");
    s.skills.config = Some(crate::skills::SkillsConfig {
        registry_url: Some("http://r/registry.json".into()),
        ..crate::skills::SkillsConfig::default()
    });
    let screen = draw(&s);
    assert!(screen.contains("ctrl-o install"), "{screen}");
}

//! grep, find and ls.

use serde_json::json;

use super::Fixture;

fn project() -> Fixture {
    let fx = Fixture::new();
    fx.write(".gitignore", "target/\n*.log\n");
    fx.write("src/main.rs", "fn main() {\n    println!(\"Hello\");\n}\n");
    fx.write(
        "src/lib.rs",
        "pub fn hello() -> &'static str {\n    \"hello\"\n}\n",
    );
    fx.write("target/debug/out.rs", "hello from build output\n");
    fx.write("run.log", "hello log\n");
    fx.write(".hidden/secret.rs", "hello hidden\n");
    fx.write("docs/guide.md", "Say hello.\n");
    fx
}

#[tokio::test]
async fn grep_finds_lines_and_respects_gitignore() {
    let fx = project();
    let text = fx.ok("grep", json!({"pattern": "hello"})).await;
    assert_eq!(
        text,
        "docs/guide.md:1: Say hello.\nsrc/lib.rs:1: pub fn hello() -> &'static str {\nsrc/lib.rs:2:     \"hello\""
    );
    let text = fx
        .ok(
            "grep",
            json!({"pattern": "hello", "ignoreCase": true, "glob": "*.rs"}),
        )
        .await;
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("src/main.rs:2:"));
    let text = fx
        .ok("grep", json!({"pattern": "hello", "path": "src"}))
        .await;
    assert!(text.starts_with("lib.rs:1: "), "{text}");
}

#[tokio::test]
async fn grep_literal_context_limit_and_errors() {
    let fx = project();
    let text = fx
        .ok("grep", json!({"pattern": "println!(", "literal": true}))
        .await;
    assert_eq!(text, "src/main.rs:2:     println!(\"Hello\");");
    let text = fx
        .ok(
            "grep",
            json!({"pattern": "println", "path": "src/main.rs", "context": 1}),
        )
        .await;
    assert_eq!(
        text,
        "main.rs-1- fn main() {\nmain.rs:2:     println!(\"Hello\");\nmain.rs-3- }"
    );
    let text = fx.ok("grep", json!({"pattern": "e", "limit": 2})).await;
    assert!(
        text.contains("[2 matches limit reached. Use limit=4 for more"),
        "{text}"
    );
    assert_eq!(
        fx.ok("grep", json!({"pattern": "zzz"})).await,
        "No matches found"
    );
    let msg = fx.err("grep", json!({"pattern": "fn ("})).await;
    assert!(
        msg.contains("Invalid regex") && msg.contains("literal=true"),
        "{msg}"
    );
}

#[tokio::test]
async fn grep_output_is_capped() {
    let fx = Fixture::with_policy(|p| p.max_tool_output_bytes = 200);
    let body: String = (0..100).map(|i| format!("match {i}\n")).collect();
    fx.write("many.txt", body);
    let text = fx
        .ok("grep", json!({"pattern": "match", "limit": 1000}))
        .await;
    let (lines, note) = text.split_once("\n\n[").unwrap();
    assert!(lines.len() <= 200);
    assert!(note.contains("200B limit reached"), "{note}");
}

#[tokio::test]
async fn find_globs_respect_gitignore_and_hidden() {
    let fx = project();
    let text = fx.ok("find", json!({"pattern": "*.rs"})).await;
    assert_eq!(text, "src/lib.rs\nsrc/main.rs");
    let text = fx.ok("find", json!({"pattern": "src/**/*.rs"})).await;
    assert_eq!(text, "src/lib.rs\nsrc/main.rs");
    let text = fx
        .ok("find", json!({"pattern": "*.rs", "path": "src"}))
        .await;
    assert_eq!(text, "lib.rs\nmain.rs");
    let text = fx.ok("find", json!({"pattern": "*", "limit": 2})).await;
    assert!(text.contains("[2 results limit reached"), "{text}");
    assert_eq!(
        fx.ok("find", json!({"pattern": "*.zig"})).await,
        "No files found matching pattern"
    );
    let text = fx.ok("find", json!({"pattern": "src"})).await;
    assert_eq!(text, "src/");
    // A pattern that names hidden entries finds them.
    let text = fx.ok("find", json!({"pattern": ".hidden/*.rs"})).await;
    assert_eq!(text, ".hidden/secret.rs");
    let text = fx
        .ok("grep", json!({"pattern": "hello", "glob": ".hidden/**"}))
        .await;
    assert_eq!(text, ".hidden/secret.rs:1: hello hidden");
}

#[tokio::test]
async fn ls_lists_sorted_with_dirs_marked() {
    let fx = project();
    let text = fx.ok("ls", json!({})).await;
    assert_eq!(text, ".gitignore\n.hidden/\ndocs/\nrun.log\nsrc/\ntarget/");
    let text = fx.ok("ls", json!({"path": "src", "limit": 1})).await;
    assert!(
        text.starts_with("lib.rs\n\n[1 entries limit reached"),
        "{text}"
    );
    std::fs::create_dir(fx.path("empty")).unwrap();
    assert_eq!(
        fx.ok("ls", json!({"path": "empty"})).await,
        "(empty directory)"
    );
    let msg = fx.err("ls", json!({"path": "src/main.rs"})).await;
    assert!(msg.contains("Not a directory"), "{msg}");
}

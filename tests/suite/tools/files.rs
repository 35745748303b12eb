//! read, write and edit.

use pi_coding_agent::ai::types::ContentBlock;
use serde_json::json;

use super::Fixture;

#[tokio::test]
async fn write_creates_parents_and_reports_bytes() {
    let fx = Fixture::new();
    let text = fx
        .ok("write", json!({"path": "a/b/c.txt", "content": "héllo"}))
        .await;
    assert_eq!(text, "Successfully wrote 6 bytes to a/b/c.txt");
    assert_eq!(fx.read("a/b/c.txt"), "héllo");
    fx.ok("write", json!({"path": "a/b/c.txt", "content": "new"}))
        .await;
    assert_eq!(fx.read("a/b/c.txt"), "new");
}

#[tokio::test]
async fn write_refuses_content_over_the_limit_and_directories() {
    let fx = Fixture::with_policy(|p| p.max_file_write_bytes = 4);
    let msg = fx
        .err("write", json!({"path": "big.txt", "content": "12345"}))
        .await;
    assert!(msg.contains("--max-file-write-bytes"), "{msg}");
    assert!(!fx.path("big.txt").exists());
    std::fs::create_dir(fx.path("d")).unwrap();
    let msg = fx.err("write", json!({"path": "d", "content": "x"})).await;
    assert!(msg.contains("is a directory"), "{msg}");
}

#[tokio::test]
async fn read_text_with_offset_limit_and_hints() {
    let fx = Fixture::new();
    let body: String = (1..=3000).map(|i| format!("row {i}\n")).collect();
    fx.write("big.txt", &body);
    let text = fx.ok("read", json!({"path": "big.txt"})).await;
    assert!(text.starts_with("row 1\nrow 2\n"));
    assert!(
        text.ends_with("row 2000\n\n[Showing lines 1-2000 of 3000. Use offset=2001 to continue.]")
    );
    let text = fx
        .ok("read", json!({"path": "big.txt", "offset": 2999}))
        .await;
    assert_eq!(text, "row 2999\nrow 3000\n");
    let text = fx
        .ok("read", json!({"path": "big.txt", "offset": 10, "limit": 2}))
        .await;
    assert_eq!(
        text,
        "row 10\nrow 11\n\n[2989 more lines in file. Use offset=12 to continue.]"
    );
    let msg = fx
        .err("read", json!({"path": "big.txt", "offset": 3001}))
        .await;
    assert!(msg.contains("beyond the end"), "{msg}");
}

#[tokio::test]
async fn read_is_byte_limited() {
    let fx = Fixture::with_policy(|p| p.max_file_read_bytes = 100);
    let body: String = (1..=100).map(|i| format!("line number {i}\n")).collect();
    fx.write("f.txt", &body);
    let text = fx.ok("read", json!({"path": "f.txt"})).await;
    let (content, hint) = text.split_once("\n\n[").unwrap();
    assert!(content.len() <= 100);
    assert!(content.ends_with("line number 7"), "{content}");
    assert_eq!(
        hint,
        "Showing lines 1-7 of 100 (100B limit). Use offset=8 to continue.]"
    );
}

#[tokio::test]
async fn read_images_binaries_missing_and_directories() {
    let fx = Fixture::new();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    fx.write("pic.dat", png);
    let out = fx.call("read", json!({"path": "pic.dat"})).await;
    assert!(!out.is_error);
    assert_eq!(
        out.content[0],
        ContentBlock::text("Read image file [image/png]")
    );
    match &out.content[1] {
        ContentBlock::Image { data, mime_type } => {
            assert_eq!(mime_type, "image/png");
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap();
            assert_eq!(bytes, png);
        }
        other => panic!("not an image: {other:?}"),
    }
    fx.write("prog.bin", b"\x7fELF\x02\x01\x01\0\0\0\0\0");
    let msg = fx.err("read", json!({"path": "prog.bin"})).await;
    assert!(msg.contains("binary file"), "{msg}");
    let msg = fx.err("read", json!({"path": "missing.txt"})).await;
    assert!(msg.contains("not found"), "{msg}");
    std::fs::create_dir(fx.path("dir")).unwrap();
    let msg = fx.err("read", json!({"path": "dir"})).await;
    assert!(msg.contains("Use ls"), "{msg}");
}

#[tokio::test]
async fn edit_replaces_once_and_returns_a_diff() {
    let fx = Fixture::new();
    fx.write("src/lib.rs", "fn a() {}\n\nfn b() {\n    1\n}\n");
    let out = fx
        .call(
            "edit",
            json!({"path": "src/lib.rs", "oldText": "fn b() {\n    1\n}", "newText": "fn b() {\n    2\n}"}),
        )
        .await;
    assert!(!out.is_error, "{}", out.text_content());
    let text = out.text_content();
    assert!(text.starts_with("Successfully replaced 1 block(s) in src/lib.rs.\n\n--- a/src/lib.rs\n+++ b/src/lib.rs\n"), "{text}");
    assert!(text.contains("-    1\n+    2\n"), "{text}");
    assert_eq!(fx.read("src/lib.rs"), "fn a() {}\n\nfn b() {\n    2\n}\n");
    let details = out.details.unwrap();
    assert_eq!(details["firstChangedLine"], 4);
    assert!(details["diff"].as_str().unwrap().contains("+    2"));
}

#[tokio::test]
async fn edit_keeps_crlf_and_bom() {
    let fx = Fixture::new();
    fx.write("w.txt", "\u{feff}one\r\ntwo\r\nthree\r\n");
    fx.ok(
        "edit",
        json!({"path": "w.txt", "oldText": "two\nthree", "newText": "2\n3"}),
    )
    .await;
    assert_eq!(fx.read("w.txt"), "\u{feff}one\r\n2\r\n3\r\n");
}

#[tokio::test]
async fn edit_errors_tell_the_model_what_to_do() {
    let fx = Fixture::new();
    fx.write("f.txt", "x = 1\nx = 1\ny = 2\n");
    let msg = fx
        .err(
            "edit",
            json!({"path": "f.txt", "oldText": "x = 1", "newText": "x = 3"}),
        )
        .await;
    assert!(
        msg.contains("Found 2 occurrences") && msg.contains("more surrounding lines"),
        "{msg}"
    );
    let msg = fx
        .err(
            "edit",
            json!({"path": "f.txt", "oldText": "z = 9", "newText": "z = 3"}),
        )
        .await;
    assert!(
        msg.contains("Could not find oldText") && msg.contains("Read the file again"),
        "{msg}"
    );
    let msg = fx
        .err(
            "edit",
            json!({"path": "nope.txt", "oldText": "a", "newText": "b"}),
        )
        .await;
    assert!(msg.contains("not found"), "{msg}");
    assert_eq!(fx.read("f.txt"), "x = 1\nx = 1\ny = 2\n");
}

#[tokio::test]
async fn edit_tolerates_trailing_whitespace_only_when_unambiguous() {
    let fx = Fixture::new();
    fx.write("t.py", "def f():   \n    return 1  \n");
    let text = fx
        .ok("edit", json!({"path": "t.py", "oldText": "def f():\n    return 1\n", "newText": "def f():\n    return 2\n"}))
        .await;
    assert!(text.contains("ignoring trailing whitespace"), "{text}");
    assert_eq!(fx.read("t.py"), "def f():\n    return 2\n");
}

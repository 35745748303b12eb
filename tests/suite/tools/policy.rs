//! The path policy across the file tools.

use serde_json::json;

use super::Fixture;

#[tokio::test]
async fn paths_outside_cwd_are_refused_by_every_file_tool() {
    let fx = Fixture::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "s").unwrap();
    let target = outside.path().join("secret.txt");
    let target = target.to_str().unwrap();
    let dir = outside.path().to_str().unwrap();
    for (tool, args) in [
        ("read", json!({"path": target})),
        ("read", json!({"path": "../x"})),
        ("write", json!({"path": target, "content": "pwned"})),
        (
            "edit",
            json!({"path": target, "oldText": "s", "newText": "t"}),
        ),
        ("grep", json!({"pattern": "s", "path": dir})),
        ("find", json!({"pattern": "*", "path": dir})),
        ("ls", json!({"path": dir})),
    ] {
        let msg = fx.err(tool, args).await;
        assert!(
            msg.contains("is outside the working directory"),
            "{tool}: {msg}"
        );
        assert!(msg.contains("refusing"), "{tool}: {msg}");
    }
    assert_eq!(
        std::fs::read_to_string(outside.path().join("secret.txt")).unwrap(),
        "s"
    );
}

#[tokio::test]
async fn symlinks_out_of_the_root_are_refused() {
    let fx = Fixture::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "s").unwrap();
    std::os::unix::fs::symlink(outside.path(), fx.path("escape")).unwrap();
    let msg = fx.err("read", json!({"path": "escape/secret.txt"})).await;
    assert!(msg.contains("resolves to"), "{msg}");
    let msg = fx
        .err("write", json!({"path": "escape/new.txt", "content": "x"}))
        .await;
    assert!(msg.contains("outside"), "{msg}");
    assert!(!outside.path().join("new.txt").exists());
}

#[tokio::test]
async fn allowed_roots_open_other_directories() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("notes.md"), "hello").unwrap();
    let root = outside.path().to_path_buf();
    let fx = Fixture::with_policy(|p| p.allowed_roots.push(root));
    let file = outside.path().join("notes.md");
    assert_eq!(fx.ok("read", json!({"path": file})).await, "hello");
    let other = tempfile::tempdir().unwrap();
    let msg = fx.err("ls", json!({"path": other.path()})).await;
    assert!(msg.contains("and the allowed roots (--allow-path"), "{msg}");
}

#[tokio::test]
async fn bash_is_not_path_restricted() {
    let fx = Fixture::new();
    let text = fx
        .ok(
            "bash",
            json!({"command": "cat /etc/hostname >/dev/null; cd / && pwd"}),
        )
        .await;
    assert_eq!(text, "/");
}

//! The skills slash commands, run by the binary from a `--command-file` script against a signed
//! registry on 127.0.0.1: trust roots, install, list, search, the lockfile, prune and verify.

use serde_json::Value;

use super::install::{Env, stderr, stdout};
use crate::support::fake_registry::{
    FakeRegistry, ManifestBuilder, manifest_sig, public_b64, test_key,
};

fn skill_md(name: &str, version: &str, description: &str) -> Vec<u8> {
    format!("---\nname: {name}\ndescription: {description}\nversion: {version}\n---\nDo {name}.\n")
        .into_bytes()
}

/// Runs `lines` as a command file in the env's project (failing lines do not stop it).
fn script(env: &Env, extra: &[&str], lines: &[&str]) -> (std::process::Output, Vec<String>) {
    let file = env.dir.path().join("script.txt");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let file = file.display().to_string();
    let mut args = vec![
        "--command-file",
        file.as_str(),
        "--command-file-error-mode",
        "continue-on-error",
    ];
    args.extend_from_slice(extra);
    let out = env.pi(&args);
    let text = stdout(&out);
    let lines = text.lines().map(str::to_string).collect();
    (out, lines)
}

/// The `n`th JSON line of the output (the script's `--json` commands, in order).
fn json_at(lines: &[String], n: usize) -> Value {
    let json = lines
        .iter()
        .filter(|l| l.starts_with('{') || l.starts_with('['))
        .nth(n)
        .unwrap_or_else(|| panic!("no JSON line {n} in {lines:#?}"));
    serde_json::from_str(json).unwrap()
}

struct Published {
    reg: FakeRegistry,
    root_b64: String,
    root: ed25519_dalek::SigningKey,
}

/// A registry with `review 1.0.0` and `lint 2.1.0`, signed by a root key and its `.sig`.
fn publish() -> Published {
    let reg = FakeRegistry::start();
    let root = test_key("root");
    let mut m = ManifestBuilder::new().key("root", &root, None, None);
    for (name, version, about) in [
        ("review", "1.0.0", "Review a change for bugs"),
        ("lint", "2.1.0", "Fix style problems"),
    ] {
        let path = format!("skills/{name}.md");
        let bytes = skill_md(name, version, about);
        reg.put(&path, bytes.clone());
        m = m.skill(name, version, &path, &bytes, Some(("root", &root)));
    }
    let bytes = m.bytes();
    reg.put("registry.json", bytes.clone());
    reg.put("registry.json.sig", manifest_sig(&bytes, "root", &root));
    Published {
        root_b64: public_b64(&root),
        reg,
        root,
    }
}

#[test]
fn trust_install_list_lock_and_verify_from_a_script() {
    let env = Env::new();
    let p = publish();
    let url = p.reg.url("registry.json");
    let add = format!("/skills-trust-add root={}", p.root_b64);
    let (out, lines) = script(
        &env,
        &["--skill-registry-url", &url, "--require-signed-skills"],
        &[
            &add,
            "/skills-trust-list --json",
            "/skills-install registry:review",
            "/skills-install registry:lint@2.1.0",
            "/skills-list --json",
            "/skills-search style --json",
            "/skills-lock-write",
            "/skills-sync",
            "/skills-verify --json",
        ],
    );
    let text = lines.join("\n");
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    let trust = json_at(&lines, 0);
    assert_eq!(trust["keys"][0]["id"], "root");
    assert!(
        text.contains(&format!(
            "installed review 1.0.0 from {url} (signed by root)"
        )),
        "{text}"
    );
    let list = json_at(&lines, 1);
    let names: Vec<&str> = list["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["lint", "review"]);
    assert_eq!(
        list["skills"][1]["verification"],
        format!("signed by root ({url})")
    );
    let found = json_at(&lines, 2);
    assert_eq!(found[0]["name"], "lint", "{found}");
    assert!(text.contains("2 skills"), "{text}");
    assert!(text.contains("the skills match"), "{text}");
    let verified = json_at(&lines, 3);
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["registry_skills_checked"], 2);
    let lock: Value =
        serde_json::from_slice(&std::fs::read(env.project().join(".pi/skills.lock.json")).unwrap())
            .unwrap();
    assert_eq!(lock["skills"][1]["registry"], url.as_str());
    assert_eq!(lock["skills"][1]["signing_key"], "root");

    // The root is revoked: verify now fails naming the skills and the key.
    let (out, lines) = script(
        &env,
        &["--skill-registry-url", &url],
        &["/skills-trust-revoke root", "/skills-verify"],
    );
    let text = lines.join("\n");
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("revoked root"), "{text}");
    let refusal = lines
        .iter()
        .find(|l| l.contains("review 1.0.0"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(refusal.contains("root"), "{refusal}");
    let _ = p.root;
}

#[test]
fn drift_is_listed_and_prune_previews_before_it_removes() {
    let env = Env::new();
    let skills = env.skills();
    std::fs::write(skills.join("review.md"), skill_md("review", "1.0.0", "r")).unwrap();
    std::fs::write(skills.join("lint.md"), skill_md("lint", "1.0.0", "l")).unwrap();
    let (out, lines) = script(&env, &[], &["/skills-lock-write"]);
    assert!(out.status.success(), "{lines:?}");

    // Change one, remove one, add one.
    std::fs::write(
        skills.join("review.md"),
        skill_md("review", "1.0.0", "changed"),
    )
    .unwrap();
    std::fs::remove_file(skills.join("lint.md")).unwrap();
    std::fs::create_dir_all(skills.join("extra")).unwrap();
    std::fs::write(
        skills.join("extra/SKILL.md"),
        skill_md("extra", "0.1.0", "e"),
    )
    .unwrap();
    let (out, lines) = script(
        &env,
        &[],
        &[
            "/skills-lock-diff --json",
            "/skills-sync",
            "/skills-prune",
            "/skills-prune --apply",
            "/skills-list",
        ],
    );
    let text = lines.join("\n");
    assert!(!out.status.success(), "the sync fails: {text}");
    let diff = json_at(&lines, 0);
    let kinds: Vec<&str> = diff["drifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"changed"), "{diff}");
    assert!(kinds.contains(&"missing"), "{diff}");
    assert!(kinds.contains(&"extra"), "{diff}");
    assert!(text.contains("3 drifts from"), "{text}");
    assert!(text.contains("would remove extra"), "{text}");
    assert!(text.contains("removed extra"), "{text}");
    assert!(!skills.join("extra").exists());
    assert!(skills.join("review.md").exists(), "a locked skill stays");
}

#[test]
fn a_url_install_needs_its_hash_and_a_bad_one_writes_nothing() {
    let env = Env::new();
    let reg = FakeRegistry::start();
    let bytes = skill_md("notes", "1.0.0", "Take notes");
    reg.put("notes.md", bytes.clone());
    let url = reg.url("notes.md");
    let no_hash = format!("/skills-install {url}");
    let wrong = format!("/skills-install {url}#sha256={}", "0".repeat(64));
    let before = env.tree();
    let (out, lines) = script(&env, &[], &[&no_hash, &wrong]);
    let text = format!("{}\n{}", lines.join("\n"), stderr(&out));
    assert!(!out.status.success());
    assert!(text.contains("needs its sha256"), "{text}");
    assert!(text.contains("sha256 mismatch"), "{text}");
    assert_eq!(env.tree(), before, "nothing written");
}

use super::*;
use crate::skills::trust::TrustRoots;
use crate::skills::verify::{self, Acceptance, SigState};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn keygen_writes_a_private_file_once_and_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/team.key");
    let public = keygen(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("keys")), 0o700);
    let key = load_signing_key(&path).unwrap();
    assert_eq!(signing::encode_public_key(&key.verifying_key()), public);
    assert_ne!(
        keygen(&dir.path().join("other.key")).unwrap(),
        public,
        "random"
    );
    let before = std::fs::read(&path).unwrap();
    let e = keygen(&path).unwrap_err().to_string();
    assert!(e.contains("already exists"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let text = String::from_utf8(before).unwrap();
    let damaged = text.replace(&public, &keygen(&dir.path().join("x.key")).unwrap());
    std::fs::write(&path, damaged).unwrap();
    assert!(
        load_signing_key(&path)
            .unwrap_err()
            .to_string()
            .contains("damaged")
    );
    std::fs::write(&path, "{}").unwrap();
    assert!(
        load_signing_key(&path)
            .unwrap_err()
            .to_string()
            .contains("not a private key file")
    );
}

struct Registry {
    _dir: tempfile::TempDir,
    manifest: PathBuf,
    root_key: PathBuf,
    ci_key: PathBuf,
    root_public: String,
}

fn registry(skills_json: &str) -> Registry {
    let dir = tempfile::tempdir().unwrap();
    let root_key = dir.path().join("root.key");
    let ci_key = dir.path().join("ci.key");
    let root_public = keygen(&root_key).unwrap();
    let ci_public = keygen(&ci_key).unwrap();
    std::fs::create_dir_all(dir.path().join("reg/skills")).unwrap();
    std::fs::write(dir.path().join("reg/skills/review.md"), "# Review\n").unwrap();
    std::fs::write(dir.path().join("reg/skills/lint.md"), "# Lint\n").unwrap();
    let manifest = dir.path().join("reg/registry.json");
    let text = format!(
        r#"{{"skills": [{skills_json}], "version": 1, "mirror": "https://m.test",
  "keys": [{{"public_key": "{root_public}", "id": "root"}},
           {{"id": "ci", "public_key": "{ci_public}", "signed_by": "root", "expires_unix": 1900000000, "note": "CI"}}]}}"#
    );
    std::fs::write(&manifest, text).unwrap();
    std::fs::set_permissions(&manifest, std::fs::Permissions::from_mode(0o644)).unwrap();
    Registry {
        _dir: dir,
        manifest,
        root_key,
        ci_key,
        root_public,
    }
}

const SKILLS: &str = r#"{"name": "review", "version": "1.2.0", "url": "skills/review.md", "signing_key": "ci", "x-tags": ["a"]},
  {"name": "lint", "version": "0.1.0", "url": "./skills/lint.md"},
  {"name": "remote", "version": "2.0.0", "url": "https://cdn.test/r.zip", "signing_key": "ci",
   "sha256": "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"}"#;

#[test]
fn a_registry_signed_in_two_runs_verifies_with_the_root_alone() {
    let r = registry(SKILLS);
    let first = sign_registry(&r.manifest, &r.root_key, "root").unwrap();
    assert_eq!(first.keys_certified, ["ci"]);
    assert!(first.skills_signed.is_empty());
    assert_eq!(first.pending, ["review 1.2.0", "remote 2.0.0"]);
    let second = sign_registry(&r.manifest, &r.ci_key, "ci").unwrap();
    assert_eq!(second.skills_signed, ["review 1.2.0", "remote 2.0.0"]);
    assert!(second.pending.is_empty());
    assert!(second.summary("ci").contains("2 skill(s)"));
    assert_eq!(
        mode(&r.manifest),
        0o644,
        "the published file keeps its mode"
    );

    let bytes = std::fs::read(&r.manifest).unwrap();
    let sig = std::fs::read(sig_path_of(&r.manifest)).unwrap();
    let mut roots = TrustRoots::new();
    roots
        .insert("root", signing::decode_public_key(&r.root_public).unwrap())
        .unwrap();
    let reg = verify::verify_registry(&bytes, Some(&sig), &roots, 1_800_000_000, true).unwrap();
    assert_eq!(reg.signature, SigState::Valid { key: "ci".into() });
    let review = reg.select("review").unwrap();
    assert_eq!(review.acceptance, Acceptance::Signed { key: "ci".into() });
    assert!(signing::sha256_matches(&review.skill.sha256, b"# Review\n"));
    assert_eq!(
        reg.select("remote").unwrap().skill.sha256,
        signing::sha256_hex(b"abc")
    );
    assert!(
        reg.select("lint")
            .unwrap_err()
            .to_string()
            .contains("unsigned")
    );
    assert!(signing::sha256_matches(
        &reg.manifest.skills[1].sha256,
        b"# Lint\n"
    ));

    // Unknown fields survive, in the contract's order with the rest after.
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("\"mirror\": \"https://m.test\""), "{text}");
    assert!(
        text.contains("\"note\": \"CI\"") && text.contains("\"x-tags\""),
        "{text}"
    );
    let at = |s: &str| text.find(s).unwrap();
    assert!(at("\"version\": 1") < at("\"keys\"") && at("\"keys\"") < at("\"skills\""));
    assert!(at("\"id\": \"root\"") < at(&format!("\"public_key\": \"{}\"", r.root_public)));
    assert!(text.ends_with("}\n"));

    // Signing again is stable: the same bytes.
    sign_registry(&r.manifest, &r.ci_key, "ci").unwrap();
    assert_eq!(std::fs::read_to_string(&r.manifest).unwrap(), text);
}

#[test]
fn a_changed_artifact_is_rehashed_on_the_next_run() {
    let r = registry(SKILLS);
    sign_registry(&r.manifest, &r.root_key, "root").unwrap();
    sign_registry(&r.manifest, &r.ci_key, "ci").unwrap();
    let review = r.manifest.parent().unwrap().join("skills/review.md");
    std::fs::write(&review, "# Review v2\n").unwrap();
    sign_registry(&r.manifest, &r.ci_key, "ci").unwrap();
    let m = manifest::parse(&std::fs::read(&r.manifest).unwrap()).unwrap();
    assert_eq!(m.skills[0].sha256, signing::sha256_hex(b"# Review v2\n"));
}

#[test]
fn unsafe_artifact_paths_wrong_keys_and_remote_without_hash_write_nothing() {
    let cases = [
        (
            r#"{"name": "a", "version": "1", "url": "../outside.md", "signing_key": "ci"}"#,
            "'..'",
        ),
        (
            r#"{"name": "a", "version": "1", "url": "/etc/passwd", "signing_key": "ci"}"#,
            "absolute path",
        ),
        (
            r#"{"name": "a", "version": "1", "url": "file:///etc/passwd", "signing_key": "ci"}"#,
            "sha256",
        ),
        (
            r#"{"name": "a", "version": "1", "url": "https://x.test/a.md", "signing_key": "ci"}"#,
            "remote artifact needs its sha256",
        ),
        (
            r#"{"name": "a", "version": "1", "url": "skills/missing.md", "signing_key": "ci"}"#,
            "cannot read its artifact",
        ),
        (
            r#"{"name": 5, "version": "1", "url": "x"}"#,
            "skills[0].name",
        ),
    ];
    for (skill, expected) in cases {
        let r = registry(skill);
        let before = std::fs::read(&r.manifest).unwrap();
        let e = sign_registry(&r.manifest, &r.ci_key, "ci")
            .unwrap_err()
            .to_string();
        assert!(e.contains(expected), "{skill}: {e}");
        assert_eq!(std::fs::read(&r.manifest).unwrap(), before);
        assert!(!sig_path_of(&r.manifest).exists());
    }
    let r = registry(SKILLS);
    let e = sign_registry(&r.manifest, &r.ci_key, "root")
        .unwrap_err()
        .to_string();
    assert!(e.contains("key root is listed with public key"), "{e}");
}

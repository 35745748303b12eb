use super::*;
use std::os::unix::fs::PermissionsExt as _;

fn key(seed: u8) -> VerifyingKey {
    use sha2::Digest as _;
    ed25519_dalek::SigningKey::from_bytes(&sha2::Sha256::digest([seed, 7]).into()).verifying_key()
}

fn b64(seed: u8) -> String {
    signing::encode_public_key(&key(seed))
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_missing_file_is_empty_and_a_bad_one_is_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trust.json");
    assert_eq!(load(&path).unwrap(), TrustFile::default());
    std::fs::write(&path, "{\"version\": 1,\n \"keys\": [{\"id\": \"a\"}]}").unwrap();
    let e = load(&path).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("trust root file {}:", path.display())),
        "{e}"
    );
    assert!(e.contains("keys[0]") && e.contains("line 2"), "{e}");
    assert!(!e.contains('\n'));
    std::fs::write(&path, r#"{"version": 2, "keys": []}"#).unwrap();
    assert!(load(&path).unwrap_err().to_string().contains("version 2"));
    let bad_key = r#"{"version": 1, "keys": [{"id": "a", "public_key": "AAAA", "added_unix": 0}]}"#;
    std::fs::write(&path, bad_key).unwrap();
    assert!(
        load(&path)
            .unwrap_err()
            .to_string()
            .contains("keys[0] (a): the public key is 3 bytes")
    );
}

#[test]
fn add_revoke_rotate_write_atomically_private_and_keep_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conf/pi/skill-trust.json");
    assert_eq!(update(&path, |f| f.add("team", &key(1), 100)), Ok(true));
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("conf/pi")), 0o700);
    assert_eq!(
        update(&path, |f| f.add("team", &key(1), 200)),
        Ok(false),
        "idempotent"
    );
    let e = update(&path, |f| f.add("team", &key(2), 200))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("already trusted with another public key; use --skill-trust-rotate"),
        "{e}"
    );

    update(&path, |f| f.rotate("team", "team-2", &key(2), 300)).unwrap();
    let file = load(&path).unwrap();
    let old = file.get("team").unwrap();
    assert!(old.revoked);
    assert_eq!(old.revoked_unix, Some(300));
    assert_eq!(old.added_unix, 100);
    let new = file.get("team-2").unwrap();
    assert_eq!(
        (new.rotated_from.as_deref(), new.revoked),
        (Some("team"), false)
    );
    assert_eq!(new.public_key, b64(2));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"rotated_from\": \"team\""), "{text}");

    // Revoked ids and keys are not reused.
    let e = update(&path, |f| f.add("team", &key(3), 400))
        .unwrap_err()
        .to_string();
    assert!(e.contains("key team was revoked"), "{e}");
    let e = update(&path, |f| f.add("other", &key(1), 400))
        .unwrap_err()
        .to_string();
    assert!(e.contains("was revoked (as team)"), "{e}");
    assert_eq!(update(&path, |f| f.revoke("team-2", 500)), Ok(true));
    assert_eq!(update(&path, |f| f.revoke("team-2", 600)), Ok(false));
    assert_eq!(
        load(&path).unwrap().get("team-2").unwrap().revoked_unix,
        Some(500)
    );
    assert!(update(&path, |f| f.revoke("ghost", 1)).is_err());
}

#[test]
fn a_refused_change_writes_nothing_and_leaves_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trust.json");
    update(&path, |f| f.add("a", &key(1), 1)).unwrap();
    let before = std::fs::read(&path).unwrap();
    assert!(
        update(&path, |f| f.rotate("a", "b", &key(1), 2)).is_err(),
        "same key"
    );
    assert!(update(&path, |f| f.rotate("ghost", "b", &key(2), 2)).is_err());
    assert!(
        update(&path, |f| f.rotate("a", "a", &key(2), 2)).is_err(),
        "new id taken"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["trust.json"]);
}

#[test]
fn cli_forms_parse_with_clear_errors() {
    let (id, k) = parse_id_key(&format!(" team={} ", b64(1))).unwrap();
    assert_eq!((id.as_str(), k), ("team", key(1)));
    assert!(parse_id_key("team").unwrap_err().contains("is not ID=KEY"));
    assert!(
        parse_id_key(&format!("={}", b64(1)))
            .unwrap_err()
            .contains("key id is empty")
    );
    assert!(
        parse_id_key("team=abc")
            .unwrap_err()
            .contains("key team: the public key is not base64")
    );
    let (old, new, k) = parse_rotation(&format!("team:team-2={}", b64(2))).unwrap();
    assert_eq!((old.as_str(), new.as_str(), k), ("team", "team-2", key(2)));
    assert!(
        parse_rotation(&format!("team={}", b64(2)))
            .unwrap_err()
            .contains("is not OLD:NEW=KEY")
    );
    assert!(
        parse_rotation("team:team-2")
            .unwrap_err()
            .contains("is not OLD:NEW=KEY")
    );
    assert!(
        parse_rotation(&format!(":b={}", b64(2)))
            .unwrap_err()
            .contains("old id")
    );
}

#[test]
fn apply_runs_the_flag_forms_and_says_what_it_did() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    let add = TrustChange::Add(format!("team={}", b64(1)));
    let line = apply(&path, &add, 0).unwrap();
    assert!(
        line.starts_with(&format!("trusted team ({})", b64(1))),
        "{line}"
    );
    assert!(apply(&path, &add, 5).unwrap().contains("already trusted"));
    let rotate = TrustChange::Rotate(format!("team:team-2={}", b64(2)));
    assert!(
        apply(&path, &rotate, 86_400)
            .unwrap()
            .starts_with("revoked team, trusted team-2")
    );
    let file = load(&path).unwrap();
    assert_eq!(
        file.get("team").unwrap().describe(),
        format!(
            "team {} added 1970-01-01T00:00:00Z, REVOKED 1970-01-02T00:00:00Z",
            b64(1)
        )
    );
    assert!(
        file.get("team-2")
            .unwrap()
            .describe()
            .ends_with("rotated from team")
    );
    let e = apply(&path, &TrustChange::Add("nokey".into()), 0)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("trust root file") && e.contains("is not ID=KEY"),
        "{e}"
    );
    assert!(
        apply(&path, &TrustChange::Revoke("team-2".into()), 0)
            .unwrap()
            .starts_with("revoked team-2")
    );
}

//! Skills tests: the trust root file through the binary's flags (`--skill-trust-add`,
//! `--skill-trust-revoke`, `--skill-trust-rotate`, `--skill-trust-root`) and the publishing
//! flags' refusals; keys made at test time. The installs they gate are in registry.rs.

use std::os::unix::fs::PermissionsExt as _;

use serde_json::Value;

use super::install::{Env, assert_refused, stderr, stdout};
use crate::support::fake_registry::{public_b64, test_key};

fn trust_file(env: &Env) -> Value {
    serde_json::from_str(&std::fs::read_to_string(env.trust_file()).unwrap()).unwrap()
}

#[test]
fn add_revoke_and_rotate_keep_a_private_record_in_the_trust_file() {
    let env = Env::new();
    let (team, next) = (public_b64(&test_key("team")), public_b64(&test_key("next")));
    let out = env.pi(&[&format!("--skill-trust-add=team={team}")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("trusted team ({team})")),
        "{}",
        stdout(&out)
    );
    let mode = std::fs::metadata(env.trust_file())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    let out = env.pi(&[&format!("--skill-trust-rotate=team:team-2={next}")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = trust_file(&env);
    assert_eq!(file["version"], 1);
    let keys = file["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(
        (keys[0]["id"].as_str(), keys[0]["revoked"].as_bool()),
        (Some("team"), Some(true))
    );
    assert!(keys[0]["revoked_unix"].as_i64().is_some());
    assert_eq!(keys[1]["rotated_from"], "team");
    assert_eq!(keys[1]["public_key"], next.as_str());

    // The revoked id and key cannot come back; nothing changes on a refusal.
    let before = std::fs::read(env.trust_file()).unwrap();
    assert_refused(
        &env.pi(&[&format!("--skill-trust-add=team={next}")]),
        &["team", "revoked"],
    );
    assert_refused(
        &env.pi(&[&format!("--skill-trust-add=again={team}")]),
        &["revoked", "team"],
    );
    assert_eq!(std::fs::read(env.trust_file()).unwrap(), before);

    let out = env.pi(&["--skill-trust-revoke", "team-2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(trust_file(&env)["keys"][1]["revoked"], true);
    assert_refused(
        &env.pi(&["--skill-trust-revoke", "ghost"]),
        &["no key ghost"],
    );
}

#[test]
fn bad_trust_forms_and_a_damaged_trust_file_are_one_line_errors() {
    let env = Env::new();
    assert_refused(&env.pi(&["--skill-trust-add=team"]), &["is not ID=KEY"]);
    assert_refused(
        &env.pi(&["--skill-trust-add=team=bm90IGEga2V5"]),
        &["key team", "bytes"],
    );
    assert_refused(
        &env.pi(&["--skill-trust-rotate=a=b"]),
        &["is not OLD:NEW=KEY"],
    );
    assert!(!env.trust_file().exists(), "nothing written");
    std::fs::write(env.trust_file(), "{\"version\": 1, \"keys\": [}").unwrap();
    let key = public_b64(&test_key("k"));
    let out = env.pi(&[&format!("--skill-trust-add=k={key}")]);
    assert_refused(&out, &["trust root file", "trust.json", "line 1"]);
    assert_eq!(stderr(&out).trim().lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn keygen_never_overwrites_and_signing_with_a_mismatched_key_writes_nothing() {
    let env = Env::new();
    let key = env.dir.path().join("team.key");
    let key_arg = key.to_str().unwrap();
    let out = env.pi(&["--skill-keygen", key_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let public = stdout(&out).trim().rsplit(' ').next().unwrap().to_owned();
    assert_eq!(public.len(), 44, "{}", stdout(&out));
    let before = std::fs::read(&key).unwrap();
    assert_refused(&env.pi(&["--skill-keygen", key_arg]), &["already exists"]);
    assert_eq!(std::fs::read(&key).unwrap(), before);

    let manifest = env.dir.path().join("registry.json");
    let other = public_b64(&test_key("other"));
    let text = format!(r#"{{"version": 1, "keys": [{{"id": "team", "public_key": "{other}"}}]}}"#);
    std::fs::write(&manifest, &text).unwrap();
    let out = env.pi(&[
        "--skill-sign-registry",
        manifest.to_str().unwrap(),
        "--skill-signing-key",
        key_arg,
        "--skill-signing-key-id",
        "team",
    ]);
    assert_refused(&out, &["key team is listed with public key"]);
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), text);
    assert!(!env.dir.path().join("registry.json.sig").exists());
}

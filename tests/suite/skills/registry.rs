//! Skills tests: installs from a signed registry served by `support::fake_registry`, keys
//! made at test time: a valid chain, tampering (artifact, manifest with and without `.sig`),
//! wrong, expired and revoked keys, a revoked skill, broken chains and cycles, rotation of a
//! trust root, the manifest pin, the cache (ETag, offline hit and miss).

use ed25519_dalek::SigningKey;
use serde_json::json;

use super::install::{Env, assert_refused, stderr, stdout};
use crate::support::fake_registry::{
    FakeRegistry, ManifestBuilder, manifest_sig, public_b64, sha256_hex, test_key,
};

fn skill_md(name: &str, version: &str) -> Vec<u8> {
    format!("---\nname: {name}\ndescription: {name} {version}\nversion: {version}\n---\nDo it.\n")
        .into_bytes()
}

/// A team: a root key (the users' trust root) and a CI key the root certifies.
struct Team {
    reg: FakeRegistry,
    root: SigningKey,
    ci: SigningKey,
}

impl Team {
    fn new() -> Team {
        Team {
            reg: FakeRegistry::start(),
            root: test_key("root"),
            ci: test_key("ci"),
        }
    }

    /// The manifest's keys: root, and ci certified by root (expiring in a year).
    fn keys(&self) -> ManifestBuilder {
        ManifestBuilder::new()
            .key("root", &self.root, None, None)
            .key(
                "ci",
                &self.ci,
                Some(("root", &self.root)),
                Some(4_102_444_800),
            )
    }

    /// Serves `name version` at `skills/NAME-VERSION.md` and returns the artifact's bytes.
    fn artifact(&self, name: &str, version: &str) -> (String, Vec<u8>) {
        let path = format!("skills/{name}-{version}.md");
        let bytes = skill_md(name, version);
        self.reg.put(&path, bytes.clone());
        (path, bytes)
    }

    /// Adds `name version` signed by ci to `m`.
    fn signed(&self, m: ManifestBuilder, name: &str, version: &str) -> ManifestBuilder {
        let (path, bytes) = self.artifact(name, version);
        m.skill(name, version, &path, &bytes, Some(("ci", &self.ci)))
    }

    /// Serves the manifest, with a `.sig` by `sig` when given; returns its bytes.
    fn publish(&self, m: &ManifestBuilder, sig: Option<(&str, &SigningKey)>) -> Vec<u8> {
        let bytes = m.bytes();
        self.reg.put("registry.json", bytes.clone());
        match sig {
            Some((id, k)) => self
                .reg
                .put("registry.json.sig", manifest_sig(&bytes, id, k)),
            None => self.reg.remove("registry.json.sig"),
        }
        bytes
    }

    fn root_flag(&self) -> String {
        format!("root={}", public_b64(&self.root))
    }

    /// `pi --install-skill-from-registry SPEC` trusting the root by flag.
    fn install(&self, env: &Env, spec: &str, extra: &[&str]) -> std::process::Output {
        let url = self.reg.url("registry.json");
        let root = self.root_flag();
        let mut args = vec![
            "--skill-trust-root",
            &root,
            "--skill-registry-url",
            &url,
            "--install-skill-from-registry",
            spec,
        ];
        args.extend_from_slice(extra);
        env.pi(&args)
    }
}

#[test]
fn a_valid_chain_installs_the_newest_version_or_the_one_asked_for() {
    let env = Env::new();
    let team = Team::new();
    let m = team.signed(
        team.signed(team.keys(), "review", "1.9.0"),
        "review",
        "1.10.0",
    );
    team.publish(&m, Some(("ci", &team.ci)));
    // The trust root goes in the trust file through the CLI.
    let add = format!("--skill-trust-add=root={}", public_b64(&team.root));
    let out = env.pi(&[&add]);
    assert!(
        stdout(&out).starts_with("trusted root ("),
        "{}",
        stderr(&out)
    );
    let url = team.reg.url("registry.json");
    let args = ["--skill-registry-url", &url, "--require-signed-skills"];
    let out = env.pi(&[&args[..], &["--install-skill-from-registry", "review"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("installed review 1.10.0 from {url} (signed by ci)\n")
    );
    assert_eq!(
        std::fs::read(env.skills().join("review.md")).unwrap(),
        skill_md("review", "1.10.0")
    );
    let rec = env.record("review");
    assert_eq!(rec["source"], "registry");
    assert_eq!(rec["registry"], url.as_str());
    assert_eq!(rec["signing_key"], "ci");
    assert_eq!(rec["version"], "1.10.0");
    assert_eq!(
        rec["source_url"],
        team.reg.url("skills/review-1.10.0.md").as_str()
    );
    assert_eq!(
        rec["sha256"],
        sha256_hex(&skill_md("review", "1.10.0")).as_str()
    );

    let out = env.pi(&[
        &args[..],
        &["--install-skill-from-registry", "review@1.9.0"],
    ]
    .concat());
    assert!(
        stdout(&out).starts_with("installed review 1.9.0 "),
        "{}",
        stderr(&out)
    );
    // The second run asked with the manifest's ETag and was told nothing changed.
    let manifest_gets = team.reg.requests_for("registry.json");
    assert_eq!(manifest_gets.len(), 2);
    assert!(manifest_gets[1].if_none_match.is_some());
    assert_eq!(manifest_gets[1].status, 304);
}

#[test]
fn a_tampered_artifact_is_refused_and_nothing_is_written() {
    let env = Env::new();
    let team = Team::new();
    let m = team.signed(team.keys(), "review", "1.0.0");
    team.publish(&m, Some(("ci", &team.ci)));
    team.reg.put(
        "skills/review-1.0.0.md",
        b"---\nname: review\n---\nevil\n".to_vec(),
    );
    let before = env.tree();
    let out = team.install(&env, "review", &[]);
    assert_refused(
        &out,
        &["sha256 mismatch", "review 1.0.0", "nothing installed"],
    );
    assert_eq!(env.tree(), before);
}

#[test]
fn a_tampered_manifest_is_refused_with_and_without_its_sig() {
    let env = Env::new();
    let team = Team::new();
    let m = team.signed(team.keys(), "review", "1.0.0");
    let bytes = team.publish(&m, Some(("ci", &team.ci)));
    // Changed after the .sig was made.
    let mut changed = bytes.clone();
    changed.extend_from_slice(b"\n");
    team.reg.put("registry.json", changed);
    let out = team.install(&env, "review", &[]);
    assert_refused(
        &out,
        &[
            "registry manifest refused",
            "key ci",
            "changed after signing",
        ],
    );
    // No .sig at all: refused only with --require-signed-skills.
    team.reg.remove("registry.json.sig");
    let out = team.install(&env, "review", &["--require-signed-skills"]);
    assert_refused(&out, &["no registry.json.sig", "--require-signed-skills"]);
    // Without it, a changed entry still fails its own signature.
    let m = team
        .signed(team.keys(), "review", "1.0.0")
        .edit_last_skill("url", json!("skills/other.md"));
    team.publish(&m, None);
    let out = team.install(&env, "review", &[]);
    assert_refused(&out, &["refused review 1.0.0", "signature by key ci fails"]);
    assert!(env.tree().is_empty());
}

#[test]
fn wrong_expired_and_revoked_keys_are_refused_naming_skill_and_key() {
    let env = Env::new();
    let team = Team::new();
    let other = test_key("other");
    let (path, bytes) = team.artifact("review", "1.0.0");
    // Signed by another key than the one it names.
    let m = team
        .keys()
        .skill("review", "1.0.0", &path, &bytes, Some(("ci", &other)));
    team.publish(&m, None);
    assert_refused(
        &team.install(&env, "review", &[]),
        &["refused review 1.0.0", "key ci fails"],
    );
    // ci expired (its expiry is part of what root signed).
    let m = ManifestBuilder::new()
        .key("root", &team.root, None, None)
        .key("ci", &team.ci, Some(("root", &team.root)), Some(1_000))
        .skill("review", "1.0.0", &path, &bytes, Some(("ci", &team.ci)));
    team.publish(&m, None);
    assert_refused(
        &team.install(&env, "review", &[]),
        &["refused review 1.0.0", "key ci", "expired"],
    );
    // ci revoked by the registry.
    let m = team.keys().edit_last_key("revoked", json!(true)).skill(
        "review",
        "1.0.0",
        &path,
        &bytes,
        Some(("ci", &team.ci)),
    );
    team.publish(&m, None);
    assert_refused(
        &team.install(&env, "review", &[]),
        &["refused review 1.0.0", "key ci", "revoked"],
    );
    assert!(env.tree().is_empty());
}

#[test]
fn a_revoked_skill_is_refused_and_the_newest_accepted_one_chosen() {
    let env = Env::new();
    let team = Team::new();
    let m = team.signed(team.keys(), "review", "1.0.0");
    let m = team
        .signed(m, "review", "2.0.0")
        .edit_last_skill("revoked", json!(true));
    team.publish(&m, Some(("ci", &team.ci)));
    let out = team.install(&env, "review@2.0.0", &[]);
    assert_refused(&out, &["refused review 2.0.0", "revoked", "key ci"]);
    let out = team.install(&env, "review", &[]);
    assert!(
        stdout(&out).starts_with("installed review 1.0.0 "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn broken_chains_and_cycles_are_refused() {
    let env = Env::new();
    let team = Team::new();
    let (path, bytes) = team.artifact("review", "1.0.0");
    let middle = test_key("middle");
    // ci names a certifier the manifest does not list.
    let m = ManifestBuilder::new()
        .key("ci", &team.ci, Some(("middle", &middle)), None)
        .skill("review", "1.0.0", &path, &bytes, Some(("ci", &team.ci)));
    team.publish(&m, None);
    assert_refused(
        &team.install(&env, "review", &[]),
        &["refused review 1.0.0", "key ci"],
    );
    // a certifies b and b certifies a; neither is a root.
    let a = test_key("a");
    let b = test_key("b");
    let m = ManifestBuilder::new()
        .key("a", &a, Some(("b", &b)), None)
        .key("b", &b, Some(("a", &a)), None)
        .skill("review", "1.0.0", &path, &bytes, Some(("a", &a)));
    team.publish(&m, None);
    assert_refused(
        &team.install(&env, "review", &[]),
        &["refused review 1.0.0", "key a", "cycle"],
    );
}

#[test]
fn after_a_rotation_the_new_key_installs_and_the_old_is_refused() {
    let env = Env::new();
    let team = Team::new();
    let new = test_key("new");
    let out = env.pi(&[&format!("--skill-trust-add=old={}", public_b64(&team.root))]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.pi(&[&format!(
        "--skill-trust-rotate=old:new={}",
        public_b64(&new)
    )]);
    assert!(
        stdout(&out).starts_with("revoked old, trusted new"),
        "{}",
        stderr(&out)
    );
    let trust: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.trust_file()).unwrap()).unwrap();
    assert_eq!(trust["keys"][1]["rotated_from"], "old");
    let url = team.reg.url("registry.json");
    let (path, bytes) = team.artifact("review", "1.0.0");
    let install = || {
        env.pi(&[
            "--skill-registry-url",
            &url,
            "--require-signed-skills",
            "--install-skill-from-registry",
            "review",
        ])
    };
    let by_old =
        ManifestBuilder::new().skill("review", "1.0.0", &path, &bytes, Some(("old", &team.root)));
    team.publish(&by_old, Some(("old", &team.root)));
    assert_refused(&install(), &["registry manifest refused", "key old"]);
    let by_new =
        ManifestBuilder::new().skill("review", "1.0.0", &path, &bytes, Some(("new", &new)));
    team.publish(&by_new, Some(("new", &new)));
    let out = install();
    assert!(
        stdout(&out).ends_with("(signed by new)\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn offline_installs_come_from_the_cache_and_a_miss_says_so() {
    let env = Env::new();
    let team = Team::new();
    let m = team.signed(team.keys(), "review", "1.0.0");
    let manifest = team.publish(&m, Some(("ci", &team.ci)));
    let out = team.install(&env, "review", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::remove_file(env.skills().join("review.md")).unwrap();
    let requests = team.reg.log().len();
    let out = team.install(
        &env,
        "review",
        &["--skills-offline", "--require-signed-skills"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        team.reg.log().len(),
        requests,
        "offline never touches the network"
    );
    assert!(env.skills().join("review.md").exists());

    // A fresh cache has nothing.
    let fresh = Env::new();
    let out = team.install(&fresh, "review", &["--skills-offline"]);
    assert_refused(
        &out,
        &[
            "not in the skills cache",
            "run once without --skills-offline",
        ],
    );
    // A pinned manifest must have exactly the pinned bytes.
    let pin = sha256_hex(b"another manifest");
    let out = team.install(&fresh, "review", &["--skill-registry-sha256", &pin]);
    assert_refused(&out, &["refused", &pin, &sha256_hex(&manifest)]);
    let pin = sha256_hex(&manifest);
    let out = team.install(&fresh, "review", &["--skill-registry-sha256", &pin]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_registry_published_with_pi_itself_installs_signed() {
    let env = Env::new();
    let reg = FakeRegistry::start();
    let dir = env.dir.path().join("publish");
    std::fs::create_dir_all(dir.join("skills")).unwrap();
    let keygen = |name: &str| {
        let out = env.pi(&["--skill-keygen", dir.join(name).to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        text.trim()
            .rsplit("public key: ")
            .next()
            .unwrap()
            .to_string()
    };
    let (root, ci) = (keygen("root.key"), keygen("ci.key"));
    let artifact = skill_md("review", "1.2.0");
    std::fs::write(dir.join("skills/review.md"), &artifact).unwrap();
    let draft = json!({"version": 1,
        "keys": [{"id": "root", "public_key": root}, {"id": "ci", "public_key": ci, "signed_by": "root"}],
        "skills": [{"name": "review", "version": "1.2.0", "url": "skills/review.md", "signing_key": "ci"}]});
    let manifest = dir.join("registry.json");
    std::fs::write(&manifest, serde_json::to_vec(&draft).unwrap()).unwrap();
    for id in ["root", "ci"] {
        let key = dir.join(format!("{id}.key"));
        let out = env.pi(&[
            "--skill-sign-registry",
            manifest.to_str().unwrap(),
            "--skill-signing-key",
            key.to_str().unwrap(),
            "--skill-signing-key-id",
            id,
        ]);
        assert!(
            stdout(&out).starts_with(&format!("signed with {id}")),
            "{}",
            stderr(&out)
        );
    }
    reg.put("registry.json", std::fs::read(&manifest).unwrap());
    reg.put(
        "registry.json.sig",
        std::fs::read(dir.join("registry.json.sig")).unwrap(),
    );
    reg.put("skills/review.md", artifact.clone());
    let url = reg.url("registry.json");
    let out = env.pi(&[
        "--skill-trust-root",
        &format!("root={root}"),
        "--skill-registry-url",
        &url,
        "--require-signed-skills",
        "--install-skill-from-registry",
        "review",
    ]);
    assert_eq!(
        stdout(&out),
        format!("installed review 1.2.0 from {url} (signed by ci)\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(env.skills().join("review.md")).unwrap(),
        artifact
    );
}

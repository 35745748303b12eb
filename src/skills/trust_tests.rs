use super::*;
use crate::skills::manifest::{Manifest, ManifestKey, ManifestSkill};
use ed25519_dalek::SigningKey;

pub(crate) const NOW: i64 = 1_800_000_000;

/// A fresh key, random at test time.
pub(crate) fn new_key() -> SigningKey {
    let a = uuid::Uuid::new_v4();
    let b = uuid::Uuid::new_v4();
    let seed = sha2::Sha256::digest([a.as_bytes().as_slice(), b.as_bytes()].concat());
    SigningKey::from_bytes(&seed.into())
}

use sha2::Digest as _;

pub(crate) fn b64(k: &SigningKey) -> String {
    signing::encode_public_key(&k.verifying_key())
}

pub(crate) fn listed(id: &str, k: &SigningKey) -> ManifestKey {
    ManifestKey {
        id: id.into(),
        public_key: b64(k),
        signed_by: None,
        signature: None,
        revoked: false,
        expires_unix: None,
    }
}

pub(crate) fn certified(id: &str, k: &SigningKey, by: &str, by_key: &SigningKey) -> ManifestKey {
    certified_until(id, k, by, by_key, None)
}

pub(crate) fn certified_until(
    id: &str,
    k: &SigningKey,
    by: &str,
    by_key: &SigningKey,
    expires: Option<i64>,
) -> ManifestKey {
    let public_key = b64(k);
    let msg = signing::key_message(id, &public_key, expires);
    ManifestKey {
        id: id.into(),
        public_key,
        signed_by: Some(by.into()),
        signature: Some(signing::sign(by_key, &msg)),
        revoked: false,
        expires_unix: expires,
    }
}

pub(crate) fn signed_skill(name: &str, key_id: &str, k: &SigningKey) -> ManifestSkill {
    let sha256 = signing::sha256_hex(name.as_bytes());
    let url = format!("skills/{name}.md");
    let msg = signing::skill_message(name, "1.0.0", &url, &sha256);
    ManifestSkill {
        name: name.into(),
        version: "1.0.0".into(),
        url,
        sha256,
        description: None,
        signing_key: Some(key_id.into()),
        signature: Some(signing::sign(k, &msg)),
        revoked: false,
        expires_unix: None,
    }
}

pub(crate) fn unsigned_skill(name: &str) -> ManifestSkill {
    ManifestSkill {
        signing_key: None,
        signature: None,
        ..signed_skill(name, "x", &new_key())
    }
}

pub(crate) fn manifest(keys: Vec<ManifestKey>, skills: Vec<ManifestSkill>) -> Manifest {
    Manifest {
        version: 1,
        keys,
        skills,
    }
}

pub(crate) fn roots(entries: &[(&str, &SigningKey)]) -> TrustRoots {
    let mut r = TrustRoots::new();
    for (id, k) in entries {
        r.insert(id, k.verifying_key()).unwrap();
    }
    r
}

pub(crate) fn verdict(m: &Manifest, r: &TrustRoots, i: usize) -> SkillVerdict {
    let keys = evaluate_keys(m, r, NOW);
    evaluate_skill(&m.skills[i], &keys, NOW)
}

pub(crate) fn refusal(v: SkillVerdict) -> String {
    match v {
        SkillVerdict::Refused(r) => {
            let line = r.to_string();
            assert!(!line.contains('\n'), "{line}");
            line
        }
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn a_chain_root_intermediate_skill_is_accepted() {
    let (root, mid, ci) = (new_key(), new_key(), new_key());
    let m = manifest(
        vec![
            listed("root", &root),
            certified("mid", &mid, "root", &root),
            certified_until("ci", &ci, "mid", &mid, Some(NOW + 10)),
        ],
        vec![
            signed_skill("review", "ci", &ci),
            signed_skill("direct", "root", &root),
        ],
    );
    let r = roots(&[("root", &root)]);
    let keys = evaluate_keys(&m, &r, NOW);
    assert_eq!(keys.status("root"), Some(&KeyTrust::Root));
    assert_eq!(
        keys.status("mid"),
        Some(&KeyTrust::Certified { by: "root".into() })
    );
    assert_eq!(
        keys.status("ci"),
        Some(&KeyTrust::Certified { by: "mid".into() })
    );
    assert_eq!(
        verdict(&m, &r, 0),
        SkillVerdict::Accepted { key: "ci".into() }
    );
    assert_eq!(
        verdict(&m, &r, 1),
        SkillVerdict::Accepted { key: "root".into() }
    );
}

#[test]
fn a_root_not_listed_in_the_manifest_still_signs_and_certifies() {
    let (root, ci) = (new_key(), new_key());
    let m = manifest(
        vec![certified("ci", &ci, "team", &root)],
        vec![
            signed_skill("a", "team", &root),
            signed_skill("b", "ci", &ci),
        ],
    );
    let r = roots(&[("team", &root)]);
    assert_eq!(
        verdict(&m, &r, 0),
        SkillVerdict::Accepted { key: "team".into() }
    );
    assert_eq!(
        verdict(&m, &r, 1),
        SkillVerdict::Accepted { key: "ci".into() }
    );
}

#[test]
fn a_listed_key_is_not_a_root_and_without_roots_nothing_is_trusted() {
    let (root, ci) = (new_key(), new_key());
    let m = manifest(
        vec![listed("root", &root), certified("ci", &ci, "root", &root)],
        vec![
            signed_skill("a", "root", &root),
            signed_skill("b", "ci", &ci),
        ],
    );
    let none = TrustRoots::new();
    let e = refusal(verdict(&m, &none, 0));
    assert!(
        e.contains("refused a 1.0.0: key root is not a trust root"),
        "{e}"
    );
    let e = refusal(verdict(&m, &none, 1));
    assert!(
        e.contains("key ci is certified by root, which is not a trust root"),
        "{e}"
    );
}

#[test]
fn a_changed_entry_or_wrong_key_fails_its_signature() {
    let (root, other) = (new_key(), new_key());
    let mut changed_sha = signed_skill("review", "root", &root);
    changed_sha.sha256 = signing::sha256_hex(b"tampered artifact");
    let mut changed_version = signed_skill("tests", "root", &root);
    changed_version.version = "9.9.9".into();
    let wrong_key = signed_skill("lint", "root", &other);
    let m = manifest(
        vec![listed("root", &root)],
        vec![changed_sha, changed_version, wrong_key],
    );
    let r = roots(&[("root", &root)]);
    for i in 0..3 {
        let e = refusal(verdict(&m, &r, i));
        assert!(e.contains("signature by key root fails"), "{e}");
    }
    assert!(refusal(verdict(&m, &r, 1)).starts_with("refused tests 9.9.9:"));
    // Upper-case hex of the same hash is the same signed message.
    let mut upper = signed_skill("x", "root", &root);
    upper.sha256 = upper.sha256.to_uppercase();
    let m = manifest(vec![], vec![upper]);
    assert_eq!(
        verdict(&m, &r, 0),
        SkillVerdict::Accepted { key: "root".into() }
    );
}

#[test]
fn expired_and_revoked_keys_are_untrusted_with_everything_below_them() {
    let (root, mid, ci) = (new_key(), new_key(), new_key());
    let expired_mid = certified_until("mid", &mid, "root", &root, Some(NOW - 1));
    let m = manifest(
        vec![
            listed("root", &root),
            expired_mid,
            certified("ci", &ci, "mid", &mid),
        ],
        vec![signed_skill("a", "mid", &mid), signed_skill("b", "ci", &ci)],
    );
    let r = roots(&[("root", &root)]);
    let e = refusal(verdict(&m, &r, 0));
    assert!(e.contains("key mid expired at 2027-01-15T07:59:59Z"), "{e}");
    let e = refusal(verdict(&m, &r, 1));
    assert!(
        e.contains("key ci is certified by mid, which expired at"),
        "{e}"
    );
    // Still valid one second earlier.
    let keys = evaluate_keys(&m, &r, NOW - 2);
    assert_eq!(
        evaluate_skill(&m.skills[1], &keys, NOW - 2),
        SkillVerdict::Accepted { key: "ci".into() }
    );

    let mut revoked_mid = certified("mid", &mid, "root", &root);
    revoked_mid.revoked = true;
    let m = manifest(
        vec![
            revoked_mid,
            certified("ci", &ci, "mid", &mid),
            certified("leaf", &new_key(), "ci", &ci),
        ],
        vec![signed_skill("a", "mid", &mid), signed_skill("b", "ci", &ci)],
    );
    assert!(refusal(verdict(&m, &r, 0)).contains("key mid is revoked by the registry"));
    assert!(refusal(verdict(&m, &r, 1)).contains("key ci is certified by mid, which is revoked"));
    let keys = evaluate_keys(&m, &r, NOW);
    let Some(KeyTrust::Untrusted { reason }) = keys.status("leaf") else {
        panic!("leaf trusted");
    };
    assert!(
        reason.contains("whose chain reaches mid, which is revoked"),
        "{reason}"
    );
}

#[test]
fn a_root_key_the_manifest_revokes_or_expires_is_untrusted() {
    let root = new_key();
    let mut listed_root = listed("root", &root);
    listed_root.revoked = true;
    let m = manifest(vec![listed_root], vec![signed_skill("a", "root", &root)]);
    let r = roots(&[("root", &root)]);
    assert!(refusal(verdict(&m, &r, 0)).contains("key root is revoked by the registry"));
}

#[test]
fn a_key_revoked_in_the_trust_file_cannot_come_back_under_another_id() {
    let (old, new) = (new_key(), new_key());
    let mut file = crate::skills::trust_file::TrustFile::default();
    file.add("team", &old.verifying_key(), NOW).unwrap();
    file.rotate("team", "team-2", &new.verifying_key(), NOW)
        .unwrap();
    let r = TrustRoots::from_config(&[], &file).unwrap();
    assert!(r.get("team").is_none());
    let m = manifest(
        vec![certified("again", &old, "team-2", &new)],
        vec![
            signed_skill("a", "again", &old),
            signed_skill("b", "team-2", &new),
        ],
    );
    let e = refusal(verdict(&m, &r, 0));
    assert!(
        e.contains("key again is revoked in the trust root file (as team)"),
        "{e}"
    );
    assert_eq!(
        verdict(&m, &r, 1),
        SkillVerdict::Accepted {
            key: "team-2".into()
        }
    );
}

#[test]
fn revoked_and_expired_skills_are_refused_naming_the_key() {
    let root = new_key();
    let mut revoked = signed_skill("a", "root", &root);
    revoked.revoked = true;
    let mut expired = signed_skill("b", "root", &root);
    expired.expires_unix = Some(NOW);
    let mut unsigned_revoked = unsigned_skill("c");
    unsigned_revoked.revoked = true;
    let m = manifest(vec![], vec![revoked, expired, unsigned_revoked]);
    let r = roots(&[("root", &root)]);
    assert_eq!(
        refusal(verdict(&m, &r, 0)),
        "refused a 1.0.0: revoked by the registry (key root)"
    );
    assert!(refusal(verdict(&m, &r, 1)).contains("the entry expired at"));
    assert!(refusal(verdict(&m, &r, 2)).contains("(no signing key)"));
}

#[test]
fn broken_chains_are_refused() {
    let (root, mid, ci, stranger) = (new_key(), new_key(), new_key(), new_key());
    let mut bad_cert = certified("mid", &mid, "root", &root);
    bad_cert.signature = certified("mid", &mid, "root", &stranger).signature;
    let mut no_sig = certified("nosig", &new_key(), "root", &root);
    no_sig.signature = None;
    let mut other_expiry = certified("moved", &new_key(), "root", &root);
    other_expiry.expires_unix = Some(NOW + 1000);
    let m = manifest(
        vec![
            bad_cert,
            certified("ci", &ci, "ghost", &stranger),
            no_sig,
            other_expiry,
            ManifestKey {
                public_key: "bm90IGEga2V5".into(),
                ..listed("junk", &root)
            },
        ],
        vec![
            signed_skill("a", "mid", &mid),
            signed_skill("b", "ci", &ci),
            signed_skill("c", "nobody", &ci),
        ],
    );
    let r = roots(&[("root", &root)]);
    assert!(refusal(verdict(&m, &r, 0)).contains("key mid has a certification by root that fails"));
    let e = refusal(verdict(&m, &r, 1));
    assert!(
        e.contains("key ci is certified by ghost, which is unknown"),
        "{e}"
    );
    let e = refusal(verdict(&m, &r, 2));
    assert!(
        e.contains("key nobody is unknown (neither a trust root nor listed"),
        "{e}"
    );
    let keys = evaluate_keys(&m, &r, NOW);
    let why = |id: &str| keys.why_untrusted(id).unwrap_or_default();
    assert!(why("nosig").contains("names root as certifier but has no signature"));
    assert!(
        why("moved").contains("certification by root that fails"),
        "expiry is signed"
    );
    assert!(why("junk").contains("bad public key"));
}

#[test]
fn certification_cycles_are_refused_even_when_long() {
    let (a, b, c) = (new_key(), new_key(), new_key());
    let m = manifest(
        vec![
            certified("a", &a, "b", &b),
            certified("b", &b, "a", &a),
            certified("c", &c, "a", &a),
            certified("self", &c, "self", &c),
        ],
        vec![signed_skill("x", "a", &a), signed_skill("y", "c", &c)],
    );
    let r = roots(&[("root", &new_key())]);
    let e = refusal(verdict(&m, &r, 0));
    assert!(
        e.contains("key a is on a certification cycle (a -> b -> a)"),
        "{e}"
    );
    let e = refusal(verdict(&m, &r, 1));
    assert!(
        e.contains("key c is certified by a, which is on a certification cycle"),
        "{e}"
    );
    let keys = evaluate_keys(&m, &r, NOW);
    assert!(
        keys.why_untrusted("self")
            .unwrap_or_default()
            .contains("self -> self")
    );

    // A 20,000-key chain ending in a cycle: no stack overflow, short reasons.
    let k = new_key();
    let mut keys = Vec::new();
    for i in 0..20_000 {
        keys.push(certified(&format!("k{i}"), &k, &format!("k{}", i + 1), &k));
    }
    keys.push(certified("k20000", &k, "k19990", &k));
    let m = manifest(keys, vec![signed_skill("z", "k0", &k)]);
    let e = refusal(verdict(&m, &r, 0));
    assert!(e.len() < 300, "{e}");
    assert!(e.contains("whose chain reaches"), "{e}");
}

#[test]
fn a_manifest_key_reusing_a_root_id_with_another_key_is_refused() {
    let (root, impostor) = (new_key(), new_key());
    let m = manifest(
        vec![
            listed("team", &impostor),
            certified("ci", &impostor, "team", &impostor),
        ],
        vec![
            signed_skill("a", "team", &impostor),
            signed_skill("b", "team", &root),
        ],
    );
    let r = roots(&[("team", &root)]);
    let e = refusal(verdict(&m, &r, 0));
    assert!(
        e.contains("key team reuses the id of trust root team with a different public key"),
        "{e}"
    );
    assert!(refusal(verdict(&m, &r, 1)).contains("key team reuses the id"));
    let keys = evaluate_keys(&m, &r, NOW);
    assert!(
        keys.why_untrusted("ci")
            .unwrap_or_default()
            .contains("certified by team")
    );
}

#[test]
fn roots_from_flags_and_file_conflict_on_the_same_id() {
    let (a, b) = (new_key(), new_key());
    let mut file = crate::skills::trust_file::TrustFile::default();
    file.add("team", &a.verifying_key(), NOW).unwrap();
    let same = format!("team={}", b64(&a));
    let other = format!("team={}", b64(&b));
    assert!(TrustRoots::from_config(&[same], &file).is_ok());
    let e = TrustRoots::from_config(&[other], &file)
        .unwrap_err()
        .to_string();
    assert!(e.contains("trust root team is given twice"), "{e}");
    let e = TrustRoots::from_config(&["team".into()], &file)
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not ID=KEY"), "{e}");
}

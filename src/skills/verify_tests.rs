use super::*;
use crate::skills::trust::tests::*;
use crate::skills::trust::{evaluate_keys, evaluate_skill};
use ed25519_dalek::SigningKey;

#[test]
fn the_manifest_sig_must_be_by_a_trusted_key_over_these_bytes() {
    let (root, ci, stranger) = (new_key(), new_key(), new_key());
    let m = manifest(vec![certified("ci", &ci, "root", &root)], vec![]);
    let r = roots(&[("root", &root)]);
    let keys = evaluate_keys(&m, &r, NOW);
    let bytes = serde_json::to_vec(&m).unwrap();
    let sig = |key_id: &str, k: &SigningKey, body: &[u8]| {
        serde_json::to_vec(&ManifestSig {
            key: key_id.into(),
            signature: signing::sign(k, &signing::manifest_message(body)),
        })
        .unwrap()
    };
    assert_eq!(
        check_manifest_sig(&bytes, Some(&sig("ci", &ci, &bytes)), &keys),
        SigState::Valid { key: "ci".into() }
    );
    assert_eq!(
        check_manifest_sig(&bytes, Some(&sig("root", &root, &bytes)), &keys),
        SigState::Valid { key: "root".into() }
    );
    assert_eq!(check_manifest_sig(&bytes, None, &keys), SigState::Missing);
    let mut tampered = bytes.clone();
    tampered.push(b' ');
    let invalid = |s: SigState| match s {
        SigState::Invalid { reason } => reason,
        other => panic!("{other:?}"),
    };
    let e = invalid(check_manifest_sig(
        &tampered,
        Some(&sig("ci", &ci, &bytes)),
        &keys,
    ));
    assert!(e.contains("registry.json.sig by key ci fails"), "{e}");
    let e = invalid(check_manifest_sig(
        &bytes,
        Some(&sig("x", &stranger, &bytes)),
        &keys,
    ));
    assert!(e.contains("key x is unknown"), "{e}");
    let e = invalid(check_manifest_sig(&bytes, Some(b"{\"key\": 1}"), &keys));
    assert!(e.contains("registry.json.sig is not"), "{e}");
}

#[test]
fn require_signed_refuses_unsigned_entries_and_manifests_only_when_on() {
    let root = new_key();
    let mut half = signed_skill("half", "root", &root);
    half.signature = None;
    let mut bad = signed_skill("bad", "root", &root);
    bad.url = "elsewhere.md".into();
    let m = manifest(
        vec![],
        vec![
            unsigned_skill("plain"),
            signed_skill("ok", "root", &root),
            half,
            bad,
        ],
    );
    let r = roots(&[("root", &root)]);
    let keys = evaluate_keys(&m, &r, NOW);
    let policy = |i: usize, on: bool| {
        skill_policy(&m.skills[i], &evaluate_skill(&m.skills[i], &keys, NOW), on)
    };
    assert_eq!(policy(0, false), Ok(Acceptance::Unsigned));
    let e = policy(0, true).unwrap_err().to_string();
    assert_eq!(
        e,
        "refused plain 1.0.0: unsigned (no signing key), and --require-signed-skills is on"
    );
    assert_eq!(
        policy(1, true),
        Ok(Acceptance::Signed { key: "root".into() })
    );
    assert_eq!(
        policy(1, false),
        Ok(Acceptance::Signed { key: "root".into() })
    );
    for on in [false, true] {
        assert!(
            policy(2, on)
                .unwrap_err()
                .reason
                .contains("names key root but has no signature")
        );
        assert!(policy(3, on).unwrap_err().reason.contains("fails"));
    }
    assert_eq!(manifest_policy(&SigState::Missing, false), Ok(()));
    assert!(
        manifest_policy(&SigState::Missing, true)
            .unwrap_err()
            .contains("no registry.json.sig")
    );
    assert_eq!(
        manifest_policy(&SigState::Valid { key: "k".into() }, true),
        Ok(())
    );
    let invalid = SigState::Invalid {
        reason: "x fails".into(),
    };
    for on in [false, true] {
        assert_eq!(
            manifest_policy(&invalid, on),
            Err("registry manifest refused: x fails".into())
        );
    }
}

fn sig_file(key_id: &str, k: &SigningKey, body: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&ManifestSig {
        key: key_id.into(),
        signature: signing::sign(k, &signing::manifest_message(body)),
    })
    .unwrap()
}

fn versioned(name: &str, version: &str, key_id: &str, k: &SigningKey) -> ManifestSkill {
    let mut s = signed_skill(name, key_id, k);
    s.version = version.into();
    let msg = signing::skill_message(&s.name, &s.version, &s.url, &s.sha256);
    s.signature = Some(signing::sign(k, &msg));
    s
}

#[test]
fn a_whole_registry_verifies_and_selects_the_newest_accepted_version() {
    let (root, ci) = (new_key(), new_key());
    let mut revoked = versioned("review", "1.3.0", "ci", &ci);
    revoked.revoked = true;
    let m = manifest(
        vec![listed("root", &root), certified("ci", &ci, "root", &root)],
        vec![
            versioned("review", "1.2.0", "ci", &ci),
            revoked,
            versioned("review", "1.10.0-rc1", "ci", &ci),
            versioned("review", "1.1.0", "ci", &ci),
            unsigned_skill("loose"),
        ],
    );
    let bytes = serde_json::to_vec_pretty(&m).unwrap();
    let sig = sig_file("ci", &ci, &bytes);
    let r = roots(&[("root", &root)]);
    let reg = verify_registry(&bytes, Some(&sig), &r, NOW, true).unwrap();
    assert_eq!(reg.signature, SigState::Valid { key: "ci".into() });
    let pick = reg.select("review").unwrap();
    assert_eq!(pick.skill.version, "1.10.0-rc1");
    assert!(pick.skipped.is_empty());
    assert_eq!(reg.select("review@1.2.0").unwrap().skill.version, "1.2.0");
    let e = reg.select("review@1.3.0").unwrap_err().to_string();
    assert_eq!(e, "refused review 1.3.0: revoked by the registry (key ci)");
    assert!(
        reg.select("review@9")
            .unwrap_err()
            .to_string()
            .contains("no skill review@9")
    );
    assert!(
        reg.select("loose")
            .unwrap_err()
            .to_string()
            .contains("unsigned")
    );
    assert_eq!(reg.entries().filter(|(_, d)| d.is_ok()).count(), 3);

    // The same registry with require_signed off: the unsigned entry is allowed, marked so.
    let lax = verify_registry(&bytes, None, &r, NOW, false).unwrap();
    assert_eq!(lax.signature, SigState::Missing);
    assert_eq!(
        lax.select("loose").unwrap().acceptance,
        Acceptance::Unsigned
    );

    // Tampered manifest: with the old .sig it is refused whatever the policy; without a .sig
    // only require_signed catches it (the entry signatures still hold for unchanged entries).
    let tampered = String::from_utf8(bytes.clone())
        .unwrap()
        .replace("1.1.0", "1.1.1");
    let tampered = tampered.as_bytes();
    for on in [false, true] {
        let e = verify_registry(tampered, Some(&sig), &r, NOW, on)
            .unwrap_err()
            .to_string();
        assert!(e.contains("registry.json.sig by key ci fails"), "{e}");
    }
    let e = verify_registry(tampered, None, &r, NOW, true)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no registry.json.sig"), "{e}");
    let lax = verify_registry(tampered, None, &r, NOW, false).unwrap();
    let e = lax.select("review@1.1.1").unwrap_err().to_string();
    assert!(e.contains("signature by key ci fails"), "{e}");
    assert!(matches!(
        verify_registry(b"{}", None, &r, NOW, false),
        Err(RegistryError::Manifest(_))
    ));
}

/// A registry signed by another implementation of the contract (Python `cryptography`,
/// fuzz/make_seeds.py) verifies here: the signed byte strings are the documented ones.
#[test]
fn a_registry_signed_by_an_independent_implementation_verifies() {
    let bytes = include_bytes!("../../fuzz/seeds/manifest/signed_chain.json");
    let sig = include_bytes!("../../fuzz/seeds/manifest/signed_chain.sig");
    let mut r = TrustRoots::new();
    let root = SigningKey::from_bytes(&[7; 32]).verifying_key();
    r.insert("root", root).unwrap();
    let reg = verify_registry(bytes, Some(sig), &r, NOW, true).unwrap();
    assert_eq!(reg.signature, SigState::Valid { key: "ci".into() });
    let pick = reg.select("review").unwrap();
    assert_eq!(pick.skill.version, "1.10.0-rc1");
    assert_eq!(pick.acceptance, Acceptance::Signed { key: "ci".into() });
    assert!(reg.select("review@1.2.0").is_ok());
    let refused = |req: &str| reg.select(req).unwrap_err().to_string();
    assert!(refused("tests").contains("the entry expired at"));
    assert!(refused("lint").contains("unsigned"));
    assert!(refused("gone").contains("revoked by the registry (key old)"));
    assert!(
        reg.keys
            .why_untrusted("loop-a")
            .unwrap()
            .contains("certification cycle")
    );
    let mut tampered = bytes.to_vec();
    tampered.extend_from_slice(b"\n");
    assert!(verify_registry(&tampered, Some(sig), &r, NOW, false).is_err());
}

#[test]
fn a_large_registry_judged_in_parallel_keeps_each_verdict_with_its_entry() {
    let root = new_key();
    let skills: Vec<ManifestSkill> = (0..200)
        .map(|i| {
            let mut s = signed_skill(&format!("s{i}"), "root", &root);
            if i % 7 == 3 {
                s.url = "changed.md".into();
            }
            s
        })
        .collect();
    let bytes = serde_json::to_vec(&manifest(vec![], skills)).unwrap();
    let reg = verify_registry(&bytes, None, &roots(&[("root", &root)]), NOW, false).unwrap();
    for (i, (s, decision)) in reg.entries().enumerate() {
        assert_eq!(s.name, format!("s{i}"));
        assert_eq!(decision.is_err(), i % 7 == 3, "{i}");
    }
}

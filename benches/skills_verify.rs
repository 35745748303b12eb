//! Verifying a 1,000-skill signed registry manifest (issue 10): parse and check the manifest,
//! evaluate a root -> intermediate -> CI key chain, check `registry.json.sig`, and verify every
//! entry's Ed25519 signature. Keys and signatures are made in the setup, at random.
//!
//! Budget (docs/benchmarks.md): verifying a 1,000-skill manifest ≤ 100 ms. Run with
//! `cargo bench --bench skills_verify`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::sync::OnceLock;

use divan::Bencher;
use ed25519_dalek::SigningKey;
use pi_coding_agent::skills::manifest::{Manifest, ManifestKey, ManifestSkill};
use pi_coding_agent::skills::signing;
use pi_coding_agent::skills::trust::TrustRoots;
use pi_coding_agent::skills::verify::{ManifestSig, verify_registry};
use sha2::Digest as _;

const SKILLS: usize = 1_000;
const NOW: i64 = 1_800_000_000;

struct Registry {
    manifest: Vec<u8>,
    sig: Vec<u8>,
    roots: TrustRoots,
}

fn random_key() -> SigningKey {
    let seed = sha2::Sha256::digest(
        [
            uuid::Uuid::new_v4().as_bytes().as_slice(),
            uuid::Uuid::new_v4().as_bytes(),
        ]
        .concat(),
    );
    SigningKey::from_bytes(&seed.into())
}

fn key_entry(id: &str, key: &SigningKey, by: Option<(&str, &SigningKey)>) -> ManifestKey {
    let public_key = signing::encode_public_key(&key.verifying_key());
    let expires_unix = by.map(|_| NOW + 86_400);
    let signature =
        by.map(|(_, k)| signing::sign(k, &signing::key_message(id, &public_key, expires_unix)));
    ManifestKey {
        id: id.into(),
        public_key,
        signed_by: by.map(|(id, _)| id.into()),
        signature,
        revoked: false,
        expires_unix,
    }
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let (root, mid, ci) = (random_key(), random_key(), random_key());
        let keys = vec![
            key_entry("root", &root, None),
            key_entry("mid", &mid, Some(("root", &root))),
            key_entry("ci", &ci, Some(("mid", &mid))),
        ];
        let skills = (0..SKILLS)
            .map(|i| {
                let name = format!("skill-{i:04}");
                let version = format!("1.{}.0", i % 7);
                let url = format!("skills/{name}.md");
                let sha256 = signing::sha256_hex(name.as_bytes());
                let msg = signing::skill_message(&name, &version, &url, &sha256);
                ManifestSkill {
                    signature: Some(signing::sign(&ci, &msg)),
                    name,
                    version,
                    url,
                    sha256,
                    description: Some(format!("Does task number {i} when asked.")),
                    signing_key: Some("ci".into()),
                    revoked: false,
                    expires_unix: None,
                }
            })
            .collect();
        let manifest = serde_json::to_vec_pretty(&Manifest {
            version: 1,
            keys,
            skills,
        })
        .unwrap();
        let sig = serde_json::to_vec(&ManifestSig {
            key: "ci".into(),
            signature: signing::sign(&ci, &signing::manifest_message(&manifest)),
        })
        .unwrap();
        let mut roots = TrustRoots::new();
        roots.insert("root", root.verifying_key()).unwrap();
        Registry {
            manifest,
            sig,
            roots,
        }
    })
}

fn main() {
    let r = registry();
    let reg = verify_registry(&r.manifest, Some(&r.sig), &r.roots, NOW, true).unwrap();
    assert_eq!(reg.entries().filter(|(_, d)| d.is_ok()).count(), SKILLS);
    divan::main();
}

/// The whole verification of a 1,000-skill registry (budget: 100 ms).
#[divan::bench(sample_count = 20)]
fn verify_1000_skill_registry(bencher: Bencher) {
    let r = registry();
    bencher.bench(|| {
        verify_registry(
            divan::black_box(&r.manifest),
            Some(&r.sig),
            &r.roots,
            NOW,
            true,
        )
        .unwrap()
    });
}

/// The parse and checks alone, to see what the signatures cost on top.
#[divan::bench(sample_count = 20)]
fn parse_1000_skill_manifest(bencher: Bencher) {
    let r = registry();
    bencher
        .bench(|| pi_coding_agent::skills::manifest::parse(divan::black_box(&r.manifest)).unwrap());
}

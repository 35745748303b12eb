//! The registry manifest parser and everything that reads a parsed manifest: key chains,
//! entry verdicts, URL resolution, the `.sig` check and whole-registry verification. The
//! trust root is a fixed key, so seeds signed with it (fuzz/seeds/manifest, made by
//! fuzz/make_seeds.py) reach the signature paths.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pi_coding_agent::skills::{manifest, trust, verify};

const NOW: i64 = 1_800_000_000;

fn roots() -> &'static trust::TrustRoots {
    static ROOTS: OnceLock<trust::TrustRoots> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = trust::TrustRoots::new();
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        let _ = roots.insert("root", key);
        roots
    })
}

fuzz_target!(|data: &[u8]| {
    let roots = roots();
    if let Ok(m) = manifest::parse(data) {
        let keys = trust::evaluate_keys(&m, roots, NOW);
        for s in &m.skills {
            let verdict = trust::evaluate_skill(s, &keys, NOW);
            let _ = verify::skill_policy(s, &verdict, true);
            let _ = manifest::resolve_url("https://r.test/reg/registry.json", &s.url);
        }
        for (id, _) in keys.iter() {
            let _ = keys.why_untrusted(id);
        }
        let _ = verify::check_manifest_sig(data, Some(data), &keys);
    }
    // The same bytes as manifest and as .sig, each way round.
    for sig in [None, Some(data)] {
        if let Ok(reg) = verify::verify_registry(data, sig, roots, NOW, false) {
            let first = reg.manifest.skills.first().map(|s| s.name.clone());
            if let Some(name) = first {
                let _ = reg.select(&name);
                let _ = reg.select(&format!("{name}@1.0.0"));
            }
        }
    }
});

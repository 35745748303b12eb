//! Publishing a registry: `--skill-keygen` and `--skill-sign-registry`, on top of
//! [`crate::skills::publish`].

use std::path::Path;

use super::super::{Args, exit, report};
use crate::skills::publish;

/// `--skill-keygen PATH`: writes the private key and prints the public one.
pub fn keygen(path: &Path) -> u8 {
    match publish::keygen(path) {
        Ok(public) => super::done(&format!(
            "wrote the private key {} (keep it secret); public key: {public}",
            path.display()
        )),
        Err(e) => super::failed(&e.to_string()),
    }
}

/// `--skill-sign-registry FILE --skill-signing-key KEY --skill-signing-key-id ID`.
pub fn sign_registry(args: &Args, path: &Path) -> u8 {
    let (Some(key), Some(id)) = (&args.skill_signing_key, &args.skill_signing_key_id) else {
        report(
            "--skill-sign-registry needs --skill-signing-key PATH and --skill-signing-key-id ID",
        );
        return exit::USAGE;
    };
    match publish::sign_registry(path, key, id) {
        Ok(signed) => super::done(&signed.summary(id)),
        Err(e) => super::failed(&e.to_string()),
    }
}

//! The signed byte strings of the registry format (docs/skills.md, "The registry format"),
//! Ed25519 signing and strict verification, base64 keys and signatures, sha256 in hex with a
//! constant-time compare.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// First line of a skill entry's signed bytes.
pub const SKILL_DOMAIN: &str = "rust-pi skill v1";
/// First line of a key certification's signed bytes.
pub const KEY_DOMAIN: &str = "rust-pi key v1";
/// First line of the manifest signature's (`registry.json.sig`) signed bytes.
pub const MANIFEST_DOMAIN: &str = "rust-pi manifest v1";

/// Why a key or signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    #[error("the public key is not base64: {0}")]
    KeyEncoding(String),
    #[error("the public key is {0} bytes, not 32")]
    KeyLength(usize),
    #[error("the public key is not a valid Ed25519 point")]
    KeyPoint,
    #[error("the signature is not base64: {0}")]
    SignatureEncoding(String),
    #[error("the signature is {0} bytes, not 64")]
    SignatureLength(usize),
    #[error("the signature does not verify")]
    Mismatch,
}

fn lines(fields: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
    for f in fields {
        out.extend_from_slice(f.as_bytes());
        out.push(b'\n');
    }
    out
}

/// The bytes a skill entry's signature covers: the domain line, name, version, url as written
/// in the manifest and the sha256 in lower-case hex, each followed by `\n`.
pub fn skill_message(name: &str, version: &str, url: &str, sha256_hex: &str) -> Vec<u8> {
    let sha = sha256_hex.to_ascii_lowercase();
    lines(&[SKILL_DOMAIN, name, version, url, &sha])
}

/// The bytes a key certification covers: the domain line, id, public key (base64 as written)
/// and expiry (decimal, or empty), each followed by `\n`.
pub fn key_message(id: &str, public_key_b64: &str, expires_unix: Option<i64>) -> Vec<u8> {
    let expires = expires_unix.map(|e| e.to_string()).unwrap_or_default();
    lines(&[KEY_DOMAIN, id, public_key_b64, &expires])
}

/// The bytes `registry.json.sig` covers: the domain line and the sha256 hex of the manifest's
/// exact bytes, each followed by `\n`.
pub fn manifest_message(manifest_bytes: &[u8]) -> Vec<u8> {
    lines(&[MANIFEST_DOMAIN, &sha256_hex(manifest_bytes)])
}

/// Base64 (standard, padded) of exactly `N` bytes.
fn decode_exact<const N: usize>(b64: &str) -> Result<[u8; N], DecodeFailure> {
    let bytes = BASE64
        .decode(b64)
        .map_err(|e| DecodeFailure::Encoding(e.to_string()))?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| DecodeFailure::Length(bytes.len()))
}

enum DecodeFailure {
    Encoding(String),
    Length(usize),
}

/// Decodes a base64 (standard, padded) Ed25519 public key.
pub fn decode_public_key(b64: &str) -> Result<VerifyingKey, SigError> {
    let arr = decode_exact::<32>(b64).map_err(|f| match f {
        DecodeFailure::Encoding(e) => SigError::KeyEncoding(e),
        DecodeFailure::Length(n) => SigError::KeyLength(n),
    })?;
    VerifyingKey::from_bytes(&arr).map_err(|_| SigError::KeyPoint)
}

/// A public key as base64 (standard, padded): the form manifests and trust files hold.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    BASE64.encode(key.as_bytes())
}

/// Decodes a base64 (standard, padded) 64-byte signature.
pub fn decode_signature(b64: &str) -> Result<Signature, SigError> {
    let arr = decode_exact::<64>(b64).map_err(|f| match f {
        DecodeFailure::Encoding(e) => SigError::SignatureEncoding(e),
        DecodeFailure::Length(n) => SigError::SignatureLength(n),
    })?;
    Ok(Signature::from_bytes(&arr))
}

/// Verifies `signature_b64` over `message` with strict Ed25519 rules (no malleable or weak-key
/// signatures).
pub fn verify(
    public_key: &VerifyingKey,
    message: &[u8],
    signature_b64: &str,
) -> Result<(), SigError> {
    let signature = decode_signature(signature_b64)?;
    public_key
        .verify_strict(message, &signature)
        .map_err(|_| SigError::Mismatch)
}

/// Signs `message`, returning the signature as base64.
pub fn sign(key: &SigningKey, message: &[u8]) -> String {
    BASE64.encode(key.sign(message).to_bytes())
}

/// The sha256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Whether `bytes` hash to `expected_hex` (64 hex digits, either case), compared in constant
/// time. A malformed `expected_hex` never matches.
pub fn sha256_matches(expected_hex: &str, bytes: &[u8]) -> bool {
    let expected = expected_hex.to_ascii_lowercase();
    if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    hex_eq(&expected, &sha256_hex(bytes))
}

/// Constant-time equality of two hex strings, ignoring case.
pub fn hex_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&Sha256::digest([seed]).into())
    }

    #[test]
    fn byte_strings_are_the_contract() {
        assert_eq!(
            skill_message("review", "1.2.0", "skills/review.md", "AB"),
            b"rust-pi skill v1\nreview\n1.2.0\nskills/review.md\nab\n"
        );
        assert_eq!(
            key_message("ci", "Zk3=", Some(1830297600)),
            b"rust-pi key v1\nci\nZk3=\n1830297600\n"
        );
        assert_eq!(
            key_message("ci", "Zk3=", None),
            b"rust-pi key v1\nci\nZk3=\n\n"
        );
        assert_eq!(
            manifest_message(b""),
            b"rust-pi manifest v1\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        );
    }

    #[test]
    fn sign_and_verify_round_trip_and_refusals() {
        let k = key(1);
        let public = decode_public_key(&encode_public_key(&k.verifying_key())).unwrap();
        let sig = sign(&k, b"hello");
        assert_eq!(verify(&public, b"hello", &sig), Ok(()));
        assert_eq!(verify(&public, b"hellO", &sig), Err(SigError::Mismatch));
        let other = key(2).verifying_key();
        assert_eq!(verify(&other, b"hello", &sig), Err(SigError::Mismatch));
        assert!(matches!(
            verify(&public, b"hello", "not base64!"),
            Err(SigError::SignatureEncoding(_))
        ));
        assert_eq!(
            verify(&public, b"hello", &BASE64.encode([0u8; 10])),
            Err(SigError::SignatureLength(10))
        );
        assert_eq!(
            decode_public_key(&BASE64.encode([0u8; 31])).err(),
            Some(SigError::KeyLength(31))
        );
        assert!(matches!(
            decode_public_key("%%%"),
            Err(SigError::KeyEncoding(_))
        ));
        // Unpadded base64 is not the contract's form.
        let unpadded = encode_public_key(&k.verifying_key())
            .trim_end_matches('=')
            .to_owned();
        assert!(decode_public_key(&unpadded).is_err());
    }

    #[test]
    fn sha256_compare_is_case_insensitive_and_refuses_malformed() {
        let h = sha256_hex(b"abc");
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(sha256_matches(&h, b"abc"));
        assert!(sha256_matches(&h.to_uppercase(), b"abc"));
        assert!(!sha256_matches(&h, b"abd"));
        assert!(!sha256_matches(&h[..63], b"abc"));
        assert!(!sha256_matches("", b"abc"));
        assert!(!sha256_matches(&format!("{}g", &h[..63]), b"abc"));
    }
}

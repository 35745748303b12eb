#!/usr/bin/env python3
"""Writes the fuzz seed corpora (fuzz/seeds/*): registry manifests signed, per the contract in
docs/skills.md, with the fuzz target's trust root (seed bytes 7 * 32), and skill files with front
matter. An implementation independent of pi's (Python `cryptography`), so the seeds also check
the byte strings pi verifies."""
import base64, hashlib, json, os
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

here = os.path.dirname(os.path.abspath(__file__))

def key(seed):
    return Ed25519PrivateKey.from_private_bytes(bytes([seed] * 32))

def pub(k):
    return base64.b64encode(k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()

def sign(k, fields):
    return base64.b64encode(k.sign("".join(f + "\n" for f in fields).encode())).decode()

def key_entry(id_, k, by=None, by_key=None, expires=None, revoked=False):
    e = {"id": id_, "public_key": pub(k), "signed_by": by, "signature": None,
         "revoked": revoked, "expires_unix": expires}
    if by_key is not None:
        e["signature"] = sign(by_key, ["rust-pi key v1", id_, pub(k), "" if expires is None else str(expires)])
    return e

def skill(name, version, url, k=None, key_id=None, revoked=False, expires=None):
    sha = hashlib.sha256(name.encode()).hexdigest()
    e = {"name": name, "version": version, "url": url, "sha256": sha, "signing_key": key_id,
         "signature": None, "revoked": revoked, "expires_unix": expires}
    if k is not None:
        e["signature"] = sign(k, ["rust-pi skill v1", name, version, url, sha])
    return e

root, mid, ci, other = key(7), key(8), key(9), key(10)
keys = [key_entry("root", root), key_entry("mid", mid, "root", root),
        key_entry("ci", ci, "mid", mid, expires=1_900_000_000),
        key_entry("old", other, "root", root, revoked=True),
        key_entry("loop-a", other, "loop-b", other), key_entry("loop-b", other, "loop-a", other)]
skills = [skill("review", "1.2.0", "skills/review.md", ci, "ci"),
          skill("review", "1.10.0-rc1", "skills/review-1.10.tar.gz", ci, "ci"),
          skill("tests", "0.1.0", "https://cdn.test/tests.zip", root, "root", expires=1_700_000_000),
          skill("lint", "2.0.0", "../lint.md"),
          skill("gone", "1.0.0", "gone.md", other, "old", revoked=True)]
manifests = {
    "signed_chain": {"version": 1, "keys": keys, "skills": skills},
    "minimal": {"version": 1},
    "unsigned": {"version": 1, "skills": [skill("a", "1", "a.md")]},
    "other_version": {"version": 2, "skills": []},
}
os.makedirs(os.path.join(here, "seeds/manifest"), exist_ok=True)
for name, m in manifests.items():
    body = json.dumps(m, indent=2).encode()
    with open(os.path.join(here, "seeds/manifest", name + ".json"), "wb") as f:
        f.write(body)
    if name == "signed_chain":
        digest = hashlib.sha256(body).hexdigest()
        sig = {"key": "ci", "signature": sign(ci, ["rust-pi manifest v1", digest])}
        with open(os.path.join(here, "seeds/manifest", name + ".sig"), "w") as f:
            json.dump(sig, f)

texts = {
    "full": "---\nname: review\ndescription: Review a change.\nversion: 1.2.0\nlicense: MIT\nmetadata:\n  tags: [a, b]\n---\n# Review\n\nSteps.\n",
    "none": "# Just a title\n\nSome text.\n",
    "bad_yaml": "---\nname: [unclosed\n---\nbody\n",
    "anchors": "---\nname: &a x\ndescription: *a\nallowed-tools: {read: true}\n---\n",
    "crlf": "---\r\nname: crlf\r\ndescription: d\r\n---\r\nbody\r\n",
}
os.makedirs(os.path.join(here, "seeds/front_matter"), exist_ok=True)
for name, t in texts.items():
    with open(os.path.join(here, "seeds/front_matter", name + ".md"), "w") as f:
        f.write(t)

//! The skills commands' declarations (docs/skills.md): discovery, installs, the lockfile and
//! the trust root file. Run by `skills.rs`.

use super::spec::ArgKind::{File, Skill, Text};
use super::spec::{ArgSpec, CommandGroup::Skills, CommandSpec, FlagSpec};
use super::table::{opt, plain, req};

const fn words(name: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        kind: Text,
        required: true,
        variadic: true,
    }
}

/// `--apply`: do it, rather than show what would be done.
const APPLY: &[FlagSpec] = &[FlagSpec::switch("apply")];

pub(super) const SKILLS: &[CommandSpec] = &[
    plain(
        "skills-list",
        Skills,
        "every skill found: source, version, verification, problems",
        "Lists the skills of the project's folder (--skills-dir, default .pi/skills) and the user's (~/.config/pi/skills), first match by name winning: each with its source, version, whether it is active, and how it was installed and verified (.installs.json). Skills that could not be read (bad front matter) are listed with the file, line and reason.",
        &[],
        true,
        true,
    ),
    plain(
        "skills-show",
        Skills,
        "a skill's front matter, path, install record and text",
        "Shows one skill: its name, description, version, license, path, source folder, install record (source, registry, signing key, artifact hash) and its markdown.",
        &[req("name", Skill)],
        true,
        true,
    ),
    CommandSpec {
        args: &[words("query")],
        ..plain(
            "skills-search",
            Skills,
            "find skills, installed and in the registry, by name and description",
            "Ranks the installed skills and, when --skill-registry-url is set, the registry's (the newest accepted version of each), by how well the query matches their name and description. The last word is the most results to show when it is a number (default 20).",
            &[],
            true,
            true,
        )
    },
    plain(
        "skills-install",
        Skills,
        "install a skill: a path, URL#sha256=HEX, or registry:NAME[@VERSION]",
        "Installs into the project's skills folder. SOURCE is a file or skill directory; a URL with its sha256 as URL#sha256=HEX (a .md, .tar.gz or .zip); or registry:NAME[@VERSION] from --skill-registry-url, verified against the trust roots. Nothing is written unless every check passed.",
        &[req("source", Text)],
        true,
        false,
    ),
    plain(
        "skills-lock-write",
        Skills,
        "write the lockfile (.pi/skills.lock.json) from the installed skills",
        "Writes the lockfile (or PATH): per installed skill its version, path, content hash, source, registry and signing key. Replaced atomically.",
        &[opt("path", File)],
        true,
        true,
    ),
    plain(
        "skills-sync",
        Skills,
        "check the installed skills against the lockfile; fails on drift",
        "Compares the skills folder with the lockfile (or PATH) and fails listing each drift: missing, extra, changed content, different source.",
        &[opt("path", File)],
        true,
        true,
    ),
    plain(
        "skills-lock-diff",
        Skills,
        "the differences between the skills folder and the lockfile",
        "Like /skills-sync, without failing: each skill missing, extra, changed or from another source.",
        &[opt("path", File)],
        true,
        true,
    ),
    CommandSpec {
        flags: APPLY,
        ..plain(
            "skills-prune",
            Skills,
            "remove installed skills the lockfile does not name (preview without --apply)",
            "Lists the installed skills of the project's folder that the lockfile (or PATH) does not name; with --apply removes them.",
            &[opt("path", File)],
            true,
            false,
        )
    },
    plain(
        "skills-trust-list",
        Skills,
        "the trust roots: flags and the trust root file",
        "Lists the trusted registry keys: those of --skill-trust-root and those of the trust root file (or PATH), with when each was added, revoked or rotated.",
        &[opt("path", File)],
        true,
        true,
    ),
    plain(
        "skills-trust-add",
        Skills,
        "add a trust root ID=BASE64KEY to the trust root file",
        "Adds a registry key to the trust root file (--skill-trust-root-file, default ~/.config/pi/skill-trust.json), written atomically.",
        &[req("id=key", Text)],
        true,
        true,
    ),
    plain(
        "skills-trust-revoke",
        Skills,
        "revoke a trust root of the trust root file",
        "Marks a key of the trust root file revoked: skills signed by it, or by keys it certified, are refused from now on.",
        &[req("id", Text)],
        true,
        true,
    ),
    plain(
        "skills-trust-rotate",
        Skills,
        "replace a trust root: OLD:NEW=BASE64KEY",
        "Revokes OLD and adds NEW (recorded as rotated from OLD) in one atomic write of the trust root file.",
        &[req("old:new=key", Text)],
        true,
        true,
    ),
    plain(
        "skills-verify",
        Skills,
        "check the lockfile and the signatures together",
        "Checks that every skill of the lockfile (or LOCK) is installed and unchanged, and that each one from a registry is still accepted by the trust roots (the flags and the trust root file, or TRUST): its signing key trusted, not revoked or expired, its signature valid. Fails listing each problem.",
        &[opt("lock", File), opt("trust", File)],
        true,
        true,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_skills_command_is_in_the_skills_group_and_named_skills() {
        for c in SKILLS {
            assert_eq!(c.group, Skills, "{}", c.name);
            assert!(c.name.starts_with("skills-"), "{}", c.name);
        }
    }
}

//! Skills tests: installs from a path and from URLs (`.md`, `.tar.gz`, `.zip`) with the real
//! `pi` binary against `support::fake_registry`; refused archives and interrupted downloads
//! leave the skills folder exactly as it was; the lockfile and its drift. The `Env` helper is
//! shared with the registry tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::fake_registry::{
    Entry, FakeRegistry, Fault, sha256_hex, tar_gz, tar_gz_zeros, zip,
};

/// Variables cleared for every run, so the developer's settings never reach a test.
const CLEARED: [&str; 11] = [
    "PI_CONFIG_DIR",
    "PI_LOG",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "SSL_CERT_FILE",
    "PI_THEME",
    "PI_MODEL",
];

/// A project folder, its skills folder, a cache and a trust file, all in one temp dir.
pub(super) struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(env.skills()).unwrap();
        env
    }

    pub fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    pub fn skills(&self) -> PathBuf {
        self.project().join(".pi/skills")
    }

    pub fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    pub fn trust_file(&self) -> PathBuf {
        self.dir.path().join("trust.json")
    }

    /// `pi ARGS` in the project with the cache and trust file of this env.
    pub fn pi(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pi"));
        c.current_dir(self.project());
        for v in CLEARED {
            c.env_remove(v);
        }
        let home = self.dir.path().join("home");
        c.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("PI_LOG_FILE", self.dir.path().join("pi.log"))
            .env("NO_PROXY", "127.0.0.1")
            .stdin(Stdio::null());
        c.arg("--skills-cache-dir").arg(self.cache());
        c.arg("--skill-trust-root-file").arg(self.trust_file());
        c.args(args);
        c.output().unwrap()
    }

    /// Every file and folder under the skills folder (hidden ones too) with its bytes.
    pub fn tree(&self) -> BTreeMap<String, Vec<u8>> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                if p.is_dir() {
                    out.insert(format!("{rel}/"), Vec::new());
                    walk(root, &p, out);
                } else {
                    out.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.skills(), &self.skills(), &mut out);
        out
    }

    /// The install record of `name`.
    pub fn record(&self, name: &str) -> Value {
        let text = std::fs::read_to_string(self.skills().join(".installs.json")).unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["skills"][name].clone()
    }
}

pub(super) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(super) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a refused run: exit 1, one `pi:` line containing every `words`.
#[track_caller]
pub(super) fn assert_refused(out: &Output, words: &[&str]) {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout {} stderr {err}",
        stdout(out)
    );
    // The last line: progress lines of a download may come before it.
    let line = err
        .lines()
        .rfind(|l| l.starts_with("pi: "))
        .unwrap_or_default();
    for w in words {
        assert!(line.contains(w), "{w:?} not in {err}");
    }
}

const REVIEW: &[u8] =
    b"---\nname: review\ndescription: Review a change.\nversion: 1.0.0\n---\nRead the diff.\n";

fn skill_md(name: &str) -> Vec<u8> {
    format!("---\nname: {name}\ndescription: The {name} skill.\n---\nDo {name}.\n").into_bytes()
}

/// Installs `bytes` served at `path` with their real sha256.
fn url_install(env: &Env, reg: &FakeRegistry, path: &str, bytes: &[u8]) -> Output {
    reg.put(path, bytes.to_vec());
    let url = reg.url(path);
    env.pi(&[
        "--install-skill-url",
        &url,
        "--install-skill-sha256",
        &sha256_hex(bytes),
    ])
}

#[test]
fn url_installs_of_md_tar_gz_and_zip_are_verified_and_recorded() {
    let env = Env::new();
    let reg = FakeRegistry::start();
    let out = url_install(&env, &reg, "s/review.md", REVIEW);
    assert!(out.status.success(), "{}", stderr(&out));
    let url = reg.url("s/review.md");
    assert_eq!(
        stdout(&out),
        format!("installed review 1.0.0 from {url} (sha256 verified)\n")
    );
    assert_eq!(
        std::fs::read(env.skills().join("review.md")).unwrap(),
        REVIEW
    );
    let rec = env.record("review");
    assert_eq!(rec["source"], "url");
    assert_eq!(rec["source_url"], url.as_str());
    assert_eq!(rec["sha256"], sha256_hex(REVIEW).as_str());
    assert_eq!(rec["signing_key"], Value::Null);

    let tgz = tar_gz(&[
        ("tests-skill/", Entry::Dir, b""),
        ("tests-skill/SKILL.md", Entry::File, &skill_md("tests")),
        ("tests-skill/run.sh", Entry::File, b"echo\n"),
    ]);
    let out = url_install(&env, &reg, "a/tests.tar.gz", &tgz);
    assert!(out.status.success(), "{}", stderr(&out));
    // The front matter names the skill; its folder is named after it.
    assert_eq!(
        std::fs::read(env.skills().join("tests/run.sh")).unwrap(),
        b"echo\n"
    );

    let z = zip(&[("SKILL.md", &skill_md("zipped")), ("ref/notes.txt", b"n")]);
    let out = url_install(&env, &reg, "a/zipped.zip", &z);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(env.skills().join("zipped/ref/notes.txt")).unwrap(),
        b"n"
    );
    let tree = env.tree();
    assert!(!tree.keys().any(|n| n.starts_with(".install-")), "{tree:?}");
}

#[test]
fn a_download_that_does_not_match_its_sha256_writes_nothing() {
    let env = Env::new();
    let reg = FakeRegistry::start();
    std::fs::write(env.skills().join("review.md"), "old\n").unwrap();
    let before = env.tree();
    reg.put("review.md", REVIEW.to_vec());
    let url = reg.url("review.md");
    let out = env.pi(&[
        "--install-skill-url",
        &url,
        "--install-skill-sha256",
        &sha256_hex(b"other"),
    ]);
    assert_refused(&out, &["sha256 mismatch", &url, "nothing installed"]);
    assert_eq!(env.tree(), before);
    assert!(
        !env.cache().join("sha256").join(sha256_hex(REVIEW)).exists(),
        "a mismatch is never cached"
    );
}

#[test]
fn refused_archives_name_the_entry_and_leave_the_folder_as_it_was() {
    let env = Env::new();
    let reg = FakeRegistry::start();
    std::fs::write(env.skills().join("keep.md"), skill_md("keep")).unwrap();
    let before = env.tree();
    let ok = skill_md("evil");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "../x",
            tar_gz(&[("SKILL.md", Entry::File, &ok), ("../x", Entry::File, b"x")]),
            "`..`",
        ),
        (
            "/tmp/abs",
            tar_gz(&[
                ("SKILL.md", Entry::File, &ok),
                ("/tmp/abs", Entry::File, b"x"),
            ]),
            "absolute",
        ),
        (
            "out",
            tar_gz(&[("SKILL.md", Entry::File, &ok), ("out", Entry::Symlink, b"")]),
            "links",
        ),
        (
            "hard",
            tar_gz(&[
                ("SKILL.md", Entry::File, &ok),
                ("hard", Entry::HardLink, b""),
            ]),
            "links",
        ),
        (
            "pipe",
            tar_gz(&[("SKILL.md", Entry::File, &ok), ("pipe", Entry::Fifo, b"")]),
            "pipes",
        ),
        ("../z", zip(&[("SKILL.md", &ok), ("../z", b"z")]), "`..`"),
    ];
    for (i, (entry, bytes, why)) in cases.iter().enumerate() {
        let ext = if bytes.starts_with(b"PK") {
            "zip"
        } else {
            "tar.gz"
        };
        let out = url_install(&env, &reg, &format!("bad{i}.{ext}"), bytes);
        assert_refused(&out, &[entry, why, "nothing installed"]);
        assert_eq!(env.tree(), before, "{entry}");
    }
    assert!(!env.dir.path().join("project/.pi/x").exists());
}

#[test]
fn size_and_entry_bombs_are_refused() {
    let env = Env::new();
    let reg = FakeRegistry::start();
    let before = env.tree();
    let bomb = tar_gz_zeros("zeros.bin", 50 * 1024 * 1024 + 1);
    assert!(
        bomb.len() < 1024 * 1024,
        "highly compressible: {}",
        bomb.len()
    );
    let out = url_install(&env, &reg, "bomb.tar.gz", &bomb);
    assert_refused(&out, &["zeros.bin", "more than 50 MB"]);
    assert_eq!(env.tree(), before);
    // A zip is extracted counting the bytes written, whatever its headers say.
    let zeros = vec![0u8; 50 * 1024 * 1024 + 1];
    let bomb = zip(&[("SKILL.md", b"x"), ("zeros.bin", &zeros)]);
    let out = url_install(&env, &reg, "bomb.zip", &bomb);
    assert_refused(&out, &["zeros.bin", "more than 50 MB"]);
    assert_eq!(env.tree(), before);

    let names: Vec<String> = (0..5_001).map(|i| format!("f/{i}")).collect();
    let mut entries: Vec<(&str, Entry, &[u8])> = vec![("SKILL.md", Entry::File, b"x")];
    entries.extend(names.iter().map(|n| (n.as_str(), Entry::File, &b""[..])));
    let out = url_install(&env, &reg, "many.tar.gz", &tar_gz(&entries));
    assert_refused(&out, &["more than 5000 entries"]);
    assert_eq!(env.tree(), before);
}

/// Bytes that do not compress (a sha256 chain), so a download has its size on the wire.
fn incompressible(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut block = sha256_hex(b"seed").into_bytes();
    while out.len() < len {
        block = sha256_hex(&block).into_bytes();
        out.extend(
            block
                .chunks(2)
                .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap()),
        );
    }
    out.truncate(len);
    out
}

#[test]
fn an_interrupted_download_leaves_the_folder_unchanged_and_large_ones_show_progress() {
    let env = Env::new();
    let reg = FakeRegistry::start();
    std::fs::write(env.skills().join("big.md"), skill_md("big")).unwrap();
    let before = env.tree();
    let big = tar_gz(&[
        ("SKILL.md", Entry::File, &skill_md("big")),
        ("data.bin", Entry::File, &incompressible(2 << 20)),
    ]);
    reg.fault_always("big.tar.gz", Fault::DropAfter(1 << 20));
    let out = url_install(&env, &reg, "big.tar.gz", &big);
    assert_refused(&out, &["cannot download", "big.tar.gz"]);
    assert_eq!(env.tree(), before);
    assert_eq!(reg.requests_for("big.tar.gz").len(), 3, "tried three times");

    // Without the fault it installs, replacing the old skill, with progress on stderr.
    let reg = FakeRegistry::start();
    let out = url_install(&env, &reg, "big.tar.gz", &big);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pi: downloading ") && stderr(&out).contains("MB, done"),
        "{}",
        stderr(&out)
    );
    assert!(
        !env.skills().join("big.md").exists(),
        "the file skill was replaced by the folder"
    );
    assert!(env.skills().join("big/data.bin").exists());
}

#[test]
fn server_errors_and_429_are_retried() {
    let env = Env::new();
    let reg = FakeRegistry::start();
    reg.fault_once("r.md", Fault::Status(500));
    reg.fault_once("r.md", Fault::TooMany { retry_after: 1 });
    let started = std::time::Instant::now();
    let out = url_install(&env, &reg, "r.md", &skill_md("r"));
    assert!(out.status.success(), "{}", stderr(&out));
    let statuses: Vec<u16> = reg.requests_for("r.md").iter().map(|l| l.status).collect();
    assert_eq!(statuses, [500, 429, 200]);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After honoured"
    );
}

#[test]
fn local_installs_and_usage_errors() {
    let env = Env::new();
    let src = env.dir.path().join("src");
    std::fs::create_dir_all(src.join("lint/docs")).unwrap();
    std::fs::write(src.join("lint/SKILL.md"), skill_md("lint")).unwrap();
    std::fs::write(src.join("lint/docs/a.md"), "a").unwrap();
    std::fs::write(src.join("notes.md"), "# Notes\nplain\n").unwrap();
    let out = env.pi(&["--install-skill", src.join("lint").to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(env.skills().join("lint/docs/a.md")).unwrap(),
        b"a"
    );
    assert_eq!(env.record("lint")["source"], "local");
    let out = env.pi(&["--install-skill", src.join("notes.md").to_str().unwrap()]);
    assert!(
        stdout(&out).starts_with("installed notes from "),
        "{}",
        stderr(&out)
    );

    let out = env.pi(&["--install-skill", "a.md", "--skills-sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be combined"),
        "{}",
        stderr(&out)
    );
    let out = env.pi(&[
        "--install-skill-url",
        "http://x/a.md",
        "--install-skill-sha256",
        "abc",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn the_lockfile_pins_the_folder_and_sync_lists_each_drift() {
    let env = Env::new();
    let reg = FakeRegistry::start();
    for name in ["a", "b", "c", "d"] {
        let out = url_install(&env, &reg, &format!("{name}.md"), &skill_md(name));
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = env.pi(&["--skills-lock-write"]);
    assert_eq!(
        stdout(&out),
        format!(
            "wrote {} (4 skills)\n",
            env.project().join(".pi/skills.lock.json").display()
        )
    );
    let lock: Value =
        serde_json::from_slice(&std::fs::read(env.project().join(".pi/skills.lock.json")).unwrap())
            .unwrap();
    assert_eq!(lock["skills"][0]["path"], ".pi/skills/a.md");
    assert_eq!(
        lock["skills"][0]["sha256"],
        sha256_hex(&skill_md("a")).as_str()
    );
    assert_eq!(lock["skills"][0]["source"], reg.url("a.md").as_str());
    let out = env.pi(&["--skills-sync"]);
    assert!(out.status.success(), "{}", stderr(&out));

    std::fs::remove_file(env.skills().join("a.md")).unwrap();
    let mut b = skill_md("b");
    b.extend_from_slice(b"changed\n");
    std::fs::write(env.skills().join("b.md"), b).unwrap();
    std::fs::write(env.skills().join("e.md"), skill_md("e")).unwrap();
    // The same content from another URL: only the source differs.
    let out = url_install(&env, &reg, "mirror/c.md", &skill_md("c"));
    assert!(out.status.success());
    let out = env.pi(&["--skills-sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("(4 drifts)"), "{err}");
    assert!(
        err.contains("missing: a (locked at .pi/skills/a.md)"),
        "{err}"
    );
    assert!(err.contains("changed: b content sha256"), "{err}");
    assert!(
        err.contains(&format!(
            "source mismatch: c from {}",
            reg.url("mirror/c.md")
        )),
        "{err}"
    );
    assert!(
        err.contains("extra: e at .pi/skills/e.md is not locked"),
        "{err}"
    );
    assert!(!err.contains(": d "), "{err}");
}

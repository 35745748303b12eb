//! bash in the OS sandbox, through `run_tool` with the real policy: every test fails when the
//! sandbox is not applied (the write lands, the secret is read, the connection is made).
//! bubblewrap must be installed: `.ci/run` installs it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pi_coding_agent::tools::sandbox::probe_bwrap;
use pi_coding_agent::tools::{
    Preset, SandboxMode, ToolContext, ToolOutput, ToolPolicy, run_tool, sandbox_likely_cause,
};
use serde_json::{Value, json};
use tempfile::TempDir;

use super::real;
use crate::suite::oneshot::{Run, stderr};
use crate::support::fake_provider::{FakeProvider, Reply};

/// Fails with what to do when bwrap cannot sandbox here.
fn require_bwrap() {
    if let Err(e) = probe_bwrap() {
        panic!(
            "the sandbox tests need bubblewrap: {e}. `.ci/run` installs it (apt-get install -y bubblewrap)."
        );
    }
}

/// A directory outside both the working directory and `/tmp` (which is private inside the
/// sandbox, so a write there would vanish instead of failing).
fn outside_dir() -> TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

/// A working directory under `/tmp`, a fake home outside it, and the `balanced` policy over
/// both with the sandbox forced.
struct Sandboxed {
    cwd: TempDir,
    home: TempDir,
    ctx: ToolContext,
}

impl Sandboxed {
    fn new(change: impl FnOnce(&mut ToolPolicy)) -> Sandboxed {
        require_bwrap();
        let cwd = tempfile::tempdir().unwrap();
        let home = outside_dir();
        std::fs::create_dir_all(home.path().join(".cargo/registry")).unwrap();
        std::fs::create_dir_all(home.path().join(".cargo/bin")).unwrap();
        std::fs::create_dir_all(home.path().join(".ssh")).unwrap();
        std::fs::write(home.path().join(".ssh/id_ed25519"), "SSH-SECRET-31337").unwrap();
        std::fs::write(home.path().join(".netrc"), "NETRC-SECRET-4242").unwrap();
        let mut policy = Preset::Balanced.policy(cwd.path(), Some(home.path()));
        policy.sandbox.mode = SandboxMode::Force;
        change(&mut policy);
        let ctx = ToolContext::new(Arc::new(policy));
        Sandboxed { cwd, home, ctx }
    }

    fn home(&self, rel: &str) -> PathBuf {
        self.home.path().join(rel)
    }

    async fn bash(&self, command: &str) -> ToolOutput {
        run_tool("bash", &json!({ "command": command }), &self.ctx).await
    }
}

fn sandboxed(out: &ToolOutput) -> bool {
    out.details.as_ref().unwrap()["sandbox"]["sandboxed"] == json!(true)
}

/// Runs a write that the sandbox must refuse, and checks nothing landed at `lands`.
async fn refused_write(sb: &Sandboxed, command: &str, lands: &Path) -> ToolOutput {
    let out = sb.bash(command).await;
    let text = out.text_content();
    assert!(out.is_error, "{command}: {text}");
    assert!(sandboxed(&out), "{command}: {:?}", out.details);
    assert!(text.contains("Read-only file system"), "{command}: {text}");
    assert!(!lands.exists(), "{command} wrote {}", lands.display());
    out
}

#[tokio::test]
async fn writes_outside_the_working_directory_fail_by_every_route() {
    let sb = Sandboxed::new(|_| {});
    let outside = outside_dir();
    let o = outside.path();
    std::os::unix::fs::symlink(o, sb.cwd.path().join("out")).unwrap();
    let direct = refused_write(
        &sb,
        &format!("echo x > {}/direct", o.display()),
        &o.join("direct"),
    )
    .await;
    refused_write(&sb, "echo x > out/via-link", &o.join("via-link")).await;
    refused_write(
        &sb,
        &format!("echo x > /proc/self/root{}/via-proc", o.display()),
        &o.join("via-proc"),
    )
    .await;
    // The failure names its likely cause, for the model and the user.
    let cause = sandbox_likely_cause(&direct).unwrap();
    assert!(
        cause.contains(&format!("keeps {}/direct read-only", real(o).display())),
        "{cause}"
    );
    let text = direct.text_content();
    assert!(
        text.contains("[The OS sandbox likely caused this failure: ")
            && text.contains("--allow-path"),
        "{text}"
    );
    // Inside the working directory all is as usual.
    let ok = sb.bash("echo x > inside && cat inside").await;
    assert!(!ok.is_error && sandboxed(&ok), "{}", ok.text_content());
    assert_eq!(ok.details.unwrap()["sandbox"]["likelyCause"], Value::Null);
    assert!(sb.cwd.path().join("inside").exists());
}

#[tokio::test]
async fn denied_paths_cannot_be_read_or_written() {
    let sb = Sandboxed::new(|_| {});
    for file in [".ssh/id_ed25519", ".netrc"] {
        let out = sb.bash(&format!("cat {}", sb.home(file).display())).await;
        let text = out.text_content();
        assert!(out.is_error, "{file}: {text}");
        assert!(!text.contains("SECRET"), "{file} was read: {text}");
        let cause = sandbox_likely_cause(&out).unwrap_or_default();
        assert!(cause.contains("is a denied path"), "{file}: {text}");
    }
    let listing = sb
        .bash(&format!("ls -A {}", sb.home(".ssh").display()))
        .await;
    assert_eq!(listing.text_content(), "(no output)");
    refused_write(
        &sb,
        &format!("echo x > {}", sb.home(".ssh/planted").display()),
        &sb.home(".ssh/planted"),
    )
    .await;
}

#[tokio::test]
async fn the_network_is_off_or_on_as_the_policy_says() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connect = format!("exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected");
    let off = Sandboxed::new(|p| p.sandbox.network = false);
    let out = off.bash(&connect).await;
    assert!(out.is_error, "{}", out.text_content());
    assert!(!out.text_content().contains("connected"));
    assert!(sandboxed(&out));
    let on = Sandboxed::new(|p| p.sandbox.network = true);
    let out = on.bash(&connect).await;
    assert!(!out.is_error, "{}", out.text_content());
    assert_eq!(out.text_content(), "connected");
    drop(listener);
}

#[tokio::test]
async fn build_caches_are_writable_the_rest_of_home_is_not() {
    let sb = Sandboxed::new(|_| {});
    let cached = sb.home(".cargo/registry/x/f");
    let out = sb
        .bash(&format!(
            "mkdir -p {0} && echo ok > {0}/f",
            sb.home(".cargo/registry/x").display()
        ))
        .await;
    assert!(!out.is_error, "{}", out.text_content());
    assert_eq!(std::fs::read_to_string(&cached).unwrap(), "ok\n");
    refused_write(
        &sb,
        &format!("echo no > {}", sb.home("notes.txt").display()),
        &sb.home("notes.txt"),
    )
    .await;
    // Programs run later outside the sandbox stay read-only inside the cache.
    let out = refused_write(
        &sb,
        &format!("echo evil > {}", sb.home(".cargo/bin/cargo").display()),
        &sb.home(".cargo/bin/cargo"),
    )
    .await;
    let cause = sandbox_likely_cause(&out).unwrap();
    assert!(
        cause.contains(".cargo/bin holds programs run outside"),
        "{cause}"
    );
}

#[tokio::test]
async fn the_working_directory_under_tmp_stays_writable_in_a_private_tmp() {
    let sb = Sandboxed::new(|_| {});
    assert!(
        sb.cwd.path().starts_with("/tmp"),
        "the test needs a cwd under /tmp"
    );
    let stray = PathBuf::from(format!("/tmp/pi-sandbox-test-{}", std::process::id()));
    let out = sb
        .bash(&format!("echo a > here && echo b > {}", stray.display()))
        .await;
    assert!(!out.is_error, "{}", out.text_content());
    assert!(sandboxed(&out));
    assert_eq!(
        std::fs::read_to_string(sb.cwd.path().join("here")).unwrap(),
        "a\n"
    );
    assert!(
        !stray.exists(),
        "/tmp is not private: {} landed",
        stray.display()
    );
}

#[tokio::test]
async fn a_timeout_kills_everything_in_the_sandbox() {
    let sb = Sandboxed::new(|_| {});
    // A marker no other process has, to find the sandbox's processes from outside.
    let marker = format!("{}.{}", 900 + std::process::id() % 99, std::process::id());
    let started = Instant::now();
    let command = format!("sleep {marker} & sleep {marker}");
    let out = run_tool("bash", &json!({"command": command, "timeout": 1}), &sb.ctx).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(sandboxed(&out));
    assert!(out.text_content().contains("timed out after 1 seconds"));
    let until = Instant::now() + Duration::from_secs(5);
    while running_with(&marker) && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !running_with(&marker),
        "a sandboxed sleep survived the timeout"
    );
}

/// Whether a live process has `marker` in its command line.
fn running_with(marker: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z'));
        !zombie && String::from_utf8_lossy(&cmdline).contains(marker)
    })
}

#[tokio::test]
async fn long_output_is_kept_where_read_and_the_sandbox_can_see_it() {
    let sb = Sandboxed::new(|p| p.max_tool_output_bytes = 1000);
    let out = sb.bash("seq 1 100000").await;
    let path = out.details.unwrap()["fullOutputPath"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(path.starts_with(&sb.ctx.spill.path().display().to_string()));
    let read = run_tool("read", &json!({"path": path, "offset": 99999}), &sb.ctx).await;
    assert_eq!(read.text_content(), "99999\n100000\n");
    let write = run_tool("write", &json!({"path": path, "content": "x"}), &sb.ctx).await;
    assert!(write.is_error, "{}", write.text_content());
    // Inside the sandbox the folder is visible under the private /tmp, read-only.
    let tail = sb.bash(&format!("tail -n 1 {path}")).await;
    assert_eq!(tail.text_content(), "100000");
    refused_write(
        &sb,
        &format!("echo x > {path}.new"),
        Path::new(&format!("{path}.new")),
    )
    .await;
}

#[tokio::test]
async fn the_policy_timeout_caps_what_a_call_asks_for() {
    let sb = Sandboxed::new(|p| p.bash_timeout_ms = 500);
    let started = Instant::now();
    let out = run_tool(
        "bash",
        &json!({"command": "sleep 5", "timeout": 0}),
        &sb.ctx,
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(4));
    let text = out.text_content();
    assert!(text.contains("timed out after 0.5 seconds"), "{text}");
    assert!(
        text.contains("The call asked for no timeout; the most allowed is 0.5 seconds"),
        "{text}"
    );
}

/// The first tool result's text of a one-shot run.
fn first_tool_result(run: &Run) -> String {
    let msgs = run.session_messages();
    let result = msgs
        .iter()
        .find(|m| m["role"] == "toolResult")
        .unwrap_or_else(|| panic!("no tool result in {msgs:?}"));
    result["content"][0]["text"].as_str().unwrap().to_string()
}

fn bash_then_done(command: &str) -> FakeProvider {
    FakeProvider::builder()
        .reply(Reply::turn().tool_call("bash", json!({ "command": command })))
        .reply(Reply::text("done"))
        .start_blocking()
}

#[test]
fn credentials_stay_out_of_the_bash_environment() {
    let model = "openai/gpt-4o-mini";
    let env_of = |extra: &[&str]| {
        let fake = bash_then_done("env");
        let run = Run::new();
        let out = run
            .pi(&fake, model)
            .env("MY_SERVICE_TOKEN", "svc-token-value-1")
            .env("PI_TEST_PLAIN", "visible")
            .args(extra)
            .args(["--prompt", "go"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        first_tool_result(&run)
    };
    let env = env_of(&[]);
    for present in ["PATH=", "HOME=", "PI_TEST_PLAIN=visible"] {
        assert!(env.contains(present), "{present} missing: {env}");
    }
    for absent in ["MY_SERVICE_TOKEN=", "OPENAI_API_KEY=", "OPENAI_BASE_URL="] {
        assert!(!env.contains(absent), "{absent} leaked: {env}");
    }
    let env = env_of(&["--bash-env-allow", "MY_SERVICE_TOKEN"]);
    assert!(env.contains("MY_SERVICE_TOKEN="), "{env}");
    assert!(!env.contains("OPENAI_API_KEY="), "{env}");
}

#[test]
fn force_without_bwrap_refuses_and_names_the_fix() {
    // A PATH with bash and nothing else: pi finds no bwrap.
    let bin = tempfile::tempdir().unwrap();
    let bash = which("bash");
    std::os::unix::fs::symlink(&bash, bin.path().join("bash")).unwrap();
    let fake = bash_then_done("echo ran > ran.txt");
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .env("PATH", bin.path())
        .args(["--os-sandbox-mode", "force", "--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = first_tool_result(&run);
    assert!(
        text.contains("--os-sandbox-mode force needs the OS sandbox"),
        "{text}"
    );
    assert!(text.contains("install bubblewrap"), "{text}");
    assert!(!run.path().join("ran.txt").exists(), "bash ran unsandboxed");
    let err = stderr(&out);
    assert!(
        err.contains("warning: bash will not run: bubblewrap"),
        "{err}"
    );
}

#[test]
fn auto_without_bwrap_runs_unsandboxed_and_says_so_once() {
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(which("bash"), bin.path().join("bash")).unwrap();
    let fake = bash_then_done("echo ran > ran.txt");
    let run = Run::new();
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .env("PATH", bin.path())
        .args(["--prompt", "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(run.path().join("ran.txt").exists());
    let err = stderr(&out);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("without the OS sandbox"))
        .collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].contains("install bubblewrap"), "{err}");
    // With bwrap there, nothing is said.
    let fake = bash_then_done("true");
    let out = run
        .pi(&fake, "openai/gpt-4o-mini")
        .args(["--prompt", "go"])
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("sandbox"), "{}", stderr(&out));
}

fn which(name: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} is not on PATH"))
}

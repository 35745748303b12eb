use super::*;

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn run(argv: &[&str], cwd: &Path, user: Option<&Path>) -> Result<Loaded, String> {
    let mut full = vec!["pi"];
    full.extend_from_slice(argv);
    load(full.into_iter().map(OsString::from).collect(), cwd, user).map_err(|e| match e {
        LoadError::Clap(e) => e.to_string(),
        LoadError::Config(m) => m,
    })
}

#[test]
fn every_key_is_a_long_flag() {
    let cmd = Args::command();
    for (key, _) in KEYS {
        assert!(find_arg(&cmd, key).is_some(), "{key} is not a flag");
    }
}

#[test]
fn project_beats_user_and_flags_beat_both() {
    let dir = tempfile::tempdir().unwrap();
    let user = write(
        dir.path(),
        "cfg/config.toml",
        "max_turns = 9\nprovider-max-retries = 5\nskills-dir = \"skills\"\n",
    );
    write(
        dir.path(),
        "w/.pi/config.toml",
        "max-turns = 7\nno-mouse = true\n",
    );
    let cwd = dir.path().join("w");
    let l = run(&[], &cwd, Some(&user)).unwrap();
    assert_eq!(l.args.max_turns, 7);
    assert_eq!(l.args.provider_max_retries, 5);
    assert!(l.args.no_mouse);
    // A relative path in the user's file is relative to its directory.
    assert_eq!(l.args.skills_dir, Some(dir.path().join("cfg/skills")));
    assert!(matches!(
        l.args.origins.get("max-turns"),
        Some(Origin::File {
            layer: Layer::Project,
            line: 1,
            ..
        })
    ));
    assert!(
        l.args
            .origins
            .label("provider-max-retries")
            .ends_with("cfg/config.toml:2"),
        "{:?}",
        l.args.origins
    );
    let l = run(&["--max-turns", "3"], &cwd, Some(&user)).unwrap();
    assert_eq!(l.args.max_turns, 3);
    assert_eq!(l.args.origins.label("max-turns"), "flag --max-turns");
    assert_eq!(
        l.args.origins.get("turn-timeout-ms"),
        Some(&Origin::Default)
    );
}

#[test]
fn bad_files_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let cases = [
        (
            "model = \"a/b\"\nmax-turn = 3\n",
            ":2: unknown key 'max-turn'; did you mean max-turns?",
        ),
        (
            "\n\nmax-turns = \"3\"\n",
            ":3: max-turns: expected a whole number (no quotes)",
        ),
        (
            "max-turns = 0\n",
            ":1: max-turns: invalid value '0': must be at least 1",
        ),
        (
            "thinking = \"loud\"\n",
            ":1: thinking: invalid value 'loud'; possible values: off, minimal",
        ),
        (
            "no-mouse = \"yes\"\n",
            ":1: no-mouse: expected true or false",
        ),
        (
            "model = [\"a/b\"]\n",
            ":1: model: expected one value, not a list",
        ),
        (
            "fallback-model = [1]\n",
            ":1: fallback-model: expected a list of strings",
        ),
        ("model = \"a\"\nmodel = \"b\"\n", ":2: "),
        (
            "max-turns = 3\nmax_turns = 4\n",
            ":2: max-turns is set twice (first on line 1)",
        ),
        (
            "api-base = \"http://evil/v1\"\n",
            ":1: api-base may be set only in your user config",
        ),
        (
            "tool-policy-preset = \"permissive\"\n",
            ":1: tool-policy-preset permissive",
        ),
        ("prompt = \"hi\"\n", ":1: unknown key 'prompt'"),
    ];
    for (text, want) in cases {
        write(cwd, ".pi/config.toml", text);
        let err = run(&[], cwd, None).unwrap_err();
        assert!(err.contains(".pi/config.toml"), "{text:?}: {err}");
        assert!(err.contains(want), "{text:?}: want {want:?} in {err}");
        assert!(!err.contains('\n'), "{err}");
    }
    // The user's own file may set what a project's may not.
    write(cwd, ".pi/config.toml", "");
    let user = write(
        cwd,
        "u/config.toml",
        "api-base = \"http://proxy/v1\"\ntool-policy-preset = \"permissive\"\n",
    );
    let l = run(&[], cwd, Some(&user)).unwrap();
    assert_eq!(l.args.api_base.as_deref(), Some("http://proxy/v1"));
}

#[test]
fn paths_resolve_against_the_file_that_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let user = write(
        dir.path(),
        "cfg/config.toml",
        "allow-path = [\"shared\", \"~/src\", \"/abs\"]\ntheme = \"~/t.toml\"\n",
    );
    write(
        dir.path(),
        "w/.pi/config.toml",
        "deny-read = [\"secrets\"]\n",
    );
    let cwd = dir.path().join("w");
    let l = run(&[], &cwd, Some(&user)).unwrap();
    let home = PathBuf::from(std::env::var_os("HOME").unwrap());
    assert_eq!(
        l.args.allow_path,
        [
            dir.path().join("cfg/shared"),
            home.join("src"),
            PathBuf::from("/abs")
        ]
    );
    assert_eq!(l.args.deny_read, [cwd.join("secrets")]);
    assert_eq!(
        l.args.theme,
        Some(home.join("t.toml").display().to_string())
    );
}

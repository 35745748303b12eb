use super::*;

const SHA: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

fn doc(skills: &str, keys: &str) -> String {
    format!(r#"{{"version": 1, "keys": [{keys}], "skills": [{skills}]}}"#)
}

fn skill(name: &str, version: &str) -> String {
    format!(
        r#"{{"name": "{name}", "version": "{version}", "url": "skills/{name}.md", "sha256": "{SHA}"}}"#
    )
}

fn err(text: &str) -> String {
    match parse(text.as_bytes()) {
        Ok(m) => panic!("accepted: {m:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_contract_example_parses_with_defaults_and_unknown_fields_ignored() {
    let text = r#"{"version": 1, "generator": "x",
      "keys": [{"id": "root", "public_key": "AAAA", "signed_by": null, "signature": null,
                "revoked": false, "expires_unix": null, "comment": "team"}],
      "skills": [{"name": "review", "version": "1.2.0", "url": "skills/review.md",
                  "sha256": "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
                  "signing_key": "root", "signature": "c2ln", "description": "Review a change"},
                 {"name": "tests", "version": "1.0.0", "url": "https://x.test/t.zip", "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}]}"#;
    let m = parse(text.as_bytes()).unwrap();
    assert_eq!(m.keys[0].signed_by, None);
    assert!(!m.keys[0].revoked);
    assert_eq!(m.skills[0].description.as_deref(), Some("Review a change"));
    assert_eq!(m.skills[0].sha256_lower(), SHA);
    assert_eq!(m.skills[1].signing_key, None);
    assert_eq!(m.skills[1].expires_unix, None);
    assert!(!m.skills[1].revoked);
}

#[test]
fn type_errors_name_the_json_path_and_line() {
    let text = "{\"version\": 1,\n \"skills\": [\n  {\"name\": \"a\", \"version\": 3, \"url\": \"u\", \"sha256\": \"x\"}]}";
    let e = err(text);
    assert!(e.contains("skills[0].version"), "{e}");
    assert!(e.contains("line 3"), "{e}");
    assert!(!e.contains('\n'), "{e}");
    let e = err(r#"{"version": 1, "keys": [{"id": "k", "public_key": "p", "revoked": "no"}]}"#);
    assert!(e.contains("keys[0].revoked"), "{e}");
    assert!(err("{").contains("EOF"));
    assert!(err("").contains("(document)"));
    assert!(err(r#"{"version": 1} trailing"#).contains("trailing"));
}

#[test]
fn only_version_1_is_read() {
    assert!(
        err(r#"{"version": 2, "skills": "another shape"}"#).contains("version 2 is not supported")
    );
    assert!(err(r#"{"version": "1"}"#).contains("version \"1\" is not supported"));
    assert!(err(r#"{"skills": []}"#).contains("version"));
    assert!(parse(br#"{"version": 1}"#).unwrap().skills.is_empty());
}

#[test]
fn names_versions_hashes_and_duplicates_are_checked() {
    for bad in [
        "",
        ".hidden",
        "a/b",
        "a\\\\b",
        "..",
        "a..b",
        "a\\u0000b",
        "a\\nb",
    ] {
        let e = err(&doc(&skill(bad, "1.0.0"), ""));
        assert!(e.contains("skills[0].name"), "{bad}: {e}");
    }
    let long = "x".repeat(101);
    assert!(err(&doc(&skill(&long, "1"), "")).contains("longer than 100"));
    assert!(parse(doc(&skill(&"x".repeat(100), "1"), "").as_bytes()).is_ok());
    assert!(err(&doc(&skill("a", ""), "")).contains("skills[0].version"));
    assert!(err(&doc(&skill("a", "1/2"), "")).contains("skills[0].version"));
    let twice = format!("{},{}", skill("a", "1.0"), skill("a", "1.0"));
    assert!(err(&doc(&twice, "")).contains("a 1.0 is listed twice"));
    let two_versions = format!("{},{}", skill("a", "1.0"), skill("a", "1.1"));
    assert_eq!(
        parse(doc(&two_versions, "").as_bytes())
            .unwrap()
            .skills
            .len(),
        2
    );
    let short_sha = r#"{"name": "a", "version": "1", "url": "u", "sha256": "abc"}"#;
    assert!(err(&doc(short_sha, "")).contains("64 hex digits"));
    let keys = r#"{"id": "k", "public_key": "p"}, {"id": "k", "public_key": "q"}"#;
    assert!(err(&doc("", keys)).contains("key id k is listed twice"));
    for bad in ["", "a b", "a=b", "a:b"] {
        let key = format!(r#"{{"id": "{bad}", "public_key": "p"}}"#);
        assert!(err(&doc("", &key)).contains("keys[0].id"), "{bad}");
    }
}

#[test]
fn urls_resolve_against_the_manifest_and_stay_on_http() {
    let base = "https://skills.test/reg/registry.json";
    assert_eq!(
        resolve_url(base, "skills/review.md").unwrap(),
        "https://skills.test/reg/skills/review.md"
    );
    assert_eq!(
        resolve_url(base, "../a.zip").unwrap(),
        "https://skills.test/a.zip"
    );
    assert_eq!(
        resolve_url(base, "http://other.test/x.md").unwrap(),
        "http://other.test/x.md"
    );
    assert!(matches!(
        resolve_url(base, "file:///etc/passwd"),
        Err(UrlError::Scheme { .. })
    ));
    assert!(matches!(
        resolve_url("file:///srv/registry.json", "a.md"),
        Err(UrlError::Scheme { .. })
    ));
    assert!(matches!(
        resolve_url("not a url", "a.md"),
        Err(UrlError::Base { .. })
    ));
}

#[test]
fn versions_order_numerically_and_releases_after_prereleases() {
    use std::cmp::Ordering::*;
    assert_eq!(compare_versions("1.10.0", "1.9.0"), Greater);
    assert_eq!(compare_versions("1.2.0", "1.2.0-rc1"), Greater);
    assert_eq!(compare_versions("1.2", "1.2.0"), Less);
    assert_eq!(compare_versions("2", "2"), Equal);
    assert_eq!(compare_versions("b", "a"), Greater);
    let m = parse(
        doc(
            &format!(
                "{},{},{}",
                skill("a", "1.9"),
                skill("a", "1.10"),
                skill("b", "5")
            ),
            "",
        )
        .as_bytes(),
    )
    .unwrap();
    let order: Vec<&str> = m
        .versions_of("a")
        .iter()
        .map(|s| s.version.as_str())
        .collect();
    assert_eq!(order, ["1.10", "1.9"]);
}

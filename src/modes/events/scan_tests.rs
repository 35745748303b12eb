use std::path::Path;

use super::*;

fn event(id: &str) -> String {
    format!(r#"{{"id": "{id}", "channel": "local/{id}", "prompt": "p", "schedule": "immediate"}}"#)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn a_bad_file_among_good_ones_is_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "b.json", &event("b"));
    write(d, "a.json", &event("a"));
    write(d, "c.json", "{\"id\": \"c\"");
    write(d, "d.json", &event("d").replace("immediate", "soon"));
    write(d, "e.json", &event("e"));
    let found = scan(d).unwrap();
    let ids: Vec<&str> = found.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "e"]);
    assert_eq!(found.events[0].file, d.join("a.json"));
    let problems: Vec<(PathBuf, bool)> = found
        .problems
        .iter()
        .map(|p| (p.file.clone(), p.reason.contains('\n')))
        .collect();
    assert_eq!(
        problems,
        [(d.join("c.json"), false), (d.join("d.json"), false)]
    );
    assert!(found.problems[1].reason.starts_with("schedule: "));
}

#[test]
fn only_visible_json_files_at_the_top() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "ok.json", &event("ok"));
    write(d, ".hidden.json", &event("hidden"));
    write(d, "notes.txt", &event("txt"));
    write(d, "ok.json.bak", &event("bak"));
    std::fs::create_dir(d.join("sub")).unwrap();
    write(&d.join("sub"), "deep.json", &event("deep"));
    std::fs::create_dir(d.join("folder.json")).unwrap();
    std::os::unix::fs::symlink(d.join("ok.json"), d.join("link.json")).unwrap();
    std::os::unix::fs::symlink(d.join("gone"), d.join("dangling.json")).unwrap();
    let files = event_files(d).unwrap();
    assert_eq!(files, [d.join("link.json"), d.join("ok.json")]);
    let found = scan(d).unwrap();
    // The link names the same id: it comes first by name, so the real file is the duplicate.
    assert_eq!(found.events.len(), 1);
    assert_eq!(found.events[0].file, d.join("link.json"));
    assert_eq!(found.problems.len(), 1);
}

#[test]
fn duplicate_ids_keep_the_first_file_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "2-second.json", &event("same"));
    write(d, "1-first.json", &event("same"));
    write(d, "3-third.json", &event("same"));
    let found = scan(d).unwrap();
    assert_eq!(found.events.len(), 1);
    assert_eq!(found.events[0].file, d.join("1-first.json"));
    let reasons: Vec<(&Path, &str)> = found
        .problems
        .iter()
        .map(|p| (p.file.as_path(), p.reason.as_str()))
        .collect();
    let reason = "duplicate id \"same\" (already used by 1-first.json)";
    assert_eq!(
        reasons,
        [
            (d.join("2-second.json").as_path(), reason),
            (d.join("3-third.json").as_path(), reason)
        ]
    );
}

#[test]
fn oversized_and_binary_files_are_problems() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let big = " ".repeat(MAX_EVENT_FILE_BYTES as usize + 1);
    write(d, "big.json", &big);
    std::fs::write(d.join("bin.json"), [0xff, 0xfe, 0x00]).unwrap();
    let found = scan(d).unwrap();
    assert!(found.events.is_empty());
    let reasons: Vec<&str> = found.problems.iter().map(|p| p.reason.as_str()).collect();
    assert_eq!(reasons, ["over 1048576 bytes", "not UTF-8 text"]);
}

#[test]
fn a_missing_dir_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let err = scan(&missing).unwrap_err();
    assert!(err.contains(&missing.display().to_string()), "{err}");
}

#[test]
fn many_files_split_over_threads_keep_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 0..2_000 {
        write(
            d,
            &format!("e{i:05}.json"),
            &event(&format!("id{}", i % 1_500)),
        );
    }
    write(d, "e00007.json", "broken");
    let found = scan(d).unwrap();
    // The broken file frees id7, so e01507 keeps it; the other 499 reused ids are duplicates.
    assert_eq!(found.events.len(), 1_500);
    assert_eq!(found.problems.len(), 500);
    assert!(
        found
            .events
            .iter()
            .any(|e| e.id == "id7" && e.file == d.join("e01507.json"))
    );
    assert!(found.events.windows(2).all(|w| w[0].file < w[1].file));
    assert_eq!(found.problems[0].file, d.join("e00007.json"));
    assert_eq!(found.problems[1].file, d.join("e01500.json"));
}

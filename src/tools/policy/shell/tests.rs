use std::path::Path;

use super::*;

fn names(line: &str) -> Vec<String> {
    commands(line, Path::new("/work/p"))
        .unwrap()
        .cmds
        .iter()
        .map(|c| c.name.clone().unwrap_or_else(|| "?".into()))
        .collect()
}

#[test]
fn every_command_of_a_line_is_found() {
    assert_eq!(
        names("ls -la | grep x && echo ok; pwd"),
        ["ls", "grep", "echo", "pwd"]
    );
    assert_eq!(names("echo $(whoami) `date`"), ["whoami", "date", "echo"]);
    assert_eq!(names("(cd src && make) || true"), ["cd", "make", "true"]);
    assert_eq!(names("diff <(sort a) <(sort b)"), ["sort", "sort", "diff"]);
    assert_eq!(names("for f in a b; do cat $f; done"), ["cat", "cat"]);
    assert_eq!(names("if test -f x; then rm x; fi"), ["test", "rm"]);
    assert_eq!(names("f() { git status; }; f"), ["git"]);
}

#[test]
fn wrappers_show_the_command_they_run() {
    assert_eq!(
        names("sudo -u root env X=1 nice -n 5 rm -rf /"),
        ["sudo", "env", "nice", "rm"]
    );
    assert_eq!(
        names("timeout -s KILL 5 xargs -n1 rm"),
        ["timeout", "xargs", "rm"]
    );
    assert_eq!(names("bash -c 'curl x | sh'"), ["bash", "curl", "sh"]);
    assert_eq!(names("eval 'ls; whoami'"), ["eval", "ls", "whoami"]);
    assert_eq!(names("find . -name '*.o' -exec rm {} +"), ["find", "rm"]);
    assert_eq!(names("PAGER='rm -rf /' git log"), ["git", "rm"]);
    assert_eq!(
        names("git -c core.pager='sh -c id' log"),
        ["git", "sh", "id"]
    );
    assert_eq!(names("bash <<EOF\nrm -rf /\nEOF"), ["bash", "rm"]);
    assert_eq!(names("echo 'rm -rf /' | sh"), ["echo", "sh", "rm"]);
}

#[test]
fn words_are_resolved_as_the_shell_would() {
    let line = commands(
        "X=rm; $X -rf /; r\\m a; 'r''m' b; $'\\x72\\x6d' c",
        Path::new("/p"),
    )
    .unwrap();
    let n: Vec<_> = line.cmds.iter().map(|c| c.name.clone()).collect();
    assert_eq!(
        n,
        [
            Some("rm".into()),
            Some("rm".into()),
            Some("rm".into()),
            Some("rm".into())
        ]
    );
    let line = commands("$CMD x; ${IFS}rm y; {rm,-rf,/}", Path::new("/p")).unwrap();
    assert!(line.cmds.iter().all(|c| c.name.is_none()), "{line:?}");
    let line = commands("cd /tmp && rm -rf x", Path::new("/p")).unwrap();
    assert_eq!(line.cmds[1].cwd.as_deref(), Some(Path::new("/tmp")));
    let line = commands("cd $D && rm -rf x", Path::new("/p")).unwrap();
    assert_eq!(line.cmds[1].cwd, None);
    let line = commands("echo hi > /dev/sda 2>&1", Path::new("/p")).unwrap();
    assert_eq!(line.writes[0].target.text, "/dev/sda");
}

#[test]
fn unreadable_lines_fail() {
    assert!(commands("echo 'unterminated", Path::new("/p")).is_err());
    assert!(commands("if then fi )(", Path::new("/p")).is_err());
}

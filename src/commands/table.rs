//! Every slash command, declared once. `/help`, argument checking, `--json`, the suggestion for
//! an unknown command and the TUI's completion all read this table.

use super::spec::ArgKind::{
    Bookmark, Bool, BranchAlias, Command, Count, EntryRef, File, ImportMode, Macro, Model, NewName,
    Profile, Provider,
};
use super::spec::{ArgSpec, CommandGroup, CommandSpec, FlagSpec, SubcommandSpec};

pub(super) const fn req(name: &'static str, kind: super::spec::ArgKind) -> ArgSpec {
    ArgSpec::required(name, kind)
}

pub(super) const fn opt(name: &'static str, kind: super::spec::ArgKind) -> ArgSpec {
    ArgSpec::optional(name, kind)
}

const fn sub(
    name: &'static str,
    summary: &'static str,
    args: &'static [ArgSpec],
    busy_ok: bool,
) -> SubcommandSpec {
    SubcommandSpec {
        name,
        summary,
        args,
        flags: &[],
        busy_ok,
    }
}

/// `--force`: overwrite an existing file.
const FORCE: &[FlagSpec] = &[FlagSpec::switch("force")];

/// A command without subcommands or flags.
pub(super) const fn plain(
    name: &'static str,
    group: CommandGroup,
    summary: &'static str,
    help: &'static str,
    args: &'static [ArgSpec],
    json: bool,
    busy_ok: bool,
) -> CommandSpec {
    CommandSpec {
        name,
        group,
        summary,
        help,
        args,
        flags: &[],
        subcommands: &[],
        json,
        busy_ok,
    }
}

use CommandGroup::{Automate, Context, Inspect, Maintain, Navigate};

/// The commands declared here; [`COMMANDS`] adds the skills commands (`table_skills.rs`) and
/// the events commands (`table_events.rs`).
const CORE: &[CommandSpec] = &[
    // ----- navigate -----
    plain(
        "session",
        Navigate,
        "the session file, entry count, active head and branch count",
        "Shows which session file is open, how many entries it holds, the active head (where the next prompt continues) and how many branches the tree has.",
        &[],
        true,
        true,
    ),
    plain(
        "branches",
        Navigate,
        "every branch tip with its last user message",
        "Lists the tip of every branch, newest last, with its depth, the aliases and bookmarks naming it and its last user message. The active branch is marked with *.",
        &[],
        true,
        true,
    ),
    plain(
        "branch",
        Navigate,
        "move the head to an entry; the next prompt forks there",
        "Moves the active head to <id>: an entry id, a unique id prefix (4+ characters), a branch alias or a bookmark. The next prompt continues from that entry, starting a new branch. The move is recorded, so the session reopens there.",
        &[req("id", EntryRef)],
        false,
        false,
    ),
    plain(
        "resume",
        Navigate,
        "move the head back to the latest entry",
        "Moves the head back to the latest work: the last entry appended (head moves, aliases and bookmarks do not count).",
        &[],
        false,
        false,
    ),
    plain(
        "new",
        Navigate,
        "start a fresh session file (the old one is named to reopen it)",
        "Starts a new session file beside the current one (an in-memory session stays in memory) and continues there; the previous file is named, so `pi --session FILE` or /session-open reopens it.",
        &[],
        false,
        false,
    ),
    plain(
        "clear",
        Navigate,
        "start a new conversation (a new root branch) in this file",
        "The next prompt starts a fresh conversation with no history: a new root branch in the same session file. The old conversation stays; /branch or the graph goes back to it.",
        &[],
        false,
        false,
    ),
    plain(
        "session-open",
        Navigate,
        "continue another session file",
        "Switches to another session file and continues at its head; `pi --resume` picks one of this directory's sessions at start.",
        &[req("file", File)],
        false,
        false,
    ),
    CommandSpec {
        name: "branch-alias",
        group: Navigate,
        summary: "name branches and jump to them by name",
        help: "Aliases name an entry (usually a branch tip) and persist in the session file. `use` moves the head to the aliased entry.",
        args: &[],
        flags: &[],
        subcommands: &[
            sub(
                "set",
                "name the branch ending at <id>",
                &[req("name", NewName), req("id", EntryRef)],
                false,
            ),
            sub("list", "list the aliases", &[], true),
            sub(
                "use",
                "move the head to the aliased entry",
                &[req("name", BranchAlias)],
                false,
            ),
            sub(
                "delete",
                "remove an alias",
                &[req("name", BranchAlias)],
                false,
            ),
        ],
        json: true,
        busy_ok: false,
    },
    CommandSpec {
        name: "session-bookmark",
        group: Navigate,
        summary: "bookmark entries and jump back to them",
        help: "Bookmarks are the pi coding agent's labels: a name on an entry, kept in the session file, readable by pi. `use` moves the head to the bookmarked entry.",
        args: &[],
        flags: &[],
        subcommands: &[
            sub(
                "set",
                "bookmark entry <id> as <name>",
                &[req("name", NewName), req("id", EntryRef)],
                false,
            ),
            sub("list", "list the bookmarks", &[], true),
            sub(
                "use",
                "move the head to the bookmarked entry",
                &[req("name", Bookmark)],
                false,
            ),
            sub(
                "delete",
                "remove a bookmark",
                &[req("name", Bookmark)],
                false,
            ),
        ],
        json: true,
        busy_ok: false,
    },
    // ----- inspect -----
    plain(
        "session-search",
        Inspect,
        "search message text (case-insensitive), newest first",
        "Searches the text of every message on every branch, ignoring case. A last argument that is a number is the most hits to show (default 20). Each hit shows the entry id, the role and a snippet.",
        &[ArgSpec::text("query", true), opt("limit", Count)],
        true,
        true,
    ),
    plain(
        "session-stats",
        Inspect,
        "entries, branches, depth, messages per role, tokens and cost",
        "Counts over the whole file and the active branch: entries by type, messages by role, branch count, depth, and the token usage and cost of every assistant message.",
        &[],
        true,
        true,
    ),
    plain(
        "session-diff",
        Inspect,
        "compare two lineages: common ancestor and what is on each side",
        "Compares the lineages ending at entries <a> and <b> (ids, prefixes, aliases or bookmarks): their deepest common ancestor and the entries only on each side. Without arguments: the active head against the previous head.",
        &[opt("a", EntryRef), opt("b", EntryRef)],
        true,
        true,
    ),
    plain(
        "policy",
        Inspect,
        "show the tool policy in force, each value with where it came from",
        "Prints the effective tool policy as JSON: the preset, every limit and rule (bash profile, allowed and denied commands, destructive commands, sandbox mode and network, caches, denied paths, environment) and for each value where it came from: the preset, a flag. docs/security.md explains them.",
        &[],
        false,
        true,
    ),
    plain(
        "doctor",
        Inspect,
        "check keys, model, session health, lock, skills dir, permissions, sandbox",
        "Runs health checks, each pass / warn / fail: the API key of the current model's provider, the model in the catalog, the session file's validity, its lock, the skills directory, write permissions and whether bash runs in the OS sandbox. The command fails if any check fails.",
        &[],
        true,
        true,
    ),
    plain(
        "audit-summary",
        Inspect,
        "per-tool calls, errors, denials and durations from the tool audit log",
        "Reads a tool audit log (<path>, or this run's --tool-audit-log) and prints per tool: calls, errors and error rate (of the calls that ran), denied and asked counts, p50 and p95 duration (nearest rank) and total output bytes; then how many torn lines were skipped.",
        &[opt("path", File)],
        true,
        true,
    ),
    CommandSpec {
        flags: FORCE,
        ..plain(
            "session-graph-export",
            Inspect,
            "write the session tree as Mermaid (.mmd, .md) or Graphviz (.dot)",
            "Writes the whole tree to <file>: Mermaid for .mmd, a Markdown file with a Mermaid block for .md, Graphviz DOT for .dot. Aliases and bookmarks annotate their entries; the head is highlighted. An existing file is not overwritten unless --force is given.",
            &[req("file", File)],
            false,
            true,
        )
    },
    // ----- maintain -----
    plain(
        "session-repair",
        Maintain,
        "drop torn lines, duplicate ids, orphans and cycles (keeps a backup)",
        "Rewrites the session without torn or malformed lines, duplicate ids, entries whose parent is missing and parent cycles (and what hangs below them). Reports what changed and keeps a backup of the old file; a clean file is left untouched.",
        &[],
        true,
        false,
    ),
    plain(
        "session-compact",
        Maintain,
        "keep only the active lineage (keeps a backup)",
        "Rewrites the session with only the entries on the active branch (and the aliases and bookmarks on it). A backup of the old file is kept. To shorten what the model is sent, use /compact instead.",
        &[],
        true,
        false,
    ),
    CommandSpec {
        flags: FORCE,
        ..plain(
            "session-export",
            Maintain,
            "write the active lineage as a standalone session file",
            "Writes the active branch, root to head, as a new session file at <file> whose header names this session as its parent. An existing file is not overwritten unless --force is given.",
            &[req("file", File)],
            true,
            true,
        )
    },
    plain(
        "session-import",
        Maintain,
        "import a session file: merge (default) or replace",
        "Imports the session at <file> (the pi format or the older rust-pi format). merge adds its entries, giving colliding ids new ones and reporting the pairs; replace swaps this session's entries for them (a backup is kept). The default mode is --session-import-mode. A file that is not a session is refused and nothing changes.",
        &[req("file", File), opt("merge|replace", ImportMode)],
        true,
        false,
    ),
    // ----- context and models -----
    plain(
        "compact",
        Context,
        "summarise the older part of the branch with the current model",
        "Asks the current model to summarise the active branch except its recent messages and records a compaction entry: later requests send the summary and the recent messages only. Optional instructions steer the summary. Compaction also runs by itself before a request would exceed the model's context window, and once more when the provider reports an overflow.",
        &[ArgSpec::text("instructions", false)],
        false,
        false,
    ),
    plain(
        "model",
        Context,
        "switch the model mid-session",
        "Switches to <provider/id> for the next turns and records the change in the session. The provider's API key must be set.",
        &[req("provider/id", Model)],
        false,
        false,
    ),
    CommandSpec {
        name: "models-list",
        group: Context,
        summary: "models in the catalog",
        help: "Lists catalog models whose provider, id or name contains every word of the query, with context window, output limit, prices per million tokens, the API each is spoken to in (chat, responses, messages, gemini) and capabilities.",
        args: &[ArgSpec::text("query", false)],
        flags: &[
            FlagSpec::value("provider", "p", Provider),
            FlagSpec::value("tools", "true|false", Bool),
            FlagSpec::value("limit", "n", Count),
        ],
        subcommands: &[],
        json: true,
        busy_ok: true,
    },
    plain(
        "model-show",
        Context,
        "one catalog model in detail",
        "Shows the catalog entry of <provider/id>: name, context window, output limit, capabilities, prices and aliases.",
        &[req("provider/id", Model)],
        true,
        true,
    ),
    // ----- automate -----
    CommandSpec {
        name: "macro",
        group: Automate,
        summary: "save, list, show, run and delete command macros (.pi/macros.json)",
        help: "A macro is a list of command lines saved from a file (the same format as --command-file) in the project's .pi/macros.json. `run` executes them in order; --dry-run only lists them.",
        args: &[],
        flags: &[],
        subcommands: &[
            sub(
                "save",
                "save the commands of <commands-file> as <name>",
                &[req("name", NewName), req("commands-file", File)],
                true,
            ),
            sub("list", "list the macros", &[], true),
            sub(
                "show",
                "print a macro's commands",
                &[req("name", Macro)],
                true,
            ),
            SubcommandSpec {
                name: "run",
                summary: "run a macro's commands in order",
                args: &[req("name", Macro)],
                flags: &[FlagSpec::switch("dry-run")],
                busy_ok: false,
            },
            sub("delete", "delete a macro", &[req("name", Macro)], true),
        ],
        json: true,
        busy_ok: true,
    },
    CommandSpec {
        name: "profile",
        group: Automate,
        summary: "save and load runtime defaults (.pi/profiles.json)",
        help: "A profile holds runtime defaults: the model, fallback models, thinking level and limits (turns, output tokens, turn timeout, context window, tool limits). `save` stores the settings in force; `load` applies a profile to the running session.",
        args: &[],
        flags: &[],
        subcommands: &[
            sub(
                "save",
                "save the settings in force as <name>",
                &[req("name", NewName)],
                true,
            ),
            sub("list", "list the profiles", &[], true),
            sub("show", "print a profile", &[req("name", Profile)], true),
            sub("load", "apply a profile", &[req("name", Profile)], false),
            sub("delete", "delete a profile", &[req("name", Profile)], true),
        ],
        json: true,
        busy_ok: true,
    },
    plain(
        "help",
        Automate,
        "list the commands, or show one command's usage",
        "Without an argument, lists every command. With one, prints its usage line and what it does.",
        &[opt("command", Command)],
        false,
        true,
    ),
    plain(
        "quit",
        Automate,
        "leave pi",
        "Ends the session: the interactive mode exits, a command file stops here.",
        &[],
        false,
        true,
    ),
];

/// Every slash command, in `/help` order within each group.
pub static COMMANDS: std::sync::LazyLock<Vec<CommandSpec>> = std::sync::LazyLock::new(|| {
    [
        CORE,
        super::table_skills::SKILLS,
        super::table_events::EVENTS,
    ]
    .concat()
});

/// The command named `name` (with or without its slash).
pub fn find(name: &str) -> Option<&'static CommandSpec> {
    let name = name.strip_prefix('/').unwrap_or(name);
    COMMANDS.iter().find(|c| c.name == name)
}

/// The known command nearest to `name`, if one is close enough to be a likely typo.
pub fn suggest(name: &str) -> Option<&'static CommandSpec> {
    let name = name.strip_prefix('/').unwrap_or(name).to_lowercase();
    if name.is_empty() {
        return None;
    }
    if let Some(c) = COMMANDS.iter().find(|c| c.name.starts_with(&name)) {
        return Some(c);
    }
    let (best, distance) = COMMANDS
        .iter()
        .map(|c| (c, strsim::damerau_levenshtein(&name, c.name)))
        .min_by_key(|(_, d)| *d)?;
    let allowed = (name.chars().count() / 3).max(2);
    (distance <= allowed).then_some(best)
}

/// Commands whose name starts with `prefix` (without its slash), in table order.
pub fn matching(prefix: &str) -> Vec<&'static CommandSpec> {
    let prefix = prefix.strip_prefix('/').unwrap_or(prefix);
    COMMANDS
        .iter()
        .filter(|c| c.name.starts_with(prefix))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_usage_lines_start_with_the_name() {
        for (i, c) in COMMANDS.iter().enumerate() {
            assert!(
                COMMANDS[i + 1..].iter().all(|o| o.name != c.name),
                "{}",
                c.name
            );
            assert!(c.usage().starts_with(&format!("/{}", c.name)));
            assert!(!c.summary.is_empty() && !c.help.is_empty());
            let variadic = c.args.iter().filter(|a| a.variadic).count();
            assert!(variadic <= 1, "{}", c.name);
        }
    }

    #[test]
    fn suggestions_catch_typos_but_not_nonsense() {
        assert_eq!(suggest("sesion").map(|c| c.name), Some("session"));
        assert_eq!(suggest("/branchs").map(|c| c.name), Some("branches"));
        assert_eq!(
            suggest("sesion-stats").map(|c| c.name),
            Some("session-stats")
        );
        assert_eq!(suggest("docter").map(|c| c.name), Some("doctor"));
        assert_eq!(suggest("xyzzy-plugh"), None);
    }

    #[test]
    fn usage_lines_show_subcommands_and_flags() {
        let m = find("/macro").unwrap();
        assert_eq!(
            m.usage(),
            "/macro save <name> <commands-file> | list | show <name> | run <name> [--dry-run] | delete <name> [--json]"
        );
        assert_eq!(
            find("models-list").unwrap().usage(),
            "/models-list [query...] [--provider p] [--tools true|false] [--limit n] [--json]"
        );
        assert_eq!(
            find("session-diff").unwrap().usage(),
            "/session-diff [a b] [--json]"
        );
        assert_eq!(
            find("session-export").unwrap().usage(),
            "/session-export <file> [--force] [--json]"
        );
        assert_eq!(
            find("session-search").unwrap().usage(),
            "/session-search <query...> [limit] [--json]"
        );
    }
}

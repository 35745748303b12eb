//! The skills commands (`table_skills.rs` declares them; docs/skills.md): what is found
//! (`/skills-list`, `/skills-show`, `/skills-search`) here; installs, the lockfile and the
//! trust roots in `skills_supply.rs`.

use serde_json::{Value, json};

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::CommandOutput;
use super::parse::Invocation;
use crate::skills::discover::{Discovery, FoundSkill, SkillSource, discover_config};
use crate::skills::record::{InstallRecord, InstallRecords, verification};

type Result = std::result::Result<CommandOutput, CommandError>;

/// Runs a `/skills-*` command.
pub fn run(engine: &mut CommandEngine, inv: &Invocation) -> Result {
    match inv.spec.name {
        "skills-list" => list(engine, inv),
        "skills-show" => show(engine, inv),
        "skills-search" => search(engine, inv),
        _ => super::skills_supply::run(engine, inv),
    }
}

/// The names of the skills found, for completion.
pub fn skill_names(engine: &CommandEngine) -> Vec<String> {
    discover_config(&engine.ctx.skills)
        .skills
        .iter()
        .map(|s| s.name().to_string())
        .collect()
}

/// The install records of the project's folder (the only one pi installs into); a broken
/// records file reads as none, with its error.
fn records(engine: &CommandEngine) -> (InstallRecords, Option<String>) {
    match crate::skills::record::read(&engine.ctx.skills.dir) {
        Ok(r) => (r, None),
        Err(e) => (InstallRecords::default(), Some(e)),
    }
}

/// The record of a found skill: only project skills have one.
fn record_of<'r>(records: &'r InstallRecords, skill: &FoundSkill) -> Option<&'r InstallRecord> {
    (skill.source == SkillSource::Project)
        .then(|| records.skills.get(skill.name()))
        .flatten()
}

fn skill_json(s: &FoundSkill, record: Option<&InstallRecord>) -> Value {
    json!({
        "name": s.name(),
        "description": s.skill.description,
        "version": s.skill.version,
        "license": s.skill.license,
        "path": s.skill.path.display().to_string(),
        "source": s.source.label(),
        "verification": verification(record),
        "record": record,
    })
}

fn list(engine: &CommandEngine, inv: &Invocation) -> Result {
    let found = discover_config(&engine.ctx.skills);
    let (records, records_error) = records(engine);
    let mut lines = Vec::new();
    if found.skills.is_empty() {
        lines.push(format!(
            "no skills in {}{}",
            engine.ctx.skills.dir.display(),
            engine
                .ctx
                .skills
                .user_dir
                .as_ref()
                .map(|d| format!(" or {}", d.display()))
                .unwrap_or_default()
        ));
    }
    let width = found
        .skills
        .iter()
        .map(|s| s.name().chars().count())
        .max()
        .unwrap_or(0);
    for s in &found.skills {
        let version = s
            .skill
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        lines.push(format!(
            "{:<width$}{version}  [{}] {} · {}",
            s.name(),
            s.source.label(),
            s.skill.description,
            verification(record_of(&records, s)),
        ));
    }
    push_problems(&mut lines, &found, records_error.as_deref());
    let ok = found.errors().next().is_none() && records_error.is_none();
    let mut out = CommandOutput::with_json(lines, inv.json, || {
        json!({
            "skills": found.skills.iter().map(|s| skill_json(s, record_of(&records, s))).collect::<Vec<_>>(),
            "shadowed": found.shadowed.iter().map(|s| json!({"name": s.name, "path": s.path.display().to_string(), "by": s.by.display().to_string()})).collect::<Vec<_>>(),
            "problems": found.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        })
    });
    out.ok = ok;
    Ok(out)
}

fn push_problems(lines: &mut Vec<String>, found: &Discovery, records_error: Option<&str>) {
    for s in &found.shadowed {
        lines.push(format!("  shadowed: {s}"));
    }
    for p in &found.problems {
        lines.push(format!("  problem: {p}"));
    }
    if let Some(e) = records_error {
        lines.push(format!("  problem: {e}"));
    }
}

fn show(engine: &CommandEngine, inv: &Invocation) -> Result {
    let name = inv.required_arg(0)?;
    let found = discover_config(&engine.ctx.skills);
    let roots = crate::skills::discover::roots(&engine.ctx.skills);
    let Some(s) = found.get(name) else {
        return Err(CommandError::failed(
            crate::skills::discover::unknown_skill(&found, name, &roots),
        ));
    };
    let (records, _) = records(engine);
    let record = record_of(&records, s);
    let mut lines = vec![
        format!("{} — {}", s.name(), s.skill.description),
        format!("path: {} ({})", s.skill.path.display(), s.source.label()),
    ];
    if let Some(v) = &s.skill.version {
        lines.push(format!("version: {v}"));
    }
    if let Some(l) = &s.skill.license {
        lines.push(format!("license: {l}"));
    }
    lines.push(format!("installed: {}", verification(record)));
    if let Some(r) = record {
        lines.push(format!("artifact sha256: {}", r.sha256));
    }
    lines.push(String::new());
    lines.extend(s.skill.body.lines().map(str::to_string));
    Ok(CommandOutput::with_json(lines, inv.json, || {
        let mut v = skill_json(s, record);
        v["body"] = json!(s.skill.body);
        v
    }))
}

/// How well `query`'s words match a skill: every word must be found; an exact name counts
/// most, then a name prefix, a word of the name, the description. `None` when a word is
/// missing.
pub fn score(query: &[String], name: &str, description: &str) -> Option<u32> {
    let name = name.to_lowercase();
    let description = description.to_lowercase();
    let mut total = 0;
    for word in query {
        let w = word.to_lowercase();
        total += if name == w {
            100
        } else if name.starts_with(&w) {
            60
        } else if name.contains(&w) {
            40
        } else if description.contains(&w) {
            10
        } else {
            return None;
        };
    }
    Some(total)
}

/// The query's words and the number of results: a last word that is a number is the limit.
fn query_and_limit(inv: &Invocation) -> (Vec<String>, usize) {
    let mut words: Vec<String> = (0..)
        .map_while(|i| inv.arg(i))
        .flat_map(|a| a.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let limit = match words.last().and_then(|w| w.parse::<usize>().ok()) {
        Some(n) if words.len() > 1 => {
            words.pop();
            n.max(1)
        }
        _ => 20,
    };
    (words, limit)
}

fn search(engine: &CommandEngine, inv: &Invocation) -> Result {
    let (query, limit) = query_and_limit(inv);
    let found = discover_config(&engine.ctx.skills);
    let mut hits: Vec<(u32, String, String, String)> = found
        .skills
        .iter()
        .filter_map(|s| {
            let sc = score(&query, s.name(), &s.skill.description)?;
            Some((
                sc,
                s.name().to_string(),
                s.skill.description.clone(),
                format!("installed ({})", s.source.label()),
            ))
        })
        .collect();
    let mut notes = Vec::new();
    match super::skills_supply::registry_entries(engine) {
        Ok(Some(entries)) => {
            for i in entries {
                if let Some(sc) = score(&query, &i.name, "") {
                    let where_ = format!("registry {}, {}", i.version, i.trust());
                    hits.push((sc, i.name, String::new(), where_));
                }
            }
        }
        Ok(None) => {}
        Err(e) => notes.push(format!("registry not searched: {e}")),
    }
    hits.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    hits.truncate(limit);
    let mut lines: Vec<String> = hits
        .iter()
        .map(|(_, name, description, where_)| format!("{name}  [{where_}] {description}"))
        .collect();
    if lines.is_empty() {
        lines.push(format!("no skill matches '{}'", query.join(" ")));
    }
    lines.extend(notes);
    Ok(CommandOutput::with_json(lines, inv.json, || {
        json!(
            hits.iter()
                .map(|(score, name, description, where_)| json!({"name": name, "description": description, "where": where_, "score": score}))
                .collect::<Vec<_>>()
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::record::SourceKind;

    fn q(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn an_exact_name_ranks_above_a_prefix_and_a_description() {
        let exact = score(&q(&["review"]), "review", "x").unwrap();
        let prefix = score(&q(&["review"]), "review-pr", "x").unwrap();
        let described = score(&q(&["review"]), "lint", "review code style").unwrap();
        assert!(exact > prefix && prefix > described);
        assert_eq!(
            score(&q(&["review", "rust"]), "review", "python only"),
            None
        );
        assert!(score(&q(&["REVIEW"]), "Review", "").is_some());
    }

    #[test]
    fn verification_names_the_key_and_registry_or_says_how_it_came() {
        assert_eq!(verification(None), "placed by hand");
        let mut r = InstallRecord {
            version: None,
            source: SourceKind::Registry,
            source_url: "http://r/s.md".into(),
            registry: Some("http://r/registry.json".into()),
            signing_key: Some("team".into()),
            sha256: String::new(),
            installed_unix: 0,
            path: "s.md".into(),
        };
        assert_eq!(
            verification(Some(&r)),
            "signed by team (http://r/registry.json)"
        );
        r.signing_key = None;
        assert_eq!(verification(Some(&r)), "unsigned (http://r/registry.json)");
    }
}

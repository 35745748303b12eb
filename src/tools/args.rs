//! Tool arguments: their serde shape is what a model sends, their schemars schema is what it is
//! offered, and their doc comments are the parameter descriptions (the pi coding agent's).

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::ToolError;
use crate::ai::types::ToolSpec;

/// Line cap of one `read` call.
pub(crate) const READ_MAX_LINES: usize = 2000;
pub(crate) const GREP_DEFAULT_LIMIT: usize = 100;
pub(crate) const FIND_DEFAULT_LIMIT: usize = 1000;
pub(crate) const LS_DEFAULT_LIMIT: usize = 500;

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ReadArgs {
    /// Path to the file to read (relative or absolute)
    pub path: String,
    /// Line number to start reading from (1-indexed)
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub offset: Option<u64>,
    /// Maximum number of lines to read
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct WriteArgs {
    /// Path to the file to write (relative or absolute)
    pub path: String,
    /// Content to write to the file
    pub content: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EditArgs {
    /// Path to the file to edit (relative or absolute)
    pub path: String,
    /// Exact text to find and replace (must match exactly)
    pub old_text: String,
    /// New text to replace the old text with
    pub new_text: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct BashArgs {
    /// Bash command to execute
    pub command: String,
    /// Timeout in seconds (optional; defaults to the configured bash timeout, which is also the most allowed: a longer timeout, or 0, is capped to it)
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub timeout: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GrepArgs {
    /// Search pattern (regex or literal string)
    pub pattern: String,
    /// Directory or file to search (default: current directory)
    #[serde(default)]
    pub path: Option<String>,
    /// Filter files by glob pattern, e.g. '*.ts' or '**/*.spec.ts'
    #[serde(default)]
    pub glob: Option<String>,
    /// Case-insensitive search (default: false)
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub ignore_case: Option<bool>,
    /// Treat pattern as literal string instead of regex (default: false)
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub literal: Option<bool>,
    /// Number of lines to show before and after each match (default: 0)
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub context: Option<u64>,
    /// Maximum number of matches to return (default: 100)
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct FindArgs {
    /// Glob pattern to match files, e.g. '*.ts', '**/*.json', or 'src/**/*.spec.ts'
    pub pattern: String,
    /// Directory to search in (default: current directory)
    #[serde(default)]
    pub path: Option<String>,
    /// Maximum number of results (default: 1000)
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct LsArgs {
    /// Directory to list (default: current directory)
    #[serde(default)]
    pub path: Option<String>,
    /// Maximum number of entries to return (default: 500)
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub limit: Option<u64>,
}

/// The call shape shown when arguments do not parse.
fn usage(tool: &str) -> &'static str {
    match tool {
        "read" => "read {path: string, offset?: integer, limit?: integer}",
        "write" => "write {path: string, content: string}",
        "edit" => "edit {path: string, oldText: string, newText: string}",
        "bash" => "bash {command: string, timeout?: number (seconds)}",
        "grep" => {
            "grep {pattern: string, path?: string, glob?: string, ignoreCase?: boolean, literal?: boolean, context?: integer, limit?: integer}"
        }
        "find" => "find {pattern: string, path?: string, limit?: integer}",
        "ls" => "ls {path?: string, limit?: integer}",
        _ => "",
    }
}

/// Parses `arguments` (an object, or a JSON string holding one) into the tool's argument type;
/// the error names the bad or missing field and shows the expected call.
pub(crate) fn parse<T: DeserializeOwned>(tool: &str, arguments: &Value) -> Result<T, ToolError> {
    let owned;
    let value = match arguments {
        Value::String(s) => {
            owned = serde_json::from_str::<Value>(s).map_err(|e| {
                ToolError::Invalid(format!(
                    "Invalid arguments for {tool}: not a JSON object ({e}). Call it as {}.",
                    usage(tool)
                ))
            })?;
            &owned
        }
        Value::Null => {
            owned = Value::Object(serde_json::Map::new());
            &owned
        }
        // The provider layer keeps arguments that were not a JSON object as `{"_raw": text}`.
        Value::Object(map) if map.len() == 1 && map.contains_key("_raw") => {
            let raw = map.get("_raw").and_then(Value::as_str).unwrap_or_default();
            return Err(not_json(tool, raw));
        }
        v => v,
    };
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let place = if field == "." {
            String::new()
        } else {
            format!("field `{field}`: ")
        };
        ToolError::Invalid(format!(
            "Invalid arguments for {tool}: {place}{inner}. Call it as {}.",
            usage(tool)
        ))
    })
}

/// The error for arguments that were not a JSON object, quoting their start.
fn not_json(tool: &str, raw: &str) -> ToolError {
    const QUOTE_CHARS: usize = 60;
    let mut quoted: String = raw.chars().take(QUOTE_CHARS).collect();
    if raw.chars().nth(QUOTE_CHARS).is_some() {
        quoted.push('…');
    }
    let why = match serde_json::from_str::<Value>(raw) {
        Ok(_) => "are JSON but not an object".to_string(),
        Err(e) => format!("are not valid JSON ({e})"),
    };
    ToolError::Invalid(format!(
        "Invalid arguments for {tool}: the arguments {why}: {quoted:?}. Send one JSON object with the parameters as keys, e.g. {}.",
        usage(tool)
    ))
}

const READ_DESCRIPTION: &str = "Read the contents of a file. Supports text files and images (jpg, png, gif, webp). Images are sent as attachments. For text files, output is truncated to 2000 lines or 50KB (whichever is hit first). Use offset/limit for large files. When you need the full file, continue with offset until complete.";
const WRITE_DESCRIPTION: &str = "Write content to a file. Creates the file if it doesn't exist, overwrites if it does. Automatically creates parent directories.";
const EDIT_DESCRIPTION: &str = "Edit a file by replacing exact text. The oldText must match exactly (including whitespace). Use this for precise, surgical edits.";
const BASH_DESCRIPTION: &str = "Execute a bash command in the current working directory. Returns stdout and stderr. Output is truncated to last 2000 lines or 50KB (whichever is hit first). If truncated, full output is saved to a temp file. Optionally provide a timeout in seconds.";
const GREP_DESCRIPTION: &str = "Search file contents for a pattern. Returns matching lines with file paths and line numbers. Respects .gitignore. Output is truncated to 100 matches or 50KB (whichever is hit first). Long lines are truncated to 500 chars.";
const FIND_DESCRIPTION: &str = "Search for files by glob pattern. Returns matching file paths relative to the search directory. Respects .gitignore. Output is truncated to 1000 results or 50KB (whichever is hit first).";
const LS_DESCRIPTION: &str = "List directory contents. Returns entries sorted alphabetically, with '/' suffix for directories. Includes dotfiles. Output is truncated to 500 entries or 50KB (whichever is hit first).";

pub(crate) fn specs() -> Vec<ToolSpec> {
    vec![
        spec::<ReadArgs>("read", READ_DESCRIPTION),
        spec::<WriteArgs>("write", WRITE_DESCRIPTION),
        spec::<EditArgs>("edit", EDIT_DESCRIPTION),
        spec::<BashArgs>("bash", BASH_DESCRIPTION),
        spec::<GrepArgs>("grep", GREP_DESCRIPTION),
        spec::<FindArgs>("find", FIND_DESCRIPTION),
        spec::<LsArgs>("ls", LS_DESCRIPTION),
    ]
}

fn spec<T: JsonSchema>(name: &str, description: &str) -> ToolSpec {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator()
        .into_root_schema_for::<T>();
    let mut parameters = schema.to_value();
    if let Value::Object(root) = &mut parameters {
        for key in ["$schema", "title", "description"] {
            root.remove(key);
        }
        root.entry("properties")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
    simplify(&mut parameters);
    ToolSpec {
        name: name.to_string(),
        description: description.to_string(),
        parameters,
    }
}

/// Plain schemas every provider accepts: `["integer", "null"]` becomes `"integer"` (optional
/// fields are simply not required) and `format` hints like `uint64` go.
fn simplify(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.remove("format");
            if let Some(Value::Array(types)) = map.get("type") {
                let non_null: Vec<Value> = types
                    .iter()
                    .filter(|t| t.as_str() != Some("null"))
                    .cloned()
                    .collect();
                if non_null.len() == 1 {
                    map.insert("type".into(), non_null[0].clone());
                }
            }
            // `#[serde(default)]` on an optional field gives `"default": null` beside what is
            // now a non-null type: a contradiction strict validators refuse.
            let nullable = map.get("type").is_some_and(|t| {
                t.as_str() == Some("null")
                    || t.as_array().is_some_and(|a| a.iter().any(|x| x == "null"))
            });
            if map.get("default").is_some_and(Value::is_null) && !nullable {
                map.remove("default");
            }
            for v in map.values_mut() {
                simplify(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(simplify),
        _ => {}
    }
}

/// Models send `"10"` or `10.0` for integers now and then; accept what is unambiguous.
mod lenient {
    use serde::Deserialize;
    use serde::de::{Deserializer, Error};
    use serde_json::Value;

    pub(super) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    Ok(Some(u))
                } else {
                    match n.as_f64() {
                        Some(f) if f >= 0.0 && f.fract() == 0.0 && f < 1e15 => Ok(Some(f as u64)),
                        _ => Err(D::Error::custom(format!(
                            "expected a non-negative integer, got {n}"
                        ))),
                    }
                }
            }
            Value::String(s) => s.trim().parse::<u64>().map(Some).map_err(|_| {
                D::Error::custom(format!("expected a non-negative integer, got \"{s}\""))
            }),
            other => Err(D::Error::custom(format!(
                "expected a non-negative integer, got {other}"
            ))),
        }
    }

    pub(super) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::Number(n) => Ok(n.as_f64()),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map(Some)
                .map_err(|_| D::Error::custom(format!("expected a number, got \"{s}\""))),
            other => Err(D::Error::custom(format!("expected a number, got {other}"))),
        }
    }

    pub(super) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            other => Err(D::Error::custom(format!(
                "expected true or false, got {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_that_are_not_json_are_named_as_such() {
        let raw = crate::ai::parse_tool_arguments("{not json");
        let Err(ToolError::Invalid(msg)) = parse::<WriteArgs>("write", &raw) else {
            panic!("expected an invalid-arguments error");
        };
        assert!(msg.contains("not valid JSON"), "{msg}");
        assert!(msg.contains("\"{not json\""), "{msg}");
        assert!(
            msg.contains("write {path: string, content: string}"),
            "{msg}"
        );
        assert!(!msg.contains("missing field"), "{msg}");
        let long = format!("[{}]", "1,".repeat(100));
        let raw = crate::ai::parse_tool_arguments(&long);
        let Err(ToolError::Invalid(msg)) = parse::<BashArgs>("bash", &raw) else {
            panic!("expected an invalid-arguments error");
        };
        assert!(msg.contains("not valid JSON") && msg.contains('…'), "{msg}");
        let raw = crate::ai::parse_tool_arguments("[1]");
        let Err(ToolError::Invalid(msg)) = parse::<BashArgs>("bash", &raw) else {
            panic!("expected an invalid-arguments error");
        };
        assert!(msg.contains("JSON but not an object"), "{msg}");
    }

    #[test]
    fn no_schema_says_default_null_beside_a_non_null_type() {
        fn walk(v: &Value, path: &str, bad: &mut Vec<String>) {
            match v {
                Value::Object(map) => {
                    let nullable = map.get("type").is_some_and(|t| {
                        t == "null" || t.as_array().is_some_and(|a| a.iter().any(|x| x == "null"))
                    });
                    if map.get("default").is_some_and(Value::is_null) && !nullable {
                        bad.push(path.to_string());
                    }
                    for (k, v) in map {
                        walk(v, &format!("{path}/{k}"), bad);
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, path, bad)),
                _ => {}
            }
        }
        let mut bad = Vec::new();
        for spec in specs() {
            walk(&spec.parameters, &spec.name, &mut bad);
        }
        assert!(bad.is_empty(), "{bad:?}");
        // Optional fields stay optional and keep their type.
        let read = &specs()[0].parameters;
        assert_eq!(read["properties"]["offset"]["type"], "integer");
        assert!(read["properties"]["offset"].get("default").is_none());
    }

    #[test]
    fn specs_use_pi_parameter_names() {
        let specs = specs();
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, super::super::TOOL_NAMES);
        let edit = &specs[2].parameters;
        assert_eq!(edit["type"], "object");
        assert_eq!(edit["required"], json!(["path", "oldText", "newText"]));
        assert_eq!(
            edit["properties"]["oldText"]["description"],
            "Exact text to find and replace (must match exactly)"
        );
        let grep = &specs[4].parameters;
        for key in [
            "pattern",
            "path",
            "glob",
            "ignoreCase",
            "literal",
            "context",
            "limit",
        ] {
            assert!(grep["properties"].get(key).is_some(), "grep lacks {key}");
        }
        assert_eq!(grep["properties"]["limit"]["type"], "integer");
        assert!(grep["properties"]["limit"].get("format").is_none());
        assert_eq!(specs[6].parameters["properties"]["path"]["type"], "string");
        assert!(specs[6].parameters.get("$schema").is_none());
    }

    #[test]
    fn missing_field_is_named() {
        let e = parse::<EditArgs>("edit", &json!({"path": "a", "oldText": "x"})).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("missing field `newText`"), "{msg}");
        assert!(
            msg.contains("edit {path: string, oldText: string, newText: string}"),
            "{msg}"
        );
    }

    #[test]
    fn bad_field_type_is_named() {
        let e = parse::<ReadArgs>("read", &json!({"path": "a", "offset": "ten"})).unwrap_err();
        assert!(e.to_string().contains("field `offset`"), "{e}");
    }

    #[test]
    fn lenient_numbers_and_string_arguments() {
        let a: ReadArgs =
            parse("read", &json!({"path": "a", "offset": "3", "limit": 5.0})).unwrap();
        assert_eq!((a.offset, a.limit), (Some(3), Some(5)));
        let a: ReadArgs = parse("read", &json!("{\"path\": \"b\", \"offset\": null}")).unwrap();
        assert_eq!((a.path.as_str(), a.offset), ("b", None));
        let g: GrepArgs = parse("grep", &json!({"pattern": "x", "ignoreCase": "true"})).unwrap();
        assert_eq!(g.ignore_case, Some(true));
        assert!(parse::<ReadArgs>("read", &json!({"path": "a", "limit": -1})).is_err());
    }
}

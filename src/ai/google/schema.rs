//! Reduces a JSON schema to the subset Gemini's function declarations accept: local `$ref`s are
//! inlined, type lists become `nullable`, `const` becomes `enum`, unknown keywords are dropped.

use serde_json::{Map, Value, json};

const MAX_DEPTH: usize = 16;

/// The Gemini form of `schema`.
pub fn reduce(schema: &Value) -> Value {
    reduce_at(schema, schema, 0)
}

fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let path = reference.strip_prefix("#/")?;
    path.split('/').try_fold(root, |node, key| {
        node.get(key.replace("~1", "/").replace("~0", "~"))
    })
}

fn reduce_at(schema: &Value, root: &Value, depth: usize) -> Value {
    let Some(obj) = schema.as_object() else {
        return json!({});
    };
    if depth > MAX_DEPTH {
        return json!({"type": "object"});
    }
    if let Some(target) = obj
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| resolve(root, r))
    {
        let mut merged = reduce_at(target, root, depth + 1);
        if let (Some(m), Some(d)) = (merged.as_object_mut(), obj.get("description")) {
            m.insert("description".into(), d.clone());
        }
        return merged;
    }
    if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
        return merge_all_of(obj, all, root, depth);
    }

    let mut out = Map::new();
    let mut nullable = obj
        .get("nullable")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match obj.get("type") {
        Some(Value::String(t)) => {
            out.insert("type".into(), json!(t));
        }
        Some(Value::Array(types)) => {
            nullable |= types.iter().any(|t| t == "null");
            if let Some(t) = types.iter().find(|t| *t != "null") {
                out.insert("type".into(), t.clone());
            }
        }
        _ => {}
    }
    for key in ["anyOf", "oneOf"] {
        let Some(options) = obj.get(key).and_then(Value::as_array) else {
            continue;
        };
        let mut kept: Vec<Value> = Vec::new();
        for o in options {
            if o.get("type").is_some_and(|t| t == "null") {
                nullable = true;
            } else {
                kept.push(reduce_at(o, root, depth + 1));
            }
        }
        match kept.len() {
            0 => {}
            1 => {
                if let Some(single) = kept.pop().and_then(|v| v.as_object().cloned()) {
                    for (k, v) in single {
                        out.entry(k).or_insert(v);
                    }
                }
            }
            _ => {
                out.insert("anyOf".into(), Value::Array(kept));
            }
        }
    }
    if let Some(c) = obj.get("const") {
        out.insert("enum".into(), json!([c]));
        out.entry("type").or_insert(json!(json_type(c)));
    }
    if let Some(values) = obj.get("enum").and_then(Value::as_array) {
        // Gemini enums are string-typed.
        let strings: Vec<Value> = values
            .iter()
            .filter_map(|v| match v {
                Value::String(_) => Some(v.clone()),
                Value::Number(n) => Some(json!(n.to_string())),
                _ => None,
            })
            .collect();
        if !strings.is_empty() {
            out.insert("type".into(), json!("string"));
            out.insert("enum".into(), Value::Array(strings));
        }
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        let reduced: Map<String, Value> = props
            .iter()
            .map(|(k, v)| (k.clone(), reduce_at(v, root, depth + 1)))
            .collect();
        if let Some(required) = obj.get("required").and_then(Value::as_array) {
            let kept: Vec<Value> = required
                .iter()
                .filter(|r| r.as_str().is_some_and(|r| reduced.contains_key(r)))
                .cloned()
                .collect();
            if !kept.is_empty() {
                out.insert("required".into(), Value::Array(kept));
            }
        }
        if !reduced.is_empty() {
            out.insert("properties".into(), Value::Object(reduced));
        }
        out.entry("type").or_insert(json!("object"));
    }
    match obj.get("items") {
        Some(items @ Value::Object(_)) => {
            out.insert("items".into(), reduce_at(items, root, depth + 1));
        }
        Some(Value::Array(tuple)) if !tuple.is_empty() => {
            out.insert("items".into(), reduce_at(&tuple[0], root, depth + 1));
        }
        _ => {}
    }
    if out.get("type").is_some_and(|t| t == "array") && !out.contains_key("items") {
        out.insert("items".into(), json!({"type": "string"}));
    }
    for key in [
        "description",
        "title",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "pattern",
        "minProperties",
        "maxProperties",
    ] {
        if let Some(v) = obj.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    if let Some(f) = obj.get("format").and_then(Value::as_str) {
        let ok = match out.get("type").and_then(Value::as_str) {
            Some("string") => matches!(f, "enum" | "date-time"),
            Some("integer") => matches!(f, "int32" | "int64"),
            Some("number") => matches!(f, "float" | "double"),
            _ => false,
        };
        if ok {
            out.insert("format".into(), json!(f));
        }
    }
    if nullable {
        out.insert("nullable".into(), json!(true));
    }
    Value::Object(out)
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        _ => "string",
    }
}

fn merge_all_of(obj: &Map<String, Value>, all: &[Value], root: &Value, depth: usize) -> Value {
    let mut base = obj.clone();
    base.remove("allOf");
    let mut merged = reduce_at(&Value::Object(base), root, depth + 1);
    for part in all {
        let reduced = reduce_at(part, root, depth + 1);
        let (Some(m), Some(r)) = (merged.as_object_mut(), reduced.as_object()) else {
            continue;
        };
        for (k, v) in r {
            match (k.as_str(), m.get_mut(k)) {
                ("properties", Some(Value::Object(props))) => {
                    if let Some(new) = v.as_object() {
                        props.extend(new.clone());
                    }
                }
                ("required", Some(Value::Array(req))) => {
                    if let Some(new) = v.as_array() {
                        req.extend(new.iter().cloned());
                    }
                }
                (_, Some(_)) => {}
                (_, None) => {
                    m.insert(k.clone(), v.clone());
                }
            }
        }
    }
    merged
}

/// Whether a reduced schema is an object without properties (Gemini refuses those: the
/// declaration is sent without `parameters`).
pub fn is_empty_object(schema: &Value) -> bool {
    schema.get("type").is_none_or(|t| t == "object") && schema.get("properties").is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn drops_unsupported_keywords_and_inlines_refs() {
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Args",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "path": {"type": "string", "description": "file", "format": "uri"},
                "limit": {"type": ["integer", "null"], "minimum": 1, "default": 10},
                "mode": {"$ref": "#/$defs/Mode"},
                "tags": {"type": "array", "items": {"type": "string", "examples": ["a"]}},
                "kind": {"const": "x"},
                "either": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            },
            "required": ["path", "ghost"],
            "$defs": {"Mode": {"type": "string", "enum": ["a", "b"], "description": "how"}}
        });
        assert_eq!(
            reduce(&schema),
            json!({
                "title": "Args",
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": {"type": "string", "description": "file"},
                    "limit": {"type": "integer", "minimum": 1, "nullable": true},
                    "mode": {"type": "string", "enum": ["a", "b"], "description": "how"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "kind": {"type": "string", "enum": ["x"]},
                    "either": {"type": "string", "nullable": true},
                }
            })
        );
    }

    #[test]
    fn all_of_merges_and_recursion_is_bounded() {
        let s = json!({"allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "number"}}}
        ]});
        let r = reduce(&s);
        assert_eq!(r["properties"]["b"]["type"], "number");
        assert_eq!(r["required"], json!(["a"]));
        let looped = json!({"$ref": "#", "type": "object"});
        let _ = reduce(&looped);
        assert!(is_empty_object(&reduce(
            &json!({"type": "object", "properties": {}})
        )));
    }
}

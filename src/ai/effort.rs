//! The reasoning value a model is asked for: the thinking level mapped to the values the
//! catalog says the model takes (OpenAI reasoning efforts, Gemini 3 thinking levels).

use super::catalog::ModelInfo;
use super::model_ref::ModelRef;
use super::types::ThinkingLevel;

/// Every reasoning value, lowest first.
const SCALE: [&str; 6] = ["none", "minimal", "low", "medium", "high", "xhigh"];

/// The reasoning value for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effort {
    /// The value to send; `None` sends nothing (the provider's default).
    pub value: Option<&'static str>,
    /// Set when the model does not take the asked level and `value` is the nearest it does.
    pub mapped_from: Option<ThinkingLevel>,
}

impl Effort {
    fn plain(value: Option<&'static str>) -> Effort {
        Effort {
            value,
            mapped_from: None,
        }
    }
}

fn scale_name(level: ThinkingLevel) -> &'static str {
    match level {
        ThinkingLevel::Off => "none",
        ThinkingLevel::Minimal => "minimal",
        ThinkingLevel::Low => "low",
        ThinkingLevel::Medium => "medium",
        ThinkingLevel::High => "high",
        ThinkingLevel::Xhigh => "xhigh",
    }
}

fn rank(value: &str) -> Option<usize> {
    SCALE.iter().position(|v| *v == value)
}

/// The values a model takes: the catalog's list, else a guess from the model's family.
fn accepted(model: &ModelRef, info: Option<&ModelInfo>) -> Vec<&'static str> {
    if let Some(list) = info.map(|i| &i.reasoning_efforts).filter(|l| !l.is_empty()) {
        let mut known: Vec<&'static str> = SCALE
            .iter()
            .copied()
            .filter(|v| list.iter().any(|l| l == v))
            .collect();
        known.dedup();
        if !known.is_empty() {
            return known;
        }
    }
    let id = model.id.as_str();
    if id.contains("gemini-3") {
        vec!["low", "high"]
    } else if id.contains("codex") {
        vec!["low", "medium", "high"]
    } else if id.contains("gpt-5.") {
        // gpt-5.1 and later: `none` instead of `minimal`.
        vec!["none", "low", "medium", "high"]
    } else if id.contains("gpt-5") {
        vec!["minimal", "low", "medium", "high"]
    } else {
        vec!["low", "medium", "high"]
    }
}

/// The reasoning value `model` is asked for at `level`. Models the catalog says do not reason
/// get none. `off` on a model that cannot stop reasoning is its lowest value; any other
/// level a model does not take is the nearest one it does (the higher on a tie). Models whose
/// values the catalog does not list (unknown models, token-budget models seen through an
/// OpenAI-style provider) get no value for `off`, so the provider's default applies.
pub fn effort(model: &ModelRef, info: Option<&ModelInfo>, level: ThinkingLevel) -> Effort {
    if info.is_some_and(|i| !i.reasoning) {
        return Effort::plain(None);
    }
    let values = accepted(model, info);
    let asked = scale_name(level);
    if values.contains(&asked) {
        return Effort::plain(Some(asked));
    }
    // Without the catalog's list the values are a guess: `off` sends nothing (the provider's
    // default) and a mapped level is not announced.
    let listed = info.is_some_and(|i| !i.reasoning_efforts.is_empty());
    if level == ThinkingLevel::Off && !listed {
        return Effort::plain(None);
    }
    let want = rank(asked).unwrap_or(0) as isize;
    let nearest = values.iter().copied().min_by_key(|v| {
        let r = rank(v).unwrap_or(0) as isize;
        // Ties go to the higher value: distance first, then prefer above.
        ((r - want).abs(), r < want)
    });
    match nearest {
        Some(v) => Effort {
            value: Some(v),
            mapped_from: listed.then_some(level),
        },
        None => Effort::plain(None),
    }
}

/// A one-line note for the user when `level` is mapped for `model`, to show once.
pub fn mapping_note(
    model: &ModelRef,
    info: Option<&ModelInfo>,
    level: ThinkingLevel,
) -> Option<String> {
    let e = effort(model, info, level);
    let (Some(value), Some(from)) = (e.value, e.mapped_from) else {
        return None;
    };
    let takes = accepted(model, info).join(", ");
    Some(format!(
        "{model} does not take thinking level {}; asking for {value} (it takes {takes})",
        from.name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::catalog::Catalog;

    fn eff(name: &str, level: ThinkingLevel) -> Effort {
        let m: ModelRef = name.parse().unwrap();
        effort(&m, Catalog::embedded().find(&m), level)
    }

    fn info_with(values: &[&str]) -> ModelInfo {
        let mut i = Catalog::embedded()
            .find(&"openai/o3".parse().unwrap())
            .unwrap()
            .clone();
        i.reasoning_efforts = values.iter().map(|v| v.to_string()).collect();
        i
    }

    #[test]
    fn taken_values_pass_and_others_map_to_the_nearest() {
        let m: ModelRef = "openai/x".parse().unwrap();
        let i = info_with(&["none", "low", "medium", "high"]);
        let e = effort(&m, Some(&i), ThinkingLevel::Minimal);
        assert_eq!(e.value, Some("low"));
        assert_eq!(e.mapped_from, Some(ThinkingLevel::Minimal));
        assert_eq!(effort(&m, Some(&i), ThinkingLevel::Off).value, Some("none"));
        assert_eq!(
            effort(&m, Some(&i), ThinkingLevel::Xhigh).value,
            Some("high")
        );
        assert_eq!(
            effort(&m, Some(&i), ThinkingLevel::Medium).mapped_from,
            None
        );

        let i = info_with(&["low", "medium", "high"]);
        let e = effort(&m, Some(&i), ThinkingLevel::Off);
        assert_eq!(
            (e.value, e.mapped_from),
            (Some("low"), Some(ThinkingLevel::Off))
        );
        let note = mapping_note(&m, Some(&i), ThinkingLevel::Minimal).unwrap();
        assert_eq!(
            note,
            "openai/x does not take thinking level minimal; asking for low (it takes low, medium, high)"
        );
        assert!(mapping_note(&m, Some(&i), ThinkingLevel::High).is_none());
    }

    #[test]
    fn catalog_models() {
        assert_eq!(eff("openai/gpt-4o", ThinkingLevel::High).value, None);
        assert_eq!(eff("openai/o3", ThinkingLevel::High).value, Some("high"));
        assert_eq!(eff("openai/o3", ThinkingLevel::Minimal).value, Some("low"));
        assert_eq!(
            eff("openai/gpt-5", ThinkingLevel::Minimal).value,
            Some("minimal")
        );
        assert_eq!(
            eff("google/gemini-3-pro-preview", ThinkingLevel::Medium).value,
            Some("high")
        );
        // Unknown models: off sends nothing, the family guess maps the rest.
        assert_eq!(eff("openai/o9-preview", ThinkingLevel::Off).value, None);
        assert_eq!(
            eff("openai/o9-preview", ThinkingLevel::Xhigh).value,
            Some("high")
        );
    }
}

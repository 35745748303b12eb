//! `/compact`, `/model`, `/models-list`, `/model-show`.

use super::engine::CommandEngine;
use super::error::CommandError;
use super::output::{CommandOutput, Outcome, to_json};
use super::parse::Invocation;
use crate::agent::Op;
use crate::ai::{ModelInfo, ModelRef, Provider, WireFormat};

type Result = std::result::Result<CommandOutput, CommandError>;

pub fn compact(inv: &Invocation) -> Result {
    let instructions = inv.args.join(" ");
    let instructions = (!instructions.trim().is_empty()).then_some(instructions);
    Ok(
        CommandOutput::line("compacting the older part of the branch…")
            .then(Outcome::Submit(Op::Compact { instructions })),
    )
}

fn parse_model(text: &str) -> std::result::Result<ModelRef, CommandError> {
    text.parse::<ModelRef>()
        .map_err(|e| CommandError::failed(e.to_string()))
}

pub fn model(engine: &mut CommandEngine, inv: &Invocation) -> Result {
    let text = inv
        .arg(0)
        .ok_or_else(|| inv.usage_error("missing <provider/id>"))?;
    let model = parse_model(text)?;
    engine
        .ctx
        .client
        .check_model(&model)
        .map_err(|e| CommandError::failed(e.to_string()))?;
    let mut lines = vec![format!("switching to {model}")];
    if engine.ctx.client.catalog().find(&model).is_none() {
        lines.push(format!(
            "note: {model} is not in the model catalog: its context window and prices are unknown (pass --context-window for automatic compaction)"
        ));
    }
    Ok(
        CommandOutput::lines(lines).then(Outcome::Submit(Op::SetModel {
            model: model.to_string(),
        })),
    )
}

fn tokens(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

fn capabilities(m: &ModelInfo) -> String {
    let mut caps = Vec::new();
    if m.tool_calls {
        caps.push("tools");
    }
    if m.input_image {
        caps.push("images");
    }
    if m.reasoning {
        caps.push("reasoning");
    }
    caps.join(",")
}

/// The rows under a header, each column as wide as its widest cell (the conversation pane is
/// narrow); numbers right-aligned.
fn table(rows: &[[String; 6]]) -> Vec<String> {
    let header = [
        "model",
        "context",
        "output",
        "$/M in/out",
        "api",
        "capabilities",
    ];
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let w: Vec<usize> = (0..6).map(width).collect();
    let line = |c: [&str; 6]| {
        format!(
            "{:<w0$} {:>w1$} {:>w2$} {:>w3$} {:<w4$} {}",
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            c[5],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
            w4 = w[4],
        )
    };
    let mut lines = vec![line(header)];
    lines.extend(rows.iter().map(|r| {
        line([
            r[0].as_str(),
            r[1].as_str(),
            r[2].as_str(),
            r[3].as_str(),
            r[4].as_str(),
            r[5].as_str(),
        ])
    }));
    lines
}

/// The API column: the wire API the model is spoken to in (`--openai-api` included).
fn api_label(wire: WireFormat) -> &'static str {
    match wire {
        WireFormat::OpenAiCompletions => "chat",
        WireFormat::OpenAiResponses => "responses",
        WireFormat::AnthropicMessages => "messages",
        WireFormat::GoogleGenerativeAi => "gemini",
    }
}

pub fn list(engine: &CommandEngine, inv: &Invocation) -> Result {
    let query = inv.args.join(" ");
    let provider = match inv.flag("provider") {
        Some(p) => Some(
            p.to_ascii_lowercase()
                .parse::<Provider>()
                .map_err(|e| inv.usage_error(e.to_string()))?,
        ),
        None => None,
    };
    let tools = match inv.flag("tools") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(inv.usage_error(format!("--tools takes true or false, not '{other}'")));
        }
    };
    let limit = match inv.flag("limit") {
        None => 0,
        Some(n) => n
            .parse::<usize>()
            .map_err(|_| inv.usage_error(format!("--limit takes a number, not '{n}'")))?,
    };
    let catalog = engine.ctx.client.catalog();
    let mut models: Vec<&ModelInfo> = catalog
        .search(&query, provider, false, 0)
        .into_iter()
        .filter(|m| tools.is_none_or(|t| m.tool_calls == t))
        .collect();
    if limit > 0 {
        models.truncate(limit);
    }
    let rows: Vec<[String; 6]> = models
        .iter()
        .map(|m| {
            [
                format!("{}/{}", m.provider, m.id),
                tokens(m.context_window),
                tokens(m.max_output_tokens),
                format!("{}/{}", m.cost.input, m.cost.output),
                api_label(engine.ctx.client.wire_format(&m.model_ref())).to_string(),
                capabilities(m),
            ]
        })
        .collect();
    let lines = if rows.is_empty() {
        vec!["no model in the catalog matches".to_string()]
    } else {
        table(&rows)
    };
    Ok(CommandOutput::with_json(lines, inv.json, || {
        to_json(&models)
    }))
}

pub fn show(engine: &CommandEngine, inv: &Invocation) -> Result {
    let text = inv
        .arg(0)
        .ok_or_else(|| inv.usage_error("missing <provider/id>"))?;
    let model = parse_model(text)?;
    let Some(m) = engine.ctx.client.catalog().find(&model) else {
        return Err(CommandError::failed(format!(
            "{model} is not in the model catalog; /models-list lists the known models"
        )));
    };
    let mut lines = vec![
        format!("model          {}/{}", m.provider, m.id),
        format!("name           {}", m.name),
        format!("context        {} tokens", m.context_window),
        format!("max output     {} tokens", m.max_output_tokens),
        format!("tools          {}", if m.tool_calls { "yes" } else { "no" }),
        format!(
            "images         {}",
            if m.input_image { "yes" } else { "no" }
        ),
        format!("reasoning      {}", if m.reasoning { "yes" } else { "no" }),
        format!(
            "api            {}",
            engine.ctx.client.wire_format(&m.model_ref()).api_name()
        ),
        format!(
            "price $/M      input {}, output {}, cache read {}, cache write {}",
            m.cost.input, m.cost.output, m.cost.cache_read, m.cost.cache_write
        ),
    ];
    if !m.reasoning_efforts.is_empty() {
        lines.push(format!("reasoning at   {}", m.reasoning_efforts.join(", ")));
    }
    if !m.aliases.is_empty() {
        lines.push(format!("aliases        {}", m.aliases.join(", ")));
    }
    Ok(CommandOutput::with_json(lines, inv.json, || to_json(m)))
}

//! Running the decided tool calls of one assistant message: the allowed (or approved) ones
//! concurrently, the others answered with why they did not run. Every call, run or not, is
//! reported as started and finished with the policy's decision.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::approval::{Decided, not_run_text, shown_command};
use super::protocol::{
    ApprovalAnswer, ApprovalDecision, ApprovalKind, CallDecision, Event, EventMsg, ImageInput,
};
use super::task::Agent;
use crate::ai::types::{ContentBlock, blocks_text};
use crate::tools::secrets::Secrets;
use crate::tools::{
    SandboxMode, ToolContext, ToolOutput, ToolPolicy, Verdict, run_tool, sandbox_likely_cause,
};

impl Agent {
    /// Runs the calls `decided` lets run, concurrently; results in call order. A bash call
    /// that failed in the sandbox in a way the sandbox likely caused is then offered to run
    /// again outside it, as an approval.
    pub(super) async fn run_tools(
        &mut self,
        id: u64,
        calls: &[(String, String, Value)],
        decided: &Decided,
        cancel: &CancellationToken,
    ) -> Vec<ToolOutput> {
        let mut outputs = self.run_decided(id, calls, decided, cancel).await;
        for (i, (call_id, name, args)) in calls.iter().enumerate() {
            let Some(cause) = sandbox_likely_cause(&outputs[i]).map(str::to_string) else {
                continue;
            };
            if cancel.is_cancelled() || decided.stopped {
                break;
            }
            if let Some(out) = self
                .retry_unsandboxed(id, call_id, name, args, &cause, cancel)
                .await
            {
                outputs[i] = out;
            }
        }
        outputs
    }

    /// Asks to run a call again outside the sandbox (unasked when approved for the session
    /// before); `None` when the user keeps the failure.
    async fn retry_unsandboxed(
        &mut self,
        id: u64,
        call_id: &str,
        name: &str,
        args: &Value,
        cause: &str,
        cancel: &CancellationToken,
    ) -> Option<ToolOutput> {
        let key = format!("unsandboxed\0{}", shown_command(name, args));
        if !self.session_approved.contains(&key) {
            let reply = self
                .ask(
                    id,
                    call_id,
                    name,
                    args,
                    cause,
                    ApprovalKind::RetryUnsandboxed,
                    cancel,
                )
                .await;
            match reply {
                ApprovalDecision::Approve => {}
                ApprovalDecision::ApproveForSession => {
                    self.session_approved.insert(key);
                }
                ApprovalDecision::Deny { .. } | ApprovalDecision::DenyAndStop { .. } => {
                    return None;
                }
            }
        }
        let mut policy = ToolPolicy::clone(&self.cfg.policy);
        policy.sandbox.mode = SandboxMode::Off;
        let retry_id = format!("{call_id}#unsandboxed");
        let decision = CallDecision {
            verdict: Verdict::Ask,
            reason: format!("run again outside the sandbox: {cause}"),
            answer: Some(ApprovalAnswer::Approved),
        };
        let calls = [(retry_id, name.to_string(), args.clone())];
        let decided = Decided {
            decisions: vec![decision],
            notes: vec![None],
            stopped: false,
        };
        let saved = std::mem::replace(&mut self.cfg.policy, Arc::new(policy));
        let mut out = self.run_decided(id, &calls, &decided, cancel).await;
        self.cfg.policy = saved;
        let mut out = out.pop()?;
        let note = "[The first run failed in the sandbox; this is a second run outside it, approved by the user.]";
        match out.content.iter_mut().find_map(|b| match b {
            ContentBlock::Text { text } => Some(text),
            _ => None,
        }) {
            Some(text) => text.insert_str(0, &format!("{note}\n")),
            None => out.content.insert(0, ContentBlock::text(note)),
        }
        Some(out)
    }

    /// Runs the calls `decided` lets run, concurrently; results in call order.
    async fn run_decided(
        &self,
        id: u64,
        calls: &[(String, String, Value)],
        decided: &Decided,
        cancel: &CancellationToken,
    ) -> Vec<ToolOutput> {
        let policy = self.cfg.policy.clone();
        let stop_at = decided
            .decisions
            .iter()
            .position(|d| d.answer == Some(super::protocol::ApprovalAnswer::DeniedAndStopped));
        let runs = calls.iter().enumerate().map(|(i, (call_id, name, args))| {
            let decision = decided.decisions[i].clone();
            let note = decided.notes[i].clone();
            let events = self.events.clone();
            let delta_events = self.events.clone();
            let delta_id = call_id.clone();
            let secrets = self.cfg.secrets.clone();
            // Live output is redacted as it streams; a secret split across chunks is held
            // back until it is whole.
            let live = Arc::new(Mutex::new(secrets.stream()));
            let live_in = live.clone();
            let send_delta = move |chunk: String| {
                if !chunk.is_empty() {
                    let _ = delta_events.send(Event {
                        id,
                        msg: EventMsg::ToolOutputDelta {
                            call_id: delta_id.clone(),
                            chunk,
                        },
                    });
                }
            };
            let send_rest = send_delta.clone();
            let ctx = ToolContext {
                policy: policy.clone(),
                cancel: cancel.clone(),
                on_output: Some(Arc::new(move |chunk: &str| {
                    let shown = live_in
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(chunk);
                    send_delta(shown);
                })),
                spill: self.spill.clone(),
            };
            let _ = events.send(Event {
                id,
                msg: EventMsg::ToolCallStarted {
                    call_id: call_id.clone(),
                    name: name.clone(),
                    arguments: args.clone(),
                    decision: Some(decision.clone()),
                },
            });
            let stopped_by_other = stop_at.is_some_and(|s| i > s);
            let dry_run = policy.dry_run && name == "bash";
            let trace = policy.trace;
            async move {
                let started = Instant::now();
                let mut out = if dry_run {
                    dry_run_output(&decision)
                } else if decision.runs() && !stopped_by_other {
                    run_tool(name, args, &ctx).await
                } else {
                    ToolOutput::error(not_run_text(&decision, note.as_deref(), stopped_by_other))
                };
                send_rest(live.lock().unwrap_or_else(PoisonError::into_inner).flush());
                redact_output(&mut out, &secrets);
                if trace {
                    attach_trace(&mut out, &decision);
                }
                let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                out.duration_ms = Some(duration_ms);
                let details = out.details.as_ref();
                let exit_code = details
                    .and_then(|d| d.get("exitCode"))
                    .and_then(Value::as_i64)
                    .and_then(|c| i32::try_from(c).ok());
                let text = blocks_text(&out.content);
                let output_bytes = details
                    .and_then(|d| d.get("totalBytes"))
                    .and_then(Value::as_u64)
                    .unwrap_or(text.len() as u64);
                let _ = events.send(Event {
                    id,
                    msg: EventMsg::ToolCallFinished {
                        call_id: call_id.clone(),
                        name: name.clone(),
                        is_error: out.is_error,
                        output: text,
                        duration_ms,
                        exit_code,
                        output_bytes,
                        images: image_inputs(&out.content),
                    },
                });
                out
            }
        });
        futures::future::join_all(runs).await
    }
}

/// Replaces every secret value in the result's text and details (an edit's diff, a path).
fn redact_output(out: &mut ToolOutput, secrets: &Secrets) {
    if secrets.is_empty() {
        return;
    }
    for block in &mut out.content {
        if let ContentBlock::Text { text } = block
            && let std::borrow::Cow::Owned(clean) = secrets.redact(text)
        {
            *text = clean;
        }
    }
    if let Some(details) = &mut out.details {
        redact_value(details, secrets);
    }
}

fn redact_value(v: &mut Value, secrets: &Secrets) {
    match v {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(clean) = secrets.redact(s) {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| redact_value(i, secrets)),
        Value::Object(map) => map.values_mut().for_each(|i| redact_value(i, secrets)),
        _ => {}
    }
}

/// `--bash-dry-run`: the decision instead of the command's output.
fn dry_run_output(decision: &CallDecision) -> ToolOutput {
    ToolOutput::text(format!(
        "Dry run (--bash-dry-run): the policy would {} this command: {}. Nothing was run.",
        decision.verdict, decision.reason
    ))
    .with_details(json!({ "dryRun": true, "policy": decision }))
}

/// `--tool-policy-trace`: the decision and its reason after the result, for the model and
/// the user alike.
fn attach_trace(out: &mut ToolOutput, decision: &CallDecision) {
    let answer = decision
        .answer
        .and_then(|a| serde_json::to_value(a).ok())
        .and_then(|v| v.as_str().map(|s| format!(", {}", s.replace('_', " "))))
        .unwrap_or_default();
    let line = format!(
        "[tool policy: {}{answer}: {}]",
        decision.verdict, decision.reason
    );
    match out.content.iter_mut().rev().find_map(|b| match b {
        ContentBlock::Text { text } => Some(text),
        _ => None,
    }) {
        Some(text) => {
            text.push_str("\n\n");
            text.push_str(&line);
        }
        None => out.content.push(ContentBlock::text(line)),
    }
    let policy = serde_json::to_value(decision).unwrap_or(Value::Null);
    match &mut out.details {
        Some(Value::Object(map)) => {
            map.insert("policy".to_string(), policy);
        }
        _ => out.details = Some(json!({ "policy": policy })),
    }
}

/// The image blocks of a tool result, for front ends that show them.
fn image_inputs(blocks: &[ContentBlock]) -> Vec<ImageInput> {
    blocks
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Image { data, mime_type } => Some(ImageInput {
                mime_type: mime_type.clone(),
                data: data.clone(),
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::ApprovalAnswer;
    use crate::tools::Verdict;

    #[test]
    fn trace_goes_after_the_text_and_into_details() {
        let d = CallDecision {
            verdict: Verdict::Ask,
            reason: "`sudo ls` runs sudo".into(),
            answer: Some(ApprovalAnswer::ApprovedForSession),
        };
        let mut out = ToolOutput::text("a\nb").with_details(json!({"exitCode": 0}));
        attach_trace(&mut out, &d);
        assert_eq!(
            out.text_content(),
            "a\nb\n\n[tool policy: ask, approved for session: `sudo ls` runs sudo]"
        );
        let details = out.details.unwrap();
        assert_eq!(details["exitCode"], 0);
        assert_eq!(details["policy"]["verdict"], "ask");
        let secrets = Secrets::from_values(["sk-secret-value".to_string()]);
        let mut out = ToolOutput::text("KEY=sk-secret-value")
            .with_details(json!({"diff": ["+sk-secret-value"], "n": 1}));
        redact_output(&mut out, &secrets);
        assert_eq!(out.text_content(), "KEY=[redacted]");
        assert_eq!(
            out.details.unwrap(),
            json!({"diff": ["+[redacted]"], "n": 1})
        );
        let dry = dry_run_output(&d);
        assert!(
            dry.text_content().contains("would ask this command"),
            "{dry:?}"
        );
        assert!(!dry.is_error);
    }
}

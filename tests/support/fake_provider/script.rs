//! What the fake provider answers: model turns, faults and echo.

use serde_json::Value;

/// One scripted answer, served to one request in the wire format of the endpoint that was hit.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A model turn: text, thinking and tool calls, streamed or as one JSON document.
    Turn(Turn),
    /// A failure: an HTTP error status, or a broken, stalled or malformed stream.
    Fault(Fault),
    /// A turn whose only text is the text of the request's last user message.
    Echo,
}

impl Reply {
    /// Starts a model turn; add parts with [`Turn::text`], [`Turn::tool_call`], ...
    pub fn turn() -> Turn {
        Turn::default()
    }

    /// A model turn that only says `text`.
    pub fn text(text: impl Into<String>) -> Reply {
        Reply::Turn(Turn::default().text(text))
    }

    /// A fault instead of a turn.
    pub fn fault(fault: Fault) -> Reply {
        Reply::Fault(fault)
    }

    /// Answers with the text of the last user message of the request.
    pub fn echo() -> Reply {
        Reply::Echo
    }
}

impl From<Turn> for Reply {
    fn from(turn: Turn) -> Reply {
        Reply::Turn(turn)
    }
}

impl From<Fault> for Reply {
    fn from(fault: Fault) -> Reply {
        Reply::Fault(fault)
    }
}

/// A piece of a model turn, in the order the model "produces" it.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Text(String),
    Thinking(String),
    /// Several tool calls in one turn are parallel tool calls.
    ToolCall {
        name: String,
        arguments: Value,
    },
}

/// Why the model stopped; rendered as each format's own value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// OpenAI `stop`, Anthropic `end_turn`, Gemini `STOP`, Responses API `completed`.
    Stop,
    /// OpenAI `tool_calls`, Anthropic `tool_use`, Gemini `STOP` (Gemini has no own value).
    ToolUse,
    /// OpenAI `length`, Anthropic `max_tokens`, Gemini `MAX_TOKENS`, Responses API
    /// `incomplete` with `incomplete_details.reason` `max_output_tokens`.
    MaxTokens,
}

/// Token counts reported for a turn. `input_tokens` excludes cached tokens (Anthropic's
/// meaning); OpenAI and Gemini report `input_tokens + cache_read_tokens` as their prompt count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
}

impl Default for Usage {
    fn default() -> Usage {
        Usage {
            input_tokens: 10,
            output_tokens: 5,
            cache_read_tokens: 0,
            cache_write_tokens: 0,
        }
    }
}

/// A scripted model turn. Built with chained calls:
/// `Reply::turn().thinking("plan").text("Done.").tool_call("ls", json!({}))`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Turn {
    pub parts: Vec<Part>,
    /// `None`: [`Usage::default`].
    pub usage: Option<Usage>,
    /// `None`: [`StopReason::ToolUse`] when the turn has a tool call, else [`StopReason::Stop`].
    pub stop: Option<StopReason>,
}

impl Turn {
    pub fn text(mut self, text: impl Into<String>) -> Turn {
        self.parts.push(Part::Text(text.into()));
        self
    }

    pub fn thinking(mut self, text: impl Into<String>) -> Turn {
        self.parts.push(Part::Thinking(text.into()));
        self
    }

    pub fn tool_call(mut self, name: impl Into<String>, arguments: Value) -> Turn {
        self.parts.push(Part::ToolCall {
            name: name.into(),
            arguments,
        });
        self
    }

    /// Sets the uncached input and the output token counts.
    pub fn usage(mut self, input_tokens: u64, output_tokens: u64) -> Turn {
        let usage = self.usage.get_or_insert_with(Usage::default);
        usage.input_tokens = input_tokens;
        usage.output_tokens = output_tokens;
        self
    }

    /// Sets the cache read and cache write token counts.
    pub fn cache_usage(mut self, read_tokens: u64, write_tokens: u64) -> Turn {
        let usage = self.usage.get_or_insert_with(Usage::default);
        usage.cache_read_tokens = read_tokens;
        usage.cache_write_tokens = write_tokens;
        self
    }

    pub fn stop_reason(mut self, stop: StopReason) -> Turn {
        self.stop = Some(stop);
        self
    }

    pub(crate) fn effective_usage(&self) -> Usage {
        self.usage.unwrap_or_default()
    }

    pub(crate) fn effective_stop(&self) -> StopReason {
        self.stop.unwrap_or_else(|| {
            if self
                .parts
                .iter()
                .any(|p| matches!(p, Part::ToolCall { .. }))
            {
                StopReason::ToolUse
            } else {
                StopReason::Stop
            }
        })
    }
}

/// A failure to inject. Stream faults (`DropMidStream`, `MalformedEvent`, `ErrorEvent`, `Stall`) apply to the
/// streamed body of `turn` (a default long text when `None`); on a non-streaming request they
/// apply to the JSON body the same way.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// An HTTP error. `body: None` renders a realistic error document in the shape of the format
    /// that was hit, carrying `message` when set. `retry_after` sets the `retry-after` header
    /// (seconds); `retry_after_ms` sets OpenAI's `retry-after-ms` header.
    Status {
        code: u16,
        body: Option<Value>,
        message: Option<String>,
        retry_after: Option<u64>,
        retry_after_ms: Option<u64>,
    },
    /// Sends `after_bytes` bytes of the body, then closes the connection without finishing it.
    DropMidStream {
        after_bytes: usize,
        turn: Option<Turn>,
    },
    /// Closes the connection before any byte of the response (no status line).
    DropBeforeBody,
    /// Sends the first events of the turn, then a `data:` line whose JSON is cut in half, then
    /// ends the response normally.
    MalformedEvent { turn: Option<Turn> },
    /// Sends the first events of the turn, then the format's own in-stream error event for
    /// status `code` (Anthropic `event: error`, e.g. `overloaded_error` for 529; OpenAI and
    /// Gemini a `data:` line with their error document; the Responses API `response.failed`
    /// with `rate_limit_exceeded` for 429, else `server_error`), then ends the response
    /// normally. A non-streaming request gets the plain error status instead.
    ErrorEvent { code: u16, turn: Option<Turn> },
    /// Sends `after_bytes` bytes, sends nothing for `for_ms` milliseconds with the connection
    /// open, then sends the rest.
    Stall {
        after_bytes: usize,
        for_ms: u64,
        turn: Option<Turn>,
    },
}

impl Fault {
    pub fn status(code: u16) -> Fault {
        Fault::Status {
            code,
            body: None,
            message: None,
            retry_after: None,
            retry_after_ms: None,
        }
    }

    pub fn drop_mid_stream(after_bytes: usize) -> Fault {
        Fault::DropMidStream {
            after_bytes,
            turn: None,
        }
    }

    pub fn drop_before_body() -> Fault {
        Fault::DropBeforeBody
    }

    pub fn malformed_event() -> Fault {
        Fault::MalformedEvent { turn: None }
    }

    pub fn error_event(code: u16) -> Fault {
        Fault::ErrorEvent { code, turn: None }
    }

    pub fn stall(after_bytes: usize, for_ms: u64) -> Fault {
        Fault::Stall {
            after_bytes,
            for_ms,
            turn: None,
        }
    }

    /// The `retry-after` header, in seconds. Only for [`Fault::status`].
    pub fn retry_after(mut self, secs: u64) -> Fault {
        match &mut self {
            Fault::Status { retry_after, .. } => *retry_after = Some(secs),
            other => panic!("retry_after applies to Fault::status only, not {other:?}"),
        }
        self
    }

    /// OpenAI's `retry-after-ms` header. Only for [`Fault::status`].
    pub fn retry_after_ms(mut self, ms: u64) -> Fault {
        match &mut self {
            Fault::Status { retry_after_ms, .. } => *retry_after_ms = Some(ms),
            other => panic!("retry_after_ms applies to Fault::status only, not {other:?}"),
        }
        self
    }

    /// The error message inside the format's own error document. Only for [`Fault::status`].
    pub fn message(mut self, text: impl Into<String>) -> Fault {
        match &mut self {
            Fault::Status { message, .. } => *message = Some(text.into()),
            other => panic!("message applies to Fault::status only, not {other:?}"),
        }
        self
    }

    /// The exact response body, whatever the format. Only for [`Fault::status`].
    pub fn body(mut self, json: Value) -> Fault {
        match &mut self {
            Fault::Status { body, .. } => *body = Some(json),
            other => panic!("body applies to Fault::status only, not {other:?}"),
        }
        self
    }

    /// The turn a stream fault breaks. Not for [`Fault::status`] or [`Fault::drop_before_body`].
    pub fn during(mut self, with: Turn) -> Fault {
        match &mut self {
            Fault::DropMidStream { turn, .. }
            | Fault::MalformedEvent { turn }
            | Fault::ErrorEvent { turn, .. }
            | Fault::Stall { turn, .. } => *turn = Some(with),
            other => panic!("during applies to stream faults only, not {other:?}"),
        }
        self
    }
}

/// The turn a stream fault streams when the script names none: long enough that small byte
/// offsets fall inside the text.
pub(crate) fn default_fault_turn() -> Turn {
    Turn::default().text(
        "This reply comes from the fake provider and is long enough to be cut, stalled or \
         broken at any byte offset a test chooses.",
    )
}

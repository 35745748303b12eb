//! What the formats share: SSE framing and splitting text into deltas.

/// How many characters of text or tool arguments go in one delta event.
const PIECE_CHARS: usize = 8;

/// One server-sent event before framing.
#[derive(Clone, Debug)]
pub(super) struct Frame {
    pub event: Option<&'static str>,
    pub data: String,
}

impl Frame {
    pub fn data(data: String) -> Frame {
        Frame { event: None, data }
    }

    pub fn event(event: &'static str, data: String) -> Frame {
        Frame {
            event: Some(event),
            data,
        }
    }
}

/// Splits `text` into pieces of [`PIECE_CHARS`] characters (never inside a character).
pub(super) fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest
            .char_indices()
            .nth(PIECE_CHARS)
            .map_or(rest.len(), |(i, _)| i);
        let (head, tail) = rest.split_at(end);
        out.push(head);
        rest = tail;
    }
    out
}

/// SSE bytes; Gemini ends its lines with CRLF, the others with LF.
pub(super) fn encode(frames: &[Frame], crlf: bool) -> Vec<u8> {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    for frame in frames {
        if let Some(event) = frame.event {
            out.push_str("event: ");
            out.push_str(event);
            out.push_str(eol);
        }
        out.push_str("data: ");
        out.push_str(&frame.data);
        out.push_str(eol);
        out.push_str(eol);
    }
    out.into_bytes()
}

/// How many events of a turn come before an in-stream fault: enough to have started the
/// message (and, for OpenAI, Gemini and the Responses API, streamed a first delta).
pub(super) fn lead(frames: &[Frame]) -> usize {
    let most = frames.len().saturating_sub(1);
    let responses = frames
        .first()
        .and_then(|f| f.event)
        .is_some_and(|e| e.starts_with("response."));
    let first_delta = frames
        .iter()
        .position(|f| f.event.is_some_and(|e| e.ends_with(".delta")));
    match first_delta {
        // The Responses API opens a response and an item in four events before any text.
        Some(at) if responses => (at + 1).min(most),
        _ => most.min(3),
    }
}

/// The first events of a stream, then the next event with its JSON cut in half.
pub(super) fn malformed(frames: &[Frame]) -> Vec<Frame> {
    let keep = lead(frames);
    let mut out: Vec<Frame> = frames[..keep].to_vec();
    if let Some(next) = frames.get(keep) {
        let mut cut = next.data.len() / 2;
        while !next.data.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push(Frame {
            event: next.event,
            data: next.data[..cut].to_string(),
        });
    }
    out
}

/// The first events of a stream, then `error`; nothing after it.
pub(super) fn interrupted(frames: &[Frame], error: Frame) -> Vec<Frame> {
    let mut out: Vec<Frame> = frames[..lead(frames)].to_vec();
    out.push(error);
    out
}

//! A small Server-Sent Events parser over a byte stream: any line ending (`\n`, `\r\n`, `\r`),
//! multi-line `data`, comments, and events split across chunks at any byte.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field, empty when absent.
    pub event: String,
    /// The `data:` lines joined by `\n`.
    pub data: String,
}

#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes of the current, unfinished line.
    line: Vec<u8>,
    /// The previous chunk ended in `\r`: a `\n` starting the next chunk belongs to it.
    after_cr: bool,
    event: String,
    data: String,
    has_data: bool,
    at_start: bool,
}

impl SseParser {
    pub fn new() -> Self {
        SseParser {
            at_start: true,
            ..Default::default()
        }
    }

    /// Feeds a chunk; returns the events it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        let mut rest = chunk;
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if let [b'\n', tail @ ..] = rest {
                rest = tail;
            }
        }
        while let Some(pos) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.line.extend_from_slice(&rest[..pos]);
            let was_cr = rest[pos] == b'\r';
            rest = &rest[pos + 1..];
            if was_cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    None => self.after_cr = true,
                    Some(_) => {}
                }
            }
            self.end_line(&mut out);
        }
        self.line.extend_from_slice(rest);
        out
    }

    /// Ends the input. An event whose lines are complete but lack the closing blank line is
    /// still dispatched; an unfinished last line (the connection dropped mid-line) is discarded.
    pub fn finish(&mut self) -> Option<SseEvent> {
        let mut out = Vec::new();
        self.line.clear();
        self.after_cr = false;
        self.dispatch(&mut out);
        out.pop()
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) {
        let mut bytes = std::mem::take(&mut self.line);
        if self.at_start {
            self.at_start = false;
            if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
                bytes.drain(..3);
            }
        }
        if bytes.is_empty() {
            self.dispatch(out);
            return;
        }
        let line = String::from_utf8_lossy(&bytes);
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = value.to_string(),
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        if self.has_data {
            out.push(SseEvent {
                event: std::mem::take(&mut self.event),
                data: std::mem::take(&mut self.data),
            });
        } else {
            self.event.clear();
        }
        self.has_data = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in chunks {
            out.extend(p.push(c));
        }
        out.extend(p.finish());
        out
    }

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
        }
    }

    #[test]
    fn basic_fields_comments_and_multiline() {
        let input =
            b": keep-alive\nevent: message_start\ndata: {\"a\":1}\n\ndata: one\ndata: two\n\n";
        assert_eq!(
            parse_all(&[input]),
            vec![ev("message_start", "{\"a\":1}"), ev("", "one\ntwo")]
        );
    }

    #[test]
    fn crlf_and_cr_line_endings() {
        let input = b"data: a\r\n\r\ndata: b\r\rdata:c\n\n";
        assert_eq!(
            parse_all(&[input]),
            vec![ev("", "a"), ev("", "b"), ev("", "c")]
        );
    }

    #[test]
    fn cr_lf_split_across_chunks() {
        assert_eq!(
            parse_all(&[b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"]),
            vec![ev("", "a"), ev("", "b")]
        );
    }

    #[test]
    fn event_without_data_is_dropped_and_partial_line_discarded() {
        assert_eq!(
            parse_all(&[b"event: ping\n\ndata: [DONE]\ndata: cut"]),
            vec![ev("", "[DONE]")]
        );
    }

    #[test]
    fn utf8_split_inside_a_character() {
        let s = "data: héllo ✓\n\n".as_bytes();
        let (a, b) = s.split_at(8);
        assert_eq!(parse_all(&[a, b]), vec![ev("", "héllo ✓")]);
    }

    #[test]
    fn bom_is_skipped() {
        assert_eq!(parse_all(&[b"\xEF\xBB\xBFdata: x\n\n"]), vec![ev("", "x")]);
    }

    fn stream_text() -> impl Strategy<Value = String> {
        let line = prop_oneof![
            "[a-z{}\":, ]{0,12}".prop_map(|d| format!("data: {d}")),
            "[a-z_]{1,8}".prop_map(|e| format!("event: {e}")),
            "[a-z ]{0,6}".prop_map(|c| format!(":{c}")),
            Just(String::new()),
        ];
        let eol = prop_oneof![Just("\n"), Just("\r\n"), Just("\r")];
        proptest::collection::vec((line, eol), 0..30).prop_map(|v| {
            v.into_iter()
                .map(|(l, e)| format!("{l}{e}"))
                .collect::<String>()
        })
    }

    proptest! {
        #[test]
        fn chunking_does_not_change_events(text in stream_text(), cuts in proptest::collection::vec(0usize..400, 0..12)) {
            let bytes = text.as_bytes();
            let whole = parse_all(&[bytes]);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut start = 0;
            for c in cuts {
                chunks.push(&bytes[start..c]);
                start = c;
            }
            chunks.push(&bytes[start..]);
            prop_assert_eq!(parse_all(&chunks), whole);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), cut in 0usize..300) {
            let cut = cut.min(bytes.len());
            let _ = parse_all(&[&bytes[..cut], &bytes[cut..]]);
        }
    }
}

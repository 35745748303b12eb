//! Decoding the images the conversation shows (a file, or base64 data from a tool result)
//! and choosing the protocol they are drawn with.

use std::path::Path;

use base64::Engine as _;
use image::DynamicImage;
use ratatui_image::picker::{Picker, ProtocolType};

use crate::tui::msg::ImageSource;
use crate::tui::term::query::Replies;

/// The label and the decoded picture of `source`; relative paths are taken from `cwd`.
pub fn decode(source: &ImageSource, cwd: &Path) -> Result<(String, DynamicImage), String> {
    match source {
        ImageSource::File(path) => {
            let full = if path.is_absolute() {
                path.clone()
            } else {
                cwd.join(path)
            };
            let img =
                image::open(&full).map_err(|e| format!("cannot show {}: {e}", full.display()))?;
            Ok((path.display().to_string(), img))
        }
        ImageSource::Data { label, data, .. } => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|e| format!("cannot show {label}: the image data is not base64 ({e})"))?;
            let img =
                image::load_from_memory(&bytes).map_err(|e| format!("cannot show {label}: {e}"))?;
            Ok((label.clone(), img))
        }
    }
}

/// Whether to ask the terminal what it can draw: not when `PI_IMAGE_PROTOCOL` decides, not for
/// a dumb terminal, and only when both ends of the session are a terminal.
pub fn wants_query(detect: bool) -> bool {
    use std::io::IsTerminal;
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    detect
        && var("PI_IMAGE_PROTOCOL").is_empty()
        && var("TERM") != "dumb"
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
}

/// The protocol the terminal's replies allow (if it did not answer, the environment decides
/// as in `picker_for`). iTerm2's protocol has no query, so the environment names it; kitty's
/// does not pass through tmux, sixel does when tmux itself says it has it.
pub fn picker_from_replies(r: &Replies) -> Picker {
    if !r.answered {
        return picker_for(true);
    }
    let var = |k: &str| std::env::var(k).unwrap_or_default().to_ascii_lowercase();
    let tmux = std::env::var_os("TMUX").is_some();
    let iterm2 = !tmux && protocol_from_env(&var) == ProtocolType::Iterm2;
    let protocol = if iterm2 {
        ProtocolType::Iterm2
    } else if r.kitty && !tmux {
        ProtocolType::Kitty
    } else if r.sixel {
        ProtocolType::Sixel
    } else {
        ProtocolType::Halfblocks
    };
    let mut picker = match r.cell.or_else(cell_from_winsize) {
        // The only constructor that takes a measured cell size; its replacement
        // (`from_query_stdio`) reads stdin with a thread that can outlive its timeout.
        #[allow(deprecated)]
        Some((w, h)) => Picker::from_fontsize(ratatui_image::FontSize::new(w, h)),
        None => Picker::halfblocks(),
    };
    picker.set_protocol_type(protocol);
    picker
}

/// The cell size from the window size in pixels, when the terminal reports it.
fn cell_from_winsize() -> Option<(u16, u16)> {
    let (cols, rows) = crossterm::terminal::size().ok()?;
    let px = crossterm::terminal::window_size().ok()?;
    let cell = (px.width / cols.max(1), px.height / rows.max(1));
    (cell.0 > 0 && cell.1 > 0).then_some(cell)
}

/// The image protocol, chosen from the environment (when the terminal was not asked, or did
/// not answer). `PI_IMAGE_PROTOCOL=kitty|iterm2|sixel|halfblocks` forces one. Kitty, iTerm2
/// and sixel terminals (and those that speak their protocols) get pictures; inside tmux, and
/// everywhere else, half-blocks.
pub fn picker_for(detect: bool) -> Picker {
    let mut picker = Picker::halfblocks();
    if !detect {
        return picker;
    }
    let var = |k: &str| std::env::var(k).unwrap_or_default().to_ascii_lowercase();
    let forced = var("PI_IMAGE_PROTOCOL");
    let protocol = if forced.is_empty() {
        if std::env::var_os("TMUX").is_some() {
            return picker;
        }
        protocol_from_env(&var)
    } else {
        protocol_named(&forced)
    };
    picker.set_protocol_type(protocol);
    picker
}

fn protocol_named(name: &str) -> ProtocolType {
    match name {
        "kitty" => ProtocolType::Kitty,
        "iterm2" | "iterm" => ProtocolType::Iterm2,
        "sixel" => ProtocolType::Sixel,
        _ => ProtocolType::Halfblocks,
    }
}

/// The protocol the terminal named by the environment is known to speak.
fn protocol_from_env(var: &dyn Fn(&str) -> String) -> ProtocolType {
    let (term, program) = (var("TERM"), var("TERM_PROGRAM"));
    let set = |k: &str| !var(k).is_empty();
    if set("KITTY_WINDOW_ID")
        || term.contains("kitty")
        || term.contains("ghostty")
        || program == "ghostty"
    {
        ProtocolType::Kitty
    } else if program == "iterm.app" || program == "wezterm" || var("LC_TERMINAL") == "iterm2" {
        ProtocolType::Iterm2
    } else if term.contains("foot")
        || term.contains("mlterm")
        || term.contains("contour")
        || program == "mintty"
        || set("WT_SESSION")
        || set("KONSOLE_VERSION")
    {
        ProtocolType::Sixel
    } else {
        ProtocolType::Halfblocks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_from_the_environment() {
        use ratatui_image::picker::ProtocolType;
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_default()
            }
        };
        assert_eq!(
            protocol_from_env(&env(&[("TERM", "xterm-kitty")])),
            ProtocolType::Kitty
        );
        assert_eq!(
            protocol_from_env(&env(&[("TERM_PROGRAM", "wezterm")])),
            ProtocolType::Iterm2
        );
        assert_eq!(
            protocol_from_env(&env(&[("TERM", "foot")])),
            ProtocolType::Sixel
        );
        assert_eq!(
            protocol_from_env(&env(&[("WT_SESSION", "1")])),
            ProtocolType::Sixel
        );
        assert_eq!(
            protocol_from_env(&env(&[("TERM", "xterm-256color")])),
            ProtocolType::Halfblocks
        );
        assert_eq!(protocol_named("sixel"), ProtocolType::Sixel);
        assert_eq!(protocol_named("nonsense"), ProtocolType::Halfblocks);
    }

    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::widgets::StatefulWidget;
    use ratatui_image::protocol::StatefulProtocol;
    use ratatui_image::{Resize, StatefulImage};

    /// A 4×4 PNG: red on top, blue below.
    fn png() -> String {
        let img = image::RgbImage::from_fn(4, 4, |_, y| {
            if y < 2 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        let mut bytes = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .unwrap();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn tool_image_data_decodes_and_draws_as_half_blocks() {
        let source = ImageSource::Data {
            label: "read shot.png".into(),
            mime_type: "image/png".into(),
            data: png(),
        };
        let (label, img) = decode(&source, Path::new("/")).unwrap();
        assert_eq!(
            (label.as_str(), img.width(), img.height()),
            ("read shot.png", 4, 4)
        );
        let mut proto: StatefulProtocol = Picker::halfblocks().new_resize_protocol(img);
        let area = Rect::new(0, 0, 4, 2);
        let mut buf = Buffer::empty(area);
        StatefulImage::<StatefulProtocol>::default()
            .resize(Resize::Scale(None))
            .render(area, &mut buf, &mut proto);
        let cell = &buf[(0, 0)];
        assert_eq!(cell.symbol(), "▀");
        assert_eq!(cell.fg, ratatui::style::Color::Rgb(255, 0, 0));
    }

    #[test]
    fn bad_data_is_an_error_naming_the_image() {
        let source = ImageSource::Data {
            label: "read x.png".into(),
            mime_type: "image/png".into(),
            data: "not base64!".into(),
        };
        let e = decode(&source, Path::new("/")).unwrap_err();
        assert!(e.contains("read x.png"), "{e}");
    }
}

//! The one owner of the terminal: raw mode, the alternate screen, bracketed paste, the kitty
//! keyboard protocol, mouse capture, suspend / resume, and a panic hook that puts the terminal
//! back before anything is reported.

use std::io::{self, Stdout, Write};
use std::sync::Once;

use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableMouseCapture, KeyboardEnhancementFlags, PopKeyboardEnhancementFlags,
    PushKeyboardEnhancementFlags,
};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Backend = CrosstermBackend<Stdout>;

/// The terminal while the UI owns it. Dropping it gives the terminal back.
pub struct TerminalGuard {
    pub terminal: Terminal<Backend>,
    mouse: bool,
    active: bool,
}

impl TerminalGuard {
    /// Takes the terminal: raw mode, alternate screen, bracketed paste, kitty keys, mouse.
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        install_panic_hook();
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        let mut g = TerminalGuard {
            terminal,
            mouse,
            active: false,
        };
        g.take()?;
        Ok(g)
    }

    fn take(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        let mut out = io::stdout();
        execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
        // Terminals without the kitty protocol ignore this; it lets Shift+Enter through.
        let _ = execute!(
            out,
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
        );
        if self.mouse {
            execute!(out, EnableMouseCapture)?;
        }
        self.active = true;
        // A fresh terminal has an empty back buffer, so the next draw paints every cell.
        // (`Terminal::clear` would ask the terminal for the cursor position: a round trip.)
        execute!(out, Clear(ClearType::All))?;
        self.terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(())
    }

    /// Gives the terminal back (for `$EDITOR`, Ctrl+Z or exit).
    pub fn release(&mut self) -> io::Result<()> {
        if !self.active {
            return Ok(());
        }
        self.active = false;
        restore();
        self.terminal.show_cursor()
    }

    /// Takes the terminal again after `release`.
    pub fn resume(&mut self) -> io::Result<()> {
        self.take()
    }

    /// Ctrl+Z: give the terminal back and stop until the shell continues us.
    pub fn suspend(&mut self) -> io::Result<()> {
        self.release()?;
        #[cfg(unix)]
        {
            let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGTSTP);
        }
        self.resume()
    }

    pub fn set_mouse(&mut self, on: bool) -> io::Result<()> {
        self.mouse = on;
        let mut out = io::stdout();
        if on {
            execute!(out, EnableMouseCapture)
        } else {
            execute!(out, DisableMouseCapture)
        }
    }

    /// Writes raw bytes to the terminal (OSC 52).
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut out = io::stdout();
        out.write_all(bytes)?;
        out.flush()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = self.release();
    }
}

/// Puts the terminal back as the shell had it. Safe to call more than once.
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        PopKeyboardEnhancementFlags,
        DisableMouseCapture,
        DisableBracketedPaste,
        DisableFocusChange,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

/// On a panic the terminal is restored first, then the panic is logged and reported.
pub fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            tracing::error!(panic = %info, "pi panicked");
            previous(info);
        }));
    });
}

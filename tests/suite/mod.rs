mod ai;
mod commands;
mod oneshot;
mod session;
mod tools;
mod tui;

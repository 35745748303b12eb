mod ai;
mod commands;
mod oneshot;
mod session;
mod skills;
mod tools;
mod tui;

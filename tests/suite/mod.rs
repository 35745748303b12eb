mod ai;
mod commands;
mod oneshot;
mod session;
mod bridge_slack;
mod skills;
mod tools;
mod tui;

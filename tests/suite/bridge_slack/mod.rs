//! The Slack bridge against `support::fake_slack` on 127.0.0.1: the Socket Mode connection.

mod bridge;
mod socket;
mod web;

//! The channel store: per conversation a folder with its session, event log, context and attachments.

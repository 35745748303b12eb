//! The entry types and message roles the index distinguishes (one byte each).

/// The `type` of an entry. Our own bookkeeping entries are pi `custom` entries with a
/// `customType` of ours; the index gives them their own kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Message,
    ModelChange,
    ThinkingLevelChange,
    Compaction,
    BranchSummary,
    Label,
    SessionInfo,
    Custom,
    CustomMessage,
    /// `custom` with `customType: "rust-pi.head"`: the head moved (see docs/session-format.md).
    Head,
    /// `custom` with `customType: "rust-pi.branch-alias"`: a branch alias set or cleared.
    BranchAlias,
    /// A type this version does not know; kept in the tree, skipped for context.
    Unknown,
}

/// `customType` of our head entries.
pub const HEAD_CUSTOM_TYPE: &str = "rust-pi.head";
/// `customType` of our branch-alias entries.
pub const ALIAS_CUSTOM_TYPE: &str = "rust-pi.branch-alias";

impl EntryKind {
    pub(crate) fn parse(kind: &str, custom_type: Option<&str>) -> EntryKind {
        match kind {
            "message" => EntryKind::Message,
            "model_change" => EntryKind::ModelChange,
            "thinking_level_change" => EntryKind::ThinkingLevelChange,
            "compaction" => EntryKind::Compaction,
            "branch_summary" => EntryKind::BranchSummary,
            "label" => EntryKind::Label,
            "session_info" => EntryKind::SessionInfo,
            "custom" => match custom_type {
                Some(HEAD_CUSTOM_TYPE) => EntryKind::Head,
                Some(ALIAS_CUSTOM_TYPE) => EntryKind::BranchAlias,
                _ => EntryKind::Custom,
            },
            "custom_message" => EntryKind::CustomMessage,
            _ => EntryKind::Unknown,
        }
    }

    /// The name used in reports (pi's `type`, or ours for head and alias entries).
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Message => "message",
            EntryKind::ModelChange => "model_change",
            EntryKind::ThinkingLevelChange => "thinking_level_change",
            EntryKind::Compaction => "compaction",
            EntryKind::BranchSummary => "branch_summary",
            EntryKind::Label => "label",
            EntryKind::SessionInfo => "session_info",
            EntryKind::Custom => "custom",
            EntryKind::CustomMessage => "custom_message",
            EntryKind::Head => "head",
            EntryKind::BranchAlias => "branch_alias",
            EntryKind::Unknown => "unknown",
        }
    }

    /// Entries that mark other entries (head moves, aliases, labels): never a branch tip,
    /// and never where a file opens (they stand for the entry they mark).
    pub fn is_bookkeeping(self) -> bool {
        matches!(
            self,
            EntryKind::Head | EntryKind::BranchAlias | EntryKind::Label
        )
    }
}

/// The role of a `message` entry's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    User,
    Assistant,
    ToolResult,
    BashExecution,
    Custom,
    BranchSummary,
    CompactionSummary,
    /// The older rust-pi format's `system` role.
    System,
    Other,
}

impl Role {
    pub(crate) fn parse(role: &str) -> Role {
        match role {
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "toolResult" | "tool" => Role::ToolResult,
            "bashExecution" => Role::BashExecution,
            "custom" | "hookMessage" => Role::Custom,
            "branchSummary" => Role::BranchSummary,
            "compactionSummary" => Role::CompactionSummary,
            "system" => Role::System,
            _ => Role::Other,
        }
    }

    /// pi's name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::ToolResult => "toolResult",
            Role::BashExecution => "bashExecution",
            Role::Custom => "custom",
            Role::BranchSummary => "branchSummary",
            Role::CompactionSummary => "compactionSummary",
            Role::System => "system",
            Role::Other => "other",
        }
    }
}

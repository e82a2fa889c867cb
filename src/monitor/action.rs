//! What the user can ask of the monitor. The screen turns keys, clicks, the wheel and pastes
//! into these (see `crate::ui::keys` for the key table); tests feed them directly.

use super::{ChatPos, DetailView, Focus, RowPos};

/// Something the user asked the monitor for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Quit,
    FocusNext,
    FocusPrev,
    /// Focuses a pane (a click on it).
    Focus(Focus),
    /// Moves the cursor of a pane (chats or stream) by this many rows; in the stream, moving
    /// up pauses following and reaching the bottom resumes it.
    Move(Focus, isize),
    /// The first or the last row of a pane (chats or stream); the stream's last resumes
    /// following.
    Top(Focus),
    Bottom(Focus),
    /// Puts the chats cursor on this position of [`super::Monitor::chat_list`] (a click).
    PointChat(ChatPos),
    /// Selects this position of the stream's rows (a click).
    SelectRow(RowPos),
    /// Shows only the chat under the chats cursor.
    OpenChat,
    /// Esc: clears the detail pane's search when it has focus and one, else back to all chats.
    Back,
    OpenHelp,
    CloseHelp,
    /// Opens the filter bar (the filter applied now is what Esc restores).
    OpenFilter,
    /// The filter bar's text changed: applied at once when it parses.
    EditFilter(String),
    /// Enter in the filter bar: applied if it parses, else the filter from before stays.
    ApplyFilter(String),
    /// Esc in the filter bar: the filter from before the bar opened.
    CancelFilter,
    /// Opens the detail pane's search.
    OpenSearch,
    EditSearch(String),
    /// Enter: keeps the search typed.
    KeepSearch(String),
    /// Esc: the search from before.
    CancelSearch,
    /// The URL prompt's text changed.
    EditUrl,
    /// Enter at the URL prompt: kept for the run, then the waiting send goes.
    SubmitUrl(String),
    CancelUrl,
    ToggleFollow,
    ToggleRawEvents,
    /// A form's bytes instead of its fields, and back.
    ToggleFormBytes,
    NextDetailView,
    /// Shows one of the detail pane's views.
    ShowView(DetailView),
    PrevRequest,
    NextRequest,
    /// Puts `text` on the clipboard and says so, quoting `shown` (else `text`).
    Copy {
        what: &'static str,
        text: String,
        shown: Option<String>,
    },
    /// Copies the request shown: its exact bytes, or `shown` (what the viewer shows) under
    /// `--redact` or when its bytes are no text.
    CopyBody {
        shown: String,
    },
    Resend,
    EditAndSend,
    CopyCurl,
    WriteMatching,
    ClearHistory,
    MarkRequest,
    CompareRequests,
}

//! Reading the monitor: one accessor per fact the screen shows, so that nothing outside the
//! monitor can change it except through its three calls (and taking what it queued for the
//! world outside: sends, an edit, clipboard copies).

use super::forwards::Forwards;
use super::raw::RawStore;
use super::view::StreamView;
use super::{ChatPos, Detail, Focus, Mode, Monitor, RowPos};
use crate::display::Intake;
use crate::envelope::Envelope;
use crate::filter::{Filter, FilterError};
use crate::forward::resend::SendRequest;
use crate::outbound::Target;
use crate::run_info::RunInfo;
use crate::store::{ChatIx, Store};
use std::sync::Arc;

impl Monitor {
    /// The store: chats, messages, events.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// How request data is made safe to show (and masked under `--redact`).
    pub fn intake(&self) -> &Intake {
        &self.intake
    }

    /// The requests behind the rows, by seq.
    pub fn raw(&self) -> &RawStore {
        &self.raw
    }

    /// What the bot answered to forwarded requests.
    pub fn forwards(&self) -> &Forwards {
        &self.forwards
    }

    /// How wamon was started: the address, the capture, the flags the screen shows.
    pub fn info(&self) -> &RunInfo {
        &self.info
    }

    /// The focused pane.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// What keys go to.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The filter applied.
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Why the filter being typed is not one (the last valid one stays applied).
    pub fn filter_error(&self) -> Option<&FilterError> {
        self.filter_error.as_ref()
    }

    /// The chat shown alone in the stream.
    pub fn chat(&self) -> Option<ChatIx> {
        self.chat
    }

    /// The chats cursor.
    pub fn chat_cursor(&self) -> ChatPos {
        self.chat_cursor
    }

    /// One row per event instead of per message.
    pub fn raw_events(&self) -> bool {
        self.raw_events
    }

    /// The stream as filtered.
    pub fn view(&self) -> &StreamView {
        &self.view
    }

    /// The stream cursor.
    pub fn stream_cursor(&self) -> RowPos {
        self.stream_cursor
    }

    /// The stream follows the newest row.
    pub fn follow(&self) -> bool {
        self.follow
    }

    /// Rows that arrived while following was paused.
    pub fn new_while_paused(&self) -> usize {
        self.new_while_paused
    }

    /// What the detail pane shows.
    pub fn detail(&self) -> &Detail {
        &self.detail
    }

    /// The last notice and when it was given.
    pub fn toast(&self) -> Option<&(String, i64)> {
        self.toast.as_ref()
    }

    /// The detail pane's search.
    pub fn search_query(&self) -> &str {
        &self.search_query
    }

    /// Where `R` and `E` send.
    pub fn send_target(&self) -> Option<&Target> {
        self.send_target.as_ref()
    }

    /// Why the URL typed does not work.
    pub fn prompt_error(&self) -> Option<&str> {
        self.prompt_error.as_deref()
    }

    /// The request `m` marked.
    pub fn marked(&self) -> Option<u64> {
        self.marked
    }

    /// Sends asked for and not yet taken by the event loop.
    pub fn outbox(&self) -> &[SendRequest] {
        &self.outbox
    }

    /// Copies asked for and not yet taken by the screen.
    pub fn clipboard(&self) -> &[String] {
        &self.clipboard
    }

    /// The user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Takes the sends asked for, for the event loop to carry out.
    pub fn take_outbox(&mut self) -> Vec<SendRequest> {
        std::mem::take(&mut self.outbox)
    }

    /// Takes the request to open in the editor, if one was asked for.
    pub fn take_edit_request(&mut self) -> Option<Arc<Envelope>> {
        self.edit_request.take()
    }

    /// Takes the copies asked for, for the screen to write to the terminal's clipboard.
    pub fn take_clipboard(&mut self) -> Vec<String> {
        std::mem::take(&mut self.clipboard)
    }
}

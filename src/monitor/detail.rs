//! What the detail pane shows, as data: the selected row's request (as received and as a display
//! copy), what it normalised to, its body ready for the JSON viewer, and the diff against the
//! marked request. Built when the selection moves, never while drawing.

use super::compare::Comparison;
use super::Monitor;
use crate::envelope::Envelope;
use crate::json_tree::Node;
use crate::provider::Normalized;
use crate::store::Row;
use std::sync::Arc;

/// The detail pane's views of the selected item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DetailView {
    #[default]
    Raw,
    Event,
    Headers,
    Ticks,
    /// What the bot answered (`--forward-to`).
    Reply,
    /// The request marked with `m` against the one shown (`D`); not in `v`'s cycle.
    Diff,
}

impl DetailView {
    pub fn next(self) -> DetailView {
        match self {
            DetailView::Raw => DetailView::Event,
            DetailView::Event => DetailView::Headers,
            DetailView::Headers => DetailView::Ticks,
            DetailView::Ticks => DetailView::Reply,
            DetailView::Reply | DetailView::Diff => DetailView::Raw,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DetailView::Raw => "raw JSON",
            DetailView::Event => "normalised",
            DetailView::Headers => "headers",
            DetailView::Ticks => "ticks",
            DetailView::Reply => "bot reply",
            DetailView::Diff => "diff",
        }
    }
}

/// A body ready for the JSON viewer: the display copy's bytes and, when it is JSON, its parsed
/// tree (parsed once, by the intake).
#[derive(Debug, Clone, Default)]
pub struct ShownBody {
    pub bytes: Vec<u8>,
    pub nodes: Option<Vec<Node>>,
    /// Not JSON: shown as text lines, each redacted under `--redact`.
    pub redacted_text: bool,
    /// Bytes shown as text on purpose (a form's bytes): says so instead of a parse error.
    pub text_note: Option<&'static str>,
}

/// The detail pane's data.
#[derive(Default)]
pub struct Detail {
    pub view: DetailView,
    /// The display body, for the JSON viewer, until the viewer takes it (see
    /// [`Monitor::take_detail_body`]): a body of megabytes and its tree are held once.
    pub body: Option<ShownBody>,
    /// Counts every change of the body shown, so that a viewer built from it knows to rebuild.
    pub body_version: u64,
    /// The request shown as received (for copying the whole body), kept while it stays
    /// selected: it may have been read back from the capture file.
    pub env: Option<Arc<Envelope>>,
    /// Its display copy (the headers view) and what it normalised to (display copies too:
    /// normalising a large body is not free, so this is kept as well).
    pub shown: Option<Arc<Envelope>>,
    pub normalized: Option<Normalized>,
    /// The request shown, and which of the row's requests it is.
    pub seq: Option<u64>,
    pub request_index: usize,
    /// The row the pane was built for.
    pub row: Option<Row>,
    /// The shown body is a Twilio form, which the raw view shows as its decoded fields.
    pub is_form: bool,
    /// Show forms as the bytes received instead (`r`).
    pub form_bytes: bool,
    /// The diff view's comparison (of the marked request against the one shown), rebuilt when
    /// either changes.
    pub compare: Option<Comparison>,
}

impl Monitor {
    /// Points the detail pane at the selected row (rebuilding its data only on change).
    pub(super) fn sync_detail(&mut self) {
        let row = self.selected_row();
        if row != self.detail.row {
            self.detail.row = row;
            self.detail.request_index = 0;
        }
        let seq = row.and_then(|r| {
            let reqs = self.row_requests(r);
            reqs.get(self.detail.request_index.min(reqs.len().saturating_sub(1)))
                .copied()
        });
        if seq != self.detail.seq {
            self.load_detail(seq);
        }
        if self.detail.view == DetailView::Diff {
            self.sync_compare();
        }
    }

    /// Loads request `seq` into the detail pane: its display copies, read back from the capture
    /// when it is no longer held in memory.
    fn load_detail(&mut self, seq: Option<u64>) {
        self.detail.seq = seq;
        self.detail.body_version += 1;
        let env = seq.and_then(|s| self.raw.get(s));
        let intake = &mut self.intake;
        self.detail.shown = env.as_deref().map(|e| Arc::new(intake.envelope(e)));
        self.detail.normalized = env.as_deref().map(|e| {
            let mut n = crate::provider::normalize(e);
            intake.normalized(&mut n);
            n
        });
        let form_bytes = self.detail.form_bytes;
        let mut is_form = false;
        let redacts = intake.redacts();
        let text = |bytes: &[u8], note| ShownBody {
            bytes: bytes.to_vec(),
            nodes: None,
            redacted_text: redacts,
            text_note: note,
        };
        self.detail.body = env.as_ref().map(|e| {
            match crate::body_encoding::decoded(e) {
                Ok(body) => match intake.body(&body) {
                    Some(shown) => ShownBody {
                        bytes: shown.bytes.into_owned(),
                        nodes: shown.nodes,
                        ..ShownBody::default()
                    },
                    None => {
                        // A Twilio form: its fields as JSON, unless its bytes were asked for.
                        let fields = crate::display::form::fields_json(&body);
                        is_form = fields.is_some();
                        let doc = fields.filter(|_| !form_bytes);
                        match doc.as_deref().and_then(|d| intake.body(d.as_bytes())) {
                            Some(shown) => ShownBody {
                                bytes: shown.bytes.into_owned(),
                                nodes: shown.nodes,
                                ..ShownBody::default()
                            },
                            // A form's bytes, asked for with `r`: text, not broken JSON.
                            None if is_form => {
                                text(&body, Some("the form's bytes as received (r: its fields)"))
                            }
                            None => text(&body, None),
                        }
                    }
                },
                // Compressed bytes mean nothing on screen: say why they are not shown.
                Err(why) => ShownBody {
                    bytes: format!("({why})").into_bytes(),
                    ..ShownBody::default()
                },
            }
        });
        self.detail.env = env;
        self.detail.is_form = is_form;
    }

    /// Hands the body shown to the viewer that shows it (the screen's JSON viewer), with the
    /// version it belongs to; `None` once taken, until the selection moves again.
    pub fn take_detail_body(&mut self) -> (u64, Option<ShownBody>) {
        (self.detail.body_version, self.detail.body.take())
    }

    /// Shows the other face of the request shown: a form's bytes or its fields.
    pub(super) fn toggle_form_bytes(&mut self) {
        self.detail.form_bytes = !self.detail.form_bytes;
        let seq = self.detail.seq;
        self.load_detail(seq);
    }

    /// Brings the diff view's comparison up to date: the marked request against the one shown.
    fn sync_compare(&mut self) {
        let (Some(a), Some(b)) = (self.marked, self.detail.seq) else {
            self.detail.compare = None;
            return;
        };
        if self
            .detail
            .compare
            .as_ref()
            .is_some_and(|c| (c.a, c.b) == (a, b))
        {
            return;
        }
        self.detail.compare = match (self.raw.get(a), self.detail.env.as_deref()) {
            (Some(ea), Some(eb)) => Some(Comparison::new(&ea, eb, &self.intake)),
            _ => None,
        };
    }
}

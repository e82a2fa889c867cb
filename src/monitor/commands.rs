//! The screen's actions that reach outside its model: sending the selected request again (as
//! received or edited), copying it as a curl command, writing the requests the filter shows to
//! a new capture file, and clearing the screen's history.
//!
//! Sending and editing are asked for here and carried out by the event loop ([`Monitor::outbox`],
//! [`Monitor::edit_request`]): it owns the terminal (the editor needs it) and the runtime.

use super::{DetailView, Focus, Mode, Monitor};
use crate::envelope::Envelope;
use crate::forward::resend::SendRequest;
use crate::outbound::Target;
use crate::store::Row;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// How long the first `X` waits for the second.
const CLEAR_CONFIRM_MS: i64 = 3000;

/// What waits for the URL being typed.
#[derive(Debug, Clone)]
pub struct AwaitingUrl {
    pub env: Arc<Envelope>,
    pub edit: bool,
}

/// What the editor gets: the request with a compressed body decoded (and its
/// `Content-Encoding` dropped, so the edited text is sent as plain bytes); else as received.
fn editable(env: Arc<Envelope>) -> Arc<Envelope> {
    let plain = match crate::body_encoding::decoded(&env) {
        Ok(std::borrow::Cow::Owned(plain)) => plain,
        _ => return env,
    };
    let mut e = (*env).clone();
    e.body = plain.into();
    e.headers
        .retain(|(k, _)| !k.eq_ignore_ascii_case("content-encoding"));
    Arc::new(e)
}

impl Monitor {
    /// The request the detail pane shows, exactly as received.
    fn selected_request(&mut self, now_ms: i64) -> Option<Arc<Envelope>> {
        let env = self.detail.env.clone();
        if env.is_none() {
            self.toast = Some(("select a row first".into(), now_ms));
        }
        env
    }

    /// `R` / `E`: send the selected request again (after editing it), to `--forward-to` or to
    /// a URL asked for once.
    pub(super) fn resend(&mut self, edit: bool, now_ms: i64) {
        let Some(env) = self.selected_request(now_ms) else {
            return;
        };
        if self.send_target.is_none() {
            self.awaiting_url = Some(AwaitingUrl { env, edit });
            self.mode = Mode::Prompt;
            return;
        }
        self.send_or_edit(env, edit, now_ms);
    }

    fn send_or_edit(&mut self, env: Arc<Envelope>, edit: bool, now_ms: i64) {
        let Some(target) = self.send_target.clone() else {
            return;
        };
        if edit {
            self.edit_request = Some(editable(env));
            return;
        }
        self.toast = Some((
            format!("sending request #{} to {}", env.seq, target.url),
            now_ms,
        ));
        self.outbox.push(SendRequest {
            target,
            env,
            edited: false,
        });
    }

    /// The URL typed at the prompt: kept for the rest of the run, then the waiting send goes.
    pub(super) fn submit_url(&mut self, text: &str, now_ms: i64) {
        match Target::parse(text.trim()) {
            Ok(t) => {
                self.send_target = Some(t);
                self.mode = Mode::Normal;
                self.prompt_error = None;
                if let Some(w) = self.awaiting_url.take() {
                    self.send_or_edit(w.env, w.edit, now_ms);
                }
            }
            Err(e) => self.prompt_error = Some(e),
        }
    }

    /// The prompt was cancelled.
    pub(super) fn cancel_url(&mut self) {
        self.awaiting_url = None;
        self.prompt_error = None;
        self.mode = Mode::Normal;
    }

    /// What the editor gave back for `env`: the file's bytes, sent unless unchanged, or why
    /// there are none (said in the status bar).
    pub fn edited(&mut self, env: &Envelope, result: Result<Vec<u8>, String>, now_ms: i64) {
        let body = match result {
            Ok(body) => body,
            Err(why) => return self.say(why, now_ms),
        };
        if body == env.body {
            self.toast = Some(("body unchanged: nothing sent".into(), now_ms));
            return;
        }
        let Some(target) = self.send_target.clone() else {
            return;
        };
        let mut edited = env.clone();
        edited.body = body.into();
        self.toast = Some((
            format!("sending edited request #{} to {}", env.seq, target.url),
            now_ms,
        ));
        self.outbox.push(SendRequest {
            target,
            env: Arc::new(edited),
            edited: true,
        });
    }

    /// `C`: the selected request as a curl command, to the clipboard. It re-sends to the bot
    /// when forwarding (or after a URL was given), else to wamon itself. Under `--redact` the
    /// masked copy is used: the clipboard leaves the screen.
    pub(super) fn copy_curl(&mut self, now_ms: i64) {
        let env = if self.intake.redacts() {
            self.detail.shown.clone()
        } else {
            self.detail.env.clone()
        };
        let Some(env) = env else {
            self.toast = Some(("select a row first".into(), now_ms));
            return;
        };
        let base = match &self.send_target {
            Some(t) => t.url.clone(),
            None => self.info.webhook_url().trim_end_matches('/').to_owned(),
        };
        let cmd = crate::export::curl::curl_command(&env, &base);
        self.copy(cmd, None, "curl command", now_ms);
    }

    /// `W`: every request behind the rows the filter shows, in a new private capture file next
    /// to the capture. Forward results are not included (the screen keeps only display copies
    /// of them; `wamon export` writes them from the capture).
    pub(super) fn write_matching(&mut self, now_ms: i64) {
        let mut seqs: Vec<u64> = Vec::new();
        for row in &self.view.rows {
            match *row {
                Row::Message(i) => seqs.extend(&self.store.message(i).seqs),
                Row::Event(i) => seqs.push(self.store.event(i).seq),
            }
        }
        seqs.sort_unstable();
        seqs.dedup();
        let path = self.export_path(now_ms);
        let result = (|| -> std::io::Result<(usize, usize)> {
            let mut out = std::io::BufWriter::new(crate::private_files::create(&path, false)?);
            out.write_all(&crate::capture::header_line(now_ms))?;
            let (mut written, mut missing) = (0, 0);
            for seq in seqs {
                match self.raw.get(seq) {
                    Some(env) => {
                        out.write_all(&crate::capture::encode(&env))?;
                        written += 1;
                    }
                    None => missing += 1,
                }
            }
            out.flush()?;
            Ok((written, missing))
        })();
        let shown = crate::display::clean(&path.display().to_string()).into_owned();
        let plural = |n: usize| crate::display::count::plural(n as u64, "request", "requests");
        let msg = match result {
            Ok((n, 0)) => format!("wrote {} to {shown}", plural(n)),
            Ok((n, gone)) => format!(
                "wrote {} to {shown} ({gone} no longer available: their capture file was moved \
                 or there is none)",
                plural(n)
            ),
            Err(e) => format!("could not write {shown}: {e}"),
        };
        self.toast = Some((msg, now_ms));
    }

    /// Where `W` writes: beside the capture (or in the data dir), named by the time.
    fn export_path(&self, now_ms: i64) -> PathBuf {
        let dir = self
            .info
            .capture
            .as_ref()
            .and_then(|c| c.path().parent().map(PathBuf::from))
            .unwrap_or_else(|| {
                dirs::data_dir()
                    .unwrap_or_else(std::env::temp_dir)
                    .join("wamon")
                    .join("captures")
            });
        let stamp = crate::capture::rfc3339_ms(now_ms)
            .replace([':', '.'], "-")
            .trim_end_matches('Z')
            .to_owned();
        dir.join(format!("filtered-{stamp}.jsonl"))
    }

    /// `X` twice: forget everything shown, keep the filter, the views and the capture.
    pub(super) fn clear_history(&mut self, now_ms: i64) {
        match self.clear_armed_at {
            Some(at) if now_ms - at <= CLEAR_CONFIRM_MS => {}
            _ => {
                self.clear_armed_at = Some(now_ms);
                self.toast = Some((
                    "press X again to clear the screen's history (the capture keeps everything)"
                        .into(),
                    now_ms,
                ));
                return;
            }
        }
        let mut fresh = Monitor::new(self.info.clone());
        // The same masks under --redact, the same filter, views and send target.
        std::mem::swap(&mut fresh.intake, &mut self.intake);
        fresh.filter = std::mem::take(&mut self.filter);
        fresh.raw_events = self.raw_events;
        fresh.focus = self.focus;
        fresh.send_target = self.send_target.take();
        fresh.toast = Some((
            "history cleared; the capture file keeps every request".into(),
            now_ms,
        ));
        *self = fresh;
    }

    /// `m`: marks the request shown (the selected row's) for `D` to compare with.
    pub(super) fn mark_request(&mut self, now_ms: i64) {
        self.sync_detail();
        let Some(seq) = self.detail.seq else {
            self.toast = Some(("select a row first".into(), now_ms));
            return;
        };
        self.marked = Some(seq);
        self.toast = Some((
            format!("marked #{seq}: select another request and press D to compare"),
            now_ms,
        ));
    }

    /// `D`: shows the diff of the marked request against the one shown.
    pub(super) fn compare_requests(&mut self, now_ms: i64) {
        self.sync_detail();
        let msg = match (self.marked, self.detail.seq) {
            (None, _) => "press m on a request first, then D on another to compare them",
            (_, None) => "select a row first",
            (Some(a), Some(b)) if a == b => {
                "this is the marked request: select another one, then D"
            }
            (Some(_), Some(_)) => {
                self.detail.view = DetailView::Diff;
                self.focus = Focus::Detail;
                return;
            }
        };
        self.toast = Some((msg.into(), now_ms));
    }
}

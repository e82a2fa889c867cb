//! Sending one request again from the screen (as received, or edited in `$EDITOR`): the same
//! client and the same recording as forwarding, so the bot's answer shows on the row and in the
//! bot-reply view, and is kept in the capture as a forward result of the request.
//!
//! Edge module: tokio tasks and the outbound client.

use super::queue::{ResultSink, ANSWER_BODY_LIMIT};
use super::record::ForwardRecord;
use crate::envelope::Envelope;
use crate::outbound::{Outbound, Outgoing, Target};
use std::sync::Arc;
use std::time::Duration;

/// One send asked for on the screen.
#[derive(Debug, Clone)]
pub struct SendRequest {
    pub target: Target,
    /// The request, its body replaced when edited.
    pub env: Arc<Envelope>,
    pub edited: bool,
}

/// Sends what the screen asks for, in the background.
#[derive(Clone)]
pub struct Resender {
    client: Outbound,
    sink: ResultSink,
    timeout: Duration,
}

impl Resender {
    pub fn new(sink: ResultSink, timeout: Duration) -> Resender {
        Resender {
            client: Outbound::new(),
            sink,
            timeout,
        }
    }

    /// Sends `req` on a task of its own; its result arrives like a forward result.
    pub fn send(&self, req: SendRequest) {
        let this = self.clone();
        tokio::spawn(async move {
            let env = &req.env;
            let out = Outgoing::of(env);
            let to = req.target.uri_for(&env.path, env.query.as_deref());
            let now = crate::receiver::now_ms;
            let mut r = match this
                .client
                .send(&req.target, &out, this.timeout, ANSWER_BODY_LIMIT)
                .await
            {
                Ok(a) => ForwardRecord::answered(env.seq, now(), to, a),
                Err(f) => ForwardRecord::failed(env.seq, now(), to, &f),
            };
            r.edited = req.edited;
            this.sink.record(Arc::new(r)).await;
        });
    }
}

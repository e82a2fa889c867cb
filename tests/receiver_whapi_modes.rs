//! Whapi's "path" and "method" webhook modes over a real TCP socket: a body without `event` is
//! recognised from the request's path (and method), under any prefix and behind `--token`.

mod support;

use support::{cfg, http, start};
use wamon::model::{Kind, Provider};
use wamon::receiver::ReceiverConfig;

/// Whapi's text message (seed-001) as path and method mode send it: no `event` object.
const BARE_MESSAGE: &str = r#"{"messages":[{"id":"p.w30M7fgwWD4XwHu.g4CA-gBgTwl0rVw","from_me":false,"type":"text","chat_id":"919984351847@s.whatsapp.net","timestamp":1712995245,"source":"mobile","text":{"body":"Hello world"},"from":"919984351847","from_name":"Gerald"}],"channel_id":"MANTIS-M72HC"}"#;

#[tokio::test]
async fn a_path_mode_message_is_a_message() {
    let mut r = start(cfg()).await;
    let reply = http(
        r.addr,
        "POST",
        "/whapi/messages/post",
        &[("content-type", "application/json")],
        BARE_MESSAGE.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 200);
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(v["provider"], "whapi");
    let ing = r.next().await;
    assert_eq!(ing.env.path, "/whapi/messages/post");
    assert_eq!(ing.normalized.provider, Provider::Whapi);
    let ev = &ing.normalized.events[0];
    assert_eq!(
        (ev.kind, ev.event.as_str()),
        (Kind::Message, "messages.post")
    );
    assert_eq!(ev.text.as_deref(), Some("Hello world"));
}

#[tokio::test]
async fn method_mode_and_the_token_prefix_work_too() {
    let mut r = start(ReceiverConfig {
        token: Some("k3y-9f2a_x".into()),
        ..cfg()
    })
    .await;
    let reply = http(
        r.addr,
        "PUT",
        "/k3y-9f2a_x/hooks/messages",
        &[],
        BARE_MESSAGE.as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 200);
    let ing = r.next().await;
    assert_eq!(ing.env.path, "/hooks/messages");
    assert_eq!(ing.normalized.provider, Provider::Whapi);
    assert_eq!(ing.normalized.events[0].event, "messages.put");
    assert_eq!(ing.normalized.events[0].kind, Kind::Message);

    // A path that names no Whapi event leaves the body unknown.
    http(
        r.addr,
        "POST",
        "/k3y-9f2a_x/messages/get",
        &[],
        BARE_MESSAGE.as_bytes(),
    )
    .await;
    let ing = r.next().await;
    assert_eq!(ing.normalized.provider, Provider::Unknown);
    assert_eq!(ing.normalized.events[0].kind, Kind::Unknown);
}

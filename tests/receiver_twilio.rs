//! Twilio over real TCP: a form body is accepted and answered with empty TwiML, its exact bytes
//! captured; `X-Twilio-Signature` is checked over the URL Twilio called (from `--public-url`,
//! else the tunnel's forwarding headers, else `Host`) and the form's fields.

mod support;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use support::{cfg, http, start, Reply};
use wamon::model::{Kind, Provider};
use wamon::receiver::ReceiverConfig;

const FORM: &[u8] = include_bytes!("../assets/fixtures/twilio/text.form");
const FORM_TYPE: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");
const TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#;
const TOKEN: &str = "12345";

/// Twilio's algorithm, written out independently of wamon's: the URL, then each field's name
/// and value in name order, HMAC-SHA1 under the auth token, base64.
fn sign(url: &str, body: &[u8]) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    let mut s = url.to_owned();
    for (k, v) in pairs {
        s.push_str(&k);
        s.push_str(&v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(TOKEN.as_bytes()).unwrap();
    mac.update(s.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn twilio(public_url: Option<&str>, require: bool) -> ReceiverConfig {
    ReceiverConfig {
        twilio_auth_token: Some(TOKEN.into()),
        public_url: public_url.map(str::to_owned),
        require_signature: require,
        ..cfg()
    }
}

async fn post(addr: std::net::SocketAddr, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut h = vec![FORM_TYPE];
    h.extend_from_slice(headers);
    http(addr, "POST", path, &h, FORM).await
}

#[tokio::test]
async fn a_twilio_form_is_accepted_answered_with_empty_twiml_and_captured_byte_exact() {
    let mut r = start(cfg()).await;
    let reply = post(r.addr, "/twilio", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type, "text/xml; charset=utf-8");
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.body, TWIML);
    let ing = r.next().await;
    assert_eq!(ing.normalized.provider, Provider::Twilio);
    assert_eq!(ing.normalized.events[0].kind, Kind::Message);
    assert_eq!(ing.normalized.events[0].text.as_deref(), Some("test"));
    assert_eq!(&ing.env.body[..], FORM);
    assert_eq!(
        &r.captured()[0].body[..],
        FORM,
        "the capture keeps the form's bytes"
    );
}

#[tokio::test]
async fn a_form_that_is_not_twilios_is_still_refused_as_not_json() {
    let r = start(cfg()).await;
    let reply = http(r.addr, "POST", "/", &[FORM_TYPE], b"name=Ana&email=a%40b.c").await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("invalid JSON"), "{}", reply.body);
}

#[tokio::test]
async fn good_bad_and_missing_twilio_signatures() {
    let mut r = start(twilio(None, false)).await;
    // No tunnel: the URL is rebuilt from the Host header the client sent.
    let url = format!("http://{}/twilio?x=1", r.addr);
    let good = post(
        r.addr,
        "/twilio?x=1",
        &[("X-Twilio-Signature", &sign(&url, FORM))],
    )
    .await;
    assert_eq!(good.status, 200, "{}", good.body);
    assert_eq!(r.next().await.normalized.provider, Provider::Twilio);

    let right_for_other_url = sign(&format!("http://{}/other", r.addr), FORM);
    let bad = post(
        r.addr,
        "/twilio?x=1",
        &[("X-Twilio-Signature", &right_for_other_url)],
    )
    .await;
    assert_eq!(bad.status, 401);
    assert!(bad.body.contains("X-Twilio-Signature"), "{}", bad.body);
    assert!(bad.body.contains("--public-url"), "names the likely cause");
    assert!(!bad.body.contains(&sign(&url, FORM)), "no signature oracle");
    assert!(!bad.body.contains("http://"), "nor the URL it rebuilt");
    let ing = r.next().await;
    assert_eq!(ing.normalized.events[0].kind, Kind::Rejected);
    assert_eq!(ing.normalized.provider, Provider::Twilio);
    let note = ing.env.note.clone().unwrap_or_default();
    assert!(
        note.contains(&sign(&url, FORM)),
        "the local record has it: {note}"
    );

    let malformed = post(r.addr, "/twilio?x=1", &[("X-Twilio-Signature", "nope")]).await;
    assert_eq!(malformed.status, 401);
    assert!(malformed.body.contains("malformed"), "{}", malformed.body);

    let unsigned = post(r.addr, "/twilio?x=1", &[]).await;
    assert_eq!(unsigned.status, 200, "unsigned passes unless required");

    let strict = start(twilio(None, true)).await;
    let missing = post(strict.addr, "/twilio", &[]).await;
    assert_eq!(missing.status, 401);
    assert!(
        missing.body.contains("X-Twilio-Signature"),
        "{}",
        missing.body
    );
}

#[tokio::test]
async fn the_public_url_wins_over_forwarded_headers_which_win_over_host() {
    let public = start(twilio(Some("https://abc.ngrok.app/"), true)).await;
    let sig = sign("https://abc.ngrok.app/hook", FORM);
    let ok = post(public.addr, "/hook", &[("X-Twilio-Signature", &sig)]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    // Signed over what the receiver saw instead: refused, the public URL is what Twilio called.
    let local = sign(&format!("http://{}/hook", public.addr), FORM);
    let refused = post(public.addr, "/hook", &[("X-Twilio-Signature", &local)]).await;
    assert_eq!(refused.status, 401);

    let tunnel = start(twilio(None, true)).await;
    let forwarded = [
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "abc.ngrok.app"),
    ];
    for signed_url in [
        "https://abc.ngrok.app/hook",
        // Twilio's validators also accept the default port written out.
        "https://abc.ngrok.app:443/hook",
    ] {
        let mut h = forwarded.to_vec();
        let sig = sign(signed_url, FORM);
        h.push(("X-Twilio-Signature", &sig));
        let ok = post(tunnel.addr, "/hook", &h).await;
        assert_eq!(ok.status, 200, "{signed_url}: {}", ok.body);
    }
    let sig = sign("https://tunnel.dev/hook", FORM);
    let std_forwarded = post(
        tunnel.addr,
        "/hook",
        &[
            ("Forwarded", "for=203.0.113.7;proto=https;host=tunnel.dev"),
            ("X-Twilio-Signature", &sig),
        ],
    )
    .await;
    assert_eq!(std_forwarded.status, 200, "{}", std_forwarded.body);
}

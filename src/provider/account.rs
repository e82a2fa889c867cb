//! Which account a webhook arrived for: the provider's name for the WhatsApp number the
//! webhook is about (a WAHA session, a Whapi channel, a Meta phone number id, an Evolution
//! instance, an `instanceId`).
//!
//! The account is the name the provider keys the number by, never the number itself: WAHA's
//! `me`, Meta's `display_phone_number` and `connectedNumber` are missing from some webhooks of
//! the same account, and a key must not change from one webhook to the next. Core module: pure.

use super::json::str_at;
use crate::model::Provider;
use serde_json::Value;

/// Longest account id kept, in bytes (longer ones are cut at a character boundary): names are
/// short, and every distinct account costs the store a slot.
pub const MAX_ACCOUNT: usize = 128;

/// The account named by the envelope `root` of `provider`'s shape. Meta names one per change
/// (`value.metadata.phone_number_id`, see [`from_meta_value`]), so none at the envelope.
pub fn of(provider: Provider, root: &Value) -> Option<String> {
    let id = match provider {
        Provider::Waha => str_at(root, &["session"]),
        Provider::Whapi => str_at(root, &["channel_id"]),
        // `instance` is the instance's name; some versions send an object naming it.
        Provider::Evolution => str_at(root, &["instance"])
            .or_else(|| str_at(root, &["instance", "instanceName"]))
            .or_else(|| str_at(root, &["instance", "name"])),
        Provider::Instance => str_at(root, &["instanceId"]),
        Provider::EvolutionGo => super::evolution_go::account(root),
        // Twilio's key joins two fields (`AccountSid/our number`), so it is built.
        Provider::Twilio => return super::twilio::account(root).as_deref().and_then(bounded),
        // A JSON number (`idInstance`), so an owned string.
        Provider::GreenApi => return super::greenapi::account(root).as_deref().and_then(bounded),
        Provider::Zapi => super::zapi::account(root),
        Provider::Meta | Provider::Unknown => None,
    };
    id.and_then(bounded)
}

/// The account of one Meta change `value`: its business phone number's id.
pub fn from_meta_value(value: &Value) -> Option<String> {
    str_at(value, &["metadata", "phone_number_id"]).and_then(bounded)
}

/// `id` trimmed and cut to [`MAX_ACCOUNT`]; `None` when empty.
fn bounded(id: &str) -> Option<String> {
    let id = id.trim();
    if id.is_empty() {
        return None;
    }
    let mut end = id.len().min(MAX_ACCOUNT);
    while !id.is_char_boundary(end) {
        end -= 1;
    }
    Some(id[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_provider_names_its_account() {
        let waha = json!({"event": "message", "session": "default", "payload": {}});
        assert_eq!(of(Provider::Waha, &waha).as_deref(), Some("default"));
        let evo = json!({"event": "x", "instance": {"instanceName": "loja"}, "data": {}});
        assert_eq!(of(Provider::Evolution, &evo).as_deref(), Some("loja"));
        let empty = json!({"event": "x", "session": "  ", "payload": {}});
        assert_eq!(of(Provider::Waha, &empty), None);
    }

    #[test]
    fn long_accounts_are_cut_on_a_char_boundary() {
        let long = "é".repeat(200);
        let v = json!({"session": long});
        let got = of(Provider::Waha, &v).unwrap();
        assert!(got.len() <= MAX_ACCOUNT && got.chars().all(|c| c == 'é'));
    }
}

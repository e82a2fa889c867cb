//! Whapi's "path" and "method" webhook modes: the event named by the request, not the body.
//!
//! A Whapi channel's webhook has a mode (support.whapi.cloud "Detailed webhook settings"):
//! - `body` (the default): the body carries `"event": {"type", "event"}`, read by [`super`];
//! - `path`: the event is appended to the URL, `<url>/<type>/<action>` (e.g. `/messages/post`);
//! - `method`: the type is appended and the action is the HTTP method: `PATCH <url>/messages`.
//!
//! In the last two the body has no `event` object, only the collection and `channel_id`. Such a
//! body is taken as Whapi's when it has a string `channel_id`, no `event`, and the request's path
//! ends in a known type and action (path mode), or in a known type sent with a known method
//! (method mode). Only the last segments are read, so any prefix (`/hooks/whapi/messages/post`)
//! works; wamon's `--token` prefix is already gone from the recorded path. Path segments are
//! matched exactly, as Whapi sends them (lower case), the method in any case: anything else
//! leaves the body as it was, `unknown`. Path mode is tried first: a method-mode URL ends in a
//! type, never in an action.

use serde_json::Value;

/// Event types Whapi documents (whapi-openapi `Event::getTypeAllowableValues`, v1.8.7), then the
/// deprecated names its webhook settings still list (`message` is the one the help desk's own
/// path-mode example uses: `https://example.com/message/post`).
const TYPES: [&str; 15] = [
    "messages",
    "statuses",
    "chats",
    "contacts",
    "groups",
    "presences",
    "calls",
    "channel",
    "users",
    "labels",
    "service",
    "message",
    "ack",
    "chat",
    "status",
];

/// Event actions (whapi-openapi `Event::getMethodAllowableValues`).
const ACTIONS: [&str; 4] = ["post", "put", "patch", "delete"];

/// The event type and action a request names for a Whapi body without an `event` object, if it
/// names a known one. Both are Whapi's own spellings, never text from the request.
pub fn event(method: &str, path: &str, root: &Value) -> Option<(&'static str, &'static str)> {
    let obj = root.as_object()?;
    if !obj.get("channel_id").is_some_and(Value::is_string)
        || obj.get("event").is_some_and(|e| !e.is_null())
    {
        return None;
    }
    // A trailing slash adds no segment: `/messages/post/` is `/messages/post`.
    let path = path.strip_suffix('/').unwrap_or(path);
    let mut segments = path.rsplit('/');
    let last = segments.next()?;
    let before = segments.next();
    if let (Some(ty), Some(action)) = (before.and_then(known_type), known_action(last)) {
        return Some((ty, action));
    }
    let action = ACTIONS
        .iter()
        .find(|a| method.eq_ignore_ascii_case(a))
        .copied()?;
    Some((known_type(last)?, action))
}

fn known_type(segment: &str) -> Option<&'static str> {
    TYPES.iter().find(|t| **t == segment).copied()
}

fn known_action(segment: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|a| **a == segment).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({"messages": [], "channel_id": "MANTIS-M72HC"})
    }

    #[test]
    fn path_mode_reads_the_last_two_segments_wherever_the_prefix() {
        for path in [
            "/messages/post",
            "/hooks/whapi/messages/post",
            "/messages/post/",
            "/x/messages/messages/post",
        ] {
            assert_eq!(
                event("POST", path, &body()),
                Some(("messages", "post")),
                "{path}"
            );
        }
        assert_eq!(
            event("POST", "/statuses/put", &body()),
            Some(("statuses", "put"))
        );
        assert_eq!(
            event("POST", "/groups/delete", &body()),
            Some(("groups", "delete"))
        );
    }

    #[test]
    fn method_mode_takes_the_action_from_the_method() {
        assert_eq!(
            event("PATCH", "/whapi/messages", &body()),
            Some(("messages", "patch"))
        );
        assert_eq!(event("PUT", "/chats", &body()), Some(("chats", "put")));
        assert_eq!(
            event("DELETE", "/c/users/", &body()),
            Some(("users", "delete"))
        );
    }

    #[test]
    fn anything_unknown_names_no_event() {
        for (method, path) in [
            ("POST", "/"),
            ("POST", ""),
            ("POST", "/messages/get"),
            ("POST", "/mesages/post"),
            ("POST", "/Messages/post"),
            ("GET", "/messages"),
            ("POST", "/webhook"),
            ("POST", "/post"),
            ("POST", "/messages/post/extra"),
        ] {
            assert_eq!(event(method, path, &body()), None, "{method} {path}");
        }
    }

    #[test]
    fn odd_paths_and_methods_are_read_safely() {
        let long = format!("/{}/messages/post", "a/".repeat(100_000));
        assert_eq!(event("POST", &long, &body()), Some(("messages", "post")));
        for path in [
            "//",
            "/messages//post",
            "/messages/post//",
            "messages/post\u{202e}",
            "/messages/\u{1b}[2J",
            "/messages%2Fpost",
        ] {
            assert_eq!(event("POST", path, &body()), None, "{path:?}");
        }
        // A prefix is never read, whatever it holds.
        assert_eq!(
            event("PATCH", "/\u{1b}[2J/messages", &body()),
            Some(("messages", "patch"))
        );
        assert_eq!(event("", "/messages", &body()), None);
        assert_eq!(event("PÖST", "/messages", &body()), None);
    }

    #[test]
    fn only_whapi_bodies_without_an_event_are_routed() {
        let with_event = json!({"messages": [], "channel_id": "C",
            "event": {"type": "statuses", "event": "put"}});
        assert_eq!(event("POST", "/messages/post", &with_event), None);
        let no_channel = json!({"messages": []});
        assert_eq!(event("POST", "/messages/post", &no_channel), None);
        let numeric_channel = json!({"messages": [], "channel_id": 7});
        assert_eq!(event("POST", "/messages/post", &numeric_channel), None);
        assert_eq!(event("POST", "/messages/post", &json!([1])), None);
        let null_event = json!({"messages": [], "channel_id": "C", "event": null});
        assert_eq!(
            event("POST", "/messages/post", &null_event),
            Some(("messages", "post"))
        );
    }
}

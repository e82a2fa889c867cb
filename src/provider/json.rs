//! Small readers for loosely typed webhook JSON: providers send numbers as strings, omit fields
//! and nest the same fact in different places, so every lookup is optional and forgiving.

use crate::model::{to_millis, ChatId, MessageId};
use serde_json::Value;

/// The value at `path` (object keys), if every step exists.
pub fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, key| cur.get(*key))
}

/// A non-empty string at `path`.
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(v, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The first non-empty string among `paths`.
pub fn first_str<'a>(v: &'a Value, paths: &[&[&str]]) -> Option<&'a str> {
    paths.iter().find_map(|p| str_at(v, p))
}

/// An owned non-empty string at `path`.
pub fn string_at(v: &Value, path: &[&str]) -> Option<String> {
    str_at(v, path).map(str::to_owned)
}

pub fn bool_at(v: &Value, path: &[&str]) -> Option<bool> {
    match at(v, path)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// A finite number at `path`, also when sent as a numeric string (a number beyond f64, which
/// [`super::parse`] keeps as its digits, is no number here).
pub fn num_at(v: &Value, path: &[&str]) -> Option<f64> {
    match at(v, path)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

/// A timestamp at `path` (seconds, fractional seconds or milliseconds) in milliseconds.
pub fn millis_at(v: &Value, path: &[&str]) -> Option<i64> {
    num_at(v, path).filter(|t| *t > 0.0).map(to_millis)
}

/// A canonical chat id from the string at `path`.
pub fn chat_at(v: &Value, path: &[&str]) -> Option<ChatId> {
    str_at(v, path).and_then(ChatId::parse)
}

/// A message id from the string at `path`.
pub fn id_at(v: &Value, path: &[&str]) -> Option<MessageId> {
    str_at(v, path).map(MessageId::new)
}

/// The array at `path`, or an empty slice.
pub fn arr_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The string items of the array at `path`.
pub fn strings_at(v: &Value, path: &[&str]) -> Vec<String> {
    arr_at(v, path)
        .iter()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect()
}

/// Cuts `s` to at most `max` characters, marking the cut with `…`.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

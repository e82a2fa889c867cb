//! Form bodies (`application/x-www-form-urlencoded`, Twilio's only webhook encoding) read as a
//! flat JSON object of strings, so detection and normalisation work on them like on JSON.
//!
//! Only a form that has Twilio's shape ([`super::claims`]) becomes an object: any other
//! non-JSON body stays `malformed` ("invalid JSON"), as before forms were read at all, because
//! nearly any byte string parses as *some* form (`hello` is the field `hello` with no value).
//! Percent-decoding is `form_urlencoded`'s (the WHATWG rules: `+` is a space, invalid escapes
//! are kept as written, bytes that are not UTF-8 become U+FFFD).

use serde_json::{Map, Value};

/// The fields of `body` when it is a Twilio form; the first value wins when a name repeats
/// (Twilio never repeats one; the signature check reads every pair from the bytes anyway).
pub fn twilio_fields(body: &[u8]) -> Option<Value> {
    let obj = fields(body)?;
    super::claims(&obj).then_some(Value::Object(obj))
}

/// Every field of a form body, or `None` when `body` cannot be a form: empty, or holding bytes
/// that never appear in an encoded form (blanks, controls, quotes, braces: JSON or text). Trailing
/// blanks are ignored (a form saved to a file and sent with `curl --data-binary` ends with a
/// newline).
pub fn fields(body: &[u8]) -> Option<Map<String, Value>> {
    let body = body.trim_ascii_end();
    let looks_encoded = body.iter().all(|&b| {
        !b.is_ascii() || (b.is_ascii_graphic() && !matches!(b, b'"' | b'{' | b'}' | b'<' | b'>'))
    });
    if body.is_empty() || !looks_encoded || !body.contains(&b'=') {
        return None;
    }
    let mut obj = Map::new();
    for (k, v) in form_urlencoded::parse(body) {
        obj.entry(k.into_owned())
            .or_insert_with(|| Value::String(v.into_owned()));
    }
    Some(obj)
}

/// Every `(name, value)` pair of a form body in order, repeats kept (for the signature).
pub fn pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_encoded_forms_are_read() {
        let f = fields(b"Body=Hi+there%21&From=whatsapp%3A%2B1").unwrap();
        assert_eq!(f["Body"], "Hi there!");
        assert_eq!(f["From"], "whatsapp:+1");
        assert!(fields(b"").is_none());
        assert!(fields(b"{\"a\":1}").is_none());
        assert!(fields(b"hello world").is_none());
        assert!(fields(b"no-equals-sign").is_none());
    }

    #[test]
    fn bad_escapes_and_bytes_never_panic() {
        let f = fields(b"a=%ZZ&b=%&c=%e2%82&=x&d").unwrap();
        assert_eq!(f["a"], "%ZZ");
        assert_eq!(f["b"], "%");
        assert_eq!(f["c"], "\u{fffd}");
        assert_eq!(f["d"], "");
    }

    #[test]
    fn a_form_without_twilio_fields_is_not_claimed() {
        assert!(twilio_fields(b"name=Ana&email=a%40b.c").is_none());
    }
}

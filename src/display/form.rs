//! A Twilio form body as the raw view shows it: its fields decoded, in the order they came, as
//! a JSON object of strings, so the view's tree, folds, search and copy work on it as on any
//! JSON body (and `--redact` masks it by the same key names). `r` in the detail pane switches
//! to the received bytes and back ([`crate::monitor::Monitor`]).
//!
//! Only a form with Twilio's shape is shown this way (the same test as detection,
//! [`crate::provider::twilio::form::twilio_fields`]); any other non-JSON body stays text.

/// The fields of `body` as pretty JSON, `None` when it is not a Twilio form.
pub fn fields_json(body: &[u8]) -> Option<String> {
    crate::provider::twilio::form::twilio_fields(body)?;
    let pairs = crate::provider::twilio::form::pairs(body.trim_ascii_end());
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        out.push_str(if i == 0 { "\n  " } else { ",\n  " });
        out.push_str(&serde_json::Value::from(k.as_str()).to_string());
        out.push_str(": ");
        out.push_str(&serde_json::Value::from(v.as_str()).to_string());
    }
    out.push_str("\n}");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_twilio_form_reads_as_json_in_its_own_order() {
        let body =
            b"MessageSid=SM1&Body=Hi+%22there%22&AccountSid=AC1a03647d811fab342c0ad608e382fab2\n";
        let doc = fields_json(body).unwrap();
        assert_eq!(
            doc,
            "{\n  \"MessageSid\": \"SM1\",\n  \"Body\": \"Hi \\\"there\\\"\",\n  \"AccountSid\": \"AC1a03647d811fab342c0ad608e382fab2\"\n}"
        );
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(v["Body"], "Hi \"there\"");
        assert_eq!(fields_json(b"name=Ana&x=1"), None);
    }
}

//! A byte-level JSON tokenizer and parser that keeps the body's original text: the one JSON
//! tokenizer behind the raw-JSON view and the display copies of bodies
//! ([`crate::display::body`]).
//!
//! The tree is a flat arena in document (pre-)order: node `i`'s subtree is `i..nodes[i].end`, its
//! first child (if any) is `i + 1` and the next sibling of a child `c` is `nodes[c].end`. Scalars
//! and keys are spans into the raw bytes, so strings keep their escapes and numbers stay exactly
//! as written. Parsing is one pass with an explicit stack (no recursion, so deep nesting cannot
//! overflow the call stack). It takes all of RFC 8259: a leading BOM is skipped, numbers have no
//! range and nesting no depth limit (serde_json's defaults refuse all three; see
//! [`crate::provider::parse`], which decides with this tokenizer when serde_json refuses).
//!
//! Core module: pure functions.

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Object,
    Array,
    Str,
    Num,
    /// `true`, `false` or `null`.
    Lit,
}

/// Sentinel for "no parent" / "no key".
pub const NONE: u32 = u32::MAX;

/// One value of the document (32 bytes: bodies of millions of values stay compact).
#[derive(Debug, Clone)]
pub struct Node {
    /// The [`Kind`] in the low 3 bits, the nesting depth (root = 0) above.
    meta: u32,
    /// Index of the enclosing container, or [`NONE`] for the root.
    pub parent: u32,
    /// One past the last node of this node's subtree.
    pub end: u32,
    /// Number of direct children (containers only).
    pub children: u32,
    /// Byte span of the key including its quotes (object members only); `key_start == NONE`
    /// when there is no key.
    pub key_start: u32,
    pub key_end: u32,
    /// Byte span of the value: the scalar token, or `{`..`}` / `[`..`]` inclusive.
    pub start: u32,
    pub stop: u32,
}

const KINDS: [Kind; 5] = [Kind::Object, Kind::Array, Kind::Str, Kind::Num, Kind::Lit];

impl Node {
    pub fn kind(&self) -> Kind {
        KINDS[(self.meta & 7) as usize]
    }

    fn set_kind(&mut self, kind: Kind) {
        self.meta = (self.meta & !7) | kind as u32;
    }

    pub fn depth(&self) -> u32 {
        self.meta >> 3
    }

    pub fn is_container(&self) -> bool {
        matches!(self.kind(), Kind::Object | Kind::Array)
    }

    /// A container with at least one child: the only kind of node that can be folded.
    pub fn is_foldable(&self) -> bool {
        self.is_container() && self.children > 0
    }

    pub fn has_key(&self) -> bool {
        self.key_start != NONE
    }

    /// Whether this node is the last child of its parent (no trailing comma).
    pub fn is_last(&self, nodes: &[Node]) -> bool {
        self.parent == NONE || self.end == nodes[self.parent as usize].end
    }
}

/// Position of node `i` within its parent (the array index of an array element).
pub fn index_in_parent(nodes: &[Node], i: u32) -> u32 {
    let parent = nodes[i as usize].parent;
    if parent == NONE {
        return 0;
    }
    let (mut c, mut n) = (parent + 1, 0);
    while c < i {
        c = nodes[c as usize].end;
        n += 1;
    }
    n
}

/// Where and why the body is not valid JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: &'static str,
    /// 1-based line, as serde_json reports it.
    pub line: usize,
    /// Column as serde_json reports it: the 1-based byte column of the offending byte (for an
    /// unexpected end of input, the column of the last byte; 0 at the start of a line).
    pub column: usize,
}

impl ParseError {
    /// Builds the error for the offending byte at `offset` (or `offset == len` for EOF) with
    /// serde_json's line/column convention.
    pub fn at(bytes: &[u8], offset: usize, message: &'static str) -> ParseError {
        let upto = (offset + 1).min(bytes.len());
        let head = &bytes[..upto];
        let start_of_line = head.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let line = 1 + head[..start_of_line]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        ParseError {
            message,
            line,
            column: upto - start_of_line,
        }
    }
}

/// A scan failure: the offending byte's offset (the length for EOF) and the message.
type ScanError = (usize, &'static str);

const EOF_VALUE: &str = "EOF while parsing a value";
const EOF_OBJECT: &str = "EOF while parsing an object";
const EOF_LIST: &str = "EOF while parsing a list";
const EOF_STRING: &str = "EOF while parsing a string";

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// Scans the string starting at the `"` at `i`; returns the index after the closing quote.
fn scan_string(b: &[u8], i: usize) -> Result<usize, ScanError> {
    let mut j = i + 1;
    loop {
        let Some(&c) = b.get(j) else {
            return Err((b.len(), EOF_STRING));
        };
        match c {
            b'"' => return Ok(j + 1),
            b'\\' => {
                let Some(&e) = b.get(j + 1) else {
                    return Err((b.len(), EOF_STRING));
                };
                match e {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                    b'u' => {
                        for k in j + 2..j + 6 {
                            match b.get(k) {
                                None => return Err((b.len(), EOF_STRING)),
                                Some(h) if h.is_ascii_hexdigit() => {}
                                // serde_json reports it after reading all four.
                                Some(_) => return Err(((j + 5).min(b.len()), "invalid escape")),
                            }
                        }
                        j += 6;
                    }
                    _ => return Err((j + 1, "invalid escape")),
                }
            }
            // serde_json reports it at the byte before (the control character is not consumed).
            0x00..=0x1f => {
                return Err((
                    j - 1,
                    "control character (\\u0000-\\u001F) found while parsing a string",
                ))
            }
            _ => j += 1,
        }
    }
}

/// Scans a number starting at `i` (a `-` or a digit); returns the index after it.
fn scan_number(b: &[u8], i: usize) -> Result<usize, ScanError> {
    let digit = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    let bad = |k: usize| -> ScanError {
        if k >= b.len() {
            (b.len(), EOF_VALUE)
        } else {
            (k, "invalid number")
        }
    };
    let mut j = i;
    if b[j] == b'-' {
        j += 1;
    }
    match b.get(j) {
        Some(b'0') => {
            j += 1;
            if digit(j) {
                return Err((j, "invalid number"));
            }
        }
        Some(b'1'..=b'9') => {
            while digit(j) {
                j += 1;
            }
        }
        _ => return Err(bad(j)),
    }
    if b.get(j) == Some(&b'.') {
        j += 1;
        if !digit(j) {
            return Err(bad(j));
        }
        while digit(j) {
            j += 1;
        }
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        j += 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if !digit(j) {
            return Err(bad(j));
        }
        while digit(j) {
            j += 1;
        }
    }
    Ok(j)
}

fn scan_ident(b: &[u8], i: usize, word: &[u8]) -> Result<usize, ScanError> {
    for (n, &w) in word.iter().enumerate() {
        match b.get(i + n) {
            None => return Err((b.len(), EOF_VALUE)),
            Some(&c) if c == w => {}
            Some(_) => return Err((i + n, "expected ident")),
        }
    }
    Ok(i + word.len())
}

/// Parses an object key starting at the `"` at `i` plus the following `:`; returns the key span
/// and the index after the colon.
fn scan_key(b: &[u8], i: usize) -> Result<((u32, u32), usize), ScanError> {
    let after = scan_string(b, i)?;
    let j = skip_ws(b, after);
    match b.get(j) {
        None => Err((b.len(), EOF_OBJECT)),
        Some(b':') => Ok(((i as u32, after as u32), j + 1)),
        Some(_) => Err((j, "expected ':'")),
    }
}

/// Parses the whole body into the node arena.
pub fn parse(b: &[u8]) -> Result<Vec<Node>, ParseError> {
    parse_inner(b).map_err(|(offset, message)| ParseError::at(b, offset, message))
}

fn parse_inner(b: &[u8]) -> Result<Vec<Node>, ScanError> {
    // Offsets are u32 and the depth has 29 bits.
    if b.len() >= 1 << 29 {
        return Err((0, "body too large"));
    }
    // Typical bodies have well over 8 bytes per value; this avoids most regrowth copies.
    let mut nodes: Vec<Node> = Vec::with_capacity(b.len() / 8 + 1);
    let mut stack: Vec<u32> = Vec::new();
    let mut key = (NONE, NONE);
    // A leading UTF-8 BOM is not part of the document (RFC 8259 §8.1 lets a parser ignore it);
    // spans stay offsets into the bytes as received.
    let mut i = if b.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    loop {
        // Parse one value at `i`.
        i = skip_ws(b, i);
        let Some(&c) = b.get(i) else {
            return Err((b.len(), EOF_VALUE));
        };
        let idx = nodes.len() as u32;
        let parent = match stack.last() {
            Some(&p) => {
                nodes[p as usize].children += 1;
                p
            }
            None => NONE,
        };
        let mut node = Node {
            meta: (stack.len() as u32) << 3 | Kind::Lit as u32,
            parent,
            end: idx + 1,
            children: 0,
            key_start: key.0,
            key_end: key.1,
            start: i as u32,
            stop: 0,
        };
        key = (NONE, NONE);
        let mut opened = false;
        let after = match c {
            b'{' | b'[' => {
                let (kind, close, eof) = if c == b'{' {
                    (Kind::Object, b'}', EOF_OBJECT)
                } else {
                    (Kind::Array, b']', EOF_LIST)
                };
                node.set_kind(kind);
                let j = skip_ws(b, i + 1);
                match b.get(j) {
                    None => return Err((b.len(), eof)),
                    Some(&d) if d == close => j + 1,
                    Some(&d) => {
                        opened = true;
                        if kind == Kind::Object {
                            if d != b'"' {
                                return Err((j, "key must be a string"));
                            }
                            let (k, next) = scan_key(b, j)?;
                            key = k;
                            next
                        } else {
                            j
                        }
                    }
                }
            }
            b'"' => {
                node.set_kind(Kind::Str);
                scan_string(b, i)?
            }
            b'-' | b'0'..=b'9' => {
                node.set_kind(Kind::Num);
                scan_number(b, i)?
            }
            b't' => scan_ident(b, i, b"true")?,
            b'f' => scan_ident(b, i, b"false")?,
            b'n' => scan_ident(b, i, b"null")?,
            _ => return Err((i, "expected value")),
        };
        node.stop = after as u32;
        nodes.push(node);
        i = after;
        if opened {
            stack.push(idx);
            continue;
        }
        // After a complete value: close containers / find the next member.
        loop {
            let Some(&top) = stack.last() else {
                let j = skip_ws(b, i);
                if j < b.len() {
                    return Err((j, "trailing characters"));
                }
                return Ok(nodes);
            };
            let is_obj = nodes[top as usize].kind() == Kind::Object;
            let j = skip_ws(b, i);
            let Some(&d) = b.get(j) else {
                return Err((b.len(), if is_obj { EOF_OBJECT } else { EOF_LIST }));
            };
            match (is_obj, d) {
                (_, b',') => {
                    let k = skip_ws(b, j + 1);
                    match (is_obj, b.get(k)) {
                        (true, Some(b'}')) | (false, Some(b']')) => {
                            return Err((k, "trailing comma"));
                        }
                        (true, None) => return Err((b.len(), EOF_OBJECT)),
                        (true, Some(b'"')) => {
                            let (kk, next) = scan_key(b, k)?;
                            key = kk;
                            i = next;
                        }
                        (true, Some(_)) => return Err((k, "key must be a string")),
                        (false, _) => i = k,
                    }
                    break;
                }
                (true, b'}') | (false, b']') => {
                    let end = nodes.len() as u32;
                    let n = &mut nodes[top as usize];
                    n.stop = (j + 1) as u32;
                    n.end = end;
                    stack.pop();
                    i = j + 1;
                }
                (true, _) => return Err((j, "expected ',' or '}'")),
                (false, _) => return Err((j, "expected ',' or ']'")),
            }
        }
    }
}

/// Decodes a JSON string token (with quotes) for display in a path; falls back to the text
/// between the quotes if it cannot be decoded (e.g. a lone surrogate escape).
pub fn decode_string(raw: &str) -> String {
    serde_json::from_str::<String>(raw).unwrap_or_else(|_| {
        raw.get(1..raw.len().saturating_sub(1))
            .unwrap_or("")
            .to_string()
    })
}

/// Whether `key` can be written as `.key` in a path.
pub fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

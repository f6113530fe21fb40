//! From tokens to a normalized text and a 64-bit fingerprint.
//!
//! Every value (a literal of any form, a `$n` or psycopg placeholder) becomes
//! `$1`, `$2`, … in the text and one VALUE mark in the hash. Lists whose
//! elements have the same shape (`IN (…)`, `ARRAY[…]`, the rows of a
//! `VALUES`) keep their first element, so their length does not split a
//! fingerprint. Comments go, whitespace collapses to one space, unquoted
//! identifiers and keywords hash case-insensitively, and integers used as
//! positional references (`ORDER BY 1`) are kept: they are not values.

use std::fmt::Write;

use super::lexer::{kw, Kind, Lexed, Token};

/// Written where a list lost elements, as pg_stat_statements writes it.
const COLLAPSED: &str = " /*, ... */";
/// Deeper lists are still normalized but not collapsed (keeps work linear).
const MAX_LIST_NESTING: usize = 64;

const VALUE: u64 = 0x9e37_79b9_7f4a_7c15;

pub struct Normalized {
    pub text: String,
    pub id: u64,
    /// Something could not be rendered faithfully (an unterminated quoted identifier, bad UTF-8).
    pub lossy: bool,
}

/// FNV-1a over bytes, seeded per token kind: stable across processes and versions of Rust.
fn hash_bytes(seed: u64, bytes: impl Iterator<Item = u8>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn fold(hashes: &[u64]) -> u64 {
    let mut h = 0x243f_6a88_85a3_08d3u64;
    for &t in hashes {
        h = (h.rotate_left(23) ^ t).wrapping_mul(0x9fb2_1c65_1e98_df25);
    }
    // splitmix64 finaliser: spread the bits so ids work as hash-map keys anywhere.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Is `tok` one of the keywords `words` (made with `kw`)?
pub fn is_any(tok: &Token, words: &[u128]) -> bool {
    tok.kind == Kind::Ident && tok.word != 0 && words.contains(&tok.word)
}

/// Keywords after which `-5` is a negative number, not a subtraction.
const BEFORE_OPERAND: &[u128] = &[
    kw("select"),
    kw("where"),
    kw("and"),
    kw("or"),
    kw("not"),
    kw("then"),
    kw("else"),
    kw("when"),
    kw("case"),
    kw("return"),
    kw("returning"),
    kw("limit"),
    kw("offset"),
    kw("by"),
    kw("in"),
    kw("is"),
    kw("values"),
    kw("set"),
    kw("as"),
    kw("on"),
    kw("having"),
    kw("between"),
    kw("like"),
    kw("ilike"),
    kw("default"),
    kw("distinct"),
    kw("all"),
    kw("any"),
    kw("some"),
    kw("fetch"),
    kw("first"),
    kw("next"),
    kw("to"),
    kw("from"),
];
/// Keywords that end an ORDER BY / GROUP BY list.
pub(super) const LIST_ENDERS: &[u128] = &[
    kw("limit"),
    kw("offset"),
    kw("fetch"),
    kw("for"),
    kw("having"),
    kw("window"),
    kw("union"),
    kw("intersect"),
    kw("except"),
    kw("returning"),
    kw("order"),
    kw("into"),
];
/// Keywords that may follow a positional reference in an ORDER BY / GROUP BY list.
const AFTER_POSITION: &[u128] = &[kw("asc"), kw("desc"), kw("nulls"), kw("using")];

#[derive(Clone, Copy, PartialEq, Eq)]
enum ListKind {
    /// `IN (…)` closes at `)`, `ARRAY[…]` at `]`.
    Bracketed,
    /// `VALUES (…), (…)`: rows at the frame's depth, ends at the first non-row token.
    Rows,
}

struct ListFrame {
    kind: ListKind,
    /// Depth of the elements' separating commas.
    depth: usize,
    /// Where the current element's leading comma starts: dropping the element truncates here.
    drop_tok: usize,
    drop_text: usize,
    drop_values: u32,
    /// First token of the current element's content (after the comma).
    content_tok: usize,
    prev_shape: Option<u64>,
    dropped: bool,
}

struct Normalizer<'a> {
    src: &'a [u8],
    tokens: &'a [Token],
    text: String,
    hashes: Vec<u64>,
    values: u32,
    depth: usize,
    lists: Vec<ListFrame>,
    /// Depth of an open ORDER BY / GROUP BY list.
    positional_depth: Option<usize>,
    lossy: bool,
    /// Index of the last token that is not a `;` (found once: asking at every `;` is quadratic).
    last_statement_token: usize,
}

/// Normalize lexed SQL. Linear in the number of tokens (times the list nesting, capped).
pub fn normalize(src: &[u8], lexed: &Lexed) -> Normalized {
    let mut nz = Normalizer {
        src,
        tokens: &lexed.tokens,
        text: String::with_capacity(src.len().min(1 << 20) + 8),
        hashes: Vec::with_capacity(lexed.tokens.len()),
        values: 0,
        depth: 0,
        lists: Vec::new(),
        positional_depth: None,
        lossy: false,
        last_statement_token: lexed
            .tokens
            .iter()
            .rposition(|t| t.kind != Kind::Semicolon)
            .unwrap_or(0),
    };
    nz.run();
    Normalized {
        id: fold(&nz.hashes),
        text: nz.text,
        lossy: nz.lossy,
    }
}

impl Normalizer<'_> {
    fn tok(&self, i: usize) -> Option<&Token> {
        self.tokens.get(i)
    }

    fn emit(&mut self, space: bool, hash: u64) {
        if space && !self.text.is_empty() {
            self.text.push(' ');
        }
        self.hashes.push(hash);
    }

    fn emit_source(&mut self, t: &Token, hash: u64) {
        self.emit(t.space_before, hash);
        let bytes = &self.src[t.start..t.end];
        match std::str::from_utf8(bytes) {
            Ok(s) => self.text.push_str(s),
            Err(_) => {
                self.text.push_str(&String::from_utf8_lossy(bytes));
                self.lossy = true;
            }
        }
    }

    fn emit_value(&mut self, space: bool) {
        self.values += 1;
        self.emit(space, VALUE);
        let _ = write!(self.text, "${}", self.values);
    }

    fn run(&mut self) {
        let mut i = 0;
        while i < self.tokens.len() {
            let t = self.tokens[i];
            self.end_rows_if_done(&t);
            i = self.token(i, t);
        }
        while let Some(frame) = self.lists.pop() {
            self.finish_list(frame);
        }
    }

    /// Handle token `i`; returns the index of the next token to handle.
    fn token(&mut self, i: usize, t: Token) -> usize {
        match t.kind {
            Kind::Str | Kind::Param => {
                self.emit_value(t.space_before);
                // Adjacent strings are one literal ('a' 'b' continued on a new line),
                // and so is U&'…' UESCAPE '!'.
                let mut j = i + 1;
                if t.kind == Kind::Str {
                    loop {
                        match (self.tok(j), self.tok(j + 1)) {
                            (Some(n), _) if n.kind == Kind::Str => j += 1,
                            (Some(n), Some(m))
                                if is_any(n, &[kw("uescape")]) && m.kind == Kind::Str =>
                            {
                                j += 2
                            }
                            _ => break,
                        }
                    }
                }
                return j;
            }
            Kind::Num => {
                if self.is_positional(i) {
                    let h = hash_bytes(3, self.src[t.start..t.end].iter().copied());
                    self.emit_source(&t, h);
                } else {
                    self.emit_value(t.space_before);
                }
            }
            Kind::Op if self.is_sign(i) => {
                self.emit_value(t.space_before);
                return i + 2;
            }
            Kind::Op => {
                let op = &self.src[t.start..t.end];
                // `!=` is `<>` to the server.
                let h = if op == b"!=" {
                    hash_bytes(4, b"<>".iter().copied())
                } else {
                    hash_bytes(4, op.iter().copied())
                };
                self.emit_source(&t, h);
            }
            Kind::Ident => {
                let word = &self.src[t.start..t.end];
                self.emit_source(&t, hash_bytes(1, word.iter().map(u8::to_ascii_lowercase)));
                self.track_keyword(i, &t);
            }
            Kind::QuotedIdent => self.quoted_ident(&t),
            Kind::LParen | Kind::LBracket => {
                self.emit_source(&t, t.kind as u64 + 1);
                self.depth += 1;
                let opens_list = i > 0
                    && self.tok(i - 1).is_some_and(|p| {
                        (t.kind == Kind::LParen && is_any(p, &[kw("in")]))
                            || (t.kind == Kind::LBracket && is_any(p, &[kw("array")]))
                    });
                if opens_list {
                    self.open_list(ListKind::Bracketed, self.depth);
                }
            }
            Kind::RParen | Kind::RBracket => {
                let closes = self
                    .lists
                    .last()
                    .is_some_and(|f| f.kind == ListKind::Bracketed && f.depth == self.depth);
                if closes {
                    if let Some(frame) = self.lists.pop() {
                        self.finish_list(frame);
                    }
                }
                self.depth = self.depth.saturating_sub(1);
                if self.positional_depth.is_some_and(|d| d > self.depth) {
                    self.positional_depth = None;
                }
                self.emit_source(&t, t.kind as u64 + 1);
            }
            Kind::Comma => {
                let separates = self.lists.last().is_some_and(|f| f.depth == self.depth);
                if separates {
                    self.next_element();
                }
                self.emit_source(&t, t.kind as u64 + 1);
                if let Some(frame) = self.lists.last_mut() {
                    if separates {
                        frame.content_tok = self.hashes.len();
                    }
                }
            }
            Kind::Semicolon => {
                while let Some(frame) = self.lists.pop() {
                    self.finish_list(frame);
                }
                self.depth = 0;
                self.positional_depth = None;
                // Trailing (and empty) statements change nothing: `SELECT 1;` is `SELECT 1`.
                if i < self.last_statement_token && !self.hashes.is_empty() {
                    self.emit_source(&t, t.kind as u64 + 1);
                }
            }
            Kind::Dot | Kind::Cast | Kind::Colon => self.emit_source(&t, t.kind as u64 + 1),
        }
        i + 1
    }

    fn quoted_ident(&mut self, t: &Token) {
        if t.unterminated {
            // Fail closed: an unclosed quote may swallow the rest of the statement, literals included.
            self.emit(t.space_before, hash_bytes(2, b"?".iter().copied()));
            self.text.push('?');
            self.lossy = true;
            return;
        }
        let inner_start = if self.src[t.start] == b'"' {
            t.start + 1
        } else {
            t.start + 3
        };
        let inner = &self.src[inner_start..t.end - 1];
        // "users" is the same identifier as users; "Users" is not.
        let plain = self.src[t.start] == b'"'
            && !inner.is_empty()
            && !inner.contains(&b'"')
            && inner.iter().all(|c| !c.is_ascii_uppercase());
        let h = if plain {
            hash_bytes(1, inner.iter().copied())
        } else {
            hash_bytes(2, self.src[t.start..t.end].iter().copied())
        };
        self.emit_source(t, h);
    }

    fn track_keyword(&mut self, i: usize, t: &Token) {
        if is_any(t, &[kw("by")])
            && i > 0
            && self
                .tok(i - 1)
                .is_some_and(|p| is_any(p, &[kw("order"), kw("group")]))
        {
            self.positional_depth = Some(self.depth);
        } else if self.positional_depth == Some(self.depth) && is_any(t, LIST_ENDERS) {
            self.positional_depth = None;
        }
        if is_any(t, &[kw("values")]) {
            self.open_list(ListKind::Rows, self.depth);
        }
    }

    /// A bare integer that is a whole ORDER BY / GROUP BY element refers to a column.
    fn is_positional(&self, i: usize) -> bool {
        if self.positional_depth != Some(self.depth) || i == 0 {
            return false;
        }
        let src = self.src;
        let t = &self.tokens[i];
        if !src[t.start..t.end].iter().all(u8::is_ascii_digit) {
            return false;
        }
        let prev_ok = self
            .tok(i - 1)
            .is_some_and(|p| p.kind == Kind::Comma || is_any(p, &[kw("by")]));
        let next_ok = match self.tok(i + 1) {
            None => true,
            Some(n) => {
                matches!(n.kind, Kind::Comma | Kind::RParen | Kind::Semicolon)
                    || is_any(n, AFTER_POSITION)
                    || is_any(n, LIST_ENDERS)
            }
        };
        prev_ok && next_ok
    }

    /// A `-` or `+` that belongs to the number after it (`= -5`, `SELECT -1`).
    fn is_sign(&self, i: usize) -> bool {
        let t = &self.tokens[i];
        let op = &self.src[t.start..t.end];
        if op != b"-" && op != b"+" {
            return false;
        }
        if !self
            .tok(i + 1)
            .is_some_and(|n| n.kind == Kind::Num && !n.space_before)
        {
            return false;
        }
        match i.checked_sub(1).and_then(|p| self.tok(p)) {
            None => true,
            Some(p) => match p.kind {
                Kind::Op
                | Kind::LParen
                | Kind::LBracket
                | Kind::Comma
                | Kind::Semicolon
                | Kind::Cast
                | Kind::Colon => true,
                Kind::Ident => is_any(p, BEFORE_OPERAND),
                _ => false,
            },
        }
    }

    fn open_list(&mut self, kind: ListKind, depth: usize) {
        if self.lists.len() >= MAX_LIST_NESTING {
            return;
        }
        self.lists.push(ListFrame {
            kind,
            depth,
            drop_tok: self.hashes.len(),
            drop_text: self.text.len(),
            drop_values: self.values,
            content_tok: self.hashes.len(),
            prev_shape: None,
            dropped: false,
        });
    }

    /// Close the current element of the innermost list: drop it when it has
    /// the shape of the one before, then start the next at the comma.
    fn next_element(&mut self) {
        self.close_element();
        let (toks, text, values) = (self.hashes.len(), self.text.len(), self.values);
        if let Some(frame) = self.lists.last_mut() {
            frame.drop_tok = toks;
            frame.drop_text = text;
            frame.drop_values = values;
        }
    }

    fn close_element(&mut self) {
        let Some(frame) = self.lists.last_mut() else {
            return;
        };
        let start = frame.content_tok.min(self.hashes.len());
        let shape = fold(&self.hashes[start..]);
        if frame.prev_shape == Some(shape) {
            self.hashes.truncate(frame.drop_tok);
            self.text.truncate(frame.drop_text);
            self.values = frame.drop_values;
            frame.dropped = true;
        } else {
            frame.prev_shape = Some(shape);
        }
    }

    fn finish_list(&mut self, frame: ListFrame) {
        self.lists.push(frame);
        self.close_element();
        if let Some(frame) = self.lists.pop() {
            if frame.dropped {
                self.text.push_str(COLLAPSED);
            }
        }
    }

    /// A VALUES list ends at the first token, at its depth, that neither
    /// separates rows nor opens one; or when its enclosing bracket closes.
    fn end_rows_if_done(&mut self, t: &Token) {
        while let Some(frame) = self.lists.last() {
            if frame.kind != ListKind::Rows {
                return;
            }
            let closing = matches!(t.kind, Kind::RParen | Kind::RBracket);
            let done = if closing {
                self.depth <= frame.depth
            } else {
                self.depth == frame.depth && !matches!(t.kind, Kind::Comma | Kind::LParen)
            };
            if !done {
                return;
            }
            if let Some(frame) = self.lists.pop() {
                self.finish_list(frame);
            }
        }
    }
}

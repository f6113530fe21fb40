//! The shape key of a query text: everything its fingerprint depends on, and
//! nothing else, written in one pass of the lexer without a token list.
//!
//! Two texts with equal shape keys get equal fingerprints (id, normalized
//! text, operation, table, summary, flags), so a text never seen before but
//! shaped like one seen costs a lex and a hash lookup instead of a
//! normalization. The key holds, per token: its kind, whether space came
//! before it, whether it is unterminated, and its bytes when the fingerprint
//! may use them (identifiers, quoted identifiers, operators, and integers
//! where an ORDER BY / GROUP BY position can be). Literal values and
//! parameters are their kind alone, so `id = 5` and `id = 6` share a key.
//! Keys are compared whole, not by hash: equal keys are equal texts up to
//! what the fingerprint ignores, never a hash collision.

use super::lexer::{pack_lowercase, scan, Kind, Sink, Token};
use super::normalize::LIST_ENDERS;

const SPACE: u8 = 1 << 4;
const UNTERMINATED: u8 = 1 << 5;
const DIGITS: u8 = 1 << 6;

/// Write the shape key of `sql` into `out` (cleared first).
pub fn shape_key(sql: &[u8], out: &mut Vec<u8>) {
    out.clear();
    // The lexer's flags come last; a placeholder byte keeps the key's layout fixed.
    out.push(0);
    let mut writer = Writer {
        out,
        depth: 0,
        positional: None,
        prev: None,
    };
    let flags = scan(sql, &mut writer);
    out[0] = u8::from(flags.malformed) | u8::from(flags.nul) << 1;
}

struct Writer<'b> {
    out: &'b mut Vec<u8>,
    /// Parenthesis depth and the depth of an open ORDER BY / GROUP BY list,
    /// tracked exactly as `Normalizer::token` tracks them.
    depth: usize,
    positional: Option<usize>,
    /// The previous token's kind, and what it says if it is `BY`, `ORDER` or `GROUP`.
    prev: Option<(Kind, Word)>,
}

/// The only keywords the writer looks back at (tokens carry no `word` here: packing
/// every identifier costs more than these few byte compares).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Word {
    By,
    OrderOrGroup,
    Other,
}

fn word_of(text: &[u8]) -> Word {
    match text.len() {
        2 if text.eq_ignore_ascii_case(b"by") => Word::By,
        5 if text.eq_ignore_ascii_case(b"order") || text.eq_ignore_ascii_case(b"group") => {
            Word::OrderOrGroup
        }
        _ => Word::Other,
    }
}

impl Writer<'_> {
    /// Could the integer token now be a column position (`ORDER BY 2`)? A superset
    /// of `Normalizer::is_positional`: a position keeps its digits, so they are part of the key.
    fn may_be_position(&self) -> bool {
        self.positional == Some(self.depth)
            && matches!(
                self.prev,
                Some((Kind::Comma, _)) | Some((Kind::Ident, Word::By))
            )
    }

    fn bytes(&mut self, bytes: &[u8]) {
        let mut n = bytes.len();
        while n >= 0x80 {
            self.out.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.out.push(n as u8);
        self.out.extend_from_slice(bytes);
    }
}

impl Sink for Writer<'_> {
    const WORDS: bool = false;

    #[inline]
    fn token(&mut self, src: &[u8], t: Token) {
        let text = &src[t.start..t.end];
        let mut head = t.kind as u8;
        if t.space_before {
            head |= SPACE;
        }
        if t.unterminated {
            head |= UNTERMINATED;
        }
        match t.kind {
            Kind::Ident | Kind::QuotedIdent | Kind::Op => {
                self.out.push(head);
                self.bytes(text);
            }
            Kind::Num => {
                let digits = text.iter().all(u8::is_ascii_digit);
                if digits {
                    head |= DIGITS;
                }
                self.out.push(head);
                if digits && self.may_be_position() {
                    self.bytes(text);
                }
            }
            _ => self.out.push(head),
        }
        match t.kind {
            Kind::LParen | Kind::LBracket => self.depth += 1,
            Kind::RParen | Kind::RBracket => {
                self.depth = self.depth.saturating_sub(1);
                if self.positional.is_some_and(|d| d > self.depth) {
                    self.positional = None;
                }
            }
            Kind::Semicolon => {
                self.depth = 0;
                self.positional = None;
            }
            Kind::Ident => {
                let word = word_of(text);
                if word == Word::By && self.prev == Some((Kind::Ident, Word::OrderOrGroup)) {
                    self.positional = Some(self.depth);
                } else if self.positional == Some(self.depth) {
                    let packed = pack_lowercase(text);
                    if packed != 0 && LIST_ENDERS.contains(&packed) {
                        self.positional = None;
                    }
                }
                self.prev = Some((t.kind, word));
                return;
            }
            _ => {}
        }
        self.prev = Some((t.kind, Word::Other));
    }
}

//! A PostgreSQL-aware lexer over raw bytes: one pass, no allocation per token.
//!
//! It knows exactly what the server's scanner knows about where literals,
//! identifiers, comments and operators start and end, and nothing about
//! grammar. Whitespace and comments become a `space_before` flag on the next
//! token. Malformed input (an unterminated string, comment, quoted identifier
//! or dollar quote) is flagged, never an error: the unterminated part runs to
//! the end of the input as one token of its kind, so a literal can never leak
//! out of an unclosed quote.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Unquoted identifier or keyword.
    Ident,
    /// `"quoted identifier"`, `U&"..."`.
    QuotedIdent,
    /// Any string literal: '', E'', U&'', B'', X'', N'', $tag$...$tag$.
    Str,
    /// Numeric literal of any form.
    Num,
    /// `$1`, psycopg's `%s`, `%b`, `%t` and `%(name)s`.
    Param,
    Op,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Semicolon,
    Dot,
    /// `::`
    Cast,
    /// `:` (array slices)
    Colon,
}

/// An identifier's lowercase bytes packed into an integer (0 when longer
/// than 16 bytes), so keyword tests are integer compares: `tok.word == kw("select")`.
pub const fn kw(word: &str) -> u128 {
    let bytes = word.as_bytes();
    if bytes.len() > 16 {
        return 0;
    }
    let mut packed = 0u128;
    let mut i = 0;
    while i < bytes.len() {
        packed = (packed << 8) | bytes[i].to_ascii_lowercase() as u128;
        i += 1;
    }
    packed
}

pub fn pack_lowercase(bytes: &[u8]) -> u128 {
    if bytes.len() > 16 {
        return 0;
    }
    bytes.iter().fold(0u128, |acc, b| {
        (acc << 8) | u128::from(b.to_ascii_lowercase())
    })
}

#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub kind: Kind,
    /// For identifiers: `kw()` of the text, for fast keyword tests.
    pub word: u128,
    pub start: usize,
    pub end: usize,
    /// Whitespace or a comment came between this token and the previous one.
    pub space_before: bool,
    /// The token runs to the end of the input because its closing quote is missing.
    pub unterminated: bool,
}

#[derive(Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<Token>,
    /// An unterminated string, comment, quoted identifier or dollar quote.
    pub malformed: bool,
    /// NUL bytes outside literals (the server would stop reading there).
    pub nul: bool,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

const SPACE: u8 = 1;
const IDENT_START: u8 = 2;
const IDENT_CHAR: u8 = 4;

/// The classes of every byte, so the hot loops test one table entry per byte.
const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let alpha = (b >= b'a' && b <= b'z') || (b >= b'A' && b <= b'Z');
        let digit = b >= b'0' && b <= b'9';
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            table[c] |= SPACE;
        }
        if alpha || b == b'_' || b >= 0x80 {
            table[c] |= IDENT_START;
        }
        if alpha || digit || b == b'_' || b == b'$' || b >= 0x80 {
            table[c] |= IDENT_CHAR;
        }
        c += 1;
    }
    table
};

fn class(c: u8) -> u8 {
    CLASSES[usize::from(c)]
}

fn is_op_char(c: u8) -> bool {
    matches!(
        c,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'='
            | b'~'
            | b'!'
            | b'@'
            | b'#'
            | b'%'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
    )
}

/// Where the lexer hands its tokens, in order: a `Vec` for the normalizer, or
/// the shape key writer (see `shape`), which needs no token list at all.
pub trait Sink {
    /// Whether tokens need their `word` (packing costs a few ns per identifier).
    const WORDS: bool = true;
    fn token(&mut self, src: &[u8], tok: Token);
}

impl Sink for Vec<Token> {
    #[inline]
    fn token(&mut self, _src: &[u8], tok: Token) {
        self.push(tok);
    }
}

/// What the lexer saw besides its tokens.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    /// An unterminated string, comment, quoted identifier or dollar quote.
    pub malformed: bool,
    /// NUL bytes outside literals.
    pub nul: bool,
}

struct Lexer<'a, S> {
    src: &'a [u8],
    pos: usize,
    sink: S,
    flags: Flags,
    space: bool,
}

/// Split `src` into tokens. Linear in the input size.
pub fn lex(src: &[u8]) -> Lexed {
    let mut tokens = Vec::with_capacity(src.len() / 4 + 4);
    let flags = scan(src, &mut tokens);
    Lexed {
        tokens,
        malformed: flags.malformed,
        nul: flags.nul,
    }
}

/// Hand the tokens of `src` to `sink`, in order. Linear in the input size.
pub fn scan<S: Sink>(src: &[u8], sink: &mut S) -> Flags {
    let mut lx = Lexer {
        src,
        pos: 0,
        sink,
        flags: Flags::default(),
        space: false,
    };
    lx.run();
    lx.flags
}

impl<S: Sink> Lexer<'_, &mut S> {
    #[inline]
    fn at(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    #[inline(always)]
    fn push(&mut self, kind: Kind, start: usize, unterminated: bool) {
        let word = if S::WORDS && kind == Kind::Ident {
            pack_lowercase(&self.src[start..self.pos])
        } else {
            0
        };
        self.sink.token(
            self.src,
            Token {
                kind,
                word,
                start,
                end: self.pos,
                space_before: self.space,
                unterminated,
            },
        );
        self.space = false;
        if unterminated {
            self.flags.malformed = true;
        }
    }

    fn run(&mut self) {
        let src = self.src;
        let n = src.len();
        while self.pos < n {
            let start = self.pos;
            let c = src[start];
            let next = self.at(start + 1);
            // The common cases first: a run of whitespace, a plain identifier
            // (one not opening a quote, as E'', B'', U&'' do).
            if class(c) & SPACE != 0 {
                self.pos += 1;
                while self.pos < n && class(src[self.pos]) & SPACE != 0 {
                    self.pos += 1;
                }
                self.space = true;
                continue;
            }
            if class(c) & IDENT_START != 0 && next != b'\'' && next != b'&' {
                self.pos += 1;
                while self.pos < n && class(src[self.pos]) & IDENT_CHAR != 0 {
                    self.pos += 1;
                }
                self.push(Kind::Ident, start, false);
                continue;
            }
            match c {
                _ if is_space(c) => {
                    self.pos += 1;
                    self.space = true;
                }
                0 => {
                    self.pos += 1;
                    self.space = true;
                    self.flags.nul = true;
                }
                b'-' if next == b'-' => self.line_comment(),
                b'/' if next == b'*' => self.block_comment(),
                b'\'' => self.string(start, 1, false),
                b'E' | b'e' if next == b'\'' => self.string(start, 2, true),
                b'B' | b'b' | b'X' | b'x' | b'N' | b'n' if next == b'\'' => {
                    self.string(start, 2, false)
                }
                b'U' | b'u' if next == b'&' && self.at(start + 2) == b'\'' => {
                    self.string(start, 3, false)
                }
                b'U' | b'u' if next == b'&' && self.at(start + 2) == b'"' => {
                    self.quoted_ident(start, 3)
                }
                b'"' => self.quoted_ident(start, 1),
                b'$' if next.is_ascii_digit() => {
                    self.pos += 1;
                    self.skip_while(|c| c.is_ascii_digit());
                    self.push(Kind::Param, start, false);
                }
                b'$' if next == b'$' || is_ident_start(next) => self.dollar(start),
                b'0'..=b'9' => self.number(start),
                b'.' if next.is_ascii_digit() => self.number(start),
                _ if is_ident_start(c) => {
                    self.pos += 1;
                    self.skip_while(is_ident_char);
                    self.push(Kind::Ident, start, false);
                }
                b'%' if self.placeholder_len(start).is_some() => {
                    self.pos = start + self.placeholder_len(start).unwrap_or(1);
                    self.push(Kind::Param, start, false);
                }
                b'(' => self.single(Kind::LParen),
                b')' => self.single(Kind::RParen),
                b'[' => self.single(Kind::LBracket),
                b']' => self.single(Kind::RBracket),
                b',' => self.single(Kind::Comma),
                b';' => self.single(Kind::Semicolon),
                b'.' => self.single(Kind::Dot),
                b':' if next == b':' => {
                    self.pos += 2;
                    self.push(Kind::Cast, start, false);
                }
                b':' if next == b'=' => {
                    self.pos += 2;
                    self.push(Kind::Op, start, false);
                }
                b':' => self.single(Kind::Colon),
                _ if is_op_char(c) => self.operator(start),
                // Anything else (`\`, `{`, control bytes) stands alone.
                _ => self.single(Kind::Op),
            }
        }
    }

    fn single(&mut self, kind: Kind) {
        let start = self.pos;
        self.pos += 1;
        self.push(kind, start, false);
    }

    fn skip_while(&mut self, pred: impl Fn(u8) -> bool) {
        while self.pos < self.src.len() && pred(self.src[self.pos]) {
            self.pos += 1;
        }
    }

    fn line_comment(&mut self) {
        // PostgreSQL's scanner ends a `--` comment at either newline byte.
        self.skip_while(|c| c != b'\n' && c != b'\r');
        self.space = true;
    }

    /// `/* ... */`, nested as PostgreSQL nests them.
    fn block_comment(&mut self) {
        let mut depth = 0usize;
        let n = self.src.len();
        while self.pos < n {
            let (c, next) = (self.src[self.pos], self.at(self.pos + 1));
            if c == b'/' && next == b'*' {
                depth += 1;
                self.pos += 2;
            } else if c == b'*' && next == b'/' {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    self.space = true;
                    return;
                }
            } else {
                self.pos += 1;
            }
        }
        self.space = true;
        self.flags.malformed = true;
    }

    /// A quoted string whose body starts after `prefix` bytes; `''` is a quote,
    /// and with `backslash` (E'') a backslash escapes the next byte.
    fn string(&mut self, start: usize, prefix: usize, backslash: bool) {
        self.pos = start + prefix;
        let n = self.src.len();
        while self.pos < n {
            match self.src[self.pos] {
                b'\\' if backslash => self.pos += 2,
                b'\'' if self.at(self.pos + 1) == b'\'' => self.pos += 2,
                b'\'' => {
                    self.pos += 1;
                    self.push(Kind::Str, start, false);
                    return;
                }
                _ => self.pos += 1,
            }
        }
        self.pos = n;
        self.push(Kind::Str, start, true);
    }

    fn quoted_ident(&mut self, start: usize, prefix: usize) {
        self.pos = start + prefix;
        let n = self.src.len();
        while self.pos < n {
            if self.src[self.pos] == b'"' {
                if self.at(self.pos + 1) == b'"' {
                    self.pos += 2;
                    continue;
                }
                self.pos += 1;
                self.push(Kind::QuotedIdent, start, false);
                return;
            }
            self.pos += 1;
        }
        self.push(Kind::QuotedIdent, start, true);
    }

    /// `$$...$$` or `$tag$...$tag$`. A `$` that does not open a valid tag is an operator byte.
    fn dollar(&mut self, start: usize) {
        let mut i = start + 1;
        while i < self.src.len() && is_ident_char(self.src[i]) && self.src[i] != b'$' {
            i += 1;
        }
        if self.at(i) != b'$' || i >= self.src.len() {
            self.single(Kind::Op);
            return;
        }
        let tag = &self.src[start..=i];
        let body = i + 1;
        match find(&self.src[body..], tag) {
            Some(off) => {
                self.pos = body + off + tag.len();
                self.push(Kind::Str, start, false);
            }
            None => {
                self.pos = self.src.len();
                self.push(Kind::Str, start, true);
            }
        }
    }

    fn number(&mut self, start: usize) {
        let src = self.src;
        let radix_digit: Option<fn(u8) -> bool> = match (src[start], self.at(start + 1)) {
            (b'0', b'x' | b'X') => Some(|c: u8| c.is_ascii_hexdigit()),
            (b'0', b'o' | b'O') => Some(|c: u8| (b'0'..=b'7').contains(&c)),
            (b'0', b'b' | b'B') => Some(|c: u8| c == b'0' || c == b'1'),
            _ => None,
        };
        if let Some(digit) = radix_digit {
            if digit(self.at(start + 2)) {
                self.pos = start + 2;
                self.skip_while(|c| digit(c) || c == b'_');
                self.push(Kind::Num, start, false);
                return;
            }
        }
        self.pos = start;
        self.skip_while(|c| c.is_ascii_digit() || c == b'_');
        // A fraction, but not the `..` of a range.
        if self.at(self.pos) == b'.' && self.at(self.pos + 1) != b'.' {
            self.pos += 1;
            self.skip_while(|c| c.is_ascii_digit() || c == b'_');
        }
        let (e, sign, digit) = (
            self.at(self.pos),
            self.at(self.pos + 1),
            self.at(self.pos + 2),
        );
        if matches!(e, b'e' | b'E')
            && (sign.is_ascii_digit() || (matches!(sign, b'+' | b'-') && digit.is_ascii_digit()))
        {
            self.pos += 2;
            self.skip_while(|c| c.is_ascii_digit());
        }
        self.push(Kind::Num, start, false);
    }

    /// The length of a psycopg placeholder (`%s`, `%b`, `%t`, `%(name)s`) at `at`, if one starts there.
    fn placeholder_len(&self, at: usize) -> Option<usize> {
        let format =
            |i: usize| matches!(self.at(i), b's' | b'b' | b't') && !is_ident_char(self.at(i + 1));
        match self.at(at + 1) {
            b's' | b'b' | b't' if !is_ident_char(self.at(at + 2)) => Some(2),
            b'(' => {
                let rest = self.src.get(at + 2..)?;
                let close = at + 2 + rest.iter().take(256).position(|&c| c == b')')?;
                format(close + 1).then_some(close + 2 - at)
            }
            _ => None,
        }
    }

    /// PostgreSQL's operator rule: the longest run of operator bytes, cut
    /// before `--` or `/*`, and not ending in `+` or `-` unless it holds one of
    /// `~ ! @ # % ^ & | \` ?` (so `=-5` is `=` then `-5`).
    fn operator(&mut self, start: usize) {
        let mut end = start;
        while end < self.src.len() && is_op_char(self.src[end]) {
            let next = self.at(end + 1);
            if end > start
                && ((self.src[end] == b'-' && next == b'-')
                    || (self.src[end] == b'/' && next == b'*')
                    // `a=%s`: the placeholder is a value, not part of the operator.
                    || (self.src[end] == b'%' && self.placeholder_len(end).is_some()))
            {
                break;
            }
            end += 1;
        }
        let op = &self.src[start..end];
        if op.len() > 1 && !op.iter().any(|c| b"~!@#%^&|`?".contains(c)) {
            while end > start + 1 && matches!(self.src[end - 1], b'+' | b'-') {
                end -= 1;
            }
        }
        self.pos = end;
        self.push(Kind::Op, start, false);
    }
}

/// First position of `needle` in `hay` (needle is a short dollar tag).
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..].iter().position(|&c| c == first) {
            Some(off) => {
                i += off;
                if hay[i..].starts_with(needle) {
                    return Some(i);
                }
                i += 1;
            }
            None => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(Kind, &str)> {
        lex(sql.as_bytes())
            .tokens
            .iter()
            .map(|t| (t.kind, &sql[t.start..t.end]))
            .collect()
    }

    #[test]
    fn strings_of_every_form() {
        use Kind::*;
        assert_eq!(
            kinds("'it''s' E'a\\'b' U&'d\\0061' B'101' X'1F' N'x' $$a'b$$ $f$ $g$x$g$ $f$"),
            vec![
                (Str, "'it''s'"),
                (Str, "E'a\\'b'"),
                (Str, "U&'d\\0061'"),
                (Str, "B'101'"),
                (Str, "X'1F'"),
                (Str, "N'x'"),
                (Str, "$$a'b$$"),
                (Str, "$f$ $g$x$g$ $f$"),
            ]
        );
    }

    #[test]
    fn numbers_of_every_form() {
        let toks = kinds("1 1_000 0x1F 0o17 0b101 1.5e-3 .5 5. 1e10 3.14");
        assert!(toks.iter().all(|(k, _)| *k == Kind::Num), "{toks:?}");
        assert_eq!(toks.len(), 10);
    }

    #[test]
    fn params_and_placeholders() {
        use Kind::*;
        assert_eq!(
            kinds("$1 %s %(name)s %b a %% b a=%s b+%(x)s"),
            vec![
                (Param, "$1"),
                (Param, "%s"),
                (Param, "%(name)s"),
                (Param, "%b"),
                (Ident, "a"),
                (Op, "%%"),
                (Ident, "b"),
                (Ident, "a"),
                (Op, "="),
                (Param, "%s"),
                (Ident, "b"),
                (Op, "+"),
                (Param, "%(x)s"),
            ]
        );
    }

    #[test]
    fn operators_follow_postgres_rules() {
        use Kind::*;
        assert_eq!(
            kinds("a=-5"),
            vec![(Ident, "a"), (Op, "="), (Op, "-"), (Num, "5")]
        );
        assert_eq!(
            kinds("j->>'k' #> ?| @>"),
            vec![
                (Ident, "j"),
                (Op, "->>"),
                (Str, "'k'"),
                (Op, "#>"),
                (Op, "?|"),
                (Op, "@>")
            ]
        );
        assert_eq!(
            kinds("a::int"),
            vec![(Ident, "a"), (Cast, "::"), (Ident, "int")]
        );
    }

    #[test]
    fn keywords_pack_case_insensitively() {
        let lexed = lex(b"SeLeCt a_very_long_identifier_name");
        assert_eq!(lexed.tokens[0].word, kw("select"));
        assert_eq!(lexed.tokens[1].word, 0);
        assert_ne!(kw("in"), kw("int"));
    }

    #[test]
    fn comments_nest_and_vanish() {
        let lexed = lex(b"SELECT /* a /* b */ c */ 1 -- x\n, 2");
        assert_eq!(lexed.tokens.len(), 4);
        assert!(!lexed.malformed);
        assert!(lexed.tokens[1].space_before);
    }

    #[test]
    fn unterminated_parts_run_to_the_end() {
        for sql in [
            "SELECT 'abc",
            "SELECT $x$ abc",
            "SELECT \"abc",
            "SELECT E'a\\'",
        ] {
            let lexed = lex(sql.as_bytes());
            assert!(lexed.malformed, "{sql}");
            let last = lexed.tokens.last().unwrap();
            assert!(last.unterminated && last.end == sql.len(), "{sql}");
        }
        assert!(lex(b"SELECT 1 /* open").malformed);
    }
}

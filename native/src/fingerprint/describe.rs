//! What a statement does and to what: the operation name, the main table and
//! a `db.query.summary` in the OpenTelemetry form (`SELECT users orders`,
//! `INSERT shipping SELECT orders`), read off the tokens without a parser.

use super::lexer::{kw, Kind, Token};
use super::normalize::is_any;

/// The semantic conventions cap the summary at 255 characters.
pub const MAX_SUMMARY: usize = 255;

/// Statements whose summary lists operations and tables, with their names.
const DML: &[(u128, &str)] = &[
    (kw("select"), "SELECT"),
    (kw("insert"), "INSERT"),
    (kw("update"), "UPDATE"),
    (kw("delete"), "DELETE"),
    (kw("merge"), "MERGE"),
    (kw("values"), "VALUES"),
    (kw("table"), "TABLE"),
    (kw("copy"), "COPY"),
];
/// A parenthesis that opens with one of these holds a query.
const QUERY_STARTS: &[u128] = &[
    kw("select"),
    kw("with"),
    kw("values"),
    kw("insert"),
    kw("update"),
    kw("delete"),
    kw("merge"),
    kw("table"),
];
/// Words that make a following DML keyword part of a clause, not a statement
/// (`FOR UPDATE`, `ON CONFLICT DO UPDATE`, `ON DELETE CASCADE`, `THEN UPDATE`, `GRANT SELECT`).
const NOT_A_STATEMENT_AFTER: &[u128] = &[
    kw("for"),
    kw("do"),
    kw("on"),
    kw("then"),
    kw("grant"),
    kw("revoke"),
    kw("key"),
];
/// Words followed by a table name.
const BEFORE_TABLE: &[u128] = &[kw("from"), kw("join"), kw("into"), kw("using")];
const SKIP_BEFORE_TARGET: &[u128] = &[kw("only"), kw("lateral")];
/// Clause words that can follow a table: not an alias.
const NOT_AN_ALIAS: &[u128] = &[
    kw("where"),
    kw("join"),
    kw("inner"),
    kw("left"),
    kw("right"),
    kw("full"),
    kw("cross"),
    kw("natural"),
    kw("on"),
    kw("group"),
    kw("order"),
    kw("limit"),
    kw("using"),
    kw("set"),
    kw("values"),
    kw("select"),
    kw("returning"),
    kw("window"),
    kw("having"),
    kw("union"),
    kw("except"),
    kw("intersect"),
    kw("for"),
    kw("offset"),
    kw("fetch"),
    kw("default"),
    kw("overriding"),
    kw("when"),
    kw("as"),
];
const DDL: &[u128] = &[kw("create"), kw("alter"), kw("drop"), kw("truncate")];
/// Modifiers between CREATE/ALTER/DROP and the object kind.
const DDL_MODIFIERS: &[u128] = &[
    kw("or"),
    kw("replace"),
    kw("temp"),
    kw("temporary"),
    kw("unlogged"),
    kw("unique"),
    kw("global"),
    kw("local"),
    kw("materialized"),
    kw("recursive"),
    kw("concurrently"),
];
const IF_EXISTS: &[u128] = &[kw("if"), kw("not"), kw("exists"), kw("only")];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub operation: String,
    pub table: Option<String>,
    pub summary: String,
}

struct Reader<'a> {
    src: &'a [u8],
    toks: &'a [Token],
}

impl Reader<'_> {
    fn tok(&self, i: usize) -> Option<&Token> {
        self.toks.get(i)
    }

    fn is(&self, i: usize, words: &[u128]) -> bool {
        self.tok(i).is_some_and(|t| is_any(t, words))
    }

    fn kind(&self, i: usize) -> Option<Kind> {
        self.tok(i).map(|t| t.kind)
    }

    fn text(&self, t: &Token) -> String {
        String::from_utf8_lossy(&self.src[t.start..t.end]).into_owned()
    }

    /// The DML operation named at `i`, if any.
    fn dml(&self, i: usize) -> Option<&'static str> {
        let t = self.tok(i).filter(|t| t.kind == Kind::Ident)?;
        DML.iter()
            .find(|(w, _)| *w == t.word)
            .map(|(_, name)| *name)
    }

    /// A possibly qualified name at `i` (`s.t`, `"T"`); returns it and the index after it.
    fn name(&self, mut i: usize) -> Option<(String, usize)> {
        let mut name = String::new();
        loop {
            let t = self.tok(i)?;
            match t.kind {
                _ if t.unterminated => return None,
                Kind::Ident => name.push_str(&self.text(t).to_ascii_lowercase()),
                Kind::QuotedIdent => name.push_str(&self.text(t)),
                _ => return None,
            }
            if self.kind(i + 1) == Some(Kind::Dot)
                && matches!(self.kind(i + 2), Some(Kind::Ident | Kind::QuotedIdent))
            {
                name.push('.');
                i += 2;
            } else {
                return Some((name, i + 1));
            }
        }
    }

    /// The table named at `i` after FROM/JOIN/INTO/…; None for a subquery or a function call.
    fn target(&self, mut i: usize, columns_may_follow: bool) -> Option<(String, usize)> {
        while self.is(i, SKIP_BEFORE_TARGET) {
            i += 1;
        }
        let (name, after) = self.name(i)?;
        if self.kind(after) == Some(Kind::LParen) && !columns_may_follow {
            return None;
        }
        Some((name, after))
    }
}

/// Describe a lexed statement (the first one, for the operation; all of them, for the summary).
pub fn describe(src: &[u8], toks: &[Token]) -> Description {
    let r = Reader { src, toks };
    let operation = main_operation(&r);
    let parts = summary_parts(&r, &operation);
    // The main statement's table: its part nearest the top level (not a CTE's).
    let table = parts
        .iter()
        .filter(|p| p.op == operation)
        .min_by_key(|p| p.depth)
        .and_then(|p| p.targets.first().cloned())
        .or_else(|| ddl_table(&r));
    let summary = if parts.is_empty() {
        ddl_summary(&r, &operation)
    } else {
        let mut summary = String::new();
        let mut last_op = "";
        for part in &parts {
            if part.op != last_op {
                push_word(&mut summary, part.op);
                last_op = part.op;
            }
            for t in &part.targets {
                push_word(&mut summary, t);
            }
        }
        summary
    };
    Description {
        operation,
        table,
        summary,
    }
}

fn push_word(out: &mut String, word: &str) {
    let extra = word.len() + usize::from(!out.is_empty());
    if out.len() + extra > MAX_SUMMARY {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

fn main_operation(r: &Reader) -> String {
    let mut i = 0;
    while r.kind(i) == Some(Kind::LParen) {
        i += 1;
    }
    let Some(first) = r.tok(i).filter(|t| t.kind == Kind::Ident) else {
        return "?".to_string();
    };
    if first.word == kw("with") {
        let mut depth = 0i32;
        for (j, t) in r.toks.iter().enumerate().skip(i + 1) {
            match t.kind {
                Kind::LParen => depth += 1,
                Kind::RParen => depth -= 1,
                Kind::Semicolon => break,
                _ if depth == 0 => {
                    if let Some(op) = r.dml(j).filter(|op| *op != "COPY") {
                        return op.to_string();
                    }
                }
                _ => {}
            }
        }
    }
    r.text(first).to_ascii_uppercase()
}

/// An operation and its tables, at a parenthesis depth.
struct Part {
    op: &'static str,
    targets: Vec<String>,
    depth: usize,
}

/// The parts of a DML statement in order of appearance.
fn summary_parts(r: &Reader, operation: &str) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    if !DML.iter().any(|(_, name)| *name == operation) {
        return parts;
    }
    // Is each open parenthesis a query (`(SELECT …`) rather than an expression (`EXTRACT(YEAR FROM x)`)?
    let mut query_parens: Vec<bool> = Vec::new();
    for (i, t) in r.toks.iter().enumerate() {
        match t.kind {
            Kind::LParen => {
                query_parens.push(r.is(i + 1, QUERY_STARTS) || r.kind(i + 1) == Some(Kind::LParen))
            }
            Kind::RParen => {
                query_parens.pop();
            }
            Kind::Semicolon => query_parens.clear(),
            Kind::Ident => {
                if let Some(op) = r.dml(i).filter(|op| is_statement(r, i, op)) {
                    let depth = query_parens.len();
                    if !parts.last().is_some_and(|p| p.op == op && p.depth == depth) {
                        parts.push(Part {
                            op,
                            targets: Vec::new(),
                            depth,
                        });
                    }
                    if matches!(op, "UPDATE" | "COPY" | "TABLE") {
                        if let Some((name, _)) = r.target(i + 1, true) {
                            add_target(&mut parts, name);
                        }
                    }
                } else if query_parens.last().copied().unwrap_or(true)
                    && is_any(t, BEFORE_TABLE)
                    // COPY t FROM 'file': a file, not a table.
                    && parts.last().is_some_and(|p| p.op != "COPY")
                {
                    tables_after(r, i, &mut parts);
                }
            }
            _ => {}
        }
    }
    parts
}

/// Is the DML keyword at `i` a statement (not `FOR UPDATE`, `GRANT SELECT`, …)?
fn is_statement(r: &Reader, i: usize, op: &str) -> bool {
    if i > 0 && (r.is(i - 1, NOT_A_STATEMENT_AFTER) || r.kind(i - 1) == Some(Kind::Comma)) {
        return false;
    }
    // VALUES and TABLE are statements only where one starts.
    let starts_statement = i == 0 || matches!(r.kind(i - 1), Some(Kind::LParen | Kind::Semicolon));
    starts_statement || !matches!(op, "VALUES" | "TABLE")
}

/// The tables after FROM/JOIN/INTO/USING at `i`; FROM lists them with commas.
fn tables_after(r: &Reader, i: usize, parts: &mut [Part]) {
    let columns_may_follow = r.is(i, &[kw("into")]);
    let is_from = r.is(i, &[kw("from")]);
    let mut at = i + 1;
    while let Some((name, after)) = r.target(at, columns_may_follow) {
        add_target(parts, name);
        let mut next = after;
        if r.is(next, &[kw("as")]) {
            next += 1;
        }
        if r.kind(next) == Some(Kind::Ident) && !r.is(next, NOT_AN_ALIAS) {
            next += 1;
        }
        if !(is_from && r.kind(next) == Some(Kind::Comma)) {
            break;
        }
        at = next + 1;
    }
}

/// Tables kept per part: the summary holds 255 characters, and the check for duplicates
/// stays cheap (a FROM list of 40,000 tables must not take quadratic time).
const MAX_TARGETS: usize = 64;

fn add_target(parts: &mut [Part], name: String) {
    if let Some(part) = parts.last_mut() {
        if part.targets.len() < MAX_TARGETS && !part.targets.contains(&name) {
            part.targets.push(name);
        }
    }
}

/// The object kind and name of CREATE / ALTER / DROP / TRUNCATE: (kind, name).
fn ddl_object(r: &Reader) -> Option<(String, Option<String>)> {
    if !r.is(0, DDL) {
        return None;
    }
    let truncate = r.is(0, &[kw("truncate")]);
    let mut i = 1;
    while r.is(i, DDL_MODIFIERS) {
        i += 1;
    }
    let kind = if truncate {
        "table".to_string()
    } else {
        let t = r.tok(i).filter(|t| t.kind == Kind::Ident)?;
        r.text(t).to_ascii_lowercase()
    };
    if !truncate || r.is(i, &[kw("table")]) {
        i += 1;
    }
    while r.is(i, IF_EXISTS) {
        i += 1;
    }
    Some((kind, r.name(i).map(|(n, _)| n)))
}

fn ddl_table(r: &Reader) -> Option<String> {
    match ddl_object(r) {
        Some((kind, name)) if kind == "table" => name,
        _ => None,
    }
}

fn ddl_summary(r: &Reader, operation: &str) -> String {
    let mut out = operation.to_string();
    if let Some((kind, name)) = ddl_object(r) {
        if operation != "TRUNCATE" {
            push_word(&mut out, &kind.to_uppercase());
        }
        if let Some(name) = name {
            push_word(&mut out, &name);
        }
    } else if operation == "CALL" {
        if let Some((name, _)) = r.name(1) {
            push_word(&mut out, &name);
        }
    }
    out
}

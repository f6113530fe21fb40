//! What a statement does and to what: the operation name, the main table and
//! a `db.query.summary` in the OpenTelemetry form (`SELECT users orders`,
//! `INSERT shipping SELECT orders`), read off the tokens without a parser.

use super::lexer::{Kind, Token};
use super::normalize::is_keyword;

/// The semantic conventions cap the summary at 255 characters.
pub const MAX_SUMMARY: usize = 255;

const DML: &[&str] = &[
    "select", "insert", "update", "delete", "merge", "values", "table",
];
/// Words that make a following DML keyword part of a clause, not a statement
/// (`FOR UPDATE`, `ON CONFLICT DO UPDATE`, `ON DELETE CASCADE`, `THEN UPDATE`, `GRANT SELECT`).
const NOT_A_STATEMENT_AFTER: &[&str] = &["for", "do", "on", "then", "grant", "revoke", "key", ","];
const SKIP_BEFORE_TARGET: &[&str] = &["only", "lateral"];
/// Modifiers between CREATE/ALTER/DROP and the object kind.
const DDL_MODIFIERS: &[&str] = &[
    "or",
    "replace",
    "temp",
    "temporary",
    "unlogged",
    "unique",
    "global",
    "local",
    "materialized",
    "recursive",
    "concurrently",
];

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
    fn word(&self, i: usize) -> Option<String> {
        let t = self.toks.get(i)?;
        (t.kind == Kind::Ident)
            .then(|| String::from_utf8_lossy(&self.src[t.start..t.end]).to_ascii_lowercase())
    }

    fn is(&self, i: usize, words: &[&str]) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| words.iter().any(|w| is_keyword(self.src, t, w)))
    }

    fn kind(&self, i: usize) -> Option<Kind> {
        self.toks.get(i).map(|t| t.kind)
    }

    /// A possibly qualified name at `i` (`s.t`, `"T"`); returns it and the index after it.
    fn name(&self, mut i: usize) -> Option<(String, usize)> {
        let mut name = String::new();
        loop {
            let t = self.toks.get(i)?;
            if t.unterminated {
                return None;
            }
            match t.kind {
                Kind::Ident => name.push_str(&self.word(i)?),
                Kind::QuotedIdent => {
                    name.push_str(&String::from_utf8_lossy(&self.src[t.start..t.end]))
                }
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
    let summary_parts = summary_parts(&r, &operation);
    // The main statement's table: its part nearest the top level (not a CTE's).
    let table = summary_parts
        .iter()
        .filter(|p| p.op.eq_ignore_ascii_case(&operation))
        .min_by_key(|p| p.depth)
        .and_then(|p| p.targets.first().cloned())
        .or_else(|| ddl_table(&r));
    let mut summary = String::new();
    let mut last_op = "";
    for Part { op, targets, .. } in &summary_parts {
        if op != last_op {
            push_word(&mut summary, op);
            last_op = op;
        }
        for t in targets {
            push_word(&mut summary, t);
        }
    }
    if summary_parts.is_empty() {
        summary = ddl_summary(&r, &operation);
    }
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
    let Some(first) = r.word(i) else {
        return "?".to_string();
    };
    if first == "with" {
        let mut depth = 0i32;
        for (j, t) in r.toks.iter().enumerate().skip(i + 1) {
            match t.kind {
                Kind::LParen => depth += 1,
                Kind::RParen => depth -= 1,
                Kind::Semicolon => break,
                _ if depth == 0 && r.is(j, DML) => {
                    return r.word(j).unwrap_or_default().to_uppercase()
                }
                _ => {}
            }
        }
    }
    first.to_uppercase()
}

/// An operation and its tables, at a parenthesis depth.
struct Part {
    op: String,
    targets: Vec<String>,
    depth: usize,
}

/// The parts of a DML statement in order of appearance.
fn summary_parts(r: &Reader, operation: &str) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    let is_dml = DML.iter().any(|w| w.eq_ignore_ascii_case(operation)) || operation == "COPY";
    if !is_dml {
        return parts;
    }
    // Is each open parenthesis a query (`(SELECT …`) rather than an expression (`EXTRACT(YEAR FROM x)`)?
    let mut query_parens: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < r.toks.len() {
        let t = &r.toks[i];
        match t.kind {
            Kind::LParen => query_parens.push(
                r.is(
                    i + 1,
                    &[
                        "select", "with", "values", "insert", "update", "delete", "merge", "table",
                    ],
                ) || r.kind(i + 1) == Some(Kind::LParen),
            ),
            Kind::RParen => {
                query_parens.pop();
            }
            Kind::Ident => {
                let in_query = query_parens.last().copied().unwrap_or(true);
                let after_clause_word = i > 0
                    && (r.is(i - 1, NOT_A_STATEMENT_AFTER) || r.kind(i - 1) == Some(Kind::Comma));
                // VALUES and TABLE are statements only where one starts.
                let starts_statement =
                    i == 0 || matches!(r.kind(i - 1), Some(Kind::LParen | Kind::Semicolon));
                let standalone_only = r.is(i, &["values", "table"]);
                if (r.is(i, DML) || r.is(i, &["copy"]))
                    && !after_clause_word
                    && (starts_statement || !standalone_only)
                {
                    let op = r.word(i).unwrap_or_default().to_uppercase();
                    let depth = query_parens.len();
                    if !parts.last().is_some_and(|p| p.op == op && p.depth == depth) {
                        parts.push(Part {
                            op: op.clone(),
                            targets: Vec::new(),
                            depth,
                        });
                    }
                    if op == "UPDATE" || op == "COPY" || op == "TABLE" {
                        if let Some((name, _)) = r.target(i + 1, true) {
                            add_target(&mut parts, name);
                        }
                    }
                } else if in_query
                    && r.is(i, &["from", "join", "into", "using"])
                    // COPY t FROM 'file': a file, not a table.
                    && parts.last().is_some_and(|p| p.op != "COPY")
                {
                    let columns = r.is(i, &["into"]);
                    let mut at = i + 1;
                    while let Some((name, after)) = r.target(at, columns) {
                        add_target(&mut parts, name);
                        // FROM a x, b y: more tables after commas.
                        let mut next = after;
                        if r.is(next, &["as"]) {
                            next += 1;
                        }
                        if r.kind(next) == Some(Kind::Ident)
                            && !r.is(
                                next,
                                &[
                                    "where",
                                    "join",
                                    "inner",
                                    "left",
                                    "right",
                                    "full",
                                    "cross",
                                    "natural",
                                    "on",
                                    "group",
                                    "order",
                                    "limit",
                                    "using",
                                    "set",
                                    "values",
                                    "select",
                                    "returning",
                                    "window",
                                    "having",
                                    "union",
                                    "except",
                                    "intersect",
                                    "for",
                                    "offset",
                                    "fetch",
                                    "default",
                                    "overriding",
                                    "when",
                                    "as",
                                ],
                            )
                        {
                            next += 1;
                        }
                        if r.is(i, &["from"]) && r.kind(next) == Some(Kind::Comma) {
                            at = next + 1;
                        } else {
                            break;
                        }
                    }
                }
            }
            Kind::Semicolon => query_parens.clear(),
            _ => {}
        }
        i += 1;
    }
    parts
}

fn add_target(parts: &mut [Part], name: String) {
    if let Some(part) = parts.last_mut() {
        if !part.targets.contains(&name) {
            part.targets.push(name);
        }
    }
}

/// The object kind and name of CREATE / ALTER / DROP / TRUNCATE: (kind, name).
fn ddl_object(r: &Reader) -> Option<(String, Option<String>)> {
    let first = r.word(0)?;
    if !matches!(first.as_str(), "create" | "alter" | "drop" | "truncate") {
        return None;
    }
    let mut i = 1;
    while r.is(i, DDL_MODIFIERS) {
        i += 1;
    }
    let kind = if first == "truncate" {
        "table".to_string()
    } else {
        r.word(i)?
    };
    if first != "truncate" || r.is(i, &["table"]) {
        i += 1;
    }
    while r.is(i, &["if", "not", "exists", "only"]) {
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

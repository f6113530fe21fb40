//! SQL fingerprints: one id per query shape, a normalized text with every
//! literal replaced, and what the statement does (operation, table, summary).
//!
//! `lexer` splits the bytes, `normalize` builds the text and the id,
//! `describe` names the operation, and `FingerprintCache` makes a repeated
//! query text cost one hash lookup. Nothing here panics on any input; the
//! result of malformed input is flagged `exact == false` and still holds no
//! literal.

mod cache;
mod describe;
mod lexer;
mod normalize;
mod shape;

use std::panic::{catch_unwind, AssertUnwindSafe};

pub use cache::FingerprintCache;
pub use describe::MAX_SUMMARY;

/// Normalized texts longer than this are cut (at a character boundary) and flagged.
pub const MAX_NORMALIZED: usize = 8192;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Equal for statements that differ only in literal values, whitespace,
    /// keyword case, comments and list lengths.
    pub id: u64,
    /// The statement with every value written `$1`, `$2`, …; comments removed.
    pub normalized: String,
    /// `SELECT`, `INSERT`, … (`WITH … SELECT` is `SELECT`); `?` when unknown.
    pub operation: String,
    pub table: Option<String>,
    /// `db.query.summary`, e.g. `SELECT users orders`.
    pub summary: String,
    /// False when the input was malformed (unterminated quote or comment, NUL
    /// bytes, invalid UTF-8) and the result is a best effort.
    pub exact: bool,
    /// The normalized text was cut at `MAX_NORMALIZED` bytes.
    pub truncated: bool,
}

impl Fingerprint {
    /// What is returned if fingerprinting itself fails: an id no real statement has.
    pub fn unknown() -> Self {
        Fingerprint {
            id: 0,
            normalized: "?".into(),
            operation: "?".into(),
            table: None,
            summary: "?".into(),
            exact: false,
            truncated: false,
        }
    }
}

/// Fingerprint one query text (UTF-8 or not). Never panics: an internal
/// failure yields `Fingerprint::unknown()`.
pub fn fingerprint(sql: &[u8]) -> Fingerprint {
    catch_unwind(AssertUnwindSafe(|| compute(sql))).unwrap_or_else(|_| Fingerprint::unknown())
}

fn compute(sql: &[u8]) -> Fingerprint {
    let lexed = lexer::lex(sql);
    let norm = normalize::normalize(sql, &lexed);
    let desc = describe::describe(sql, &lexed.tokens);
    let mut text = norm.text;
    let truncated = text.len() > MAX_NORMALIZED;
    if truncated {
        let mut cut = MAX_NORMALIZED;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    Fingerprint {
        id: norm.id,
        normalized: text,
        operation: desc.operation,
        table: desc.table,
        summary: desc.summary,
        exact: !(lexed.malformed || lexed.nul || norm.lossy),
        truncated,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod timing;

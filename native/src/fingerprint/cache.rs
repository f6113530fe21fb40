//! A bounded map from query text to its fingerprint, and behind it one from
//! shape key (see `shape`) to fingerprint.
//!
//! A repeated text costs one hash lookup. A new text shaped like one seen
//! before (the same statement with other literal values, other whitespace or
//! comments) costs a lex and a lookup by its shape key: the fingerprint is
//! computed only for shapes not seen before, and texts of one shape share it.
//!
//! Each map has two generations: lookups hit `young` then `old` (promoting),
//! inserts go to `young`, and when `young` is full `old` is dropped and
//! `young` takes its place. Recently used entries survive, memory stays
//! within twice the cap, and every operation is O(1) with no bookkeeping per hit.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;

use super::shape::shape_key;
use super::{fingerprint, Fingerprint};

/// Texts (and shape keys) longer than this are fingerprinted every time instead of cached.
pub const MAX_CACHED_TEXT: usize = 16 * 1024;

type Generation = HashMap<Box<[u8]>, Arc<Fingerprint>, FxBuildHasher>;

/// A map of at least `cap` and at most `2 * cap` entries (see the module doc).
#[derive(Debug)]
struct TwoGenerations {
    cap: usize,
    young: Generation,
    old: Generation,
    /// Entries dropped with an old generation.
    evicted: u64,
}

impl TwoGenerations {
    fn new(cap: usize) -> Self {
        TwoGenerations {
            cap,
            young: Generation::default(),
            old: Generation::default(),
            evicted: 0,
        }
    }

    fn get(&mut self, key: &[u8]) -> Option<Arc<Fingerprint>> {
        if let Some(fp) = self.young.get(key) {
            return Some(Arc::clone(fp));
        }
        let (key, fp) = self.old.remove_entry(key)?;
        self.insert(key, Arc::clone(&fp));
        Some(fp)
    }

    fn insert(&mut self, key: Box<[u8]>, fp: Arc<Fingerprint>) {
        if self.young.len() >= self.cap {
            self.evicted += self.old.len() as u64;
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(key, fp);
    }

    fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }
}

#[derive(Debug)]
pub struct FingerprintCache {
    texts: TwoGenerations,
    shapes: TwoGenerations,
    /// The shape key being built, reused from text to text.
    key: Vec<u8>,
    pub hits: u64,
    pub misses: u64,
    /// Misses whose shape was known: no fingerprint was computed for them.
    pub shape_hits: u64,
    /// Texts dropped with an old generation.
    pub evicted: u64,
}

impl FingerprintCache {
    /// A cache holding at least `cap` (and at most `2 * cap`) texts, and as many shapes.
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        FingerprintCache {
            texts: TwoGenerations::new(cap),
            shapes: TwoGenerations::new(cap),
            key: Vec::new(),
            hits: 0,
            misses: 0,
            shape_hits: 0,
            evicted: 0,
        }
    }

    pub fn get(&mut self, sql: &[u8]) -> Arc<Fingerprint> {
        if let Some(fp) = self.texts.get(sql) {
            self.hits += 1;
            return fp;
        }
        self.misses += 1;
        if sql.len() > MAX_CACHED_TEXT {
            return Arc::new(fingerprint(sql));
        }
        let fp = self.by_shape(sql);
        self.texts.insert(sql.into(), Arc::clone(&fp));
        self.evicted = self.texts.evicted;
        fp
    }

    /// The fingerprint of a text not in the cache: shared with a text of the same shape, or new.
    fn by_shape(&mut self, sql: &[u8]) -> Arc<Fingerprint> {
        shape_key(sql, &mut self.key);
        if let Some(fp) = self.shapes.get(&self.key) {
            self.shape_hits += 1;
            return fp;
        }
        let fp = Arc::new(fingerprint(sql));
        // A key can be longer than its text (a few bytes per token): bounded like texts.
        if self.key.len() <= MAX_CACHED_TEXT {
            self.shapes
                .insert(self.key.as_slice().into(), Arc::clone(&fp));
        }
        fp
    }

    /// Texts held.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn capacity(&self) -> usize {
        self.texts.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_text_is_a_hit_and_the_same_value() {
        let mut cache = FingerprintCache::new(4);
        let a = cache.get(b"SELECT 1");
        let b = cache.get(b"SELECT 1");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!((cache.hits, cache.misses), (1, 1));
    }

    #[test]
    fn a_new_text_of_a_known_shape_shares_its_fingerprint() {
        let mut cache = FingerprintCache::new(4);
        let a = cache.get(b"SELECT * FROM t WHERE id = 1 ORDER BY 2");
        let b = cache.get(b"SELECT * FROM t WHERE id = 99 ORDER BY 2 -- other");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(cache.shape_hits, 1);
        // A position is not a value, and case is kept in the text: other shapes.
        let c = cache.get(b"SELECT * FROM t WHERE id = 1 ORDER BY 3");
        let d = cache.get(b"select * from t where id = 1 order by 2");
        assert_ne!(c.id, a.id);
        assert_eq!(d.id, a.id);
        assert_ne!(d.normalized, a.normalized);
        assert_eq!(cache.shape_hits, 1);
    }

    #[test]
    fn stays_bounded_and_counts_evictions() {
        let mut cache = FingerprintCache::new(10);
        for i in 0..1000 {
            cache.get(format!("SELECT {i} FROM t{i}").as_bytes());
            assert!(cache.len() <= 20);
        }
        assert_eq!(cache.misses, 1000);
        assert!(cache.evicted >= 960);
    }

    #[test]
    fn recently_used_text_survives_a_generation_change() {
        let mut cache = FingerprintCache::new(2);
        cache.get(b"SELECT a FROM hot");
        for i in 0..5 {
            cache.get(b"SELECT a FROM hot");
            cache.get(format!("SELECT a FROM cold{i}").as_bytes());
        }
        let misses = cache.misses;
        cache.get(b"SELECT a FROM hot");
        assert_eq!(cache.misses, misses);
    }
}

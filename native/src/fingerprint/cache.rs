//! A bounded map from query text to its fingerprint.
//!
//! Two generations: lookups hit `young` then `old` (promoting), inserts go to
//! `young`, and when `young` is full `old` is dropped and `young` takes its
//! place. Recently used texts survive, memory stays within twice the cap, and
//! every operation is O(1) with no bookkeeping per hit.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;

use super::{fingerprint, Fingerprint};

/// Texts longer than this are fingerprinted every time instead of cached.
pub const MAX_CACHED_TEXT: usize = 16 * 1024;

type Generation = HashMap<Box<[u8]>, Arc<Fingerprint>, FxBuildHasher>;

#[derive(Debug)]
pub struct FingerprintCache {
    cap: usize,
    young: Generation,
    old: Generation,
    pub hits: u64,
    pub misses: u64,
    /// Entries dropped with an old generation.
    pub evicted: u64,
}

impl FingerprintCache {
    /// A cache holding at least `cap` (and at most `2 * cap`) texts.
    pub fn new(cap: usize) -> Self {
        FingerprintCache {
            cap: cap.max(1),
            young: Generation::default(),
            old: Generation::default(),
            hits: 0,
            misses: 0,
            evicted: 0,
        }
    }

    pub fn get(&mut self, sql: &[u8]) -> Arc<Fingerprint> {
        if let Some(fp) = self.young.get(sql) {
            self.hits += 1;
            return Arc::clone(fp);
        }
        if let Some((text, fp)) = self.old.remove_entry(sql) {
            self.hits += 1;
            self.insert(text, Arc::clone(&fp));
            return fp;
        }
        self.misses += 1;
        let fp = Arc::new(fingerprint(sql));
        if sql.len() <= MAX_CACHED_TEXT {
            self.insert(sql.into(), Arc::clone(&fp));
        }
        fp
    }

    fn insert(&mut self, text: Box<[u8]>, fp: Arc<Fingerprint>) {
        if self.young.len() >= self.cap {
            self.evicted += self.old.len() as u64;
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(text, fp);
    }

    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn capacity(&self) -> usize {
        self.cap
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

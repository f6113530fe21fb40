//! Timing of the fingerprinter without Python, over the corpus of
//! `tests/corpus/fingerprint_corpus.jsonl`:
//! `cargo test --release --lib fingerprint_timing -- --ignored --nocapture`.

use std::hint::black_box;
use std::time::Instant;

use super::*;

/// The `"sql"` strings of the corpus (a JSON string reader for what the corpus holds).
fn corpus() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/corpus/fingerprint_corpus.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("the corpus file");
    text.lines()
        .filter_map(|line| {
            let start = line.find("\"sql\": \"")? + 8;
            let mut out = String::new();
            let mut chars = line[start..].chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => return Some(out),
                    '\\' => match chars.next()? {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'u' => {
                            let hex: String = chars.by_ref().take(4).collect();
                            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                        }
                        other => out.push(other),
                    },
                    _ => out.push(c),
                }
            }
            None
        })
        .collect()
}

/// Best of `rounds` of `f` over every text, in ns per text.
fn best_ns(texts: &[Vec<u8>], rounds: usize, mut f: impl FnMut(&[u8])) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..rounds {
        let t = Instant::now();
        for text in texts {
            f(text);
        }
        best = best.min(t.elapsed().as_nanos() as f64 / texts.len() as f64);
    }
    best
}

#[test]
#[ignore = "timing, run with --release --ignored --nocapture"]
fn fingerprint_timing() {
    let statements = corpus();
    assert!(statements.len() > 1000);
    let texts: Vec<Vec<u8>> = statements.iter().map(|s| s.clone().into_bytes()).collect();
    let bytes: usize = texts.iter().map(Vec::len).sum();
    println!(
        "{} statements, {:.0} bytes on average",
        texts.len(),
        bytes as f64 / texts.len() as f64
    );
    let lex = best_ns(&texts, 20, |t| {
        black_box(lexer::lex(black_box(t)));
    });
    let normalize = best_ns(&texts, 20, |t| {
        let lexed = lexer::lex(t);
        black_box(normalize::normalize(t, &lexed));
    });
    let full = best_ns(&texts, 20, |t| {
        black_box(fingerprint(black_box(t)));
    });
    let mut key = Vec::new();
    let shape = best_ns(&texts, 20, |t| {
        shape::shape_key(black_box(t), &mut key);
        black_box(&key);
    });
    struct Count(usize);
    impl lexer::Sink for Count {
        fn token(&mut self, _src: &[u8], t: lexer::Token) {
            self.0 += t.end;
        }
    }
    let scan_only = best_ns(&texts, 20, |t| {
        let mut c = Count(0);
        lexer::scan(black_box(t), &mut c);
        black_box(c.0);
    });
    println!("scan with a counting sink {scan_only:.0} ns");
    println!(
        "lex {lex:.0} ns, lex + normalize {normalize:.0} ns, fingerprint {full:.0} ns, shape key {shape:.0} ns"
    );
    let mut cache = FingerprintCache::new(4096);
    for t in &texts {
        cache.get(t);
    }
    let mut new_text = f64::INFINITY;
    for pass in 1..=20 {
        let fresh: Vec<Vec<u8>> = texts
            .iter()
            .map(|t| [t.as_slice(), format!("\n-- pass {pass}").as_bytes()].concat())
            .collect();
        new_text = new_text.min(best_ns(&fresh, 1, |t| {
            black_box(cache.get(black_box(t)));
        }));
    }
    let repeat = best_ns(&texts, 20, |t| {
        black_box(cache.get(black_box(t)));
    });
    println!("cache: new text of a known shape {new_text:.0} ns, repeated text {repeat:.0} ns");
}

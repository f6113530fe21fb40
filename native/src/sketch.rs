//! Mergeable relative-error quantile sketch for durations (DDSketch-style).
//!
//! # Mapping
//!
//! Values are integer nanoseconds. 0 is counted in a separate zero bin; every
//! other value in `1..=MAX_VALUE_NS` falls in one of [`NUM_BINS`] logarithmic
//! bins. As in DDSketch, a bin spans a ratio of `gamma = (1 + a) / (1 - a)`
//! (a = [`RELATIVE_ACCURACY`]) and is answered by one representative value,
//! but the bin edges are integers built exactly, with integer arithmetic,
//! instead of `ceil(log_gamma(v))`:
//!
//! ```text
//! lo(0) = 1
//! rep(i) = lo(i) + lo(i) / 100      = floor(lo(i) * (1 + a))
//! hi(i)  = rep(i) + rep(i) / 99     = floor(rep(i) / (1 - a))
//! lo(i + 1) = hi(i) + 1
//! ```
//!
//! so `hi(i) / lo(i) <= gamma`. Why not the float formula: a query answer is an
//! integer, and rounding the DDSketch representative of a float bin to an
//! integer breaks the 1% bound for small values (a bin holding 58 and 59 has
//! no integer answer within 1% of both), and float edges can differ between
//! platforms' `ln`, which would make snapshot files merge inconsistently.
//! Below 99 ns every integer gets its own bin, so small values are exact, and
//! every bin holds at least one integer (none is wasted).
//!
//! The bin table is computed at compile time. Finding a value's bin uses no
//! floating point: the leading-bit position and the next 6 bits of the value
//! select one of 64 sub-buckets per power of two (each at most 1/64 of its
//! values wide, so it overlaps at most two bins; checked at compile time), a
//! table gives the
//! first bin of that sub-bucket, and one comparison with the next bin's lower
//! edge finishes the job. `add_ns` costs a few nanoseconds and allocates only
//! when a value falls outside the bins spanned so far.
//!
//! # Accuracy guarantee
//!
//! For every integer `v` in a bin, `|rep - v| <= v / 100` exactly (no rounding
//! slack): `rep - lo <= lo / 100` and `hi - rep <= rep / 99`. `quantile_ns(q)`
//! returns the representative of the bin holding the value of rank
//! `floor(q * (n - 1))`, clamped to the exact `[min, max]`, so it is within
//! 1% of the true lower-rank quantile (ranks 0 and n - 1 return the exact min
//! and max). count, sum, min and max are exact.
//!
//! # Memory bound
//!
//! 1 ns .. 7 days needs [`NUM_BINS`] = 1,568 bins (fewer than the ~1,700 of
//! `ceil(log_gamma(v))` because the integer bins below 99 ns are never
//! empty). Counts are `u64` in a dense `Vec` that spans only
//! `[lowest used bin, highest used bin]`: latencies spanning 100 µs .. 10 ms
//! use 231 bins (capacity 240 bins, under 2 KiB). The Vec grows in steps of 16
//! bins (one cache-friendly 128-byte step: a key with a narrow latency range
//! costs little), with its capacity capped at `NUM_BINS`, so a sketch never uses more
//! than `size_of::<Sketch>() + 1,568 * 8` bytes = 96 + 12,544 bytes, about
//! 12.4 KiB.
//!
//! # Merging
//!
//! The state is canonical (the Vec starts and ends on a non-empty bin), so
//! merging two sketches gives exactly the struct that adding all their values
//! to one sketch gives. Counters saturate at `u64::MAX` instead of panicking;
//! this is unreachable for counts in practice, and for `sum_ns` saturating
//! addition of non-negative values is still order-independent.

use std::fmt;

/// Relative accuracy of quantiles: 1%.
pub const RELATIVE_ACCURACY: f64 = 0.01;

/// Largest accepted duration: 7 days in nanoseconds. Larger values are rejected.
pub const MAX_VALUE_NS: u64 = 7 * 24 * 3600 * 1_000_000_000;

/// `1 / RELATIVE_ACCURACY` as an integer, used to build the bins exactly.
const ACCURACY_DIVISOR: u64 = 100;
const _: () = assert!(RELATIVE_ACCURACY == 1.0 / ACCURACY_DIVISOR as f64);

/// Why a value was not added. Rejected values are counted in [`Sketch::rejected`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    NotANumber,
    Negative,
    OutOfRange,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejected::NotANumber => f.write_str("duration is not a number (NaN)"),
            Rejected::Negative => f.write_str("duration is negative"),
            Rejected::OutOfRange => write!(
                f,
                "duration is infinite or above the maximum of 7 days ({MAX_VALUE_NS} ns)"
            ),
        }
    }
}

impl std::error::Error for Rejected {}

// ---------------------------------------------------------------------------
// The bin table (compile time).

/// Lower edge of the bin after the one starting at `lo` (see the module doc).
const fn next_lower_edge(lo: u64) -> u64 {
    let rep = lo + lo / ACCURACY_DIVISOR;
    let hi = rep + rep / (ACCURACY_DIVISOR - 1);
    hi + 1
}

const fn count_bins() -> usize {
    let mut n = 0;
    let mut lo = 1;
    while lo <= MAX_VALUE_NS {
        lo = next_lower_edge(lo);
        n += 1;
    }
    n
}

/// Number of bins covering the non-zero values `1..=MAX_VALUE_NS`; valid bin indexes are
/// `0..NUM_BINS`.
pub const NUM_BINS: usize = count_bins();

/// `edges[i]` is the smallest value of bin `i`; `edges[NUM_BINS]` is one past
/// the largest value of the last bin (a sentinel above `MAX_VALUE_NS`).
const fn build_lower_edges() -> [u64; NUM_BINS + 1] {
    let mut edges = [0; NUM_BINS + 1];
    let mut lo = 1;
    let mut i = 0;
    while i <= NUM_BINS {
        edges[i] = lo;
        lo = next_lower_edge(lo);
        i += 1;
    }
    edges
}

static LOWER_EDGES: [u64; NUM_BINS + 1] = build_lower_edges();

/// Sub-buckets per power of two: the 6 bits after the leading one.
const SUB_BITS: u32 = 6;
const SUB_COUNT: usize = 1 << SUB_BITS;
/// Highest leading-bit position of an accepted value.
const TOP_BIT: u32 = 63 - MAX_VALUE_NS.leading_zeros();
const SUB_TABLE_LEN: usize = (TOP_BIT - SUB_BITS + 1) as usize * SUB_COUNT;

/// First value of sub-bucket `key` (values below `SUB_COUNT` are not bucketed).
const fn sub_bucket_start(key: usize) -> u64 {
    let shift = (key / SUB_COUNT) as u32;
    ((SUB_COUNT + key % SUB_COUNT) as u64) << shift
}

/// Bin of each sub-bucket's first value, found by walking the edges once.
const fn build_sub_table() -> [u16; SUB_TABLE_LEN] {
    let edges = build_lower_edges();
    let mut table = [0; SUB_TABLE_LEN];
    let mut key = 0;
    let mut bin = 0;
    while key < SUB_TABLE_LEN {
        let start = sub_bucket_start(key);
        while bin + 1 < NUM_BINS && edges[bin + 1] <= start {
            bin += 1;
        }
        table[key] = bin as u16;
        key += 1;
    }
    table
}

static SUB_TABLE: [u16; SUB_TABLE_LEN] = build_sub_table();

/// The invariants `bin_of` relies on, checked by the compiler.
const fn tables_are_consistent() -> bool {
    let edges = build_lower_edges();
    let table = build_sub_table();
    // Values below SUB_COUNT map to bin v - 1.
    let mut i = 0;
    while i < SUB_COUNT {
        if edges[i] != i as u64 + 1 {
            return false;
        }
        i += 1;
    }
    // No sub-bucket reaches past the bin after its first bin.
    let mut key = 0;
    while key < SUB_TABLE_LEN {
        let bin = table[key] as usize;
        let last = sub_bucket_start(key) + (1 << (key / SUB_COUNT)) - 1;
        if bin + 2 <= NUM_BINS && last >= edges[bin + 2] {
            return false;
        }
        key += 1;
    }
    edges[NUM_BINS - 1] <= MAX_VALUE_NS && edges[NUM_BINS] > MAX_VALUE_NS
}

const _: () = assert!(NUM_BINS <= u16::MAX as usize && NUM_BINS < i32::MAX as usize);
const _: () = assert!(tables_are_consistent());

/// Bin index of `v`, which must be in `1..=MAX_VALUE_NS`.
#[inline]
fn bin_of(v: u64) -> usize {
    if v < SUB_COUNT as u64 {
        // Every integer below 99 has its own bin, so v < 64 is bin v - 1
        // (checked at compile time).
        return v.saturating_sub(1) as usize;
    }
    let shift = (63 - v.leading_zeros()) - SUB_BITS;
    let key = ((shift as usize) << SUB_BITS) | ((v >> shift) as usize & (SUB_COUNT - 1));
    // Both indexes are in range for v <= MAX_VALUE_NS: key < SUB_TABLE_LEN,
    // and bin + 1 <= NUM_BINS thanks to the sentinel edge.
    let bin = usize::from(SUB_TABLE[key]);
    if v >= LOWER_EDGES[bin + 1] {
        bin + 1
    } else {
        bin
    }
}

/// The value reported for bin `bin` (within 1% of every value in the bin).
fn representative(bin: usize) -> u64 {
    let lo = LOWER_EDGES.get(bin).copied().unwrap_or(MAX_VALUE_NS);
    lo + lo / ACCURACY_DIVISOR
}

/// Smallest and largest value of bin `bin` that can be added (`bin < NUM_BINS`).
fn bin_range(bin: usize) -> (u64, u64) {
    let lo = LOWER_EDGES.get(bin).copied().unwrap_or(MAX_VALUE_NS);
    let next = LOWER_EDGES
        .get(bin + 1)
        .copied()
        .unwrap_or(MAX_VALUE_NS + 1);
    (lo, (next - 1).min(MAX_VALUE_NS))
}

// ---------------------------------------------------------------------------
// The sketch.

/// Bin-count capacity grows in multiples of this many bins (512 bytes), so a
/// sketch wastes at most 63 bins and reallocates at most 25 times.
const GROWTH_STEP: usize = 16;

/// A DDSketch-style latency sketch; see the module doc.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sketch {
    count: u64,
    sum_ns: u64,
    min_ns: Option<u64>,
    max_ns: Option<u64>,
    rejected: u64,
    zero_count: u64,
    /// Bin index of `counts[0]`; 0 while `counts` is empty.
    offset: usize,
    /// Counts of bins `offset..offset + counts.len()`. Empty, or starting and
    /// ending with a non-zero count, so equal contents mean equal sketches.
    counts: Vec<u64>,
}

impl Sketch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Exact integer nanoseconds. 0 is accepted (counted in the zero bin);
    /// values above `MAX_VALUE_NS` are rejected.
    #[inline]
    pub fn add_ns(&mut self, ns: u64) -> Result<(), Rejected> {
        if ns > MAX_VALUE_NS {
            return Err(self.reject(Rejected::OutOfRange));
        }
        self.count = self.count.saturating_add(1);
        self.sum_ns = self.sum_ns.saturating_add(ns);
        self.min_ns = Some(self.min_ns.map_or(ns, |m| m.min(ns)));
        self.max_ns = Some(self.max_ns.map_or(ns, |m| m.max(ns)));
        if ns == 0 {
            self.zero_count = self.zero_count.saturating_add(1);
            return Ok(());
        }
        let bin = bin_of(ns);
        // wrapping_sub turns "below offset" into a huge index, so a single
        // bounds check covers both ends of the spanned range.
        match self.counts.get_mut(bin.wrapping_sub(self.offset)) {
            Some(c) => *c = c.saturating_add(1),
            None => self.add_to_new_bin(bin),
        }
        Ok(())
    }

    /// Signed input from the glue: negative values are rejected.
    pub fn add_i64(&mut self, ns: i64) -> Result<(), Rejected> {
        match u64::try_from(ns) {
            Ok(ns) => self.add_ns(ns),
            Err(_) => Err(self.reject(Rejected::Negative)),
        }
    }

    /// Float nanoseconds, rounded to the nearest nanosecond. NaN, negative,
    /// infinite and out-of-range values are rejected. `-0.0` counts as 0.
    pub fn add_f64(&mut self, ns: f64) -> Result<(), Rejected> {
        if ns.is_nan() {
            return Err(self.reject(Rejected::NotANumber));
        }
        if ns < 0.0 {
            return Err(self.reject(Rejected::Negative));
        }
        let rounded = ns.round();
        // MAX_VALUE_NS < 2^53, so the comparison and the cast are exact.
        if rounded > MAX_VALUE_NS as f64 {
            return Err(self.reject(Rejected::OutOfRange));
        }
        self.add_ns(rounded as u64)
    }

    /// Adds everything `other` holds. The result equals the sketch of all the
    /// values added to either; rejected counts add up too.
    pub fn merge(&mut self, other: &Sketch) {
        self.count = self.count.saturating_add(other.count);
        self.sum_ns = self.sum_ns.saturating_add(other.sum_ns);
        self.rejected = self.rejected.saturating_add(other.rejected);
        self.zero_count = self.zero_count.saturating_add(other.zero_count);
        self.min_ns = match (self.min_ns, other.min_ns) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max_ns = match (self.max_ns, other.max_ns) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if other.counts.is_empty() {
            return;
        }
        let other_last = other.offset + other.counts.len() - 1;
        self.span(other.offset, other_last);
        // span() made self.offset <= other.offset.
        let skip = other.offset.saturating_sub(self.offset);
        for (mine, theirs) in self.counts.iter_mut().skip(skip).zip(&other.counts) {
            *mine = mine.saturating_add(*theirs);
        }
    }

    /// Number of values added (rejected ones excluded). Exact.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of the values added, saturating at `u64::MAX`. Exact below that.
    pub fn sum_ns(&self) -> u64 {
        self.sum_ns
    }

    /// Smallest value added. Exact.
    pub fn min_ns(&self) -> Option<u64> {
        self.min_ns
    }

    /// Largest value added. Exact.
    pub fn max_ns(&self) -> Option<u64> {
        self.max_ns
    }

    /// Counts per explicit bucket, the way OpenTelemetry and Prometheus histograms
    /// want them: `bounds` are ascending inclusive upper bounds, and the result has
    /// `bounds.len() + 1` counts, the last for values above every bound. The counts
    /// sum to `count()`. A bin is placed by its representative value clamped to
    /// `[min, max]`, so only values within 1% of a bound can land one bucket off.
    pub fn bucket_counts(&self, bounds: &[u64]) -> Vec<u64> {
        let mut out = vec![0u64; bounds.len() + 1];
        let (Some(min), Some(max)) = (self.min_ns, self.max_ns) else {
            return out;
        };
        let bucket = |v: u64| bounds.partition_point(|b| *b < v);
        out[bucket(0)] = self.zero_count;
        for (i, &c) in self.counts.iter().enumerate() {
            if c != 0 {
                let v = representative(self.offset + i).max(min).min(max);
                let slot = &mut out[bucket(v)];
                *slot = slot.saturating_add(c);
            }
        }
        out
    }

    /// How many values the `add_*` methods refused.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// The `q` quantile for `q` in `[0, 1]`, within `RELATIVE_ACCURACY` of the
    /// value of rank `floor(q * (count - 1))` in sorted order, and clamped to
    /// `[min, max]`; ranks 0 and `count - 1` give the exact min and max. `None`
    /// when the sketch is empty or `q` is outside `[0, 1]`.
    pub fn quantile_ns(&self, q: f64) -> Option<u64> {
        if self.count == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let (min, max) = (self.min_ns?, self.max_ns?);
        let last_rank = self.count - 1;
        // `as` saturates; min() guards against float rounding up past the end.
        let rank = ((q * last_rank as f64).floor() as u64).min(last_rank);
        // The extreme ranks are known exactly.
        if rank == 0 {
            return Some(min);
        }
        if rank == last_rank {
            return Some(max);
        }
        let mut seen = self.zero_count;
        if rank < seen {
            return Some(0);
        }
        for (i, &c) in self.counts.iter().enumerate() {
            seen = seen.saturating_add(c);
            if rank < seen {
                let estimate = representative(self.offset + i);
                // max/min rather than clamp(), which panics if min > max.
                return Some(estimate.max(min).min(max));
            }
        }
        // Only reachable if counters saturated.
        Some(max)
    }

    /// Approximate bytes used: the struct plus the bin counts' heap buffer.
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.counts.capacity() * std::mem::size_of::<u64>()
    }

    /// The non-empty bins as `(index, count)`, ascending by index. Indexes are
    /// in `0..NUM_BINS`; the zero bin is separate, see [`Sketch::zero_count`].
    pub fn bins(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        let offset = self.offset;
        self.counts
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c != 0)
            // Bin indexes are < NUM_BINS < i32::MAX (checked at compile time).
            .map(move |(i, &c)| ((offset + i) as i32, c))
    }

    /// How many zero values were added.
    pub fn zero_count(&self) -> u64 {
        self.zero_count
    }

    /// Rebuilds a sketch from the parts a snapshot stores, checking that they
    /// are consistent. Never panics; the error says what is wrong.
    pub fn from_parts(
        count: u64,
        sum_ns: u64,
        min_ns: Option<u64>,
        max_ns: Option<u64>,
        rejected: u64,
        zero_count: u64,
        bins: &[(i32, u64)],
    ) -> Result<Sketch, String> {
        // Bins: valid indexes, non-zero counts, strictly ascending.
        let mut previous: Option<usize> = None;
        let mut total = zero_count;
        let (mut sum_low, mut sum_high) = (0u64, 0u64);
        for (position, &(index, c)) in bins.iter().enumerate() {
            let bin = match usize::try_from(index) {
                Ok(bin) if bin < NUM_BINS => bin,
                _ => {
                    return Err(format!(
                        "bin {position} has index {index}, outside 0..{NUM_BINS}"
                    ))
                }
            };
            if c == 0 {
                return Err(format!(
                    "bin index {index} has count 0 (empty bins must be omitted)"
                ));
            }
            if let Some(prev) = previous {
                if bin <= prev {
                    return Err(format!(
                        "bin indexes are not strictly ascending: {prev} then {index}"
                    ));
                }
            }
            previous = Some(bin);
            total = total
                .checked_add(c)
                .ok_or_else(|| "bin counts overflow u64".to_string())?;
            let (lo, hi) = bin_range(bin);
            sum_low = sum_low.saturating_add(lo.saturating_mul(c));
            sum_high = sum_high.saturating_add(hi.saturating_mul(c));
        }
        if total != count {
            return Err(format!(
                "zero_count plus bin counts is {total}, but count is {count}"
            ));
        }

        if count == 0 {
            if min_ns.is_some() || max_ns.is_some() {
                return Err("empty sketch (count 0) has a min_ns or max_ns".to_string());
            }
            if sum_ns != 0 {
                return Err(format!("empty sketch (count 0) has sum_ns {sum_ns}"));
            }
            return Ok(Sketch {
                rejected,
                ..Sketch::default()
            });
        }

        let (Some(min), Some(max)) = (min_ns, max_ns) else {
            return Err(format!(
                "sketch with count {count} is missing min_ns or max_ns"
            ));
        };
        if min > max {
            return Err(format!("min_ns {min} is greater than max_ns {max}"));
        }
        if max > MAX_VALUE_NS {
            return Err(format!(
                "max_ns {max} is above MAX_VALUE_NS ({MAX_VALUE_NS})"
            ));
        }
        if (zero_count > 0) != (min == 0) {
            return Err(format!(
                "min_ns {min} does not agree with zero_count {zero_count}"
            ));
        }
        // min and max must sit in the outermost bins.
        let first_last = bins.first().zip(bins.last());
        match first_last {
            None if max != 0 => {
                return Err(format!("no bins but max_ns is {max}, expected 0"));
            }
            None => {}
            Some((&(first, _), &(last, _))) => {
                // Indexes were validated above, so the casts are lossless.
                let (lo, hi) = bin_range(last as usize);
                if !(lo..=hi).contains(&max) {
                    return Err(format!(
                        "max_ns {max} is not in the highest bin (index {last}: {lo}..={hi})"
                    ));
                }
                let (lo, hi) = bin_range(first as usize);
                if min > 0 && !(lo..=hi).contains(&min) {
                    return Err(format!(
                        "min_ns {min} is not in the lowest bin (index {first}: {lo}..={hi})"
                    ));
                }
            }
        }
        if !(sum_low..=sum_high).contains(&sum_ns) {
            return Err(format!(
                "sum_ns {sum_ns} is impossible for these bins (must be in {sum_low}..={sum_high})"
            ));
        }

        let mut sketch = Sketch {
            count,
            sum_ns,
            min_ns,
            max_ns,
            rejected,
            zero_count,
            offset: 0,
            counts: Vec::new(),
        };
        if let Some((&(first, _), &(last, _))) = first_last {
            // Both were validated to be in 0..NUM_BINS, so the Vec is bounded.
            let (first, last) = (first as usize, last as usize);
            sketch.offset = first;
            sketch.counts = vec![0; last - first + 1];
            for &(index, c) in bins {
                if let Some(slot) = sketch.counts.get_mut((index as usize).wrapping_sub(first)) {
                    *slot = c;
                }
            }
        }
        Ok(sketch)
    }

    /// Counts a rejected value and hands the reason back.
    fn reject(&mut self, why: Rejected) -> Rejected {
        self.rejected = self.rejected.saturating_add(1);
        why
    }

    /// Slow path of `add_ns`: the bin is outside the spanned range.
    #[cold]
    #[inline(never)]
    fn add_to_new_bin(&mut self, bin: usize) {
        self.span(bin, bin);
        if let Some(c) = self.counts.get_mut(bin.wrapping_sub(self.offset)) {
            *c = c.saturating_add(1);
        }
    }

    /// Grows `counts` so it spans bins `first..=last` too (`first <= last < NUM_BINS`).
    fn span(&mut self, first: usize, last: usize) {
        if self.counts.is_empty() {
            self.offset = first;
        }
        let current_last = self.offset + self.counts.len().saturating_sub(1);
        let new_first = first.min(self.offset);
        let new_last = last.max(current_last);
        let new_len = new_last - new_first + 1;
        if new_len > self.counts.capacity() {
            // Grow in steps of GROWTH_STEP bins: few reallocations, little
            // slack, and never more than the full range.
            let target = new_len
                .next_multiple_of(GROWTH_STEP)
                .min(NUM_BINS)
                .max(new_len);
            self.counts
                .reserve_exact(target.saturating_sub(self.counts.len()));
        }
        if new_first < self.offset {
            let extra = self.offset - new_first;
            self.counts.splice(0..0, std::iter::repeat_n(0, extra));
            self.offset = new_first;
        }
        self.counts.resize(new_len, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const QUANTILES: [f64; 9] = [0.0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0];
    const MICROSECOND: f64 = 1e3;
    const HOUR: f64 = 3600e9;

    fn sketch_of(values: &[u64]) -> Sketch {
        let mut s = Sketch::new();
        for &v in values {
            let _ = s.add_ns(v);
        }
        s
    }

    fn parts_round_trip(s: &Sketch) -> Result<Sketch, String> {
        let bins: Vec<(i32, u64)> = s.bins().collect();
        Sketch::from_parts(
            s.count(),
            s.sum_ns(),
            s.min_ns(),
            s.max_ns(),
            s.rejected(),
            s.zero_count(),
            &bins,
        )
    }

    /// `|estimate - truth| <= 1% of truth`, in exact integer arithmetic.
    fn within_accuracy(estimate: u64, truth: u64) -> bool {
        u128::from(estimate.abs_diff(truth)) * u128::from(ACCURACY_DIVISOR) <= u128::from(truth)
    }

    /// Reference bin lookup: binary search over the edges.
    fn bin_by_search(v: u64) -> usize {
        LOWER_EDGES.partition_point(|&edge| edge <= v) - 1
    }

    /// A duration between 1 µs and 1 h, uniform on a log scale.
    fn log_scale_value() -> impl Strategy<Value = u64> {
        (MICROSECOND.ln()..HOUR.ln()).prop_map(|x| x.exp().round() as u64)
    }

    /// Mostly log-scale values, plus the edge cases and a few rejects.
    fn any_value() -> impl Strategy<Value = u64> {
        prop_oneof![
            6 => log_scale_value(),
            1 => Just(0u64),
            1 => Just(1u64),
            1 => Just(MAX_VALUE_NS),
            1 => 0..=MAX_VALUE_NS,
            1 => prop_oneof![Just(MAX_VALUE_NS + 1), Just(u64::MAX)],
        ]
    }

    #[test]
    fn bin_table_matches_the_documented_numbers() {
        assert_eq!(NUM_BINS, 1568);
        assert_eq!(bin_of(1), 0);
        assert_eq!(bin_of(MAX_VALUE_NS), NUM_BINS - 1);
        // 100 µs .. 10 ms spans 231 bins.
        assert_eq!(bin_of(10_000_000) - bin_of(100_000) + 1, 231);
    }

    #[test]
    fn every_bin_representative_is_within_one_percent_of_the_whole_bin() {
        for bin in 0..NUM_BINS {
            let (lo, hi) = bin_range(bin);
            let rep = representative(bin);
            assert!(lo <= rep && rep <= hi, "bin {bin}");
            assert!(within_accuracy(rep, lo), "bin {bin}: {rep} vs {lo}");
            assert!(within_accuracy(rep, hi), "bin {bin}: {rep} vs {hi}");
            // The ratio never exceeds gamma.
            let gamma = (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY);
            assert!(hi as f64 / lo as f64 <= gamma + 1e-12, "bin {bin}");
        }
    }

    #[test]
    fn bin_of_agrees_with_binary_search_at_every_edge() {
        for (bin, &lo) in LOWER_EDGES.iter().enumerate().take(NUM_BINS) {
            assert_eq!(bin_of(lo), bin, "edge {lo}");
            for v in [lo.saturating_sub(1), lo, lo + 1] {
                if (1..=MAX_VALUE_NS).contains(&v) {
                    assert_eq!(bin_of(v), bin_by_search(v), "value {v}");
                }
            }
        }
        for key in 0..SUB_TABLE_LEN {
            let start = sub_bucket_start(key);
            for v in [start.saturating_sub(1), start, start + 1] {
                if (1..=MAX_VALUE_NS).contains(&v) {
                    assert_eq!(bin_of(v), bin_by_search(v), "value {v}");
                }
            }
        }
        for v in 1..100_000 {
            assert_eq!(bin_of(v), bin_by_search(v), "value {v}");
        }
    }

    #[test]
    fn rejected_values_are_counted_and_leave_the_sketch_unchanged() {
        let mut s = Sketch::new();
        s.add_ns(1_000).unwrap();
        let before = s.clone();

        assert_eq!(s.add_f64(f64::NAN), Err(Rejected::NotANumber));
        assert_eq!(s.add_f64(-1.0), Err(Rejected::Negative));
        assert_eq!(s.add_f64(-0.3), Err(Rejected::Negative));
        assert_eq!(s.add_f64(f64::NEG_INFINITY), Err(Rejected::Negative));
        assert_eq!(s.add_f64(f64::INFINITY), Err(Rejected::OutOfRange));
        assert_eq!(
            s.add_f64(MAX_VALUE_NS as f64 + 1.0),
            Err(Rejected::OutOfRange)
        );
        assert_eq!(s.add_i64(-1), Err(Rejected::Negative));
        assert_eq!(s.add_i64(i64::MIN), Err(Rejected::Negative));
        assert_eq!(s.add_i64(i64::MAX), Err(Rejected::OutOfRange));
        assert_eq!(s.add_ns(MAX_VALUE_NS + 1), Err(Rejected::OutOfRange));
        assert_eq!(s.add_ns(u64::MAX), Err(Rejected::OutOfRange));

        assert_eq!(s.rejected(), 11);
        assert_eq!(s.count(), 1);
        let mut expected = before;
        expected.rejected = 11;
        assert_eq!(s, expected);
    }

    #[test]
    fn rejected_display_is_clear() {
        assert_eq!(
            Rejected::NotANumber.to_string(),
            "duration is not a number (NaN)"
        );
        assert_eq!(Rejected::Negative.to_string(), "duration is negative");
        assert!(Rejected::OutOfRange
            .to_string()
            .contains("604800000000000 ns"));
    }

    #[test]
    fn float_and_signed_inputs_round_and_accept_edges() {
        let mut s = Sketch::new();
        s.add_f64(-0.0).unwrap();
        s.add_f64(0.4).unwrap();
        s.add_f64(1.5).unwrap();
        s.add_f64(MAX_VALUE_NS as f64 + 0.4).unwrap();
        s.add_i64(0).unwrap();
        s.add_i64(7).unwrap();
        assert_eq!(s.count(), 6);
        assert_eq!(s.zero_count(), 3);
        assert_eq!(s.min_ns(), Some(0));
        assert_eq!(s.max_ns(), Some(MAX_VALUE_NS));
        assert_eq!(s.sum_ns(), 2 + MAX_VALUE_NS + 7);
        assert_eq!(s.rejected(), 0);
    }

    #[test]
    fn empty_sketch_has_no_quantiles() {
        let s = Sketch::new();
        for q in QUANTILES {
            assert_eq!(s.quantile_ns(q), None);
        }
        assert_eq!((s.count(), s.sum_ns()), (0, 0));
        assert_eq!((s.min_ns(), s.max_ns()), (None, None));
        assert_eq!(s.bins().count(), 0);
    }

    #[test]
    fn quantile_outside_zero_one_is_none() {
        let s = sketch_of(&[5, 10]);
        for q in [-0.01, 1.01, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(s.quantile_ns(q), None, "q = {q}");
        }
    }

    #[test]
    fn count_sum_min_max_are_exact() {
        let values = [0, 1, 999, 1_000, 123_456_789, MAX_VALUE_NS, 42];
        let s = sketch_of(&values);
        assert_eq!(s.count(), 7);
        assert_eq!(s.sum_ns(), values.iter().sum::<u64>());
        assert_eq!(s.min_ns(), Some(0));
        assert_eq!(s.max_ns(), Some(MAX_VALUE_NS));
        assert_eq!(s.zero_count(), 1);
        assert_eq!(s.quantile_ns(0.0), Some(0));
        assert_eq!(s.quantile_ns(1.0), Some(MAX_VALUE_NS));
        // Small values are exact: each has its own bin.
        assert_eq!(s.quantile_ns(0.2), Some(1));
        assert_eq!(s.quantile_ns(0.34), Some(42));
    }

    #[test]
    fn sum_saturates() {
        let mut s = Sketch::new();
        for _ in 0..40_000 {
            s.add_ns(MAX_VALUE_NS).unwrap();
        }
        assert_eq!(s.sum_ns(), u64::MAX);
        assert_eq!(parts_round_trip(&s), Ok(s));
    }

    #[test]
    fn memory_is_bounded_over_the_full_range() {
        let mut s = Sketch::new();
        // Worst case for growth: walk the range downwards, one bin at a time.
        for bin in (0..NUM_BINS).rev() {
            s.add_ns(LOWER_EDGES[bin]).unwrap();
        }
        s.add_ns(0).unwrap();
        s.add_ns(MAX_VALUE_NS).unwrap();
        assert_eq!(s.bins().count(), NUM_BINS);
        let bound = std::mem::size_of::<Sketch>() + NUM_BINS * 8;
        assert!(s.memory_bytes() <= bound, "{} > {bound}", s.memory_bytes());
        assert_eq!(std::mem::size_of::<Sketch>(), 96, "update the module doc");
        assert_eq!(bound, 96 + 12_544, "update the module doc");

        // A narrow range stays small.
        let mut narrow = Sketch::new();
        for v in (100_000..=10_000_000).step_by(1_000) {
            narrow.add_ns(v).unwrap();
        }
        assert_eq!(narrow.bins().count(), 231);
        assert_eq!(
            narrow.memory_bytes(),
            std::mem::size_of::<Sketch>() + 240 * 8
        );
    }

    #[test]
    fn from_parts_reports_each_inconsistency() {
        let s = sketch_of(&[0, 1_000, 2_000_000]);
        let bins: Vec<(i32, u64)> = s.bins().collect();
        let (b0, b1) = (bins[0].0, bins[1].0);
        let ok = |count, sum, min, max, zero, bins: &[(i32, u64)]| {
            Sketch::from_parts(count, sum, min, max, 0, zero, bins)
        };
        let err = |r: Result<Sketch, String>| r.unwrap_err();
        let good_sum = 2_001_000;
        assert!(ok(3, good_sum, Some(0), Some(2_000_000), 1, &bins).is_ok());
        assert!(err(ok(3, good_sum, Some(0), Some(2_000_000), 1, &[(-1, 1)])).contains("outside"));
        assert!(err(ok(
            3,
            good_sum,
            Some(0),
            Some(2_000_000),
            1,
            &[(NUM_BINS as i32, 1)]
        ))
        .contains("outside"));
        assert!(err(ok(
            3,
            good_sum,
            Some(0),
            Some(2_000_000),
            1,
            &[(b0, 1), (b1, 0)]
        ))
        .contains("count 0"));
        assert!(err(ok(
            3,
            good_sum,
            Some(0),
            Some(2_000_000),
            1,
            &[(b1, 1), (b0, 1)]
        ))
        .contains("ascending"));
        assert!(err(ok(
            3,
            good_sum,
            Some(0),
            Some(2_000_000),
            1,
            &[(b0, 1), (b0, 1)]
        ))
        .contains("ascending"));
        assert!(err(ok(4, good_sum, Some(0), Some(2_000_000), 1, &bins)).contains("count is 4"));
        assert!(err(ok(
            3,
            good_sum,
            Some(0),
            Some(2_000_000),
            1,
            &[(b0, u64::MAX), (b1, 1)]
        ))
        .contains("overflow"));
        assert!(err(ok(3, good_sum, None, Some(2_000_000), 1, &bins)).contains("missing"));
        assert!(
            err(ok(3, good_sum, Some(2_000_001), Some(2_000_000), 1, &bins)).contains("greater")
        );
        assert!(err(ok(3, good_sum, Some(1), Some(2_000_000), 1, &bins)).contains("zero_count"));
        assert!(err(ok(3, good_sum, Some(0), Some(3_000_000), 1, &bins)).contains("highest bin"));
        assert!(err(ok(3, good_sum, Some(0), Some(u64::MAX), 1, &bins)).contains("MAX_VALUE_NS"));
        assert!(
            err(ok(2, 2_001_000, Some(1_500), Some(2_000_000), 0, &bins)).contains("lowest bin")
        );
        assert!(err(ok(3, 5, Some(0), Some(2_000_000), 1, &bins)).contains("sum_ns"));
        assert!(err(ok(3, 0, Some(0), Some(0), 3, &[(b0, 0)])).contains("count 0"));
        assert!(err(ok(2, 0, Some(0), Some(7), 2, &[])).contains("no bins"));
        assert!(err(ok(2, 1, Some(0), Some(0), 1, &[(0, 1)])).contains("highest bin"));
        assert!(err(ok(0, 1, None, None, 0, &[])).contains("sum_ns"));
        assert!(err(ok(0, 0, Some(1), None, 0, &[])).contains("empty sketch"));
        // Only rejected values: valid, and equal to a sketch that saw them.
        let mut rejected_only = Sketch::new();
        let _ = rejected_only.add_i64(-5);
        assert_eq!(
            Sketch::from_parts(0, 0, None, None, 1, 0, &[]),
            Ok(rejected_only)
        );
    }

    #[test]
    fn merging_saturated_counters_does_not_panic() {
        let big =
            Sketch::from_parts(u64::MAX, 0, Some(0), Some(0), u64::MAX, u64::MAX, &[]).unwrap();
        let mut s = big.clone();
        s.merge(&big);
        s.add_ns(0).unwrap();
        s.add_ns(5).unwrap();
        let _ = s.add_ns(u64::MAX);
        assert_eq!(s.count(), u64::MAX);
        assert_eq!(s.rejected(), u64::MAX);
        for q in QUANTILES {
            assert!(s.quantile_ns(q).is_some());
        }
    }

    #[test]
    fn bucket_counts_place_values_by_inclusive_upper_bound() {
        let s = sketch_of(&[0, 1, 999_000, 1_000_000, 1_500_000, 7_000_000_000]);
        let bounds = [1_000_000, 5_000_000, 5_000_000_000];
        assert_eq!(s.bucket_counts(&bounds), vec![4, 1, 0, 1]);
        assert_eq!(Sketch::new().bucket_counts(&bounds), vec![0, 0, 0, 0]);
        assert_eq!(s.bucket_counts(&[]), vec![6]);
    }

    proptest! {
        #[test]
        fn bucket_counts_sum_to_count_and_are_exact_away_from_bounds(
            values in proptest::collection::vec(0u64..20_000_000, 1..200),
            bounds in proptest::collection::btree_set(1u64..20_000_000, 0..12),
        ) {
            let bounds: Vec<u64> = bounds.into_iter().collect();
            let s = sketch_of(&values);
            let counts = s.bucket_counts(&bounds);
            prop_assert_eq!(counts.iter().sum::<u64>(), s.count());
            // A value more than 2% from every bound lands in its true bucket.
            let far = |v: u64| bounds.iter().all(|&b| v.abs_diff(b) * 50 > b);
            if values.iter().all(|&v| far(v)) {
                let mut truth = vec![0u64; bounds.len() + 1];
                for &v in &values {
                    truth[bounds.partition_point(|b| *b < v)] += 1;
                }
                prop_assert_eq!(counts, truth);
            }
        }
    }

    proptest! {
        #[test]
        fn bin_of_matches_binary_search(v in 1..=MAX_VALUE_NS) {
            prop_assert_eq!(bin_of(v), bin_by_search(v));
        }

        #[test]
        fn merge_equals_sketch_of_union(
            a in prop::collection::vec(any_value(), 0..200),
            b in prop::collection::vec(any_value(), 0..200),
        ) {
            let union: Vec<u64> = a.iter().chain(&b).copied().collect();
            let expected = sketch_of(&union);

            let mut merged = sketch_of(&a);
            merged.merge(&sketch_of(&b));
            prop_assert_eq!(&merged, &expected);

            let mut reversed = sketch_of(&b);
            reversed.merge(&sketch_of(&a));
            prop_assert_eq!(&reversed, &expected);

            let mut into_empty = Sketch::new();
            into_empty.merge(&expected);
            prop_assert_eq!(&into_empty, &expected);
        }

        #[test]
        fn quantiles_are_within_one_percent(
            values in prop::collection::vec(log_scale_value(), 1..500),
        ) {
            let s = sketch_of(&values);
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let last = sorted.len() - 1;
            for q in QUANTILES {
                let truth = sorted[(q * last as f64).floor() as usize];
                let estimate = s.quantile_ns(q).unwrap();
                prop_assert!(
                    within_accuracy(estimate, truth),
                    "q {} estimate {} truth {}", q, estimate, truth
                );
            }
        }

        #[test]
        fn from_parts_round_trips(values in prop::collection::vec(any_value(), 0..300)) {
            let s = sketch_of(&values);
            prop_assert_eq!(parts_round_trip(&s), Ok(s));
        }

        #[test]
        fn from_parts_never_panics_on_garbage(
            count in prop_oneof![0..5u64, any::<u64>()],
            sum in prop_oneof![0..5u64, any::<u64>()],
            min in proptest::option::of(prop_oneof![0..5u64, any::<u64>()]),
            max in proptest::option::of(prop_oneof![0..5u64, any::<u64>()]),
            rejected in any::<u64>(),
            zero in prop_oneof![0..5u64, any::<u64>()],
            bins in prop::collection::vec(
                (prop_oneof![0..NUM_BINS as i32, any::<i32>()], prop_oneof![0..5u64, any::<u64>()]),
                0..20,
            ),
        ) {
            if let Ok(s) = Sketch::from_parts(count, sum, min, max, rejected, zero, &bins) {
                check_accepted(&s);
            }
        }

        /// Valid parts with one field corrupted: exercises each check.
        #[test]
        fn from_parts_never_panics_on_corrupted_parts(
            values in prop::collection::vec(any_value(), 0..50),
            field in 0..7usize,
            noise in any::<u64>(),
            small in 0..3u64,
        ) {
            let s = sketch_of(&values);
            let (mut count, mut sum, mut min, mut max) = (s.count(), s.sum_ns(), s.min_ns(), s.max_ns());
            let (rejected, mut zero) = (s.rejected(), s.zero_count());
            let mut bins: Vec<(i32, u64)> = s.bins().collect();
            let tweak = |x: u64| if noise % 2 == 0 { x.wrapping_add(small) } else { noise };
            match field {
                0 => count = tweak(count),
                1 => sum = tweak(sum),
                2 => min = min.map(tweak),
                3 => max = max.map(tweak),
                4 => zero = tweak(zero),
                5 => if let Some(b) = bins.first_mut() { b.1 = tweak(b.1) },
                _ => if let Some(b) = bins.last_mut() { b.0 = b.0.wrapping_add(small as i32 - 1) },
            }
            if let Ok(decoded) = Sketch::from_parts(count, sum, min, max, rejected, zero, &bins) {
                check_accepted(&decoded);
            }
        }
    }

    /// Whatever from_parts accepts behaves like a sketch.
    fn check_accepted(s: &Sketch) {
        let total = s
            .bins()
            .fold(s.zero_count(), |acc, (_, c)| acc.saturating_add(c));
        assert_eq!(total, s.count());
        if let Some((first, _)) = s.bins().next() {
            let (last, _) = s.bins().last().unwrap();
            let (min, max) = (s.min_ns().unwrap(), s.max_ns().unwrap());
            assert_eq!(bin_of(max), last as usize);
            assert!(min == 0 || bin_of(min) == first as usize);
        }
        assert!(s.memory_bytes() <= std::mem::size_of::<Sketch>() + NUM_BINS * 8);
        for q in QUANTILES {
            let estimate = s.quantile_ns(q);
            assert_eq!(estimate.is_some(), s.count() > 0);
            if let (Some(e), Some(min), Some(max)) = (estimate, s.min_ns(), s.max_ns()) {
                assert!(min <= e && e <= max);
            }
        }
        assert_eq!(parts_round_trip(s).as_ref(), Ok(s));
        let mut merged = s.clone();
        merged.merge(s);
        let _ = merged.add_ns(1);
    }

    /// Timing: `cargo test --release -p pgotel-native sketch -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn time_add_ns() {
        use std::hint::black_box;
        use std::time::Instant;

        const N: usize = 20_000_000;
        // Log-uniform values in 100 µs .. 10 ms from a xorshift generator,
        // precomputed so the loop times add_ns alone.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let values: Vec<u64> = (0..1 << 16)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
                (1e5 * 100f64.powf(unit)) as u64
            })
            .collect();
        let mut s = Sketch::new();
        let start = Instant::now();
        for i in 0..N {
            let _ = s.add_ns(black_box(values[i & 0xFFFF]));
        }
        let elapsed = start.elapsed();
        black_box(&s);
        println!(
            "add_ns: {:.2} ns per add ({} adds, {} bins, {} bytes)",
            elapsed.as_nanos() as f64 / N as f64,
            N,
            s.bins().count(),
            s.memory_bytes()
        );

        let mut many = Vec::with_capacity(64);
        for chunk in 0..64 {
            let mut part = Sketch::new();
            for v in values.iter().skip(chunk * 1024).take(1024) {
                part.add_ns(*v).unwrap();
            }
            many.push(part);
        }
        let start = Instant::now();
        let mut total = Sketch::new();
        for part in &many {
            total.merge(black_box(part));
        }
        let merge_time = start.elapsed();
        let start = Instant::now();
        for q in QUANTILES {
            black_box(total.quantile_ns(q));
        }
        println!(
            "merge: {:.0} ns per merge, quantile: {:.0} ns per call",
            merge_time.as_nanos() as f64 / 64.0,
            start.elapsed().as_nanos() as f64 / QUANTILES.len() as f64
        );
    }
}

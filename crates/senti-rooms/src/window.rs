//! A room's sliding windows: a ring of 100 ms buckets covering the last 60 s of arrival time.
//!
//! Adding a comment touches one bucket; a snapshot sums at most 600 buckets. Times are
//! milliseconds on a monotonic clock the caller supplies, so tests drive time by hand.

use std::collections::HashMap;

use senti_core::Label;

/// Bucket width.
pub const BUCKET_MS: u64 = 100;
/// Buckets kept: 60 s.
pub const BUCKETS: usize = 600;
/// The windows reported, in seconds.
pub const WINDOWS_S: [u64; 3] = [1, 10, 60];
/// Terms are kept for the 10 s window only (what "terms moving the score now" means).
pub const TERM_WINDOW_BUCKETS: usize = 100;

#[derive(Debug, Clone, Default)]
struct Bucket {
    /// Which 100 ms slot this bucket holds (ms / BUCKET_MS); stale buckets are reset on use.
    slot: u64,
    pos: u32,
    neu: u32,
    neg: u32,
    compound_sum: f64,
    /// Term -> (sum of |contribution|, sum of contribution).
    terms: HashMap<Box<str>, (f64, f64)>,
}

impl Bucket {
    fn reset(&mut self, slot: u64) {
        self.slot = slot;
        self.pos = 0;
        self.neu = 0;
        self.neg = 0;
        self.compound_sum = 0.0;
        self.terms.clear();
    }

    fn count(&self) -> u32 {
        self.pos + self.neu + self.neg
    }
}

/// Counts over one window.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct WindowStats {
    pub seconds: u64,
    pub count: u64,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
    /// Mean compound over the window's comments (0 when empty).
    pub mean_compound: f64,
    /// Comments per second over the window.
    pub rate: f64,
}

impl WindowStats {
    pub fn negative_share(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.negative as f64 / self.count as f64
        }
    }
}

/// Counts of one clock second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct SecondStats {
    /// Start of the second (ms since the epoch, a multiple of 1,000).
    pub at_ms: u64,
    pub count: u64,
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
}

/// One term's weight in the 10 s window.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TermStat {
    pub term: String,
    /// Sum of |contribution| over the window.
    pub weight: f64,
    /// Sum of signed contributions (its direction).
    pub valence: f64,
}

/// The ring.
#[derive(Debug, Clone)]
pub struct Windows {
    buckets: Vec<Bucket>,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            buckets: vec![Bucket::default(); BUCKETS],
        }
    }
}

impl Windows {
    /// The bucket of `now_ms`, or `None` when its ring slot already holds a newer one: a
    /// comment older than the ring (replicas' comments interleave out of order) must never
    /// wipe newer counts. It still counts in the room's total.
    fn bucket_mut(&mut self, now_ms: u64) -> Option<&mut Bucket> {
        let slot = now_ms / BUCKET_MS;
        let b = &mut self.buckets[(slot % BUCKETS as u64) as usize];
        if b.slot > slot && b.count() > 0 {
            return None;
        }
        if b.slot != slot {
            b.reset(slot);
        }
        Some(b)
    }

    /// Counts one scored comment at `now_ms`.
    pub fn add<'t>(
        &mut self,
        now_ms: u64,
        label: Label,
        compound: f64,
        terms: impl Iterator<Item = (&'t str, f64)>,
    ) {
        let Some(b) = self.bucket_mut(now_ms) else {
            return;
        };
        match label {
            Label::Positive => b.pos += 1,
            Label::Neutral => b.neu += 1,
            Label::Negative => b.neg += 1,
        }
        b.compound_sum += compound;
        for (t, v) in terms {
            if v == 0.0 {
                continue;
            }
            let e = b.terms.entry(t.into()).or_insert((0.0, 0.0));
            e.0 += v.abs();
            e.1 += v;
        }
    }

    /// The buckets of the last `n` slots up to `now_ms` (newest first), skipping stale ones.
    fn recent(&self, now_ms: u64, n: usize) -> impl Iterator<Item = &Bucket> {
        let now = now_ms / BUCKET_MS;
        (0..n as u64).filter_map(move |back| {
            let slot = now.checked_sub(back)?;
            let b = &self.buckets[(slot % BUCKETS as u64) as usize];
            (b.slot == slot && b.count() > 0).then_some(b)
        })
    }

    /// Counts over the last `seconds` (at most 60).
    pub fn window(&self, now_ms: u64, seconds: u64) -> WindowStats {
        let n = (seconds * 1000 / BUCKET_MS).min(BUCKETS as u64) as usize;
        let mut w = WindowStats {
            seconds,
            ..Default::default()
        };
        let mut sum = 0.0;
        for b in self.recent(now_ms, n) {
            w.positive += u64::from(b.pos);
            w.neutral += u64::from(b.neu);
            w.negative += u64::from(b.neg);
            sum += b.compound_sum;
        }
        w.count = w.positive + w.neutral + w.negative;
        if w.count > 0 {
            w.mean_compound = sum / w.count as f64;
        }
        w.rate = w.count as f64 / seconds as f64;
        w
    }

    /// Negative shares of each whole second in `[now - from_s, now - to_s)` that had a comment.
    pub fn per_second_negative_shares(&self, now_ms: u64, from_s: u64, to_s: u64) -> Vec<f64> {
        let per_s = (1000 / BUCKET_MS) as usize;
        let now = now_ms / BUCKET_MS;
        let mut out = Vec::new();
        for s in to_s..from_s {
            let (mut neg, mut all) = (0u64, 0u64);
            for i in 0..per_s as u64 {
                let Some(slot) = now.checked_sub(s * per_s as u64 + i) else {
                    continue;
                };
                let b = &self.buckets[(slot % BUCKETS as u64) as usize];
                if b.slot == slot {
                    neg += u64::from(b.neg);
                    all += u64::from(b.count());
                }
            }
            if all > 0 {
                out.push(neg as f64 / all as f64);
            }
        }
        out
    }

    /// Counts of each of the last `n` clock seconds (at most 59), oldest first; the last one
    /// holds `now_ms` and is still filling.
    pub fn per_second(&self, now_ms: u64, n: u64) -> Vec<SecondStats> {
        let per_s = 1000 / BUCKET_MS;
        let now = now_ms / BUCKET_MS;
        let this = now_ms / 1000;
        (0..n.min(59))
            .rev()
            .filter_map(|back| this.checked_sub(back))
            .map(|sec| {
                let mut s = SecondStats {
                    at_ms: sec * 1000,
                    ..Default::default()
                };
                for slot in sec * per_s..((sec + 1) * per_s).min(now + 1) {
                    let b = &self.buckets[(slot % BUCKETS as u64) as usize];
                    if b.slot == slot {
                        s.positive += u64::from(b.pos);
                        s.neutral += u64::from(b.neu);
                        s.negative += u64::from(b.neg);
                    }
                }
                s.count = s.positive + s.neutral + s.negative;
                s
            })
            .collect()
    }

    /// The `k` terms with the largest |contribution| sum over the last 10 s.
    pub fn top_terms(&self, now_ms: u64, k: usize) -> Vec<TermStat> {
        let mut acc: HashMap<&str, (f64, f64)> = HashMap::new();
        for b in self.recent(now_ms, TERM_WINDOW_BUCKETS) {
            for (t, (w, v)) in &b.terms {
                let e = acc.entry(t).or_insert((0.0, 0.0));
                e.0 += w;
                e.1 += v;
            }
        }
        let mut all: Vec<TermStat> = acc
            .into_iter()
            .map(|(t, (weight, valence))| TermStat {
                term: t.to_string(),
                weight,
                valence,
            })
            .collect();
        all.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.term.cmp(&b.term))
        });
        all.truncate(k);
        all
    }

    /// Drops term maps older than the term window, bounding memory in busy rooms.
    pub fn trim_terms(&mut self, now_ms: u64) {
        let now = now_ms / BUCKET_MS;
        for b in &mut self.buckets {
            if now.saturating_sub(b.slot) >= TERM_WINDOW_BUCKETS as u64 && !b.terms.is_empty() {
                b.terms = HashMap::new();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_over_each_window_are_exact() {
        let mut w = Windows::default();
        // One comment every 50 ms for 70 s: positive, negative, neutral in turn.
        let labels = [Label::Positive, Label::Negative, Label::Neutral];
        let mut t = 0;
        let mut i = 0;
        while t < 70_000 {
            let l = labels[i % 3];
            let c = match l {
                Label::Positive => 0.5,
                Label::Negative => -0.5,
                Label::Neutral => 0.0,
            };
            w.add(t, l, c, std::iter::empty());
            t += 50;
            i += 1;
        }
        let now = t - 50; // the last comment's time
        for (secs, want) in [(1, 20), (10, 200), (60, 1200)] {
            let s = w.window(now, secs);
            assert_eq!(s.count, want, "{secs} s");
            assert!((s.rate - want as f64 / secs as f64).abs() < 1e-12);
            let third = want / 3;
            assert!(s.positive.abs_diff(third) <= 1 && s.negative.abs_diff(third) <= 1);
        }
        // 61 s of silence empties every window.
        assert_eq!(w.window(now + 61_000, 60).count, 0);
    }

    #[test]
    fn top_terms_rank_by_absolute_weight() {
        let mut w = Windows::default();
        w.add(
            0,
            Label::Negative,
            -0.8,
            [("awful", -2.5), ("not", 0.0)].into_iter(),
        );
        w.add(100, Label::Positive, 0.6, [("good", 1.9)].into_iter());
        w.add(200, Label::Positive, 0.6, [("good", 1.9)].into_iter());
        let top = w.top_terms(300, 5);
        assert_eq!(top[0].term, "good");
        assert!((top[0].weight - 3.8).abs() < 1e-12);
        assert_eq!(top[1].term, "awful");
        assert!(top[1].valence < 0.0);
        assert_eq!(top.len(), 2, "zero contributions are not terms");
        assert!(
            w.top_terms(20_000, 5).is_empty(),
            "terms older than 10 s are gone"
        );
    }

    #[test]
    fn per_second_counts_each_clock_second() {
        let mut w = Windows::default();
        // Seconds 100, 101 (none), 102: 3, 0 and 2 comments.
        w.add(100_050, Label::Positive, 0.5, std::iter::empty());
        w.add(100_950, Label::Negative, -0.5, std::iter::empty());
        w.add(100_999, Label::Neutral, 0.0, std::iter::empty());
        w.add(102_000, Label::Negative, -0.5, std::iter::empty());
        w.add(102_400, Label::Negative, -0.5, std::iter::empty());
        let s = w.per_second(102_450, 4);
        let at: Vec<u64> = s.iter().map(|s| s.at_ms).collect();
        assert_eq!(at, [99_000, 100_000, 101_000, 102_000]);
        let counts: Vec<(u64, u64, u64, u64)> = s
            .iter()
            .map(|s| (s.count, s.positive, s.neutral, s.negative))
            .collect();
        assert_eq!(
            counts,
            [(0, 0, 0, 0), (3, 1, 1, 1), (0, 0, 0, 0), (2, 0, 0, 2)]
        );
        // The second still filling holds only what arrived up to now.
        assert_eq!(w.per_second(102_100, 1)[0].count, 1);
    }

    #[test]
    fn a_comment_older_than_the_ring_does_not_wipe_newer_counts() {
        let mut w = Windows::default();
        let now = 1_000_000;
        w.add(now, Label::Positive, 0.5, std::iter::empty());
        // Same ring index, one full ring (60 s) earlier.
        w.add(
            now - BUCKET_MS * BUCKETS as u64,
            Label::Negative,
            -0.5,
            std::iter::empty(),
        );
        let s = w.window(now, 1);
        assert_eq!((s.count, s.positive, s.negative), (1, 1, 0));
        // A little out of order (inside the ring) still counts where it belongs.
        w.add(now - 500, Label::Negative, -0.5, std::iter::empty());
        assert_eq!(w.window(now, 1).negative, 1);
    }
}

//! Spike detection: the negative share of the last 10 s against its recent level.
//!
//! Rule (checked at most every 100 ms per room, and on every stats tick):
//! * baseline: the negative share of each whole second in the 50 s before the last 10 s
//!   (seconds without comments skipped); at least 10 such seconds are needed;
//! * a spike starts when the last 10 s hold at least 20 comments and their negative share
//!   exceeds `mean + max(3σ, 0.15)` of the baseline (the 0.15 floor keeps a perfectly steady
//!   stream, σ = 0, from firing on noise);
//! * it ends when the share falls below `mean + max(1.5σ, 0.075)` (hysteresis, so one burst
//!   is one spike, not a flicker of them).

use serde::Serialize;

use crate::window::Windows;

/// Thresholds of the rule above.
#[derive(Debug, Clone, Copy)]
pub struct SpikeRule {
    pub min_count: u64,
    pub sigmas: f64,
    pub min_margin: f64,
    pub min_baseline_secs: usize,
}

impl Default for SpikeRule {
    fn default() -> Self {
        SpikeRule {
            min_count: 20,
            sigmas: 3.0,
            min_margin: 0.15,
            min_baseline_secs: 10,
        }
    }
}

/// A spike, as reported when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spike {
    pub at_ms: u64,
    /// Negative share of the last 10 s.
    pub negative_share: f64,
    pub baseline_mean: f64,
    pub baseline_sd: f64,
    pub threshold: f64,
    pub count_10s: u64,
}

#[derive(Debug, Clone, Default)]
pub struct SpikeState {
    active: bool,
}

impl SpikeState {
    pub fn active(&self) -> bool {
        self.active
    }

    /// Evaluates the rule at `now_ms`; returns the spike when one starts.
    pub fn check(&mut self, rule: &SpikeRule, w: &Windows, now_ms: u64) -> Option<Spike> {
        let recent = w.window(now_ms, 10);
        let base = w.per_second_negative_shares(now_ms, 60, 10);
        if base.len() < rule.min_baseline_secs {
            self.active = false;
            return None;
        }
        let n = base.len() as f64;
        let mean = base.iter().sum::<f64>() / n;
        let sd = (base.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        let share = recent.negative_share();
        let start = mean + (rule.sigmas * sd).max(rule.min_margin);
        let end = mean + (rule.sigmas / 2.0 * sd).max(rule.min_margin / 2.0);
        if self.active {
            if share < end || recent.count < rule.min_count {
                self.active = false;
            }
            return None;
        }
        if recent.count >= rule.min_count && share > start {
            self.active = true;
            return Some(Spike {
                at_ms: now_ms,
                negative_share: share,
                baseline_mean: mean,
                baseline_sd: sd,
                threshold: start,
                count_10s: recent.count,
            });
        }
        None
    }
}

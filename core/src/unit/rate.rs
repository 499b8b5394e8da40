//! The vote-rate limit: at most N votes in any 60 seconds (practice: a
//! booth-capture safeguard). Keeps the times of the last N votes in volatile
//! memory only; they are never stored in the vote memory nor sent.
//!
//! # The rule's shape (a profile setting, [`RateRule`])
//!
//! Checked when `Ballot` is pressed, counted when a vote is recorded. Under
//! the **sliding window** a `Ballot` at `now` is refused (`rate_limited`)
//! when the last N recorded votes all fall less than 60,000 ms before
//! `now`; a `Ballot` exactly 60,000 ms after the oldest of them is allowed.
//! Under the **minimum interval** it is refused when the last recorded vote
//! is less than ceil(60,000 / N) ms before `now`. A refused or cancelled
//! enable counts nothing. `Clear` empties the window.
//!
//! # Across a power cut (the one rule, for every driver)
//!
//! The window is never forgotten in the unit's favour. A `PowerOff` (a
//! switch, a cut, a dead battery) keeps it: the same unit, running on, still
//! knows its times. A unit **restarted from its retained memory** (a board
//! reset, a process killed and started again) has lost the times with its
//! RAM, and the memory keeps no time per vote (SECRECY): it counts the last
//! min(total, N) votes in memory as cast at its first input after the
//! restart. So a restart never lets more votes through than the limit; at
//! worst the first `Ballot` after it waits one minute.

use crate::profile::{RateRule, MAX_RATE_LIMIT_VOTES_PER_MINUTE};
use crate::time::{Timestamp, MILLISECONDS_PER_MINUTE};

const WINDOW: usize = MAX_RATE_LIMIT_VOTES_PER_MINUTE as usize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RateWindow {
    times: [Timestamp; WINDOW],
    next: u8,
    filled: u8,
    /// Votes whose times were lost at a restart, to be placed at the next
    /// input's time (see the module's rule).
    lost: u8,
}

impl RateWindow {
    /// Whether one more vote may be enabled at `now` under `limit` votes a
    /// minute counted by `rule`: under the sliding window, true unless the
    /// last `limit` votes all fall in the last minute; under the minimum
    /// interval, true unless the last vote is less than ceil(60,000 /
    /// `limit`) ms old.
    pub(crate) fn allows(&self, now: Timestamp, limit: u8, rule: RateRule) -> bool {
        if rule == RateRule::MinimumInterval {
            if self.filled == 0 {
                return true;
            }
            let last = self.times[(self.next as usize + WINDOW - 1) % WINDOW];
            return now.milliseconds_since(last) >= RateRule::minimum_interval_milliseconds(limit);
        }
        let limit = limit.clamp(1, WINDOW as u8) as usize;
        if (self.filled as usize) < limit {
            return true;
        }
        let oldest = self.times[(self.next as usize + WINDOW - limit) % WINDOW];
        now.milliseconds_since(oldest) >= MILLISECONDS_PER_MINUTE
    }

    pub(crate) fn record(&mut self, now: Timestamp) {
        self.times[self.next as usize] = now;
        self.next = ((self.next as usize + 1) % WINDOW) as u8;
        self.filled = (self.filled + 1).min(WINDOW as u8);
    }

    pub(crate) fn reset(&mut self) {
        *self = RateWindow::default();
    }

    /// A restart lost the times of the votes in memory: the last
    /// min(`votes_in_memory`, window) of them are placed at the next input.
    pub(crate) fn lose_times(&mut self, votes_in_memory: u32) {
        *self = RateWindow { lost: votes_in_memory.min(WINDOW as u32) as u8, ..RateWindow::default() };
    }

    /// Called with the first input's time after a restart, before the input
    /// is handled: places the votes whose times the restart lost.
    pub(crate) fn settle(&mut self, now: Timestamp) {
        if self.lost != 0 {
            for _ in 0..self.lost {
                self.record(now);
            }
            self.lost = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_is_inclusive_at_sixty_seconds() {
        let mut window = RateWindow::default();
        for second in 0..5 {
            window.record(Timestamp::from_seconds(second));
        }
        assert!(!window.allows(Timestamp::from_milliseconds(59_999), 5, RateRule::SlidingWindow));
        assert!(window.allows(Timestamp::from_milliseconds(60_000), 5, RateRule::SlidingWindow));
    }

    #[test]
    fn the_minimum_interval_counts_from_the_last_vote_only() {
        let mut window = RateWindow::default();
        assert!(window.allows(Timestamp::from_seconds(0), 5, RateRule::MinimumInterval));
        window.record(Timestamp::from_seconds(0));
        // 60,000 / 5 = 12,000 ms; the boundary is inclusive.
        assert!(!window.allows(Timestamp::from_milliseconds(11_999), 5, RateRule::MinimumInterval));
        assert!(window.allows(Timestamp::from_milliseconds(12_000), 5, RateRule::MinimumInterval));
        // Two votes 12 s apart: the window would take three more, the interval
        // takes one vote per 12 s; 7 a minute rounds the interval up.
        window.record(Timestamp::from_seconds(12));
        assert!(window.allows(Timestamp::from_seconds(24), 5, RateRule::SlidingWindow));
        assert!(!window.allows(Timestamp::from_milliseconds(20_570), 7, RateRule::MinimumInterval));
        assert!(window.allows(Timestamp::from_milliseconds(20_572), 7, RateRule::MinimumInterval));
    }

    #[test]
    fn a_restart_places_the_lost_votes_at_the_first_input() {
        let mut window = RateWindow::default();
        window.lose_times(1_234);
        window.settle(Timestamp::from_seconds(100));
        assert!(
            !window.allows(Timestamp::from_seconds(159), 5, RateRule::SlidingWindow),
            "the restart let the limit through"
        );
        assert!(window.allows(Timestamp::from_seconds(160), 5, RateRule::SlidingWindow));
        assert!(!window.allows(Timestamp::from_seconds(111), 5, RateRule::MinimumInterval));
        assert!(window.allows(Timestamp::from_seconds(112), 5, RateRule::MinimumInterval));
        let mut few = RateWindow::default();
        few.lose_times(2);
        few.settle(Timestamp::from_seconds(100));
        assert!(
            few.allows(Timestamp::from_seconds(100), 3, RateRule::SlidingWindow),
            "two votes in memory cannot fill a window of three"
        );
        assert!(!few.allows(Timestamp::from_seconds(100), 2, RateRule::SlidingWindow));
    }
}

//! The vote-rate limit: at most N votes in any 60 seconds (practice: a
//! booth-capture safeguard). Keeps the times of the last N votes in volatile
//! memory only; they are never stored in the vote memory nor sent.

use crate::profile::MAX_RATE_LIMIT_VOTES_PER_MINUTE;
use crate::time::{Timestamp, MILLISECONDS_PER_MINUTE};

const WINDOW: usize = MAX_RATE_LIMIT_VOTES_PER_MINUTE as usize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RateWindow {
    times: [Timestamp; WINDOW],
    next: u8,
    filled: u8,
}

impl RateWindow {
    /// Whether one more vote may be enabled at `now` under `limit` votes a
    /// minute: true unless the last `limit` votes all fall in the last minute.
    pub(crate) fn allows(&self, now: Timestamp, limit: u8) -> bool {
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
}

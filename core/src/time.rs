//! Time as the model sees it: a value passed in, never read from a clock.

use serde::{Deserialize, Serialize};

/// Milliseconds per minute, the window of the vote-rate limit.
pub const MILLISECONDS_PER_MINUTE: u64 = 60_000;

/// A moment of the poll day, in milliseconds since the unit's clock epoch
/// (midnight of the poll day in traces). The model never reads a clock: the
/// caller passes `now` with every input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp {
    milliseconds: u64,
}

impl Timestamp {
    /// The clock epoch.
    pub const ZERO: Timestamp = Timestamp { milliseconds: 0 };

    pub const fn from_milliseconds(milliseconds: u64) -> Self {
        Timestamp { milliseconds }
    }

    pub const fn from_seconds(seconds: u64) -> Self {
        Timestamp { milliseconds: seconds.saturating_mul(1000) }
    }

    /// `hours:minutes:seconds` of the poll day.
    pub const fn from_clock(hours: u64, minutes: u64, seconds: u64) -> Self {
        Self::from_seconds(hours * 3600 + minutes * 60 + seconds)
    }

    pub const fn milliseconds(self) -> u64 {
        self.milliseconds
    }

    /// Milliseconds from `earlier` to `self`, zero if `earlier` is later.
    pub const fn milliseconds_since(self, earlier: Timestamp) -> u64 {
        self.milliseconds.saturating_sub(earlier.milliseconds)
    }

    pub const fn plus_milliseconds(self, milliseconds: u64) -> Self {
        Timestamp { milliseconds: self.milliseconds.saturating_add(milliseconds) }
    }

    /// Hours, minutes and seconds on a 24-hour clock face, as the M2 shows
    /// the poll start and end times ("PST hh-mm-ss").
    pub const fn clock_face(self) -> (u8, u8, u8) {
        let seconds = self.milliseconds / 1000;
        (((seconds / 3600) % 24) as u8, ((seconds / 60) % 60) as u8, (seconds % 60) as u8)
    }
}

impl core::fmt::Display for Timestamp {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (hours, minutes, seconds) = self.clock_face();
        write!(formatter, "{hours:02}:{minutes:02}:{seconds:02}")
    }
}

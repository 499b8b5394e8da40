//! The control unit's display: what it shows, kept as a small value and turned
//! into the manual's texts only when somebody reads it.

use crate::time::Timestamp;
use crate::unit::memory::MemoryInconsistency;
use serde::{Deserialize, Serialize};

/// Longest display text, in bytes.
pub const DISPLAY_TEXT_CAPACITY: usize = 48;

/// What the display shows. Texts follow the M2/M3 manuals ("EVM IS READY",
/// "INVALID", "LINK ERROR", "BU NOT FOUND", "TOTAL 0123", "PST hh-mm-ss").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "display", rename_all = "snake_case")]
pub enum Display {
    /// Unit switched off.
    #[default]
    Off,
    /// Powered and waiting.
    Ready,
    /// `Cand Set` accepted: the number of contesting candidates.
    Candidates { candidates: u16 },
    /// A ballot is enabled (the `Busy` lamp is on).
    Busy,
    /// `Total` pressed: the total only.
    Total { total: u32 },
    /// `Close` pressed: poll start and end times and the total.
    Closed { poll_start: Option<Timestamp>, poll_end: Timestamp, total: u32 },
    /// `Result` pressed: the total (candidate figures are read with the readout).
    Result { total: u32 },
    /// `Clear` pressed: the memory is empty.
    Cleared,
    /// A press out of sequence.
    Invalid,
    /// Two units at one position, or a foreign unit.
    LinkError,
    /// A balloting unit the candidate set needs is missing.
    BallotingUnitNotFound,
    /// The attached units do not match the candidate set.
    IncorrectNumberOfBallotingUnits,
    /// The battery is low.
    ChangeBattery,
    /// The vote memory is full.
    MemoryFull,
    /// The case was opened: factory reset needed.
    FailSafe,
    /// A defective unit's `Total` showing candidate counts (seeded defect).
    TotalWithBreakdown { total: u32, first_candidate_votes: u32 },
    /// The memory does not add up: `MEMORY ERROR` and the inconsistency's
    /// code in capitals (at most 46 characters), whatever was pressed.
    MemoryError { inconsistency: MemoryInconsistency },
}

impl Display {
    /// The text on the panel.
    pub fn text(&self) -> DisplayText {
        use core::fmt::Write;
        let mut text = DisplayText::default();
        // Writes into the fixed buffer cannot fail: it truncates at capacity.
        let _ = match *self {
            Display::Off => Ok(()),
            Display::Ready => text.write_str("EVM IS READY"),
            Display::Candidates { candidates } => write!(text, "CANDIDATES {candidates:02}"),
            Display::Busy => text.write_str("BUSY"),
            Display::Total { total } => write!(text, "TOTAL {total:04}"),
            Display::Closed { poll_start, poll_end, total } => {
                let (end_hours, end_minutes, end_seconds) = poll_end.clock_face();
                match poll_start {
                    Some(start) => {
                        let (hours, minutes, seconds) = start.clock_face();
                        write!(text, "PST {hours:02}-{minutes:02}-{seconds:02} ")
                    }
                    None => text.write_str("PST --:--:-- "),
                }
                .and_then(|_| write!(text, "PET {end_hours:02}-{end_minutes:02}-{end_seconds:02} TOTAL {total:04}"))
            }
            Display::Result { total } => write!(text, "RESULT TOTAL {total:04}"),
            Display::Cleared => text.write_str("CLEARED TOTAL 0000"),
            Display::Invalid => text.write_str("INVALID"),
            Display::LinkError => text.write_str("LINK ERROR"),
            Display::BallotingUnitNotFound => text.write_str("BU NOT FOUND"),
            Display::IncorrectNumberOfBallotingUnits => text.write_str("INCORRECT NUMBER OF BU"),
            Display::ChangeBattery => text.write_str("CHANGE BATTERY"),
            Display::MemoryFull => text.write_str("MEMORY FULL"),
            Display::FailSafe => text.write_str("FAIL SAFE"),
            Display::TotalWithBreakdown { total, first_candidate_votes } => {
                write!(text, "TOTAL {total:04} CANDIDATE 01 {first_candidate_votes}")
            }
            Display::MemoryError { inconsistency } => text.write_str("MEMORY ERROR ").and_then(|_| {
                inconsistency.code().chars().try_for_each(|letter| text.write_char(letter.to_ascii_uppercase()))
            }),
        };
        text
    }
}

/// A display text in a fixed buffer: no allocation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DisplayText {
    bytes: [u8; DISPLAY_TEXT_CAPACITY],
    length: u8,
}

impl Default for DisplayText {
    fn default() -> Self {
        DisplayText { bytes: [b' '; DISPLAY_TEXT_CAPACITY], length: 0 }
    }
}

impl DisplayText {
    /// A display text from `text`: non-ASCII characters are dropped and the
    /// text is cut at [`DISPLAY_TEXT_CAPACITY`] bytes.
    pub fn from_text(text: &str) -> DisplayText {
        use core::fmt::Write;
        let mut display = DisplayText::default();
        let _ = display.write_str(text);
        display
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII is ever written (see `write_str`).
        core::str::from_utf8(&self.bytes[..self.length as usize]).unwrap_or("")
    }
}

impl core::fmt::Write for DisplayText {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        for byte in text.bytes().filter(u8::is_ascii) {
            if self.length as usize == DISPLAY_TEXT_CAPACITY {
                return Ok(());
            }
            self.bytes[self.length as usize] = byte;
            self.length += 1;
        }
        Ok(())
    }
}

impl core::fmt::Debug for DisplayText {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(formatter, "{:?}", self.as_str())
    }
}

impl core::fmt::Display for DisplayText {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

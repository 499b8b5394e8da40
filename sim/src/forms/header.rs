//! The headers the forms print: who and where (the station, the election),
//! which poll, and the figures a form names by the rules' words. The
//! station's papers use these types; the forms depend on nothing of the
//! station's.

pub use super::election::Election;
use serde::{Deserialize, Serialize};

/// The serial number of an elector in the part of the electoral roll
/// assigned to the polling station: 1-based, at most the electors assigned.
pub type ElectorNumber = u32;

/// Who and where: the header of every form of the station.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationIdentity {
    /// Which election the station serves; the forms' headings say it.
    #[serde(default, skip_serializing_if = "Election::is_municipal_ward")]
    pub election: Election,
    /// For a municipal ward: the municipality.
    pub municipality: String,
    /// For a municipal ward: the ward's number.
    pub ward: u16,
    /// The polling station's serial number (in the ward, or in the file it
    /// came from): unique among the stations counted together.
    pub number: u16,
    /// The station's number as published, when it is not just `number`
    /// (an auxiliary station "2A", "12-B"); the forms print it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub part_number: String,
    pub name: String,
    /// The date of poll as printed on the forms (e.g. "15-03-2026").
    pub date_of_poll: String,
}

impl StationIdentity {
    /// The station's number as the forms print it: the published part
    /// number, else the serial number.
    pub fn station_label(&self) -> String {
        if self.part_number.is_empty() {
            self.number.to_string()
        } else {
            self.part_number.clone()
        }
    }
}

/// Whether a poll is the original one or a fresh poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PollKind {
    Original,
    /// The `ordinal`-th fresh poll (s.62, s.63(2)(a)).
    Fresh {
        ordinal: u8,
    },
}

/// 39I(5): what becomes of the challenger's deposit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepositOutcome {
    /// Returned to the challenger at the conclusion of the inquiry.
    Returned,
    /// Forfeited to Government: the challenge was frivolous or not in good faith.
    Forfeited,
}

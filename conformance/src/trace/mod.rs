//! Poll-day traces: the versioned JSON Lines format of docs/TRACE_FORMAT.md,
//! parsed into typed lines. Every malformed line is an error naming the file,
//! the line, the field and what was expected; nothing here panics on input.

mod fields;
mod header;
mod parse;
mod station_lines;
mod verdict_file;
mod write;

pub use fields::{
    TraceError, MAX_CANDIDATES, MAX_ELECTORS_ASSIGNED, MAX_LINE_BYTES, MAX_PART_NUMBER_CHARS, MAX_TRACE_LINES,
};
pub use header::MAX_COMMON_MACHINE_STATIONS;
pub use parse::{parse_trace, parse_trace_file};
pub use station_lines::{COMMON_MACHINE_ACTIONS, COUNTING_EVENTS};
pub use verdict_file::{parse_expectation, ExpectedAccount, ExpectedVerdict};
pub use write::{format_time, write_trace};

use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{Defects, MachineProfile, StationAction, Timestamp};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The format version this harness reads and writes.
pub const TRACE_FORMAT_VERSION: u32 = 1;
/// The value of the header's `trace` field.
pub const TRACE_FORMAT_NAME: &str = "evm-poll-day";

/// A parsed trace: the header and its event lines, in order.
#[derive(Clone, Debug)]
pub struct Trace {
    /// Where it was read from (for messages and reports).
    pub path: PathBuf,
    pub header: Header,
    pub lines: Vec<TraceLine>,
}

/// The first line of a trace.
#[derive(Clone, Debug)]
pub struct Header {
    pub profile: MachineProfile,
    /// The header's `machine` sets the rate limit or its rule. When it does
    /// not, the target's own announced rule is the one replayed and judged
    /// (docs/TRACE_FORMAT.md section 2).
    pub rate_limit_given: bool,
    /// The election the station serves (a municipal ward unless the header
    /// says otherwise); the forms' headings follow it.
    pub election: evm_sim::Election,
    pub polling_station: PollingStationLabel,
    pub ward: Option<u32>,
    /// For the forms' headers; empty when not given.
    pub municipality: String,
    /// The date of poll as printed on the forms; empty when not given.
    pub date_of_poll: String,
    pub candidates: Vec<String>,
    pub electors_assigned: u32,
    pub defects: Defects,
    pub provenance: Provenance,
    /// Other polling stations in the same premises that the same machine
    /// serves (39C(4)); empty for a machine of one station.
    pub common_machine_stations: Vec<CommonMachineStation>,
}

/// A polling station served by the common machine besides the header's own
/// (39C(4)): its papers are kept apart, the machine's total is shared.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommonMachineStation {
    pub number: u32,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub part_number: String,
    pub electors_assigned: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollingStationLabel {
    pub number: u32,
    #[serde(default)]
    pub name: String,
    /// The station's number as published, when it is not just `number`:
    /// an auxiliary station "2A", "12-B" (at most 16 characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub part_number: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// Who or what wrote the trace: "hand-written", "evm-conformance gen", a recorder…
    pub source: String,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub description: String,
}

/// One event line: its line number in the file (1-based), its time, what happened.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceLine {
    pub line: usize,
    pub at: Timestamp,
    pub event: TraceEvent,
}

/// What a line says happened, or what must be observed.
#[derive(Clone, Debug, PartialEq)]
pub enum TraceEvent {
    /// A button, cable, seal, power or tamper action on the machine in use.
    Unit(Input),
    /// A press (`Input::PressButton`) with the power cut after it and before
    /// its beep: the machine either kept the vote or never recorded it; the
    /// enable is gone either way (`press` with `cut_before_beep`).
    PressCutBeforeBeep(Input),
    /// Observation point: what the machine must show now.
    Expect(Expectation),
    /// Observation point: the candidate-wise result the last `Result` must show.
    ExpectResult { counts: Vec<u32>, total: u32 },
    /// The machine set is replaced: the following unit events go to a new
    /// control unit (adjournment 39V, failure, fresh poll).
    NewMachine { reason: MachineChange },
    /// Noise on the serial link (serial targets only; in-process it is a no-op).
    LinkNoise { bytes: u32, seed: u64 },
    /// An officer's or elector's action at the polling station (rules
    /// 39C–39W), kept in the station's papers. `total_shown` is what the trace
    /// says the machine showed, for the actions that carry it; the harness
    /// reads the real figure from the machine and checks it against this one.
    ///
    /// `set_up` is how the machine was set up, on a `machine_installed`
    /// line (else `None`). `polling_station` names the station whose papers
    /// the action goes to when one machine serves several (39C(4)); `None`
    /// is the header's station, or every station for an action on the
    /// common machine.
    Station {
        action: StationAction,
        total_shown: Option<u32>,
        set_up: Option<Box<MachineSetUp>>,
        polling_station: Option<u32>,
    },
    /// The account as the presiding officer wrote it, and the counting of
    /// the station's machines (rules 39R, 61G–61P; docs/TRACE_FORMAT.md 3.6).
    /// Boxed: its names would make every line of a trace as large.
    Counting(Box<CountingEvent>),
}

/// What the papers say and the counting table does, after the poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum CountingEvent {
    /// 39R: Form 16C Part I items 2 to 6 as the presiding officer wrote
    /// them for the poll (or session) just closed. `item_6` is `"tallies"`
    /// or the discrepancy written (item 5 − (item 2 − item 3 − item 4)).
    AccountWritten { item_2: u32, item_3: u32, item_4: u32, item_5: u32, item_6: WrittenItemSix },
    /// 61G(1), the counting circular: the control unit is brought to a
    /// counting table in a round.
    MachineReceived { control_unit: String, round: u32, table: u32 },
    /// 61G(2): the paper seal found on the unit, by its serial number, and
    /// whether it is intact.
    SealInspected { control_unit: String, paper_seal: u32, intact: bool },
    /// 61G(4): the returning officer is satisfied the machine was tampered
    /// with: it is not counted; the station goes to a fresh poll (ss. 62–63).
    TamperFound { control_unit: String },
    /// 61H(2)(a): Part II of Form 16C as the counting supervisor wrote it
    /// from the display: one count per ballot entry (NOTA last) and the total.
    PartTwoWritten { control_unit: String, counts: Vec<u32>, total: u32 },
    /// The counting circular: the observer's staff note the counts of a
    /// control unit picked at random at the end of a round, independently.
    ObserverCheck { control_unit: String, counts: Vec<u32>, total: u32 },
    /// The result read again from the unit (`Result`).
    Recount { control_unit: String },
    /// 61N: the unit resealed with its memory kept, in a box with its particulars.
    MachineResealed { control_unit: String, r#box: BoxParticulars },
}

/// 39R: item 6 as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WrittenItemSix {
    /// `"tallies"`.
    Tallies(TalliesWord),
    /// The discrepancy written: item 5 − (item 2 − item 3 − item 4).
    Discrepancy(i64),
}

/// The word `"tallies"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TalliesWord {
    Tallies,
}

impl WrittenItemSix {
    /// The discrepancy it states (0 for "tallies").
    pub fn difference(self) -> i64 {
        match self {
            WrittenItemSix::Tallies(_) => 0,
            WrittenItemSix::Discrepancy(difference) => difference,
        }
    }
}

/// 61N(2): the particulars on the box of a resealed control unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxParticulars {
    /// (a) the constituency (ward or constituency as the forms name it).
    pub constituency: String,
    /// (b) the polling station or stations where the unit was used.
    pub polling_stations: Vec<u32>,
    /// (c) the serial number of the control unit.
    pub control_unit: String,
    /// (d) the date of poll.
    pub date_of_poll: String,
    /// (e) the date of counting.
    pub date_of_counting: String,
}

impl CountingEvent {
    /// The control unit the event concerns, if one.
    pub fn control_unit(&self) -> Option<&str> {
        match self {
            CountingEvent::AccountWritten { .. } => None,
            CountingEvent::MachineReceived { control_unit, .. }
            | CountingEvent::SealInspected { control_unit, .. }
            | CountingEvent::TamperFound { control_unit }
            | CountingEvent::PartTwoWritten { control_unit, .. }
            | CountingEvent::ObserverCheck { control_unit, .. }
            | CountingEvent::Recount { control_unit }
            | CountingEvent::MachineResealed { control_unit, .. } => Some(control_unit),
        }
    }
}

pub use evm_sim::station::MachineSetUp;

/// Why a new machine is taken into use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MachineChange {
    /// 39V: the adjourned poll uses a new machine; both are counted.
    Adjournment,
    /// A unit failed mid-poll: the set is replaced; both are counted.
    Failure,
    /// s.62/s.63: a fresh poll; the earlier machine is not counted.
    FreshPoll,
}

/// An observation point. Every field is optional; those given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The display text, exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// The total of votes recorded (as `Total` would show).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
    /// The previous unit event was refused with this code (`"closed"`), or
    /// accepted (`null` is not allowed: use `accepted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// The previous unit event was accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<bool>,
    /// Votes the previous unit event recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub votes_recorded: Option<u32>,
}

impl Header {
    /// The ballot entries: candidates, then NOTA where the profile has it.
    pub fn ballot_entries(&self) -> u16 {
        self.candidates.len() as u16 + u16::from(self.profile.none_of_the_above)
    }

    pub fn candidate_count(&self) -> u16 {
        self.candidates.len() as u16
    }

    /// The numbers of the stations the machine serves: the header's
    /// station first, then the common machine's others (39C(4)).
    pub fn station_numbers(&self) -> Vec<u32> {
        std::iter::once(self.polling_station.number)
            .chain(self.common_machine_stations.iter().map(|station| station.number))
            .collect()
    }
}

/// The button of ballot entry `entry` (1-based), for a trace's `press`.
pub(crate) fn button_of_entry(entry: u16) -> Option<ButtonAddress> {
    ButtonAddress::of_ballot_entry(entry)
}

#[cfg(test)]
mod size {
    /// A trace of two million lines is held in memory: a line stays small.
    #[test]
    fn a_trace_line_stays_small() {
        let size = std::mem::size_of::<super::TraceLine>();
        assert!(size <= 88, "TraceLine is {size} bytes");
    }
}

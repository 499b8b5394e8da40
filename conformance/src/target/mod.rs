//! Targets: what a trace is replayed against, and how the harness reaches
//! it. One typed specification names each ([`spec`]); the in-process
//! simulated unit ([`in_process`]); boards on the wire, real or simulated,
//! driven through the protocol of docs/PROTOCOL.md by the sans-IO
//! `evm_sim::protocol::host::HostConnection` over a thin pump ([`wire`])
//! and a byte pipe ([`transport`]: serial, TCP, and the fault-injecting
//! and capturing wrappers around any of them, [`capture`]); a simulated
//! board in a separate process ([`board_process`]).

pub mod between_poll_days;
pub mod board_process;
pub mod capture;
pub mod in_process;
pub mod link;
pub mod spec;
pub mod transport;
pub mod wire;

pub use in_process::{SimTarget, MAX_MACHINES_KEPT};
pub use spec::{TargetSpec, TargetSpecError};

pub use wire::WireTarget;

use evm_sim::display::{Display, DisplayText};
use evm_sim::unit::{Input, Lamps};
use evm_sim::{Defects, MachineProfile, Refusal, Timestamp};

/// What a person (or a harness on the wire) can observe after one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    pub refusal: Option<Refusal>,
    pub votes_recorded: u32,
    /// The unit disclosed a vote's candidate outside the compartment.
    pub candidate_disclosed: bool,
    pub display: ObservedDisplay,
    pub lamps: Lamps,
    /// What `Total` would show now.
    pub total: u32,
}

/// What the display showed after an input: the text a board sent, or the
/// in-process model's display, whose text is written only when a check
/// reads it (`Total` and observation points; most inputs need no text).
/// Two are equal when they show the same text, whichever way they came.
#[derive(Clone, Copy, Debug)]
pub enum ObservedDisplay {
    Text(DisplayText),
    Model(Display),
}

impl PartialEq for ObservedDisplay {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for ObservedDisplay {}

impl ObservedDisplay {
    /// The text on the panel.
    pub fn text(&self) -> DisplayText {
        match self {
            ObservedDisplay::Text(text) => *text,
            ObservedDisplay::Model(display) => display.text(),
        }
    }
}

/// The candidate-wise result after `Result`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readout {
    pub total: u32,
    pub counts: Vec<u32>,
}

/// A target that failed to answer (link down, garbage, wrong version).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("target {target}: {message}")]
pub struct TargetError {
    pub target: String,
    /// Who failed: the trace it stopped is `inconclusive`, never judged.
    pub cause: FailureCause,
    pub message: String,
}

/// Who failed when a trace could not be judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCause {
    /// The board answered what the protocol does not allow (an unexpected
    /// reply, another protocol version, a memory that could not be made
    /// durable).
    Board,
    /// Nothing came back: the link is down, or the port or connection failed.
    Link,
    /// The harness itself (a target used against its call contract, a
    /// simulated board that would not start).
    Harness,
}

impl FailureCause {
    pub const fn as_str(self) -> &'static str {
        match self {
            FailureCause::Board => "board",
            FailureCause::Link => "link",
            FailureCause::Harness => "harness",
        }
    }
}

impl TargetError {
    pub fn new(target: impl Into<String>, cause: FailureCause, message: impl Into<String>) -> TargetError {
        TargetError { target: target.into(), cause, message: message.into() }
    }
}

/// Which board ran a trace, and how: in every trace's JSON record.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BoardIdentity {
    /// The port as named (`serial:/dev/ttyUSB0@115200`, `tcp:lab:7433`).
    pub port: String,
    /// As its `HELLO_REPLY` gave it.
    pub serial_number: String,
    /// `test` (the harness starts each machine) or `field` (the board's
    /// own machine and clock).
    pub mode: BoardMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoardMode {
    Test,
    Field,
}

impl BoardMode {
    pub const fn as_str(self) -> &'static str {
        match self {
            BoardMode::Test => "test",
            BoardMode::Field => "field",
        }
    }
}

/// How traces run on a board without test mode (`run`, `certify`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldOptions {
    /// Real time one trace may take (`--real-time-budget`).
    pub real_time_budget: std::time::Duration,
    /// Traces that open the case run, last on their board, which they
    /// leave fail-safe (`--allow-fail-safe`); otherwise `not_applicable`.
    pub allow_fail_safe: bool,
    /// A masked run (`--masked`): people's pacing drawn from this seed
    /// instead of the fastest schedule (`replay::schedule::masked_schedule`).
    pub masked: Option<u64>,
}

impl Default for FieldOptions {
    fn default() -> Self {
        FieldOptions {
            real_time_budget: crate::replay::schedule::DEFAULT_REAL_TIME_BUDGET,
            allow_fail_safe: false,
            masked: None,
        }
    }
}

/// A voting machine the harness can drive.
///
/// Call contract: `start_machine` before the first `step` of a trace and at
/// each machine change; then `step` for each unit input; `result_readout`
/// after a `Result` the target accepted.
pub trait Target {
    /// A short name for reports ("sim", "serial:/dev/pts/3@115200").
    fn name(&self) -> String;
    /// Whether the target can be switched to carry seeded defects.
    fn can_carry_defects(&self) -> bool;
    /// Whether the target starts a machine of any profile on request (test
    /// mode); a field board is the one machine it is.
    fn offers_test_mode(&self) -> bool {
        true
    }
    /// Takes a new, switched-off machine into use (no unit attached).
    fn start_machine(&mut self, profile: MachineProfile, defects: Defects) -> Result<(), TargetError>;
    fn step(&mut self, now: Timestamp, input: Input) -> Result<Observation, TargetError>;
    /// The result, if `Result` has been accepted and the unit shows it.
    fn result_readout(&mut self) -> Result<Option<Readout>, TargetError>;
    /// The profile the target announced of itself (a board's `HELLO_REPLY`),
    /// if it announces one. A trace that does not set the rate limit is
    /// replayed and judged with the rate rule announced here.
    fn announced_profile(&self) -> Option<MachineProfile> {
        None
    }
    /// Injects faults on the link (frames dropped, corrupted) from `seed`;
    /// `false` for a target without a link (in process).
    fn inject_link_faults(&mut self, _rates: evm_sim::protocol::faults::FaultRates, _seed: u64) -> bool {
        false
    }
    /// How traces run in field mode (a target without test mode, paced by
    /// its own clock).
    fn field_options(&self) -> FieldOptions {
        FieldOptions::default()
    }
    /// Sets [`field_options`](Target::field_options); ignored by a target
    /// with test mode.
    fn set_field_options(&mut self, _options: FieldOptions) {}
    /// Requests resent so far (after a timeout or a corrupt frame).
    fn retransmissions(&self) -> u64 {
        0
    }
    /// Drives a board that offers test mode as a field board (no test-mode
    /// message, its one machine, real time) while `on`; `false` for a
    /// target that cannot (in process: no clock of its own).
    fn force_field_mode(&mut self, _on: bool) -> bool {
        false
    }
    /// The board behind a wire; `None` in process.
    fn identity(&self) -> Option<BoardIdentity> {
        None
    }
    /// A new trace begins: machines of earlier traces are gone.
    fn start_trace(&mut self) {}
    /// Takes back into use the machine started `index`-th (0-based) since
    /// the trace began, as the counting table takes up a control unit that
    /// left use earlier (a failed set, the machine of the poll before an
    /// adjournment). `Ok(false)`: the target keeps one machine only (a board
    /// is one control unit), so such a trace is not applicable to it.
    fn resume_machine(&mut self, _index: usize) -> Result<bool, TargetError> {
        Ok(false)
    }
    /// Noise on the link; a no-op for targets without one.
    fn link_noise(&mut self, _bytes: u32, _seed: u64) -> Result<(), TargetError> {
        Ok(())
    }

    /// Records every frame of the wire to `path` (pcap, docs/PROTOCOL.md
    /// section 7); an error for targets without a wire.
    fn capture_to(&mut self, path: &std::path::Path) -> Result<(), TargetError> {
        Err(TargetError {
            target: self.name(),
            cause: FailureCause::Harness,
            message: format!("no wire to capture to {}: only serial, tcp and sim-pty targets have one", path.display()),
        })
    }
}

/// An input in the trace format's own words (its JSON line's fields), for
/// messages a person reads: never Rust's `Debug`.
pub fn input_in_words(input: Input) -> String {
    serde_json::to_string(&input).unwrap_or_else(|_| "an input".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A board's text and the model's display showing it are the same
    /// display; another text is not.
    #[test]
    fn displays_are_equal_by_what_they_show() {
        let model = ObservedDisplay::Model(Display::Total { total: 7 });
        assert_eq!(model, ObservedDisplay::Text(DisplayText::from_text("TOTAL 0007")));
        assert_ne!(model, ObservedDisplay::Text(DisplayText::from_text("TOTAL 0008")));
        assert_ne!(model, ObservedDisplay::Model(Display::Busy));
    }
}

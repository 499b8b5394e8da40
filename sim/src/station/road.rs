//! The one road from a station action to the machine: which inputs each
//! action presses on the control unit, in which order, which of the
//! machine's figures the papers record, and which facts of the machine
//! (a vote recorded, an enable cancelled) the papers hear of.
//!
//! Written once, for every driver: [`PollDay`](super::PollDay) drives the
//! in-process [`ControlUnit`] through it, and the conformance replay drives
//! a target and its reference model together through it. A driver supplies
//! a [`StationPort`]: the machine (press an input, observe the reaction)
//! and the papers (record an action).

use super::StationAction;
use crate::profile::{MachineProfile, MAX_VOTE_CAPACITY};
use crate::rule::Refusal;
use crate::time::Timestamp;
use crate::unit::{ButtonAddress, CancelCause, ControlUnit, Event, Input, Reaction};
use serde::{Deserialize, Serialize};

/// Time between two mock-poll votes: 13 s keeps under a five-a-minute limit.
pub const MOCK_POLL_SPACING_MILLISECONDS: u64 = 13_000;

/// What one press did, as the officer at the machine sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pressed {
    pub refusal: Option<Refusal>,
    /// Votes the press recorded (0 or 1 on a conforming unit).
    pub votes_recorded: u32,
    /// The total the display showed after the press (`Total`, `Close`),
    /// if it showed one.
    pub total_shown: Option<u32>,
    /// A pending enable was cancelled without a vote by anything but
    /// `Close` (a power cut, a detached unit…): the elector may be given
    /// `Ballot` again. The close's cancellation is the close action itself.
    pub enable_cancelled: bool,
    /// The press cleared the memory (`Clear` accepted).
    pub cleared: bool,
}

impl Pressed {
    /// What the unit model's `reaction` to `input` shows the officer.
    pub fn of_reaction(reaction: &Reaction) -> Pressed {
        let total_shown = reaction.events.iter().find_map(|event| match event {
            Event::TotalShown { total } | Event::Closed { total } => Some(total),
            _ => None,
        });
        Pressed {
            refusal: reaction.refusal,
            votes_recorded: reaction.votes_recorded(),
            total_shown,
            enable_cancelled: reaction
                .events
                .iter()
                .any(|event| matches!(event, Event::BallotCancelled { cause } if cause != CancelCause::Close)),
            cleared: reaction.events.contains(Event::Cleared),
        }
    }
}

/// A control unit as the officers operate it: one input at a time.
pub trait MachinePort {
    type Error;
    /// Presses `input` at `now` and reports what the machine did.
    fn press(&mut self, now: Timestamp, input: Input) -> Result<Pressed, Self::Error>;
    /// Whether the unit is switched on.
    fn is_powered(&self) -> bool;
    /// The positions (1 to [`MAX_BALLOTING_UNITS`](crate::profile::MAX_BALLOTING_UNITS))
    /// of the balloting units attached, ascending.
    fn attached_positions(&self) -> Vec<u8>;
    /// The total the unit holds, as last seen (a failed set cannot show it:
    /// it is what counting reads from the control unit, 61H).
    fn total(&self) -> u32;
}

impl MachinePort for ControlUnit {
    type Error = std::convert::Infallible;

    fn press(&mut self, now: Timestamp, input: Input) -> Result<Pressed, Self::Error> {
        Ok(Pressed::of_reaction(&self.step(now, input)))
    }

    fn is_powered(&self) -> bool {
        ControlUnit::is_powered(self)
    }

    fn attached_positions(&self) -> Vec<u8> {
        ControlUnit::attached_positions(self)
    }

    fn total(&self) -> u32 {
        ControlUnit::total(self)
    }
}

/// The machine and the papers of a station, as one driver holds them.
pub trait StationPort: MachinePort {
    /// Records `action` in the papers. Called before the machine is
    /// touched for actions whose figures are not read from the machine
    /// (`ballot_pressed`, `paper_seal_fixed`…), after it for those whose
    /// figures are (`poll_opened`, the closes, `mock_poll_held`), with the
    /// machine's figures filled in; and for each fact of the machine
    /// ([`StationAction::VoteRecorded`], [`StationAction::EnableCancelled`]).
    fn record(&mut self, now: Timestamp, action: &StationAction) -> Result<(), Self::Error>;
    /// Called before the machine is touched for an action whose figures
    /// are read from it: a driver that must not press what the papers will
    /// refuse checks here (the default admits everything).
    fn admit(&mut self, _now: Timestamp, _action: &StationAction) -> Result<(), Self::Error> {
        Ok(())
    }
    /// The display showed no total where the action needs one (`Total`
    /// refused when the poll opens): the driver's error, or the figure it
    /// writes instead.
    fn no_total_shown(&mut self, input: Input, pressed: Pressed) -> Result<u32, Self::Error>;
}

/// How a machine was set up at `machine_installed` (docs/TRACE_FORMAT.md
/// section 3.3): what a trace may say beyond "as the rules say".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineSetUp {
    /// The balloting units' positions (their slide switches), in the order
    /// their cables were connected; `None`: positions 1…k for the
    /// candidates, in order. A miscabled set (a unit missing, a switch set
    /// twice) shows at `Cand Set`.
    pub balloting_units: Option<Vec<u8>>,
    /// Whether the candidate set section was closed and sealed after
    /// `Cand Set` (39B(4)(b)).
    pub candidate_set_section_sealed: bool,
}

impl Default for MachineSetUp {
    fn default() -> Self {
        MachineSetUp { balloting_units: None, candidate_set_section_sealed: true }
    }
}

/// What a poll day needs to know of the ballot to drive the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ballot {
    pub candidates: u16,
    /// Balloting units needed for the candidates (and NOTA).
    pub balloting_units: u8,
    /// Buttons a mock poll cycles over: the candidates and NOTA.
    pub ballot_entries: u16,
}

impl Ballot {
    /// The ballot of `candidates` candidates on a machine of `profile`.
    pub const fn new(profile: &MachineProfile, candidates: u16) -> Ballot {
        Ballot {
            candidates,
            balloting_units: profile.balloting_units_for(candidates),
            ballot_entries: profile.ballot_buttons_for(candidates),
        }
    }
}

/// Whether [`act`] presses anything on the machine for `action` (else it
/// only records it).
pub fn touches_the_machine(action: &StationAction) -> bool {
    match action {
        StationAction::DecidedNotToVote { cancelled_enable, .. }
        | StationAction::NotAllowedToVote { cancelled_enable, .. } => *cancelled_enable,
        StationAction::MachineInstalled { .. }
        | StationAction::MockPollHeld { .. }
        | StationAction::PaperSealFixed { .. }
        | StationAction::PollOpened { .. }
        | StationAction::BallotPressed { .. }
        | StationAction::PollClosed { .. }
        | StationAction::BoothCaptured { .. }
        | StationAction::PollAdjourned { .. }
        | StationAction::MachineFailed { .. } => true,
        _ => false,
    }
}

/// Presses `input` and tells the papers the machine's facts: each vote it
/// recorded, and an enable it cancelled without a vote.
#[inline]
pub fn press<P: StationPort>(port: &mut P, now: Timestamp, input: Input) -> Result<Pressed, P::Error> {
    let pressed = port.press(now, input)?;
    for _ in 0..pressed.votes_recorded {
        port.record(now, &StationAction::VoteRecorded {})?;
    }
    if pressed.enable_cancelled {
        port.record(now, &StationAction::EnableCancelled {})?;
    }
    Ok(pressed)
}

/// A new machine made ready for the ballot: balloting units attached (the
/// positions `set_up` names in their cable order, else 1…k), switched on,
/// `Cand Set`, and the candidate set section sealed unless `set_up` says
/// it was not (39B(4)(b)). A miscabled set shows as `Cand Set` refused.
/// Returns every refusal met.
pub fn set_up<M: MachinePort>(
    machine: &mut M,
    now: Timestamp,
    ballot: Ballot,
    set_up: &MachineSetUp,
) -> Result<Vec<(Input, Refusal)>, M::Error> {
    let positions = set_up.balloting_units.clone().unwrap_or_else(|| (1..=ballot.balloting_units).collect());
    let mut inputs: Vec<Input> =
        positions.into_iter().map(|position| Input::AttachBallotingUnit { position }).collect();
    inputs.extend([Input::PowerOn { held_button: None }, Input::CandSet { candidates: ballot.candidates }]);
    if set_up.candidate_set_section_sealed {
        inputs.push(Input::SealCandidateSetSection);
    }
    let mut refusals = Vec::new();
    for input in inputs {
        if let Some(refusal) = machine.press(now, input)?.refusal {
            refusals.push((input, refusal));
        }
    }
    Ok(refusals)
}

/// Applies one station action: the papers, and the machine where the
/// action touches it. Returns the action as recorded, with the machine's
/// figures filled in (`total_shown`, the mock poll's votes and clearing).
///
/// `machine_installed` records the machine and sets it up with `set_up`
/// (the driver has put a new machine in place first; the replay takes this
/// arm, so a set-up the target refuses is judged after the papers record
/// the installation). [`PollDay`](super::PollDay) instead calls [`set_up`]
/// on the new unit first and records the installation only when no input
/// was refused, so that a step it refuses changes nothing. Every other action:
///
/// | action | on the machine |
/// |---|---|
/// | `mock_poll_held` | `Ballot` + a button per vote, cycling over the ballot entries, 13 s apart; with `cleared`, `Close`, `Result`, `Clear` |
/// | `paper_seal_fixed` | the result section's seal fixed |
/// | `poll_opened` | `Total`; the total shown is recorded |
/// | `ballot_pressed` | `Ballot` |
/// | a refusal with `cancelled_enable` | switched off and on (practice) |
/// | `poll_closed`, `booth_captured`, `poll_adjourned` | switched on if off, `Close`, every balloting unit detached; the total shown at `Close` is recorded |
/// | `machine_failed` | its total read, switched off |
pub fn act<P: StationPort>(
    port: &mut P,
    now: Timestamp,
    action: &StationAction,
    ballot: Ballot,
    machine_set_up: &MachineSetUp,
) -> Result<StationAction, P::Error> {
    let recorded = match action {
        StationAction::MachineInstalled { .. } => {
            port.record(now, action)?;
            set_up(port, now, ballot, machine_set_up)?;
            return Ok(action.clone());
        }
        StationAction::MockPollHeld { votes, cleared } => {
            port.admit(now, action)?;
            mock_poll(port, now, *votes, *cleared, ballot)?
        }
        StationAction::PaperSealFixed { .. } => {
            port.record(now, action)?;
            press(port, now, Input::FixResultSeal)?;
            return Ok(action.clone());
        }
        StationAction::PollOpened { .. } => {
            port.admit(now, action)?;
            let pressed = press(port, now, Input::Total)?;
            let total_shown = match pressed.total_shown {
                Some(total) => total,
                None => port.no_total_shown(Input::Total, pressed)?,
            };
            StationAction::PollOpened { total_shown }
        }
        StationAction::BallotPressed { .. } => {
            port.record(now, action)?;
            press(port, now, Input::Ballot)?;
            return Ok(action.clone());
        }
        StationAction::DecidedNotToVote { cancelled_enable, .. }
        | StationAction::NotAllowedToVote { cancelled_enable, .. } => {
            port.record(now, action)?;
            if *cancelled_enable {
                // Practice: switching the unit off and on cancels the enable.
                press(port, now, Input::PowerOff)?;
                press(port, now, Input::PowerOn { held_button: None })?;
            }
            return Ok(action.clone());
        }
        StationAction::PollClosed { .. }
        | StationAction::BoothCaptured { .. }
        | StationAction::PollAdjourned { .. } => {
            port.admit(now, action)?;
            let total_shown = close_and_detach(port, now)?;
            match action {
                StationAction::PollClosed { .. } => StationAction::PollClosed { total_shown },
                StationAction::BoothCaptured { .. } => StationAction::BoothCaptured { total_shown },
                _ => StationAction::PollAdjourned { total_shown },
            }
        }
        StationAction::MachineFailed { .. } => {
            port.admit(now, action)?;
            let total_shown = port.total();
            if port.is_powered() {
                press(port, now, Input::PowerOff)?;
            }
            StationAction::MachineFailed { total_shown }
        }
        other => other.clone(),
    };
    port.record(now, &recorded)?;
    Ok(recorded)
}

/// `Close` (switched on first if it is off), then every balloting unit
/// detached (39S, 39W). Returns the total shown at `Close`.
fn close_and_detach<P: StationPort>(port: &mut P, now: Timestamp) -> Result<u32, P::Error> {
    if !port.is_powered() {
        press(port, now, Input::PowerOn { held_button: None })?;
    }
    let pressed = press(port, now, Input::Close)?;
    let total_shown = pressed.total_shown.unwrap_or_else(|| port.total());
    for position in port.attached_positions() {
        press(port, now, Input::DetachBallotingUnit { position })?;
    }
    Ok(total_shown)
}

/// *(practice)* A mock poll of `votes` votes (at most the machine's
/// capacity) cycling over the ballot entries, one every
/// [`MOCK_POLL_SPACING_MILLISECONDS`] from `now`; with `cleared`, `Close`,
/// `Result`, `Clear` follow. The papers hear of the mock poll as one action
/// carrying the votes the machine recorded, never vote by vote.
fn mock_poll<M: MachinePort>(
    machine: &mut M,
    now: Timestamp,
    votes: u32,
    cleared: bool,
    ballot: Ballot,
) -> Result<StationAction, M::Error> {
    let entries = u32::from(ballot.ballot_entries).max(1);
    let mut recorded = 0;
    let mut at = now;
    for vote in 0..votes.min(MAX_VOTE_CAPACITY) {
        at = now.plus_milliseconds(u64::from(vote) * MOCK_POLL_SPACING_MILLISECONDS);
        let entry = u16::try_from(vote % entries).unwrap_or(0) + 1;
        let address = ButtonAddress::of_ballot_entry(entry).unwrap_or(ButtonAddress { balloting_unit: 1, button: 1 });
        machine.press(at, Input::Ballot)?;
        recorded += machine.press(at, Input::PressButton { address })?.votes_recorded;
    }
    let mut cleared_on_machine = false;
    if cleared {
        for input in [Input::Close, Input::Result, Input::Clear] {
            cleared_on_machine = machine.press(at, input)?.cleared;
        }
    }
    Ok(StationAction::MockPollHeld { votes: recorded, cleared: cleared_on_machine })
}

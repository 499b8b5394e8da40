//! The control unit with its balloting units, as a pure state machine.

use crate::prelude::*;
mod inputs;
pub(crate) mod memory;
mod rate;
pub(crate) mod vocabulary;

pub use memory::{MemoryInconsistency, RetainedState, VoteMemory};
pub use vocabulary::{
    ButtonAddress, CancelCause, Event, Events, Input, Lamps, Reaction, ResultReadout, ResultSeal, MAX_EVENTS_PER_INPUT,
};

use crate::defects::{Defect, Defects};
use crate::display::Display;
use crate::profile::{MachineProfile, MAX_BALLOTING_UNITS};

// Attached positions are kept as the bits of a u32.
const _: () = assert!(MAX_BALLOTING_UNITS as u32 <= u32::BITS);
use crate::rule::Refusal;
use crate::time::Timestamp;
use rate::RateWindow;

/// Battery level at or below which the display asks for a new battery.
pub const LOW_BATTERY_PERCENT: u8 = 10;

/// A control unit with its balloting units.
///
/// # Call contract
///
/// - Build it with [`ControlUnit::new`] (switched off, nothing attached) or
///   [`ControlUnit::with_defects`] for a seeded-defect unit.
/// - Feed every input with [`ControlUnit::step`]`(now, input)`. `now` comes
///   from the caller and should not go backwards (the model tolerates it: a
///   backwards clock only makes the rate limit stricter). The model never reads
///   a clock nor touches a descriptor.
/// - Read what a person could see with [`display`](ControlUnit::display) and
///   [`lamps`](ControlUnit::lamps). Candidate-wise figures are only reachable
///   through [`result_readout`](ControlUnit::result_readout), after `Close` and
///   `Result` with the seal broken (39E(5), 61H).
/// - A refused input changes nothing but the display, and says why with a
///   [`Refusal`] that names the rule.
///
/// The state is fixed-size; no input allocates.
#[derive(Clone, Debug)]
pub struct ControlUnit {
    profile: MachineProfile,
    defects: Defects,
    powered: bool,
    fail_safe: bool,
    battery_percent: u8,
    /// Contesting candidates set with `Cand Set`; 0 while not set.
    candidates: u16,
    candidate_set_sealed: bool,
    /// Bit `p - 1` set when a balloting unit is attached at position `p`.
    attached_positions: u32,
    result_seal: ResultSeal,
    ballot_enabled: bool,
    closed: bool,
    result_shown: bool,
    poll_start: Option<Timestamp>,
    poll_end: Option<Timestamp>,
    display: Display,
    rate_window: RateWindow,
    memory: VoteMemory,
    /// Set when the retained state loaded into this unit does not add up
    /// (a genuine image written by a faulty unit): no further votes, the
    /// memory kept as it is, the fault on the display.
    memory_inconsistency: Option<MemoryInconsistency>,
    /// Restarted from retained memory with something still to handle: the
    /// vote-rate window's lost times (at the first input) or the memory
    /// fault (for good). Keeps the common path to one check.
    after_restart: bool,
}

impl ControlUnit {
    /// A conforming unit of `profile`, switched off, no balloting unit attached.
    pub fn new(profile: MachineProfile) -> Self {
        Self::with_defects(profile, Defects::NONE)
    }

    /// A unit carrying seeded defects (see [`Defect`]).
    pub fn with_defects(profile: MachineProfile, defects: Defects) -> Self {
        ControlUnit {
            profile,
            defects,
            powered: false,
            fail_safe: false,
            battery_percent: 100,
            candidates: 0,
            candidate_set_sealed: false,
            attached_positions: 0,
            result_seal: ResultSeal::NotFixed,
            ballot_enabled: false,
            closed: false,
            result_shown: false,
            poll_start: None,
            poll_end: None,
            display: Display::Off,
            rate_window: RateWindow::default(),
            memory: VoteMemory::default(),
            memory_inconsistency: None,
            after_restart: false,
        }
    }

    /// A unit of `profile` restarted from what an earlier unit retained
    /// (RETAIN): switched off, no balloting unit attached, no ballot enabled
    /// (a pending enable does not survive a restart), a full battery. The
    /// counts, seals and life-cycle are those of `state`. The times in the
    /// vote-rate window were lost with the RAM: the window counts the last
    /// votes in memory as cast at the unit's first input after the restart
    /// (the rule is written once, in `unit/rate.rs`). A state that does not
    /// add up puts the unit in the memory-fault state
    /// ([`memory_inconsistency`](Self::memory_inconsistency)).
    pub fn restart_from(profile: MachineProfile, defects: Defects, state: &RetainedState) -> Self {
        let mut unit = Self::with_defects(profile, defects);
        unit.load_retained_state(state);
        unit.memory_inconsistency = state.inconsistency(&profile);
        unit.rate_window.lose_times(state.total());
        unit.after_restart = true;
        unit
    }

    /// Stops the unit after its memory failed to make an input durable, as
    /// a power cut would: the retained state goes back to `durable` (the
    /// last state made durable), the unit is switched off, a pending enable
    /// is gone. Nothing that was not made durable stays counted.
    pub fn stop_after_memory_fault(&mut self, durable: &RetainedState) {
        self.load_retained_state(durable);
        self.powered = false;
        self.ballot_enabled = false;
        self.display = Display::Off;
    }

    /// What this unit keeps through a power cut (see [`RetainedState`]).
    pub fn retained_state(&self) -> RetainedState {
        RetainedState {
            candidates: self.candidates,
            candidate_set_sealed: self.candidate_set_sealed,
            result_seal: self.result_seal,
            closed: self.closed,
            result_shown: self.result_shown,
            fail_safe: self.fail_safe,
            poll_start: self.poll_start,
            poll_end: self.poll_end,
            memory: self.memory.clone(),
        }
    }

    /// Replaces what this unit retains with `state`, leaving what it holds
    /// only while powered (power, attached units, a pending enable, the rate
    /// window, the display) as it is. Used by a memory backend that reads
    /// its memory back from an image after every input.
    pub fn load_retained_state(&mut self, state: &RetainedState) {
        self.candidates = state.candidates;
        self.candidate_set_sealed = state.candidate_set_sealed;
        self.result_seal = state.result_seal;
        self.closed = state.closed;
        self.result_shown = state.result_shown;
        self.fail_safe = state.fail_safe;
        self.poll_start = state.poll_start;
        self.poll_end = state.poll_end;
        self.memory.clone_from(&state.memory);
    }

    pub fn profile(&self) -> &MachineProfile {
        &self.profile
    }

    pub fn defects(&self) -> Defects {
        self.defects
    }

    pub fn display(&self) -> Display {
        self.display
    }

    pub fn lamps(&self) -> Lamps {
        Lamps {
            on: self.powered,
            busy: self.powered && self.ballot_enabled,
            ready: self.powered && self.ballot_enabled && self.balloting_units_match(),
        }
    }

    pub fn is_powered(&self) -> bool {
        self.powered
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    pub fn is_fail_safe(&self) -> bool {
        self.fail_safe
    }

    /// Why the retained state this unit was restarted from does not add up,
    /// if it does not: the memory-fault state. The unit then records no vote,
    /// changes no candidate set and erases nothing (`Cand Set`, sealing the
    /// candidate set section, `Ballot`, candidate presses and `Clear` are
    /// refused with [`Refusal::MemoryInconsistent`]); `Total`, `Close`,
    /// `Result`, the seals, power and cables work as usual, so the memory can
    /// be read at counting with the inconsistency in view; the display shows
    /// `MEMORY ERROR` and the code while powered.
    pub fn memory_inconsistency(&self) -> Option<MemoryInconsistency> {
        self.memory_inconsistency
    }

    pub fn ballot_enabled(&self) -> bool {
        self.ballot_enabled
    }

    pub fn result_seal(&self) -> ResultSeal {
        self.result_seal
    }

    /// Contesting candidates set, 0 while not set.
    pub fn candidates(&self) -> u16 {
        self.candidates
    }

    pub fn candidate_set_sealed(&self) -> bool {
        self.candidate_set_sealed
    }

    /// Ballot buttons in use: candidates, plus NOTA where the profile has it.
    pub fn ballot_buttons(&self) -> u16 {
        if self.candidates == 0 {
            0
        } else {
            self.profile.ballot_buttons_for(self.candidates)
        }
    }

    /// The positions (1 to [`MAX_BALLOTING_UNITS`]) with a balloting unit
    /// attached, ascending.
    pub fn attached_positions(&self) -> Vec<u8> {
        (1..=MAX_BALLOTING_UNITS).filter(|position| self.attached_positions & (1 << (position - 1)) != 0).collect()
    }

    pub fn poll_start(&self) -> Option<Timestamp> {
        self.poll_start
    }

    pub fn poll_end(&self) -> Option<Timestamp> {
        self.poll_end
    }

    /// What `Total` would show: the total of votes recorded, never a
    /// candidate breakdown.
    pub fn total(&self) -> u32 {
        self.memory.total()
    }

    /// Sum of all per-button counters. Equal to [`total`](Self::total) in a
    /// conforming unit (PART-II); reveals no candidate-wise figure.
    pub fn counts_sum(&self) -> u64 {
        self.memory.counts_sum()
    }

    /// The candidate-wise result, reachable only while the unit shows it:
    /// powered, not fail-safe, and after `Result` was pressed (which needs
    /// `Close` and the paper seal not intact). The checks run in that order.
    /// A unit in the memory-fault state gives its counters as stored, sum
    /// and total disagreeing as they do.
    pub fn result_readout(&self) -> Result<ResultReadout<'_>, Refusal> {
        if !self.powered {
            return Err(Refusal::PoweredOff);
        }
        if self.fail_safe {
            return Err(Refusal::FailSafe);
        }
        if !self.result_shown {
            return Err(if self.closed { Refusal::ResultSealIntact } else { Refusal::ResultBeforeClose });
        }
        // A conforming unit never shows a result under an intact seal (fixing
        // one closes the section); a memory restarted that way must not
        // disclose it either. Only the seeded defect shows it.
        if self.result_seal == ResultSeal::Intact && !self.defects.contains(Defect::ResultWhileSealed) {
            return Err(Refusal::ResultSealIntact);
        }
        let counts = self.memory.counts(usize::from(self.ballot_buttons()));
        if self.defects.is_empty() && self.memory_inconsistency.is_none() {
            // Second path of the PART-II invariant (the first is `record_vote`).
            assert_eq!(
                counts.iter().map(|&count| u64::from(count)).sum::<u64>(),
                u64::from(self.memory.total()),
                "sum of candidate counts differs from the total"
            );
        }
        Ok(ResultReadout { total: self.memory.total(), counts })
    }

    /// Feeds one input at time `now` and says what the unit did.
    pub fn step(&mut self, now: Timestamp, input: Input) -> Reaction {
        if self.after_restart {
            return self.step_after_restart(now, input);
        }
        let reaction = self.react(now, input);
        if let Some(refusal) = reaction.refusal {
            self.show_refusal(refusal);
        }
        reaction
    }

    /// An input to a unit restarted from retained memory: the first one
    /// places the votes whose times the restart lost (`unit/rate.rs`); a unit
    /// in the memory-fault state stays here, refusing whatever would change
    /// its memory and showing the fault whatever was pressed.
    #[cold]
    fn step_after_restart(&mut self, now: Timestamp, input: Input) -> Reaction {
        self.rate_window.settle(now);
        let Some(inconsistency) = self.memory_inconsistency else {
            self.after_restart = false;
            return self.step(now, input);
        };
        let changes_the_memory = matches!(
            input,
            Input::CandSet { .. }
                | Input::SealCandidateSetSection
                | Input::Ballot
                | Input::PressButton { .. }
                | Input::PressTwoButtons { .. }
                | Input::Clear
        );
        // Those inputs need power: off or fail-safe, `react` refuses them first.
        let reaction = if changes_the_memory && self.powered && !self.fail_safe {
            Reaction::refused(Refusal::MemoryInconsistent)
        } else {
            self.react(now, input)
        };
        if let Some(refusal) = reaction.refusal {
            self.show_refusal(refusal);
        }
        // The fault stays on the panel whatever was pressed: every reply that
        // carries the display names it.
        if self.powered && !self.fail_safe {
            self.display = Display::MemoryError { inconsistency };
        }
        reaction
    }

    fn react(&mut self, now: Timestamp, input: Input) -> Reaction {
        // Physical actions that need no power.
        match input {
            Input::FixResultSeal => return self.fix_result_seal(),
            Input::BreakResultSeal => return self.break_result_seal(),
            Input::AttachBallotingUnit { position } => return self.attach(position),
            Input::DetachBallotingUnit { position } => return self.detach(position),
            Input::PowerOn { held_button } => return self.power_on(held_button),
            Input::PowerOff => return self.power_off(),
            Input::BatteryLevel { percent } => return self.battery_level(percent),
            Input::OpenCase => return self.open_case(),
            _ => {}
        }
        if !self.powered {
            return Reaction::refused(Refusal::PoweredOff);
        }
        if self.fail_safe {
            return Reaction::refused(Refusal::FailSafe);
        }
        match input {
            Input::CandSet { candidates } => self.cand_set(candidates),
            Input::SealCandidateSetSection => self.seal_candidate_set_section(),
            Input::Ballot => self.ballot(now),
            Input::Total => self.show_total(),
            Input::Close => self.close(now),
            Input::Result => self.result(),
            Input::Clear => self.clear(),
            Input::FirstLevelCheck => self.first_level_check(),
            Input::PressButton { address } => self.press(now, address, None),
            Input::PressTwoButtons { first, second } => self.press(now, first, Some(second)),
            Input::FixResultSeal
            | Input::BreakResultSeal
            | Input::AttachBallotingUnit { .. }
            | Input::DetachBallotingUnit { .. }
            | Input::PowerOn { .. }
            | Input::PowerOff
            | Input::BatteryLevel { .. }
            | Input::OpenCase => unreachable!("handled above"),
        }
    }

    fn show_refusal(&mut self, refusal: Refusal) {
        self.display = match refusal {
            Refusal::PoweredOff => Display::Off,
            Refusal::FailSafe => Display::FailSafe,
            Refusal::PositionTaken { .. } => Display::LinkError,
            Refusal::BallotingUnitNotAttached { .. } | Refusal::CandidatesExceedAttachedUnits { .. } => {
                if self.powered {
                    Display::BallotingUnitNotFound
                } else {
                    Display::Off
                }
            }
            Refusal::BallotingUnitSetMismatch => Display::IncorrectNumberOfBallotingUnits,
            Refusal::MemoryFull { .. } => Display::MemoryFull,
            // A seal refused while the unit is off leaves the panel dark.
            _ if !self.powered => Display::Off,
            // Refusals of the balloting unit leave the control unit's panel as it was.
            Refusal::BallotNotEnabled | Refusal::MaskedButton { .. } | Refusal::TwoButtonsAtOnce => self.display,
            _ => Display::Invalid,
        };
    }

    fn idle_display(&self) -> Display {
        if self.battery_percent <= LOW_BATTERY_PERCENT {
            Display::ChangeBattery
        } else {
            Display::Ready
        }
    }

    fn position_bit(&self, position: u8) -> Result<u32, Refusal> {
        if position == 0 || position > self.profile.balloting_units_max {
            return Err(Refusal::PositionOutOfRange { position });
        }
        Ok(1 << (position - 1))
    }

    /// Positions 1 to `needed` attached, as the candidate set requires.
    fn required_positions(&self, candidates: u16) -> u32 {
        let needed = u32::from(self.profile.balloting_units_for(candidates));
        if needed >= u32::BITS {
            u32::MAX
        } else {
            (1u32 << needed) - 1
        }
    }

    fn balloting_units_match(&self) -> bool {
        self.candidates != 0 && self.attached_positions == self.required_positions(self.candidates)
    }

    /// Cancels a pending enable without a vote, unless a seeded defect keeps it.
    fn cancel_enable(&mut self, cause: CancelCause, events: &mut Events) {
        if !self.ballot_enabled {
            return;
        }
        let kept = match cause {
            CancelCause::Close => self.defects.contains(Defect::CloseKeepsBallotEnabled),
            CancelCause::PowerOff | CancelCause::Detach => self.defects.contains(Defect::EnableSurvivesPowerCycle),
            CancelCause::CaseOpened => false,
        };
        if !kept {
            self.ballot_enabled = false;
            events.push(Event::BallotCancelled { cause });
        }
    }
}

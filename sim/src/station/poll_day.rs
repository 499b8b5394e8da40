//! A poll day: one polling station and the control units it uses, driven
//! together. Used by the tests, the golden forms and synthetic generators.

use super::counting::{Counting, CountingRefusal, SealInspection};
use super::road::{self, Ballot, MachinePort, MachineSetUp, Pressed, StationPort};
use super::{
    Accepted, MachinePurpose, PollingStation, StationAction, StationIdentity, StationRefusal, MAX_MACHINES_PER_POLL,
    MAX_POLLS_PER_STATION,
};
use crate::defects::Defects;
use crate::profile::MachineProfile;
use crate::rule::Refusal;
use crate::station::ElectorNumber;
use crate::time::Timestamp;
use crate::unit::{ButtonAddress, ControlUnit, Input, Reaction, ResultSeal};
use serde::{Deserialize, Serialize};

/// The most machines a poll day may set up (every poll, every replacement).
pub const MAX_MACHINES_PER_POLL_DAY: usize = MAX_MACHINES_PER_POLL * MAX_POLLS_PER_STATION;

/// One line of a station trace: an action and when it happened. A
/// [`PollDay`]'s log is made of these, with the machine's facts filled in, so
/// that replaying it on a bare [`PollingStation`] gives the same papers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationTraceLine {
    pub at: Timestamp,
    #[serde(flatten)]
    pub action: StationAction,
}

/// What one poll-day step did: the station's record, and the presses the
/// machine refused along the way (the officer pressed; the machine said no —
/// e.g. `Ballot` on a stale enable).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollDayStep {
    pub accepted: Accepted,
    pub machine_refusals: Vec<(Input, Refusal)>,
}

/// Why a poll-day step failed. The station is unchanged when it fails.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PollDayError {
    #[error("the station refused: {0}")]
    Station(#[from] StationRefusal),
    #[error("the machine refused {input:?}: {refusal}")]
    Machine { input: Input, refusal: Refusal },
    #[error("no machine is installed")]
    NoMachine,
    #[error("{event} is a fact the machine reports: press a candidate button with machine_input instead")]
    MachineFact { event: &'static str },
    #[error("{candidates} candidates do not fit the machine profile")]
    CandidatesDoNotFit { candidates: u16 },
    #[error("{maximum} machines already set up")]
    TooManyMachines { maximum: usize },
    #[error("counting refused: {0}")]
    Counting(#[from] CountingRefusal),
}

/// A polling station with the control units it uses.
///
/// # Call contract
///
/// - [`PollDay::new`] with the station, the number of candidates and the
///   machine profile; no machine yet.
/// - [`act`](PollDay::act)`(now, action)` for every officer's and elector's
///   action. Actions that touch the machine drive it: `machine_installed` sets
///   up a new conforming set (or use
///   [`install_machine`](PollDay::install_machine) for one with seeded
///   defects), `mock_poll_held` holds the mock poll, `paper_seal_fixed` fixes
///   the seal, `poll_opened` presses `Total`, `ballot_pressed` presses
///   `Ballot`, a cancelled enable switches the unit off and on, the closes
///   press `Close` and detach the balloting units, `machine_failed` switches
///   the failed set off. The machine's facts (`total_shown`) are read from
///   the machine and replace whatever the action carried.
/// - [`machine_input`](PollDay::machine_input)`(now, input)` for anything
///   pressed on the machine directly (an elector's candidate button, a
///   capturer's press); each vote it records is reported to the station.
/// - [`count`](PollDay::count) reads every control unit of the current poll
///   into a [`Counting`].
///
/// `now` is passed in; nothing reads a clock. A step the station refuses
/// changes neither the station nor the machine.
#[derive(Clone, Debug)]
pub struct PollDay {
    station: PollingStation,
    profile: MachineProfile,
    candidates: u16,
    machines: Vec<(String, ControlUnit)>,
    log: Vec<StationTraceLine>,
}

impl PollDay {
    pub fn new(
        identity: StationIdentity,
        electors_assigned: u32,
        candidates: u16,
        profile: MachineProfile,
    ) -> Result<PollDay, PollDayError> {
        if candidates == 0 || candidates > profile.candidates_max() {
            return Err(PollDayError::CandidatesDoNotFit { candidates });
        }
        Ok(PollDay {
            station: PollingStation::new(identity, electors_assigned)?,
            profile,
            candidates,
            machines: Vec::new(),
            log: Vec::new(),
        })
    }

    pub fn station(&self) -> &PollingStation {
        &self.station
    }

    pub fn candidates(&self) -> u16 {
        self.candidates
    }

    /// Every control unit set up, with its identification number, in order.
    pub fn machines(&self) -> &[(String, ControlUnit)] {
        &self.machines
    }

    pub fn machine(&self, control_unit: &str) -> Option<&ControlUnit> {
        self.machines.iter().find(|(id, _)| id == control_unit).map(|(_, unit)| unit)
    }

    /// The control unit in use (the last set up).
    pub fn current_machine(&self) -> Option<&ControlUnit> {
        self.machines.last().map(|(_, unit)| unit)
    }

    /// Every action applied to the station, facts filled in.
    pub fn log(&self) -> &[StationTraceLine] {
        &self.log
    }

    fn apply(&mut self, now: Timestamp, action: StationAction) -> Result<Accepted, StationRefusal> {
        let accepted = self.station.apply(now, &action)?;
        self.log.push(StationTraceLine { at: now, action });
        Ok(accepted)
    }

    /// The machine in use and the papers, as the road drives them.
    fn port(&mut self) -> Result<Port<'_>, PollDayError> {
        let unit = self.machines.last_mut().map(|(_, unit)| unit).ok_or(PollDayError::NoMachine)?;
        Ok(Port::new(unit, &mut self.station, &mut self.log))
    }

    /// Sets up a new machine (`control_unit`) carrying `defects` as the road
    /// sets one up ([`road::set_up`]: balloting units attached, switched on,
    /// `Cand Set`, candidate set section sealed, 39B(4)(b)); then tells the
    /// station it is installed.
    pub fn install_machine(
        &mut self,
        now: Timestamp,
        control_unit: &str,
        defects: Defects,
    ) -> Result<PollDayStep, PollDayError> {
        if self.machines.len() >= MAX_MACHINES_PER_POLL_DAY {
            return Err(PollDayError::TooManyMachines { maximum: MAX_MACHINES_PER_POLL_DAY });
        }
        let mut unit = ControlUnit::with_defects(self.profile, defects);
        let ballot = Ballot::new(&self.profile, self.candidates);
        let refusals =
            road::set_up(&mut unit, now, ballot, &MachineSetUp::default()).unwrap_or_else(|never| match never {});
        if let Some(&(input, refusal)) = refusals.first() {
            return Err(PollDayError::Machine { input, refusal });
        }
        let accepted = self.apply(now, StationAction::MachineInstalled { control_unit: control_unit.to_owned() })?;
        self.machines.push((control_unit.to_owned(), unit));
        Ok(PollDayStep { accepted, machine_refusals: Vec::new() })
    }

    /// Presses `input` on the machine in use; every vote it records is
    /// reported to the station as `vote_recorded`, an enable it cancels
    /// without a vote as `enable_cancelled` ([`road::press`]).
    pub fn machine_input(&mut self, now: Timestamp, input: Input) -> Result<Reaction, PollDayError> {
        let mut port = self.port()?;
        road::press(&mut port, now, input)?;
        Ok(port.last_reaction.unwrap_or_default())
    }

    /// The elector presses the button of ballot entry `candidate` (1-based;
    /// NOTA is the entry after the last candidate).
    pub fn press_candidate(&mut self, now: Timestamp, candidate: u16) -> Result<Reaction, PollDayError> {
        let address = ButtonAddress::of_ballot_entry(candidate)
            .unwrap_or(ButtonAddress { balloting_unit: u8::MAX, button: u8::MAX });
        self.machine_input(now, Input::PressButton { address })
    }

    /// The whole ordinary path of one elector: identified, inked, entered in
    /// Form 16A, `Ballot`, the candidate's button. Returns the press's reaction.
    pub fn elector_votes(
        &mut self,
        now: Timestamp,
        elector: ElectorNumber,
        candidate: u16,
    ) -> Result<Reaction, PollDayError> {
        self.act(now, StationAction::ElectorIdentified { elector })?;
        self.act(now, StationAction::InkMarked { elector })?;
        self.act(now, StationAction::EnteredInRegister { elector, thumb_impression: false })?;
        self.act(now, StationAction::BallotPressed { elector })?;
        self.press_candidate(now, candidate)
    }

    /// Applies one action, driving the machine where the action touches it
    /// ([`road::act`]). See the type's call contract.
    pub fn act(&mut self, now: Timestamp, action: StationAction) -> Result<PollDayStep, PollDayError> {
        match action {
            StationAction::VoteRecorded {} => Err(PollDayError::MachineFact { event: "vote_recorded" }),
            StationAction::EnableCancelled {} => Err(PollDayError::MachineFact { event: "enable_cancelled" }),
            StationAction::MachineInstalled { control_unit } => self.install_machine(now, &control_unit, Defects::NONE),
            action if !road::touches_the_machine(&action) => {
                Ok(PollDayStep { accepted: self.apply(now, action)?, machine_refusals: Vec::new() })
            }
            action => {
                let ballot = Ballot::new(&self.profile, self.candidates);
                let mut port = self.port()?;
                road::act(&mut port, now, &action, ballot, &MachineSetUp::default())?;
                Ok(PollDayStep { accepted: port.accepted.unwrap_or_default(), machine_refusals: port.machine_refusals })
            }
        }
    }

    /// What the counting table finds on `control_unit`: its paper seal intact,
    /// and whether it was tampered with (the fail-safe of an opened case).
    pub fn seal_inspection(&self, control_unit: &str) -> Option<SealInspection> {
        self.machine(control_unit).map(|unit| SealInspection {
            paper_seal_intact: unit.result_seal() == ResultSeal::Intact,
            tampered: unit.is_fail_safe(),
        })
    }

    /// Counts the current poll's control units into `counting` (61G–61H):
    /// the station's Form 16C Part I is added, each unit's seals are
    /// inspected, and each countable unit is closed if it is not (a failed
    /// set), its seal broken, `Result` pressed and the readout recorded.
    pub fn count(&mut self, now: Timestamp, counting: &mut Counting) -> Result<(), PollDayError> {
        let part_one = self.station.form_16c_part_one()?;
        let station = part_one.identity.number;
        counting.add_station(part_one.clone())?;
        for machine in &part_one.machines {
            let inspection = self.seal_inspection(&machine.control_unit).ok_or(PollDayError::NoMachine)?;
            counting.inspect_seal(station, &machine.control_unit, inspection)?;
            if !inspection.countable() {
                continue;
            }
            let Some((_, unit)) = self.machines.iter_mut().find(|(id, _)| *id == machine.control_unit) else {
                return Err(PollDayError::NoMachine);
            };
            let mut inputs = Vec::new();
            if !unit.is_powered() {
                inputs.push(Input::PowerOn { held_button: None });
            }
            if !unit.is_closed() {
                inputs.push(Input::Close);
            }
            inputs.extend([Input::BreakResultSeal, Input::Result]);
            for input in inputs {
                if let Some(refusal) = unit.step(now, input).refusal {
                    return Err(PollDayError::Machine { input, refusal });
                }
            }
            let readout =
                unit.result_readout().map_err(|refusal| PollDayError::Machine { input: Input::Result, refusal })?;
            counting.record_result(station, &machine.control_unit, readout.counts, readout.total)?;
        }
        Ok(())
    }

    /// The purpose of each machine of the current poll, by identification number.
    pub fn machine_purposes(&self) -> Vec<(String, MachinePurpose)> {
        self.station
            .current_poll()
            .machines()
            .iter()
            .map(|machine| (machine.control_unit.clone(), machine.purpose))
            .collect()
    }
}

/// The poll day's [`StationPort`]: the unit in use and the station's papers.
/// A step the papers refuse is an error; the machine's refusals are
/// collected for the step.
struct Port<'day> {
    unit: &'day mut ControlUnit,
    station: &'day mut PollingStation,
    log: &'day mut Vec<StationTraceLine>,
    machine_refusals: Vec<(Input, Refusal)>,
    /// What the papers said of the step's own action.
    accepted: Option<Accepted>,
    last_reaction: Option<Reaction>,
}

impl<'day> Port<'day> {
    fn new(
        unit: &'day mut ControlUnit,
        station: &'day mut PollingStation,
        log: &'day mut Vec<StationTraceLine>,
    ) -> Port<'day> {
        Port { unit, station, log, machine_refusals: Vec::new(), accepted: None, last_reaction: None }
    }
}

impl MachinePort for Port<'_> {
    type Error = PollDayError;

    fn press(&mut self, now: Timestamp, input: Input) -> Result<Pressed, PollDayError> {
        let reaction = self.unit.step(now, input);
        if let Some(refusal) = reaction.refusal {
            self.machine_refusals.push((input, refusal));
        }
        let pressed = Pressed::of_reaction(&reaction);
        self.last_reaction = Some(reaction);
        Ok(pressed)
    }

    fn is_powered(&self) -> bool {
        self.unit.is_powered()
    }

    fn attached_positions(&self) -> Vec<u8> {
        self.unit.attached_positions()
    }

    fn total(&self) -> u32 {
        self.unit.total()
    }
}

impl StationPort for Port<'_> {
    fn record(&mut self, now: Timestamp, action: &StationAction) -> Result<(), PollDayError> {
        let fact = matches!(action, StationAction::VoteRecorded {} | StationAction::EnableCancelled {});
        match self.station.apply(now, action) {
            Ok(accepted) => {
                self.log.push(StationTraceLine { at: now, action: action.clone() });
                if !fact {
                    self.accepted = Some(accepted);
                }
                Ok(())
            }
            // A fact: the station always accepts it.
            Err(_) if fact => Ok(()),
            Err(refusal) => Err(refusal.into()),
        }
    }

    fn admit(&mut self, now: Timestamp, action: &StationAction) -> Result<(), PollDayError> {
        self.station.clone().apply(now, action)?;
        Ok(())
    }

    fn no_total_shown(&mut self, input: Input, pressed: Pressed) -> Result<u32, PollDayError> {
        Err(PollDayError::Machine { input, refusal: pressed.refusal.unwrap_or(Refusal::PoweredOff) })
    }
}

//! Fixtures per state of a polling station, shared by the station tests.
#![allow(dead_code)]

use evm_sim::forms::Form16CPartOne;
use evm_sim::station::{PollDayError, PollDayStep, StationAction, StationIdentity};
use evm_sim::unit::Reaction;
use evm_sim::{Counting, Defects, MachineProfile, PollDay, Property, StationRefusal, Timestamp};

/// Contesting candidates on the fixtures' ballot (plus NOTA: 4 buttons).
pub const CANDIDATES: u16 = 3;
/// NOTA's ballot entry.
pub const NOTA: u16 = CANDIDATES + 1;
pub const CANDIDATE_NAMES: [&str; 3] = ["Anil Sen", "Bina Das", "Chandan Roy"];
pub const MUNICIPALITY: &str = "Demo Municipality";
pub const WARD: u16 = 7;
pub const DATE_OF_POLL: &str = "15-03-2026";
/// Paper seals supplied to every fixture station.
pub const FIRST_PAPER_SEAL: u32 = 5001;
pub const LAST_PAPER_SEAL: u32 = 5010;
/// Tendered ballot papers received by every fixture station.
pub const FIRST_TENDERED_BALLOT_PAPER: u32 = 1001;
pub const LAST_TENDERED_BALLOT_PAPER: u32 = 1010;

pub fn identity(number: u16) -> StationIdentity {
    StationIdentity {
        election: evm_sim::Election::MunicipalWard,
        municipality: MUNICIPALITY.to_owned(),
        ward: WARD,
        number,
        part_number: String::new(),
        name: format!("Primary School, Room {number}"),
        date_of_poll: DATE_OF_POLL.to_owned(),
    }
}

/// A poll day and the clock that drives it: 13 seconds per step, slow enough
/// for the machine's five-a-minute limit.
pub struct Day {
    pub poll_day: PollDay,
    pub milliseconds: u64,
    /// The next paper seal to fix.
    pub next_paper_seal: u32,
}

impl Day {
    pub fn now(&mut self) -> Timestamp {
        self.milliseconds += 13_000;
        Timestamp::from_milliseconds(self.milliseconds)
    }

    pub fn try_act(&mut self, action: StationAction) -> Result<PollDayStep, PollDayError> {
        let now = self.now();
        self.poll_day.act(now, action)
    }

    /// Applies and asserts the step was accepted.
    pub fn act(&mut self, action: StationAction) -> PollDayStep {
        let shown = format!("{action:?}");
        self.try_act(action).unwrap_or_else(|error| panic!("{shown} failed: {error}"))
    }

    /// The elector's whole ordinary path, voting for ballot entry `candidate`.
    pub fn vote(&mut self, elector: u32, candidate: u16) -> Reaction {
        let now = self.now();
        let reaction =
            self.poll_day.elector_votes(now, elector, candidate).unwrap_or_else(|error| panic!("{elector}: {error}"));
        assert_eq!(reaction.votes_recorded(), 1, "elector {elector}'s vote: {reaction:?}");
        reaction
    }

    /// Identified, ink-marked and entered in Form 16A.
    pub fn enter(&mut self, elector: u32) {
        self.act(StationAction::ElectorIdentified { elector });
        self.act(StationAction::InkMarked { elector });
        self.act(StationAction::EnteredInRegister { elector, thumb_impression: false });
    }

    /// Presses ballot entry `candidate` on the machine in use.
    pub fn press(&mut self, candidate: u16) -> Reaction {
        let now = self.now();
        self.poll_day.press_candidate(now, candidate).expect("a machine is installed")
    }

    /// Installs a machine (with `defects`), holds a mock poll of
    /// `mock_poll_votes` (cleared or not), fixes the next paper seal and opens
    /// the poll on it.
    pub fn prepare_machine(&mut self, control_unit: &str, defects: Defects, mock_poll_votes: u32, cleared: bool) {
        let now = self.now();
        self.poll_day.install_machine(now, control_unit, defects).expect("machine installed");
        self.act(StationAction::MockPollHeld { votes: mock_poll_votes, cleared });
        // The mock poll's votes are spaced 13 s apart from its start.
        self.milliseconds += u64::from(mock_poll_votes) * 13_000;
        let serial = self.next_paper_seal;
        self.next_paper_seal += 1;
        self.act(StationAction::PaperSealFixed { serial });
        self.act(StationAction::PollOpened { total_shown: 0 });
    }

    /// The close of poll hour, then `Close` and detach (39Q, 39S).
    pub fn close(&mut self) {
        self.act(StationAction::CloseOfPollHour {});
        self.act(StationAction::PollClosed { total_shown: 0 });
    }

    /// Paper seals and tendered ballot papers for a poll (a fresh poll gets
    /// new ones).
    pub fn supply(&mut self) {
        self.next_paper_seal = FIRST_PAPER_SEAL;
        self.act(StationAction::PaperSealsSupplied { first_serial: FIRST_PAPER_SEAL, last_serial: LAST_PAPER_SEAL });
        self.act(StationAction::TenderedBallotPapersReceived {
            first_serial: FIRST_TENDERED_BALLOT_PAPER,
            last_serial: LAST_TENDERED_BALLOT_PAPER,
        });
    }

    pub fn part_one(&self) -> Form16CPartOne {
        self.poll_day.station().form_16c_part_one().expect("the poll is closed")
    }

    pub fn machine_total(&self) -> u32 {
        self.poll_day.current_machine().expect("a machine").total()
    }
}

/// A station of `electors` electors with its supplies, nothing installed.
pub fn station_supplied(number: u16, electors: u32) -> Day {
    let poll_day = PollDay::new(identity(number), electors, CANDIDATES, MachineProfile::m2()).expect("a valid station");
    let mut day = Day { poll_day, milliseconds: 6 * 3_600_000, next_paper_seal: FIRST_PAPER_SEAL };
    day.supply();
    day
}

/// The poll open on a conforming machine `CU-<number>-1`, mock poll of 8
/// votes cleared, seal fixed, zero shown.
pub fn station_open(number: u16, electors: u32) -> Day {
    station_open_with(number, electors, Defects::NONE)
}

pub fn station_open_with(number: u16, electors: u32, defects: Defects) -> Day {
    let mut day = station_supplied(number, electors);
    day.prepare_machine(&format!("CU-{number}-1"), defects, 8, true);
    day.milliseconds = day.milliseconds.max(7 * 3_600_000);
    day
}

pub fn counting() -> Counting {
    Counting::new(MUNICIPALITY, WARD, DATE_OF_POLL, &CANDIDATE_NAMES, true).expect("a valid count")
}

pub fn has_finding(day: &Day, property: Property) -> bool {
    day.poll_day.station().findings().iter().any(|finding| finding.property == property)
}

/// Asserts the action is refused with `refusal` and changes nothing.
pub fn refused(day: &mut Day, action: StationAction, refusal: StationRefusal) {
    let before = day.poll_day.station().clone();
    let total_before = day.poll_day.current_machine().map(|unit| unit.total());
    let result = day.try_act(action.clone());
    match result {
        Err(evm_sim::station::PollDayError::Station(found)) => assert_eq!(found, refusal, "{action:?}"),
        other => panic!("{action:?} gave {other:?}, expected {refusal:?}"),
    }
    assert_eq!(day.poll_day.station(), &before, "a refused {action:?} changed the station");
    assert_eq!(day.poll_day.current_machine().map(|unit| unit.total()), total_before);
}

/// A day whose poll is adjourned (39V(1)) after some votes.
pub fn adjourned_day() -> Day {
    let mut day = station_open(8, 10);
    day.vote(1, 1);
    day.vote(2, 2);
    day.enter(3);
    day.act(StationAction::DecidedNotToVote { elector: 3, cancelled_enable: false });
    day.act(StationAction::ElectorIdentified { elector: 4 });
    day.act(StationAction::PollAdjourned { total_shown: 0 });
    day
}

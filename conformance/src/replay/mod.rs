//! The replay engine: drives a target through a trace and checks, after every
//! step, the target's observable behaviour against the reference model,
//! attributing each difference to the property of DOMAIN.md section 3 it
//! breaks. At the end it checks the accounts (Form 16C item 6, Part II).

use crate::reference::{Expected, ReferenceUnit};
use crate::target::{Observation, Readout, Target, TargetError};
use crate::trace::{Expectation, Header, MachineChange, MachineSetUp, Trace, TraceEvent, TraceLine};
use crate::verdict::{AccountOfVotes, Finding, FindingKind, TraceOutcome};
use evm_sim::station::{Irregularity, MOCK_POLL_SPACING_MILLISECONDS};
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{MachineProfile, PollingStation, Property, StationAction, StationIdentity, StationRefusal, Timestamp};

mod counting;

/// Findings kept per trace; later ones are counted, not stored.
pub const MAX_FINDINGS_PER_TRACE: usize = 64;

/// One machine used at the station, as the replay saw it.
#[derive(Clone, Debug, Default)]
struct MachineRecord {
    counted: bool,
    readout: Option<Readout>,
    /// The total the machine showed at `Close`.
    total_at_close: Option<u32>,
    /// Its identification number, from `machine_installed`.
    control_unit: String,
    /// Which machine of the trace it is on the target (0 for the first
    /// started), to take it up again at counting.
    target_index: usize,
    /// The reference model of a machine out of use, kept for counting.
    reference: Option<ReferenceUnit>,
    /// What its counting has shown.
    counting: counting::CountingRecord,
}

/// Whether `action` acts on the machine itself, which every station a
/// common machine serves shares (the parser's `COMMON_MACHINE_ACTIONS`).
fn on_the_machine(action: &StationAction) -> bool {
    matches!(
        action,
        StationAction::MachineInstalled { .. }
            | StationAction::MockPollHeld { .. }
            | StationAction::PollOpened { .. }
            | StationAction::CloseOfPollHour {}
            | StationAction::PollClosed { .. }
            | StationAction::BoothCaptured { .. }
            | StationAction::PollAdjourned { .. }
            | StationAction::MachineFailed { .. }
            | StationAction::FreshPollOrdered {}
    )
}

/// One poll's account of votes over the stations a machine serves.
#[derive(Clone, Copy, Debug, Default)]
struct CombinedAccount {
    item_2: u32,
    item_3: u32,
    item_4: u32,
    item_5: u64,
    item_six: evm_sim::forms::ItemSixTally,
    item_7: u32,
    item_8_issued: u32,
    item_8_not_used_and_returned: u64,
    item_9_supplied: u64,
    item_9_used: u64,
    item_9_unused_returned: u64,
    item_9_damaged: u32,
}

/// The replay of one trace against one target.
struct Replay<'target> {
    /// The machine's profile as replayed and judged ([`profile_judged`]).
    profile: MachineProfile,
    target: &'target mut dyn Target,
    reference: ReferenceUnit,
    findings: Vec<Finding>,
    /// The reference had an enable pending when `Close` was accepted.
    enable_pending_at_close: bool,
    last_observation: Option<Observation>,
    machine: MachineRecord,
    machines: Vec<MachineRecord>,
    events: usize,
    /// The papers of each station the machine serves (the header's first,
    /// then a common machine's others, 39C(4)), from the first station
    /// action on.
    stations: Vec<PollingStation>,
    /// Whether the machine in use has received any input.
    machine_used: bool,
    /// Votes the machine records are reported to the station (not during a
    /// mock poll, which the station hears of as one action).
    report_votes_to_station: bool,
    /// The line that closed the latest poll, where item 6 is reported.
    account_line: usize,
    /// The line that closed each (poll, session) of the papers, where its
    /// account's item 6 is reported.
    account_lines: std::collections::BTreeMap<(usize, u8), usize>,
    /// Part I as the presiding officer wrote it, by (poll, session).
    written_accounts: std::collections::BTreeMap<(usize, u8), counting::WrittenAccount>,
    /// Machines started on the target in this trace.
    machines_started: usize,
    /// Why the trace cannot run on this target, once that shows.
    not_applicable: Option<String>,
}

/// Replays `trace` against `target`.
pub fn replay(trace: &Trace, target: &mut dyn Target) -> TraceOutcome {
    if !trace.header.defects.is_empty() && !target.can_carry_defects() {
        let names: Vec<String> =
            trace.header.defects.iter().map(|defect| serde_json::to_string(&defect).unwrap_or_default()).collect();
        return TraceOutcome::not_applicable(format!(
            "the trace needs seeded defects [{}] that target {} cannot carry",
            names.join(", "),
            target.name()
        ));
    }
    match run(trace, target) {
        Ok(outcome) => outcome,
        Err(error) => TraceOutcome::error(error.to_string()),
    }
}

fn run(trace: &Trace, target: &mut dyn Target) -> Result<TraceOutcome, TargetError> {
    let profile = profile_judged(&trace.header, target.announced_profile());
    target.start_trace();
    target.start_machine(profile, trace.header.defects)?;
    let mut replay = Replay {
        profile,
        target,
        reference: ReferenceUnit::new(profile),
        findings: Vec::new(),
        enable_pending_at_close: false,
        last_observation: None,
        machine: MachineRecord { counted: true, ..MachineRecord::default() },
        machines: Vec::new(),
        events: 0,
        stations: Vec::new(),
        machine_used: false,
        report_votes_to_station: true,
        account_line: 0,
        account_lines: std::collections::BTreeMap::new(),
        written_accounts: std::collections::BTreeMap::new(),
        machines_started: 1,
        not_applicable: None,
    };
    for line in &trace.lines {
        if crate::interrupt::requested() {
            // A signal: stop here; the runner reports the trace `interrupted`.
            break;
        }
        replay.line(trace, line)?;
        if let Some(reason) = replay.not_applicable.take() {
            return Ok(TraceOutcome::not_applicable(reason));
        }
    }
    replay.part_two_against_written_accounts();
    let station_count = replay.station_count();
    replay.machines.push(std::mem::take(&mut replay.machine));
    let account = replay.account_of_votes();
    let forms = replay.forms(&trace.header);
    let events = replay.events;
    let mut outcome = TraceOutcome::from_findings(replay.findings, account, events);
    outcome.forms = forms;
    outcome.station_count = station_count;
    Ok(outcome)
}

/// The profile a trace is replayed and judged with: the header's, with the
/// rate limit and its rule the target announced when the header sets
/// neither (a board is judged by the rule it announces).
fn profile_judged(header: &Header, announced: Option<MachineProfile>) -> MachineProfile {
    let mut profile = header.profile;
    if let Some(announced) = announced.filter(|_| !header.rate_limit_given) {
        profile.rate_limit_votes_per_minute = announced.rate_limit_votes_per_minute;
        profile.rate_rule = announced.rate_rule;
    }
    profile
}

/// The papers of every station the trace's machine serves: the header's,
/// then a common machine's others (39C(4)), with their identities for the
/// forms.
fn polling_stations(header: &Header) -> Result<Vec<PollingStation>, StationRefusal> {
    let identity = |number: u32, part_number: &str, name: &str| StationIdentity {
        election: header.election.clone(),
        municipality: header.municipality.clone(),
        ward: header.ward.and_then(|ward| u16::try_from(ward).ok()).unwrap_or(0),
        number: u16::try_from(number).unwrap_or(u16::MAX),
        part_number: part_number.to_owned(),
        name: name.to_owned(),
        date_of_poll: header.date_of_poll.clone(),
    };
    let label = &header.polling_station;
    let mut stations =
        vec![PollingStation::new(identity(label.number, &label.part_number, &label.name), header.electors_assigned)?];
    for other in &header.common_machine_stations {
        stations.push(PollingStation::new(
            identity(other.number, &other.part_number, &other.name),
            other.electors_assigned,
        )?);
    }
    Ok(stations)
}

/// The event of a line, in words, for findings.
fn describe(line: &TraceLine) -> String {
    let what = match &line.event {
        TraceEvent::Unit(input) => serde_json::to_string(input).unwrap_or_default(),
        TraceEvent::PressCutBeforeBeep(input) => {
            format!("{} (power cut before the beep)", serde_json::to_string(input).unwrap_or_default())
        }
        TraceEvent::Expect(expectation) => format!("expect {}", serde_json::to_string(expectation).unwrap_or_default()),
        TraceEvent::ExpectResult { counts, total } => format!("expect_result counts {counts:?} total {total}"),
        TraceEvent::NewMachine { reason } => format!("new_machine {reason:?}"),
        TraceEvent::LinkNoise { bytes, seed } => format!("link_noise {bytes} bytes, seed {seed}"),
        TraceEvent::Station { action, .. } => serde_json::to_string(action).unwrap_or_default(),
        TraceEvent::Counting(event) => serde_json::to_string(event).unwrap_or_default(),
    };
    format!("{} {what}", crate::trace::format_time(line.at))
}

impl Replay<'_> {
    fn find(&mut self, finding: Finding) {
        if self.findings.len() < MAX_FINDINGS_PER_TRACE {
            self.findings.push(finding);
        }
    }

    fn violation(&mut self, property: Option<Property>, line: &TraceLine, expected: String, observed: String) {
        self.find(Finding::violation(property, line.line, describe(line), expected, observed));
    }

    fn line(&mut self, trace: &Trace, line: &TraceLine) -> Result<(), TargetError> {
        self.events += 1;
        match &line.event {
            TraceEvent::Unit(input) => self.unit_input(line, line.at, *input)?,
            TraceEvent::PressCutBeforeBeep(input) => self.press_cut_before_beep(line, *input)?,
            TraceEvent::Expect(expectation) => self.expect(line, expectation),
            TraceEvent::ExpectResult { counts, total } => self.expect_result(line, counts, *total),
            TraceEvent::NewMachine { reason } => self.new_machine(trace, *reason == MachineChange::FreshPoll)?,
            TraceEvent::LinkNoise { bytes, seed } => self.target.link_noise(*bytes, *seed)?,
            TraceEvent::Station { action, total_shown, set_up, .. } => {
                self.station_action(trace, line, action, *total_shown, set_up.as_deref())?
            }
            TraceEvent::Counting(event) => self.counting_event(trace, line, event)?,
        }
        Ok(())
    }

    /// Takes a new machine into use; after a fresh poll the earlier ones are
    /// not counted (s.62, s.63).
    fn new_machine(&mut self, trace: &Trace, fresh_poll: bool) -> Result<(), TargetError> {
        let mut previous = std::mem::take(&mut self.machine);
        // Kept, so that the counting can take the machine up again.
        previous.reference = Some(std::mem::replace(&mut self.reference, ReferenceUnit::new(self.profile)));
        self.machines.push(previous);
        if fresh_poll {
            self.machines.iter_mut().for_each(|machine| machine.counted = false);
        }
        self.machine = MachineRecord { counted: true, target_index: self.machines_started, ..MachineRecord::default() };
        self.machines_started += 1;
        self.target.start_machine(self.profile, trace.header.defects)?;
        self.enable_pending_at_close = false;
        self.last_observation = None;
        self.machine_used = false;
        Ok(())
    }

    /// Applies an action to the papers: of the station the line names, or
    /// of every station for an action on a common machine (39C(4)). A
    /// refusal is a procedural finding of the rule it names (the trace says
    /// the officers did what the rules forbid); an irregularity is graded
    /// by [`irregularity`](Self::irregularity).
    fn apply_to_station(&mut self, trace: &Trace, line: &TraceLine, action: &StationAction) {
        let header = &trace.header;
        if self.stations.is_empty() {
            match polling_stations(header) {
                Ok(stations) => self.stations = stations,
                Err(refusal) => {
                    self.station_refused(line, &refusal);
                    return;
                }
            }
        }
        let named = match &line.event {
            TraceEvent::Station { polling_station: Some(number), .. } => {
                header.station_numbers().iter().position(|candidate| candidate == number)
            }
            _ => None,
        };
        let every = on_the_machine(action);
        for index in 0..self.stations.len() {
            if !(every || index == named.unwrap_or(0)) {
                continue;
            }
            match self.stations[index].apply(line.at, action) {
                Ok(accepted) => {
                    for irregularity in accepted.irregularities {
                        self.irregularity(line, &irregularity);
                    }
                }
                // A common machine's action refused for one station is the
                // same slip for all: reported once.
                Err(refusal) => {
                    self.station_refused(line, &refusal);
                    if every {
                        break;
                    }
                }
            }
        }
    }

    /// The polling party did what a rule forbids: a procedural finding,
    /// never the machine's (the machine did not do it).
    fn station_refused(&mut self, line: &TraceLine, refusal: &StationRefusal) {
        self.find(Finding::procedural(
            refusal.property(),
            refusal.rule(),
            line.line,
            describe(line),
            "an action the rules allow".into(),
            format!("refused by the rules: {refusal}"),
        ));
    }

    fn irregularity(&mut self, line: &TraceLine, irregularity: &Irregularity) {
        match irregularity {
            // A vote on an enable an officer forgot to cancel is not a
            // machine fault: it shows in the account (item 6), where it is
            // reported. Nor is a test vote cast before the poll opens (after
            // the mock poll's `Clear`): the account shows it, as item 6.
            Irregularity::VoteWithoutPermission { stale_enable: true, tendered_elector: None, .. }
            | Irregularity::VoteOutsidePoll { phase: evm_sim::station::StationPhase::Preparation, .. } => return,
            // 39V(2): the polling party let an elector who voted before the
            // adjournment vote again, caught at that vote.
            Irregularity::VotedAgainAfterAdjournment { elector, .. } => {
                self.find(Finding::procedural(
                    Some(Property::Adjourn),
                    "39V(2)",
                    line.line,
                    describe(line),
                    format!("no second vote by elector {elector}, who voted before the adjournment"),
                    format!("elector {elector} voted again at the adjourned poll"),
                ));
                return;
            }
            // The enable an elector left pending must be cancelled before the
            // next vote (39N, 39L(6); practice). Pressing `Ballot` over it is
            // the slip Form 16C cannot show: the next elector votes on it and
            // item 6 tallies.
            Irregularity::BallotPressedOnPendingEnable { elector, .. } => {
                self.find(Finding::procedural(
                    None,
                    "39N, 39L(6)",
                    line.line,
                    describe(line),
                    "the enable left pending cancelled before Ballot for the next elector".to_owned(),
                    format!("Ballot pressed for elector {elector} over an uncancelled enable: the machine refused it and the elector voted on the stale one"),
                ));
                return;
            }
            Irregularity::AdmittedAfterHour { elector, .. } => {
                self.find(Finding::procedural(
                    None,
                    "39Q(1)",
                    line.line,
                    describe(line),
                    "no elector admitted after the hour fixed for the close of poll, but those present at it"
                        .to_owned(),
                    format!("elector {elector}, not present at the hour, admitted after it"),
                ));
                return;
            }
            Irregularity::LeftEnableCancelled { elector, .. } => {
                self.find(Finding::advisory(
                    "39N, 39L(6)",
                    line.line,
                    describe(line),
                    "a pending enable cancelled when its elector leaves the compartment".to_owned(),
                    format!("the enable elector {elector} left pending was cancelled later, before any vote: no vote was lost or added"),
                ));
                return;
            }
            _ => {}
        }
        // What the papers show is a discrepancy of the poll, not a fault of
        // the machine (a machine fault is caught by the comparison with the
        // reference model).
        if let Some(property) = irregularity.property() {
            self.find(Finding {
                kind: FindingKind::Discrepancy,
                property: Some(property),
                rule: property.rule().to_owned(),
                line: line.line,
                event: describe(line),
                expected: format!("the papers to show that {}", property.statement()),
                observed: serde_json::to_string(irregularity).unwrap_or_default(),
            });
        }
    }

    /// A station action: the papers, and the machine where the action
    /// touches it (as `evm_sim::PollDay` does for the simulated day).
    fn station_action(
        &mut self,
        trace: &Trace,
        line: &TraceLine,
        action: &StationAction,
        total_shown: Option<u32>,
        set_up: Option<&MachineSetUp>,
    ) -> Result<(), TargetError> {
        let now = line.at;
        match action {
            StationAction::MachineInstalled { control_unit } => {
                if self.machine_used {
                    self.new_machine(trace, false)?;
                }
                self.machine.control_unit = control_unit.clone();
                self.apply_to_station(trace, line, action);
                self.set_up_machine(trace, line, set_up.cloned().unwrap_or_default())?;
            }
            StationAction::MockPollHeld { votes, cleared } => {
                let (recorded, cleared_on_machine) = self.mock_poll(trace, line, *votes, *cleared)?;
                self.apply_to_station(
                    trace,
                    line,
                    &StationAction::MockPollHeld { votes: recorded, cleared: cleared_on_machine },
                );
            }
            StationAction::PaperSealFixed { .. } => {
                self.apply_to_station(trace, line, action);
                self.unit_input(line, now, Input::FixResultSeal)?;
            }
            StationAction::PollOpened { .. } => {
                if !self.reference.candidate_set_sealed() {
                    // The machine cannot see paper: the polling party's slip.
                    self.find(Finding::procedural(
                        None,
                        "39B(4)(b)",
                        line.line,
                        describe(line),
                        "the candidate set section closed and sealed before the poll".to_owned(),
                        "the poll opened with the candidate set section not sealed".to_owned(),
                    ));
                }
                let unsealed = self
                    .stations
                    .first()
                    .and_then(|station| station.current_poll().machines().last())
                    .is_some_and(|machine| machine.paper_seal.is_none());
                if unsealed {
                    self.find(Finding::procedural(
                        None,
                        "39E(3)",
                        line.line,
                        describe(line),
                        "the signed paper seal fixed over the result section before the poll".to_owned(),
                        "the poll opened with no paper seal fixed on the control unit".to_owned(),
                    ));
                }
                self.unit_input(line, now, Input::Total)?;
                let shown = self.shown_total(line, total_shown);
                self.apply_to_station(trace, line, &StationAction::PollOpened { total_shown: shown });
            }
            StationAction::BallotPressed { .. } => {
                self.apply_to_station(trace, line, action);
                self.unit_input(line, now, Input::Ballot)?;
            }
            StationAction::DecidedNotToVote { cancelled_enable, .. }
            | StationAction::NotAllowedToVote { cancelled_enable, .. } => {
                self.apply_to_station(trace, line, action);
                if *cancelled_enable {
                    // Practice: switching the unit off and on cancels the enable.
                    self.unit_input(line, now, Input::PowerOff)?;
                    self.unit_input(line, now, Input::PowerOn { held_button: None })?;
                }
            }
            StationAction::PollClosed { .. }
            | StationAction::BoothCaptured { .. }
            | StationAction::PollAdjourned { .. } => {
                if !self.reference.is_powered() {
                    self.unit_input(line, now, Input::PowerOn { held_button: None })?;
                }
                self.unit_input(line, now, Input::Close)?;
                let shown = self.shown_total(line, total_shown);
                for position in self.reference.attached_positions() {
                    self.unit_input(line, now, Input::DetachBallotingUnit { position })?;
                }
                let action = match action {
                    StationAction::PollClosed { .. } => StationAction::PollClosed { total_shown: shown },
                    StationAction::BoothCaptured { .. } => StationAction::BoothCaptured { total_shown: shown },
                    _ => StationAction::PollAdjourned { total_shown: shown },
                };
                self.account_line = line.line;
                self.note_account_line(line.line);
                self.apply_to_station(trace, line, &action);
            }
            StationAction::MachineFailed { .. } => {
                let shown = self.shown_total(line, total_shown);
                if self.reference.is_powered() {
                    self.unit_input(line, now, Input::PowerOff)?;
                }
                self.machine.total_at_close = Some(shown);
                self.account_line = line.line;
                self.note_account_line(line.line);
                self.apply_to_station(trace, line, &StationAction::MachineFailed { total_shown: shown });
            }
            StationAction::FreshPollOrdered {} => {
                self.machines.iter_mut().for_each(|machine| machine.counted = false);
                self.machine.counted = false;
                self.apply_to_station(trace, line, action);
            }
            other => self.apply_to_station(trace, line, other),
        }
        Ok(())
    }

    /// The total the machine shows now; a different figure written in the
    /// trace is a finding (the officer recorded what the machine did not show).
    fn shown_total(&mut self, line: &TraceLine, written: Option<u32>) -> u32 {
        let shown = self.last_observation.map(|observation| observation.total).unwrap_or(0);
        if let Some(written) = written.filter(|written| *written != shown) {
            // The officer noted a figure the machine did not show: the
            // papers' slip (39R), not the machine's.
            self.find(Finding::procedural(
                None,
                "39R",
                line.line,
                describe(line),
                format!("the total the machine shows ({shown}) as written"),
                format!("total_shown {written} written"),
            ));
        }
        shown
    }

    /// A new machine set up for the header's candidates: balloting units
    /// attached (positions 1…k, or those `set_up` names, in the order their
    /// cables were connected), switched on, `Cand Set`, and the section
    /// sealed unless `set_up` says it was not (39B(4)(b)). A miscabled set
    /// shows as `Cand Set` refused, on the machine and the reference alike.
    fn set_up_machine(&mut self, trace: &Trace, line: &TraceLine, set_up: MachineSetUp) -> Result<(), TargetError> {
        let candidates = trace.header.candidate_count();
        let positions = set_up
            .balloting_units
            .unwrap_or_else(|| (1..=trace.header.profile.balloting_units_for(candidates)).collect());
        for position in positions {
            self.unit_input(line, line.at, Input::AttachBallotingUnit { position })?;
        }
        self.unit_input(line, line.at, Input::PowerOn { held_button: None })?;
        self.unit_input(line, line.at, Input::CandSet { candidates })?;
        if set_up.candidate_set_section_sealed {
            self.unit_input(line, line.at, Input::SealCandidateSetSection)?;
        }
        Ok(())
    }

    /// *(practice)* A mock poll of `votes` votes cycling over the ballot
    /// entries, one every `MOCK_POLL_SPACING_MILLISECONDS` from the line's
    /// time; with `cleared`, `Close`, `Result`, `Clear` follow.
    fn mock_poll(
        &mut self,
        trace: &Trace,
        line: &TraceLine,
        votes: u32,
        cleared: bool,
    ) -> Result<(u32, bool), TargetError> {
        self.report_votes_to_station = false;
        let entries = u32::from(trace.header.ballot_entries()).max(1);
        let mut recorded = 0;
        let mut at = line.at;
        for vote in 0..votes.min(evm_sim::profile::MAX_VOTE_CAPACITY) {
            at = line.at.plus_milliseconds(u64::from(vote) * MOCK_POLL_SPACING_MILLISECONDS);
            let address = ButtonAddress::of_ballot_entry((vote % entries) as u16 + 1)
                .unwrap_or(ButtonAddress { balloting_unit: 1, button: 1 });
            self.unit_input(line, at, Input::Ballot)?;
            self.unit_input(line, at, Input::PressButton { address })?;
            recorded += self.last_observation.map_or(0, |observation| observation.votes_recorded);
        }
        let mut cleared_on_machine = false;
        if cleared {
            for input in [Input::Close, Input::Result, Input::Clear] {
                self.unit_input(line, at, input)?;
            }
            cleared_on_machine = self.last_observation.is_some_and(|observation| observation.refusal.is_none());
            self.machine.readout = None;
            self.machine.total_at_close = None;
        }
        self.report_votes_to_station = true;
        Ok((recorded, cleared_on_machine))
    }

    /// Form 16C as the presiding officer and the counting table would write
    /// it: Part I of every poll not declared void, Part II of every counted
    /// machine whose result was read.
    fn forms(&self, header: &Header) -> Vec<String> {
        use evm_sim::forms::{text, CandidateVotes, Form16CPartTwo, PartTwoTally};
        let mut forms = Vec::new();
        for (poll, session, combined) in self.accounts_by_poll() {
            for station in &self.stations {
                let part_one = match session {
                    None => station.form_16c_part_one_of(poll),
                    Some(session) => station.form_16c_part_one_of_session(poll, session),
                };
                let Ok(mut part_one) = part_one else { continue };
                let mut text = String::new();
                if self.stations.len() > 1 {
                    // One machine, several registers: item 6 compares the
                    // machine's item 5 with the registers of every station.
                    part_one.item_six = combined.item_six;
                    text = format!(
                        "Common voting machine for polling stations {} (39C(4)): item 6 compares item 5 with items 2 - 3 - 4 of every station it served ({} - {} - {}).\n",
                        header.station_numbers().iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
                        combined.item_2,
                        combined.item_3,
                        combined.item_4
                    );
                }
                forms.push(text::form_16c_part_one(&part_one) + &text);
            }
        }
        for machine in self.machines.iter().filter(|machine| machine.counted) {
            let (Some(readout), Some(item_five)) = (&machine.readout, machine.total_at_close) else { continue };
            let candidates = readout
                .counts
                .iter()
                .enumerate()
                .map(|(index, &votes)| CandidateVotes {
                    serial: index as u16 + 1,
                    name: header.candidates.get(index).cloned().unwrap_or_else(|| "None of the Above".to_owned()),
                    votes: u64::from(votes),
                })
                .collect();
            let sum_of_counts = readout.counts.iter().map(|&count| u64::from(count)).sum();
            let control_unit =
                if machine.control_unit.is_empty() { "(unnamed)".to_owned() } else { machine.control_unit.clone() };
            forms.push(text::form_16c_part_two(
                &Form16CPartTwo {
                    control_unit,
                    candidates,
                    sum_of_counts,
                    total_shown: readout.total,
                    item_five,
                    tally: PartTwoTally::compare(sum_of_counts, readout.total, item_five),
                },
                &header.election,
            ));
        }
        forms
    }

    /// The account of each poll not declared void whose Part I can be
    /// prepared: items 2-4 and 7-9 summed over the stations the machine
    /// serves, item 5 the machine's (shared by every station, 39C(4)), and
    /// item 6 comparing them.
    ///
    /// A poll with adjourned sessions has an account per session (39V(1)):
    /// an error in one is never cancelled by another.
    fn accounts_by_poll(&self) -> Vec<(usize, Option<u8>, CombinedAccount)> {
        let Some(first) = self.stations.first() else { return Vec::new() };
        let mut accounts = Vec::new();
        let sessions = first.polls().iter().enumerate().flat_map(|(index, poll)| {
            let voided = poll.phase() == evm_sim::station::StationPhase::Voided;
            let sessions: Vec<Option<u8>> =
                if poll.session() == 0 { vec![None] } else { (0..=poll.session()).map(Some).collect() };
            // A poll declared void (s.62, s.63) is not counted: its account is moot.
            sessions.into_iter().filter(move |_| !voided).map(move |session| (index, session))
        });
        for (index, session) in sessions {
            let parts: Result<Vec<_>, _> = self
                .stations
                .iter()
                .map(|station| match session {
                    None => station.form_16c_part_one_of(index),
                    Some(session) => station.form_16c_part_one_of_session(index, session),
                })
                .collect();
            let Ok(parts) = parts else { continue };
            let mut combined = CombinedAccount {
                item_5: parts[0].total_votes_recorded,
                item_six: parts[0].item_six,
                ..CombinedAccount::default()
            };
            for part_one in &parts {
                combined.item_2 += part_one.voters_in_register;
                combined.item_3 += part_one.voters_deciding_not_to_vote;
                combined.item_4 += part_one.voters_not_allowed_to_vote;
                // Items 7 to 9 are the poll's: counted with its last session only.
                let last_session = session.is_none_or(|session| session == first.polls()[index].session());
                if !last_session {
                    continue;
                }
                combined.item_7 += part_one.voters_issued_tendered_ballot_papers;
                combined.item_8_issued += part_one.tendered_ballot_papers.issued.len() as u32;
                combined.item_8_not_used_and_returned += part_one.tendered_ballot_papers.not_used_and_returned;
                combined.item_9_supplied += part_one.paper_seals.total_supplied;
                combined.item_9_used += part_one.paper_seals.used;
                combined.item_9_unused_returned += part_one.paper_seals.unused_returned;
                combined.item_9_damaged += part_one.paper_seals.damaged.len() as u32;
            }
            combined.item_six = evm_sim::forms::ItemSixTally::compare(
                combined.item_5,
                u64::from(combined.item_2),
                u64::from(combined.item_3),
                u64::from(combined.item_4),
            );
            accounts.push((index, session, combined));
        }
        accounts
    }

    /// Form 16C items 2 to 9 over every poll (and every station of a common
    /// machine), and an ITEM-6 discrepancy for each poll whose account does
    /// not tally.
    fn account_of_votes(&mut self) -> Option<AccountOfVotes> {
        let accounts = self.accounts_by_poll();
        if accounts.is_empty() {
            return None;
        }
        let mut account = AccountOfVotes::default();
        let mut discrepancies = Vec::new();
        for (poll, session, combined) in accounts {
            account.item_2 += combined.item_2;
            account.item_3 += combined.item_3;
            account.item_4 += combined.item_4;
            account.item_5 += u32::try_from(combined.item_5).unwrap_or(u32::MAX);
            account.item_7 += combined.item_7;
            account.item_8_issued += combined.item_8_issued;
            account.item_8_not_used_and_returned += combined.item_8_not_used_and_returned;
            account.item_9_supplied += combined.item_9_supplied;
            account.item_9_used += combined.item_9_used;
            account.item_9_unused_returned += combined.item_9_unused_returned;
            account.item_9_damaged += combined.item_9_damaged;
            let difference = combined.item_six.difference();
            account.item_6_discrepancy += difference;
            if difference != 0 {
                let line = self.account_lines.get(&(poll, session.unwrap_or(0))).copied().unwrap_or(self.account_line);
                let text = match session {
                    Some(session) => format!("{} (the account of session {session}, 39V(1))", combined.item_six),
                    None => combined.item_six.to_string(),
                };
                discrepancies.push((text, combined.item_5, difference, line));
            }
        }
        for (text, item_five, difference, line) in discrepancies {
            self.find(Finding {
                kind: FindingKind::Discrepancy,
                property: Some(Property::Item6),
                rule: Property::Item6.rule().to_owned(),
                line,
                event: "Form 16C Part I".to_owned(),
                expected: format!(
                    "item 5 = item 2 - item 3 - item 4 = {}",
                    i64::try_from(item_five).unwrap_or(i64::MAX) - difference
                ),
                observed: format!("item 5 = {item_five}: {text}"),
            });
        }
        Some(account)
    }

    fn unit_input(&mut self, line: &TraceLine, now: Timestamp, input: Input) -> Result<(), TargetError> {
        let closed_before = self.reference.is_closed();
        let enabled_before = self.reference.ballot_enabled();
        let mut expected = self.reference.step(now, input);
        if input == Input::Close && expected.accepted {
            self.enable_pending_at_close = enabled_before;
        }
        let observed = self.target.step(now, input)?;
        self.machine_used = true;
        if let Some(entries) = expected.one_of_two {
            self.two_buttons_at_once(line, now, entries, &observed, &mut expected);
        }
        self.compare(line, input, closed_before, &expected, &observed);
        if input == Input::Close && observed.refusal.is_none() {
            self.machine.total_at_close = Some(observed.total);
        }
        if input == Input::Result && observed.refusal.is_none() {
            let readout = self.target.result_readout()?;
            self.check_readout(line, readout.as_ref());
            self.result_at_counting(line, readout.as_ref());
            self.machine.readout = readout;
        }
        if input == Input::Clear && observed.refusal.is_none() {
            self.clear_after_counting(line);
        }
        if self.report_votes_to_station && !self.stations.is_empty() {
            for _ in 0..observed.votes_recorded {
                self.station_fact(line, now, StationAction::VoteRecorded {});
            }
            // An enable cancelled without a vote (a power cut, a unit
            // detached…): the elector may be given `Ballot` again. The close's
            // cancellation is the station's own close action.
            if expected.enable_cancelled && input != Input::Close {
                self.station_fact(line, now, StationAction::EnableCancelled {});
            }
        }
        self.last_observation = Some(observed);
        Ok(())
    }

    /// A press with the power cut before its beep. A vote is durable before
    /// its beep (RETAIN), so the machine lawfully either kept it or never
    /// recorded it; the enable is gone either way and the elector may be
    /// given `Ballot` again. Never two votes. The reference follows the
    /// machine, and an advisory says which it did.
    fn press_cut_before_beep(&mut self, line: &TraceLine, press: Input) -> Result<(), TargetError> {
        let before = self.reference.clone();
        let expected = self.reference.step(line.at, press);
        let observed = self.target.step(line.at, press)?;
        self.machine_used = true;
        let kept = observed.votes_recorded == 1 && expected.votes_recorded == 1;
        let lost = observed.votes_recorded == 0 && expected.votes_recorded == 1;
        if lost {
            // As if the cut came first: the reference never recorded it.
            self.reference = before;
        }
        let closed_before = self.reference.is_closed();
        let judged =
            if lost { Expected { accepted: observed.refusal.is_none(), ..Expected::default() } } else { expected };
        if kept || lost {
            self.find(Finding::advisory(
                "61N: a vote is durable before its beep",
                line.line,
                describe(line),
                "the vote kept, or never recorded; never two".to_owned(),
                if kept {
                    "the machine kept the vote pressed before the cut".to_owned()
                } else {
                    "the machine had not recorded the vote when the power was cut; the elector may be given Ballot again".to_owned()
                },
            ));
        }
        self.compare(line, press, closed_before, &judged, &observed);
        self.last_observation = Some(observed);
        if self.report_votes_to_station {
            for _ in 0..observed.votes_recorded {
                self.station_fact(line, line.at, StationAction::VoteRecorded {});
            }
        }
        // The cut itself: the enable (if the vote was not recorded) goes with it.
        if self.reference.is_powered() {
            self.unit_input(line, line.at, Input::PowerOff)?;
        }
        Ok(())
    }

    /// Records `line` as the line that closes the current poll's current
    /// session (its account's item 6 is reported there).
    fn note_account_line(&mut self, line: usize) {
        if let Some(first) = self.stations.first() {
            let key = (first.polls().len() - 1, first.current_poll().session());
            self.account_lines.insert(key, line);
        }
    }

    /// A fact of the machine, told to the station's papers, with any
    /// irregularity they then show.
    ///
    /// With a common machine (39C(4)) a vote goes to the station whose
    /// elector was given `Ballot` (else one with an enable left pending,
    /// else the header's station); a cancelled enable to every station.
    fn station_fact(&mut self, line: &TraceLine, now: Timestamp, fact: StationAction) {
        let indices = match fact {
            StationAction::VoteRecorded {} if self.stations.len() > 1 => {
                let voting = self
                    .stations
                    .iter()
                    .position(|station| station.ballot_pending_for().is_some())
                    .or_else(|| self.stations.iter().position(PollingStation::stale_enable_pending))
                    .unwrap_or(0);
                voting..voting + 1
            }
            StationAction::VoteRecorded {} => 0..1,
            _ => 0..self.stations.len(),
        };
        for index in indices {
            let Some(station) = self.stations.get_mut(index) else { continue };
            let Ok(accepted) = station.apply(now, &fact) else { continue };
            for irregularity in accepted.irregularities {
                self.irregularity(line, &irregularity);
            }
        }
    }

    /// Two buttons pressed at once on an enabled ballot (practice: at most
    /// one vote). No vote (the enable stays) and one vote for one of the two
    /// (the enable used) are both lawful: the reference follows the machine,
    /// and an advisory says which it did. Two votes stay a ONE-VOTE violation.
    fn two_buttons_at_once(
        &mut self,
        line: &TraceLine,
        now: Timestamp,
        entries: (usize, usize),
        observed: &Observation,
        expected: &mut Expected,
    ) {
        let (first, second) = (entries.0 + 1, entries.1 + 1);
        let did = match observed.votes_recorded {
            0 => format!("recorded no vote for ballot entries {first} and {second} pressed at once; the enable stays for the elector to press again"),
            1 => {
                self.reference.adopt_one_of_two(now, entries);
                expected.votes_recorded = 1;
                format!("recorded one vote for one of ballot entries {first} and {second}, pressed at once (the result shows which); the enable is used")
            }
            _ => return,
        };
        expected.accepted = observed.refusal.is_none();
        self.find(Finding::advisory(
            "39L(2); practice: two buttons at once record at most one vote",
            line.line,
            describe(line),
            "at most one vote for two buttons pressed at once".to_owned(),
            format!("the machine {did}"),
        ));
    }

    /// Compares one step of the target with the reference and attributes any
    /// difference to the property it breaks.
    fn compare(
        &mut self,
        line: &TraceLine,
        input: Input,
        closed_before: bool,
        expected: &Expected,
        observed: &Observation,
    ) {
        if observed.candidate_disclosed {
            self.violation(
                Some(Property::Secrecy),
                line,
                "a vote recorded without naming its candidate".into(),
                "the unit disclosed the candidate of the vote".into(),
            );
        }
        if observed.votes_recorded != expected.votes_recorded {
            let property = if observed.votes_recorded < expected.votes_recorded {
                None
            } else if closed_before {
                Some(if self.enable_pending_at_close { Property::BoothCapture } else { Property::Close })
            } else {
                Some(Property::OneVote)
            };
            self.violation(
                property,
                line,
                format!("{} vote(s) recorded", expected.votes_recorded),
                format!("{} vote(s) recorded", observed.votes_recorded),
            );
            return;
        }
        let accepted = observed.refusal.is_none();
        if accepted != expected.accepted {
            let property = match (input, accepted) {
                (Input::Result, true) => Some(Property::SealedResult),
                (Input::CandSet { .. }, true) => Some(Property::CandidateSet),
                (Input::Clear, true) => Some(Property::Retain),
                (Input::Ballot, true) if self.reference.is_closed() => Some(Property::Close),
                (Input::Ballot, true) => Some(Property::OneVote),
                (Input::Close | Input::DetachBallotingUnit { .. }, false) => Some(Property::BoothCapture),
                _ => None,
            };
            let mut expected_text = if expected.accepted { "accepted".to_owned() } else { "refused".to_owned() };
            if input == Input::Ballot && expected.rate_limited {
                // The booth-capture safeguard, judged as the board announced it.
                let rule = match self.profile.rate_rule {
                    evm_sim::RateRule::SlidingWindow => "at most N votes in any 60,000 ms",
                    evm_sim::RateRule::MinimumInterval => "at least ceil(60,000 / N) ms from a vote to the next Ballot",
                };
                let votes = self.profile.rate_limit_votes_per_minute.unwrap_or(0);
                expected_text = format!("refused rate_limited: {rule}, N = {votes}, as the profile announces");
                let observed_text = "accepted".to_owned();
                let mut finding = Finding::violation(None, line.line, describe(line), expected_text, observed_text);
                finding.rule = "practice: the vote-rate limit as announced".to_owned();
                self.find(finding);
                return;
            }
            let observed_text = match observed.refusal {
                Some(refusal) => format!("refused: {} ({})", refusal.code(), refusal.rule()),
                None => "accepted".to_owned(),
            };
            self.violation(property, line, expected_text, observed_text);
            return;
        }
        let reference_busy = self.reference.is_powered() && self.reference.ballot_enabled();
        if observed.lamps.busy != reference_busy {
            let property = if self.reference.is_closed() { Property::BoothCapture } else { Property::OneVote };
            self.violation(
                Some(property),
                line,
                format!("Busy lamp {}", if reference_busy { "on" } else { "off" }),
                format!("Busy lamp {}", if observed.lamps.busy { "on" } else { "off" }),
            );
            return;
        }
        if observed.total != self.reference.total() {
            let property = match input {
                Input::Clear => Property::Zero,
                Input::PressButton { .. } | Input::PressTwoButtons { .. } => Property::PartII,
                _ => Property::Retain,
            };
            self.violation(
                Some(property),
                line,
                format!("total {}", self.reference.total()),
                format!("total {}", observed.total),
            );
            return;
        }
        if input == Input::Total && accepted {
            // Judged on what the display shows, whatever the wording.
            let total = self.reference.total();
            if let Err(reason) = crate::total_display::shows_total_only(observed.display.as_str(), total) {
                self.violation(
                    Some(Property::TotalOnly),
                    line,
                    format!("the display to show the total ({total}) and no other number"),
                    format!("display {:?}: {reason}", observed.display.as_str()),
                );
            }
        }
    }

    fn check_readout(&mut self, line: &TraceLine, readout: Option<&Readout>) {
        let Some(readout) = readout else {
            self.violation(None, line, "the result readout after Result".into(), "no readout".into());
            return;
        };
        let sum: u64 = readout.counts.iter().map(|&count| u64::from(count)).sum();
        if sum != u64::from(readout.total) {
            self.violation(
                Some(Property::PartII),
                line,
                format!("candidate counts summing to the total shown ({})", readout.total),
                format!("candidate counts summing to {sum}"),
            );
        } else if self.machine.total_at_close.is_some_and(|total| total != readout.total) {
            let total_at_close = self.machine.total_at_close.unwrap_or_default();
            self.find(Finding {
                kind: FindingKind::Discrepancy,
                property: Some(Property::PartII),
                rule: Property::PartII.rule().to_owned(),
                line: line.line,
                event: describe(line),
                expected: format!("Part II total = the total shown at Close ({total_at_close})"),
                observed: format!("Part II total {}", readout.total),
            });
        } else if !self.reference.counts_possible(&readout.counts) {
            self.violation(
                Some(Property::Retain),
                line,
                format!("counts {:?}", self.reference.counts()),
                format!("counts {:?}", readout.counts),
            );
        }
    }

    fn expect(&mut self, line: &TraceLine, expectation: &Expectation) {
        let Some(observed) = self.last_observation else {
            self.violation(None, line, "an observation point after a unit event".into(), "no unit event yet".into());
            return;
        };
        let mut mismatches = Vec::new();
        let mut check = |name: &str, expected: Option<String>, observed: String| {
            if let Some(expected) = expected {
                if expected != observed {
                    mismatches.push((format!("{name} {expected}"), format!("{name} {observed}")));
                }
            }
        };
        check("display", expectation.display.clone(), observed.display.as_str().to_owned());
        check("total", expectation.total.map(|total| total.to_string()), observed.total.to_string());
        check("on", expectation.on.map(|on| on.to_string()), observed.lamps.on.to_string());
        check("busy", expectation.busy.map(|busy| busy.to_string()), observed.lamps.busy.to_string());
        check("ready", expectation.ready.map(|ready| ready.to_string()), observed.lamps.ready.to_string());
        check(
            "refused",
            expectation.refused.clone(),
            observed.refusal.map(|refusal| refusal.code()).unwrap_or("(accepted)").to_owned(),
        );
        check(
            "accepted",
            expectation.accepted.map(|accepted| accepted.to_string()),
            observed.refusal.is_none().to_string(),
        );
        check(
            "votes_recorded",
            expectation.votes_recorded.map(|votes| votes.to_string()),
            observed.votes_recorded.to_string(),
        );
        for (expected, observed) in mismatches {
            self.violation(None, line, expected, observed);
        }
    }

    fn expect_result(&mut self, line: &TraceLine, counts: &[u32], total: u32) {
        let observed = self.machine.readout.as_ref().map(|readout| (readout.counts.clone(), readout.total));
        if observed.as_ref() != Some(&(counts.to_vec(), total)) {
            self.violation(
                None,
                line,
                format!("result counts {counts:?} total {total}"),
                match observed {
                    Some((counts, total)) => format!("result counts {counts:?} total {total}"),
                    None => "no result read".into(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    /// The parser's list and the replay's match name the same actions.
    #[test]
    fn the_machine_actions_agree_with_the_parser() {
        use evm_sim::StationAction;
        let actions = [
            StationAction::MachineInstalled { control_unit: "CU".into() },
            StationAction::MockPollHeld { votes: 1, cleared: true },
            StationAction::PollOpened { total_shown: 0 },
            StationAction::CloseOfPollHour {},
            StationAction::PollClosed { total_shown: 0 },
            StationAction::BoothCaptured { total_shown: 0 },
            StationAction::PollAdjourned { total_shown: 0 },
            StationAction::MachineFailed { total_shown: 0 },
            StationAction::FreshPollOrdered {},
            StationAction::ElectorArrived { elector: 1 },
            StationAction::VoteRecorded {},
        ];
        for action in &actions {
            assert_eq!(
                super::on_the_machine(action),
                crate::trace::COMMON_MACHINE_ACTIONS.contains(&action.name()),
                "{action:?}"
            );
        }
    }
}

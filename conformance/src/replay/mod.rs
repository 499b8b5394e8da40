//! The replay engine: drives a target through a trace and checks, after every
//! step, the target's observable behaviour against the reference model,
//! attributing each difference to the property of DOMAIN.md section 3 it
//! breaks. At the end it checks the accounts (Form 16C item 6, Part II).

use crate::reference::{Expected, ReferenceUnit};
use crate::target::{Observation, Readout, Target, TargetError};
use crate::trace::{Expectation, Header, MachineChange, Trace, TraceEvent, TraceLine};
use crate::verdict::{AccountOfVotes, Finding, FindingKind, TraceOutcome};
use evm_sim::station::road::{self, MachinePort, Pressed, StationPort};
use evm_sim::station::{Irregularity, MachineSetUp};
use evm_sim::unit::Input;
use evm_sim::{MachineProfile, PollingStation, Property, StationAction, StationIdentity, StationRefusal, Timestamp};

mod counting;
mod machine;
mod papers;
mod port;
pub mod schedule;

/// Findings kept per trace; past it a graver finding replaces a milder one
/// (see `Replay::find`).
pub const MAX_FINDINGS_PER_TRACE: usize = 64;

/// One machine used at the station, as the replay saw it.
#[derive(Clone, Debug, Default)]
struct MachineInReplay {
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
    machine: MachineInReplay,
    machines: Vec<MachineInReplay>,
    events: usize,
    /// The papers of each station the machine serves (the header's first,
    /// then a common machine's others, 39C(4)), from the first station
    /// action on.
    stations: Vec<PollingStation>,
    /// Whether the machine in use has received any input.
    machine_used: bool,
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
    if !target.offers_test_mode() {
        if let Some(board) = target.announced_profile() {
            let needed = profile_judged(&trace.header, Some(board));
            if let Some(difference) = needed.difference(&board) {
                return TraceOutcome::not_applicable(format!(
                    "the trace needs {difference}: target {} has no test mode to change its machine ({})",
                    target.name(),
                    board.describe()
                ));
            }
        }
        return replay_in_field_mode(trace, target);
    }
    match run(trace, target) {
        Ok(outcome) => outcome,
        Err(error) => TraceOutcome::inconclusive(error.cause, error.to_string()),
    }
}

/// Field mode (a board with its own clock, docs/PROTOCOL.md section 6):
/// the trace replayed on its field schedule ([`schedule::field_schedule`]),
/// the board paced in real time by the target, and the findings given back
/// the trace's own times.
fn replay_in_field_mode(trace: &Trace, target: &mut dyn Target) -> TraceOutcome {
    let profile = profile_judged(&trace.header, target.announced_profile());
    let options = target.field_options();
    if opens_the_case(trace) && !options.allow_fail_safe {
        return TraceOutcome::not_applicable(format!(
            "the trace opens the case, which leaves target {} (no test mode) fail-safe until its factory clears it; \
             --allow-fail-safe runs it, after every other trace on its board",
            target.name()
        ));
    }
    let scheduled = match options.masked {
        Some(seed) => schedule::masked_schedule(trace, &profile, options.real_time_budget, seed),
        None => schedule::field_schedule(trace, &profile, options.real_time_budget),
    };
    let schedule = match scheduled {
        Ok(schedule) => schedule,
        Err(reason) => {
            let run = if options.masked.is_some() { "a masked field run" } else { "field mode" };
            return TraceOutcome::not_applicable(format!(
                "in {run} (target {} keeps its own clock) the trace {reason}",
                target.name()
            ));
        }
    };
    let mut field = trace.clone();
    for (line, at) in field.lines.iter_mut().zip(&schedule.times) {
        line.at = *at;
    }
    let mut outcome = match run(&field, target) {
        Ok(outcome) => outcome,
        Err(error) => return TraceOutcome::inconclusive(error.cause, error.to_string()),
    };
    let written: std::collections::HashMap<usize, (Timestamp, Timestamp)> =
        trace.lines.iter().zip(&schedule.times).map(|(line, at)| (line.line, (*at, line.at))).collect();
    for finding in &mut outcome.findings {
        if let Some((scheduled, own)) = written.get(&finding.line) {
            let scheduled = crate::trace::format_time(*scheduled);
            if let Some(rest) = finding.event.strip_prefix(&scheduled) {
                finding.event = format!("{}{rest}", crate::trace::format_time(*own));
            }
        }
    }
    outcome
}

/// Whether the trace opens the machine's case (`open_case`): a field board
/// is fail-safe after it until its factory clears it.
pub fn opens_the_case(trace: &Trace) -> bool {
    trace.lines.iter().any(|line| matches!(line.event, TraceEvent::Unit(Input::OpenCase)))
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
        machine: MachineInReplay { counted: true, ..MachineInReplay::default() },
        machines: Vec::new(),
        events: 0,
        stations: Vec::new(),
        machine_used: false,
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

/// The event of a line, in words, for findings.
fn describe(line: &TraceLine) -> String {
    let what = match &line.event {
        TraceEvent::Unit(input) => serde_json::to_string(input).unwrap_or_default(),
        TraceEvent::PressCutBeforeBeep(input) => {
            format!("{} (power cut before the beep)", serde_json::to_string(input).unwrap_or_default())
        }
        TraceEvent::Expect(expectation) => format!("expect {}", serde_json::to_string(expectation).unwrap_or_default()),
        TraceEvent::ExpectResult { counts, total } => format!("expect_result counts {counts:?} total {total}"),
        TraceEvent::NewMachine { reason } => {
            format!("new_machine {}", serde_json::to_string(reason).unwrap_or_default())
        }
        TraceEvent::LinkNoise { bytes, seed } => format!("link_noise {bytes} bytes, seed {seed}"),
        TraceEvent::Station { action, .. } => serde_json::to_string(action).unwrap_or_default(),
        TraceEvent::Counting(event) => serde_json::to_string(event).unwrap_or_default(),
    };
    format!("{} {what}", crate::trace::format_time(line.at))
}

impl Replay<'_> {
    /// Keeps a finding. Past [`MAX_FINDINGS_PER_TRACE`] a finding of a
    /// graver grade takes the place of the last one of a milder grade, so
    /// the verdict (the gravest grade) is never milder for the cap.
    fn find(&mut self, finding: Finding) {
        if self.findings.len() < MAX_FINDINGS_PER_TRACE {
            self.findings.push(finding);
            return;
        }
        let gravity = |kind: crate::verdict::FindingKind| kind.verdict().gravity();
        if let Some(milder) = self.findings.iter().rposition(|kept| gravity(kept.kind) < gravity(finding.kind)) {
            self.findings.remove(milder);
            self.findings.push(finding);
        }
    }

    fn violation(&mut self, property: Option<Property>, line: &TraceLine, expected: String, observed: String) {
        self.find(Finding::violation(property, line.line, describe(line), expected, observed));
    }

    fn line(&mut self, trace: &Trace, line: &TraceLine) -> Result<(), TargetError> {
        self.events += 1;
        match &line.event {
            TraceEvent::Unit(input) => {
                road::press(&mut port::Judged::new(self, trace, line, None), line.at, *input)?;
            }
            TraceEvent::PressCutBeforeBeep(input) => self.press_cut_before_beep(trace, line, *input)?,
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
        if !self.target.offers_test_mode() {
            // A field board is one control unit: it cannot become a new one.
            self.not_applicable = Some(format!(
                "the trace takes another machine into use; target {} is one control unit with no test mode to start another",
                self.target.name()
            ));
            return Ok(());
        }
        let mut previous = std::mem::take(&mut self.machine);
        // Kept, so that the counting can take the machine up again.
        previous.reference = Some(std::mem::replace(&mut self.reference, ReferenceUnit::new(self.profile)));
        self.machines.push(previous);
        if fresh_poll {
            self.machines.iter_mut().for_each(|machine| machine.counted = false);
        }
        self.machine =
            MachineInReplay { counted: true, target_index: self.machines_started, ..MachineInReplay::default() };
        self.machines_started += 1;
        self.target.start_machine(self.profile, trace.header.defects)?;
        self.enable_pending_at_close = false;
        self.last_observation = None;
        self.machine_used = false;
        Ok(())
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
                super::papers::on_the_machine(action),
                crate::trace::COMMON_MACHINE_ACTIONS.contains(&action.name()),
                "{action:?}"
            );
        }
    }
}

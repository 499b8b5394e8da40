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
    /// The irregularities the papers noted for the action being applied:
    /// one buffer for the whole trace (a fresh one for every action cost a
    /// stalled copy of it each time).
    noted: evm_sim::station::Accepted,
}

/// Replays `trace` against `target`.
pub fn replay(trace: &Trace, target: &mut dyn Target) -> TraceOutcome {
    if let Some(outcome) = defects_not_carried(&trace.header, target) {
        return outcome;
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

/// The trace needs seeded defects the target cannot carry: not applicable.
fn defects_not_carried(header: &Header, target: &dyn Target) -> Option<TraceOutcome> {
    if header.defects.is_empty() || target.can_carry_defects() {
        return None;
    }
    let names: Vec<String> =
        header.defects.iter().map(|defect| serde_json::to_string(&defect).unwrap_or_default()).collect();
    Some(TraceOutcome::not_applicable(format!(
        "the trace needs seeded defects [{}] that target {} cannot carry",
        names.join(", "),
        target.name()
    )))
}

fn run(trace: &Trace, target: &mut dyn Target) -> Result<TraceOutcome, TargetError> {
    let mut replay = Replay::start(&trace.header, target)?;
    for line in &trace.lines {
        if crate::interrupt::requested() {
            // A signal: stop here; the runner reports the trace `interrupted`.
            break;
        }
        if let Some(ended) = replay.judge(&trace.header, line)? {
            return Ok(ended);
        }
    }
    Ok(replay.finish(&trace.header, Forms::Written))
}

/// Whether a replay writes out the forms (Form 16C Part I and Part II as
/// text, for the reports). The checks never read them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forms {
    Written,
    Skipped,
}

/// A replay fed one line at a time, as a generator makes the day
/// ([`crate::generate::PlannedDay::write`]): the checks of [`replay`],
/// line for line, without the trace ever held whole. The trace's times are
/// the target's clock, so the target must offer test mode; on a field
/// board the trace is `not_applicable` (field mode schedules the whole
/// trace before its first line).
pub struct LineByLine<'header, 'target> {
    header: &'header Header,
    state: Judging<'target>,
}

/// Where a replay fed line by line stands.
enum Judging<'target> {
    Running(Replay<'target>),
    /// Ended before its last line (not applicable, or the target failed).
    Ended(TraceOutcome),
}

impl<'header, 'target> LineByLine<'header, 'target> {
    pub fn start(header: &'header Header, target: &'target mut dyn Target) -> Self {
        let cannot_run = defects_not_carried(header, target).or_else(|| {
            (!target.offers_test_mode()).then(|| {
                TraceOutcome::not_applicable(format!(
                    "a trace replayed line by line needs a target with test mode; target {} keeps its own clock",
                    target.name()
                ))
            })
        });
        let state = match cannot_run {
            Some(outcome) => Judging::Ended(outcome),
            None => match Replay::start(header, target) {
                Ok(replay) => Judging::Running(replay),
                Err(error) => Judging::Ended(TraceOutcome::inconclusive(error.cause, error.to_string())),
            },
        };
        LineByLine { header, state }
    }

    /// Judges the next line (lines after the replay ended are ignored, as
    /// [`replay`] stops at the line that ended it).
    pub fn line(&mut self, line: &TraceLine) {
        let Judging::Running(replay) = &mut self.state else { return };
        if crate::interrupt::requested() {
            // A signal: the lines after it are not judged, as in `replay`.
            return;
        }
        match replay.judge(self.header, line) {
            Ok(None) => {}
            Ok(Some(ended)) => self.state = Judging::Ended(ended),
            Err(error) => self.state = Judging::Ended(TraceOutcome::inconclusive(error.cause, error.to_string())),
        }
    }

    /// The outcome, after the last line.
    pub fn finish(self, forms: Forms) -> TraceOutcome {
        match self.state {
            Judging::Running(replay) => replay.finish(self.header, forms),
            Judging::Ended(outcome) => outcome,
        }
    }
}

impl<'target> Replay<'target> {
    /// A replay of a trace with `header`, its first machine started.
    fn start(header: &Header, target: &'target mut dyn Target) -> Result<Replay<'target>, TargetError> {
        let profile = profile_judged(header, target.announced_profile());
        target.start_trace();
        target.start_machine(profile, header.defects)?;
        Ok(Replay {
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
            noted: evm_sim::station::Accepted::default(),
        })
    }

    /// Judges one line; the outcome when the replay ends there (the trace
    /// turned out not applicable to the target).
    fn judge(&mut self, header: &Header, line: &TraceLine) -> Result<Option<TraceOutcome>, TargetError> {
        self.line(header, line)?;
        Ok(self.not_applicable.take().map(TraceOutcome::not_applicable))
    }

    /// After the last line: the accounts, and the forms if asked for.
    fn finish(mut self, header: &Header, forms: Forms) -> TraceOutcome {
        self.part_two_against_written_accounts();
        let station_count = self.station_count();
        self.machines.push(std::mem::take(&mut self.machine));
        let account = self.account_of_votes();
        let forms = match forms {
            Forms::Written => self.forms(header),
            Forms::Skipped => Vec::new(),
        };
        let mut outcome = TraceOutcome::from_findings(self.findings, account, self.events);
        outcome.forms = forms;
        outcome.station_count = station_count;
        outcome
    }
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
    #[cold]
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

    #[cold]
    fn violation(&mut self, property: Option<Property>, line: &TraceLine, expected: String, observed: String) {
        self.find(Finding::violation(property, line.line, describe(line), expected, observed));
    }

    fn line(&mut self, header: &Header, line: &TraceLine) -> Result<(), TargetError> {
        self.events += 1;
        match &line.event {
            TraceEvent::Unit(input) => {
                road::press(&mut port::Judged::new(self, header, line, None), line.at, *input)?;
            }
            TraceEvent::PressCutBeforeBeep(input) => self.press_cut_before_beep(header, line, *input)?,
            TraceEvent::Expect(expectation) => self.expect(line, expectation),
            TraceEvent::ExpectResult { counts, total } => self.expect_result(line, counts, *total),
            TraceEvent::NewMachine { reason } => self.new_machine(header, *reason == MachineChange::FreshPoll)?,
            TraceEvent::LinkNoise { bytes, seed } => self.target.link_noise(*bytes, *seed)?,
            TraceEvent::Station { action, total_shown, set_up, .. } => {
                self.station_action(header, line, action, *total_shown, set_up.as_deref())?
            }
            TraceEvent::Counting(event) => self.counting_event(header, line, event)?,
        }
        Ok(())
    }

    /// Takes a new machine into use; after a fresh poll the earlier ones are
    /// not counted (s.62, s.63).
    fn new_machine(&mut self, header: &Header, fresh_poll: bool) -> Result<(), TargetError> {
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
        self.target.start_machine(self.profile, header.defects)?;
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

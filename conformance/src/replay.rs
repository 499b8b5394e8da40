//! The replay engine: drives a target through a trace and checks, after every
//! step, the target's observable behaviour against the reference model,
//! attributing each difference to the property of DOMAIN.md section 3 it
//! breaks. At the end it checks the accounts (Form 16C item 6, Part II).

use crate::reference::{Expected, ReferenceUnit};
use crate::target::{Observation, Readout, Target, TargetError};
use crate::trace::{Expectation, MachineChange, Trace, TraceEvent, TraceLine};
use crate::verdict::{Finding, TraceOutcome};
use evm_sim::display::Display;
use evm_sim::unit::Input;
use evm_sim::{Property, Timestamp};

/// Findings kept per trace; later ones are counted, not stored.
pub const MAX_FINDINGS_PER_TRACE: usize = 64;

/// One machine used at the station, as the replay saw it.
#[derive(Clone, Debug, Default)]
struct MachineRecord {
    counted: bool,
    readout: Option<Readout>,
}

/// The replay of one trace against one target.
struct Replay<'target> {
    target: &'target mut dyn Target,
    reference: ReferenceUnit,
    findings: Vec<Finding>,
    /// The reference had an enable pending when `Close` was accepted.
    enable_pending_at_close: bool,
    last: Option<(Input, Expected, Observation)>,
    last_observation: Option<Observation>,
    machine: MachineRecord,
    machines: Vec<MachineRecord>,
    events: usize,
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
    let profile = trace.header.profile;
    target.start_machine(profile, trace.header.defects)?;
    let mut replay = Replay {
        target,
        reference: ReferenceUnit::new(profile),
        findings: Vec::new(),
        enable_pending_at_close: false,
        last: None,
        last_observation: None,
        machine: MachineRecord { counted: true, readout: None },
        machines: Vec::new(),
        events: 0,
    };
    for line in &trace.lines {
        replay.line(trace, line)?;
    }
    replay.machines.push(std::mem::take(&mut replay.machine));
    let events = replay.events;
    Ok(TraceOutcome::from_findings(replay.findings, None, events))
}

/// The event of a line, in words, for findings.
fn describe(line: &TraceLine) -> String {
    let what = match &line.event {
        TraceEvent::Unit(input) => serde_json::to_string(input).unwrap_or_default(),
        TraceEvent::Expect(expectation) => format!("expect {}", serde_json::to_string(expectation).unwrap_or_default()),
        TraceEvent::ExpectResult { counts, total } => format!("expect_result counts {counts:?} total {total}"),
        TraceEvent::NewMachine { reason } => format!("new_machine {reason:?}"),
        TraceEvent::LinkNoise { bytes, seed } => format!("link_noise {bytes} bytes, seed {seed}"),
    };
    format!("{} {what}", line.at)
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
            TraceEvent::Expect(expectation) => self.expect(line, expectation),
            TraceEvent::ExpectResult { counts, total } => self.expect_result(line, counts, *total),
            TraceEvent::NewMachine { reason } => {
                let previous = std::mem::take(&mut self.machine);
                self.machines.push(previous);
                if *reason == MachineChange::FreshPoll {
                    // s.62/s.63: the voided machines are not counted.
                    self.machines.iter_mut().for_each(|machine| machine.counted = false);
                }
                self.machine = MachineRecord { counted: true, readout: None };
                self.target.start_machine(trace.header.profile, trace.header.defects)?;
                self.reference = ReferenceUnit::new(trace.header.profile);
                self.enable_pending_at_close = false;
                self.last = None;
                self.last_observation = None;
            }
            TraceEvent::LinkNoise { bytes, seed } => self.target.link_noise(*bytes, *seed)?,
        }
        Ok(())
    }

    fn unit_input(&mut self, line: &TraceLine, now: Timestamp, input: Input) -> Result<(), TargetError> {
        let closed_before = self.reference.is_closed();
        let enabled_before = self.reference.ballot_enabled();
        let expected = self.reference.step(now, input);
        if input == Input::Close && expected.accepted {
            self.enable_pending_at_close = enabled_before;
        }
        let observed = self.target.step(now, input)?;
        self.compare(line, input, closed_before, &expected, &observed);
        if input == Input::Result && observed.refusal.is_none() {
            let readout = self.target.result_readout()?;
            self.check_readout(line, readout.as_ref());
            self.machine.readout = readout;
        }
        self.last = Some((input, expected, observed));
        self.last_observation = Some(observed);
        Ok(())
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
            let expected_text = if expected.accepted { "accepted".to_owned() } else { "refused".to_owned() };
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
            let shown = Display::Total { total: self.reference.total() }.text();
            if observed.display != shown {
                self.violation(
                    Some(Property::TotalOnly),
                    line,
                    format!("display {:?}", shown.as_str()),
                    format!("display {:?}", observed.display.as_str()),
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
        } else if readout.counts != self.reference.counts() {
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

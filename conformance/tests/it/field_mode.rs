//! Issue 13: field mode judged in process. A target without test mode (the
//! simulated unit behind a wrapper that says so) is replayed on the field
//! schedule: its verdict is the test-mode verdict, and every finding keeps
//! the trace's own time, not the schedule's.

use crate::wrapped_target::wrapped;
use evm_conformance::replay::replay;
use evm_conformance::target::{Observation, Readout, SimTarget, Target, TargetError};
use evm_conformance::trace::parse_trace;
use evm_sim::unit::Input;
use evm_sim::{Defects, MachineProfile, Timestamp};

/// The simulated unit, announcing an M2 and no test mode (a field board
/// whose clock the replay itself supplies).
struct FieldUnit(SimTarget);

impl Target for FieldUnit {
    fn name(&self) -> String {
        "field-sim".to_owned()
    }
    fn can_carry_defects(&self) -> bool {
        false
    }
    fn offers_test_mode(&self) -> bool {
        false
    }
    fn announced_profile(&self) -> Option<MachineProfile> {
        Some(MachineProfile::m2())
    }
    fn start_machine(&mut self, profile: MachineProfile, defects: Defects) -> Result<(), TargetError> {
        self.0.start_machine(profile, defects)
    }
    fn step(&mut self, now: Timestamp, input: Input) -> Result<Observation, TargetError> {
        self.0.step(now, input)
    }
    fn result_readout(&mut self) -> Result<Option<Readout>, TargetError> {
        self.0.result_readout()
    }
}

const TRACE: &str = r#"{"trace":"evm-poll-day","version":1,"profile":"M2","polling_station":{"number":3},"candidates":["A","B"],"electors_assigned":10,"provenance":{"source":"test"}}
{"at":"05:00:00","event":"attach_balloting_unit","position":1}
{"at":"05:30:00","event":"power_on"}
{"at":"05:30:10","event":"cand_set","candidates":2}
{"at":"05:30:20","event":"seal_candidate_set_section"}
{"at":"05:30:30","event":"fix_result_seal"}
{"at":"07:00:00","event":"ballot"}
{"at":"07:00:01","event":"press","candidate":1}
{"at":"07:00:02","event":"expect","total":2}
"#;

#[test]
fn a_field_target_gets_the_test_mode_verdict_with_the_trace_s_own_times() {
    let trace = parse_trace(std::path::Path::new("field.jsonl"), TRACE).expect("a trace");
    let test_mode = replay(&trace, &mut SimTarget::new());
    let field = replay(&trace, &mut FieldUnit(SimTarget::new()));
    assert_eq!(field.verdict, test_mode.verdict, "{:?}", field.reason);
    assert_eq!(field.findings.len(), 1, "{:?}", field.findings);
    let finding = &field.findings[0];
    assert_eq!(finding.line, 9);
    // The schedule put the line a few tenths of a second after 05:00:00;
    // the report names the time the trace wrote.
    assert!(finding.event.starts_with("07:00:02.000 "), "{}", finding.event);
    assert_eq!(finding.event, test_mode.findings[0].event);
}

/// The simulated unit, refusing every `Total` with a refusal of its own:
/// a board that refuses what the reference accepts.
fn refuses_total() -> impl Target {
    wrapped(|inner: &mut SimTarget, now, input| {
        let mut observation = inner.step(now, input)?;
        if input == Input::Total {
            observation.refusal = Some(evm_sim::Refusal::ResultSealIntact);
        }
        Ok(observation)
    })
}

/// No finding without a property or a rule: a refusal the reference did
/// not predict is the machine's violation, named as an unexplained refusal
/// with the rule the board cited; the same trace passes on the unit.
#[test]
fn a_refusal_the_reference_did_not_predict_names_the_rule_the_board_cited() {
    let trace = parse_trace(
        std::path::Path::new("total.jsonl"),
        &TRACE.replace(r#""event":"expect","total":2"#, r#""event":"total""#),
    )
    .expect("a trace");
    assert_eq!(replay(&trace, &mut SimTarget::new()).verdict, evm_conformance::verdict::VerdictKind::Pass);
    let outcome = replay(&trace, &mut refuses_total());
    assert_eq!(outcome.verdict, evm_conformance::verdict::VerdictKind::Violation);
    let finding = &outcome.findings[0];
    assert_eq!((finding.line, finding.property), (9, None));
    assert_eq!(finding.rule, "unexplained refusal (the board cited 39E(5))");
    assert!(finding.observed.contains("refused: result_seal_intact"), "{}", finding.observed);
}

/// The simulated unit, answering "accepted" to a first-level check it
/// refused: a board that claims to ready a machine still holding votes.
fn accepts_every_check() -> impl Target {
    wrapped(|inner: &mut SimTarget, now, input| {
        let mut observation = inner.step(now, input)?;
        if input == Input::FirstLevelCheck {
            observation.refusal = None;
        }
        Ok(observation)
    })
}

/// The first-level check erases nothing (61N: the result is kept). Lawful
/// day: after the result is read but not cleared, the check is refused and
/// the day passes. Unlawful: a machine that takes the check with the vote
/// still in memory breaks RETAIN at that line.
#[test]
fn a_first_level_check_taken_with_votes_in_memory_breaks_retain() {
    let text = TRACE.replace(
        r#"{"at":"07:00:02","event":"expect","total":2}"#,
        r#"{"at":"17:00:00","event":"close"}
{"at":"18:00:00","event":"break_result_seal"}
{"at":"18:00:01","event":"result"}
{"at":"18:00:02","event":"first_level_check"}"#,
    );
    let trace = parse_trace(std::path::Path::new("check.jsonl"), &text).expect("a trace");
    assert_eq!(replay(&trace, &mut SimTarget::new()).verdict, evm_conformance::verdict::VerdictKind::Pass);
    let outcome = replay(&trace, &mut accepts_every_check());
    assert_eq!(outcome.verdict, evm_conformance::verdict::VerdictKind::Violation);
    let finding = &outcome.findings[0];
    assert_eq!((finding.line, finding.property), (12, Some(evm_sim::Property::Retain)), "{finding:?}");
}

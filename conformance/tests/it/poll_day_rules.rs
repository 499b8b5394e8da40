//! Issue 15: verdicts a correct machine must get and a faulty one must not,
//! for the behaviours where more than one machine is lawful. Each case runs
//! a trace against a target that behaves in one lawful way the simulated
//! unit does not (a different display wording, one vote for two buttons, a
//! different vote-rate rule, a vote lost to a power cut before its beep)
//! beside one that breaks the rule, so each check is shown to pass the
//! lawful machine and to catch the faulty one.

use crate::wrapped_target::wrapped;
use evm_conformance::replay::replay;
use evm_conformance::target::{Observation, ObservedDisplay, SimTarget, Target};
use evm_conformance::trace::parse_trace;
use evm_conformance::verdict::{FindingKind, TraceOutcome, VerdictKind};
use evm_sim::display::DisplayText;
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{MachineProfile, Property, RateRule, Timestamp};

const HEADER: &str = r#"{"trace":"evm-poll-day","version":1,"profile":"M2","polling_station":{"number":3},"candidates":["A","B","C"],"electors_assigned":10,"provenance":{"source":"hand-written"}}"#;

const SET_UP: &str = r#"{"at":"06:00:00","event":"attach_balloting_unit","position":1}
{"at":"06:00:01","event":"power_on"}
{"at":"06:00:02","event":"cand_set","candidates":3}
{"at":"06:00:03","event":"seal_candidate_set_section"}
{"at":"06:00:04","event":"fix_result_seal"}"#;

fn run(body: &str, target: &mut dyn Target) -> TraceOutcome {
    let text = format!("{HEADER}\n{SET_UP}\n{body}\n");
    let trace = parse_trace(std::path::Path::new("issue-15.jsonl"), &text).expect("a well-formed trace");
    replay(&trace, target)
}

fn kinds(outcome: &TraceOutcome) -> Vec<(FindingKind, Option<Property>, usize)> {
    outcome.findings.iter().map(|finding| (finding.kind, finding.property, finding.line)).collect()
}

fn entry(number: u16) -> ButtonAddress {
    ButtonAddress::of_ballot_entry(number).expect("an entry")
}

// ----------------------------------------------------------- TOTAL-ONLY --

const TOTAL_DAY: &str = r#"{"at":"07:00:00","event":"ballot"}
{"at":"07:00:05","event":"press","candidate":2}
{"at":"07:00:20","event":"ballot"}
{"at":"07:00:25","event":"press","candidate":2}
{"at":"07:00:40","event":"total"}"#;

/// Held: another wording of the total alone ("Total votes: 2") passes.
#[test]
fn total_in_any_wording_passes_and_a_breakdown_in_any_wording_is_caught() {
    let reword = |breakdown: bool| {
        wrapped(move |inner: &mut SimTarget, now, input| {
            let mut observation = inner.step(now, input)?;
            if input == Input::Total && observation.refusal.is_none() {
                let text = if breakdown {
                    format!("Total votes: {} (B: {})", observation.total, observation.total)
                } else {
                    format!("Total votes: {}", observation.total)
                };
                observation.display = ObservedDisplay::Text(DisplayText::from_text(&text));
            }
            Ok(observation)
        })
    };
    let outcome = run(TOTAL_DAY, &mut reword(false));
    assert_eq!(outcome.verdict, VerdictKind::Pass, "{:?}", outcome.findings);
    let outcome = run(TOTAL_DAY, &mut reword(true));
    assert_eq!(kinds(&outcome), vec![(FindingKind::Violation, Some(Property::TotalOnly), 11)]);
    assert!(outcome.findings[0].observed.contains("breakdown"), "{}", outcome.findings[0].observed);
}

// -------------------------------------------------- two buttons at once --

const TWO_BUTTONS_DAY: &str = r#"{"at":"07:00:00","event":"ballot"}
{"at":"07:00:05","event":"press_two","candidates":[1,3]}
{"at":"07:00:20","event":"ballot"}
{"at":"07:00:25","event":"press","candidate":2}
{"at":"07:01:00","event":"close"}
{"at":"08:00:00","event":"break_result_seal"}
{"at":"08:00:01","event":"result"}"#;

/// A balloting unit that turns two buttons at once into a press of `to`.
fn takes_one(to: u16) -> impl Target {
    wrapped(move |inner: &mut SimTarget, now, input| match input {
        Input::PressTwoButtons { .. } => inner.step(now, Input::PressButton { address: entry(to) }),
        other => inner.step(now, other),
    })
}

/// Held: one vote for one of the two buttons is lawful (an advisory says
/// so) and the result is judged knowing it is one of them; no vote (the
/// simulated unit) is lawful too. Broken: the vote lands on a third entry.
#[test]
fn two_buttons_at_once_record_none_or_one_of_the_two_never_another() {
    for taken in [1, 3] {
        let outcome = run(TWO_BUTTONS_DAY, &mut takes_one(taken));
        assert_eq!(kinds(&outcome), vec![(FindingKind::Advisory, None, 8)], "took entry {taken}");
        assert!(outcome.findings[0].observed.contains("one vote"));
        // The second Ballot was accepted: the one vote used the first enable.
        assert_eq!(outcome.verdict, VerdictKind::Advisory);
    }
    let outcome = run(TWO_BUTTONS_DAY, &mut SimTarget::new());
    assert_eq!(kinds(&outcome).first(), Some(&(FindingKind::Advisory, None, 8)));
    assert!(outcome.findings[0].observed.contains("no vote"));
    let outcome = run(TWO_BUTTONS_DAY, &mut takes_one(2));
    assert_eq!(outcome.verdict, VerdictKind::Violation);
    assert_eq!(
        outcome.principal_finding().map(|finding| (finding.property, finding.line)),
        Some((Some(Property::Retain), 13))
    );
}

// ------------------------------------------------------- the rate rule --

const QUICK_BALLOTS: &str = r#"{"at":"07:00:00","event":"ballot"}
{"at":"07:00:02","event":"press","candidate":1}
{"at":"07:00:08","event":"ballot"}
{"at":"07:00:10","event":"press","candidate":2}
{"at":"07:00:30","event":"ballot"}
{"at":"07:00:32","event":"press","candidate":3}"#;

fn minimum_interval() -> MachineProfile {
    MachineProfile { rate_rule: RateRule::MinimumInterval, ..MachineProfile::m2() }
}

/// Held: a board that announces the minimum-interval rule and keeps it
/// refuses the Ballot 6 s after a vote, lawfully. Broken: a board that
/// announces it and counts by the sliding window is caught at that Ballot.
#[test]
fn the_rate_rule_is_judged_as_the_board_announces_it() {
    let mut keeps = wrapped(|inner: &mut SimTarget, now, input| inner.step(now, input));
    keeps.announced = Some(minimum_interval());
    let outcome = run(QUICK_BALLOTS, &mut keeps);
    assert_eq!(outcome.verdict, VerdictKind::Pass, "{:?}", outcome.findings);
    let mut breaks = wrapped(|inner: &mut SimTarget, now, input| inner.step(now, input));
    breaks.announced = Some(minimum_interval());
    breaks.actual = Some(MachineProfile::m2());
    let outcome = run(QUICK_BALLOTS, &mut breaks);
    let finding = outcome.principal_finding().expect("caught");
    assert_eq!((finding.kind, finding.line), (FindingKind::Violation, 9));
    assert_eq!(finding.rule, "practice: the vote-rate limit as announced");
    // The same day against the simulated unit (no announcement: the
    // sliding window of the profile) passes.
    assert_eq!(run(QUICK_BALLOTS, &mut SimTarget::new()).verdict, VerdictKind::Pass);
}

// ------------------------------------------ a power cut before the beep --

const CUT_DAY: &str = r#"{"at":"07:00:00","event":"ballot"}
{"at":"07:00:05","event":"press","candidate":2,"cut_before_beep":true}
{"at":"07:00:40","event":"power_restored"}
{"at":"07:00:50","event":"ballot"}
{"at":"07:00:55","event":"press","candidate":2}
{"at":"07:01:00","event":"close"}
{"at":"08:00:00","event":"break_result_seal"}
{"at":"08:00:01","event":"result"}"#;

/// Held: a machine that had not made the vote durable when the power went
/// records nothing, and the vote cast on the next enable is the only one.
/// Held too: the simulated unit keeps it. Broken: a machine that counts it
/// twice.
#[test]
fn a_press_cut_before_its_beep_is_kept_or_never_recorded_never_doubled() {
    let mut loses = wrapped(|inner: &mut SimTarget, now, input| match input {
        Input::PressButton { .. } if now == Timestamp::from_clock(7, 0, 5) => {
            // The cut came before the vote was written: nothing recorded.
            let observation = inner.step(now, Input::Total)?;
            Ok(Observation { votes_recorded: 0, refusal: None, ..observation })
        }
        other => inner.step(now, other),
    });
    let outcome = run(CUT_DAY, &mut loses);
    assert_eq!(kinds(&outcome), vec![(FindingKind::Advisory, None, 8)], "{:?}", outcome.findings);
    assert!(outcome.findings[0].observed.contains("had not recorded"));
    let outcome = run(CUT_DAY, &mut SimTarget::new());
    assert_eq!(kinds(&outcome).first(), Some(&(FindingKind::Advisory, None, 8)));
    assert!(outcome.findings[0].observed.contains("kept"));
    let mut doubles = wrapped(|inner: &mut SimTarget, now, input| {
        let observation = inner.step(now, input)?;
        if matches!(input, Input::PressButton { .. }) && now == Timestamp::from_clock(7, 0, 5) {
            return Ok(Observation { votes_recorded: 2, ..observation });
        }
        Ok(observation)
    });
    let outcome = run(CUT_DAY, &mut doubles);
    assert_eq!(outcome.verdict, VerdictKind::Violation);
    assert_eq!(
        outcome.principal_finding().map(|finding| (finding.property, finding.line)),
        Some((Some(Property::OneVote), 8))
    );
}

/// Past the findings kept per trace (64), a graver finding still takes its
/// place: 70 advisories, then a violation, give a violation.
#[test]
fn a_violation_after_many_advisories_is_never_lost() {
    let mut body = String::from("{\"at\":\"07:00:00\",\"event\":\"ballot\"}\n");
    for second in 1..=70 {
        body.push_str(&format!(
            "{{\"at\":\"07:01:{:02}\",\"event\":\"press_two\",\"candidates\":[1,3]}}\n",
            second % 60
        ));
    }
    // Each press_two above is an advisory; the machine shows no vote.
    body.push_str("{\"at\":\"07:02:30\",\"event\":\"expect\",\"total\":5}");
    let body = body.replace("07:01:00", "07:01:59"); // keep time non-decreasing
    let mut lines: Vec<String> = body.lines().map(str::to_owned).collect();
    // Times: 07:01:01 … 07:01:59, then 07:01:59 for the rest.
    let mut last = String::new();
    for line in lines.iter_mut() {
        let at = line[7..15].to_owned();
        if at < last {
            *line = line.replacen(&at, &last, 1);
        } else {
            last = at;
        }
    }
    let outcome = run(&lines.join("\n"), &mut SimTarget::new());
    assert_eq!(outcome.verdict, VerdictKind::Violation, "{:?}", outcome.findings.last());
    assert!(outcome.findings.len() <= evm_conformance::replay::MAX_FINDINGS_PER_TRACE);
}

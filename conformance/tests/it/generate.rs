//! Synthetic poll days: every generated station replays to its expected
//! verdict (the accounts tally), and the same seed gives the same day.

use evm_conformance::generate::synthetic_station;
use evm_conformance::runner::run_trace_in_memory;
use evm_conformance::target::SimTarget;
use evm_sim::ProfileName;

#[test]
fn synthetic_days_replay_to_their_expected_verdicts() {
    let seed = 20_261_123;
    let mut target = SimTarget::new();
    let mut votes = 0;
    for index in 0..120 {
        let station = synthetic_station(seed, index, ProfileName::M2);
        votes += station.votes;
        let report = run_trace_in_memory(&station.trace, &station.expected, &mut target);
        assert!(
            report.matches_expected,
            "seed {seed} station {index}: {:?} {:?} {:?}",
            report.verdict,
            report.reason,
            report.findings.first()
        );
        let account = report.form_16c.expect("the station closed its poll");
        assert_eq!(account.item_6_discrepancy, 0);
        assert!(account.item_2 <= synthetic_station(seed, index, ProfileName::M2).trace.header.electors_assigned);
    }
    assert!(votes > 120 * 150, "turnout is realistic: {votes} votes");
}

#[test]
fn the_same_seed_gives_the_same_day_and_another_seed_another() {
    let first = synthetic_station(99, 7, ProfileName::M3);
    let again = synthetic_station(99, 7, ProfileName::M3);
    let other = synthetic_station(100, 7, ProfileName::M3);
    assert_eq!(first.trace.lines, again.trace.lines);
    assert_eq!(first.trace.header.candidates, again.trace.header.candidates);
    assert_ne!(first.trace.lines, other.trace.lines);
}

#[test]
fn rare_days_adjournment_and_booth_capture_replay_too() {
    use evm_conformance::trace::TraceEvent;
    use evm_sim::StationAction;
    let seed = 20_261_123;
    let mut target = SimTarget::new();
    let (mut adjourned, mut captured) = (0, 0);
    for index in 0..30_000 {
        if adjourned > 0 && captured > 0 {
            break;
        }
        let station = synthetic_station(seed, index, ProfileName::M2);
        let has = |wanted: fn(&StationAction) -> bool| {
            station
                .trace
                .lines
                .iter()
                .any(|line| matches!(&line.event, TraceEvent::Station { action, .. } if wanted(action)))
        };
        let is_adjourned = has(|action| matches!(action, StationAction::PollAdjourned { .. }));
        let is_captured = has(|action| matches!(action, StationAction::BoothCaptured { .. }));
        if !(is_adjourned || is_captured) {
            continue;
        }
        adjourned += usize::from(is_adjourned);
        captured += usize::from(is_captured);
        let report = run_trace_in_memory(&station.trace, &station.expected, &mut target);
        assert!(
            report.matches_expected,
            "seed {seed} station {index}: {:?} {:?}",
            report.reason,
            report.findings.first()
        );
    }
    assert!(adjourned > 0 && captured > 0, "adjourned {adjourned}, captured {captured}");
}

/// Every station of a 20,000-station election passes (adjournments are
/// rare, 20 in 100,000 stations: the ordinary tests meet few of them).
#[test]
#[ignore = "1.5 minutes in debug: cargo test -p evm-conformance --test it generate:: -- --ignored"]
fn every_station_of_a_large_synthetic_election_passes() {
    let mut failures = Vec::new();
    for index in 0..20_000 {
        let station = evm_conformance::generate::synthetic_station(7, index, evm_sim::ProfileName::M2);
        let outcome = evm_conformance::replay::replay(&station.trace, &mut evm_conformance::target::SimTarget::new());
        if outcome.verdict != evm_conformance::verdict::VerdictKind::Pass {
            failures.push(format!("station {index}: {:?} {:?}", outcome.verdict, outcome.findings.first()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The national replay judges each line as the generator makes it
/// (`LineByLine`): the outcome is the whole trace's, line for line — on
/// lawful days, on an adjourned and a captured day, and on a board that
/// drops a vote now and then (the same violation at the same line).
#[test]
fn a_day_judged_as_it_is_generated_gets_the_whole_traces_outcome() {
    use evm_conformance::generate::plan_synthetic_station;
    use evm_conformance::replay::{replay, Forms, LineByLine};
    use evm_conformance::verdict::VerdictKind;
    use evm_sim::Defect;
    let seed = 7;
    // Stations 0..12, and days that adjourn (2_802) and are captured
    // (3_371) with seed 7 (checked below).
    let indices: Vec<u32> = (0..12).chain([2_802, 3_371]).collect();
    for defective in [false, true] {
        for &index in &indices {
            let mut whole = synthetic_station(seed, index, ProfileName::M2);
            let (mut header, day) = plan_synthetic_station(seed, index, ProfileName::M2);
            if defective {
                whole.trace.header.defects.insert(Defect::DropsVoteNowAndThen);
                header.defects.insert(Defect::DropsVoteNowAndThen);
            }
            let expected = replay(&whole.trace, &mut SimTarget::new());
            let mut target = SimTarget::new();
            let mut judged = LineByLine::start(&header, &mut target);
            let mut lines = Vec::new();
            let figures = day.write(|line| {
                judged.line(&line);
                lines.push(line);
            });
            let streamed = judged.finish(Forms::Skipped);
            assert_eq!(lines, whole.trace.lines, "station {index}: the same lines");
            let closes = |wanted: fn(&evm_sim::StationAction) -> bool| {
                lines.iter().any(|line| {
                    matches!(&line.event, evm_conformance::trace::TraceEvent::Station { action, .. } if wanted(action))
                })
            };
            match index {
                2_802 => assert!(closes(|action| matches!(action, evm_sim::StationAction::PollAdjourned { .. }))),
                3_371 => assert!(closes(|action| matches!(action, evm_sim::StationAction::BoothCaptured { .. }))),
                _ => {}
            }
            assert_eq!((figures.votes, &figures.counts), (whole.votes, &whole.counts));
            assert_eq!(streamed.verdict, expected.verdict, "station {index}, defective {defective}");
            assert_eq!(streamed.findings, expected.findings, "station {index}, defective {defective}");
            assert_eq!(streamed.account_of_votes, expected.account_of_votes);
            assert_eq!(streamed.events, expected.events);
            assert!(streamed.forms.is_empty() && !expected.forms.is_empty());
            let wanted = if defective { VerdictKind::Violation } else { VerdictKind::Pass };
            assert_eq!(expected.verdict, wanted, "station {index}: {:?}", expected.findings.first());
        }
    }
}

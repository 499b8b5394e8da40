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

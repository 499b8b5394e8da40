//! `minimize`: a seeded-defect failure hidden in a 1,500-elector day shrinks
//! to a trace of a few dozen lines that still fails with the same property
//! and rule; a passing trace is refused.

use evm_conformance::generate::synthetic_station;
use evm_conformance::minimize::{failure_of, minimize};
use evm_conformance::target::SimTarget;
use evm_sim::{Defect, ProfileName, Property};

#[test]
fn a_defect_hidden_in_a_big_day_shrinks_to_a_few_dozen_lines() {
    let seed = 20_261_123;
    let station = (0..200)
        .map(|index| synthetic_station(seed, index, ProfileName::M2))
        .find(|station| station.trace.header.electors_assigned >= 1_200)
        .expect("a big station");
    let mut trace = station.trace;
    trace.header.defects = [Defect::TotalMissesLastButton].into_iter().collect();
    let mut target = SimTarget::new();
    let failure = failure_of(&trace, &mut target).expect("the defect shows");
    assert_eq!(failure.property, Some(Property::PartII));
    let lines_before = trace.lines.len();
    assert!(lines_before > 3_000, "a big day: {lines_before} lines");
    let minimized = minimize(&trace, &mut target).unwrap();
    println!("{lines_before} lines -> {} in {} replays", minimized.trace.lines.len(), minimized.replays);
    assert!(minimized.trace.lines.len() <= 36, "{} lines left", minimized.trace.lines.len());
    assert_eq!(failure_of(&minimized.trace, &mut target), Some(failure), "the small trace fails the same way");
    // And it round-trips through the trace format.
    let text = evm_conformance::trace::write_trace(&minimized.trace);
    let reparsed = evm_conformance::trace::parse_trace("small.jsonl".as_ref(), &text).unwrap();
    assert_eq!(reparsed.lines.len(), minimized.trace.lines.len());
}

#[test]
fn a_passing_trace_has_nothing_to_minimise() {
    let station = synthetic_station(1, 0, ProfileName::M2);
    assert!(minimize(&station.trace, &mut SimTarget::new()).is_none());
}

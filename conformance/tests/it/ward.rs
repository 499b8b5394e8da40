//! A ward's counting day (issue 16): `gen --ward` writes the stations and
//! `ward.json`; replaying them gives Forms 23 and 24 whose totals are the
//! sum of the stations' Part II, counted here from the traces themselves;
//! bad input (a round with no machines, a station of another ward, a
//! counting line for a machine never at the station, a seal number that is
//! not one) is an error with its file, never a silent pass.

use evm_conformance::report::TraceStatus;
use evm_conformance::runner::run;
use evm_conformance::target::SimTarget;
use evm_conformance::trace::{parse_trace_file, TraceEvent};
use evm_conformance::verdict::VerdictKind;
use std::path::{Path, PathBuf};

fn temporary(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("evm-ward-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn generated(name: &str, stations: u32) -> PathBuf {
    let out = temporary(name);
    let (written, folder) =
        evm_conformance::cli::generate_ward(11, 3, stations, evm_sim::ProfileName::M2, out.to_str().unwrap()).unwrap();
    assert_eq!(written, stations);
    folder
}

#[test]
fn a_generated_ward_counts_to_the_sum_of_its_stations_part_two() {
    let folder = generated("sum", 9);
    let report = run(std::slice::from_ref(&folder), &mut SimTarget::new(), |_| {}).unwrap();
    assert_eq!(
        report.summary.as_expected,
        10,
        "9 stations and the ward: {:?}",
        report.traces.iter().map(|trace| (&trace.path, trace.status, &trace.reason)).collect::<Vec<_>>()
    );
    let ward = report.traces.iter().find(|trace| trace.path.ends_with("ward.json")).expect("the ward is judged");
    let figures = ward.ward.as_ref().expect("figures");
    let form_23 = figures.form_23.as_ref().expect("Form 23");
    // The sum of what each station's counting table read, from the traces.
    let mut sum = vec![0u64; form_23.totals.len()];
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".jsonl") {
            continue;
        }
        let trace = parse_trace_file(&path).unwrap();
        let read = trace.lines.iter().rev().find_map(|line| match &line.event {
            TraceEvent::ExpectResult { counts, .. } => Some(counts.clone()),
            _ => None,
        });
        for (total, count) in sum.iter_mut().zip(read.expect("each station counted")) {
            *total += u64::from(count);
        }
    }
    assert_eq!(form_23.totals, sum);
    let nota = *sum.last().unwrap();
    assert_eq!(form_23.none_of_the_above, Some(nota), "NOTA on its own line");
    assert_eq!(form_23.total_valid, sum.iter().sum::<u64>() - nota, "NOTA is not a valid vote");
    // Nine stations at four tables: rounds 1, 2 and 3.
    assert!(figures.form_24.is_some());
    let json = serde_json::to_value(&report).unwrap();
    let in_report = json["traces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|trace| trace["path"].as_str().unwrap().ends_with("ward.json"))
        .unwrap();
    assert_eq!(in_report["ward"]["form_23"]["totals"], serde_json::json!(sum), "the figures are in the report");
}

fn malformed_ward(name: &str, edit: impl FnOnce(&Path)) -> String {
    let folder = generated(name, 5);
    edit(&folder);
    let report = run(&[folder.join("ward.json")], &mut SimTarget::new(), |_| {}).unwrap();
    let ward = &report.traces[0];
    assert_eq!(ward.status, TraceStatus::Malformed, "{:?}", ward.reason);
    assert_eq!(report.exit_status(), 2);
    ward.reason.clone().unwrap_or_default()
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_round_with_no_machines_is_an_error() {
    // Station 5 is the one machine of round 2; moved to round 3, round 2 is empty.
    let reason = malformed_ward("round", |folder| {
        replace_in(&folder.join("station-005.jsonl"), r#""round":2"#, r#""round":3"#);
    });
    assert!(reason.contains("round 2 has no machines"), "{reason}");
    assert!(reason.contains("ward.json"), "{reason}");
}

#[test]
fn a_station_of_another_ward_is_an_error() {
    let reason = malformed_ward("other", |folder| {
        replace_in(&folder.join("station-002.jsonl"), r#""ward":3"#, r#""ward":4"#);
    });
    assert!(reason.contains("station station-002.jsonl") && reason.contains("another ward"), "{reason}");
}

#[test]
fn a_counting_line_for_a_machine_never_at_the_station_or_a_seal_that_is_no_number_is_an_error() {
    let reason = malformed_ward("unit", |folder| {
        replace_in(
            &folder.join("station-001.jsonl"),
            r#""control_unit":"CU-3-1","event":"machine_received""#,
            r#""control_unit":"CU-9-9","event":"machine_received""#,
        );
    });
    assert!(reason.contains("station-001.jsonl:") && reason.contains("never at this station"), "{reason}");
    let reason = malformed_ward("seal", |folder| {
        replace_in(&folder.join("station-001.jsonl"), r#""paper_seal":"#, r#""paper_seal":"A-","x":"#);
    });
    assert!(reason.contains("station-001.jsonl:") && reason.contains("field `paper_seal`"), "{reason}");
}

#[test]
fn the_corpus_wards_give_their_expected_counts() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../traces/conformance");
    let wards: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|entry| entry.unwrap().path().join("ward.json"))
        .filter(|path| path.exists())
        .collect();
    assert!(wards.len() >= 3);
    let report = run(&wards, &mut SimTarget::new(), |_| {}).unwrap();
    for ward in &report.traces {
        assert_eq!(ward.status, TraceStatus::AsExpected, "{}: {:?}", ward.path, ward.reason);
    }
    let withheld = report.traces.iter().find(|ward| ward.path.contains("set-aside")).unwrap();
    assert!(withheld.ward.as_ref().unwrap().declaration_withheld.as_ref().unwrap().contains("61P(1)"));
    let missing = report.traces.iter().find(|ward| ward.path.contains("observer")).unwrap();
    assert_eq!(missing.verdict, VerdictKind::Procedural);
}

/// 61G(4): a unit the returning officer sets aside is not counted, even with
/// no seal inspection recorded; the ward's declaration waits for the fresh
/// poll.
#[test]
fn a_unit_set_aside_without_a_seal_inspection_withholds_the_declaration() {
    let folder = generated("tamper", 5);
    let station = folder.join("station-003.jsonl");
    let text = std::fs::read_to_string(&station).unwrap();
    let seal = text.lines().find(|line| line.contains("seal_inspected")).unwrap().to_owned();
    let at = &seal[..seal.find(",\"control_unit\"").unwrap()];
    let tamper = format!("{at},\"control_unit\":\"CU-3-3\",\"event\":\"tamper_found\"}}");
    // Set aside instead of inspected, and its result never read.
    let kept: Vec<String> = text
        .lines()
        .map(|line| if line == seal { tamper.clone() } else { line.to_owned() })
        .filter(|line| {
            !line.contains("\"event\":\"result\"")
                && !line.contains("expect_result")
                && !line.contains("part_two_written")
                && !line.contains("observer_check")
                && !line.contains("machine_resealed")
        })
        .collect();
    std::fs::write(&station, kept.join("\n") + "\n").unwrap();
    let report = run(&[folder.join("ward.json")], &mut SimTarget::new(), |_| {}).unwrap();
    let ward = &report.traces[0];
    let figures = ward.ward.as_ref().expect("figures");
    assert!(figures.form_24.is_none());
    let withheld = figures.declaration_withheld.as_deref().unwrap_or_default();
    assert!(withheld.contains("61P(1)") && withheld.contains("fresh poll"), "{withheld}");
    assert!(ward.findings.iter().all(|finding| finding.rule != "61G(2)"), "{:?}", ward.findings);
}

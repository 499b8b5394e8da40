//! The trace parser: every malformed line is an error naming the line, the
//! field and what was expected; nothing panics on any input.

use evm_conformance::trace::{parse_trace, TraceEvent};
use evm_sim::unit::Input;
use proptest::prelude::*;
use rstest::rstest;
use std::path::Path;

const HEADER: &str = r#"{"trace":"evm-poll-day","version":1,"profile":"M2","polling_station":{"number":1},"candidates":["A","B","C"],"electors_assigned":10,"provenance":{"source":"test"}}"#;

fn with_line(line: &str) -> String {
    format!("{HEADER}\n{{\"at\":\"07:00:00\",\"event\":\"ballot\"}}\n{line}\n")
}

#[rstest]
#[case::not_json("{\"at\":", 3, None, "not JSON")]
#[case::not_an_object("[1,2]", 3, None, "expected a JSON object, found an array")]
#[case::no_time(r#"{"event":"ballot"}"#, 3, Some("at"), "missing")]
#[case::bad_time(r#"{"at":"7:00","event":"ballot"}"#, 3, Some("at"), "HH:MM:SS")]
#[case::time_backwards(r#"{"at":"06:59:59","event":"ballot"}"#, 3, Some("at"), "time goes backwards")]
#[case::unknown_event(r#"{"at":"07:00:01","event":"vote_for"}"#, 3, Some("event"), "unknown event \"vote_for\"")]
#[case::unknown_field(r#"{"at":"07:00:01","event":"ballot","elector":4}"#, 3, Some("elector"), "unknown field")]
#[case::unknown_field_with_fields(
    r#"{"at":"07:00:01","event":"cand_set","candidates":3,"x":1}"#,
    3,
    Some("x"),
    "its fields: candidates"
)]
#[case::missing_field(r#"{"at":"07:00:01","event":"cand_set"}"#, 3, Some("candidates"), "missing field")]
#[case::wrong_type(r#"{"at":"07:00:01","event":"cand_set","candidates":"three"}"#, 3, Some("event"), "invalid type")]
#[case::entry_out_of_range(
    r#"{"at":"07:00:01","event":"press","candidate":9}"#,
    3,
    Some("candidate"),
    "expected a ballot entry 1 to 4"
)]
#[case::press_two_forms(
    r#"{"at":"07:00:01","event":"press","candidate":1,"button":2}"#,
    3,
    Some("candidate"),
    "give either"
)]
#[case::percent(r#"{"at":"07:00:01","event":"battery_level","percent":150}"#, 3, Some("percent"), "0 to 100")]
#[case::result_counts(
    r#"{"at":"07:00:01","event":"expect_result","counts":[1],"total":1}"#,
    3,
    Some("counts"),
    "expected 4 counts"
)]
#[case::machine_reason(
    r#"{"at":"07:00:01","event":"new_machine","reason":"lunch"}"#,
    3,
    Some("reason"),
    "unknown variant"
)]
#[case::machine_fact(r#"{"at":"07:00:01","event":"vote_recorded"}"#, 3, Some("event"), "a fact of the machine")]
#[case::station_field(
    r#"{"at":"07:00:01","event":"ballot_pressed","elector":3,"candidate":2}"#,
    3,
    Some("candidate"),
    "unknown field"
)]
#[case::station_missing(r#"{"at":"07:00:01","event":"ballot_pressed"}"#, 3, Some("elector"), "missing field")]
#[case::total_shown_type(
    r#"{"at":"07:00:01","event":"poll_closed","total_shown":"five"}"#,
    3,
    Some("total_shown"),
    "expected a number"
)]
#[case::note_type(r#"{"at":"07:00:01","event":"ballot","note":5}"#, 3, Some("note"), "expected a string")]
#[case::button_zero(
    r#"{"at":"07:00:01","event":"press","balloting_unit":1,"button":0}"#,
    3,
    Some("button"),
    "expected a button 1 to 16"
)]
#[case::unit_past_24(
    r#"{"at":"07:00:01","event":"press","balloting_unit":25,"button":1}"#,
    3,
    Some("balloting_unit"),
    "position 1 to 24"
)]
#[case::position_zero(
    r#"{"at":"07:00:01","event":"attach_balloting_unit","position":0}"#,
    3,
    Some("position"),
    "1 to 24"
)]
fn a_malformed_event_line_is_located(
    #[case] line: &str,
    #[case] number: usize,
    #[case] field: Option<&str>,
    #[case] message: &str,
) {
    let error = parse_trace(Path::new("day.jsonl"), &with_line(line)).expect_err("must be refused");
    assert_eq!(error.line, number, "{error}");
    assert_eq!(error.field.as_deref(), field, "{error}");
    assert!(error.to_string().contains(message), "{error}");
    // FILE:LINE: or, where the JSON reader stopped, FILE:LINE:COLUMN:
    let place = match error.column {
        Some(column) => format!("day.jsonl:{number}:{column}: "),
        None => format!("day.jsonl:{number}: "),
    };
    assert!(error.to_string().starts_with(&place), "{error}");
}

#[rstest]
#[case::wrong_format(r#""trace":"other""#, "trace")]
#[case::wrong_version(r#""version":2"#, "version")]
#[case::wrong_profile(r#""profile":"M9""#, "profile")]
#[case::no_candidates(r#""candidates":[]"#, "candidates")]
#[case::too_many_for_m2(&format!("\"candidates\":[{}]", vec!["\"x\""; 64].join(",")), "candidates")]
#[case::unknown_defect(r#""defects":["melts"]"#, "defects")]
#[case::bad_capacity(r#""machine":{"vote_capacity":0}"#, "machine")]
#[case::long_part_number(r#""polling_station":{"number":1,"part_number":"12-B-AUXILIARY-ANNEXE"}"#, "polling_station")]
#[case::ward_of_a_parliamentary_segment(r#""election":{"kind":"parliamentary_segment"},"ward":3"#, "ward")]
#[case::unknown_election(r#""election":{"kind":"panchayat"}"#, "header")]
fn a_malformed_header_is_located(#[case] replacement: &str, #[case] field: &str) {
    let key = replacement.split(':').next().unwrap();
    let mut header: serde_json::Map<String, serde_json::Value> = serde_json::from_str(HEADER).unwrap();
    let patch: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&format!("{{{replacement}}}")).unwrap();
    header.remove(key.trim_matches('"'));
    header.extend(patch);
    let text = serde_json::to_string(&header).unwrap();
    let error = parse_trace(Path::new("day.jsonl"), &text).expect_err("must be refused");
    assert_eq!((error.line, error.field.as_deref()), (1, Some(field)), "{error}");
}

#[test]
fn a_station_action_parses_with_or_without_the_total_shown() {
    let text = format!(
        "{HEADER}\n{}\n{}\n{}\n",
        r#"{"at":"07:00:00","event":"entered_in_register","elector":4}"#,
        r#"{"at":"17:00:00","event":"poll_closed"}"#,
        r#"{"at":"17:00:01","event":"poll_closed","total_shown":12}"#
    );
    let trace = parse_trace(Path::new("day.jsonl"), &text).unwrap();
    assert!(matches!(
        &trace.lines[0].event,
        TraceEvent::Station {
            action: evm_sim::StationAction::EnteredInRegister { elector: 4, thumb_impression: false },
            total_shown: None,
            set_up: None,
            polling_station: None,
        }
    ));
    assert!(matches!(&trace.lines[1].event, TraceEvent::Station { total_shown: None, .. }));
    assert!(matches!(&trace.lines[2].event, TraceEvent::Station { total_shown: Some(12), .. }));
}

#[test]
fn a_well_formed_trace_parses_to_its_events() {
    let text = format!(
        "{HEADER}\n\n{}\n{}\n{}\n",
        r#"{"at":"07:00:00","event":"ballot","note":"first elector"}"#,
        r#"{"at":"07:00:04.250","event":"press","candidate":4}"#,
        r#"{"at":"07:00:04.250","event":"cable_pulled","position":1}"#
    );
    let trace = parse_trace(Path::new("day.jsonl"), &text).unwrap();
    assert_eq!(trace.lines.len(), 3);
    assert_eq!(trace.lines[0].line, 3, "blank lines keep their numbers");
    assert_eq!(trace.lines[1].at.milliseconds(), 7 * 3_600_000 + 4_250);
    assert!(matches!(trace.lines[1].event, TraceEvent::Unit(Input::PressButton { address }) if address.button == 4));
    assert_eq!(trace.lines[2].event, TraceEvent::Unit(Input::DetachBallotingUnit { position: 1 }));
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = parse_trace(Path::new("fuzz.jsonl"), &text);
    }

    #[test]
    fn arbitrary_event_lines_never_panic(line in r#"\{"at":"0[0-9]:[0-5][0-9]:[0-5][0-9]","event":"[a-z_]{2,14}"(,"[a-z_]{1,10}":(-?[0-9]{1,6}|"[a-z]{0,5}"|\[[0-9,]{0,9}\]|true|null))*\}"#) {
        let _ = parse_trace(Path::new("fuzz.jsonl"), &with_line(&line));
    }
}

#[test]
fn the_election_and_the_published_part_number_round_trip() {
    let header = r#"{"trace":"evm-poll-day","version":1,"profile":"M2","polling_station":{"number":4,"name":"Annexe","part_number":"12-B"},"election":{"kind":"assembly_constituency","constituency":"Behat"},"candidates":["A","B"],"electors_assigned":10,"provenance":{"source":"test"}}"#;
    let trace = parse_trace(Path::new("day.jsonl"), header).expect("a well-formed header");
    assert_eq!(trace.header.polling_station.part_number, "12-B");
    assert_eq!(trace.header.election, evm_sim::Election::AssemblyConstituency { constituency: "Behat".into() });
    let written = evm_conformance::trace::write_trace(&trace);
    let again = parse_trace(Path::new("again.jsonl"), &written).expect("the writer's header parses");
    assert_eq!(
        (again.header.election, again.header.polling_station),
        (trace.header.election, trace.header.polling_station)
    );
    // Without `election`, a municipal ward, as before.
    assert!(parse_trace(Path::new("day.jsonl"), HEADER).unwrap().header.election.is_municipal_ward());
}

/// Issue 15: bad input is an error of the trace, never a finding: a
/// candidate's name past 120 characters, papers for more electors than a
/// station holds, a station a common machine does not serve, a common
/// machine's action naming one station.
#[test]
fn bounds_of_names_stations_and_common_machines_are_errors_of_the_trace() {
    let header = |extra: &str, electors: u32, name: &str| {
        format!(
            r#"{{"trace":"evm-poll-day","version":1,"profile":"M2","polling_station":{{"number":3}},"candidates":["{name}","B"],"electors_assigned":{electors},"provenance":{{"source":"test"}}{extra}}}"#
        )
    };
    let parse = |text: String| evm_conformance::trace::parse_trace(std::path::Path::new("t.jsonl"), &text);
    let long = "N".repeat(121);
    let error = parse(header("", 10, &long)).expect_err("a long name");
    assert!(error.to_string().contains("candidate 1's name is 1 to 120"), "{error}");
    assert!(parse(header("", 10, &"N".repeat(120))).is_ok());
    let papers =
        format!("{}\n{}", header("", 10_001, "A"), r#"{"at":"07:00:00","event":"elector_arrived","elector":1}"#);
    let error = parse(papers).expect_err("more electors than a station's papers hold");
    assert_eq!(error.line, 1, "the header's bound is the station's");
    assert!(error.to_string().contains("at most 10000"), "{error}");
    let common = r#","common_machine_stations":[{"number":4,"electors_assigned":5}]"#;
    let named = |line: &str| parse(format!("{}\n{line}", header(common, 10, "A")));
    assert!(named(r#"{"at":"07:00:00","event":"elector_arrived","elector":1,"polling_station":4}"#).is_ok());
    let error = named(r#"{"at":"07:00:00","event":"elector_arrived","elector":1,"polling_station":5}"#)
        .expect_err("a station not served");
    assert!(error.to_string().contains("station 5 is not served"), "{error}");
    let error = named(r#"{"at":"07:00:00","event":"poll_opened","polling_station":4}"#).expect_err("common action");
    assert!(error.to_string().contains("names no station"), "{error}");
    let twice = r#","common_machine_stations":[{"number":3,"electors_assigned":5}]"#;
    assert!(parse(header(twice, 10, "A")).is_err(), "a station listed twice");
}

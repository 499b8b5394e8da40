//! The trace writer: a parsed [`Trace`] back to JSON Lines that
//! [`parse_trace`](super::parse_trace) reads to an equivalent trace (the same
//! header and the same timed events; line numbers, notes and blank lines are
//! not kept). Used to turn a fuzzer's finding or a generated poll day into a
//! trace file for `traces/regress/`.

use super::{Header, Trace, TraceEvent, TraceLine, TRACE_FORMAT_NAME, TRACE_FORMAT_VERSION};
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{MachineProfile, ProfileName, Timestamp};
use serde_json::{json, Map, Value};

/// The text of `trace`: the header line, then one line per event, each
/// ending with a newline.
pub fn write_trace(trace: &Trace) -> String {
    let mut text = header_value(&trace.header).to_string();
    text.push('\n');
    for line in &trace.lines {
        text.push_str(&line_value(&trace.header, line).to_string());
        text.push('\n');
    }
    text
}

/// A time as traces write it: "HH:MM:SS.mmm", hours past 23 for polls that
/// run past midnight.
pub fn format_time(at: Timestamp) -> String {
    let milliseconds = at.milliseconds();
    let seconds = milliseconds / 1000;
    format!("{:02}:{:02}:{:02}.{:03}", seconds / 3600, (seconds / 60) % 60, seconds % 60, milliseconds % 1000)
}

fn header_value(header: &Header) -> Value {
    let named = MachineProfile::named(header.profile.name);
    let mut machine = Map::new();
    if header.profile.balloting_units_max != named.balloting_units_max {
        machine.insert("balloting_units_max".into(), json!(header.profile.balloting_units_max));
    }
    if header.profile.vote_capacity != named.vote_capacity {
        machine.insert("vote_capacity".into(), json!(header.profile.vote_capacity));
    }
    if header.rate_limit_given || header.profile.rate_limit_votes_per_minute != named.rate_limit_votes_per_minute {
        machine.insert(
            "rate_limit_votes_per_minute".into(),
            json!(header.profile.rate_limit_votes_per_minute.unwrap_or(0)),
        );
    }
    if header.profile.rate_limit_votes_per_minute.is_some()
        && (header.rate_limit_given || header.profile.rate_rule != named.rate_rule)
    {
        machine.insert("rate_rule".into(), json!(header.profile.rate_rule));
    }
    if header.profile.none_of_the_above != named.none_of_the_above {
        machine.insert("none_of_the_above".into(), json!(header.profile.none_of_the_above));
    }
    let defects: Vec<Value> =
        header.defects.iter().map(|defect| serde_json::to_value(defect).unwrap_or(Value::Null)).collect();
    let mut value = json!({
        "trace": TRACE_FORMAT_NAME,
        "version": TRACE_FORMAT_VERSION,
        "profile": match header.profile.name {
            ProfileName::M2 => "M2",
            ProfileName::M3 => "M3",
        },
        "polling_station": header.polling_station,
        "municipality": header.municipality,
        "date_of_poll": header.date_of_poll,
        "candidates": header.candidates,
        "electors_assigned": header.electors_assigned,
        "defects": defects,
        "provenance": header.provenance,
    });
    if !machine.is_empty() {
        value["machine"] = Value::Object(machine);
    }
    if !header.common_machine_stations.is_empty() {
        value["common_machine_stations"] = json!(header.common_machine_stations);
    }
    if let Some(ward) = header.ward {
        value["ward"] = json!(ward);
    }
    if !header.election.is_municipal_ward() {
        value["election"] = serde_json::to_value(&header.election).unwrap_or(Value::Null);
    }
    value
}

/// The ballot entry (1-based) of a button, as `press` writes a candidate.
fn entry_of(address: ButtonAddress) -> Option<usize> {
    address.ballot_index().map(|index| index + 1)
}

fn unit_value(header: &Header, input: &Input) -> Value {
    match *input {
        Input::CandSet { candidates } => json!({"event": "cand_set", "candidates": candidates}),
        Input::SealCandidateSetSection => json!({"event": "seal_candidate_set_section"}),
        Input::Ballot => json!({"event": "ballot"}),
        Input::Total => json!({"event": "total"}),
        Input::Close => json!({"event": "close"}),
        Input::Result => json!({"event": "result"}),
        Input::Clear => json!({"event": "clear"}),
        Input::FixResultSeal => json!({"event": "fix_result_seal"}),
        Input::BreakResultSeal => json!({"event": "break_result_seal"}),
        Input::AttachBallotingUnit { position } => json!({"event": "attach_balloting_unit", "position": position}),
        Input::DetachBallotingUnit { position } => json!({"event": "detach_balloting_unit", "position": position}),
        // A press on a ballot entry is written as the candidate; any other
        // button (masked, out of range) by its unit and button.
        Input::PressButton { address } => match entry_of(address) {
            Some(entry) if entry <= usize::from(header.ballot_entries()) => {
                json!({"event": "press", "candidate": entry})
            }
            _ => json!({"event": "press", "balloting_unit": address.balloting_unit, "button": address.button}),
        },
        // The parser only builds these from ballot entries.
        Input::PressTwoButtons { first, second } => {
            json!({"event": "press_two", "candidates": [entry_of(first), entry_of(second)]})
        }
        Input::PowerOff => json!({"event": "power_off"}),
        Input::PowerOn { held_button: None } => json!({"event": "power_on"}),
        Input::PowerOn { held_button: Some(address) } => {
            json!({"event": "power_on", "held_candidate": entry_of(address)})
        }
        Input::BatteryLevel { percent } => json!({"event": "battery_level", "percent": percent}),
        Input::OpenCase => json!({"event": "open_case"}),
        Input::FirstLevelCheck => json!({"event": "first_level_check"}),
    }
}

fn line_value(header: &Header, line: &TraceLine) -> Value {
    let mut value = match &line.event {
        TraceEvent::Unit(input) => unit_value(header, input),
        TraceEvent::PressCutBeforeBeep(input) => {
            let mut value = unit_value(header, input);
            value["cut_before_beep"] = json!(true);
            value
        }
        TraceEvent::Expect(expectation) => {
            let mut value = serde_json::to_value(expectation).unwrap_or_else(|_| json!({}));
            value["event"] = json!("expect");
            value
        }
        TraceEvent::ExpectResult { counts, total } => {
            json!({"event": "expect_result", "counts": counts, "total": total})
        }
        TraceEvent::NewMachine { reason } => json!({"event": "new_machine", "reason": reason}),
        TraceEvent::Counting(event) => serde_json::to_value(event).unwrap_or_else(|_| json!({})),
        TraceEvent::LinkNoise { bytes, seed } => json!({"event": "link_noise", "bytes": bytes, "seed": seed}),
        TraceEvent::Station { action, total_shown, set_up, polling_station } => {
            let mut value = serde_json::to_value(action).unwrap_or_else(|_| json!({}));
            if let Value::Object(map) = &mut value {
                match total_shown {
                    Some(total) => {
                        map.insert("total_shown".into(), json!(total));
                    }
                    // Left out in the source: the harness reads it from the machine.
                    None => {
                        map.remove("total_shown");
                    }
                }
                if let Some(set_up) = set_up {
                    if let Some(positions) = &set_up.balloting_units {
                        map.insert("balloting_units".into(), json!(positions));
                    }
                    if !set_up.candidate_set_section_sealed {
                        map.insert("candidate_set_section_sealed".into(), json!(false));
                    }
                }
                if let Some(number) = polling_station {
                    map.insert("polling_station".into(), json!(number));
                }
            }
            value
        }
    };
    value["at"] = json!(format_time(line.at));
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_keep_milliseconds_and_hours_past_midnight() {
        assert_eq!(format_time(Timestamp::from_clock(7, 0, 13).plus_milliseconds(5)), "07:00:13.005");
        assert_eq!(format_time(Timestamp::from_clock(47, 59, 59).plus_milliseconds(999)), "47:59:59.999");
    }
}

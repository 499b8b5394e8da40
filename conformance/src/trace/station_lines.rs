//! The lines of a trace that keep the station's papers and count its
//! machines (docs/TRACE_FORMAT.md sections 3.3, 3.5 and 3.6): station
//! actions with what they carry beyond the action, and counting events.

use super::fields::{
    balloting_unit_position, check_text, error, kind_of, serde_error, TraceError, OTHER_EVENTS, UNIT_EVENTS,
};
use super::{CountingEvent, Header, MachineSetUp, TraceEvent};
use evm_sim::StationAction;
use serde_json::{Map, Value};
use std::path::Path;

/// The account as written and the counting (docs/TRACE_FORMAT.md 3.6).
pub const COUNTING_EVENTS: &[&str] = &[
    "account_written",
    "machine_received",
    "seal_inspected",
    "tamper_found",
    "part_two_written",
    "observer_check",
    "recount",
    "machine_resealed",
];

/// Station actions on the machine itself: with a common machine (39C(4))
/// they concern every station it serves and name none.
pub const COMMON_MACHINE_ACTIONS: &[&str] = &[
    "machine_installed",
    "mock_poll_held",
    "poll_opened",
    "close_of_poll_hour",
    "poll_closed",
    "booth_captured",
    "poll_adjourned",
    "machine_failed",
    "fresh_poll_ordered",
];

/// A result's counts: one per ballot entry (candidates, then NOTA).
pub(super) fn check_counts(path: &Path, line: usize, counts: &[u32], header: &Header) -> Result<(), TraceError> {
    if counts.len() == usize::from(header.ballot_entries()) {
        return Ok(());
    }
    Err(error(
        path,
        line,
        Some("counts"),
        format!(
            "expected {} counts (candidates, then NOTA where the profile has it), found {}",
            header.ballot_entries(),
            counts.len()
        ),
    ))
}

/// The figures of a counting line: as many counts as ballot entries, and
/// names the forms can print.
pub(super) fn check_counting_event(
    path: &Path,
    line: usize,
    event: &CountingEvent,
    header: &Header,
) -> Result<(), TraceError> {
    if let Some(control_unit) = event.control_unit() {
        check_text(path, line, "control_unit", "the control unit's number", control_unit, false)?;
    }
    match event {
        CountingEvent::PartTwoWritten { counts, .. } | CountingEvent::ObserverCheck { counts, .. } => {
            check_counts(path, line, counts, header)?;
        }
        CountingEvent::MachineReceived { round, table, .. } if *round == 0 || *table == 0 => {
            return Err(error(path, line, Some("round"), "rounds and tables are numbered from 1"));
        }
        CountingEvent::SealInspected { paper_seal: 0, .. } => {
            return Err(error(path, line, Some("paper_seal"), "a paper seal's serial number is 1 or more"));
        }
        CountingEvent::MachineResealed { r#box, .. } => {
            check_text(path, line, "box", "the constituency", &r#box.constituency, false)?;
            check_text(path, line, "box", "the control unit", &r#box.control_unit, false)?;
            check_text(path, line, "box", "the date of poll", &r#box.date_of_poll, false)?;
            check_text(path, line, "box", "the date of counting", &r#box.date_of_counting, false)?;
            if r#box.polling_stations.is_empty() || r#box.polling_stations.len() > 8 {
                return Err(error(path, line, Some("box"), "1 to 8 polling stations on the box"));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The set-up fields of a `machine_installed` line, taken out of `map`.
pub(super) fn machine_set_up(
    path: &Path,
    line: usize,
    map: &mut Map<String, Value>,
) -> Result<MachineSetUp, TraceError> {
    let mut set_up = MachineSetUp::default();
    if let Some(value) = map.remove("candidate_set_section_sealed") {
        set_up.candidate_set_section_sealed = value.as_bool().ok_or_else(|| {
            error(path, line, Some("candidate_set_section_sealed"), format!("expected true or false, found {value}"))
        })?;
    }
    if let Some(value) = map.remove("balloting_units") {
        let Some(items) = value.as_array().filter(|items| !items.is_empty() && items.len() <= 24) else {
            return Err(error(
                path,
                line,
                Some("balloting_units"),
                format!("expected 1 to 24 positions in the order the cables were connected, found {value}"),
            ));
        };
        let mut positions = Vec::with_capacity(items.len());
        for item in items {
            let position = item.as_u64().and_then(|position| u8::try_from(position).ok()).unwrap_or(0);
            positions.push(balloting_unit_position(path, line, "balloting_units", position)?);
        }
        set_up.balloting_units = Some(positions);
    }
    Ok(set_up)
}

/// Station actions that carry what the machine showed (`total_shown`): the
/// trace may leave it out, the harness reads it from the machine.
pub(super) const ACTIONS_WITH_TOTAL_SHOWN: &[&str] =
    &["poll_opened", "poll_closed", "booth_captured", "poll_adjourned", "machine_failed"];

// Longer than 70 lines on purpose: one arm a station action (docs/TRACE_FORMAT.md section 3.3),
// each with its field rules.
pub(super) fn station_event(
    path: &Path,
    line: usize,
    kind: &str,
    mut map: Map<String, Value>,
    header: &Header,
) -> Result<TraceEvent, TraceError> {
    if kind == "vote_recorded" {
        return Err(error(
            path,
            line,
            Some("event"),
            "\"vote_recorded\" is a fact of the machine: the harness reports it from the machine's own answer; write the press instead",
        ));
    }
    if kind == "enable_cancelled" {
        return Err(error(
            path,
            line,
            Some("event"),
            "\"enable_cancelled\" is a fact of the machine: the harness reports it from the machine's own answer; write what cancelled the enable (power_cut, cable_pulled, …) instead",
        ));
    }
    let set_up = if kind == "machine_installed" { Some(Box::new(machine_set_up(path, line, &mut map)?)) } else { None };
    let polling_station = match map.remove("polling_station") {
        None => None,
        Some(value) => {
            let number = value.as_u64().and_then(|number| u32::try_from(number).ok()).ok_or_else(|| {
                error(path, line, Some("polling_station"), format!("expected a station number, found {value}"))
            })?;
            if !header.station_numbers().contains(&number) {
                return Err(error(
                    path,
                    line,
                    Some("polling_station"),
                    format!(
                        "station {number} is not served by this machine: the header names {:?} (polling_station and common_machine_stations)",
                        header.station_numbers()
                    ),
                ));
            }
            if COMMON_MACHINE_ACTIONS.contains(&kind) {
                return Err(error(
                    path,
                    line,
                    Some("polling_station"),
                    format!("{kind:?} acts on the machine, which every station it serves shares (39C(4)): it names no station"),
                ));
            }
            Some(number)
        }
    };
    let mut total_shown = None;
    if ACTIONS_WITH_TOTAL_SHOWN.contains(&kind) {
        match map.get("total_shown") {
            Some(Value::Number(number)) => {
                total_shown = number.as_u64().and_then(|total| u32::try_from(total).ok());
                if total_shown.is_none() {
                    return Err(error(path, line, Some("total_shown"), "expected a whole number 0 to 4294967295"));
                }
            }
            Some(other) => {
                return Err(error(
                    path,
                    line,
                    Some("total_shown"),
                    format!("expected a number, found {}", kind_of(other)),
                ))
            }
            None => {
                map.insert("total_shown".to_owned(), Value::from(0));
            }
        }
    }
    match serde_json::from_value::<StationAction>(Value::Object(map)) {
        Ok(action) => Ok(TraceEvent::Station { action, total_shown, set_up, polling_station }),
        Err(source) if source.to_string().starts_with("unknown variant") => Err(error(
            path,
            line,
            Some("event"),
            format!(
                "unknown event {kind:?}; expected a machine event ({}), {}, a station action (section 3.3 of docs/TRACE_FORMAT.md) or a counting event ({}, section 3.6)",
                UNIT_EVENTS.join(", "),
                OTHER_EVENTS.join(", "),
                COUNTING_EVENTS.join(", ")
            ),
        )),
        Err(source) => Err(serde_error(path, line, "event", source)),
    }
}

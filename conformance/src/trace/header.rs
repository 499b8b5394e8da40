//! The header of a trace (docs/TRACE_FORMAT.md section 2): the profile and
//! its overrides, the station(s), the ballot, and the bounds of names.

use super::fields::{
    check_text, error, object, serde_error, TraceError, MAX_CANDIDATES, MAX_ELECTORS_ASSIGNED, MAX_PART_NUMBER_CHARS,
};
use super::{CommonMachineStation, Header, PollingStationLabel, Provenance, TRACE_FORMAT_NAME, TRACE_FORMAT_VERSION};
use evm_sim::{Defect, Defects, MachineProfile, ProfileName};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    trace: String,
    version: u32,
    profile: String,
    #[serde(default)]
    machine: RawMachine,
    #[serde(default)]
    election: evm_sim::Election,
    polling_station: PollingStationLabel,
    #[serde(default)]
    ward: Option<u32>,
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    date_of_poll: String,
    candidates: Vec<String>,
    electors_assigned: u32,
    #[serde(default)]
    defects: Vec<String>,
    provenance: Provenance,
    #[serde(default)]
    common_machine_stations: Vec<CommonMachineStation>,
}

/// Overrides of the profile's settings.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMachine {
    #[serde(default)]
    balloting_units_max: Option<u8>,
    #[serde(default)]
    vote_capacity: Option<u32>,
    /// 0 switches the limit off.
    #[serde(default)]
    rate_limit_votes_per_minute: Option<u8>,
    #[serde(default)]
    rate_rule: Option<evm_sim::RateRule>,
    #[serde(default)]
    none_of_the_above: Option<bool>,
}

// Longer than 70 lines on purpose: one check a header field (docs/TRACE_FORMAT.md section 2), each
// with its located error.
pub(super) fn parse_header(path: &Path, line: usize, text: &str) -> Result<Header, TraceError> {
    let map = object(path, line, text)?;
    let raw: RawHeader =
        serde_json::from_value(Value::Object(map)).map_err(|source| serde_error(path, line, "header", source))?;
    if raw.trace != TRACE_FORMAT_NAME {
        return Err(error(
            path,
            line,
            Some("trace"),
            format!("expected \"{TRACE_FORMAT_NAME}\", found {:?}", raw.trace),
        ));
    }
    if raw.version != TRACE_FORMAT_VERSION {
        return Err(error(
            path,
            line,
            Some("version"),
            format!("this harness reads version {TRACE_FORMAT_VERSION}, found {}", raw.version),
        ));
    }
    let name: ProfileName =
        raw.profile.parse().map_err(|message: String| error(path, line, Some("profile"), message))?;
    let mut profile = MachineProfile::named(name);
    if let Some(units) = raw.machine.balloting_units_max {
        profile.balloting_units_max = units;
    }
    if let Some(capacity) = raw.machine.vote_capacity {
        profile.vote_capacity = capacity;
    }
    if let Some(limit) = raw.machine.rate_limit_votes_per_minute {
        profile.rate_limit_votes_per_minute = (limit != 0).then_some(limit);
    }
    if let Some(rule) = raw.machine.rate_rule {
        if profile.rate_limit_votes_per_minute.is_none() {
            return Err(error(path, line, Some("rate_rule"), "a rate rule needs a rate limit (not 0)"));
        }
        profile.rate_rule = rule;
    }
    let rate_limit_given = raw.machine.rate_limit_votes_per_minute.is_some() || raw.machine.rate_rule.is_some();
    if let Some(nota) = raw.machine.none_of_the_above {
        profile.none_of_the_above = nota;
    }
    profile.validate().map_err(|source| error(path, line, Some("machine"), source.to_string()))?;
    if raw.candidates.is_empty() || raw.candidates.len() > MAX_CANDIDATES {
        return Err(error(
            path,
            line,
            Some("candidates"),
            format!("expected 1 to {MAX_CANDIDATES} names, found {}", raw.candidates.len()),
        ));
    }
    if raw.candidates.len() > usize::from(profile.candidates_max()) {
        return Err(error(
            path,
            line,
            Some("candidates"),
            format!(
                "{} candidates do not fit profile {} (at most {})",
                raw.candidates.len(),
                raw.profile,
                profile.candidates_max()
            ),
        ));
    }
    if u16::try_from(raw.polling_station.number).is_err() {
        return Err(error(
            path,
            line,
            Some("polling_station"),
            format!("number at most 65535, found {}", raw.polling_station.number),
        ));
    }
    let part_number = &raw.polling_station.part_number;
    if part_number.chars().count() > MAX_PART_NUMBER_CHARS
        || part_number.chars().any(|character| character.is_control())
    {
        return Err(error(
            path,
            line,
            Some("polling_station"),
            format!("part_number is at most {MAX_PART_NUMBER_CHARS} printable characters, found {part_number:?}"),
        ));
    }
    if raw.ward.is_some_and(|ward| u16::try_from(ward).is_err()) {
        return Err(error(path, line, Some("ward"), "at most 65535"));
    }
    if raw.ward.is_some() && !raw.election.is_municipal_ward() {
        return Err(error(
            path,
            line,
            Some("ward"),
            "a ward belongs to a municipal election; this header's election is not a municipal ward",
        ));
    }
    if raw.electors_assigned > MAX_ELECTORS_ASSIGNED {
        return Err(error(
            path,
            line,
            Some("electors_assigned"),
            format!("at most {MAX_ELECTORS_ASSIGNED}, found {}", raw.electors_assigned),
        ));
    }
    for (index, candidate) in raw.candidates.iter().enumerate() {
        check_text(path, line, "candidates", &format!("candidate {}'s name", index + 1), candidate, false)?;
    }
    check_text(path, line, "polling_station", "the station's name", &raw.polling_station.name, true)?;
    check_text(path, line, "municipality", "the municipality", &raw.municipality, true)?;
    if raw.common_machine_stations.len() > MAX_COMMON_MACHINE_STATIONS {
        return Err(error(
            path,
            line,
            Some("common_machine_stations"),
            format!(
                "at most {MAX_COMMON_MACHINE_STATIONS} other stations, found {}",
                raw.common_machine_stations.len()
            ),
        ));
    }
    let mut numbers = vec![raw.polling_station.number];
    for station in &raw.common_machine_stations {
        if u16::try_from(station.number).is_err() || numbers.contains(&station.number) {
            return Err(error(
                path,
                line,
                Some("common_machine_stations"),
                format!("station numbers are 0 to 65535 and distinct, found {} again or out of range", station.number),
            ));
        }
        numbers.push(station.number);
        if station.electors_assigned > MAX_ELECTORS_ASSIGNED {
            return Err(error(
                path,
                line,
                Some("common_machine_stations"),
                format!("electors_assigned at most {MAX_ELECTORS_ASSIGNED}, found {}", station.electors_assigned),
            ));
        }
        check_text(path, line, "common_machine_stations", "a station's name", &station.name, true)?;
        check_text(path, line, "common_machine_stations", "a station's part_number", &station.part_number, true)?;
        if station.part_number.chars().count() > MAX_PART_NUMBER_CHARS {
            return Err(error(
                path,
                line,
                Some("common_machine_stations"),
                format!("part_number is at most {MAX_PART_NUMBER_CHARS} characters, found {:?}", station.part_number),
            ));
        }
    }
    let mut defects = Defects::NONE;
    for name in &raw.defects {
        let defect: Defect = name.parse().map_err(|message: String| error(path, line, Some("defects"), message))?;
        defects.insert(defect);
    }
    Ok(Header {
        profile,
        rate_limit_given,
        election: raw.election,
        polling_station: raw.polling_station,
        ward: raw.ward,
        municipality: raw.municipality,
        date_of_poll: raw.date_of_poll,
        candidates: raw.candidates,
        electors_assigned: raw.electors_assigned,
        defects,
        provenance: raw.provenance,
        common_machine_stations: raw.common_machine_stations,
    })
}

/// The most stations one common machine serves besides the header's (39C(4)).
pub const MAX_COMMON_MACHINE_STATIONS: usize = 7;

//! A ward's counting day (rules 61G–61P, the counting circular): the poll
//! days of its stations, each ending with the counting of its machines,
//! then Forms 23 and 24. A folder holding a `ward.json` manifest is a ward:
//! the runner replays the stations it lists and judges the count
//! (docs/TRACE_FORMAT.md section 11).

use crate::report::{judge, TraceReport, TraceStatus};
use crate::target::Target;
use crate::trace::{parse_trace_file, ExpectedVerdict};
use crate::verdict::{Finding, MachineCount, StationCount, TraceOutcome, VerdictKind, WardFigures};
use evm_sim::forms::ElectionDutyVotes;
use evm_sim::{Counting, CountingRefusal, SealInspection};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name that makes a folder a ward.
pub const WARD_MANIFEST_NAME: &str = "ward.json";
/// The format version of `ward.json`.
pub const WARD_FORMAT_VERSION: u32 = 1;
/// The most stations a ward lists (the counting model's bound).
pub const MAX_WARD_STATIONS: usize = evm_sim::station::counting::MAX_STATIONS_PER_WARD;

/// `ward.json`: what the returning officer counts, and what a conforming
/// count must give.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WardManifest {
    /// Always 1.
    pub ward_counting: u32,
    pub municipality: String,
    pub ward: u16,
    #[serde(default)]
    pub date_of_poll: String,
    /// The contesting candidates in ballot order (NOTA not included).
    pub candidates: Vec<String>,
    #[serde(default = "yes")]
    pub none_of_the_above: bool,
    /// The stations' traces, relative to the manifest's folder.
    pub stations: Vec<String>,
    /// 61F: the valid votes of persons on election duty, one per candidate
    /// line (NOTA last where used), and their rejected ballot papers.
    #[serde(default)]
    pub election_duty: Option<ElectionDutyVotes>,
    /// 61K(2): the seed of the lot, should candidates tie at the top.
    #[serde(default)]
    pub lot_seed: u64,
    pub expected: WardExpected,
}

fn yes() -> bool {
    true
}

/// What a conforming count of the ward gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WardExpected {
    /// The grade of the ward's own findings (`pass` when the count is clean).
    pub verdict: VerdictKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Form 23's total per candidate line (NOTA last where used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totals: Option<Vec<u64>>,
    /// The candidate declared elected (Form 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elected: Option<String>,
    /// The declaration withheld until a fresh poll (61P(1)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration_withheld: Option<bool>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
}

/// Whether `path` is a ward manifest.
pub fn is_ward_manifest(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name == WARD_MANIFEST_NAME)
}

/// Reads `ward.json`, with a located message for bad input.
pub fn parse_manifest(path: &Path) -> Result<WardManifest, ManifestError> {
    let place = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read { place: place.clone(), source })?;
    let manifest: WardManifest = serde_json::from_str(&text).map_err(|error| ManifestError::Json {
        place: format!("{place}:{}:{}", error.line(), error.column()),
        message: error.to_string().split(" at line ").next().unwrap_or("").to_owned(),
    })?;
    let field = |field: &'static str, wanted: String| ManifestError::Field { place: place.clone(), field, wanted };
    if manifest.ward_counting != WARD_FORMAT_VERSION {
        return Err(field("ward_counting", format!("this harness reads version {WARD_FORMAT_VERSION}")));
    }
    if manifest.stations.is_empty() || manifest.stations.len() > MAX_WARD_STATIONS {
        return Err(field("stations", format!("1 to {MAX_WARD_STATIONS} station traces")));
    }
    if matches!(manifest.expected.verdict, VerdictKind::Error | VerdictKind::NotApplicable | VerdictKind::Inconclusive)
    {
        return Err(field("expected.verdict", "pass, advisory, procedural, discrepancy or violation".to_owned()));
    }
    Ok(manifest)
}

/// Why a `ward.json` cannot be read: where, and why.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{place}: {source}")]
    Read { place: String, source: std::io::Error },
    #[error("{place}: {message}")]
    Json { place: String, message: String },
    #[error("{place}: `{field}`: {wanted}")]
    Field { place: String, field: &'static str, wanted: String },
}

/// Replays the ward's stations against `target` and judges the count.
// Longer than 70 lines on purpose: a ward's counting day in its order: the manifest read, each
// station replayed and judged, then the count; each step a call, the length is their error paths.
pub fn run_ward(path: &Path, target: &mut dyn Target) -> TraceReport {
    let name = path.to_string_lossy().into_owned();
    let malformed = |message: String| {
        let mut report = judge(&name, TraceOutcome::error(message.clone()), Err(String::new()));
        report.status = TraceStatus::Malformed;
        report.reason = Some(message);
        report
    };
    let manifest = match parse_manifest(path) {
        Ok(manifest) => manifest,
        Err(error) => return malformed(error.to_string()),
    };
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut counts = Vec::new();
    for station in &manifest.stations {
        let file: PathBuf = folder.join(station);
        let trace = match parse_trace_file(&file) {
            Ok(trace) => trace,
            Err(error) => return malformed(format!("{}: station {station}: {error}", path.display())),
        };
        if trace.header.ward != Some(u32::from(manifest.ward)) || trace.header.candidates != manifest.candidates {
            return malformed(format!(
                "{}: station {station}: its header is of another ward or another ballot (ward {}, candidates {})",
                path.display(),
                trace.header.ward.map_or_else(|| "none".to_owned(), |ward| ward.to_string()),
                trace.header.candidates.join(", ")
            ));
        }
        let outcome = crate::replay::replay(&trace, target);
        match outcome.verdict {
            VerdictKind::Error => {
                return judge(
                    &name,
                    TraceOutcome::error(format!("station {station}: {}", outcome.reason.unwrap_or_default())),
                    Ok(expected(&manifest)),
                );
            }
            VerdictKind::NotApplicable => {
                return judge(
                    &name,
                    TraceOutcome::not_applicable(format!("station {station}: {}", outcome.reason.unwrap_or_default())),
                    Ok(expected(&manifest)),
                );
            }
            VerdictKind::Inconclusive => {
                let reason = format!("station {station}: {}", outcome.reason.unwrap_or_default());
                let cause = outcome.cause.unwrap_or(crate::target::FailureCause::Harness);
                return judge(&name, TraceOutcome::inconclusive(cause, reason), Ok(expected(&manifest)));
            }
            _ => {}
        }
        match outcome.station_count {
            Some(count) => counts.push((station.clone(), count)),
            None => {
                return malformed(format!(
                    "{}: station {station}: its poll was never closed, so it has no account to count",
                    path.display()
                ))
            }
        }
    }
    if let Err(message) = check_rounds(&counts) {
        return malformed(format!("{}: {message}", path.display()));
    }
    let (figures, findings) = match count(&manifest, &counts) {
        Ok(counted) => counted,
        Err(message) => return malformed(format!("{}: {message}", path.display())),
    };
    let mut outcome = TraceOutcome::from_findings(findings, None, counts.len());
    if let Some(form_23) = &figures.form_23 {
        outcome.forms.push(evm_sim::forms::text::form_23(form_23));
    }
    if let Some(form_24) = &figures.form_24 {
        outcome.forms.push(evm_sim::forms::text::form_24(form_24));
    }
    let mut report = judge(&name, outcome, Ok(expected(&manifest)));
    if report.status == TraceStatus::AsExpected {
        if let Some(differs) = figures_differ(&manifest.expected, &figures) {
            report.status = TraceStatus::Differs;
            report.matches_expected = false;
            report.reason = Some(differs);
        }
    }
    report.ward = Some(figures);
    report
}

fn expected(manifest: &WardManifest) -> ExpectedVerdict {
    ExpectedVerdict {
        verdict: manifest.expected.verdict,
        property: None,
        line: None,
        rule: manifest.expected.rule.clone(),
        item_6_discrepancy: None,
        form_16c: None,
        why: manifest.expected.why.clone(),
    }
}

/// Why a ward's count cannot be made: its tables, or a refusal of the
/// count itself (the ward's names, a station, a machine).
#[derive(Debug, thiserror::Error)]
enum WardCountError {
    #[error(
        "round {round}, table {table} holds two control units ({earlier}, and {control_unit} of station {station})"
    )]
    TableTwice { round: u32, table: u32, earlier: String, control_unit: String, station: String },
    #[error("round {missing} has no machines (rounds are numbered 1, 2, …; round {next} follows)")]
    RoundMissing { missing: u32, next: u32 },
    #[error("{0}")]
    Ward(CountingRefusal),
    #[error("`election_duty`: {0}")]
    ElectionDuty(CountingRefusal),
    #[error("station {station}: {refusal}")]
    Station { station: String, refusal: CountingRefusal },
}

/// The rounds of the counting circular: numbered 1, 2, … with no round
/// left without a machine, and one control unit to a table in a round.
fn check_rounds(counts: &[(String, StationCount)]) -> Result<(), WardCountError> {
    let mut tables: BTreeMap<(u32, u32), String> = BTreeMap::new();
    for (station, count) in counts {
        for machine in &count.machines {
            let Some((round, table)) = machine.round_and_table else { continue };
            if let Some(earlier) = tables.insert((round, table), machine.control_unit.clone()) {
                return Err(WardCountError::TableTwice {
                    round,
                    table,
                    earlier,
                    control_unit: machine.control_unit.clone(),
                    station: station.clone(),
                });
            }
        }
    }
    let mut rounds: Vec<u32> = tables.keys().map(|(round, _)| *round).collect();
    rounds.dedup();
    for (expected, round) in (1u32..).zip(&rounds) {
        if *round != expected {
            return Err(WardCountError::RoundMissing { missing: expected, next: *round });
        }
    }
    Ok(())
}

/// Forms 23 and 24 from the stations' Part I and the counting tables'
/// Part II, with the ward's own findings.
fn count(
    manifest: &WardManifest,
    counts: &[(String, StationCount)],
) -> Result<(WardFigures, Vec<Finding>), WardCountError> {
    // 61P(1): nothing is compiled while a station's adjourned or fresh poll
    // is still to be held.
    let incomplete: Vec<String> = counts
        .iter()
        .filter(|(_, count)| !count.poll_complete)
        .map(|(_, count)| count.part_one.identity.number.to_string())
        .collect();
    if !incomplete.is_empty() {
        let reason = format!(
            "61P(1): the poll of station(s) {} is not complete (adjourned, or captured awaiting a fresh poll): the count is compiled and declared after it",
            incomplete.join(", ")
        );
        return Ok((WardFigures { form_23: None, form_24: None, declaration_withheld: Some(reason) }, Vec::new()));
    }
    let names: Vec<&str> = manifest.candidates.iter().map(String::as_str).collect();
    let mut counting = Counting::new(
        &manifest.municipality,
        manifest.ward,
        &manifest.date_of_poll,
        &names,
        manifest.none_of_the_above,
    )
    .map_err(WardCountError::Ward)?;
    if let Some(votes) = &manifest.election_duty {
        counting.record_election_duty_votes(votes.clone()).map_err(WardCountError::ElectionDuty)?;
    }
    let mut table = CountingTables { counting, findings: Vec::new(), per_round: BTreeMap::new() };
    for (station, count) in counts {
        let number = count.part_one.identity.number;
        table
            .counting
            .add_station(count.part_one.clone())
            .map_err(|refusal| WardCountError::Station { station: station.to_owned(), refusal })?;
        for machine in &count.machines {
            table.machine(station, number, machine)?;
        }
    }
    table.observer_checks();
    let CountingTables { counting, findings, .. } = table;
    let form_23 = counting.form_23().ok();
    let (form_24, declaration_withheld) = match counting.form_24(manifest.lot_seed) {
        Ok(form) => (Some(form), None),
        Err(CountingRefusal::FreshPollPending { stations }) => (
            None,
            Some(format!(
                "61P(1): station(s) {} go to a fresh poll (61G(4)); the result is declared after it",
                stations.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
            )),
        ),
        Err(refusal) => (None, Some(refusal.to_string())),
    };
    Ok((WardFigures { form_23, form_24, declaration_withheld }, findings))
}

/// The counting tables of a ward's counting day, as the count goes.
struct CountingTables {
    counting: Counting,
    findings: Vec<Finding>,
    /// Per round: control units counted, and those the observer checked.
    per_round: BTreeMap<u32, (usize, usize)>,
}

impl CountingTables {
    fn finding(&mut self, rule: &str, expected: String, observed: String) {
        self.findings.push(Finding::procedural(None, rule, 0, "ward count".to_owned(), expected, observed));
    }

    /// One control unit at its table: its seals inspected (61G), its
    /// result recorded from Part II (61H) when it may be counted.
    fn machine(&mut self, station: &str, number: u16, machine: &MachineCount) -> Result<(), WardCountError> {
        // The observer picks among the units counted in the round.
        if let (Some((round, _)), Some(_), false) = (machine.round_and_table, &machine.part_two, machine.tampered) {
            let entry = self.per_round.entry(round).or_default();
            entry.0 += 1;
            entry.1 += usize::from(machine.observer_checked);
        }
        let intact = match (machine.seal_intact, machine.tampered) {
            (Some(intact), _) => intact,
            // Set aside as tampered with: the returning officer's finding
            // stands without a seal inspection recorded.
            (None, true) => true,
            (None, false) => {
                self.finding(
                    "61G(2)",
                    format!("control unit {} inspected at the counting table", machine.control_unit),
                    format!("station {number}: no seal inspection recorded for control unit {}", machine.control_unit),
                );
                return Ok(());
            }
        };
        let inspection = SealInspection { paper_seal_intact: intact, tampered: machine.tampered };
        self.counting
            .inspect_seal(number, &machine.control_unit, inspection)
            .map_err(|refusal| WardCountError::Station { station: station.to_owned(), refusal })?;
        if !inspection.countable() {
            return Ok(());
        }
        match &machine.part_two {
            Some((votes, total)) => {
                self.counting
                    .record_result(number, &machine.control_unit, votes, *total)
                    .map_err(|refusal| WardCountError::Station { station: station.to_owned(), refusal })?;
                Ok(())
            }
            None => {
                self.finding(
                    "61H",
                    format!("control unit {} counted (Result, Part II)", machine.control_unit),
                    format!("station {number}: control unit {} was not counted", machine.control_unit),
                );
                Ok(())
            }
        }
    }

    /// The counting circular: the observer's staff check two control units
    /// a round (or every unit of a smaller round).
    fn observer_checks(&mut self) {
        for (round, (machines, checked)) in std::mem::take(&mut self.per_round) {
            let wanted = machines.min(2);
            if checked < wanted {
                self.finding(
                    "counting circular: the observer's random check",
                    format!("{wanted} control unit(s) of round {round} checked by the observer's staff"),
                    format!("{checked} checked"),
                );
            }
        }
    }
}

/// What the ward's figures show that its expectation does not.
fn figures_differ(expected: &WardExpected, figures: &WardFigures) -> Option<String> {
    let list = |figures: &[u64]| figures.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    if let Some(totals) = &expected.totals {
        let found = figures.form_23.as_ref().map(|form| form.totals.clone());
        if found.as_ref() != Some(totals) {
            let found =
                found.map_or_else(|| "no Form 23".to_owned(), |found| format!("Form 23 totals {}", list(&found)));
            return Some(format!("{found}, expected {}", list(totals)));
        }
    }
    if let Some(elected) = &expected.elected {
        let found = figures.form_24.as_ref().map(|form| form.declaration.elected.clone());
        if found.as_ref() != Some(elected) {
            let found = found.map_or_else(|| "no declaration".to_owned(), |found| format!("{found} elected"));
            return Some(format!("{found}, expected {elected} elected"));
        }
    }
    if let Some(withheld) = expected.declaration_withheld {
        if withheld != figures.declaration_withheld.is_some() {
            let found = figures.declaration_withheld.as_deref().unwrap_or("declared");
            return Some(format!(
                "the declaration: {found}; expected it {}",
                if withheld { "withheld" } else { "made" }
            ));
        }
    }
    None
}

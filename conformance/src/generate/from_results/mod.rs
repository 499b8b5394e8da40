//! `evm-conformance gen --from-results FILE.csv`: poll-day traces from
//! published polling-station-wise results, whose counting (Form 16C Part
//! II) reproduces the published figures exactly. docs/RESULTS_FORMAT.md
//! says what is read:
//!
//! - columns are found **by their headers** (`columns.rs`), in either
//!   layout — one row per station with a column per candidate (Form 20), or
//!   one row per candidate per station — with the user's `--column
//!   ROLE=HEADER` and `--ignore-column HEADER` for headers it does not know;
//! - stations **as published** (`stations.rs`): auxiliary stations ("2A")
//!   are stations; a station published twice, a quote never closed, a
//!   column nobody can place are errors at their line; rows that are not a
//!   station or whose figures cannot be a poll day are skipped, each with
//!   its line and reason; a column whose figures do not fit its name is
//!   warned about;
//! - each station's trace (`trace.rs`) says which election it belongs to,
//!   so its forms carry the right heading.

pub mod columns;
pub mod stations;
pub mod trace;

pub use columns::{ColumnMapping, Layout, Role};
pub use stations::{Ballot, StationFigures};

use crate::trace::{ExpectedVerdict, Trace};
use evm_sim::station::MAX_NAME_CHARS;
use evm_sim::{Election, MachineProfile};
use std::path::Path;

/// A results file that cannot be read as one: where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct ResultsError {
    /// `FILE:LINE` or `FILE:LINE:COLUMN`.
    pub place: String,
    pub message: String,
}

/// How to read a results file.
#[derive(Clone, Debug)]
pub struct ResultsOptions {
    /// Every station's random stream (order of voters, of votes) derives from it.
    pub seed: u64,
    /// The user's column mappings (`--column`, `--ignore-column`).
    pub columns: Vec<ColumnMapping>,
    /// `--layout`; detected from the header when `None`.
    pub layout: Option<Layout>,
    /// The election the stations served (the forms' heading).
    pub election: Election,
    /// For a municipal ward: its number and municipality (the forms print
    /// "Ward No. N of the MUNICIPALITY").
    pub ward: Option<u16>,
    pub municipality: String,
}

impl ResultsOptions {
    /// Form 20 results of an assembly segment of a parliamentary
    /// constituency (the published files of ../shared/data), read by their headers.
    pub fn new(seed: u64) -> ResultsOptions {
        ResultsOptions {
            seed,
            columns: Vec::new(),
            layout: None,
            election: Election::ParliamentarySegment { constituency: String::new(), assembly_segment: String::new() },
            ward: None,
            municipality: String::new(),
        }
    }
}

/// One station's trace, with what it must reproduce.
pub struct StationFromResults {
    /// The station's number as published.
    pub part_number: String,
    pub trace: Trace,
    pub expected: ExpectedVerdict,
    /// The published votes per ballot button (candidates, then NOTA).
    pub counts: Vec<u32>,
}

/// What a results file gave.
pub struct FromResults {
    pub stations: Vec<StationFromResults>,
    /// One message per skipped row: "FILE:LINE: why: skipped".
    pub skipped: Vec<String>,
    /// Columns whose figures do not fit their names: "FILE:LINE:COLUMN: …".
    pub warnings: Vec<String>,
    pub layout: Layout,
}

/// Reads the CSV rows of `path` with their line numbers. A quoted field
/// that runs over lines (a quote never closed swallows the stations after
/// it) is an error at the line where it starts.
fn read_records(path: &Path) -> Result<Vec<(usize, Vec<String>)>, ResultsError> {
    let file = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|error| ResultsError { place: file.clone(), message: error.to_string() })?;
    let mut records = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let line = error.position().map_or(line, |position| position.line() as usize);
                return Err(ResultsError { place: format!("{file}:{line}"), message: error.to_string() });
            }
        }
        let line = record.position().map_or(line, |position| position.line() as usize);
        if let Some(column) = record.iter().position(|field| field.contains('\n') || field.contains('\r')) {
            return Err(ResultsError {
                place: format!("{file}:{line}:{}", column + 1),
                message: "a quoted field runs over several lines from here: a quote not closed? (the rows after it would be lost)"
                    .into(),
            });
        }
        let mut cells: Vec<String> = record.iter().map(str::to_owned).collect();
        if records.is_empty() {
            if let Some(first) = cells.first_mut() {
                // A byte-order mark is not part of the first header.
                *first = first.trim_start_matches('\u{feff}').to_owned();
            }
        }
        records.push((line, cells));
    }
    Ok(records)
}

/// The machine for a ballot: M2 while it fits 64 buttons, else M3.
fn profile_for(ballot: &Ballot) -> MachineProfile {
    let buttons = ballot.candidates.len() + usize::from(ballot.nota);
    let mut profile = if buttons <= 64 { MachineProfile::m2() } else { MachineProfile::m3() };
    profile.none_of_the_above = ballot.nota;
    profile
}

/// Reads the results file at `path`.
pub fn traces_from_results(path: &Path, options: &ResultsOptions) -> Result<FromResults, ResultsError> {
    let file = path.display().to_string();
    if options.election.is_municipal_ward() && options.ward.is_none() {
        return Err(ResultsError {
            place: file,
            message: "a municipal ward's results need the ward's number (--ward N): its forms say \"Ward No. N\""
                .into(),
        });
    }
    let records = read_records(path)?;
    let columns = columns::find_columns(&file, &records, &options.columns, options.layout)?;
    let read = stations::read_stations(&file, &records, &columns, |ballot| profile_for(ballot).vote_capacity)?;
    let ballot = &read.ballot;
    let profile = profile_for(ballot);
    if ballot.candidates.is_empty() || ballot.candidates.len() > usize::from(profile.candidates_max()) {
        return Err(ResultsError {
            place: format!("{file}:{}", columns.header_line),
            message: format!(
                "{} candidates: a machine takes 1 to {}",
                ballot.candidates.len(),
                MachineProfile::m3().candidates_max()
            ),
        });
    }
    let warnings = stations::warnings(&file, &columns, &read.stations);
    let source = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let context = trace::FileContext {
        source: &source,
        ballot,
        profile,
        election: &options.election,
        ward: options.ward,
        municipality: &options.municipality,
        seed: options.seed,
    };
    let mut skipped = read.skipped;
    let mut stations = Vec::new();
    for figures in &read.stations {
        if figures.name.chars().count() > MAX_NAME_CHARS {
            skipped.push(format!(
                "{file}:{}: station {}: a name of {} characters; the forms take at most {MAX_NAME_CHARS}: skipped",
                figures.line,
                figures.part,
                figures.name.chars().count()
            ));
            continue;
        }
        let number = u32::try_from(stations.len() + 1).unwrap_or(u32::MAX).min(u32::from(u16::MAX));
        stations.push(StationFromResults {
            part_number: figures.part.clone(),
            trace: trace::station_trace(&context, number, figures),
            expected: ExpectedVerdict::pass_tallying(format!(
                "reproduces the published figures of station {} ({source}:{})",
                figures.part, figures.line
            )),
            counts: figures.counts.clone(),
        });
    }
    skipped.sort_by_key(|message| line_of(message));
    Ok(FromResults { stations, skipped, warnings, layout: columns.layout })
}

/// The line number of a "FILE:LINE: …" message, for ordering.
fn line_of(message: &str) -> usize {
    message.split(':').nth(1).and_then(|line| line.parse().ok()).unwrap_or(0)
}

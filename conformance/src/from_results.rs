//! `evm-conformance gen --from-results FILE.csv`: poll-day traces from
//! published polling-station-wise results (Form 20 style: electors, voters,
//! tendered voters, votes per candidate in ballot order, NOTA last, total),
//! whose counting (Form 16C Part II) reproduces the published figures
//! exactly. Messy rows (no voters, figures that do not add up, more votes
//! than a machine holds) are skipped, each with a message naming its line.

use crate::trace::{ExpectedVerdict, Header, PollingStationLabel, Provenance, Trace, TraceEvent, TraceLine};
use crate::verdict::VerdictKind;
use evm_sim::protocol::faults::SplitMix64;
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{Defects, MachineProfile, StationAction, Timestamp};
use std::path::Path;

/// Columns before the candidates: part number, name, electors (male,
/// female, other, total), voters (male, female, other, total), voters with
/// an EPIC card, tendered voters.
const COLUMNS_BEFORE_CANDIDATES: usize = 12;
const COLUMN_ELECTORS: usize = 5;
const COLUMN_VOTERS: usize = 9;
const COLUMN_TENDERED: usize = 11;
/// Header rows of the published files.
const HEADER_ROWS: usize = 2;
/// The poll's hours: 07:00 to 17:00, stretched when a station had more voters.
const POLL_MILLISECONDS: u64 = 10 * 3_600_000;
/// Seconds between two voters at least (the machine's five votes a minute).
const MINIMUM_SPACING_MILLISECONDS: u64 = 13_000;

/// One station's trace, with what it must reproduce.
pub struct StationFromResults {
    pub part_number: String,
    pub trace: Trace,
    pub expected: ExpectedVerdict,
    pub counts: Vec<u32>,
}

/// What a results file gave.
pub struct FromResults {
    pub stations: Vec<StationFromResults>,
    /// One message per skipped row: "FILE:LINE: why".
    pub skipped: Vec<String>,
}

/// Reads the results file at `path`.
pub fn traces_from_results(path: &Path, seed: u64) -> Result<FromResults, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|error| format!("{}: {error}", path.display()))?;
    let mut records = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|error| format!("{}:{}: {error}", path.display(), index + 1))?;
        records.push(record);
    }
    let header = records
        .get(HEADER_ROWS - 1)
        .ok_or_else(|| format!("{}: fewer than {HEADER_ROWS} header rows", path.display()))?;
    if header.len() < COLUMNS_BEFORE_CANDIDATES + 3 {
        return Err(format!(
            "{}:{HEADER_ROWS}: {} columns; expected the station, electors, voters, tendered, candidates and a total",
            path.display(),
            header.len()
        ));
    }
    // Candidate columns are named "N - NAME"; the last before the total is NOTA.
    let candidate_columns = COLUMNS_BEFORE_CANDIDATES..header.len() - 1;
    let names: Vec<String> = header
        .iter()
        .skip(COLUMNS_BEFORE_CANDIDATES)
        .take(candidate_columns.len())
        .map(|name| name.split_once(" - ").map_or(name, |(_, name)| name).trim().to_owned())
        .collect();
    let nota = names.last().is_some_and(|name| name.eq_ignore_ascii_case("None of the Above"));
    let candidates: Vec<String> = if nota { names[..names.len() - 1].to_vec() } else { names.clone() };
    let mut profile =
        if candidates.len() + usize::from(nota) <= 64 { MachineProfile::m2() } else { MachineProfile::m3() };
    profile.none_of_the_above = nota;
    let source = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let mut stations = Vec::new();
    let mut skipped = Vec::new();
    for (index, record) in records.iter().enumerate().skip(HEADER_ROWS) {
        let line = index + 1;
        let place = format!("{}:{line}", path.display());
        let fields: Vec<&str> = record.iter().map(str::trim).collect();
        if fields.iter().all(|field| field.is_empty()) {
            continue;
        }
        if fields[0].parse::<u32>().is_err() {
            skipped.push(format!(
                "{place}: {:?} is not a polling station's part number (a subtotal or a label): skipped",
                fields[0]
            ));
            continue;
        }
        if fields.len() != header.len() {
            skipped.push(format!("{place}: {} columns, the header has {}: skipped", fields.len(), header.len()));
            continue;
        }
        let number = |column: usize| -> Result<u32, String> {
            fields[column].parse::<u32>().map_err(|_| {
                format!("{place}: column {} ({:?}) is not a whole number: skipped", column + 1, fields[column])
            })
        };
        let parsed = (|| -> Result<(u32, u32, u32, Vec<u32>, u32), String> {
            let counts = candidate_columns.clone().map(number).collect::<Result<Vec<_>, _>>()?;
            Ok((
                number(COLUMN_ELECTORS)?,
                number(COLUMN_VOTERS)?,
                number(COLUMN_TENDERED)?,
                counts,
                number(header.len() - 1)?,
            ))
        })();
        let (electors, voters, tendered, counts, total) = match parsed {
            Ok(parsed) => parsed,
            Err(message) => {
                skipped.push(message);
                continue;
            }
        };
        let sum: u64 = counts.iter().map(|&count| u64::from(count)).sum();
        let why = if voters == 0 {
            Some("no voters (poll not held there, or the figures are missing)".to_owned())
        } else if sum != u64::from(total) {
            Some(format!("the candidates' votes add up to {sum}, the row's total says {total}"))
        } else if total != voters {
            Some(format!("{total} votes for {voters} voters"))
        } else if voters > electors {
            Some(format!("{voters} voters for {electors} electors"))
        } else if voters > profile.vote_capacity {
            Some(format!("{voters} votes: more than one machine holds ({})", profile.vote_capacity))
        } else if tendered > voters {
            Some(format!("{tendered} tendered votes for {voters} voters: a tendered vote is for an elector someone already voted for"))
        } else {
            None
        };
        if let Some(why) = why {
            skipped.push(format!("{place}: station {}: {why}: skipped", fields[0]));
            continue;
        }
        let trace =
            station_trace(&source, line, fields[0], fields[1], &candidates, profile, electors, tendered, &counts, seed);
        stations.push(StationFromResults {
            part_number: fields[0].to_owned(),
            trace,
            expected: ExpectedVerdict {
                verdict: VerdictKind::Pass,
                property: None,
                line: None,
                item_6_discrepancy: Some(0),
                why: format!("reproduces the published figures of station {} ({source}:{line})", fields[0]),
            },
            counts,
        });
    }
    Ok(FromResults { stations, skipped })
}

#[allow(clippy::too_many_arguments)]
fn station_trace(
    source: &str,
    line: usize,
    part_number: &str,
    name: &str,
    candidates: &[String],
    profile: MachineProfile,
    electors: u32,
    tendered: u32,
    counts: &[u32],
    seed: u64,
) -> Trace {
    let number = part_number.parse::<u32>().unwrap_or(0).min(u32::from(u16::MAX));
    let mut random = SplitMix64::new(seed ^ u64::from(number).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let voters: u32 = counts.iter().sum();
    // Which electors came (a sample of the roll), and the order of the
    // votes: any order gives the same machine memory (history independence).
    let mut roll: Vec<u32> = (1..=electors).collect();
    for slot in 0..voters as usize {
        let other = slot + (random.next_u64() % (roll.len() - slot) as u64) as usize;
        roll.swap(slot, other);
    }
    let mut ballots: Vec<u16> = counts
        .iter()
        .enumerate()
        .flat_map(|(entry, &count)| std::iter::repeat_n(entry as u16 + 1, count as usize))
        .collect();
    for slot in (1..ballots.len()).rev() {
        let other = (random.next_u64() % (slot as u64 + 1)) as usize;
        ballots.swap(slot, other);
    }
    let mut lines = Vec::new();
    let mut now = Timestamp::from_clock(5, 30, 0);
    let mut push = |now: &mut Timestamp, milliseconds: u64, event: TraceEvent| {
        *now = now.plus_milliseconds(milliseconds);
        let number = lines.len() + 2;
        lines.push(TraceLine { line: number, at: *now, event });
    };
    let station = |action: StationAction| TraceEvent::Station { action, total_shown: None };
    push(&mut now, 0, station(StationAction::MachineInstalled { control_unit: format!("CU-{part_number}") }));
    push(&mut now, 60_000, station(StationAction::MockPollHeld { votes: 50, cleared: true }));
    now = now.plus_milliseconds(50 * 13_000 + 60_000);
    push(&mut now, 1_000, station(StationAction::PaperSealsSupplied { first_serial: 1, last_serial: 5 }));
    let papers = tendered.max(10);
    push(
        &mut now,
        1_000,
        station(StationAction::TenderedBallotPapersReceived { first_serial: 1, last_serial: papers }),
    );
    push(&mut now, 1_000, station(StationAction::PaperSealFixed { serial: 1 }));
    now = now.max(Timestamp::from_clock(7, 0, 0));
    push(&mut now, 0, station(StationAction::PollOpened { total_shown: 0 }));
    let spacing = (POLL_MILLISECONDS / u64::from(voters.max(1))).max(MINIMUM_SPACING_MILLISECONDS);
    for (slot, &entry) in ballots.iter().enumerate() {
        let elector = roll[slot];
        push(&mut now, spacing.saturating_sub(9_000), station(StationAction::ElectorIdentified { elector }));
        push(&mut now, 2_000, station(StationAction::InkMarked { elector }));
        push(&mut now, 2_000, station(StationAction::EnteredInRegister { elector, thumb_impression: false }));
        push(&mut now, 2_000, station(StationAction::BallotPressed { elector }));
        let address = ButtonAddress::of_ballot_entry(entry).unwrap_or(ButtonAddress { balloting_unit: 1, button: 1 });
        push(&mut now, 3_000, TraceEvent::Unit(Input::PressButton { address }));
    }
    for paper in 1..=tendered {
        // 39O: a person claiming to be an elector someone already voted as.
        let elector = roll[(random.next_u64() % u64::from(voters)) as usize];
        push(
            &mut now,
            10_000,
            station(StationAction::TenderedBallotPaperIssued { elector, ballot_paper: paper, thumb_impression: false }),
        );
    }
    now = now.max(Timestamp::from_clock(17, 0, 0));
    push(&mut now, 0, station(StationAction::CloseOfPollHour {}));
    push(&mut now, 60_000, station(StationAction::PollClosed { total_shown: 0 }));
    push(&mut now, 3_600_000, TraceEvent::Unit(Input::BreakResultSeal));
    push(&mut now, 1_000, TraceEvent::Unit(Input::Result));
    push(&mut now, 0, TraceEvent::ExpectResult { counts: counts.to_vec(), total: voters });
    Trace {
        path: format!("{source}-part-{part_number}.jsonl").into(),
        header: Header {
            profile,
            polling_station: PollingStationLabel { number, name: name.to_owned() },
            ward: None,
            municipality: String::new(),
            date_of_poll: String::new(),
            candidates: candidates.to_vec(),
            electors_assigned: electors,
            defects: Defects::NONE,
            provenance: Provenance {
                source: "evm-conformance gen --from-results".into(),
                seed: Some(seed),
                description: format!("published results of station {part_number}, {source} line {line}"),
            },
        },
        lines,
    }
}

//! The stations of a results file, in either layout: each station's
//! figures, or the reason its row is skipped. A station is never lost in
//! silence: a row that is not a station says so with its line, a station
//! published twice is an error naming both lines.

use super::columns::{is_nota, Columns, Layout};
use super::ResultsError;
use evm_sim::station::MAX_ELECTORS_PER_STATION;
use std::collections::HashMap;

/// The longest published part number ("12-B", "2A"): the trace header's bound.
pub use crate::trace::MAX_PART_NUMBER_CHARS;

/// One station's published figures, candidates in ballot order (NOTA last).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StationFigures {
    /// The line of the station's (first) row.
    pub line: usize,
    /// The station's number as published.
    pub part: String,
    pub name: String,
    pub electors: u32,
    pub voters: u32,
    pub tendered: u32,
    pub counts: Vec<u32>,
}

/// The ballot: contesting candidates in order, and whether NOTA follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ballot {
    pub candidates: Vec<String>,
    pub nota: bool,
}

/// The stations read, the rows skipped ("FILE:LINE: why: skipped"), and
/// the ballot.
pub struct Stations {
    pub ballot: Ballot,
    pub stations: Vec<StationFigures>,
    pub skipped: Vec<String>,
}

/// A published part number: digits first, then an auxiliary station's
/// suffix ("2A", "12-B", "7/1"), at most [`MAX_PART_NUMBER_CHARS`].
pub fn part_label(text: &str) -> Option<&str> {
    let text = text.trim();
    let starts_with_digit = text.bytes().next().is_some_and(|byte| byte.is_ascii_digit());
    let allowed =
        text.chars().all(|character| character.is_ascii_alphanumeric() || matches!(character, '-' | '/' | ' '));
    (starts_with_digit && allowed && text.chars().count() <= MAX_PART_NUMBER_CHARS).then_some(text)
}

/// A count as published: a whole number; the reason otherwise.
fn count(text: &str) -> Result<u32, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("is empty".into());
    }
    if text.starts_with('-') && text[1..].trim().bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(format!("{text:?} is negative"));
    }
    text.parse::<u32>().map_err(|_| format!("{text:?} is not a whole number"))
}

/// What a station's figures cannot be, for a machine of `capacity` votes:
/// the reason its row is skipped.
fn implausible(figures: &StationFigures, total: Option<u32>, capacity: u32) -> Option<String> {
    let sum: u64 = figures.counts.iter().map(|&count| u64::from(count)).sum();
    let (voters, electors, tendered) = (figures.voters, figures.electors, figures.tendered);
    if voters == 0 && sum == 0 {
        return Some("no voters (poll not held there, or the figures are missing)".to_owned());
    }
    if let Some(total) = total {
        if sum != u64::from(total) {
            return Some(format!("the candidates' votes add up to {sum}, the row's total says {total}"));
        }
    }
    if sum != u64::from(voters) {
        return Some(format!("{sum} votes for {voters} voters"));
    }
    if electors > MAX_ELECTORS_PER_STATION {
        return Some(format!(
            "{electors} electors: more than a polling station's roll part holds ({MAX_ELECTORS_PER_STATION})"
        ));
    }
    if voters > electors {
        return Some(format!("{voters} voters for {electors} electors"));
    }
    if tendered > electors {
        return Some(format!("{tendered} tendered votes for {electors} electors"));
    }
    if voters > capacity {
        return Some(format!("{voters} votes: more than one machine holds ({capacity})"));
    }
    if tendered > voters {
        return Some(format!(
            "{tendered} tendered votes for {voters} voters: a tendered vote is for an elector someone already voted for"
        ));
    }
    None
}

/// Reads the stations below the header.
pub fn read_stations(
    file: &str,
    records: &[(usize, Vec<String>)],
    columns: &Columns,
    capacity_of: impl Fn(&Ballot) -> u32,
) -> Result<Stations, ResultsError> {
    match columns.layout {
        Layout::Wide => read_wide(file, records, columns, capacity_of),
        Layout::Long => read_long(file, records, columns, capacity_of),
    }
}

/// The first of the rows below the header that is a station's, or why not.
enum Row<'row> {
    Blank,
    NotAStation(String),
    Station(&'row str),
}

fn classify<'row>(cells: &'row [String], columns: &Columns) -> Row<'row> {
    if cells.iter().all(|cell| cell.trim().is_empty()) {
        return Row::Blank;
    }
    let part = cells.get(columns.part).map_or("", |cell| cell.trim());
    match part_label(part) {
        Some(label) => Row::Station(label),
        None => Row::NotAStation(format!("{part:?} is not a polling station's part number (a subtotal or a label)")),
    }
}

/// The rows below the header that are stations', with their line and part
/// number; a row that is not a station's is noted in `skipped`.
fn station_rows<'records>(
    file: &str,
    records: &'records [(usize, Vec<String>)],
    columns: &Columns,
    skipped: &mut Vec<String>,
) -> Vec<(usize, &'records [String], &'records str)> {
    let mut rows = Vec::new();
    for (line, cells) in &records[columns.header_row + 1..] {
        match classify(cells, columns) {
            Row::Blank => {}
            Row::NotAStation(why) => skipped.push(format!("{file}:{line}: {why}: skipped")),
            Row::Station(part) => rows.push((*line, cells.as_slice(), part)),
        }
    }
    rows
}

/// The count in `column` of a station's row, or the reason it is skipped.
fn count_in(place: &str, part: &str, cells: &[String], column: usize, columns: &Columns) -> Result<u32, String> {
    count(&cells[column]).map_err(|why| {
        format!("{place}: column {} ({:?}) of station {part}: {why}: skipped", column + 1, columns.headers[column])
    })
}

/// Two part numbers that name one station (and one trace file): "12" and
/// "0012", "12-B", "12/B" and "12 B" are the same key.
pub fn station_key(part: &str) -> String {
    let safe = file_safe(part);
    let key = safe.trim_start_matches('0');
    if key.is_empty() {
        "0".to_owned()
    } else {
        key.to_owned()
    }
}

fn duplicate(file: &str, part: &str, line: usize, first: usize) -> ResultsError {
    ResultsError {
        place: format!("{file}:{line}"),
        message: format!(
            "station {part} again: its first row is line {first} (each station is published once; an auxiliary station has its own number, e.g. {part}A)"
        ),
    }
}

fn read_wide(
    file: &str,
    records: &[(usize, Vec<String>)],
    columns: &Columns,
    capacity_of: impl Fn(&Ballot) -> u32,
) -> Result<Stations, ResultsError> {
    let ballot = Ballot {
        candidates: columns.candidates.iter().map(|(_, name)| name.clone()).collect(),
        nota: columns.nota.is_some(),
    };
    let capacity = capacity_of(&ballot);
    let width = columns.headers.len();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let (mut stations, mut skipped) = (Vec::new(), Vec::new());
    for (line, cells, part) in station_rows(file, records, columns, &mut skipped) {
        let place = format!("{file}:{line}");
        if let Some(&first) = seen.get(&station_key(part)) {
            return Err(duplicate(file, part, line, first));
        }
        seen.insert(station_key(part), line);
        if cells.len() != width {
            skipped.push(format!("{place}: station {part}: {} columns, the header has {width}: skipped", cells.len()));
            continue;
        }
        let number = |column: usize| count_in(&place, part, cells, column, columns);
        let figures = (|| -> Result<(StationFigures, Option<u32>), String> {
            let mut counts =
                columns.candidates.iter().map(|&(column, _)| number(column)).collect::<Result<Vec<_>, _>>()?;
            if let Some(column) = columns.nota {
                counts.push(number(column)?);
            }
            let figures = StationFigures {
                line,
                part: part.to_owned(),
                name: columns.name.map_or_else(String::new, |column| cells[column].trim().to_owned()),
                electors: number(columns.electors)?,
                voters: number(columns.voters)?,
                tendered: columns.tendered.map(number).transpose()?.unwrap_or(0),
                counts,
            };
            Ok((figures, columns.total.map(number).transpose()?))
        })();
        match figures {
            Err(why) => skipped.push(why),
            Ok((figures, total)) => match implausible(&figures, total, capacity) {
                Some(why) => skipped.push(format!("{place}: station {part}: {why}: skipped")),
                None => stations.push(figures),
            },
        }
    }
    Ok(Stations { ballot, stations, skipped })
}

/// One station being read from its rows (long layout).
struct LongStation {
    figures: StationFigures,
    /// Each candidate's votes and the line that gave them, by name.
    votes: HashMap<String, (u32, usize)>,
    problem: Option<String>,
}

fn read_long(
    file: &str,
    records: &[(usize, Vec<String>)],
    columns: &Columns,
    capacity_of: impl Fn(&Ballot) -> u32,
) -> Result<Stations, ResultsError> {
    let mut skipped = Vec::new();
    let (order, stations) = gather_long_rows(file, records, columns, &mut skipped)?;
    // Ballot order: as the candidates first appear; NOTA is the last button.
    let nota: Vec<String> = order.iter().filter(|name| is_nota(name)).cloned().collect();
    if nota.len() > 1 {
        return Err(ResultsError {
            place: file.to_owned(),
            message: format!("two NOTA candidates: {}", nota.join(" and ")),
        });
    }
    let candidates: Vec<String> = order.iter().filter(|name| !is_nota(name)).cloned().collect();
    let ballot = Ballot { candidates, nota: !nota.is_empty() };
    let capacity = capacity_of(&ballot);
    let in_ballot_order: Vec<&String> = ballot.candidates.iter().chain(&nota).collect();
    let mut read = Vec::new();
    for station in stations {
        if let Some(problem) = station.problem {
            skipped.push(problem);
            continue;
        }
        let mut figures = station.figures;
        let place = format!("{file}:{}", figures.line);
        let missing: Vec<&str> = in_ballot_order
            .iter()
            .filter(|name| !station.votes.contains_key(name.as_str()))
            .map(|name| name.as_str())
            .collect();
        if !missing.is_empty() {
            skipped.push(format!(
                "{place}: station {}: no row for candidate(s) {}: skipped",
                figures.part,
                missing.iter().map(|name| format!("{name:?}")).collect::<Vec<_>>().join(", ")
            ));
            continue;
        }
        figures.counts = in_ballot_order.iter().map(|name| station.votes[name.as_str()].0).collect();
        match implausible(&figures, None, capacity) {
            Some(why) => skipped.push(format!("{place}: station {}: {why}: skipped", figures.part)),
            None => read.push(figures),
        }
    }
    Ok(Stations { ballot, stations: read, skipped })
}

/// The rows of one row per candidate, gathered by station: each station's
/// figures (from its first row; every other row must repeat them) and each
/// candidate's votes, and the candidates in the order they first appear.
fn gather_long_rows(
    file: &str,
    records: &[(usize, Vec<String>)],
    columns: &Columns,
    skipped: &mut Vec<String>,
) -> Result<(Vec<String>, Vec<LongStation>), ResultsError> {
    let mut order: Vec<String> = Vec::new();
    let mut stations: Vec<LongStation> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for (line, cells, part) in station_rows(file, records, columns, skipped) {
        let index = *index_of.entry(station_key(part)).or_insert_with(|| {
            stations.push(LongStation {
                figures: StationFigures {
                    line,
                    part: part.to_owned(),
                    name: String::new(),
                    electors: 0,
                    voters: 0,
                    tendered: 0,
                    counts: Vec::new(),
                },
                votes: HashMap::new(),
                problem: None,
            });
            stations.len() - 1
        });
        let place = format!("{file}:{line}");
        if let Some(candidate) = stations[index].take_row(&place, line, cells, part, columns)? {
            if !order.contains(&candidate) {
                order.push(candidate);
            }
        }
    }
    Ok((order, stations))
}

impl LongStation {
    /// One candidate's row of this station: its figures checked against the
    /// station's first row, its votes kept. A row that cannot be read marks
    /// the station skipped (with why); a contradiction is an error. Returns
    /// the candidate, when the row was kept.
    fn take_row(
        &mut self,
        place: &str,
        line: usize,
        cells: &[String],
        part: &str,
        columns: &Columns,
    ) -> Result<Option<String>, ResultsError> {
        let (Some(name_column), Some(votes_column)) = (columns.candidate_name, columns.votes) else {
            return Err(ResultsError { place: place.to_owned(), message: "no candidate and votes columns".into() });
        };
        let width = columns.headers.len();
        let first_row = self.figures.line == line;
        if self.problem.is_some() {
            return Ok(None);
        }
        if cells.len() != width {
            self.problem =
                Some(format!("{place}: station {part}: {} columns, the header has {width}: skipped", cells.len()));
            return Ok(None);
        }
        let number = |column: usize| count_in(place, part, cells, column, columns);
        let row = (|| -> Result<(u32, u32, u32, u32), String> {
            Ok((
                number(columns.electors)?,
                number(columns.voters)?,
                columns.tendered.map(number).transpose()?.unwrap_or(0),
                number(votes_column)?,
            ))
        })();
        let (electors, voters, tendered, votes) = match row {
            Ok(row) => row,
            Err(why) => {
                self.problem = Some(why);
                return Ok(None);
            }
        };
        let figures = &mut self.figures;
        if first_row {
            figures.electors = electors;
            figures.voters = voters;
            figures.tendered = tendered;
            figures.name = columns.name.map_or_else(String::new, |column| cells[column].trim().to_owned());
        } else if (electors, voters, tendered) != (figures.electors, figures.voters, figures.tendered) {
            return Err(ResultsError {
                place: place.to_owned(),
                message: format!(
                    "station {part}: electors {electors}, voters {voters}, tendered {tendered} here, but {}, {}, {} on its first row, line {}",
                    figures.electors, figures.voters, figures.tendered, figures.line
                ),
            });
        }
        let candidate = cells[name_column].trim().to_owned();
        if candidate.is_empty() {
            self.problem = Some(format!("{place}: station {part}: a row with no candidate's name: skipped"));
            return Ok(None);
        }
        if let Some(&(_, first)) = self.votes.get(&candidate) {
            return Err(ResultsError {
                place: place.to_owned(),
                message: format!("station {part}: candidate {candidate:?} again: the first row is line {first}"),
            });
        }
        self.votes.insert(candidate.clone(), (votes, line));
        Ok(Some(candidate))
    }
}

/// Warnings about a column whose figures do not fit its name. Tendered
/// ballots (39O) are rare: a column that gives many stations more than 2 %
/// of their voters as tendered probably counts something else (some files'
/// "Tendered" column counts voters without an identity card).
pub fn warnings(file: &str, columns: &Columns, stations: &[StationFigures]) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(column) = columns.tendered {
        let unlikely: Vec<&StationFigures> = stations
            .iter()
            .filter(|station| station.tendered > 2 && u64::from(station.tendered) * 50 > u64::from(station.voters))
            .collect();
        if !unlikely.is_empty() {
            let most = unlikely.iter().map(|station| station.tendered).max().unwrap_or(0);
            warnings.push(format!(
                "{file}:{}:{}: column {:?} gives {} of {} stations more than 2 % of their voters as tendered votes (up to {most}, first at line {}); tendered ballots (39O) are rare: does it count something else, such as voters without an identity card? If so, leave it out with --ignore-column {:?} or map the right column with --column tendered=HEADER",
                columns.header_line,
                column + 1,
                columns.headers[column],
                unlikely.len(),
                stations.len(),
                unlikely[0].line,
                columns.headers[column],
            ));
        }
    }
    warnings
}

/// A part number as a file name's part: "12/B" → "12-B".
pub fn file_safe(part_number: &str) -> String {
    part_number.chars().map(|character| if character.is_ascii_alphanumeric() { character } else { '-' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_numbers_as_published() {
        assert_eq!(part_label(" 2A "), Some("2A"));
        assert_eq!(part_label("12-B"), Some("12-B"));
        assert_eq!(part_label("Total"), None);
        assert_eq!(part_label(""), None);
        assert_eq!(part_label("1234567890ABCDEFG"), None);
        assert_eq!(count("-3"), Err("\"-3\" is negative".into()));
        assert_eq!(count(" 17 "), Ok(17));
    }
}

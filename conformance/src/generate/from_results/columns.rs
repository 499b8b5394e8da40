//! The header of a results file: which column holds what. Columns are found
//! by their headers (docs/RESULTS_FORMAT.md), never by position: a file with
//! its columns in another order, without the by-sex columns, with NOTA
//! first or with an extra column reads the same or is refused with the
//! header that could not be placed.

use super::ResultsError;

/// Rows read at most looking for the header row.
pub const MAX_HEADER_ROWS: usize = 10;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The polling station's (part's) number as published: "12", "2A".
    Part,
    /// The polling station's name.
    Name,
    /// Electors on the station's roll (the total, not by sex).
    Electors,
    /// Electors who voted (the total).
    Voters,
    /// Tendered votes (39O).
    Tendered,
    /// The row's total of votes (wide layout).
    Total,
    /// None of the above (wide layout).
    Nota,
    /// One candidate's votes (wide layout; the header names the candidate).
    Candidate,
    /// The candidate's name on each row (long layout).
    CandidateName,
    /// The candidate's votes on each row (long layout).
    Votes,
    /// A known column the import does not need (electors by sex, EPIC
    /// counts, serial numbers, parties).
    Ignored,
}

impl Role {
    /// Every role by its name on the command line (`--column ROLE=HEADER`).
    pub const NAMES: [(&'static str, Role); 11] = [
        ("part", Role::Part),
        ("name", Role::Name),
        ("electors", Role::Electors),
        ("voters", Role::Voters),
        ("tendered", Role::Tendered),
        ("total", Role::Total),
        ("nota", Role::Nota),
        ("candidate", Role::Candidate),
        ("candidate_name", Role::CandidateName),
        ("votes", Role::Votes),
        ("ignore", Role::Ignored),
    ];

    pub fn name(self) -> &'static str {
        Role::NAMES.iter().find(|(_, role)| *role == self).map_or("?", |(name, _)| name)
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(text: &str) -> Result<Role, String> {
        Role::NAMES.iter().find(|(name, _)| *name == text).map(|(_, role)| *role).ok_or_else(|| {
            let names: Vec<&str> = Role::NAMES.iter().map(|(name, _)| *name).collect();
            format!("unknown column role {text:?}: expected one of {}", names.join(", "))
        })
    }
}

/// A column mapped by the user: `--column ROLE=HEADER` or
/// `--ignore-column HEADER`. `header` is compared with the header cell, or
/// with "GROUP / HEADER" where the file has a group row above.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMapping {
    pub role: Role,
    pub header: String,
}

impl std::str::FromStr for ColumnMapping {
    type Err = String;
    fn from_str(text: &str) -> Result<ColumnMapping, String> {
        let (role, header) = text
            .split_once('=')
            .ok_or_else(|| format!("expected ROLE=HEADER (e.g. tendered=\"Tendered Voter\"), found {text:?}"))?;
        Ok(ColumnMapping { role: role.trim().parse()?, header: header.trim().to_owned() })
    }
}

/// One row per station, a column per candidate; or one row per candidate
/// per station.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Wide,
    Long,
}

impl std::str::FromStr for Layout {
    type Err = String;
    fn from_str(text: &str) -> Result<Layout, String> {
        match text {
            "wide" => Ok(Layout::Wide),
            "long" => Ok(Layout::Long),
            other => Err(format!("unknown layout {other:?}: expected wide or long")),
        }
    }
}

/// Which column holds what, found from the header.
#[derive(Clone, Debug)]
pub struct Columns {
    /// The header row's index among the records, and its line in the file.
    pub header_row: usize,
    pub header_line: usize,
    pub layout: Layout,
    pub part: usize,
    pub name: Option<usize>,
    pub electors: usize,
    pub voters: usize,
    pub tendered: Option<usize>,
    pub total: Option<usize>,
    /// Wide: the candidates' columns in ballot order, with their names (NOTA apart).
    pub candidates: Vec<(usize, String)>,
    pub nota: Option<usize>,
    /// Long: the candidate's name and votes on each row.
    pub candidate_name: Option<usize>,
    pub votes: Option<usize>,
    /// Each column's header as the file writes it ("GROUP / HEADER" under a group row).
    pub headers: Vec<String>,
}

/// Lower case, letters and digits only, single spaces: "Total No. of
/// electors" → "total no of electors".
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|character: char| !character.is_alphanumeric()).filter(|word| !word.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}

/// "12 - NAME" (a candidate's serial number and name, as Form 20 heads
/// its columns): the name.
pub fn numbered_candidate(header: &str) -> Option<&str> {
    let (serial, name) = header.split_once('-')?;
    let serial = serial.trim();
    let name = name.trim();
    (!serial.is_empty() && serial.bytes().all(|byte| byte.is_ascii_digit()) && !name.is_empty()).then_some(name)
}

/// Whether a candidate's name is "None of the Above".
pub fn is_nota(name: &str) -> bool {
    matches!(normalize(name).as_str(), "none of the above" | "nota")
}

const PART: &[&str] = &[
    "part no",
    "part number",
    "ps no",
    "ps number",
    "polling station no",
    "polling station number",
    "booth no",
    "booth number",
    "station no",
    "station number",
    "part",
    "ac part no",
];
const NAME: &[&str] = &[
    "part name",
    "polling station name",
    "ps name",
    "booth name",
    "station name",
    "name of polling station",
    "name of the polling station",
];
const ELECTORS: &[&str] = &[
    "total no of electors",
    "total electors",
    "electors total",
    "electors",
    "no of electors",
    "total no of electors total",
];
const VOTERS: &[&str] = &[
    "total voters",
    "voters total",
    "voters",
    "total votes polled",
    "votes polled",
    "total poll",
    "voters turnout total",
    "total no of voters",
    "no of voters",
];
const TENDERED: &[&str] =
    &["tendered voter", "tendered voters", "tendered votes", "tendered", "tendered ballot papers"];
const TOTAL: &[&str] =
    &["total votes secured", "total votes", "total valid votes", "total of votes", "total votes secured on evm"];
const CANDIDATE_NAME: &[&str] = &["candidate", "candidate name", "name of candidate", "name of the candidate"];
const VOTES: &[&str] = &["votes", "votes secured", "evm votes", "candidate votes", "votes for candidate"];
const IGNORED: &[&str] = &[
    "male",
    "female",
    "other",
    "others",
    "third gender",
    "tg",
    "no of voters identifying using epic",
    "epic",
    "voters identifying using epic",
    "sl no",
    "s no",
    "serial no",
    "sr no",
    "party",
    "party name",
    "candidate id",
];
/// Sub-headers under a group ("Total No of Electors" / "Male"): by sex, or the total.
const BY_SEX: &[&str] = &["male", "female", "other", "others", "third gender", "tg", "m", "f", "o"];
/// A group's total ("Total No of Electors" / "Total").
const GROUP_TOTAL: &[&str] = &["total", "t", "tot"];

/// The role a header says, on its own or under its group.
fn role_of(header: &str, group: &str) -> Option<Role> {
    let text = normalize(header);
    let group = normalize(group);
    let under = |words: &[&str]| words.iter().any(|word| group.contains(word));
    if !group.is_empty() {
        let total = GROUP_TOTAL.contains(&text.as_str());
        if total && under(&["elector"]) {
            return Some(Role::Electors);
        }
        if total && under(&["voter", "turnout", "poll"]) {
            return Some(Role::Voters);
        }
        if total && under(&["candidate", "vote"]) {
            return Some(Role::Total);
        }
        if BY_SEX.contains(&text.as_str()) && under(&["elector", "voter", "turnout", "poll"]) {
            return Some(Role::Ignored);
        }
    }
    let table: [(&[&str], Role); 9] = [
        (PART, Role::Part),
        (NAME, Role::Name),
        (ELECTORS, Role::Electors),
        (VOTERS, Role::Voters),
        (TENDERED, Role::Tendered),
        (TOTAL, Role::Total),
        (CANDIDATE_NAME, Role::CandidateName),
        (VOTES, Role::Votes),
        (IGNORED, Role::Ignored),
    ];
    if let Some((_, role)) = table.iter().find(|(aliases, _)| aliases.contains(&text.as_str())) {
        return Some(*role);
    }
    if is_nota(header) || numbered_candidate(header).is_some_and(is_nota) {
        return Some(Role::Nota);
    }
    if numbered_candidate(header).is_some() || (!text.is_empty() && under(&["candidate"])) {
        return Some(Role::Candidate);
    }
    None
}

/// Finds the header row among the first records and what each column holds.
///
/// `records` are the file's rows with their line numbers; `mappings` the
/// user's; `layout` the user's choice, if any.
// Longer than 70 lines on purpose: the columns found in the order a reader finds them (header row,
// roles, each required column); each step is a call or one located error.
pub fn find_columns(
    file: &str,
    records: &[(usize, Vec<String>)],
    mappings: &[ColumnMapping],
    layout: Option<Layout>,
) -> Result<Columns, ResultsError> {
    let header_row = header_row_of(file, records, mappings)?;
    let (header_line, header_cells) = &records[header_row];
    let (groups, headers) = grouped_headers(records, header_row);
    let roles = column_roles(file, *header_line, header_cells, (&groups, &headers), mappings)?;
    let place = |column: usize| format!("{file}:{header_line}:{}", column + 1);
    let single = |role: Role| -> Result<Option<usize>, ResultsError> {
        let mut found = (0..roles.len()).filter(|&column| roles[column] == Some(role));
        let first = found.next();
        if let (Some(first), Some(second)) = (first, found.next()) {
            return Err(ResultsError {
                place: place(second),
                message: format!(
                    "columns {:?} (column {}) and {:?} (column {}) both look like the {} column: say which with --column {}=HEADER and --ignore-column for the other",
                    headers[first],
                    first + 1,
                    headers[second],
                    second + 1,
                    role.name(),
                    role.name()
                ),
            });
        }
        Ok(first)
    };
    let required = |role: Role, what: &str| -> Result<usize, ResultsError> {
        single(role)?.ok_or_else(|| ResultsError {
            place: format!("{file}:{header_line}"),
            message: format!("no column holds {what}: give it with --column {}=HEADER", role.name()),
        })
    };
    let candidates: Vec<(usize, String)> = (0..roles.len())
        .filter(|&column| roles[column] == Some(Role::Candidate))
        .map(|column| {
            let cell = header_cells[column].trim();
            (column, numbered_candidate(cell).unwrap_or(cell).to_owned())
        })
        .collect();
    let candidate_name = single(Role::CandidateName)?;
    let votes = single(Role::Votes)?;
    let layout = match layout {
        Some(layout) => layout,
        None if !candidates.is_empty() => Layout::Wide,
        None if candidate_name.is_some() && votes.is_some() => Layout::Long,
        None => {
            return Err(ResultsError {
                place: format!("{file}:{header_line}"),
                message: "no candidate columns (\"1 - NAME\", or under a \"Candidate\" group) for one row per station, and no candidate and votes columns for one row per candidate: say which with --layout and --column".into(),
            })
        }
    };
    let columns = Columns {
        header_row,
        header_line: *header_line,
        layout,
        part: required(Role::Part, "the polling station's number")?,
        name: single(Role::Name)?,
        electors: required(Role::Electors, "the electors' total")?,
        voters: required(Role::Voters, "the voters' total")?,
        tendered: single(Role::Tendered)?,
        total: single(Role::Total)?,
        nota: single(Role::Nota)?,
        candidates,
        candidate_name,
        votes,
        headers,
    };
    layout_fits(file, *header_line, columns)
}

/// The columns the layout needs: one column a candidate for one row per
/// station; a candidate column and a votes column, and no candidate's own
/// column, for one row per candidate.
fn layout_fits(file: &str, header_line: usize, columns: Columns) -> Result<Columns, ResultsError> {
    let place = |column: usize| format!("{file}:{header_line}:{}", column + 1);
    match columns.layout {
        Layout::Wide if columns.candidates.is_empty() => Err(ResultsError {
            place: format!("{file}:{header_line}"),
            message: "one row per station (--layout wide) needs a column per candidate (\"1 - NAME\")".into(),
        }),
        Layout::Long if columns.candidate_name.is_none() || columns.votes.is_none() => Err(ResultsError {
            place: format!("{file}:{header_line}"),
            message: "one row per candidate (--layout long) needs a candidate column and a votes column: give them with --column candidate_name=HEADER and --column votes=HEADER".into(),
        }),
        Layout::Long if !columns.candidates.is_empty() => Err(ResultsError {
            place: place(columns.candidates[0].0),
            message: format!(
                "column {:?} is a candidate's column, which one row per candidate does not have",
                columns.headers[columns.candidates[0].0]
            ),
        }),
        _ => Ok(columns),
    }
}

/// The header row: the first of [`MAX_HEADER_ROWS`] rows with a cell
/// naming the polling station's number (or the header `--column part=` names).
fn header_row_of(
    file: &str,
    records: &[(usize, Vec<String>)],
    mappings: &[ColumnMapping],
) -> Result<usize, ResultsError> {
    let mapped_part: Vec<&str> =
        mappings.iter().filter(|mapping| mapping.role == Role::Part).map(|mapping| mapping.header.as_str()).collect();
    let is_part_header = |cell: &str| {
        mapped_part.iter().any(|header| header.trim() == cell.trim())
            || (mapped_part.is_empty() && role_of(cell, "") == Some(Role::Part))
    };
    records
        .iter()
        .take(MAX_HEADER_ROWS)
        .position(|(_, cells)| cells.iter().any(|cell| is_part_header(cell)))
        .ok_or_else(|| ResultsError {
            place: format!("{file}:{}", records.first().map_or(1, |(line, _)| *line)),
            message: format!(
                "no header among the first {MAX_HEADER_ROWS} rows names the polling station's number (\"Part No\", \"PS No\", \"Polling Station No\", \"Booth No\", …): give it with --column part=HEADER"
            ),
        })
}

/// Each column's group (the row above the header, spread over the empty
/// cells to its right: "Total No of Electors" over Male / Female / Total)
/// and its full header ("group / cell").
fn grouped_headers(records: &[(usize, Vec<String>)], header_row: usize) -> (Vec<String>, Vec<String>) {
    let header_cells = &records[header_row].1;
    // The row above, if there is one, groups the columns ("Total No of
    // Electors" over Male / Female / Other / Total): spread over the empty cells to its right.
    let mut groups = vec![String::new(); header_cells.len()];
    if let Some((_, group_cells)) = header_row.checked_sub(1).map(|row| &records[row]) {
        let mut current = String::new();
        for (slot, group) in groups.iter_mut().enumerate() {
            match group_cells.get(slot).map(|cell| cell.trim()) {
                Some(cell) if !cell.is_empty() => current = cell.to_owned(),
                _ => {}
            }
            *group = current.clone();
        }
    }
    let headers: Vec<String> = header_cells
        .iter()
        .zip(&groups)
        .map(
            |(cell, group)| {
                if group.is_empty() {
                    cell.trim().to_owned()
                } else {
                    format!("{} / {}", group, cell.trim())
                }
            },
        )
        .collect();
    (groups, headers)
}

/// What each column holds: the user's `--column` mappings first (each
/// must name a column), then each other header read by [`role_of`]; an
/// empty header is ignored, an unknown one an error saying how to map it.
fn column_roles(
    file: &str,
    header_line: usize,
    header_cells: &[String],
    (groups, headers): (&[String], &[String]),
    mappings: &[ColumnMapping],
) -> Result<Vec<Option<Role>>, ResultsError> {
    let place = |column: usize| format!("{file}:{header_line}:{}", column + 1);
    // The user's mappings first: each must name a column.
    let mut roles: Vec<Option<Role>> = vec![None; header_cells.len()];
    for mapping in mappings {
        let wanted = mapping.header.trim();
        let column = (0..header_cells.len())
            .find(|&column| header_cells[column].trim() == wanted || headers[column] == wanted)
            .ok_or_else(|| ResultsError {
                place: format!("{file}:{header_line}"),
                message: format!(
                    "--column {}={wanted:?}: no column is headed {wanted:?} (the headers are {})",
                    mapping.role.name(),
                    headers.iter().map(|header| format!("{header:?}")).collect::<Vec<_>>().join(", ")
                ),
            })?;
        roles[column] = Some(mapping.role);
    }
    for (column, role) in roles.iter_mut().enumerate() {
        if role.is_none() {
            if header_cells[column].trim().is_empty() {
                *role = Some(Role::Ignored);
                continue;
            }
            *role = Some(role_of(&header_cells[column], &groups[column]).ok_or_else(|| ResultsError {
                place: place(column),
                message: format!(
                    "column {:?} is not one this import knows: say what it holds with --column ROLE={:?} (roles: {}), or leave it out with --ignore-column {:?}",
                    headers[column],
                    header_cells[column].trim(),
                    Role::NAMES.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", "),
                    header_cells[column].trim()
                ),
            })?);
        }
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read_by_name_under_their_group() {
        assert_eq!(normalize(" Total No. of  electors "), "total no of electors");
        assert_eq!(role_of("Total No. of electors", "Total No of Electors"), Some(Role::Electors));
        assert_eq!(role_of("Total", "Voters Turnout"), Some(Role::Voters));
        assert_eq!(role_of("Male", "Voters Turnout"), Some(Role::Ignored));
        assert_eq!(role_of("15 - None of the Above", "Candidate ID and Name"), Some(Role::Nota));
        assert_eq!(role_of("3 - RAGHAV LAKHANPAL", ""), Some(Role::Candidate));
        assert_eq!(role_of("Tendered Voter", ""), Some(Role::Tendered));
        assert_eq!(role_of("Total", ""), None, "a bare Total names no role");
        assert_eq!(numbered_candidate("12 - C P VERMA"), Some("C P VERMA"));
        assert_eq!(numbered_candidate("Part - Name"), None);
    }
}

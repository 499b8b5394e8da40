//! The forms as Markdown tables, for reports.

use super::text::serial_list;
use super::{Form16C, Form16CPartOne, Form16CPartTwo, Form23, Form24};
use std::fmt::Write;

/// Escapes the characters that would break a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Form 16C Part I as a table of items.
pub fn form_16c_part_one(part_one: &Form16CPartOne) -> String {
    let identity = &part_one.identity;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Form 16C Part I: account of votes recorded, {} polling station {} ({})\n",
        match &identity.election {
            super::header::Election::MunicipalWard => format!("ward {}", identity.ward),
            _ => format!("{},", cell(&super::text::election_heading(identity))),
        },
        cell(&identity.station_label()),
        cell(&identity.name)
    );
    let control_units: Vec<String> = part_one
        .machines
        .iter()
        .map(|machine| format!("{} ({})", cell(&machine.control_unit), machine.votes_recorded))
        .collect();
    let _ =
        writeln!(out, "Date of poll: {}. Control units: {}.\n", cell(&identity.date_of_poll), control_units.join(", "));
    let _ = writeln!(out, "| Item | Description | Entry |");
    let _ = writeln!(out, "|---:|---|---:|");
    let papers = &part_one.tendered_ballot_papers;
    let seals = &part_one.paper_seals;
    let rows = [
        ("1", "Electors assigned to the polling station".to_owned(), part_one.electors_assigned.to_string()),
        (
            "2",
            "Voters entered in the register of voters (Form 16A)".to_owned(),
            part_one.voters_in_register.to_string(),
        ),
        ("3", "Voters deciding not to record votes (39N)".to_owned(), part_one.voters_deciding_not_to_vote.to_string()),
        ("4", "Voters not allowed to vote (39L)".to_owned(), part_one.voters_not_allowed_to_vote.to_string()),
        ("5", "Votes recorded as per voting machine".to_owned(), part_one.item_5.to_string()),
        ("6", "Item 5 against (2 - 3 - 4)".to_owned(), part_one.item_six.to_string()),
        (
            "7",
            "Voters issued tendered ballot papers (39O)".to_owned(),
            part_one.voters_issued_tendered_ballot_papers.to_string(),
        ),
        (
            "8(a)",
            "Tendered ballot papers received".to_owned(),
            papers
                .received
                .map_or_else(|| "-".to_owned(), |range| format!("{} ({}-{})", range.len(), range.first, range.last)),
        ),
        (
            "8(b)",
            "Tendered ballot papers issued".to_owned(),
            format!("{} ({})", papers.issued.len(), serial_list(&papers.issued)),
        ),
        ("8(c)", "Tendered ballot papers not used and returned".to_owned(), papers.not_used_and_returned.to_string()),
        ("9.2", "Paper seals supplied".to_owned(), seals.total_supplied.to_string()),
        ("9.3", "Paper seals used".to_owned(), seals.used.to_string()),
        ("9.4", "Unused paper seals returned".to_owned(), seals.unused_returned.to_string()),
        ("9.5", "Damaged paper seals".to_owned(), serial_list(&seals.damaged)),
    ];
    for (number, description, entry) in rows {
        let _ = writeln!(out, "| {number} | {description} | {} |", cell(&entry));
    }
    out
}

/// Form 16C Part II of one control unit.
pub fn form_16c_part_two(part_two: &Form16CPartTwo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Form 16C Part II: result of counting, control unit {}\n", cell(&part_two.control_unit));
    let _ = writeln!(out, "| Sl. No. | Name of candidate | Votes recorded |");
    let _ = writeln!(out, "|---:|---|---:|");
    for line in &part_two.candidates {
        let _ = writeln!(out, "| {} | {} | {} |", line.serial, cell(&line.name), line.votes);
    }
    let _ = writeln!(out, "| | **Total** | **{}** |", part_two.sum_of_counts);
    let _ = writeln!(out, "\n{}.", part_two.tally);
    out
}

/// Form 16C, both parts.
pub fn form_16c(form: &Form16C) -> String {
    let mut out = form_16c_part_one(&form.part_one);
    for part_two in &form.part_two {
        out.push('\n');
        out.push_str(&form_16c_part_two(part_two));
    }
    for machine in &form.not_counted {
        let _ = writeln!(out, "\nControl unit {} not counted: {}.", cell(&machine.control_unit), cell(&machine.reason));
    }
    out
}

/// Form 23 as one table: a column per polling station.
pub fn form_23(form: &Form23) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Form 23: final result sheet, {} ward {}\n", cell(&form.municipality), form.ward);
    let mut heading = "| Candidate |".to_owned();
    let mut rule = "|---|".to_owned();
    for station in &form.stations {
        let _ = write!(heading, " PS {} |", station.number);
        rule.push_str("---:|");
    }
    let _ = writeln!(out, "{heading} Election duty | Total |");
    let _ = writeln!(out, "{rule}---:|---:|");
    for (index, name) in form.candidates.iter().enumerate() {
        let mut line = format!("| {} |", cell(name));
        for station in &form.stations {
            let entry = station
                .valid_votes
                .as_ref()
                .map_or_else(|| "not counted".to_owned(), |votes| votes.get(index).copied().unwrap_or(0).to_string());
            let _ = write!(line, " {entry} |");
        }
        let duty = form.election_duty.valid_votes.get(index).copied().unwrap_or(0);
        let total = form.totals.get(index).copied().unwrap_or(0);
        let _ = writeln!(out, "{line} {duty} | {total} |");
    }
    let _ = writeln!(
        out,
        "\nValid: {}. None of the Above (not a valid vote for any candidate): {}. Rejected: {}. Grand total: {}.",
        form.total_valid,
        form.none_of_the_above.map_or_else(|| "-".to_owned(), |votes| votes.to_string()),
        form.total_rejected,
        form.grand_total
    );
    out
}

/// Form 24 with the declaration.
pub fn form_24(form: &Form24) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Form 24: return of election, {} ward {}\n", cell(&form.municipality), form.ward);
    let _ = writeln!(out, "| Sl. No. | Candidate | Votes |");
    let _ = writeln!(out, "|---:|---|---:|");
    for line in &form.candidates {
        let _ = writeln!(out, "| {} | {} | {} |", line.serial, cell(&line.name), line.votes);
    }
    if let Some(votes) = form.none_of_the_above {
        let _ = writeln!(out, "| | None of the Above | {votes} |");
    }
    let _ = writeln!(
        out,
        "\nValid: {}. Invalid: {}. Tendered: {}.\n\nElected: **{}** ({} votes).",
        form.total_valid,
        form.total_invalid,
        form.total_tendered,
        cell(&form.declaration.elected),
        form.declaration.votes
    );
    if let Some(lot) = &form.declaration.lot {
        let _ = writeln!(
            out,
            "\nTie between {} decided by lot (61K(2)): seed {}, draw {:#018x}, drawn {}.",
            cell(&lot.tied.join(", ")),
            lot.seed,
            lot.draw,
            cell(&lot.drawn)
        );
    }
    out
}

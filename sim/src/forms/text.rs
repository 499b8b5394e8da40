//! The forms as plain text laid out like the printed forms of the rules
//! (78 columns): numbered items with dot leaders and the figure at the right
//! margin, tables with the printed column headings.

use super::header::{Election, PollKind, StationIdentity};
use super::{Form16A, Form16C, Form16CPartOne, Form16CPartTwo, Form23, Form24, ItemSixTally, SerialRange};
use std::fmt::Write;

/// Width of a rendered line.
pub const LINE_WIDTH: usize = 78;
/// Width of a numbered item's text before the dot leader.
const ITEM_TEXT_WIDTH: usize = 56;
/// Width of the figure at the right margin.
const FIGURE_WIDTH: usize = 8;

fn centered(out: &mut String, text: &str) {
    let length = text.chars().count();
    let padding = LINE_WIDTH.saturating_sub(length) / 2;
    let _ = writeln!(out, "{}{}", " ".repeat(padding), text);
}

/// Words of `text` in lines of at most `width` characters (a longer word
/// gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn paragraph(out: &mut String, indent: usize, text: &str) {
    for line in wrap(text, LINE_WIDTH - indent) {
        let _ = writeln!(out, "{}{}", " ".repeat(indent), line);
    }
}

/// `text` wrapped after `prefix`, continuation lines aligned under the text.
fn hanging(out: &mut String, prefix: &str, text: &str) {
    let indent = prefix.chars().count();
    for (index, line) in wrap(text, LINE_WIDTH - indent).iter().enumerate() {
        let lead = if index == 0 { prefix.to_owned() } else { " ".repeat(indent) };
        let _ = writeln!(out, "{lead}{line}");
    }
}

/// `label` wrapped after `prefix`, the last line led with dots to `figure`
/// at the right margin.
fn item(out: &mut String, prefix: &str, label: &str, figure: &str) {
    let indent = prefix.chars().count();
    let lines = wrap(label, ITEM_TEXT_WIDTH.saturating_sub(indent.saturating_sub(5)));
    let last = lines.len() - 1;
    for (index, line) in lines.iter().enumerate() {
        let lead = if index == 0 { prefix.to_owned() } else { " ".repeat(indent) };
        if index < last {
            let _ = writeln!(out, "{lead}{line}");
        } else {
            let used = indent + line.chars().count() + 1;
            let dots = LINE_WIDTH.saturating_sub(used + FIGURE_WIDTH + 1).max(2);
            let _ = writeln!(out, "{lead}{line} {} {figure:>FIGURE_WIDTH$}", ".".repeat(dots));
        }
    }
}

/// Serial numbers as compressed ranges: "1001-1003, 1007"; "-" when none.
pub fn serial_list(serials: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut index = 0;
    while index < serials.len() {
        let first = serials[index];
        let mut last = first;
        while index + 1 < serials.len() && serials[index + 1] == last.wrapping_add(1) {
            index += 1;
            last = serials[index];
        }
        parts.push(if first == last { first.to_string() } else { format!("{first}-{last}") });
        index += 1;
    }
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join(", ")
    }
}

fn range_text(range: Option<SerialRange>) -> String {
    range.map_or_else(|| "-".to_owned(), |range| format!("{}-{}", range.first, range.last))
}

fn poll_note(part_one: &Form16CPartOne) -> Option<String> {
    let poll = match part_one.poll {
        PollKind::Original => None,
        PollKind::Fresh { ordinal } => Some(format!("Fresh poll No. {ordinal} (s.62, s.63)")),
    };
    let adjourned = (part_one.adjourned_polls > 0)
        .then(|| format!("including {} adjourned poll(s) (rule 39V)", part_one.adjourned_polls));
    match (poll, adjourned) {
        (None, None) => None,
        (Some(poll), None) => Some(poll),
        (None, Some(adjourned)) => Some(format!("Poll {adjourned}")),
        (Some(poll), Some(adjourned)) => Some(format!("{poll}, {adjourned}")),
    }
}

/// The election the forms of a station are for, as their heading says it.
/// A municipal ward names its ward; the other elections their
/// constituency, never a ward.
pub fn election_heading(identity: &StationIdentity) -> String {
    let mut heading = String::new();
    match &identity.election {
        Election::MunicipalWard => {
            let _ = write!(heading, "Election to Ward No. {} of the {}", identity.ward, identity.municipality);
        }
        Election::AssemblyConstituency { constituency } => {
            heading.push_str("Election to the Legislative Assembly");
            if !constituency.is_empty() {
                let _ = write!(heading, " from {constituency} Assembly Constituency");
            }
        }
        Election::ParliamentarySegment { constituency, assembly_segment } => {
            heading.push_str("Election to the House of the People");
            if !constituency.is_empty() {
                let _ = write!(heading, " from {constituency} Parliamentary Constituency");
            }
            if !assembly_segment.is_empty() {
                let _ = write!(heading, ", assembly segment {assembly_segment}");
            }
        }
    }
    heading
}

/// Form 16C Part I.
// Longer than 70 lines on purpose: a template: Form 16C Part I laid out as the paper lays it out,
// item by item.
pub fn form_16c_part_one(part_one: &Form16CPartOne) -> String {
    let mut out = String::new();
    let identity = &part_one.identity;
    centered(&mut out, "FORM 16C");
    centered(&mut out, "[See rule 39R(1).]");
    out.push('\n');
    centered(&mut out, "PART I : ACCOUNT OF VOTES RECORDED");
    out.push('\n');
    let _ = writeln!(out, "{}", election_heading(identity));
    let _ = writeln!(out, "No. and name of polling station: {} - {}", identity.station_label(), identity.name);
    match part_one.session {
        Some(0) => {
            let _ = writeln!(out, "Account of the poll up to its adjournment, as if closed at the hour (39V(1)).");
        }
        Some(session) => {
            let _ = writeln!(out, "Account of adjourned poll {session} (39V(1)); items 7 to 9 for the whole poll.");
        }
        None => {}
    }
    let control_units: Vec<&str> = part_one.machines.iter().map(|machine| machine.control_unit.as_str()).collect();
    hanging(
        &mut out,
        "",
        &format!(
            "Identification No. of voting control unit(s) used: {}",
            if control_units.is_empty() { "-".to_owned() } else { control_units.join(", ") }
        ),
    );
    let _ = writeln!(out, "Date of poll: {}", identity.date_of_poll);
    if let Some(note) = poll_note(part_one) {
        let _ = writeln!(out, "{note}");
    }
    out.push('\n');
    item(
        &mut out,
        "  1. ",
        "Total number of electors assigned to the polling station",
        &part_one.electors_assigned.to_string(),
    );
    item(
        &mut out,
        "  2. ",
        "Total number of voters as entered in the register for voters (Form 16A)",
        &part_one.voters_in_register.to_string(),
    );
    item(
        &mut out,
        "  3. ",
        "Number of voters deciding not to record votes under rule 39N",
        &part_one.voters_deciding_not_to_vote.to_string(),
    );
    item(
        &mut out,
        "  4. ",
        "Number of voters not allowed to vote under rule 39L",
        &part_one.voters_not_allowed_to_vote.to_string(),
    );
    item(&mut out, "  5. ", "Total number of votes recorded as per voting machine", &part_one.item_5.to_string());
    if part_one.machines.len() > 1 {
        for machine in &part_one.machines {
            item(
                &mut out,
                "       ",
                &format!("control unit {}", machine.control_unit),
                &machine.votes_recorded.to_string(),
            );
        }
    }
    hanging(
        &mut out,
        "  6. ",
        "Whether the total number of votes as shown against item 5 tallies with the total number of voters as shown against item 2 minus number of voters deciding not to record votes as against item 3 minus number of voters as against item 4 (2-3-4) or any discrepancy noticed:",
    );
    let tally = match part_one.item_six {
        ItemSixTally::Tallies => format!(
            "Tallies ({} = {} - {} - {})",
            part_one.item_5,
            part_one.voters_in_register,
            part_one.voters_deciding_not_to_vote,
            part_one.voters_not_allowed_to_vote
        ),
        discrepancy @ ItemSixTally::Discrepancy { item_two_minus_three_minus_four, .. } => format!(
            "{discrepancy} (item 5 = {}, 2 - 3 - 4 = {} - {} - {} = {item_two_minus_three_minus_four})",
            part_one.item_5,
            part_one.voters_in_register,
            part_one.voters_deciding_not_to_vote,
            part_one.voters_not_allowed_to_vote
        ),
    };
    paragraph(&mut out, 10, &tally);
    item(
        &mut out,
        "  7. ",
        "Number of voters to whom tendered ballot papers were issued under rule 39O",
        &part_one.voters_issued_tendered_ballot_papers.to_string(),
    );
    let papers = &part_one.tendered_ballot_papers;
    let _ = writeln!(out, "  8. Number of tendered ballot papers");
    let _ = writeln!(out, "     {:<30}{:>8}   Sl. No. From-To", "", "Number");
    let received = papers.received.map_or(0, |range| range.len());
    let _ = writeln!(out, "     {:<30}{:>8}   {}", "(a) received for use", received, range_text(papers.received));
    let _ = writeln!(
        out,
        "     {:<30}{:>8}   {}",
        "(b) issued to electors",
        papers.issued.len(),
        serial_list(&papers.issued)
    );
    let _ = writeln!(
        out,
        "     {:<30}{:>8}   {}",
        "(c) not used and returned",
        papers.not_used_and_returned,
        serial_list(&papers.not_used())
    );
    let seals = &part_one.paper_seals;
    let _ = writeln!(out, "  9. Account of paper seals");
    let supplied = if seals.supplied.is_empty() {
        "-".to_owned()
    } else {
        let ranges: Vec<String> =
            seals.supplied.iter().map(|range| format!("from {} to {}", range.first, range.last)).collect();
        ranges.join("; ")
    };
    let _ = writeln!(out, "     1. Serial No. of paper seals supplied: {supplied}");
    item(&mut out, "     2. ", "Total numbers supplied", &seals.total_supplied.to_string());
    item(&mut out, "     3. ", "Number of paper seals used", &seals.used.to_string());
    item(
        &mut out,
        "     4. ",
        &format!(
            "Number of unused paper seals returned to {} (deduct item 3 from item 2)",
            identity.election.returning_officer()
        ),
        &seals.unused_returned.to_string(),
    );
    let _ = writeln!(out, "     5. Serial No. of damaged paper seal, if any: {}", serial_list(&seals.damaged));
    out.push('\n');
    let _ = writeln!(out, "Date: {:<40}{:>32}", identity.date_of_poll, "Signature of Presiding Officer");
    let _ = writeln!(out, "Place: {:<39}Polling Station No. {}", identity.name, identity.station_label());
    out
}

/// Form 16C Part II of one control unit.
///
/// `election` names who signs it: the Municipal Returning Officer of a
/// ward, the Returning Officer otherwise.
pub fn form_16c_part_two(part_two: &Form16CPartTwo, election: &Election) -> String {
    let returning_officer = election.returning_officer();
    let mut out = String::new();
    centered(&mut out, "PART II : RESULT OF COUNTING");
    out.push('\n');
    let _ = writeln!(out, "Identification No. of voting control unit: {}", part_two.control_unit);
    out.push('\n');
    let _ = writeln!(out, "{:>7}  {:<44}{:>25}", "Sl. No.", "Name of Candidate", "No. of Votes recorded");
    let _ = writeln!(out, "{:>7}  {:<44}{:>25}", "-------", "-".repeat(44), "-".repeat(21));
    for line in &part_two.candidates {
        let _ = writeln!(out, "{:>7}  {:<44}{:>25}", format!("{}.", line.serial), line.name, line.votes);
    }
    let _ = writeln!(out, "{:>7}  {:<44}{:>25}", "", "Total :", part_two.sum_of_counts);
    out.push('\n');
    paragraph(
        &mut out,
        0,
        "Whether the total number of votes shown above tallies with the total number of votes shown against item 5 of Part I or any discrepancy is noticed between the two totals:",
    );
    paragraph(&mut out, 5, &part_two.tally.to_string());
    let _ = writeln!(
        out,
        "     (total shown by the control unit: {}; item 5 for this control unit: {})",
        part_two.total_shown, part_two.item_5_share
    );
    out.push('\n');
    let _ = writeln!(out, "{:>78}", "Signature of Counting Supervisor");
    let _ = writeln!(out, "{:>78}", format!("Signature of {returning_officer}"));
    out
}

/// Form 16C: Part I, then Part II of each control unit counted, then the
/// units not counted.
pub fn form_16c(form: &Form16C) -> String {
    let mut out = form_16c_part_one(&form.part_one);
    for part_two in &form.part_two {
        out.push('\n');
        out.push_str(&form_16c_part_two(part_two, &form.part_one.identity.election));
    }
    for machine in &form.not_counted {
        out.push('\n');
        paragraph(
            &mut out,
            0,
            &format!(
                "Control unit {} not counted: {}; the polling station goes to a fresh poll.",
                machine.control_unit, machine.reason
            ),
        );
    }
    out
}

/// Form 16A, the register of voters.
pub fn form_16a(form: &Form16A) -> String {
    let mut out = String::new();
    centered(&mut out, "FORM 16A");
    centered(&mut out, "[See rule 39K.]");
    centered(&mut out, "REGISTER OF VOTERS");
    out.push('\n');
    let identity = &form.identity;
    let _ = writeln!(out, "{}", election_heading(identity));
    let _ = writeln!(out, "No. and name of polling station: {} - {}", identity.station_label(), identity.name);
    out.push('\n');
    let _ = writeln!(out, "{:>7}  {:>22}  {:<22}  Remarks", "Sl. No.", "Sl. No. of elector", "Signature/Thumb impr.");
    for entry in &form.entries {
        let _ = writeln!(
            out,
            "{:>7}  {:>22}  {:<22}  {}",
            entry.serial,
            entry.elector,
            if entry.thumb_impression { "(thumb impression)" } else { "(signature)" },
            entry.remark.map_or("", |remark| remark.text())
        );
    }
    out
}

fn letter(index: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if index < letters.len() {
        format!("{}.", letters[index] as char)
    } else {
        format!("{}.", index + 1)
    }
}

/// Form 23, the final result sheet.
pub fn form_23(form: &Form23) -> String {
    let mut out = String::new();
    centered(&mut out, "FORM 23");
    centered(&mut out, "(See rules 56 and 61J.)");
    centered(&mut out, "FINAL RESULT SHEET");
    out.push('\n');
    let _ = writeln!(out, "Election to the {}", form.municipality);
    let _ = writeln!(out, "Ward No. {}", form.ward);
    let _ = writeln!(out, "Date of Poll: {}", form.date_of_poll);
    out.push('\n');
    paragraph(
        &mut out,
        0,
        "Record of votes at Polling Station No. (Valid), record of votes given by persons on election duty (Valid), and total of votes polled by the candidate:",
    );
    out.push('\n');
    let mut heading = format!("{:<28}", "Name of the Candidate");
    for station in &form.stations {
        let _ = write!(heading, "{:>8}", format!("PS {}", station.number));
    }
    let _ = write!(heading, "{:>10}{:>9}", "El. duty", "Total");
    let _ = writeln!(out, "{}", heading.trim_end());
    let _ = writeln!(out, "{}", "-".repeat(heading.trim_end().chars().count()));
    for (index, name) in form.candidates.iter().enumerate() {
        let mut line = format!("{:<28}", format!("{} {}", letter(index), name));
        for station in &form.stations {
            let cell = station
                .valid_votes
                .as_ref()
                .map_or_else(|| "n.c.".to_owned(), |votes| votes.get(index).copied().unwrap_or(0).to_string());
            let _ = write!(line, "{cell:>8}");
        }
        let duty = form.election_duty.valid_votes.get(index).copied().unwrap_or(0);
        let total = form.totals.get(index).copied().unwrap_or(0);
        let _ = writeln!(out, "{line}{duty:>10}{total:>9}");
    }
    let mut rejected = format!("{:<28}", "(Rejected)");
    for _ in &form.stations {
        let _ = write!(rejected, "{:>8}", "-");
    }
    let _ = writeln!(out, "{rejected}{:>10}{:>9}", form.election_duty.rejected, form.total_rejected);
    out.push('\n');
    if form.stations.iter().any(|station| station.valid_votes.is_none()) {
        paragraph(
            &mut out,
            0,
            "n.c.: not counted; the returning officer found a voting machine of the polling station tampered with (61G(4)); the station goes to a fresh poll.",
        );
        out.push('\n');
    }
    item(&mut out, "", "Total No. of valid votes", &form.total_valid.to_string());
    if let Some(votes) = form.none_of_the_above {
        item(&mut out, "", "Votes for None of the Above (not valid votes for any candidate)", &votes.to_string());
    }
    item(&mut out, "", "Total No. of rejected votes", &form.total_rejected.to_string());
    let grand_total = if form.none_of_the_above.is_some() {
        "Grand total of votes (valid, None of the Above and rejected)"
    } else {
        "Grand total of votes (Valid and rejected)"
    };
    item(&mut out, "", grand_total, &form.grand_total.to_string());
    out.push('\n');
    let _ = writeln!(out, "Place:");
    let _ = writeln!(out, "Date: {:<40}{:>32}", form.date_of_poll, "Signature of the Municipal");
    let _ = writeln!(out, "{:>78}", "Returning Officer");
    out
}

/// Form 24, the return of election, with the lot of 61K(2) if one was drawn.
pub fn form_24(form: &Form24) -> String {
    let mut out = String::new();
    centered(&mut out, "FORM 24");
    centered(&mut out, "(See rules 58, 59 and 61L.)");
    centered(&mut out, "RETURN OF ELECTION");
    out.push('\n');
    let _ = writeln!(out, "Election to the {}", form.municipality);
    let _ = writeln!(out, "Ward No. {}", form.ward);
    let _ = writeln!(out, "Date of Poll: {}", form.date_of_poll);
    out.push('\n');
    let _ = writeln!(out, "{:>7}  {:<40}{:>29}", "Sl. No.", "Name of the Candidate", "Number of votes recorded");
    let _ = writeln!(out, "{:>7}  {:<40}{:>29}", "", "", "in favour of each candidate");
    let _ = writeln!(out, "{:>7}  {:<40}{:>29}", "(1)", "(2)", "(3)");
    for line in &form.candidates {
        let _ = writeln!(out, "{:>7}  {:<40}{:>29}", format!("{}.", line.serial), line.name, line.votes);
    }
    if let Some(votes) = form.none_of_the_above {
        let _ = writeln!(out, "{:>7}  {:<40}{:>29}", "", "None of the Above", votes);
    }
    out.push('\n');
    item(&mut out, "", "Total number of valid votes", &form.total_valid.to_string());
    item(&mut out, "", "Total number of invalid votes", &form.total_invalid.to_string());
    item(&mut out, "", "Total number of tendered votes", &form.total_tendered.to_string());
    out.push('\n');
    paragraph(
        &mut out,
        0,
        &format!(
            "In pursuance of the provisions contained in rule 61L of the West Bengal Municipalities (Conduct of Elections) Rules, 1995, I declare that the candidate, {}, to whom the largest number of votes has been given, has been duly elected to fill the seat as a Member to the {} from the Ward No. {}.",
            form.declaration.elected, form.municipality, form.ward
        ),
    );
    if let Some(lot) = &form.declaration.lot {
        out.push('\n');
        paragraph(
            &mut out,
            0,
            &format!(
                "Equality of votes (rule 61K(2)): {} obtained {} votes each. The lot was drawn from seed {} (splitmix64 draw {:#018x}, modulo {}) and fell on {}.",
                lot.tied.join(", "),
                form.declaration.votes,
                lot.seed,
                lot.draw,
                lot.tied.len(),
                lot.drawn
            ),
        );
    }
    out.push('\n');
    let _ = writeln!(out, "Place:");
    let _ = writeln!(out, "Date: {:<40}{:>32}", form.date_of_poll, "Signature of the Municipal");
    let _ = writeln!(out, "{:>78}", "Returning Officer");
    out
}

//! Judging a trace's outcome against its expected verdict, and the run
//! report of judged traces.

use super::{RunReport, Summary, TraceReport, TraceStatus};
use crate::trace::ExpectedVerdict;
use crate::verdict::{TraceOutcome, VerdictKind};
use evm_sim::Property;
use std::path::Path;

/// Whether `outcome` is what `expected` says.
pub fn matches(outcome: &TraceOutcome, expected: &ExpectedVerdict) -> bool {
    if outcome.verdict != expected.verdict {
        return false;
    }
    let principal = outcome.principal_finding();
    if expected.property.is_some() && principal.and_then(|finding| finding.property) != expected.property {
        return false;
    }
    if expected.line.is_some() && principal.map(|finding| finding.line) != expected.line {
        return false;
    }
    if expected.rule.is_some() && principal.map(|finding| &finding.rule) != expected.rule.as_ref() {
        return false;
    }
    if let Some(discrepancy) = expected.item_6_discrepancy {
        if outcome.account_of_votes.map(|account| account.item_6_discrepancy) != Some(discrepancy) {
            return false;
        }
    }
    if let Some(pinned) = &expected.form_16c {
        match &outcome.account_of_votes {
            Some(account) if pinned.differences(account).is_empty() => {}
            _ => return false,
        }
    }
    true
}

/// Lines shown on each side of a finding in a report's excerpt.
pub const EXCERPT_LINES: usize = 3;

pub fn file_excerpt(path: &Path, line: Option<usize>) -> Vec<(usize, String)> {
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    let around = line.unwrap_or(1);
    text.lines()
        .enumerate()
        .map(|(index, text)| (index + 1, text))
        .filter(|(number, _)| *number == 1 || (*number + EXCERPT_LINES >= around && *number <= around + EXCERPT_LINES))
        .map(|(number, text)| (number, text.chars().take(400).collect()))
        .collect()
}

/// Judges an outcome against its expectation.
pub fn judge(path: &str, outcome: TraceOutcome, expected: Result<ExpectedVerdict, String>) -> TraceReport {
    let (expected, mut reason) = match expected {
        Ok(expected) => (Some(expected), outcome.reason.clone()),
        Err(error) => (None, Some(outcome.reason.clone().map_or(error.clone(), |reason| format!("{reason}; {error}")))),
    };
    let status = match (&expected, outcome.verdict) {
        (_, VerdictKind::NotApplicable) => TraceStatus::NotRun,
        (_, VerdictKind::Inconclusive) => TraceStatus::Inconclusive,
        (Some(expected), _) if matches(&outcome, expected) => TraceStatus::AsExpected,
        (Some(_), _) => TraceStatus::Differs,
        (None, _) => TraceStatus::Malformed,
    };
    let matches_expected = matches!(status, TraceStatus::AsExpected | TraceStatus::NotRun);
    if reason.is_none() && !matches_expected {
        reason = Some("the verdict differs from the expected verdict".to_owned());
    }
    let principal = outcome.principal_finding();
    TraceReport {
        path: path.to_owned(),
        status,
        verdict: outcome.verdict,
        machine_verdict: outcome.machine_verdict(),
        property: principal.and_then(|finding| finding.property),
        rule: principal.map(|finding| finding.rule.clone()),
        line: principal.map(|finding| finding.line),
        matches_expected,
        expected,
        form_16c: outcome.account_of_votes,
        reason,
        cause: outcome.cause,
        findings: outcome.findings,
        events: outcome.events,
        forms: outcome.forms,
        ward: None,
        excerpt: Vec::new(),
        board: None,
    }
}

/// The run report of judged traces.
pub fn summarize(target: String, traces: Vec<TraceReport>) -> RunReport {
    let mut summary = Summary { traces: traces.len(), ..Summary::default() };
    // Properties a trace that breaks them ran for (caught or not).
    let mut exercised: Vec<Property> = Vec::new();
    for trace in &traces {
        match trace.status {
            TraceStatus::AsExpected => summary.as_expected += 1,
            TraceStatus::Differs => summary.differs += 1,
            TraceStatus::NotRun => summary.not_run += 1,
            TraceStatus::Malformed => summary.malformed += 1,
            TraceStatus::Interrupted => summary.interrupted += 1,
            TraceStatus::Inconclusive => summary.inconclusive += 1,
        }
        match trace.verdict {
            VerdictKind::Pass => summary.pass += 1,
            VerdictKind::Violation => summary.violation += 1,
            VerdictKind::Discrepancy => summary.discrepancy += 1,
            VerdictKind::Procedural => summary.procedural += 1,
            VerdictKind::Advisory => summary.advisory += 1,
            VerdictKind::Error => summary.error += 1,
            VerdictKind::NotApplicable => summary.not_applicable += 1,
            // Counted with the statuses: an inconclusive trace has both.
            VerdictKind::Inconclusive => {}
        }
        if let Some(property) = trace.property {
            if !summary.properties_broken.contains(&property) {
                summary.properties_broken.push(property);
            }
        }
        let expected_property = trace.expected.as_ref().and_then(|expected| expected.property);
        if let Some(property) = expected_property {
            if matches!(trace.status, TraceStatus::AsExpected | TraceStatus::Differs) && !exercised.contains(&property)
            {
                exercised.push(property);
            }
            if trace.status == TraceStatus::AsExpected && !summary.properties_caught.contains(&property) {
                summary.properties_caught.push(property);
            }
        }
    }
    summary.properties_broken.sort();
    summary.properties_caught.sort();
    summary.properties_not_exercised =
        Property::ALL.into_iter().filter(|property| !exercised.contains(property)).collect();
    RunReport { target, traces, summary, boards: Vec::new(), mode_comparison: None }
}

/// The report of a trace a signal stopped (or kept from starting).
pub fn interrupted(path: &str) -> TraceReport {
    let mut report =
        judge(path, TraceOutcome::error("interrupted by a signal before it finished".to_owned()), Err(String::new()));
    report.status = TraceStatus::Interrupted;
    report.matches_expected = false;
    report.reason = Some("interrupted by a signal before it finished".to_owned());
    report
}

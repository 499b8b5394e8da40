//! The runner: walks files and folders of traces, replays each against a
//! target, and compares every verdict with the expected-verdict file beside
//! the trace.

use crate::replay::replay;
use crate::target::Target;
use crate::trace::{parse_expectation, parse_trace_file, ExpectedVerdict, Trace};
use crate::verdict::{AccountOfVotes, Finding, TraceOutcome, VerdictKind};
use evm_sim::Property;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The suffix of trace files.
pub const TRACE_SUFFIX: &str = ".jsonl";
/// The suffix of expected-verdict files, which replaces `TRACE_SUFFIX`.
pub const EXPECTED_SUFFIX: &str = ".expected.json";
/// Most trace files one run walks.
pub const MAX_TRACE_FILES: usize = 1_000_000;

/// A path given to the runner that cannot be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct InputError {
    pub path: PathBuf,
    pub message: String,
}

/// Every trace file under `paths` (files as given; folders walked
/// recursively, in name order).
pub fn collect_traces(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut traces = Vec::new();
    for path in paths {
        let metadata =
            std::fs::metadata(path).map_err(|source| InputError { path: path.clone(), message: source.to_string() })?;
        if metadata.is_dir() {
            walk(path, &mut traces)?;
        } else {
            traces.push(path.clone());
        }
    }
    Ok(traces)
}

fn walk(folder: &Path, traces: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let unreadable = |source: std::io::Error| InputError { path: folder.to_owned(), message: source.to_string() };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(unreadable)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .map_err(unreadable)?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, traces)?;
        } else if entry.to_string_lossy().ends_with(TRACE_SUFFIX) || crate::ward::is_ward_manifest(&entry) {
            if traces.len() >= MAX_TRACE_FILES {
                return Err(InputError { path: entry, message: format!("more than {MAX_TRACE_FILES} traces") });
            }
            traces.push(entry);
        }
    }
    Ok(())
}

/// The expected-verdict file of a trace.
pub fn expected_path(trace: &Path) -> PathBuf {
    let text = trace.to_string_lossy();
    let stem = text.strip_suffix(TRACE_SUFFIX).unwrap_or(&text);
    PathBuf::from(format!("{stem}{EXPECTED_SUFFIX}"))
}

/// What became of one trace in a run: four outcomes, counted apart
/// everywhere (terminal, JSON, JUnit, HTML).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceStatus {
    /// Replayed; the verdict is the expected one.
    AsExpected,
    /// Replayed; the verdict differs from the expected one.
    Differs,
    /// Not run: the target cannot run it (`not_applicable`, with the reason).
    /// Nothing was checked, so nothing counts as caught.
    NotRun,
    /// Not judged: the trace or its expected-verdict file is missing or
    /// malformed (the reason names the file, line and column).
    Malformed,
    /// Stopped by a signal before it finished.
    Interrupted,
}

impl TraceStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            TraceStatus::AsExpected => "as expected",
            TraceStatus::Differs => "differs",
            TraceStatus::NotRun => "not run (not applicable)",
            TraceStatus::Malformed => "malformed input",
            TraceStatus::Interrupted => "interrupted",
        }
    }
}

/// One trace's line in the run report.
#[derive(Clone, Debug, Serialize)]
pub struct TraceReport {
    pub path: String,
    pub status: TraceStatus,
    pub verdict: VerdictKind,
    /// The machine's own verdict, apart from the papers: `violation` or
    /// `pass` (`error`, `not_applicable` when the verdict is).
    pub machine_verdict: VerdictKind,
    pub property: Option<Property>,
    pub rule: Option<String>,
    pub line: Option<usize>,
    /// The trace did not differ from its expectation: as expected, or not
    /// run (see `status`, which tells them apart).
    pub matches_expected: bool,
    pub expected: Option<ExpectedVerdict>,
    /// Form 16C Part I items 2 to 6, where the trace keeps the station's papers.
    pub form_16c: Option<AccountOfVotes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub findings: Vec<Finding>,
    pub events: usize,
    /// Form 16C as text (Part I per poll, Part II per counted machine); for
    /// a ward, Forms 23 and 24.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<String>,
    /// A ward's Forms 23 and 24 as figures (`crate::ward`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ward: Option<crate::ward::WardFigures>,
    /// For a trace whose verdict is not the expected one: the lines around
    /// the finding (the header first), numbered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub excerpt: Vec<(usize, String)>,
}

impl TraceReport {
    /// "violation ONE-VOTE", "pass", or "(no expected verdict)".
    pub fn expected_text(&self) -> String {
        self.expected.as_ref().map_or_else(
            || "(no expected verdict)".to_owned(),
            |expected| verdict_and_property(expected.verdict, expected.property),
        )
    }

    /// The verdict found, as `expected_text` writes it.
    pub fn observed_text(&self) -> String {
        verdict_and_property(self.verdict, self.property)
    }
}

fn verdict_and_property(verdict: VerdictKind, property: Option<Property>) -> String {
    match property {
        Some(property) => format!("{} {property}", verdict.as_str()),
        None => verdict.as_str().to_owned(),
    }
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub target: String,
    pub traces: Vec<TraceReport>,
    pub summary: Summary,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub traces: usize,
    /// Replayed with the expected verdict.
    pub as_expected: usize,
    /// Replayed with another verdict.
    pub differs: usize,
    /// Not run: the target could not (`not_applicable`).
    pub not_run: usize,
    /// Not judged: a missing or malformed trace or expected-verdict file.
    pub malformed: usize,
    /// Stopped by a signal.
    pub interrupted: usize,
    pub pass: usize,
    pub violation: usize,
    pub discrepancy: usize,
    pub procedural: usize,
    pub advisory: usize,
    pub error: usize,
    pub not_applicable: usize,
    /// Properties found broken at least once in this run.
    pub properties_broken: Vec<Property>,
    /// Properties **caught**: a trace that breaks the property ran, and its
    /// verdict named it as expected.
    pub properties_caught: Vec<Property>,
    /// Properties no trace that breaks them ran for on this target (none,
    /// or only traces not run, malformed or interrupted): the run says
    /// nothing about them. A property exercised but not caught shows as a
    /// trace that differs.
    pub properties_not_exercised: Vec<Property>,
}

impl RunReport {
    /// Traces were given but the target could run none of them: the run
    /// says nothing about the target (exit status 2, never CONFORMS).
    pub fn nothing_ran(&self) -> bool {
        self.summary.as_expected + self.summary.differs + self.summary.malformed + self.summary.interrupted == 0
    }

    /// Every trace that ran gave its expected verdict, and none was
    /// malformed or interrupted.
    pub fn all_match(&self) -> bool {
        self.summary.differs == 0 && self.summary.malformed == 0 && self.summary.interrupted == 0
    }

    /// The process's exit status (README): 130 interrupted, 2 a malformed
    /// input, 1 a verdict differs, 0 every applicable verdict as expected.
    pub fn exit_status(&self) -> u8 {
        if self.summary.interrupted > 0 {
            crate::cli::EXIT_INTERRUPTED
        } else if self.summary.malformed > 0 || self.nothing_ran() {
            crate::cli::EXIT_USAGE
        } else if self.summary.differs > 0 {
            crate::cli::EXIT_MISMATCH
        } else {
            crate::cli::EXIT_ALL_MATCH
        }
    }
}

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

/// Replays one trace file and judges it against its expected verdict. A
/// trace or expected-verdict file that cannot be read is `malformed`, with
/// its located error; the trace is not replayed.
pub fn run_trace(path: &Path, target: &mut dyn Target) -> TraceReport {
    let expected = parse_expectation(&expected_path(path)).map_err(|error| error.to_string());
    let (outcome, malformed) = match (parse_trace_file(path), &expected) {
        (Ok(trace), Ok(_)) => (replay(&trace, target), false),
        (Err(error), _) => (TraceOutcome::error(error.to_string()), true),
        (Ok(_), Err(error)) => (TraceOutcome::error(error.clone()), true),
    };
    let mut report = judge(&path.to_string_lossy(), outcome, expected);
    if malformed {
        report.status = TraceStatus::Malformed;
        report.matches_expected = false;
    }
    tracing::debug!(trace = %path.display(), verdict = report.verdict.as_str(), as_expected = report.matches_expected, "replayed");
    if !report.matches_expected {
        report.excerpt = file_excerpt(path, report.line);
    }
    report
}

/// Replays a trace built in memory (a built-in scenario) and judges it.
pub fn run_trace_in_memory(trace: &Trace, expected: &ExpectedVerdict, target: &mut dyn Target) -> TraceReport {
    let outcome = replay(trace, target);
    let mut report = judge(&trace.path.to_string_lossy(), outcome, Ok(expected.clone()));
    tracing::debug!(trace = %trace.path.display(), verdict = report.verdict.as_str(), as_expected = report.matches_expected, "replayed");
    if !report.matches_expected {
        let around = report.line.unwrap_or(0);
        report.excerpt = trace
            .lines
            .iter()
            .filter(|line| line.line + EXCERPT_LINES >= around && line.line <= around + EXCERPT_LINES)
            .map(|line| (line.line, format!("{} {:?}", line.at, line.event)))
            .collect();
    }
    report
}

/// Lines shown on each side of a finding in a report's excerpt.
pub const EXCERPT_LINES: usize = 3;

fn file_excerpt(path: &Path, line: Option<usize>) -> Vec<(usize, String)> {
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
        findings: outcome.findings,
        events: outcome.events,
        forms: outcome.forms,
        ward: None,
        excerpt: Vec::new(),
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
        }
        match trace.verdict {
            VerdictKind::Pass => summary.pass += 1,
            VerdictKind::Violation => summary.violation += 1,
            VerdictKind::Discrepancy => summary.discrepancy += 1,
            VerdictKind::Procedural => summary.procedural += 1,
            VerdictKind::Advisory => summary.advisory += 1,
            VerdictKind::Error => summary.error += 1,
            VerdictKind::NotApplicable => summary.not_applicable += 1,
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
    RunReport { target, traces, summary }
}

/// Where a run stands, for a progress display: traces done of the total,
/// and the trace now replaying ("" once the last is done).
#[derive(Clone, Copy, Debug)]
pub struct Progress<'a> {
    pub done: usize,
    pub total: usize,
    pub current: &'a str,
}

/// Replays every trace and builds the run report. `progress` is called after
/// each trace with (done, total).
pub fn run(
    paths: &[PathBuf],
    target: &mut dyn Target,
    progress: impl FnMut(Progress<'_>),
) -> Result<RunReport, InputError> {
    let files = collect_traces(paths)?;
    Ok(run_files(&files, target, progress))
}

/// Replays the trace files `files` in order and builds the run report. A
/// stop requested by a signal (`crate::interrupt`) ends the run between two
/// traces, or inside one at its next line: the traces not finished are
/// reported `interrupted`.
pub fn run_files(files: &[PathBuf], target: &mut dyn Target, mut progress: impl FnMut(Progress<'_>)) -> RunReport {
    let mut traces = Vec::with_capacity(files.len());
    for (index, file) in files.iter().enumerate() {
        progress(Progress { done: index, total: files.len(), current: &file.to_string_lossy() });
        let report = if crate::interrupt::requested() {
            interrupted(&file.to_string_lossy())
        } else {
            let report = if crate::ward::is_ward_manifest(file) {
                crate::ward::run_ward(file, target)
            } else {
                run_trace(file, target)
            };
            if crate::interrupt::requested() {
                interrupted(&file.to_string_lossy())
            } else {
                report
            }
        };
        traces.push(report);
        let next = files.get(index + 1).map(|next| next.to_string_lossy()).unwrap_or_default();
        progress(Progress { done: index + 1, total: files.len(), current: &next });
    }
    summarize(target.name(), traces)
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

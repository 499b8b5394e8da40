//! The runner: walks files and folders of traces, replays each against a
//! target, and compares every verdict with the expected-verdict file beside
//! the trace.

use crate::replay::replay;
use crate::report::{file_excerpt, interrupted, judge, summarize, RunReport, TraceReport, TraceStatus, EXCERPT_LINES};
use crate::target::Target;
use crate::trace::{parse_expectation, parse_trace_file, ExpectedVerdict, Trace};
use crate::verdict::TraceOutcome;
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
    report.board = target.identity();
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
    report.board = target.identity();
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

/// Replays the trace files `files` and builds the run report, in their
/// order. On a board without test mode, a trace that opens the case (which
/// leaves the board fail-safe) runs after every other. A stop requested by
/// a signal (`crate::interrupt`) ends the run between two traces, or inside
/// one at its next line: the traces not finished are reported
/// `interrupted`.
pub fn run_files(files: &[PathBuf], target: &mut dyn Target, mut progress: impl FnMut(Progress<'_>)) -> RunReport {
    let mut order: Vec<usize> = (0..files.len()).collect();
    if !target.offers_test_mode() && target.field_options().allow_fail_safe {
        let opens_the_case =
            |file: &PathBuf| parse_trace_file(file).map(|trace| crate::replay::opens_the_case(&trace)).unwrap_or(false);
        order.sort_by_key(|&index| opens_the_case(&files[index]));
    }
    let mut traces: Vec<Option<TraceReport>> = vec![None; files.len()];
    for (done, &index) in order.iter().enumerate() {
        let file = &files[index];
        progress(Progress { done, total: files.len(), current: &file.to_string_lossy() });
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
        traces[index] = Some(report);
        let next = order.get(done + 1).map(|&next| files[next].to_string_lossy()).unwrap_or_default();
        progress(Progress { done: done + 1, total: files.len(), current: &next });
    }
    summarize(target.name(), traces.into_iter().flatten().collect())
}

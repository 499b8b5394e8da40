//! `run` and `certify`: the traces against one target or a lab of boards,
//! and the report files they write.

use super::{check_writable, target_capturing, target_named, traces_to_run, write_file, UsageError};
use crate::report::{self, RunReport};
use crate::runner;
use std::path::{Path, PathBuf};

/// The boards of `run` and `certify`: the `--target`s (`sim` when none is
/// given and no lab file), then the lab file's. Several, or any from a lab
/// file, are a lab (each parsed, none twice, no in-process unit).
pub struct Boards {
    pub boards: Vec<crate::lab::LabBoard>,
    pub lab: bool,
}

pub fn lab_targets(names: &[String], lab_file: Option<&Path>) -> Result<Boards, UsageError> {
    let default = [String::from("sim")];
    let names = if names.is_empty() && lab_file.is_none() { &default[..] } else { names };
    let mut boards = names
        .iter()
        .map(|name| {
            name.parse()
                .map(crate::lab::LabBoard::from_target)
                .map_err(|error: crate::target::TargetSpecError| UsageError(error.to_string()))
        })
        .collect::<Result<Vec<_>, UsageError>>()?;
    if let Some(path) = lab_file {
        boards.extend(crate::lab::read_lab_file(path).map_err(|error| UsageError(error.to_string()))?);
    }
    let lab = boards.len() > 1 || lab_file.is_some();
    if lab {
        crate::lab::check_targets(&boards).map_err(|error| UsageError(error.to_string()))?;
    }
    Ok(Boards { boards, lab })
}

/// Runs the traces under `paths` (those `only` selects) and writes the
/// requested report files, which are checked writable first. Several
/// targets are a lab ([`crate::lab`]).
#[allow(clippy::too_many_arguments)]
pub fn run(
    target_names: &[String],
    lab_file: Option<&Path>,
    paths: &[PathBuf],
    only: &[evm_sim::Property],
    json_path: Option<&Path>,
    junit_path: Option<&Path>,
    capture: Option<&Path>,
    field: crate::target::FieldOptions,
    progress: impl FnMut(runner::Progress<'_>),
) -> Result<RunReport, UsageError> {
    let boards = lab_targets(target_names, lab_file)?;
    let files = traces_to_run(paths, only)?;
    for path in json_path.into_iter().chain(junit_path).chain(capture) {
        check_writable(path)?;
    }
    let report = if boards.lab {
        if capture.is_some() {
            return Err(UsageError("--capture records one board's wire: give one --target with it".to_owned()));
        }
        let work = files.into_iter().map(crate::lab::Work::File).collect();
        crate::lab::run(&boards.boards, work, field, progress)
    } else {
        let mut target = target_capturing(&boards.boards[0].spec.to_string(), capture)?;
        target.set_field_options(field);
        // A masked run sends no test-mode message, whatever the board offers.
        target.force_field_mode(field.masked.is_some());
        runner::run_files(&files, target.as_mut(), progress)
    };
    if let Some(path) = json_path {
        write_file(path, &report::json(&report))?;
    }
    if let Some(path) = junit_path {
        write_file(path, &report::junit(&report))?;
    }
    Ok(report)
}

/// What `certify` wrote.
pub struct Certification {
    pub report: RunReport,
    pub files: Vec<PathBuf>,
}

/// The main job: the built-in scenario suite and the trace corpus against
/// the target; `DIR/report.json`, `DIR/junit.xml`, `DIR/report.html`. Every
/// trace path must exist and hold a trace (`traces_to_run`); the report
/// files are checked writable before any work.
#[allow(clippy::too_many_arguments)]
pub fn certify(
    target_names: &[String],
    lab_file: Option<&Path>,
    trace_paths: &[PathBuf],
    only: &[evm_sim::Property],
    out: &Path,
    generated: &str,
    field: crate::target::FieldOptions,
    mut progress: impl FnMut(runner::Progress<'_>),
) -> Result<Certification, UsageError> {
    let boards = lab_targets(target_names, lab_file)?;
    let files = traces_to_run(trace_paths, only)?;
    let reports = vec![out.join("report.json"), out.join("junit.xml"), out.join("report.html")];
    for path in &reports {
        check_writable(path)?;
    }
    let scenarios: Vec<_> = crate::generate::scenarios::builtin_scenarios()
        .into_iter()
        .filter(|scenario| crate::cli::listing::selected(scenario.expected.property, only))
        .collect();
    if boards.lab {
        let work = scenarios
            .into_iter()
            .map(|scenario| crate::lab::Work::Scenario(Box::new((scenario.trace, scenario.expected))))
            .chain(files.into_iter().map(crate::lab::Work::File))
            .collect();
        let report = crate::lab::run(&boards.boards, work, field, progress);
        return write_certification(report, reports, generated);
    }
    let mut target = target_named(&boards.boards[0].spec.to_string())?;
    target.set_field_options(field);
    // Field and test must agree: a board that offers test mode first runs
    // the corpus as a field board would (before any test-mode message, so
    // that it still is its own machine), then in test mode.
    let compare_modes = target.offers_test_mode() && target.force_field_mode(true);
    target.force_field_mode(false);
    let field_runs = if compare_modes { files.len() } else { 0 };
    let total = field_runs + scenarios.len() + files.len();
    let field_pass = compare_modes.then(|| {
        target.force_field_mode(true);
        let field_pass = runner::run_files(&files, target.as_mut(), |step| {
            progress(runner::Progress { done: step.done, total, current: step.current })
        });
        target.force_field_mode(false);
        field_pass
    });
    let mut traces = Vec::with_capacity(total);
    for scenario in &scenarios {
        let path = scenario.trace.path.to_string_lossy();
        progress(runner::Progress { done: field_runs + traces.len(), total, current: &path });
        let report = if crate::interrupt::requested() {
            report::interrupted(&path)
        } else {
            let report = runner::run_trace_in_memory(&scenario.trace, &scenario.expected, target.as_mut());
            // Stopped mid-replay: not a verdict.
            if crate::interrupt::requested() {
                report::interrupted(&path)
            } else {
                report
            }
        };
        traces.push(report);
    }
    let corpus = runner::run_files(&files, target.as_mut(), |step| {
        progress(runner::Progress { done: field_runs + scenarios.len() + step.done, total, current: step.current })
    });
    traces.extend(corpus.traces);
    let mut report = report::summarize(target.name(), traces);
    report.mode_comparison =
        field_pass.map(|field_pass| crate::report::modes::ModeComparison::between(&report, &field_pass));
    write_certification(report, reports, generated)
}

/// Writes `certify`'s three reports to `files` (JSON, JUnit XML, HTML).
fn write_certification(report: RunReport, files: Vec<PathBuf>, generated: &str) -> Result<Certification, UsageError> {
    write_file(&files[0], &report::json(&report))?;
    write_file(&files[1], &report::junit(&report))?;
    write_file(&files[2], &crate::report::html::report_page(&report, generated))?;
    Ok(Certification { report, files })
}

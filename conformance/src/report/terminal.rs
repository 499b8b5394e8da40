//! The run in words, for a terminal: the one-line headline and the summary.

use super::RunReport;
use std::fmt::Write;

/// The verdict of a run in one line: CONFORMS only when every trace that ran
/// gave its expected verdict, none was malformed or interrupted, and then
/// saying what was not run.
pub fn headline(report: &RunReport) -> String {
    let summary = &report.summary;
    if summary.interrupted > 0 {
        return format!(
            "INTERRUPTED: {} of {} traces judged before the run was stopped; no verdict on the target.",
            summary.as_expected + summary.differs,
            summary.traces
        );
    }
    if summary.malformed > 0 {
        return format!(
            "NOT JUDGED: {} of {} traces are missing or malformed input; fix them and run again.",
            summary.malformed, summary.traces
        );
    }
    if report.nothing_ran() {
        return format!(
            "NOTHING RUN: the target could run none of the {} traces (not applicable); no verdict on the target.",
            summary.traces
        );
    }
    let unjudged = if summary.inconclusive > 0 {
        format!("; {} could not be judged ({})", summary.inconclusive, inconclusive_causes(report))
    } else {
        String::new()
    };
    if summary.differs > 0 {
        return format!(
            "DOES NOT CONFORM: {} of {} traces that ran did not give their expected verdict{unjudged}.",
            summary.differs,
            summary.as_expected + summary.differs
        );
    }
    if let Some(comparison) = report.mode_comparison.as_ref().filter(|comparison| !comparison.differing.is_empty()) {
        return format!(
            "DOES NOT CONFORM: {} of {} traces judged in both modes gave another verdict in field mode than in test mode{unjudged}.",
            comparison.differing.len(),
            comparison.compared
        );
    }
    if summary.inconclusive > 0 {
        return format!(
            "INCONCLUSIVE: {} of {} traces could not be judged ({}); no verdict on the target. The {} judged gave their expected verdict.",
            summary.inconclusive,
            summary.traces,
            inconclusive_causes(report),
            summary.as_expected
        );
    }
    let ran = summary.as_expected;
    let mut line = format!("CONFORMS: all {ran} traces that ran gave their expected verdict");
    if summary.not_run > 0 {
        let _ = write!(line, "; {} not run (not applicable to this target)", summary.not_run);
    }
    line.push('.');
    line
}

/// "2 link, 1 board": who failed, for the inconclusive traces.
fn inconclusive_causes(report: &RunReport) -> String {
    use crate::target::FailureCause;
    [FailureCause::Link, FailureCause::Board, FailureCause::Harness]
        .into_iter()
        .filter_map(|cause| {
            let count = report.traces.iter().filter(|trace| trace.cause == Some(cause)).count();
            (count > 0).then(|| format!("{count} {}", cause.as_str()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The short human summary printed after a run.
pub fn summary(report: &RunReport) -> String {
    let mut text = String::new();
    for trace in report.traces.iter().filter(|trace| !trace.matches_expected) {
        let _ = writeln!(
            text,
            "{} {}: {}{}{} — {}",
            trace.status.as_str().to_uppercase(),
            trace.path,
            trace.verdict.as_str(),
            trace.property.map(|property| format!(" {property}")).unwrap_or_default(),
            trace.line.map(|line| format!(" at line {line}")).unwrap_or_default(),
            trace.reason.as_deref().unwrap_or("")
        );
    }
    let summary = &report.summary;
    let _ = writeln!(
        text,
        "{} traces against {}: {} as expected, {} differ, {} not run (not applicable), {} malformed, {} interrupted, {} inconclusive; verdicts: {} pass, {} advisory, {} procedural, {} discrepancy, {} violation, {} error",
        summary.traces,
        report.target,
        summary.as_expected,
        summary.differs,
        summary.not_run,
        summary.malformed,
        summary.interrupted,
        summary.inconclusive,
        summary.pass,
        summary.advisory,
        summary.procedural,
        summary.discrepancy,
        summary.violation,
        summary.error,
    );
    let ids = |properties: &[evm_sim::Property]| -> String {
        if properties.is_empty() {
            "none".to_owned()
        } else {
            properties.iter().map(|property| property.id()).collect::<Vec<_>>().join(", ")
        }
    };
    let _ = writeln!(text, "properties caught broken: {}", ids(&summary.properties_caught));
    let _ = writeln!(text, "properties not exercised on this target: {}", ids(&summary.properties_not_exercised));
    for board in &report.boards {
        let _ = writeln!(
            text,
            "board {} ({}{}): {}, {} traces judged{}",
            board.name,
            board.port,
            board.mode.map(|mode| format!(", {} mode", mode.as_str())).unwrap_or_default(),
            board.state.as_str(),
            board.traces_judged,
            board.reason.as_deref().map(|reason| format!(" — {reason}")).unwrap_or_default()
        );
    }
    if let Some(comparison) = &report.mode_comparison {
        let _ = writeln!(text, "{}", comparison.line());
    }
    let _ = writeln!(text, "{}", headline(report));
    text
}

//! The report people open: one self-contained HTML page (no script, no
//! outside resource) with the summary, a table per property, every failure
//! with its trace excerpt and expected against observed, and each station's
//! Form 16C.

use super::formats::escape_xml as escape;
use super::{RunReport, TraceStatus};
use evm_sim::Property;
use std::fmt::Write;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#1b1b1b}\
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}\
th{background:#f2f2f2}.ok{color:#0a6b0a;font-weight:bold}.bad{color:#b00020;font-weight:bold}\
pre{background:#f7f7f7;padding:.5em;overflow-x:auto;font-size:.85em}code{font-size:.9em}details{margin:.3em 0}";

/// The whole page. `generated` says when and by what (the caller's clock).
// Longer than 70 lines on purpose: a template: the page's HTML in the order it is read.
pub fn report_page(report: &RunReport, generated: &str) -> String {
    let mut page = String::new();
    let summary = &report.summary;
    // Green only for exit status 0: never for a run that ran nothing.
    let all_match = report.exit_status() == crate::report::EXIT_ALL_MATCH;
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>EVM conformance report: {target}</title>\
         <style>{STYLE}</style></head><body>\n<h1>EVM conformance report</h1>\n\
         <p>Target: <code>{target}</code>. {generated}</p>\n\
         {modes}<p class=\"{class}\">{headline}</p>\n",
        modes = report.mode_comparison.as_ref().map_or_else(String::new, |comparison| format!(
            "<p class=\"{}\">{}</p>\n",
            if comparison.differing.is_empty() { "ok" } else { "bad" },
            escape(&comparison.line())
        )),
        target = escape(&report.target),
        generated = escape(generated),
        class = if all_match { "ok" } else { "bad" },
        headline = escape(&crate::report::headline(report)),
    );
    if !summary.properties_not_exercised.is_empty() {
        let _ = writeln!(
            page,
            "<p class=\"bad\">Not exercised on this target (no trace that breaks them ran): {}.</p>",
            summary.properties_not_exercised.iter().map(|property| property.id()).collect::<Vec<_>>().join(", ")
        );
    }
    let _ = writeln!(
        page,
        "<h2>Summary</h2><table><tr><th>traces</th><th>as expected</th><th>differs</th><th>not run (not applicable)</th><th>malformed</th><th>interrupted</th><th>inconclusive</th><th>pass</th><th>advisory</th><th>procedural</th><th>discrepancy</th><th>violation</th><th>error</th></tr>\
         <tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        summary.traces,
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
    if !report.boards.is_empty() {
        page.push_str(
            "<h2>Boards</h2><table><tr><th>board</th><th>port</th><th>serial number</th><th>mode</th><th>machine</th><th>state</th><th>traces judged</th><th>why it left</th></tr>",
        );
        for board in &report.boards {
            let _ = write!(
                page,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
                escape(&board.name),
                escape(&board.port),
                escape(&board.serial_number),
                board.mode.map_or("—", |mode| mode.as_str()),
                escape(board.machine.as_deref().unwrap_or("—")),
                if board.state == crate::lab::BoardState::Good { "ok" } else { "bad" },
                board.state.as_str(),
                board.traces_judged,
                escape(board.reason.as_deref().unwrap_or("")),
            );
        }
        page.push_str("</table>\n");
    }
    // Failures first, each linked from the top of the page.
    let failing: Vec<_> = report.traces.iter().filter(|trace| !trace.matches_expected).collect();
    if !failing.is_empty() {
        page.push_str("<ul id=\"failure-links\">");
        for (index, trace) in failing.iter().enumerate() {
            let _ = write!(
                page,
                "<li><a href=\"#failure-{}\"><code>{}</code></a>: {}</li>",
                index + 1,
                escape(&trace.path),
                trace.status.as_str()
            );
        }
        page.push_str("</ul>\n");
    }
    let failures: Vec<_> = report.traces.iter().filter(|trace| !trace.matches_expected).collect();
    let _ = writeln!(page, "<h2 id=\"failures\">Failures ({})</h2>", failures.len());
    if failures.is_empty() {
        page.push_str("<p>None.</p>\n");
    }
    for (index, trace) in failures.into_iter().enumerate() {
        let _ = write!(
            page,
            "<h3 id=\"failure-{}\"><code>{}</code> ({})</h3><p>Expected <b>{}</b>; observed <b class=\"bad\">{}</b>{}{}.</p>",
            index + 1,
            escape(&trace.path),
            trace.status.as_str(),
            escape(&trace.expected_text()),
            escape(&trace.observed_text()),
            trace.rule.as_ref().map(|rule| format!(" (rule {})", escape(rule))).unwrap_or_default(),
            trace.line.map(|line| format!(" at line {line}")).unwrap_or_default(),
        );
        if let Some(reason) = &trace.reason {
            let _ = write!(page, "<p>{}</p>", escape(reason));
        }
        if let Some(board) = &trace.board {
            let _ = write!(
                page,
                "<p>On <code>{}</code> (serial number {}), {} mode.</p>",
                escape(&board.port),
                escape(&board.serial_number),
                board.mode.as_str()
            );
        }
        if !trace.findings.is_empty() {
            page.push_str("<table><tr><th>line</th><th>grade</th><th>property</th><th>rule</th><th>event</th><th>expected</th><th>observed</th></tr>");
            for finding in &trace.findings {
                let _ = write!(
                    page,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    finding.line,
                    finding.kind.as_str(),
                    finding.property.map(|property| property.id()).unwrap_or("—"),
                    escape(&finding.rule),
                    escape(&finding.event),
                    escape(&finding.expected),
                    escape(&finding.observed)
                );
            }
            page.push_str("</table>");
        }
        if !trace.excerpt.is_empty() {
            page.push_str("<pre>");
            for (number, text) in &trace.excerpt {
                let marker = if Some(*number) == trace.line { "&gt;" } else { " " };
                let _ = writeln!(page, "{marker}{number:>6}  {}", escape(text));
            }
            page.push_str("</pre>\n");
        }
    }
    page.push_str("<h2>Properties</h2><p>For each property of the rules, the traces that break it on purpose (a seeded defect or a procedural slip) and whether the harness caught every one.</p>\n<table><tr><th>property</th><th>rule</th><th>what must hold</th><th>traces breaking it</th><th>caught</th><th>not run</th></tr>\n");
    for property in Property::ALL {
        let breaking: Vec<_> = report
            .traces
            .iter()
            .filter(|trace| trace.expected.as_ref().and_then(|expected| expected.property) == Some(property))
            .collect();
        // Caught: the trace ran and its verdict named the property. A trace
        // the target could not run caught nothing.
        let caught = breaking.iter().filter(|trace| trace.status == TraceStatus::AsExpected).count();
        let not_run = breaking.iter().filter(|trace| trace.status == TraceStatus::NotRun).count();
        let ran = breaking.len() - not_run;
        let status = if ran == 0 {
            "<td>— (not exercised)</td>".to_owned()
        } else if caught == ran {
            format!("<td class=\"ok\">{caught} of {ran}</td>")
        } else {
            format!("<td class=\"bad\">{caught} of {ran}</td>")
        };
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>{status}<td>{not_run}</td></tr>",
            property.id(),
            escape(property.rule()),
            escape(property.statement()),
            breaking.len()
        );
    }
    page.push_str("</table>\n");
    let with_forms: Vec<_> = report.traces.iter().filter(|trace| !trace.forms.is_empty()).collect();
    let _ = writeln!(page, "<h2>Form 16C of each station ({})</h2>", with_forms.len());
    for trace in with_forms {
        let _ = writeln!(
            page,
            "<details><summary><code>{}</code>: {}</summary><pre>{}</pre></details>",
            escape(&trace.path),
            trace.verdict.as_str(),
            escape(&trace.forms.join("\n\n"))
        );
    }
    page.push_str("<h2>Every trace</h2><table><tr><th>trace</th><th>verdict</th><th>machine</th><th>property</th><th>rule</th><th>line</th><th>outcome</th><th>events</th></tr>\n");
    for trace in &report.traces {
        let class = match trace.status {
            TraceStatus::AsExpected => "ok",
            TraceStatus::NotRun => "",
            _ => "bad",
        };
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
            escape(&trace.path),
            trace.verdict.as_str(),
            trace.machine_verdict.as_str(),
            trace.property.map(|property| property.id()).unwrap_or(""),
            escape(trace.rule.as_deref().unwrap_or("")),
            trace.line.map(|line| line.to_string()).unwrap_or_default(),
            trace.status.as_str(),
            trace.events
        );
    }
    page.push_str("</table>\n</body></html>\n");
    page
}

//! Report files: JSON for programs, JUnit XML for CI systems.

use super::{RunReport, TraceStatus};
use std::fmt::Write;

/// The run report as pretty JSON.
pub fn json(report: &RunReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|error| format!("{{\"error\": {:?}}}", error.to_string()))
}

/// Escapes text for XML attribute values and character data.
pub fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            character if (character as u32) < 0x20 && !matches!(character, '\t' | '\n' | '\r') => {
                let _ = write!(escaped, "\\u{{{:04x}}}", character as u32);
            }
            character => escaped.push(character),
        }
    }
    escaped
}

/// The run report as JUnit XML: one test case per trace; a trace whose
/// verdict differs from its expectation is a failure carrying the rule and
/// the line; a trace not applicable to the target is skipped; a malformed
/// trace, or one that could not be judged (`inconclusive`), is an error.
// Longer than 70 lines on purpose: a template: the JUnit XML in document order.
pub fn junit(report: &RunReport) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let failures = report.summary.differs;
    let errors = report.summary.malformed + report.summary.inconclusive;
    let skipped = report.summary.not_run + report.summary.interrupted;
    let _ = writeln!(
        xml,
        "<testsuites name=\"evm-conformance\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        report.summary.traces
    );
    let _ = writeln!(
        xml,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        escape_xml(&format!("conformance against {}", report.target)),
        report.summary.traces
    );
    for trace in &report.traces {
        let (classname, name) = match trace.path.rsplit_once('/') {
            Some((folder, file)) => (folder.replace('/', "."), file),
            None => ("traces".to_owned(), trace.path.as_str()),
        };
        let _ = write!(xml, "    <testcase classname=\"{}\" name=\"{}\"", escape_xml(&classname), escape_xml(name));
        if matches!(trace.status, TraceStatus::NotRun | TraceStatus::Interrupted) {
            let _ = writeln!(
                xml,
                ">\n      <skipped message=\"{}: {}\"/>\n    </testcase>",
                trace.status.as_str(),
                escape_xml(trace.reason.as_deref().unwrap_or(""))
            );
        } else if trace.status == TraceStatus::Inconclusive {
            let cause = trace.cause.map_or("harness", |cause| cause.as_str());
            let _ = writeln!(
                xml,
                ">\n      <error message=\"inconclusive ({cause}): {}\" type=\"inconclusive\"/>\n    </testcase>",
                escape_xml(trace.reason.as_deref().unwrap_or(""))
            );
        } else if trace.status == TraceStatus::Malformed {
            let _ = writeln!(
                xml,
                ">\n      <error message=\"{}\" type=\"malformed\"/>\n    </testcase>",
                escape_xml(trace.reason.as_deref().unwrap_or("malformed input"))
            );
        } else if trace.status == TraceStatus::AsExpected {
            xml.push_str("/>\n");
        } else {
            let (expected, observed) = (trace.expected_text(), trace.observed_text());
            let message = format!(
                "expected {expected}, got {observed}{}{}",
                trace.rule.as_ref().map(|rule| format!(" (rule {rule})")).unwrap_or_default(),
                trace.line.map(|line| format!(" at line {line}")).unwrap_or_default()
            );
            let mut details = String::new();
            if let Some(reason) = &trace.reason {
                let _ = writeln!(details, "{reason}");
            }
            for finding in &trace.findings {
                let _ = writeln!(
                    details,
                    "line {}: {} {} (rule {}): expected {}; observed {}; event {}",
                    finding.line,
                    finding.kind.as_str(),
                    finding.property.map(|property| property.id()).unwrap_or("(reference model)"),
                    finding.rule,
                    finding.expected,
                    finding.observed,
                    finding.event
                );
            }
            let _ = writeln!(
                xml,
                ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                escape_xml(&message),
                trace.verdict.as_str(),
                escape_xml(&details)
            );
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

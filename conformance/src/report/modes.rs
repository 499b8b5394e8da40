//! Field and test must agree: `certify` on a board that offers test mode
//! runs the corpus once more in field mode (no test-mode message, the
//! board's one machine, real time) and compares each trace's verdict
//! between the two runs. A board that behaves differently when it knows it
//! is being tested is the defect a certifier can least afford to miss.

use super::{RunReport, TraceReport, TraceStatus};
use serde::Serialize;

/// One trace whose verdict is not the same in the two modes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModeDifference {
    pub path: String,
    /// "violation ONE-VOTE at line 12", "pass".
    pub test_mode: String,
    pub field_mode: String,
}

/// The comparison, in the run report (`mode_comparison`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ModeComparison {
    /// Traces judged in both modes.
    pub compared: usize,
    /// Traces judged in test mode and not in field mode (not applicable
    /// there: more real time than the budget, a seeded defect, another
    /// machine), or not judged in either.
    pub not_compared: usize,
    pub differing: Vec<ModeDifference>,
}

fn judged(trace: &TraceReport) -> bool {
    matches!(trace.status, TraceStatus::AsExpected | TraceStatus::Differs)
}

fn verdict_in_words(trace: &TraceReport) -> String {
    match trace.line {
        Some(line) => format!("{} at line {line}", trace.observed_text()),
        None => trace.observed_text(),
    }
}

impl ModeComparison {
    /// Compares the traces of `field` with the same traces of `test`.
    pub fn between(test: &RunReport, field: &RunReport) -> ModeComparison {
        let mut comparison = ModeComparison::default();
        for in_field in &field.traces {
            let in_test = test.traces.iter().find(|trace| trace.path == in_field.path);
            match in_test {
                Some(in_test) if judged(in_test) && judged(in_field) => {
                    comparison.compared += 1;
                    let (test_mode, field_mode) = (verdict_in_words(in_test), verdict_in_words(in_field));
                    if test_mode != field_mode {
                        comparison.differing.push(ModeDifference {
                            path: in_field.path.clone(),
                            test_mode,
                            field_mode,
                        });
                    }
                }
                _ => comparison.not_compared += 1,
            }
        }
        comparison
    }

    /// The one line at the top of the report.
    pub fn line(&self) -> String {
        if self.differing.is_empty() {
            format!(
                "FIELD AND TEST AGREE: the {} traces judged in both modes gave the same verdict ({} not compared: not judged in both).",
                self.compared, self.not_compared
            )
        } else {
            format!(
                "FIELD AND TEST DIFFER: {} of {} traces judged in both modes gave another verdict in field mode ({}): \
                 the board behaves differently when it is driven in test mode.",
                self.differing.len(),
                self.compared,
                self.differing
                    .iter()
                    .map(|difference| format!(
                        "{}: {} in test mode, {} in field mode",
                        difference.path, difference.test_mode, difference.field_mode
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{judge, summarize};
    use crate::verdict::TraceOutcome;

    fn report(traces: Vec<TraceReport>) -> RunReport {
        summarize("board".into(), traces)
    }

    fn passing(path: &str) -> TraceReport {
        let expected = crate::trace::ExpectedVerdict::pass_tallying("lawful");
        let mut report = judge(path, TraceOutcome::from_findings(Vec::new(), None, 3), Ok(expected));
        report.status = TraceStatus::AsExpected;
        report
    }

    #[test]
    fn a_verdict_that_changes_with_the_mode_is_named_and_one_not_run_in_field_mode_is_not_compared() {
        let test = report(vec![passing("a.jsonl"), passing("b.jsonl"), passing("c.jsonl")]);
        let mut changed = passing("b.jsonl");
        changed.verdict = crate::verdict::VerdictKind::Violation;
        changed.status = TraceStatus::Differs;
        let not_run = judge("c.jsonl", TraceOutcome::not_applicable("budget".into()), Err(String::new()));
        let field = report(vec![passing("a.jsonl"), changed, not_run]);
        let comparison = ModeComparison::between(&test, &field);
        assert_eq!((comparison.compared, comparison.not_compared), (2, 1));
        assert_eq!(
            comparison.differing,
            [ModeDifference { path: "b.jsonl".into(), test_mode: "pass".into(), field_mode: "violation".into() }]
        );
        assert!(comparison.line().starts_with("FIELD AND TEST DIFFER: 1 of 2 traces"), "{}", comparison.line());
        let agreeing = ModeComparison::between(&test, &test);
        assert!(agreeing.line().starts_with("FIELD AND TEST AGREE: the 3 traces"), "{}", agreeing.line());
    }
}

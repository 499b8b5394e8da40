//! The expected-verdict file beside each trace (`NAME.expected.json`).

use super::parse::TraceError;
use crate::verdict::VerdictKind;
use evm_sim::Property;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What the trace's author expects of a conforming replay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedVerdict {
    pub verdict: VerdictKind,
    /// The property broken, for `violation` and `discrepancy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<Property>,
    /// The trace line of the first finding, when the author pins it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Item 6's discrepancy (item 5 − (item 2 − item 3 − item 4)), when pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_6_discrepancy: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
}

/// Reads the expected-verdict file at `path`.
pub fn parse_expectation(path: &Path) -> Result<ExpectedVerdict, TraceError> {
    let located = |message: String| TraceError { path: path.to_owned(), line: 0, column: None, field: None, message };
    let text = std::fs::read_to_string(path)
        .map_err(|source| located(format!("cannot read the expected verdict: {source}")))?;
    let expected: ExpectedVerdict = serde_json::from_str(&text).map_err(|source| {
        let (line, column) = super::parse::json_position(&source).unwrap_or((0, 0));
        TraceError {
            path: path.to_owned(),
            line,
            column: (line > 0).then_some(column),
            field: None,
            message: source.to_string().split(" at line ").next().unwrap_or("").to_owned(),
        }
    })?;
    // A violation may leave its property out: the target then differs from
    // the reference model in a way no named property covers (a lawful press
    // refused, an observation point not met), or the author does not pin it.
    // A conformance verdict is what a machine did: pass, violation or
    // discrepancy. "error" or "not_applicable" expected would let a broken
    // link or a board that cannot run the trace count as a success.
    if matches!(expected.verdict, VerdictKind::Error | VerdictKind::NotApplicable) {
        return Err(located(format!(
            "\"{}\" cannot be expected: an expected verdict is pass, violation or discrepancy",
            expected.verdict.as_str()
        )));
    }
    if expected.verdict == VerdictKind::Discrepancy && expected.property.is_none() {
        return Err(located("a discrepancy verdict names its property (ITEM-6 or PART-II)".to_owned()));
    }
    Ok(expected)
}

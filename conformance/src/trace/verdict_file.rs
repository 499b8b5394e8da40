//! The expected-verdict file beside each trace (`NAME.expected.json`).

use super::fields::TraceError;
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
    /// The rule of the principal finding, as the report writes it
    /// (`"39Q(1)"`, `"reference model"`), when pinned: what a finding
    /// without a property is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Item 6's discrepancy (item 5 − (item 2 − item 3 − item 4)), when pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_6_discrepancy: Option<i64>,
    /// Items of Form 16C Part I, when pinned (each field optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_16c: Option<ExpectedAccount>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
}

impl ExpectedVerdict {
    /// `pass` with item 6 tallying: what a day run by the rules must give.
    pub fn pass_tallying(why: impl Into<String>) -> ExpectedVerdict {
        ExpectedVerdict {
            verdict: VerdictKind::Pass,
            property: None,
            line: None,
            rule: None,
            item_6_discrepancy: Some(0),
            form_16c: None,
            why: why.into(),
        }
    }
}

/// Items of Form 16C Part I an expected verdict pins, summed over the polls
/// not declared void (the names of [`crate::verdict::AccountOfVotes`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedAccount {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_2: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_3: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_4: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_5: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_7: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_8_issued: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_8_not_used_and_returned: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_9_supplied: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_9_used: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_9_unused_returned: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_9_damaged: Option<u32>,
}

impl ExpectedAccount {
    /// The items pinned that `account` does not show, as "item_7 1 (found 0)".
    pub fn differences(&self, account: &crate::verdict::AccountOfVotes) -> Vec<String> {
        let mut differences = Vec::new();
        let mut check = |name: &str, pinned: Option<u64>, found: u64| {
            if let Some(pinned) = pinned.filter(|pinned| *pinned != found) {
                differences.push(format!("{name} {pinned} (found {found})"));
            }
        };
        check("item_2", self.item_2.map(u64::from), u64::from(account.item_2));
        check("item_3", self.item_3.map(u64::from), u64::from(account.item_3));
        check("item_4", self.item_4.map(u64::from), u64::from(account.item_4));
        check("item_5", self.item_5, account.item_5);
        check("item_7", self.item_7.map(u64::from), u64::from(account.item_7));
        check("item_8_issued", self.item_8_issued.map(u64::from), u64::from(account.item_8_issued));
        check("item_8_not_used_and_returned", self.item_8_not_used_and_returned, account.item_8_not_used_and_returned);
        check("item_9_supplied", self.item_9_supplied, account.item_9_supplied);
        check("item_9_used", self.item_9_used, account.item_9_used);
        check("item_9_unused_returned", self.item_9_unused_returned, account.item_9_unused_returned);
        check("item_9_damaged", self.item_9_damaged.map(u64::from), u64::from(account.item_9_damaged));
        differences
    }
}

/// Reads the expected-verdict file at `path`.
pub fn parse_expectation(path: &Path) -> Result<ExpectedVerdict, TraceError> {
    let located = |message: String| TraceError { path: path.to_owned(), line: 0, column: None, field: None, message };
    let text = std::fs::read_to_string(path)
        .map_err(|source| located(format!("cannot read the expected verdict: {source}")))?;
    let expected: ExpectedVerdict = serde_json::from_str(&text).map_err(|source| {
        let (line, column) = super::fields::json_position(&source).unwrap_or((0, 0));
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
    // discrepancy. "error", "not_applicable" or "inconclusive" expected would
    // let a broken link or a board that cannot run the trace count as a success.
    if matches!(expected.verdict, VerdictKind::Error | VerdictKind::NotApplicable | VerdictKind::Inconclusive) {
        return Err(located(format!(
            "\"{}\" cannot be expected: an expected verdict is pass, advisory, procedural, discrepancy or violation",
            expected.verdict.as_str()
        )));
    }
    if expected.verdict == VerdictKind::Discrepancy && expected.property.is_none() && expected.rule.is_none() {
        return Err(located(
            "a discrepancy verdict names its property (ITEM-6 or PART-II) or, for one without a property, its rule"
                .to_owned(),
        ));
    }
    Ok(expected)
}

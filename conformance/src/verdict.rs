//! Verdicts and findings: what a replay says about a trace.

use evm_sim::Property;
use serde::{Deserialize, Serialize};

/// The verdict on one trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// Every rule held and the accounts tally.
    Pass,
    /// The target broke a property (or behaved unlike the reference).
    Violation,
    /// Form 16C item 6 or Part II figures do not tally.
    Discrepancy,
    /// The trace itself is bad (or the target failed to answer).
    Error,
    /// The trace needs seeded defects the target cannot carry (a real board).
    NotApplicable,
}

impl VerdictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Pass => "pass",
            VerdictKind::Violation => "violation",
            VerdictKind::Discrepancy => "discrepancy",
            VerdictKind::Error => "error",
            VerdictKind::NotApplicable => "not_applicable",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Violation,
    Discrepancy,
}

/// One rule broken, with the rule, the trace line and the figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    /// `None` when the target differs from the reference model without
    /// breaking one of the named properties (e.g. refusing a lawful press).
    pub property: Option<Property>,
    pub rule: String,
    /// The trace line (1-based) where it was seen; 0 for end-of-trace accounts.
    pub line: usize,
    /// The trace event on that line, as written.
    pub event: String,
    pub expected: String,
    pub observed: String,
}

impl Finding {
    pub fn violation(
        property: Option<Property>,
        line: usize,
        event: String,
        expected: String,
        observed: String,
    ) -> Finding {
        Finding {
            kind: FindingKind::Violation,
            rule: property.map(|property| property.rule().to_owned()).unwrap_or_else(|| "reference model".to_owned()),
            property,
            line,
            event,
            expected,
            observed,
        }
    }
}

/// Form 16C Part I items 2 to 6 as the replay found them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOfVotes {
    pub item_2: u32,
    pub item_3: u32,
    pub item_4: u32,
    pub item_5: u32,
    /// item 5 − (item 2 − item 3 − item 4): 0 when it tallies.
    pub item_6_discrepancy: i64,
}

/// The replay of one trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceOutcome {
    pub verdict: VerdictKind,
    pub findings: Vec<Finding>,
    /// Why the verdict is `error` or `not_applicable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_of_votes: Option<AccountOfVotes>,
    /// Unit and station events replayed.
    pub events: usize,
    /// Form 16C Part I of each poll and Part II of each counted machine, as text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<String>,
}

impl TraceOutcome {
    pub fn from_findings(
        findings: Vec<Finding>,
        account_of_votes: Option<AccountOfVotes>,
        events: usize,
    ) -> TraceOutcome {
        let verdict = if findings.iter().any(|finding| finding.kind == FindingKind::Violation) {
            VerdictKind::Violation
        } else if findings.is_empty() {
            VerdictKind::Pass
        } else {
            VerdictKind::Discrepancy
        };
        TraceOutcome { verdict, findings, reason: None, account_of_votes, events, forms: Vec::new() }
    }

    pub fn error(reason: String) -> TraceOutcome {
        TraceOutcome {
            verdict: VerdictKind::Error,
            findings: Vec::new(),
            reason: Some(reason),
            account_of_votes: None,
            events: 0,
            forms: Vec::new(),
        }
    }

    pub fn not_applicable(reason: String) -> TraceOutcome {
        TraceOutcome {
            verdict: VerdictKind::NotApplicable,
            findings: Vec::new(),
            reason: Some(reason),
            account_of_votes: None,
            events: 0,
            forms: Vec::new(),
        }
    }

    /// The finding the verdict is about: the first violation; for a
    /// discrepancy, the first account that does not tally (Form 16C item 6 or
    /// Part II), else the first irregularity the papers show.
    pub fn principal_finding(&self) -> Option<&Finding> {
        match self.verdict {
            VerdictKind::Violation => self.findings.iter().find(|finding| finding.kind == FindingKind::Violation),
            VerdictKind::Discrepancy => self
                .findings
                .iter()
                .find(|finding| matches!(finding.property, Some(Property::Item6 | Property::PartII)))
                .or_else(|| self.findings.iter().find(|finding| finding.kind == FindingKind::Discrepancy)),
            _ => None,
        }
    }
}

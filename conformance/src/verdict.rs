//! Verdicts and findings: what a replay says about a trace.

use evm_sim::forms::{Form23, Form24};
use evm_sim::Property;
use serde::{Deserialize, Serialize};

/// The verdict on one trace: the gravest grade of its findings (violation,
/// then discrepancy, then procedural, then advisory), or pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    /// Every rule held, the accounts tally and nothing calls for attention.
    Pass,
    /// The machine broke a property (or behaved unlike the reference).
    Violation,
    /// The papers do not tally (Form 16C item 6, Part II) or show a fact of
    /// the machine that the rules forbid (a vote after the close).
    Discrepancy,
    /// The machine did nothing wrong; the polling party did what a rule
    /// forbids (a companion twice, an elector admitted after the hour).
    Procedural,
    /// Lawful, but worth a reader's attention (an enable left pending and
    /// cancelled later; a machine that took one of two buttons pressed at once).
    Advisory,
    /// The trace itself is bad (or the target failed to answer).
    Error,
    /// The trace needs seeded defects the target cannot carry (a real board).
    NotApplicable,
    /// The trace could not be judged: the board, the link or the harness
    /// failed before it finished (`TraceOutcome::cause` says which). Never a
    /// pass, never a fail.
    Inconclusive,
}

impl VerdictKind {
    /// How grave: pass 0, advisory 1, procedural 2, discrepancy 3,
    /// violation 4 (error and not applicable are not grades: 0).
    pub fn gravity(self) -> u8 {
        match self {
            VerdictKind::Violation => 4,
            VerdictKind::Discrepancy => 3,
            VerdictKind::Procedural => 2,
            VerdictKind::Advisory => 1,
            VerdictKind::Pass | VerdictKind::Error | VerdictKind::NotApplicable | VerdictKind::Inconclusive => 0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Pass => "pass",
            VerdictKind::Violation => "violation",
            VerdictKind::Discrepancy => "discrepancy",
            VerdictKind::Procedural => "procedural",
            VerdictKind::Advisory => "advisory",
            VerdictKind::Error => "error",
            VerdictKind::NotApplicable => "not_applicable",
            VerdictKind::Inconclusive => "inconclusive",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The machine: a property broken, or unlike the reference model.
    Violation,
    /// The accounts, or a machine fact the papers show.
    Discrepancy,
    /// The polling party: an action a rule forbids.
    Procedural,
    /// Lawful, for the reader's attention.
    Advisory,
}

impl FindingKind {
    /// The verdict this grade of finding gives.
    pub fn verdict(self) -> VerdictKind {
        match self {
            FindingKind::Violation => VerdictKind::Violation,
            FindingKind::Discrepancy => VerdictKind::Discrepancy,
            FindingKind::Procedural => VerdictKind::Procedural,
            FindingKind::Advisory => VerdictKind::Advisory,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.verdict().as_str()
    }

    /// The order of gravity: the verdict is the gravest grade found.
    const GRAVEST_FIRST: [FindingKind; 4] =
        [FindingKind::Violation, FindingKind::Discrepancy, FindingKind::Procedural, FindingKind::Advisory];
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

    /// The polling party did what `rule` forbids; `property` when the rule
    /// is one of DOMAIN.md section 3's.
    pub fn procedural(
        property: Option<Property>,
        rule: &str,
        line: usize,
        event: String,
        expected: String,
        observed: String,
    ) -> Finding {
        Finding { kind: FindingKind::Procedural, property, rule: rule.to_owned(), line, event, expected, observed }
    }

    /// Lawful under `rule`, for the reader's attention.
    pub fn advisory(rule: &str, line: usize, event: String, expected: String, observed: String) -> Finding {
        Finding { kind: FindingKind::Advisory, property: None, rule: rule.to_owned(), line, event, expected, observed }
    }
}

/// Form 16C Part I items 2 to 9 as the replay found them, summed over the
/// polls not declared void.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOfVotes {
    pub item_2: u32,
    pub item_3: u32,
    pub item_4: u32,
    /// Item 5, as `Form16CPartOne::item_5`.
    pub item_5: u64,
    /// item 5 − (item 2 − item 3 − item 4): 0 when it tallies.
    pub item_6_discrepancy: i64,
    /// Voters to whom tendered ballot papers were issued (39O).
    pub item_7: u32,
    /// 8(b): tendered ballot papers issued.
    pub item_8_issued: u32,
    /// 8(c): tendered ballot papers not used and returned.
    pub item_8_not_used_and_returned: u64,
    /// 9.2: paper seals supplied.
    pub item_9_supplied: u64,
    /// 9.3: paper seals used, damaged ones included.
    pub item_9_used: u64,
    /// 9.4 = 9.2 − 9.3.
    pub item_9_unused_returned: u64,
    /// 9.5: paper seals damaged.
    pub item_9_damaged: u32,
}

/// The replay of one trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceOutcome {
    pub verdict: VerdictKind,
    pub findings: Vec<Finding>,
    /// Why the verdict is `error`, `not_applicable` or `inconclusive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who failed, when the verdict is `inconclusive`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<crate::target::FailureCause>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_of_votes: Option<AccountOfVotes>,
    /// Unit and station events replayed.
    pub events: usize,
    /// Form 16C Part I of each poll and Part II of each counted machine, as text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<String>,
    /// What the counting of the station's machines found, for a ward's
    /// Forms 23 and 24 (`crate::ward`).
    #[serde(skip)]
    pub station_count: Option<StationCount>,
}

/// A station's Part I (its current poll) and what the counting table found
/// on each of its machines.
#[derive(Clone, Debug, PartialEq)]
pub struct StationCount {
    /// The station's current poll was closed at the hour (not adjourned,
    /// not captured awaiting a fresh poll): 61P(1) counts it only then.
    pub poll_complete: bool,
    pub part_one: evm_sim::forms::Form16CPartOne,
    pub machines: Vec<MachineCount>,
}

/// One control unit at the counting table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineCount {
    pub control_unit: String,
    /// (round, table) where it was received; `None` if never received.
    pub round_and_table: Option<(u32, u32)>,
    /// Its paper seal at counting: intact or not; `None` if not inspected.
    pub seal_intact: Option<bool>,
    /// Set aside under 61G(4).
    pub tampered: bool,
    /// Part II: as written, else as the display showed it.
    pub part_two: Option<(Vec<u32>, u32)>,
    /// Checked by the observer's staff.
    pub observer_checked: bool,
}

impl TraceOutcome {
    pub fn from_findings(
        findings: Vec<Finding>,
        account_of_votes: Option<AccountOfVotes>,
        events: usize,
    ) -> TraceOutcome {
        let verdict = FindingKind::GRAVEST_FIRST
            .into_iter()
            .find(|kind| findings.iter().any(|finding| finding.kind == *kind))
            .map_or(VerdictKind::Pass, FindingKind::verdict);
        TraceOutcome {
            verdict,
            findings,
            reason: None,
            cause: None,
            account_of_votes,
            events,
            forms: Vec::new(),
            station_count: None,
        }
    }

    pub fn error(reason: String) -> TraceOutcome {
        TraceOutcome {
            verdict: VerdictKind::Error,
            findings: Vec::new(),
            reason: Some(reason),
            cause: None,
            account_of_votes: None,
            events: 0,
            forms: Vec::new(),
            station_count: None,
        }
    }

    /// The trace could not be judged: `cause` failed before it finished.
    pub fn inconclusive(cause: crate::target::FailureCause, reason: String) -> TraceOutcome {
        TraceOutcome { verdict: VerdictKind::Inconclusive, cause: Some(cause), ..TraceOutcome::error(reason) }
    }

    pub fn not_applicable(reason: String) -> TraceOutcome {
        TraceOutcome {
            verdict: VerdictKind::NotApplicable,
            findings: Vec::new(),
            reason: Some(reason),
            cause: None,
            account_of_votes: None,
            events: 0,
            forms: Vec::new(),
            station_count: None,
        }
    }

    /// The finding the verdict is about: the first of the verdict's grade;
    /// for a discrepancy, the first account that does not tally (Form 16C
    /// item 6 or Part II), else the first irregularity the papers show.
    pub fn principal_finding(&self) -> Option<&Finding> {
        let first_of = |kind: FindingKind| self.findings.iter().find(|finding| finding.kind == kind);
        match self.verdict {
            VerdictKind::Violation => first_of(FindingKind::Violation),
            VerdictKind::Discrepancy => self
                .findings
                .iter()
                .find(|finding| {
                    finding.kind == FindingKind::Discrepancy
                        && matches!(finding.property, Some(Property::Item6 | Property::PartII))
                })
                .or_else(|| first_of(FindingKind::Discrepancy)),
            VerdictKind::Procedural => first_of(FindingKind::Procedural),
            VerdictKind::Advisory => first_of(FindingKind::Advisory),
            _ => None,
        }
    }

    /// The machine's own verdict, apart from the papers: `violation` when
    /// the machine broke a property or behaved unlike the reference model,
    /// else `pass` (what a vendor certifying a device reads).
    pub fn machine_verdict(&self) -> VerdictKind {
        match self.verdict {
            VerdictKind::Error | VerdictKind::NotApplicable | VerdictKind::Inconclusive => self.verdict,
            VerdictKind::Violation => VerdictKind::Violation,
            _ => VerdictKind::Pass,
        }
    }
}

/// Forms 23 and 24 of a ward, as counted (`crate::ward`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WardFigures {
    pub form_23: Option<Form23>,
    pub form_24: Option<Form24>,
    /// Why there is no declaration (61P(1): a station awaits a fresh poll).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declaration_withheld: Option<String>,
}

//! What a run found, and the files it is written to: each trace's line
//! (`TraceReport`, with its four outcomes) and the run (`RunReport`, its
//! summary and exit status); judging an outcome against its expected
//! verdict ([`judge`]); the terminal's headline and summary
//! ([`terminal`]), JSON and JUnit XML ([`formats`]), the HTML page
//! ([`html`]).

pub mod formats;
pub mod html;
pub mod judge;
pub mod modes;
pub mod terminal;

pub use formats::{json, junit};
pub use judge::{file_excerpt, interrupted, judge, matches, summarize, EXCERPT_LINES};
pub use terminal::{headline, summary};

use crate::trace::ExpectedVerdict;
use crate::verdict::{AccountOfVotes, Finding, VerdictKind};
use evm_sim::Property;
use serde::Serialize;

/// Exit code: every verdict matched its expectation.
pub const EXIT_ALL_MATCH: u8 = 0;
/// Exit code: at least one verdict did not match.
pub const EXIT_MISMATCH: u8 = 1;
/// Exit code: bad usage, a missing or unreadable input, a malformed trace.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: no trace differed, but at least one could not be judged
/// (the board, the link or the harness failed): no verdict on the target.
pub const EXIT_INCONCLUSIVE: u8 = 3;
/// Exit code: stopped by SIGINT or SIGTERM (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// What became of one trace in a run: four outcomes, counted apart
/// everywhere (terminal, JSON, JUnit, HTML).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceStatus {
    /// Replayed; the verdict is the expected one.
    AsExpected,
    /// Replayed; the verdict differs from the expected one.
    Differs,
    /// Not run: the target cannot run it (`not_applicable`, with the reason).
    /// Nothing was checked, so nothing counts as caught.
    NotRun,
    /// Not judged: the trace or its expected-verdict file is missing or
    /// malformed (the reason names the file, line and column).
    Malformed,
    /// Stopped by a signal before it finished.
    Interrupted,
    /// Not judged: the board, the link or the harness failed before the
    /// trace finished (`cause` says which). Never a pass, never a fail.
    Inconclusive,
}

impl TraceStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            TraceStatus::AsExpected => "as expected",
            TraceStatus::Differs => "differs",
            TraceStatus::NotRun => "not run (not applicable)",
            TraceStatus::Malformed => "malformed input",
            TraceStatus::Interrupted => "interrupted",
            TraceStatus::Inconclusive => "inconclusive",
        }
    }
}

/// One trace's line in the run report.
#[derive(Clone, Debug, Serialize)]
pub struct TraceReport {
    pub path: String,
    pub status: TraceStatus,
    pub verdict: VerdictKind,
    /// The machine's own verdict, apart from the papers: `violation` or
    /// `pass` (`error`, `not_applicable` when the verdict is).
    pub machine_verdict: VerdictKind,
    pub property: Option<Property>,
    pub rule: Option<String>,
    pub line: Option<usize>,
    /// The trace did not differ from its expectation: as expected, or not
    /// run (see `status`, which tells them apart).
    pub matches_expected: bool,
    pub expected: Option<ExpectedVerdict>,
    /// Form 16C Part I items 2 to 6, where the trace keeps the station's papers.
    pub form_16c: Option<AccountOfVotes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who failed, for an `inconclusive` trace: `board`, `link` or `harness`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<crate::target::FailureCause>,
    pub findings: Vec<Finding>,
    pub events: usize,
    /// Form 16C as text (Part I per poll, Part II per counted machine); for
    /// a ward, Forms 23 and 24.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<String>,
    /// A ward's Forms 23 and 24 as figures (`crate::ward`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ward: Option<crate::verdict::WardFigures>,
    /// For a trace whose verdict is not the expected one: the lines around
    /// the finding (the header first), numbered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub excerpt: Vec<(usize, String)>,
    /// The board that ran it, and how (a board on a wire; absent in process).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub board: Option<crate::target::BoardIdentity>,
}

impl TraceReport {
    /// "violation ONE-VOTE", "pass", or "(no expected verdict)".
    pub fn expected_text(&self) -> String {
        self.expected.as_ref().map_or_else(
            || "(no expected verdict)".to_owned(),
            |expected| verdict_and_property(expected.verdict, expected.property),
        )
    }

    /// The verdict found, as `expected_text` writes it.
    pub fn observed_text(&self) -> String {
        verdict_and_property(self.verdict, self.property)
    }
}

fn verdict_and_property(verdict: VerdictKind, property: Option<Property>) -> String {
    match property {
        Some(property) => format!("{} {property}", verdict.as_str()),
        None => verdict.as_str().to_owned(),
    }
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub target: String,
    pub traces: Vec<TraceReport>,
    pub summary: Summary,
    /// A lab's boards (several `--target`s) and what became of each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub boards: Vec<crate::lab::BoardRecord>,
    /// `certify` on a board with test mode: the corpus run again in field
    /// mode, verdict by verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode_comparison: Option<modes::ModeComparison>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub traces: usize,
    /// Replayed with the expected verdict.
    pub as_expected: usize,
    /// Replayed with another verdict.
    pub differs: usize,
    /// Not run: the target could not (`not_applicable`).
    pub not_run: usize,
    /// Not judged: a missing or malformed trace or expected-verdict file.
    pub malformed: usize,
    /// Stopped by a signal.
    pub interrupted: usize,
    /// Not judged: the board, the link or the harness failed (status and
    /// verdict `inconclusive`).
    pub inconclusive: usize,
    pub pass: usize,
    pub violation: usize,
    pub discrepancy: usize,
    pub procedural: usize,
    pub advisory: usize,
    pub error: usize,
    pub not_applicable: usize,
    /// Properties found broken at least once in this run.
    pub properties_broken: Vec<Property>,
    /// Properties **caught**: a trace that breaks the property ran, and its
    /// verdict named it as expected.
    pub properties_caught: Vec<Property>,
    /// Properties no trace that breaks them ran for on this target (none,
    /// or only traces not run, malformed or interrupted): the run says
    /// nothing about them. A property exercised but not caught shows as a
    /// trace that differs.
    pub properties_not_exercised: Vec<Property>,
}

impl RunReport {
    /// Traces were given but the target could run none of them: the run
    /// says nothing about the target (exit status 2, never CONFORMS).
    pub fn nothing_ran(&self) -> bool {
        self.summary.as_expected
            + self.summary.differs
            + self.summary.malformed
            + self.summary.interrupted
            + self.summary.inconclusive
            == 0
    }

    /// Every trace that ran gave its expected verdict, and none was
    /// malformed, interrupted or inconclusive.
    pub fn all_match(&self) -> bool {
        self.summary.differs == 0
            && self.summary.malformed == 0
            && self.summary.interrupted == 0
            && self.summary.inconclusive == 0
    }

    /// The process's exit status (README): 130 interrupted, 2 a malformed
    /// input (or a lab board that was not there to use), 1 a verdict
    /// differs, 0 every applicable verdict as expected.
    pub fn exit_status(&self) -> u8 {
        let unusable_board = self.boards.iter().any(|board| board.unusable_from_the_start);
        let modes_differ = self.mode_comparison.as_ref().is_some_and(|comparison| !comparison.differing.is_empty());
        if self.summary.interrupted > 0 {
            crate::report::EXIT_INTERRUPTED
        } else if self.summary.malformed > 0 || self.nothing_ran() || unusable_board {
            crate::report::EXIT_USAGE
        } else if self.summary.differs > 0 || modes_differ {
            crate::report::EXIT_MISMATCH
        } else if self.summary.inconclusive > 0 {
            crate::report::EXIT_INCONCLUSIVE
        } else {
            crate::report::EXIT_ALL_MATCH
        }
    }
}

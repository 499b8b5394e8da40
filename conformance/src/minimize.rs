//! `evm-conformance minimize`: delta debugging (Zeller and Hildebrandt's
//! ddmin) of a failing trace down to a smallest trace that still fails with
//! the same property and rule, so that an engineer reads 5 lines, not 5,000.

use crate::replay::replay;
use crate::target::Target;
use crate::trace::{Trace, TraceLine};
use crate::verdict::VerdictKind;
use evm_sim::Property;

/// What "still fails" means: the same verdict kind, property and rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub verdict: VerdictKind,
    pub property: Option<Property>,
    pub rule: String,
}

/// Most replays one minimisation may spend.
pub const MAX_REPLAYS: usize = 200_000;

/// The failure of `trace` on `target`, or `None` if it passes (or errs).
pub fn failure_of(trace: &Trace, target: &mut dyn Target) -> Option<Failure> {
    let outcome = replay(trace, target);
    let principal = outcome.principal_finding()?;
    Some(Failure { verdict: outcome.verdict, property: principal.property, rule: principal.rule.clone() })
}

fn with_lines(trace: &Trace, lines: &[TraceLine]) -> Trace {
    let lines = lines.iter().enumerate().map(|(index, line)| TraceLine { line: index + 2, ..line.clone() }).collect();
    Trace { path: trace.path.clone(), header: trace.header.clone(), lines }
}

/// The outcome of a minimisation.
pub struct Minimized {
    pub trace: Trace,
    pub failure: Failure,
    pub replays: usize,
}

/// Shrinks `trace` to a 1-minimal trace (no single line can be removed)
/// failing as it does. `None` when the trace does not fail on `target`.
pub fn minimize(trace: &Trace, target: &mut dyn Target) -> Option<Minimized> {
    let failure = failure_of(trace, target)?;
    let mut replays = 1;
    let mut still_fails = |lines: &[TraceLine], replays: &mut usize| -> bool {
        *replays += 1;
        failure_of(&with_lines(trace, lines), target).as_ref() == Some(&failure)
    };
    let mut lines = trace.lines.clone();
    // ddmin: remove chunks while the failure stays; refine the chunks when none can go.
    let mut chunks = 2usize;
    while lines.len() >= 2 && replays < MAX_REPLAYS {
        let size = lines.len().div_ceil(chunks);
        let mut removed = false;
        let mut start = 0;
        while start < lines.len() && replays < MAX_REPLAYS {
            let end = (start + size).min(lines.len());
            let complement: Vec<TraceLine> = lines[..start].iter().chain(&lines[end..]).cloned().collect();
            if still_fails(&complement, &mut replays) {
                lines = complement;
                removed = true;
                chunks = chunks.saturating_sub(1).max(2);
                break;
            }
            start = end;
        }
        if !removed {
            if chunks >= lines.len() {
                break;
            }
            chunks = (chunks * 2).min(lines.len());
        }
    }
    Some(Minimized { trace: with_lines(trace, &lines), failure, replays })
}

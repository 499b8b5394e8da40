//! What a host does between two poll days on a field board (docs/PROTOCOL.md
//! section 6, "Between poll days"): the result read and cleared, the
//! machine readied by the first-level check, the balloting units detached,
//! the power off — then the state read back and compared with a new
//! machine's. A board without test mode keeps its state from one trace to
//! the next; this is how the harness gives each trace the machine it starts
//! from, by the machine's own buttons, erasing nothing that was not read.

use super::wire::WireTarget;
use super::{FailureCause, TargetError};
use evm_sim::protocol::message::{NackReason, Reply, Request, StateReport};
use evm_sim::unit::{Input, ResultSeal};
use evm_sim::{Refusal, Timestamp};

/// What the procedure found and did, for the log and the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readied {
    /// Votes the board held, read with `Result` before `Clear` erased them.
    pub votes_cleared: u32,
}

/// Brings the board behind `target` back to a new machine's state.
/// `votes_are_ours`: the votes it holds were recorded by this harness since
/// it connected; otherwise a board holding votes is left as it is (they may
/// be a poll's) and the error says how to clear it by hand.
pub fn ready_for_next_poll_day(
    target: &mut WireTarget,
    now: Timestamp,
    votes_are_ours: bool,
) -> Result<Readied, TargetError> {
    let before = read_state(target)?;
    if before.fail_safe {
        return Err(unusable(target, "is fail-safe (its case was opened): only its factory can clear that"));
    }
    if before.memory_inconsistent {
        return Err(unusable(target, "reports a memory fault: its memory is kept for the factory, not cleared"));
    }
    if before.total > 0 && !votes_are_ours {
        return Err(unusable(
            target,
            format!(
                "holds {} votes recorded before this run: the harness clears only votes it recorded itself \
                 (Close, break the seal, Result, write the result down, Clear — then connect it again)",
                before.total
            ),
        ));
    }
    let maximum_units = target.board_profile().balloting_units_max;
    // Refusals along the way are expected (a `Close` on a closed machine,
    // `Result` on a machine with no candidates): only the check's own
    // answer and the state read back at the end decide.
    for input in [Input::BatteryLevel { percent: 100 }, Input::PowerOn { held_button: None }, Input::Close] {
        press(target, now, input)?;
    }
    if before.result_seal == ResultSeal::Intact {
        press(target, now, Input::BreakResultSeal)?;
    }
    press(target, now, Input::Result)?;
    let votes_cleared = match target.call(&Request::ReadResult)? {
        Reply::Result { total, .. } => total,
        _ => 0,
    };
    press(target, now, Input::Clear)?;
    if let Some(refusal) = press(target, now, Input::FirstLevelCheck)? {
        return Err(unusable(target, format!("refused the first-level check: {refusal}")));
    }
    for position in 1..=maximum_units {
        press(target, now, Input::DetachBallotingUnit { position })?;
    }
    press(target, now, Input::PowerOff)?;
    let after = read_state(target)?;
    if let Some(difference) = difference_from_new(&after) {
        return Err(unusable(target, format!("after the procedure {difference}")));
    }
    if votes_cleared > 0 {
        tracing::info!(target = %target_name(target), votes_cleared, "result read and cleared between poll days");
    }
    Ok(Readied { votes_cleared })
}

/// How a state read back differs from a new machine's (switched off, not
/// closed, no ballot enabled, no seal fixed, no candidates, no votes).
pub fn difference_from_new(state: &StateReport) -> Option<String> {
    let differences: Vec<String> = [
        (state.powered, "it is switched on".to_owned()),
        (state.closed, "it is closed".to_owned()),
        (state.ballot_enabled, "a ballot is enabled".to_owned()),
        (state.fail_safe, "it is fail-safe".to_owned()),
        (state.memory_inconsistent, "it reports a memory fault".to_owned()),
        (state.result_seal != ResultSeal::NotFixed, "a result seal is recorded".to_owned()),
        (state.candidates != 0, format!("it has {} candidates set", state.candidates)),
        (state.total != 0, format!("it holds {} votes", state.total)),
    ]
    .into_iter()
    .filter_map(|(differs, what)| differs.then_some(what))
    .collect();
    (!differences.is_empty()).then(|| format!("it reads back unlike a new machine: {}", differences.join(", ")))
}

fn target_name(target: &WireTarget) -> String {
    super::Target::name(target)
}

fn unusable(target: &WireTarget, why: impl std::fmt::Display) -> TargetError {
    TargetError::new(
        target_name(target),
        FailureCause::Board,
        format!("cannot be brought back to a new machine between poll days: the board {why}"),
    )
}

fn read_state(target: &mut WireTarget) -> Result<StateReport, TargetError> {
    match target.call(&Request::ReadState)? {
        Reply::State(state) => Ok(state),
        other => Err(unusable(target, format!("answered READ_STATE with {}", other.describe()))),
    }
}

/// Sends one input; its refusal, if any. A `NACK` (a memory fault, a frame
/// the board could not read) ends the procedure.
fn press(target: &mut WireTarget, now: Timestamp, input: Input) -> Result<Option<Refusal>, TargetError> {
    match target.call(&Request::Input { at: now, input })? {
        Reply::Input(outcome) => Ok(outcome.refusal),
        Reply::Nack(NackReason::MemoryFault) => {
            Err(unusable(target, "refuses every input (NACK memory_fault): its memory is kept for the factory"))
        }
        other => Err(unusable(target, format!("answered {} with {}", super::input_in_words(input), other.describe()))),
    }
}

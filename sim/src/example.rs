//! An example poll day, end to end, on one unit: preparation, mock poll and
//! `Close` → `Result` → `Clear`, the paper seal, the poll, `Close`, and the
//! count at the counting table. Used by `evm-sim demo`.

use crate::profile::MachineProfile;
use crate::time::Timestamp;
use crate::unit::{ButtonAddress, ControlUnit, Input};
use std::fmt::Write;

/// Runs an example poll day of `electors` votes over `candidates` candidates
/// and returns its log, the counts and the total as read with `Result`.
pub fn example_poll_day(candidates: u16, electors: u32) -> Result<(String, Vec<u32>, u32), String> {
    let mut log = String::new();
    let mut unit = ControlUnit::new(MachineProfile::m2());
    let mut now = Timestamp::from_clock(5, 30, 0);
    let step = |unit: &mut ControlUnit, now: &mut Timestamp, input: Input| {
        *now = now.plus_milliseconds(13_000);
        let reaction = unit.step(*now, input);
        if let Some(refusal) = reaction.refusal {
            return Err(format!("{now} {input:?} refused: {refusal}"));
        }
        Ok(reaction)
    };
    let units = MachineProfile::m2().balloting_units_for(candidates);
    for position in 1..=units {
        step(&mut unit, &mut now, Input::AttachBallotingUnit { position })?;
    }
    step(&mut unit, &mut now, Input::PowerOn { held_button: None })?;
    step(&mut unit, &mut now, Input::CandSet { candidates })?;
    step(&mut unit, &mut now, Input::SealCandidateSetSection)?;
    let _ = writeln!(log, "{now} candidate set: {candidates} candidates + NOTA on {units} balloting unit(s), sealed");
    let buttons = unit.ballot_buttons();
    for entry in 1..=buttons {
        let address = ButtonAddress::of_ballot_entry(entry).ok_or("ballot entry out of range")?;
        step(&mut unit, &mut now, Input::Ballot)?;
        step(&mut unit, &mut now, Input::PressButton { address })?;
    }
    let _ = writeln!(log, "{now} mock poll: one vote per button, total {}", unit.total());
    for input in [Input::Close, Input::Result, Input::Clear, Input::Total] {
        step(&mut unit, &mut now, input)?;
    }
    let _ = writeln!(log, "{now} Close, Result, Clear; Total shows {:?} (39E(2))", unit.display().text().as_str());
    step(&mut unit, &mut now, Input::FixResultSeal)?;
    now = Timestamp::from_clock(7, 0, 0);
    for elector in 0..electors {
        // A deterministic spread of choices over every button.
        let entry = ((u64::from(elector) * 7 + u64::from(elector / 3)) % u64::from(buttons)) as u16 + 1;
        let address = ButtonAddress::of_ballot_entry(entry).ok_or("ballot entry out of range")?;
        step(&mut unit, &mut now, Input::Ballot)?;
        step(&mut unit, &mut now, Input::PressButton { address })?;
    }
    let _ = writeln!(log, "{now} poll: {electors} electors voted");
    step(&mut unit, &mut now, Input::Close)?;
    let _ = writeln!(log, "{now} Close: {:?}", unit.display().text().as_str());
    step(&mut unit, &mut now, Input::DetachBallotingUnit { position: 1 })?;
    step(&mut unit, &mut now, Input::BreakResultSeal)?;
    step(&mut unit, &mut now, Input::Result)?;
    let readout = unit.result_readout().map_err(|refusal| refusal.to_string())?;
    let _ = writeln!(log, "{now} counting: seal broken, Result: {:?}", unit.display().text().as_str());
    for (index, count) in readout.counts.iter().enumerate() {
        let label = if index + 1 == readout.counts.len() {
            "NOTA        ".to_owned()
        } else {
            format!("CANDIDATE {:02}", index + 1)
        };
        let _ = writeln!(log, "    {label} {count}");
    }
    Ok((log, readout.counts.to_vec(), readout.total))
}

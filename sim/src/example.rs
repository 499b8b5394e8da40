//! An example poll day, end to end, at one polling station with one
//! machine: supplies, the machine set up and its mock poll cleared, the
//! paper seal, every elector through Form 16A to the balloting unit, the
//! close of poll, and the count at the counting table. `evm-sim demo`
//! prints its Form 16C (Part I as the presiding officer writes it, Part II
//! as the counting table fills it) and the result.

use crate::forms::text;
use crate::profile::MachineProfile;
use crate::station::counting::Counting;
use crate::station::{Election, PollDay, StationAction, StationIdentity};
use crate::time::Timestamp;
use crate::Defects;
use std::fmt::Write;

/// The example's figures and forms.
pub struct ExamplePollDay {
    /// Form 16C (Part I, then Part II) and Form 23, as printed.
    pub forms: String,
    /// The votes per ballot button (candidates, then NOTA), as `Result` showed them.
    pub counts: Vec<u32>,
    pub total: u32,
}

/// Runs an example poll day of `electors` votes over `candidates`
/// candidates (and NOTA) at a station of `electors + electors / 4` electors.
pub fn example_poll_day(candidates: u16, electors: u32) -> Result<ExamplePollDay, String> {
    let identity = StationIdentity {
        election: Election::MunicipalWard,
        municipality: "Demonstration Municipality".to_owned(),
        ward: 1,
        number: 1,
        part_number: String::new(),
        name: "Primary School, Room 1".to_owned(),
        date_of_poll: "01-01-2027".to_owned(),
    };
    let profile = MachineProfile::m2();
    let on_roll = electors + electors / 4;
    let mut day = PollDay::new(identity, on_roll, candidates, profile).map_err(|error| error.to_string())?;
    let mut now = Timestamp::from_clock(5, 30, 0);
    let act = |day: &mut PollDay, now: &mut Timestamp, action: StationAction| {
        *now = now.plus_milliseconds(13_000);
        day.act(*now, action).map(|_| ()).map_err(|error| error.to_string())
    };
    act(&mut day, &mut now, StationAction::PaperSealsSupplied { first_serial: 101, last_serial: 105 })?;
    act(&mut day, &mut now, StationAction::TenderedBallotPapersReceived { first_serial: 1, last_serial: 10 })?;
    day.install_machine(now, "CU-DEMO-1", Defects::NONE).map_err(|error| error.to_string())?;
    act(&mut day, &mut now, StationAction::MockPollHeld { votes: 50, cleared: true })?;
    now = now.plus_milliseconds(50 * 13_000);
    act(&mut day, &mut now, StationAction::PaperSealFixed { serial: 101 })?;
    now = now.max(Timestamp::from_clock(7, 0, 0));
    act(&mut day, &mut now, StationAction::PollOpened { total_shown: 0 })?;
    let buttons = u64::from(profile.ballot_buttons_for(candidates));
    for elector in 1..=electors {
        // A deterministic spread of choices over every button.
        let entry = ((u64::from(elector) * 7 + u64::from(elector / 3)) % buttons) as u16 + 1;
        now = now.plus_milliseconds(13_000);
        day.elector_votes(now, elector, entry).map_err(|error| error.to_string())?;
    }
    now = now.max(Timestamp::from_clock(17, 0, 0));
    act(&mut day, &mut now, StationAction::CloseOfPollHour {})?;
    act(&mut day, &mut now, StationAction::PollClosed { total_shown: 0 })?;
    let names: Vec<String> = (1..=candidates).map(|number| format!("Candidate {number:02}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut counting = Counting::new("Demonstration Municipality", 1, "01-01-2027", &names, profile.none_of_the_above)
        .map_err(|error| error.to_string())?;
    day.count(now.plus_milliseconds(3_600_000), &mut counting).map_err(|error| error.to_string())?;
    let form = counting.form_16c(1).map_err(|error| error.to_string())?;
    let counts: Vec<u32> = form
        .part_two
        .first()
        .map(|part_two| part_two.candidates.iter().map(|line| u32::try_from(line.votes).unwrap_or(u32::MAX)).collect())
        .unwrap_or_default();
    let total = form.part_two.first().map_or(0, |part_two| part_two.total_shown);
    let mut forms = text::form_16c(&form);
    if let Ok(form_23) = counting.form_23() {
        let _ = write!(forms, "\n{}", text::form_23(&form_23));
    }
    Ok(ExamplePollDay { forms, counts, total })
}

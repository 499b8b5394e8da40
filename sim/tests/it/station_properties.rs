//! Properties over random poll days: no input panics, a refused action
//! changes nothing, no elector gets two Form 16A entries, and every
//! discrepancy of item 6 is explained by the irregularities the papers record.

use crate::station_common::*;
use evm_sim::forms::ItemSixTally;
use evm_sim::station::{
    CompanionRefusal, DepositOutcome, InkCheckFailure, Irregularity, StationAction, TenderedBallotPaperRefusal,
};
use evm_sim::{PollingStation, Timestamp};
use proptest::prelude::*;
use std::collections::BTreeSet;

const ELECTORS: u32 = 6;

/// Any action, with electors a little beyond the roll part and serial
/// numbers around the fixtures' supplies.
fn any_action() -> impl Strategy<Value = StationAction> {
    (0u8..30, 0u32..ELECTORS + 3, 995u32..1015, any::<bool>(), 0u32..4).prop_map(
        |(kind, elector, serial, flag, small)| match kind {
            0 => StationAction::MachineInstalled { control_unit: format!("CU-{small}") },
            1 => StationAction::MockPollHeld { votes: small, cleared: flag },
            2 => StationAction::PaperSealsSupplied { first_serial: 1000, last_serial: 1000 + small * 3 },
            3 => StationAction::PaperSealFixed { serial },
            4 => StationAction::PaperSealDamaged { serial },
            5 => StationAction::TenderedBallotPapersReceived { first_serial: 1001, last_serial: 1001 + small * 2 },
            6 => StationAction::PollOpened { total_shown: small % 2 },
            7 => StationAction::ElectorArrived { elector },
            8 => StationAction::ElectorIdentified { elector },
            9 => StationAction::IdentityChallenged { elector, challenger: "agent".to_owned() },
            10 => StationAction::ChallengeDecided {
                elector,
                established: flag,
                deposit: if small % 2 == 0 { DepositOutcome::Returned } else { DepositOutcome::Forfeited },
            },
            11 => StationAction::InkMarked { elector },
            12 => StationAction::InkCheckFailed { elector, reason: InkCheckFailure::NoIdentityCard },
            13 => StationAction::EnteredInRegister { elector, thumb_impression: flag },
            14 => StationAction::CompanionPermitted { elector, companion: format!("companion {small}") },
            15 => StationAction::BallotPressed { elector },
            16 => StationAction::VoteRecorded {},
            17 => StationAction::DecidedNotToVote { elector, cancelled_enable: flag },
            18 => StationAction::NotAllowedToVote { elector, cancelled_enable: flag },
            19 => StationAction::TenderedBallotPaperIssued { elector, ballot_paper: serial, thumb_impression: flag },
            20 => StationAction::PresidingOfficerEnteredCompartment { polling_agents_accompanied: flag },
            21 => StationAction::CloseOfPollHour {},
            22 => StationAction::PollClosed { total_shown: small },
            23 => StationAction::BoothCaptured { total_shown: small },
            24 => StationAction::PollAdjourned { total_shown: small },
            25 => StationAction::MachineFailed { total_shown: small },
            26 => StationAction::EnableCancelled {},
            27 => StationAction::CompanionRefused { elector, reason: CompanionRefusal::CompanionUnderEighteen },
            28 => StationAction::TenderedBallotPaperRefused {
                elector,
                reason: TenderedBallotPaperRefusal::IdentityNotEstablished,
            },
            _ => StationAction::FreshPollOrdered {},
        },
    )
}

proptest! {
    #[test]
    fn a_refused_action_changes_nothing_and_nothing_panics(actions in prop::collection::vec(any_action(), 0..300)) {
        let mut station = PollingStation::new(identity(1), ELECTORS).expect("station");
        for (index, action) in actions.iter().enumerate() {
            let before = station.clone();
            let now = Timestamp::from_seconds(index as u64 * 13);
            if station.apply(now, action).is_err() {
                prop_assert_eq!(&station, &before, "a refused {:?} changed the station", action);
            }
            let register = station.form_16a();
            let electors: BTreeSet<u32> = register.entries.iter().map(|entry| entry.elector).collect();
            prop_assert!(
                electors.len() == register.entries.len() || station.current_poll().session() > 0,
                "two entries for one elector in one session"
            );
            if let Ok(part_one) = station.form_16c_part_one() {
                prop_assert_eq!(part_one.voters_in_register as usize, register.entries.len());
                prop_assert!(part_one.voters_deciding_not_to_vote + part_one.voters_not_allowed_to_vote <= part_one.voters_in_register);
                prop_assert_eq!(part_one.voters_issued_tendered_ballot_papers as usize, station.form_16b().entries.len());
            }
            let _ = station.findings();
        }
    }
}

proptest! {
    /// `apply_noting` with one buffer for every action (the replay's hot
    /// path) is `apply`: the same refusals, the same papers, and the buffer
    /// holds exactly the irregularities `apply` returned, in order — pushed
    /// onto what it held, never cleared, and nothing from a refused action.
    #[test]
    fn applying_into_one_buffer_is_applying(actions in prop::collection::vec(any_action(), 0..300)) {
        let mut by_apply = PollingStation::new(identity(1), ELECTORS).expect("station");
        let mut by_noting = by_apply.clone();
        let mut noted = evm_sim::station::Accepted::default();
        let mut applied_so_far = Vec::new();
        for (index, action) in actions.iter().enumerate() {
            let now = Timestamp::from_seconds(index as u64 * 13);
            let noting = by_noting.apply_noting(now, action, &mut noted);
            let applied = by_apply.apply(now, action);
            prop_assert_eq!(noting.is_ok(), applied.is_ok(), "{:?}", action);
            if let Ok(accepted) = applied {
                applied_so_far.extend(accepted.irregularities);
            }
            prop_assert_eq!(&noted.irregularities, &applied_so_far, "{:?}", action);
            prop_assert_eq!(&by_noting, &by_apply);
        }
    }
}

/// One step of an elector-level random poll day on a conforming machine.
#[derive(Clone, Debug)]
enum Step {
    Enter(u32),
    Ballot(u32),
    Press(u16),
    DecidedNotToVote(u32, bool),
    NotAllowedToVote(u32, bool),
}

fn any_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1..=ELECTORS).prop_map(Step::Enter),
        (1..=ELECTORS).prop_map(Step::Ballot),
        (1..=NOTA).prop_map(Step::Press),
        (1..=ELECTORS, any::<bool>()).prop_map(|(elector, cancel)| Step::DecidedNotToVote(elector, cancel)),
        (1..=ELECTORS, any::<bool>()).prop_map(|(elector, cancel)| Step::NotAllowedToVote(elector, cancel)),
    ]
}

proptest! {
    /// Item 5 − (2 − 3 − 4) = votes nobody was permitted − enables lost at
    /// close − entries left without a vote or remark: the papers explain every discrepancy of a poll on a conforming
    /// machine, whatever the officers forget.
    #[test]
    fn item_six_is_explained_by_the_irregularities(steps in prop::collection::vec(any_step(), 0..60)) {
        let mut day = station_open(1, ELECTORS);
        for step in steps {
            let _ = match step {
                Step::Enter(elector) => {
                    let _ = day.try_act(StationAction::ElectorIdentified { elector });
                    let _ = day.try_act(StationAction::InkMarked { elector });
                    day.try_act(StationAction::EnteredInRegister { elector, thumb_impression: false }).map(|_| ())
                }
                Step::Ballot(elector) => day.try_act(StationAction::BallotPressed { elector }).map(|_| ()),
                Step::Press(candidate) => {
                    day.press(candidate);
                    Ok(())
                }
                Step::DecidedNotToVote(elector, cancelled_enable) => {
                    day.try_act(StationAction::DecidedNotToVote { elector, cancelled_enable }).map(|_| ())
                }
                Step::NotAllowedToVote(elector, cancelled_enable) => {
                    day.try_act(StationAction::NotAllowedToVote { elector, cancelled_enable }).map(|_| ())
                }
            };
        }
        day.close();
        let part_one = day.part_one();
        let irregularities = day.poll_day.station().irregularities();
        let unpermitted = irregularities.iter().filter(|found| matches!(found, Irregularity::VoteWithoutPermission { .. })).count() as i64;
        let lost = irregularities.iter().filter(|found| matches!(found, Irregularity::PendingEnableAtClose { .. })).count() as i64;
        let waiting = irregularities.iter().filter(|found| matches!(found, Irregularity::EnteredWithoutVote { .. })).count() as i64;
        prop_assert_eq!(part_one.item_six.difference(), unpermitted - lost - waiting, "{:?}", irregularities);
        prop_assert_eq!(part_one.item_5, u64::from(day.machine_total()));
        if unpermitted == lost + waiting {
            prop_assert_eq!(part_one.item_six, ItemSixTally::Tallies);
        }
        let register = day.poll_day.station().form_16a();
        let electors: BTreeSet<u32> = register.entries.iter().map(|entry| entry.elector).collect();
        prop_assert_eq!(electors.len(), register.entries.len(), "one Form 16A entry per elector");
    }
}

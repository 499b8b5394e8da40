//! Arbitrary officers' and electors' actions into the polling station, with
//! Form 16C checked after every step.

use arbitrary::Unstructured;
use evm_sim::forms::ItemSixTally;
use evm_sim::station::{
    CompanionRefusal, DepositOutcome, InkCheckFailure, Irregularity, MachineCloseCause, StationAction, StationPhase,
    TenderedBallotPaperRefusal, MAX_IRREGULARITIES_PER_POLL,
};
use evm_sim::{PollingStation, StationIdentity, Timestamp};

/// Names that are one person (case and blanks differ), another person, and
/// one longer than any name may be.
const NAMES: [&str; 5] = ["Agent Rao", " agent rao ", "Agent Sen", "CU-1", "CU-2"];

fn name(unstructured: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    Ok(if unstructured.ratio(1u8, 64)? {
        "x".repeat(121)
    } else {
        NAMES[unstructured.choose_index(NAMES.len())?].to_owned()
    })
}

/// Any station action, with electors a little beyond the roll part and
/// serial numbers around the supplies, so that refusals and acceptances mix.
fn action(unstructured: &mut Unstructured<'_>, electors: u32) -> arbitrary::Result<StationAction> {
    let elector = unstructured.int_in_range(0..=electors + 2)?;
    let serial = unstructured.int_in_range(998..=1010)?;
    let flag: bool = unstructured.arbitrary()?;
    let small = unstructured.int_in_range(0..=4u32)?;
    Ok(match unstructured.int_in_range(0..=31u8)? {
        0 => StationAction::MachineInstalled { control_unit: name(unstructured)? },
        1 => StationAction::MockPollHeld {
            votes: if flag { small } else { unstructured.arbitrary()? },
            cleared: small != 1,
        },
        2 => StationAction::PaperSealsSupplied { first_serial: 1000, last_serial: 1000 + small * 3 },
        3 => StationAction::PaperSealFixed { serial },
        4 => StationAction::PaperSealDamaged { serial },
        5 => StationAction::TenderedBallotPapersReceived { first_serial: 1001, last_serial: 1001 + small * 2 },
        6 => StationAction::PollOpened { total_shown: if small == 4 { 1 } else { 0 } },
        7 => StationAction::ElectorArrived { elector },
        8 | 9 => StationAction::ElectorIdentified { elector },
        10 => StationAction::IdentityChallenged { elector, challenger: name(unstructured)? },
        11 => StationAction::ChallengeDecided {
            elector,
            established: flag,
            deposit: if small % 2 == 0 { DepositOutcome::Returned } else { DepositOutcome::Forfeited },
        },
        12 | 13 => StationAction::InkMarked { elector },
        14 => StationAction::InkCheckFailed { elector, reason: InkCheckFailure::AlreadyMarked },
        15 | 16 => StationAction::EnteredInRegister { elector, thumb_impression: flag },
        17 => StationAction::CompanionPermitted { elector, companion: name(unstructured)? },
        18 | 19 => StationAction::BallotPressed { elector },
        20 | 21 => StationAction::VoteRecorded {},
        22 => StationAction::DecidedNotToVote { elector, cancelled_enable: flag },
        23 => StationAction::NotAllowedToVote { elector, cancelled_enable: flag },
        24 => StationAction::TenderedBallotPaperIssued { elector, ballot_paper: serial, thumb_impression: flag },
        25 => StationAction::PresidingOfficerEnteredCompartment { polling_agents_accompanied: flag },
        26 => StationAction::CloseOfPollHour {},
        27 => {
            // What the machine showed: mostly a plausible total, sometimes anything.
            let total_shown = if flag { small } else { unstructured.arbitrary()? };
            match small {
                0 | 1 => StationAction::PollClosed { total_shown },
                2 => StationAction::BoothCaptured { total_shown },
                3 => StationAction::PollAdjourned { total_shown },
                _ => StationAction::MachineFailed { total_shown },
            }
        }
        28 => StationAction::PollClosed { total_shown: small },
        29 => StationAction::MachineFailed { total_shown: small },
        30 => StationAction::PollAdjourned { total_shown: small },
        _ => match small {
            0 | 1 => StationAction::FreshPollOrdered {},
            2 => StationAction::EnableCancelled {},
            3 => StationAction::CompanionRefused { elector, reason: CompanionRefusal::DeclarationRefused },
            _ => StationAction::TenderedBallotPaperRefused {
                elector,
                reason: TenderedBallotPaperRefusal::IdentityNotEstablished,
            },
        },
    })
}

/// Checks Form 16C Part I of the current poll, when it can be prepared.
fn check_form_16c(station: &PollingStation) {
    let Ok(part_one) = station.form_16c_part_one() else { return };
    let poll = station.current_poll();
    let register = station.form_16a();
    assert_eq!(part_one.voters_in_register as usize, register.entries.len(), "item 2 is not Form 16A");
    assert!(
        part_one.voters_deciding_not_to_vote + part_one.voters_not_allowed_to_vote <= part_one.voters_in_register,
        "items 3 and 4 exceed item 2"
    );
    assert_eq!(part_one.voters_issued_tendered_ballot_papers as usize, station.form_16b().entries.len(), "item 7");
    let used: Vec<_> = poll.machines().iter().filter(|machine| machine.used()).collect();
    let item_5: u64 = used.iter().map(|machine| u64::from(machine.total_at_close.unwrap_or(0))).sum();
    assert_eq!(part_one.item_5, item_5, "item 5 is not the totals shown at close");
    assert_eq!(
        part_one.item_six,
        ItemSixTally::compare(
            item_5,
            u64::from(part_one.voters_in_register),
            u64::from(part_one.voters_deciding_not_to_vote),
            u64::from(part_one.voters_not_allowed_to_vote)
        ),
        "item 6"
    );
    // Item 5 − (2 − 3 − 4) is what the papers' irregularities explain: the
    // totals shown beyond the votes reported (at opening and at close), the
    // votes nobody was permitted, less the enables lost at close and the
    // entries left without a vote or remark. A poll whose last machine
    // failed is waiting for a replacement: its entries are not settled yet.
    let last_close = poll.machines().iter().rev().find_map(|machine| machine.close_cause);
    if last_close == Some(MachineCloseCause::Failed) || poll.irregularities().len() >= MAX_IRREGULARITIES_PER_POLL {
        return;
    }
    let explained: i64 = poll
        .irregularities()
        .iter()
        .map(|irregularity| match irregularity {
            Irregularity::ZeroNotShown { total_shown, .. } => i64::from(*total_shown),
            Irregularity::TotalDiffersFromVotesReported { total_shown, expected, .. } => {
                i64::from(*total_shown) - *expected as i64
            }
            Irregularity::VoteWithoutPermission { .. } => 1,
            Irregularity::PendingEnableAtClose { .. } | Irregularity::EnteredWithoutVote { .. } => -1,
            _ => 0,
        })
        .sum();
    assert_eq!(
        part_one.item_six.difference(),
        explained,
        "ITEM-6: the discrepancy is not what the irregularities explain: {:?}",
        poll.irregularities()
    );
}

/// Target `station_model`: byte 0 sets the electors on the roll part (1 to
/// 12); the rest are actions and the time between them. No action panics; a
/// refused action changes nothing; Form 16A has one entry per elector and
/// session; Form 16C's items follow the papers and item 6 is explained by
/// the irregularities.
pub fn station_model(data: &[u8]) {
    let mut unstructured = Unstructured::new(data);
    let electors = 1 + u32::from(unstructured.arbitrary::<u8>().unwrap_or(0) % 12);
    let identity = StationIdentity {
        election: evm_sim::Election::MunicipalWard,
        municipality: "Fuzzpur".to_owned(),
        ward: 1,
        number: 1,
        part_number: String::new(),
        name: "Fuzz School".to_owned(),
        date_of_poll: "01-01-2026".to_owned(),
    };
    let mut station = PollingStation::new(identity, electors).expect("a small station");
    let mut now = Timestamp::from_clock(6, 0, 0);
    for _ in 0..super::MAX_STEPS {
        if unstructured.is_empty() {
            break;
        }
        let Ok(action) = action(&mut unstructured, electors) else { break };
        now = now.plus_milliseconds(unstructured.int_in_range(0..=60_000u64).unwrap_or(0));
        let before = station.clone();
        if let Err(refusal) = station.apply(now, &action) {
            assert_eq!(station, before, "a refused {action:?} ({refusal}) changed the station");
        }
        let register = station.form_16a();
        let mut entries: Vec<u32> = register.entries.iter().map(|entry| entry.elector).collect();
        entries.sort_unstable();
        entries.dedup();
        assert!(
            entries.len() == register.entries.len() || station.current_poll().session() > 0,
            "two Form 16A entries for one elector in one session"
        );
        assert!(station.phase() != StationPhase::Voided, "the current poll is never the voided one");
        check_form_16c(&station);
        let _ = station.findings();
    }
}

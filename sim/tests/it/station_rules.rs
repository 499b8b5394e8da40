//! The station's rules, one test per rule, reading like the rule. Each
//! station-level property of DOMAIN.md section 3 (ITEM-6, TENDERED, ADJOURN,
//! BOOTH-CAPTURE, PART-II) is shown in both directions: a poll where it holds
//! and the papers say so, and a poll where it is broken (an officer's slip, a
//! bypass of the papers, a defective machine) and the model or the forms catch
//! it. Figures expected are counted from the script of each test, not read
//! back from the code under test.

use crate::station_common::*;
use evm_sim::forms::{text, ItemSixTally, Remark};
use evm_sim::station::{
    DepositOutcome, ElectorStatus, EntryProgress, InkCheckFailure, Irregularity, StationAction, StationPhase,
};
use evm_sim::unit::Input;
use evm_sim::{Defects, Property, Refusal, StationRefusal};
use rstest::rstest;

// ----------------------------------------------------------------- ITEM-6 --

#[test]
fn item_six_tallies_when_every_entry_is_a_vote_or_a_remark() {
    let mut day = station_open(1, 20);
    for elector in 1..=6 {
        day.vote(elector, (elector % 4) as u16 + 1);
    }
    // 39N before Ballot: nothing to cancel.
    day.enter(7);
    day.act(StationAction::DecidedNotToVote { elector: 7, cancelled_enable: false });
    // 39L(6) after Ballot, the enable cancelled (unit switched off and on).
    day.enter(8);
    day.act(StationAction::BallotPressed { elector: 8 });
    day.act(StationAction::NotAllowedToVote { elector: 8, cancelled_enable: true });
    assert_eq!(day.press(1).votes_recorded(), 0, "the cancelled enable records nothing");
    day.close();
    let part_one = day.part_one();
    assert_eq!(
        (
            part_one.electors_assigned,
            part_one.voters_in_register,
            part_one.voters_deciding_not_to_vote,
            part_one.voters_not_allowed_to_vote,
            part_one.item_5
        ),
        (20, 8, 1, 1, 6)
    );
    assert_eq!(part_one.item_six, ItemSixTally::Tallies);
    assert!(text::form_16c_part_one(&part_one).contains("Tallies (6 = 8 - 1 - 1)"));
    assert!(day.poll_day.station().findings().is_empty(), "{:?}", day.poll_day.station().findings());
    let register = day.poll_day.station().form_16a();
    assert_eq!(register.entries[6].remark, Some(Remark::DecidedNotToVote));
    assert_eq!(register.entries[7].remark, Some(Remark::VotingProcedureViolated));
}

/// The classic: one mock-poll vote left in the machine. Item 5 = 2 − 3 − 4 + 1.
#[rstest]
#[case::cleared(true, 0)]
#[case::not_cleared(false, 1)]
fn item_six_a_mock_poll_vote_not_cleared(#[case] cleared: bool, #[case] difference: i64) {
    let mut day = station_supplied(2, 10);
    day.prepare_machine("CU-2-1", Defects::NONE, 1, cleared);
    for elector in 1..=5 {
        day.vote(elector, 2);
    }
    day.close();
    let part_one = day.part_one();
    assert_eq!(part_one.voters_in_register, 5);
    assert_eq!(part_one.item_5, 5 + difference as u64);
    assert_eq!(part_one.item_six.difference(), difference);
    assert_eq!(has_finding(&day, Property::Item6), !cleared);
    assert_eq!(has_finding(&day, Property::Zero), !cleared, "the demonstration showed the mock vote");
    if !cleared {
        assert!(text::form_16c_part_one(&part_one).contains("Discrepancy: item 5 exceeds (2 - 3 - 4) by 1"));
    }
}

/// The elector leaves after `Ballot` (39N) and a vote is then cast on the
/// pending enable: counted in item 5 while the elector counts in item 3.
#[rstest]
#[case::enable_cancelled(true, 0)]
#[case::enable_forgotten(false, 1)]
fn item_six_an_elector_left_after_ballot(#[case] cancelled_enable: bool, #[case] difference: i64) {
    let mut day = station_open(3, 10);
    day.vote(1, 1);
    day.enter(2);
    day.act(StationAction::BallotPressed { elector: 2 });
    let step = day.act(StationAction::DecidedNotToVote { elector: 2, cancelled_enable });
    assert_eq!(
        step.accepted.irregularities.iter().any(|found| matches!(found, Irregularity::EnableLeftPending { .. })),
        !cancelled_enable
    );
    // Someone presses a button on the balloting unit before the next Ballot.
    let reaction = day.press(3);
    assert_eq!(reaction.votes_recorded() as i64, difference);
    if cancelled_enable {
        assert_eq!(reaction.refusal, Some(Refusal::BallotNotEnabled));
    }
    day.close();
    let part_one = day.part_one();
    assert_eq!((part_one.voters_in_register, part_one.voters_deciding_not_to_vote), (2, 1));
    assert_eq!(part_one.item_six.difference(), difference);
    assert_eq!(has_finding(&day, Property::Item6), difference != 0);
    assert_eq!(has_finding(&day, Property::OneVote), difference != 0, "a vote nobody was permitted");
}

/// The variant Form 16C cannot see: the next elector votes on the stale
/// enable (the officer's own `Ballot` is refused by the busy machine). Item 6
/// tallies; only the station's record of irregularities shows it.
#[test]
fn item_six_the_next_elector_votes_on_the_stale_enable_and_it_tallies() {
    let mut day = station_open(4, 10);
    day.enter(1);
    day.act(StationAction::BallotPressed { elector: 1 });
    day.act(StationAction::DecidedNotToVote { elector: 1, cancelled_enable: false });
    assert!(day.poll_day.station().stale_enable_pending());
    day.enter(2);
    let step = day.act(StationAction::BallotPressed { elector: 2 });
    assert_eq!(step.machine_refusals, vec![(Input::Ballot, Refusal::BallotAlreadyEnabled)]);
    assert!(matches!(
        step.accepted.irregularities.as_slice(),
        [Irregularity::BallotPressedOnPendingEnable { elector: 2, .. }]
    ));
    assert_eq!(day.press(2).votes_recorded(), 1, "elector 2 votes on elector 1's enable");
    day.close();
    let part_one = day.part_one();
    assert_eq!((part_one.voters_in_register, part_one.voters_deciding_not_to_vote, part_one.item_5), (2, 1, 1));
    assert_eq!(part_one.item_six, ItemSixTally::Tallies, "invisible to Form 16C");
    assert!(!has_finding(&day, Property::Item6));
    assert!(day.poll_day.station().irregularities().iter().any(|found| matches!(
        found,
        Irregularity::EnableLeftPending { elector: 1, remark: Remark::DecidedNotToVote, .. }
    )));
}

#[rstest]
#[case::tallies(10, 12, 1, 1, 0, "Tallies")]
#[case::one_more(11, 12, 1, 1, 1, "Discrepancy: item 5 exceeds (2 - 3 - 4) by 1")]
#[case::two_fewer(8, 12, 1, 1, -2, "Discrepancy: item 5 falls short of (2 - 3 - 4) by 2")]
#[case::remarks_exceed_register(0, 1, 1, 1, 1, "Discrepancy: item 5 exceeds (2 - 3 - 4) by 1")]
fn item_six_reports_the_size_and_sign(
    #[case] five: u64,
    #[case] two: u64,
    #[case] three: u64,
    #[case] four: u64,
    #[case] difference: i64,
    #[case] shown: &str,
) {
    let tally = ItemSixTally::compare(five, two, three, four);
    assert_eq!(tally.difference(), difference);
    assert_eq!(tally.to_string(), shown);
}

/// 39J: an ink refusal happens before the Form 16A entry, so it is in no item.
#[test]
fn an_ink_refusal_is_in_no_item_of_form_16c() {
    let mut day = station_open(5, 10);
    day.act(StationAction::ElectorIdentified { elector: 1 });
    day.act(StationAction::InkCheckFailed { elector: 1, reason: InkCheckFailure::AlreadyMarked });
    refused(
        &mut day,
        StationAction::EnteredInRegister { elector: 1, thumb_impression: false },
        StationRefusal::FailedInkCheck { elector: 1 },
    );
    day.vote(2, 1);
    day.close();
    let part_one = day.part_one();
    assert_eq!((part_one.voters_in_register, part_one.voters_not_allowed_to_vote), (1, 0));
    assert_eq!(part_one.item_six, ItemSixTally::Tallies);
    assert_eq!(day.poll_day.station().current_poll().ink_check_failures(), &[(1, InkCheckFailure::AlreadyMarked)]);
}

// --------------------------------------------------------------- TENDERED --

#[test]
fn tendered_votes_never_touch_the_machine_and_16b_entries_equal_item_seven() {
    let mut day = station_open(6, 10);
    day.vote(3, 1);
    day.vote(4, 2);
    let total = day.machine_total();
    // A person claiming to be elector 3 comes after elector 3 voted: is
    // identified (39O(1)), once.
    let step = day.act(StationAction::ElectorIdentified { elector: 3 });
    assert!(step.accepted.irregularities.is_empty() && step.machine_refusals.is_empty());
    refused(
        &mut day,
        StationAction::ElectorIdentified { elector: 3 },
        StationRefusal::AlreadyIdentified { elector: 3 },
    );
    refused(
        &mut day,
        StationAction::EnteredInRegister { elector: 3, thumb_impression: false },
        StationRefusal::AlreadyVoted { elector: 3 },
    );
    refused(
        &mut day,
        StationAction::TenderedBallotPaperIssued { elector: 5, ballot_paper: 1001, thumb_impression: false },
        StationRefusal::EntryNotUsed { elector: 5 },
    );
    let step =
        day.act(StationAction::TenderedBallotPaperIssued { elector: 3, ballot_paper: 1004, thumb_impression: true });
    assert!(step.machine_refusals.is_empty());
    assert_eq!(day.machine_total(), total, "a tendered vote never reaches the machine");
    assert!(!day.poll_day.current_machine().expect("machine").ballot_enabled());
    refused(&mut day, StationAction::BallotPressed { elector: 3 }, StationRefusal::AlreadyVoted { elector: 3 });
    refused(
        &mut day,
        StationAction::TenderedBallotPaperIssued { elector: 4, ballot_paper: 1004, thumb_impression: false },
        StationRefusal::TenderedBallotPaperAlreadyIssued { ballot_paper: 1004 },
    );
    refused(
        &mut day,
        StationAction::TenderedBallotPaperIssued { elector: 4, ballot_paper: 2000, thumb_impression: false },
        StationRefusal::TenderedBallotPaperNotReceived { ballot_paper: 2000 },
    );
    day.act(StationAction::TenderedBallotPaperIssued { elector: 4, ballot_paper: 1001, thumb_impression: false });
    day.close();
    let part_one = day.part_one();
    let form_16b = day.poll_day.station().form_16b();
    assert_eq!(form_16b.entries.len(), 2);
    assert_eq!(part_one.voters_issued_tendered_ballot_papers, 2);
    assert_eq!(form_16b.entries[0].register_serial_of_person_who_voted, 1, "elector 3 was entered first");
    assert_eq!(part_one.tendered_ballot_papers.issued, vec![1001, 1004]);
    assert_eq!(part_one.tendered_ballot_papers.not_used_and_returned, 8);
    assert_eq!(part_one.item_5, 2);
    assert_eq!(part_one.item_six, ItemSixTally::Tallies);
    let rendered = text::form_16c_part_one(&part_one);
    assert!(rendered.contains("1001, 1004"), "{rendered}");
    assert!(rendered.contains("1002-1003, 1005-1010"), "{rendered}");
    let mut count = counting();
    let now = day.now();
    day.poll_day.count(now, &mut count).expect("counted");
    let part_two = &count.form_16c(6).expect("station 6").part_two[0];
    assert_eq!(part_two.candidates.iter().map(|line| line.votes).collect::<Vec<_>>(), vec![1, 1, 0, 0]);
}

/// Broken: the officer presses `Ballot` on the machine for the person holding
/// a tendered paper, who votes on the balloting unit. The papers catch it.
#[test]
fn tendered_a_tendered_person_voting_on_the_machine_is_caught() {
    let mut day = station_open(7, 10);
    day.vote(3, 1);
    day.act(StationAction::TenderedBallotPaperIssued { elector: 3, ballot_paper: 1002, thumb_impression: false });
    let now = day.now();
    day.poll_day.machine_input(now, Input::Ballot).expect("machine");
    assert_eq!(day.press(2).votes_recorded(), 1);
    assert!(has_finding(&day, Property::Tendered));
    day.close();
    assert_eq!(day.part_one().item_six.difference(), 1);
    assert!(has_finding(&day, Property::Item6));
}

// -------------------------------------------------------------- refusals --

#[test]
fn a_second_register_entry_for_the_same_elector_is_refused() {
    let mut day = station_open(14, 10);
    day.enter(1);
    // A second person claiming to be elector 1 may be identified (for a
    // tendered ballot paper, 39O(1)), never entered.
    day.act(StationAction::ElectorIdentified { elector: 1 });
    refused(
        &mut day,
        StationAction::EnteredInRegister { elector: 1, thumb_impression: false },
        StationRefusal::EntryAlreadyUsed { elector: 1, register_serial: 1 },
    );
}

#[rstest]
#[case::zero(0)]
#[case::past_the_roll(11)]
#[case::far_past(u32::MAX)]
fn an_elector_off_the_roll_part_is_refused(#[case] elector: u32) {
    let mut day = station_open(15, 10);
    refused(
        &mut day,
        StationAction::ElectorIdentified { elector },
        StationRefusal::ElectorNotOnRoll { elector, electors_assigned: 10 },
    );
    refused(
        &mut day,
        StationAction::BallotPressed { elector },
        StationRefusal::ElectorNotOnRoll { elector, electors_assigned: 10 },
    );
}

#[test]
fn a_companion_acts_for_one_elector_a_day() {
    let mut day = station_open(16, 10);
    day.enter(1);
    day.act(StationAction::CompanionPermitted { elector: 1, companion: "Ratan Pal".to_owned() });
    day.act(StationAction::BallotPressed { elector: 1 });
    assert_eq!(day.press(1).votes_recorded(), 1);
    day.enter(2);
    refused(
        &mut day,
        StationAction::CompanionPermitted { elector: 2, companion: " ratan pal ".to_owned() },
        StationRefusal::CompanionAlreadyActed { companion: " ratan pal ".to_owned(), elector: 1 },
    );
    day.act(StationAction::CompanionPermitted { elector: 2, companion: "Mita Pal".to_owned() });
    assert_eq!(day.poll_day.station().form_15().entries.len(), 2);
}

#[test]
fn a_challenge_established_debars_and_the_deposit_is_recorded() {
    let mut day = station_open(17, 10);
    day.act(StationAction::ElectorIdentified { elector: 1 });
    day.act(StationAction::IdentityChallenged { elector: 1, challenger: "Agent of Bina Das".to_owned() });
    refused(&mut day, StationAction::InkMarked { elector: 1 }, StationRefusal::ChallengePending { elector: 1 });
    day.act(StationAction::ChallengeDecided { elector: 1, established: true, deposit: DepositOutcome::Returned });
    refused(&mut day, StationAction::InkMarked { elector: 1 }, StationRefusal::Debarred { elector: 1 });
    day.act(StationAction::ElectorIdentified { elector: 2 });
    day.act(StationAction::IdentityChallenged { elector: 2, challenger: "Agent of Anil Sen".to_owned() });
    day.act(StationAction::ChallengeDecided { elector: 2, established: false, deposit: DepositOutcome::Forfeited });
    day.act(StationAction::InkMarked { elector: 2 });
    let form_14 = day.poll_day.station().form_14();
    assert_eq!(form_14.entries.len(), 2);
    assert_eq!(form_14.entries[0].deposit_rupees, 2);
    assert_eq!(form_14.entries[1].order.map(|order| order.deposit), Some(DepositOutcome::Forfeited));
}

#[test]
fn close_of_poll_electors_present_still_vote_and_an_arrival_after_the_hour_is_caught() {
    let mut day = station_open(18, 10);
    day.act(StationAction::ElectorArrived { elector: 5 });
    day.act(StationAction::ElectorIdentified { elector: 6 });
    refused(
        &mut day,
        StationAction::PollClosed { total_shown: 0 },
        StationRefusal::NotInThisPhase {
            action: "poll_closed".to_owned(),
            phase: StationPhase::Open,
            rule: "39Q(1): the poll closes at the hour fixed".to_owned(),
        },
    );
    day.act(StationAction::CloseOfPollHour {});
    // Admitted after the hour: what happened is recorded (so the account
    // adds up), and the papers show the breach of 39Q(1).
    let step = day.act(StationAction::ElectorArrived { elector: 7 });
    assert!(matches!(step.accepted.irregularities.as_slice(), [Irregularity::AdmittedAfterHour { elector: 7, .. }]));
    let step = day.act(StationAction::ElectorIdentified { elector: 8 });
    assert!(matches!(step.accepted.irregularities.as_slice(), [Irregularity::AdmittedAfterHour { elector: 8, .. }]));
    day.vote(5, 1);
    day.act(StationAction::InkMarked { elector: 6 });
    day.act(StationAction::EnteredInRegister { elector: 6, thumb_impression: true });
    day.act(StationAction::BallotPressed { elector: 6 });
    assert_eq!(day.press(2).votes_recorded(), 1);
    day.act(StationAction::PollClosed { total_shown: 0 });
    refused(
        &mut day,
        StationAction::BallotPressed { elector: 5 },
        StationRefusal::NotInThisPhase {
            action: "ballot_pressed".to_owned(),
            phase: StationPhase::Closed,
            rule: "39L(2)".to_owned(),
        },
    );
    assert_eq!(day.part_one().item_5, 2);
}

#[test]
fn one_elector_in_the_compartment_at_a_time() {
    let mut day = station_open(19, 10);
    day.enter(1);
    day.enter(2);
    day.act(StationAction::BallotPressed { elector: 1 });
    refused(&mut day, StationAction::BallotPressed { elector: 2 }, StationRefusal::CompartmentOccupied { inside: 1 });
    refused(&mut day, StationAction::BallotPressed { elector: 1 }, StationRefusal::BallotAlreadyPressed { elector: 1 });
    refused(
        &mut day,
        StationAction::DecidedNotToVote { elector: 2, cancelled_enable: true },
        StationRefusal::NoPendingEnable { elector: 2 },
    );
    assert_eq!(day.press(1).votes_recorded(), 1);
    assert_eq!(
        day.poll_day.station().elector_status(1),
        Some(ElectorStatus::Entered { register_serial: 1, session: 0, progress: EntryProgress::Voted })
    );
}

#[test]
fn paper_seals_are_accounted_in_item_nine() {
    let mut day = station_supplied(20, 10);
    let now = day.now();
    day.poll_day.install_machine(now, "CU-20-1", Defects::NONE).expect("installed");
    day.act(StationAction::MockPollHeld { votes: 0, cleared: true });
    day.act(StationAction::PaperSealFixed { serial: 5001 });
    day.act(StationAction::PaperSealDamaged { serial: 5007 });
    refused(
        &mut day,
        StationAction::PaperSealFixed { serial: 5001 },
        StationRefusal::PaperSealAlreadyAccounted { serial: 5001 },
    );
    refused(
        &mut day,
        StationAction::PaperSealFixed { serial: 6000 },
        StationRefusal::PaperSealNotSupplied { serial: 6000 },
    );
    day.act(StationAction::PollOpened { total_shown: 0 });
    // 39E(3): the seal is fixed before the poll, not during it.
    refused(
        &mut day,
        StationAction::PaperSealFixed { serial: 5002 },
        StationRefusal::NotInThisPhase {
            action: "paper_seal_fixed".to_owned(),
            phase: StationPhase::Open,
            rule: "39E(3)".to_owned(),
        },
    );
    day.close();
    let seals = day.part_one().paper_seals;
    assert_eq!((seals.total_supplied, seals.used, seals.unused_returned, seals.damaged), (10, 2, 8, vec![5007]));
}

#[test]
fn too_many_electors_are_refused() {
    let refusal = evm_sim::PollingStation::new(identity(1), evm_sim::station::MAX_ELECTORS_PER_STATION + 1);
    assert!(matches!(refusal, Err(StationRefusal::TooManyElectors { .. })));
}

// ------------------------------------------------------- trace and serde --

/// The reasons are spelt as docs/TRACE_FORMAT.md writes them.
#[test]
fn officers_refusal_reasons_read_as_documented() {
    for (text, reason) in [
        ("identity_not_established", evm_sim::station::TenderedBallotPaperRefusal::IdentityNotEstablished),
        ("refused_to_sign_form_16b", evm_sim::station::TenderedBallotPaperRefusal::RefusedToSignForm16B),
        ("no_tendered_ballot_paper_left", evm_sim::station::TenderedBallotPaperRefusal::NoTenderedBallotPaperLeft),
    ] {
        let line = format!(r#"{{"event": "tendered_ballot_paper_refused", "elector": 3, "reason": "{text}"}}"#);
        let action: StationAction = serde_json::from_str(&line).expect(text);
        assert_eq!(action, StationAction::TenderedBallotPaperRefused { elector: 3, reason });
    }
    for text in
        ["not_satisfied_of_infirmity", "companion_under_eighteen", "companion_already_acted", "declaration_refused"]
    {
        let line = format!(r#"{{"event": "companion_refused", "elector": 3, "reason": "{text}"}}"#);
        assert!(serde_json::from_str::<StationAction>(&line).is_ok(), "{text}");
    }
}

#[test]
fn a_trace_line_embeds_the_action() {
    let action: StationAction =
        serde_json::from_str(r#"{"event": "elector_identified", "elector": 17}"#).expect("a trace action");
    assert_eq!(action, StationAction::ElectorIdentified { elector: 17 });
    let action: StationAction =
        serde_json::from_str(r#"{"event": "decided_not_to_vote", "elector": 3}"#).expect("defaults");
    assert_eq!(action, StationAction::DecidedNotToVote { elector: 3, cancelled_enable: false });
    // A vote never names its candidate: such a line is malformed.
    assert!(serde_json::from_str::<StationAction>(r#"{"event": "vote_recorded", "candidate": 2}"#).is_err());
    let line: evm_sim::station::StationTraceLine =
        serde_json::from_str(r#"{"at": 25213000, "event": "ballot_pressed", "elector": 17}"#).expect("a line");
    assert_eq!(line.action, StationAction::BallotPressed { elector: 17 });
}

/// The poll day's log, with the machine's facts filled in, is a station
/// trace: replayed on a bare station it gives the same papers.
#[test]
fn the_poll_day_log_replays_on_a_bare_station() {
    let mut day = adjourned_day();
    day.prepare_machine("CU-8-2", Defects::NONE, 4, true);
    day.vote(4, 3);
    day.close();
    let mut station = evm_sim::PollingStation::new(identity(8), 10).expect("station");
    for line in day.poll_day.log() {
        let json = serde_json::to_string(line).expect("serialise");
        let parsed: evm_sim::station::StationTraceLine = serde_json::from_str(&json).expect("parse");
        station.apply(parsed.at, &parsed.action).unwrap_or_else(|refusal| panic!("{json}: {refusal}"));
    }
    assert_eq!(&station, day.poll_day.station());
}

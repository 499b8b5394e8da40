//! The station's rules at the close and after it, one test per rule:
//! the adjourned poll (39V), the booth-capture close (39W), Part II at
//! counting (61H) and a failed set replaced. Each property is shown in both
//! directions, as in `station_rules.rs`; figures expected are counted from
//! the script of each test.

use crate::station_common::*;
use evm_sim::forms::{text, ItemSixTally, PartTwoTally};
use evm_sim::station::{Irregularity, MachineCloseCause, PollKind, StationAction, StationPhase};
use evm_sim::unit::Input;
use evm_sim::{Defect, Defects, Property, StationRefusal};
use rstest::rstest;

// ---------------------------------------------------------------- ADJOURN --

#[test]
fn adjourn_the_account_at_adjournment_is_as_if_closed_at_the_hour() {
    let day = adjourned_day();
    assert_eq!(day.poll_day.station().phase(), StationPhase::Adjourned);
    let part_one = day.part_one();
    assert_eq!((part_one.voters_in_register, part_one.voters_deciding_not_to_vote, part_one.item_5), (3, 1, 2));
    assert_eq!(part_one.item_six, ItemSixTally::Tallies);
    assert!(day.poll_day.current_machine().expect("machine").is_closed());
}

/// Held: 39V(2) bars only those who **voted**. At the adjourned poll an
/// elector who voted may be identified (a person asking is not a vote); an
/// elector with a 39N remark, or identified but never entered, votes.
#[test]
fn adjourn_only_those_who_voted_are_barred_and_only_their_vote_is_the_breach() {
    let mut day = adjourned_day();
    day.prepare_machine("CU-8-2", Defects::NONE, 4, true);
    let step = day.act(StationAction::ElectorIdentified { elector: 1 });
    assert!(step.accepted.irregularities.is_empty(), "identifying an elector who voted is lawful");
    // Marked in the roll with a 39N remark, never voted: may vote now.
    let now = day.now();
    day.poll_day.act(now, StationAction::ElectorIdentified { elector: 3 }).expect("identified");
    day.poll_day.act(now, StationAction::InkMarked { elector: 3 }).expect("inked");
    day.poll_day.act(now, StationAction::EnteredInRegister { elector: 3, thumb_impression: false }).expect("entered");
    day.poll_day.act(now, StationAction::BallotPressed { elector: 3 }).expect("ballot");
    assert_eq!(day.press(2).votes_recorded(), 1);
    // Identified but never entered: comes afresh.
    day.vote(4, 3);
    day.vote(5, 1);
    day.close();
    assert!(!has_finding(&day, Property::Adjourn), "nobody voted twice");
    let part_one = day.part_one();
    assert_eq!(part_one.adjourned_polls, 1);
    assert_eq!(
        part_one
            .machines
            .iter()
            .map(|machine| (machine.control_unit.as_str(), machine.votes_recorded))
            .collect::<Vec<_>>(),
        vec![("CU-8-1", 2), ("CU-8-2", 3)]
    );
    // Register: 1, 2, 3 (39N) before; 3, 4, 5 after.
    assert_eq!((part_one.voters_in_register, part_one.item_5), (6, 5));
    assert_eq!(part_one.item_six, ItemSixTally::Tallies);
    // Both machines are counted (s.61(2)).
    let mut count = counting();
    let now = day.now();
    day.poll_day.count(now, &mut count).expect("counted");
    let form = count.form_16c(8).expect("station 8");
    assert_eq!(form.part_two.len(), 2);
    assert!(form.part_two.iter().all(|part_two| part_two.tally == PartTwoTally::Tallies));
    assert_eq!(count.form_23().expect("form 23").totals, vec![2, 2, 1, 0]);
}

/// Held: at the adjourned poll a person claiming to be an elector who voted
/// before the adjournment (the marked roll shows it) gets a tendered ballot
/// paper (39O(1)), as on the day itself.
#[test]
fn adjourn_a_claimant_for_an_elector_who_voted_before_gets_a_tendered_paper() {
    let mut day = adjourned_day();
    day.prepare_machine("CU-8-2", Defects::NONE, 4, true);
    day.act(StationAction::ElectorIdentified { elector: 2 });
    let step =
        day.act(StationAction::TenderedBallotPaperIssued { elector: 2, ballot_paper: 1002, thumb_impression: false });
    assert!(step.accepted.irregularities.is_empty());
    let form_16b = day.poll_day.station().form_16b();
    assert_eq!(
        form_16b.entries.last().map(|entry| (entry.elector, entry.register_serial_of_person_who_voted)),
        Some((2, 2))
    );
}

/// Broken: an elector who voted before the adjournment votes again. Item 6
/// tallies (entered again, voted again), so only the vote shows it: ADJOURN
/// at that vote.
#[test]
fn adjourn_an_elector_who_voted_votes_again_and_is_caught_at_the_vote() {
    let mut day = adjourned_day();
    day.prepare_machine("CU-8-2", Defects::NONE, 4, true);
    let now = day.now();
    day.poll_day.act(now, StationAction::ElectorIdentified { elector: 1 }).expect("identified");
    day.poll_day.act(now, StationAction::InkMarked { elector: 1 }).expect("inked");
    day.poll_day.act(now, StationAction::EnteredInRegister { elector: 1, thumb_impression: false }).expect("entered");
    day.poll_day.act(now, StationAction::BallotPressed { elector: 1 }).expect("ballot");
    assert!(!has_finding(&day, Property::Adjourn), "not before the vote");
    assert_eq!(day.press(1).votes_recorded(), 1);
    assert!(matches!(
        day.poll_day.station().irregularities().last(),
        Some(Irregularity::VotedAgainAfterAdjournment { elector: 1, .. })
    ));
    assert!(has_finding(&day, Property::Adjourn));
    day.close();
    assert_eq!(day.part_one().item_six, ItemSixTally::Tallies, "the account cannot show it");
}

/// Broken: the officer enables the new machine for an elector the marked roll
/// bars, bypassing the papers. Item 6 of the combined account shows it.
#[test]
fn adjourn_a_vote_bypassing_the_marked_roll_is_caught() {
    let mut day = adjourned_day();
    day.prepare_machine("CU-8-2", Defects::NONE, 4, true);
    let now = day.now();
    day.poll_day.machine_input(now, Input::Ballot).expect("machine");
    assert_eq!(day.press(1).votes_recorded(), 1);
    day.close();
    assert_eq!(day.part_one().item_six.difference(), 1);
    assert!(has_finding(&day, Property::Item6));
}

// ---------------------------------------------------------- BOOTH-CAPTURE --

#[test]
fn booth_capture_close_mid_ballot_yields_no_vote_and_a_fresh_poll_starts_over() {
    let mut day = station_open(9, 10);
    day.vote(1, 1);
    day.vote(2, 1);
    day.enter(3);
    day.act(StationAction::BallotPressed { elector: 3 });
    let step = day.act(StationAction::BoothCaptured { total_shown: 0 });
    assert!(matches!(
        step.accepted.irregularities.as_slice(),
        [Irregularity::PendingEnableAtClose { elector: 3, cause: MachineCloseCause::BoothCaptured, .. }]
    ));
    let unit = day.poll_day.current_machine().expect("machine");
    assert!(unit.is_closed() && !unit.ballot_enabled() && unit.attached_positions().is_empty());
    assert_eq!(day.press(2).votes_recorded(), 0, "the balloting unit is detached");
    let now = day.now();
    day.poll_day.machine_input(now, Input::AttachBallotingUnit { position: 1 }).expect("machine");
    assert_eq!(day.press(2).votes_recorded(), 0, "closed: no vote even with the unit attached again");
    let part_one = day.part_one();
    assert_eq!((part_one.voters_in_register, part_one.item_5), (3, 2));
    assert_eq!(part_one.item_six.to_string(), "Discrepancy: item 5 falls short of (2 - 3 - 4) by 1");
    assert!(!has_finding(&day, Property::BoothCapture));
    refused(
        &mut day,
        StationAction::ElectorIdentified { elector: 4 },
        StationRefusal::NotInThisPhase {
            action: "elector_identified".to_owned(),
            phase: StationPhase::BoothCaptured,
            rule: "39H".to_owned(),
        },
    );
    // s.63(2)(a): the poll is void; a fresh poll on a new machine.
    day.act(StationAction::FreshPollOrdered {});
    day.supply();
    day.prepare_machine("CU-9-2", Defects::NONE, 4, true);
    day.vote(1, 2);
    day.vote(3, 2);
    day.close();
    let station = day.poll_day.station();
    assert_eq!(station.polls().len(), 2);
    assert_eq!(station.polls()[0].phase(), StationPhase::Voided);
    let part_one = day.part_one();
    assert_eq!(part_one.poll, PollKind::Fresh { ordinal: 1 });
    assert_eq!((part_one.voters_in_register, part_one.item_5), (2, 2));
    assert_eq!(part_one.machines.len(), 1, "the voided machine is not in the fresh poll's account");
    let mut count = counting();
    let now = day.now();
    day.poll_day.count(now, &mut count).expect("counted");
    assert_eq!(count.form_23().expect("form 23").totals, vec![0, 2, 0, 0], "the voided machine is not counted");
}

/// Broken: a machine that still records after `Close`. The capturers plug
/// the balloting unit back and vote; the station and Part II catch it.
#[test]
fn booth_capture_a_vote_after_the_capture_close_is_caught() {
    let mut day = station_open_with(10, 10, Defects::from_iter([Defect::VoteAfterClose]));
    day.vote(1, 1);
    day.enter(2);
    day.act(StationAction::BallotPressed { elector: 2 });
    day.act(StationAction::BoothCaptured { total_shown: 0 });
    let now = day.now();
    day.poll_day.machine_input(now, Input::AttachBallotingUnit { position: 1 }).expect("machine");
    assert_eq!(day.press(3).votes_recorded(), 1, "the defective unit records after Close");
    assert!(has_finding(&day, Property::BoothCapture));
    let mut count = counting();
    let now = day.now();
    day.poll_day.count(now, &mut count).expect("counted");
    let part_two = &count.form_16c(10).expect("station 10").part_two[0];
    assert_eq!((part_two.sum_of_counts, part_two.total_shown, part_two.item_5_share), (2, 2, 1));
    assert!(matches!(part_two.tally, PartTwoTally::Discrepancy { .. }));
}

// ---------------------------------------------------------------- PART-II --

#[rstest]
#[case::held(None, true)]
#[case::broken(Some(Defect::TotalMissesLastButton), false)]
fn part_two_the_candidates_sum_to_the_total_and_item_5(#[case] defect: Option<Defect>, #[case] holds: bool) {
    let mut day = station_open_with(11, 10, defect.into_iter().collect());
    let choices = [1, 2, 2, NOTA, 3, NOTA];
    for (elector, candidate) in (1..).zip(choices) {
        day.vote(elector, candidate);
    }
    day.close();
    let mut count = counting();
    let now = day.now();
    day.poll_day.count(now, &mut count).expect("counted");
    let form = count.form_16c(11).expect("station 11");
    let part_two = &form.part_two[0];
    assert_eq!(part_two.candidates.iter().map(|line| line.votes).collect::<Vec<_>>(), vec![1, 2, 1, 2]);
    assert_eq!(part_two.sum_of_counts, 6);
    assert_eq!(part_two.tally == PartTwoTally::Tallies, holds, "{}", part_two.tally);
    let rendered = text::form_16c(&form);
    assert_eq!(rendered.contains("Tallies with item 5 of Part I"), holds, "{rendered}");
}

#[test]
fn part_two_a_tampered_machine_is_not_counted_and_the_station_goes_to_a_fresh_poll() {
    let mut day = station_open(12, 10);
    day.vote(1, 1);
    day.close();
    let now = day.now();
    day.poll_day.machine_input(now, Input::OpenCase).expect("machine");
    let mut count = counting();
    let now = day.now();
    day.poll_day.count(now, &mut count).expect("inspected");
    assert_eq!(count.stations_for_fresh_poll(), vec![12]);
    let form = count.form_16c(12).expect("station 12");
    assert!(form.part_two.is_empty());
    assert_eq!(form.not_counted.len(), 1);
    assert!(count.declare(1).is_err(), "61P: the result waits for the fresh poll");
    assert_eq!(count.form_23().expect("form 23").stations[0].valid_votes, None);
}

// -------------------------------------------------------- machine failure --

#[test]
fn a_failed_set_is_replaced_and_both_control_units_are_counted() {
    let mut day = station_open(13, 10);
    day.vote(1, 1);
    day.vote(2, 2);
    day.vote(3, 1);
    day.enter(4);
    day.act(StationAction::BallotPressed { elector: 4 });
    day.act(StationAction::MachineFailed { total_shown: 0 });
    assert_eq!(day.poll_day.station().phase(), StationPhase::MachineFailed);
    // The replacement: one vote per ballot button in the mock poll, cleared.
    day.prepare_machine("CU-13-2", Defects::NONE, u32::from(NOTA), true);
    // Elector 4 lost the enable with the failed set and gets Ballot again.
    day.act(StationAction::BallotPressed { elector: 4 });
    assert_eq!(day.press(3).votes_recorded(), 1);
    day.vote(5, 3);
    day.close();
    let part_one = day.part_one();
    assert_eq!(
        part_one.machines.iter().map(|machine| machine.votes_recorded).collect::<Vec<_>>(),
        vec![3, 2],
        "item 5 is the sum over the machines used"
    );
    assert_eq!((part_one.voters_in_register, part_one.item_5), (5, 5));
    assert_eq!(part_one.item_six, ItemSixTally::Tallies);
    let mut count = counting();
    let now = day.now();
    day.poll_day.count(now, &mut count).expect("counted");
    let form = count.form_16c(13).expect("station 13");
    assert_eq!(form.part_two.len(), 2, "Part II per machine");
    assert_eq!(count.form_23().expect("form 23").totals, vec![2, 1, 2, 0]);
}

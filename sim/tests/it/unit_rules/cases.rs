//! The unit's rules, one test per rule, reading like the rule. Each property
//! of DOMAIN.md section 3 that the unit alone can break has a table with a
//! held case (the conforming unit) and a broken case (a unit carrying the
//! seeded defect that breaks it): the probe must pass on the first and catch
//! the second, so every probe is shown able to fail.

use super::fixtures::*;
use evm_sim::unit::{ButtonAddress, CancelCause, Event, Input, ResultSeal};
use evm_sim::{Defect, Display, MachineProfile, Refusal};
use rstest::rstest;

/// The outcome of a property probe: `Err` names what was broken.
type Probe = Result<(), String>;

fn ensure(condition: bool, broken: impl FnOnce() -> String) -> Probe {
    if condition {
        Ok(())
    } else {
        Err(broken())
    }
}

// ---------------------------------------------------------------- CANDSET --

fn probe_candidate_set(defect: Option<Defect>) -> Probe {
    let mut bench = unit_ready_with(defects(defect));
    let reaction = bench.press(Input::CandSet { candidates: 3 });
    ensure(reaction.refusal == Some(Refusal::CandidateSetSealed) && bench.unit.candidates() == CANDIDATES, || {
        format!("Cand Set after sealing gave {:?}, candidates now {}", reaction.refusal, bench.unit.candidates())
    })
}

#[rstest]
#[case::held(None, true)]
#[case::broken(Some(Defect::CandidateSetChangesAfterSeal), false)]
fn candset_number_is_fixed_once_the_section_is_sealed(#[case] defect: Option<Defect>, #[case] holds: bool) {
    assert_eq!(probe_candidate_set(defect).is_ok(), holds, "{:?}", probe_candidate_set(defect));
}

#[rstest]
#[case::sixteen_buttons_fit_one_unit(15, 1, None)]
#[case::nota_needs_a_second_unit(16, 1, Some(Refusal::CandidatesExceedAttachedUnits { candidates: 16, needed: 2 }))]
#[case::two_units_for_sixteen(16, 2, None)]
#[case::m2_takes_sixty_three_and_nota(63, 4, None)]
#[case::m2_refuses_sixty_four_and_nota(64, 4, Some(Refusal::TooManyCandidates { candidates: 64, maximum: 63 }))]
#[case::zero_candidates(0, 1, Some(Refusal::NoCandidates))]
fn candset_the_count_must_fit_the_attached_units(
    #[case] candidates: u16,
    #[case] units: u8,
    #[case] refusal: Option<Refusal>,
) {
    let mut bench = unit_fresh();
    for position in 2..=units {
        bench.accept(Input::AttachBallotingUnit { position });
    }
    let reaction = bench.press(Input::CandSet { candidates });
    assert_eq!(reaction.refusal, refusal);
    assert_eq!(bench.unit.candidates(), if refusal.is_none() { candidates } else { 0 });
}

#[test]
fn ballot_needs_a_candidate_set_and_not_the_paper_seal_over_it() {
    let mut bench = unit_fresh();
    bench.refuse(Input::Ballot, Refusal::CandidatesNotSet);
    bench.accept(Input::CandSet { candidates: 4 });
    // The seal over the candidate set section is paper over the `Cand Set`
    // button: the machine cannot see it; a missing seal is the polling
    // party's finding, not a refusal.
    bench.accept(Input::Ballot);
    assert_eq!(bench.press(candidate_button(1)).votes_recorded(), 1);
    bench.accept(Input::SealCandidateSetSection);
    bench.refuse(Input::CandSet { candidates: 3 }, Refusal::CandidateSetSealed);
}

#[test]
fn ballot_needs_exactly_the_balloting_units_of_the_candidate_set() {
    let mut bench = unit_ready();
    bench.accept(Input::AttachBallotingUnit { position: 2 });
    bench.refuse(Input::Ballot, Refusal::BallotingUnitSetMismatch);
    assert_eq!(bench.unit.display().text().as_str(), "INCORRECT NUMBER OF BU");
    bench.accept(Input::DetachBallotingUnit { position: 2 });
    bench.accept(Input::DetachBallotingUnit { position: 1 });
    bench.refuse(Input::Ballot, Refusal::BallotingUnitNotAttached { position: 1 });
    assert_eq!(bench.unit.display().text().as_str(), "BU NOT FOUND");
}

#[test]
fn two_units_at_one_position_are_a_link_error() {
    let mut bench = unit_fresh();
    bench.refuse(Input::AttachBallotingUnit { position: 1 }, Refusal::PositionTaken { position: 1 });
    assert_eq!(bench.unit.display().text().as_str(), "LINK ERROR");
    bench.refuse(Input::AttachBallotingUnit { position: 5 }, Refusal::PositionOutOfRange { position: 5 });
}

// ------------------------------------------------------------------- ZERO --

fn probe_zero(defect: Option<Defect>) -> Probe {
    let bench = unit_ready_with(defects(defect));
    ensure(bench.unit.total() == 0, || format!("total {} after the mock poll was cleared", bench.unit.total()))
}

#[rstest]
#[case::held(None, true)]
#[case::broken(Some(Defect::ClearLeavesVote), false)]
fn zero_total_is_nought_when_the_poll_starts(#[case] defect: Option<Defect>, #[case] holds: bool) {
    assert_eq!(probe_zero(defect).is_ok(), holds);
}

#[test]
fn zero_a_mock_poll_left_uncleared_shows_in_the_total() {
    let mut bench = unit_fresh();
    bench.accept(Input::CandSet { candidates: 2 });
    bench.accept(Input::SealCandidateSetSection);
    bench.vote(1);
    bench.accept(Input::Total);
    assert_eq!(bench.unit.display(), Display::Total { total: 1 });
}

// --------------------------------------------------------------- ONE-VOTE --

fn probe_one_vote(defect: Option<Defect>) -> Probe {
    let mut bench = unit_ballot_enabled_with(defects(defect));
    let first = bench.press(candidate_button(1)).votes_recorded();
    let again = bench.press(candidate_button(2)).votes_recorded();
    bench.press(Input::Ballot);
    let double = bench
        .press(Input::PressTwoButtons {
            first: ButtonAddress { balloting_unit: 1, button: 1 },
            second: ButtonAddress { balloting_unit: 1, button: 2 },
        })
        .votes_recorded();
    let single_after_double = bench.press(candidate_button(3)).votes_recorded();
    bench.press(Input::Ballot);
    bench.accept(Input::PowerOff);
    bench.accept(Input::PowerOn { held_button: None });
    let enable_after_power_cycle = bench.press(candidate_button(4)).votes_recorded();
    // The third enable was cancelled by the power cut.
    let enables = 2;
    let votes = first + again + double + single_after_double + enable_after_power_cycle;
    ensure(votes <= enables && first == 1 && again == 0 && enable_after_power_cycle == 0, || {
        format!(
            "{votes} votes on {enables} enables (first {first}, second press {again}, double press {double}, \
             after the power cycle {enable_after_power_cycle})"
        )
    })
}

#[rstest]
#[case::held(None, true)]
#[case::broken_double_press(Some(Defect::DoubleVoteOnTwoButtons), false)]
#[case::broken_no_ballot(Some(Defect::VoteWithoutBallot), false)]
#[case::broken_enable_kept(Some(Defect::BallotStaysEnabled), false)]
#[case::broken_power_cycle(Some(Defect::EnableSurvivesPowerCycle), false)]
fn one_vote_per_ballot_enable_and_none_without(#[case] defect: Option<Defect>, #[case] holds: bool) {
    assert_eq!(probe_one_vote(defect).is_ok(), holds, "{:?}", probe_one_vote(defect));
}

#[test]
fn ballot_while_a_ballot_is_enabled_does_not_enable_a_second() {
    let mut bench = unit_ballot_enabled();
    bench.refuse(Input::Ballot, Refusal::BallotAlreadyEnabled);
    assert_eq!(bench.press(candidate_button(1)).votes_recorded(), 1);
    bench.refuse(candidate_button(1), Refusal::BallotNotEnabled);
}

#[test]
fn a_vote_lights_busy_and_ready_then_beeps_and_locks() {
    let mut bench = unit_ready();
    assert!(!bench.unit.lamps().busy && !bench.unit.lamps().ready);
    bench.accept(Input::Ballot);
    assert!(bench.unit.lamps().busy && bench.unit.lamps().ready);
    let reaction = bench.accept(candidate_button(2));
    assert!(reaction.events.contains(Event::VoteRecorded) && reaction.events.contains(Event::LongBeep));
    assert!(!bench.unit.lamps().busy && !bench.unit.lamps().ready);
}

#[test]
fn a_masked_button_cannot_be_operated_and_the_ballot_stays_enabled() {
    let mut bench = unit_ballot_enabled();
    let masked = Input::PressButton { address: ButtonAddress { balloting_unit: 1, button: 7 } };
    bench.refuse(masked, Refusal::MaskedButton { position: 1, button: 7 });
    assert!(bench.unit.ballot_enabled());
    assert_eq!(bench.press(candidate_button(CANDIDATES + 1)).votes_recorded(), 1, "NOTA is the last button");
}

#[test]
fn two_buttons_at_once_record_nothing_and_the_elector_presses_again() {
    let mut bench = unit_ballot_enabled();
    let both = Input::PressTwoButtons {
        first: ButtonAddress { balloting_unit: 1, button: 1 },
        second: ButtonAddress { balloting_unit: 1, button: 3 },
    };
    bench.refuse(both, Refusal::TwoButtonsAtOnce);
    assert_eq!(bench.unit.total(), 0);
    assert_eq!(bench.press(candidate_button(3)).votes_recorded(), 1);
}

#[test]
fn a_button_held_at_power_on_records_nothing() {
    let mut bench = unit_ready();
    bench.accept(Input::PowerOff);
    let reaction = bench.accept(Input::PowerOn { held_button: ButtonAddress::of_ballot_entry(1) });
    assert!(reaction.events.contains(Event::HeldButtonIgnored));
    assert_eq!(reaction.votes_recorded(), 0);
    assert_eq!(bench.unit.total(), 0);
}

#[test]
fn the_rate_limit_allows_five_votes_a_minute() {
    let mut bench = unit_ready();
    let start = bench.clock.tick();
    for second in 0..5 {
        let now = start.plus_milliseconds(second * 1000);
        assert!(bench.unit.step(now, Input::Ballot).is_accepted());
        assert_eq!(bench.unit.step(now, candidate_button(1)).votes_recorded(), 1);
    }
    let sixth = bench.unit.step(start.plus_milliseconds(30_000), Input::Ballot);
    assert_eq!(sixth.refusal, Some(Refusal::RateLimited { votes_per_minute: 5 }));
    assert!(bench.unit.step(start.plus_milliseconds(60_000), Input::Ballot).is_accepted());
}

#[test]
fn a_full_memory_takes_no_more_votes() {
    let profile = MachineProfile { vote_capacity: 3, rate_limit_votes_per_minute: None, ..MachineProfile::m2() };
    let mut bench = Bench { unit: evm_sim::ControlUnit::new(profile), clock: Clock(0) };
    bench.accept(Input::AttachBallotingUnit { position: 1 });
    bench.accept(Input::PowerOn { held_button: None });
    bench.accept(Input::CandSet { candidates: 2 });
    bench.accept(Input::SealCandidateSetSection);
    for _ in 0..3 {
        assert_eq!(bench.vote(1).votes_recorded(), 1);
    }
    bench.refuse(Input::Ballot, Refusal::MemoryFull { capacity: 3 });
    assert_eq!(bench.unit.display().text().as_str(), "MEMORY FULL");
    assert_eq!(bench.unit.total(), 3);
}

// ---------------------------------------------------------- SEALED-RESULT --

fn probe_sealed_result(defect: Option<Defect>) -> Probe {
    let mut before_close = unit_ready_with(defects(defect));
    before_close.vote(1);
    let early = before_close.press(Input::Result);
    let early_readout = before_close.unit.result_readout().is_ok();
    let mut sealed = unit_closed_with(defects(defect));
    let while_sealed = sealed.press(Input::Result);
    let sealed_readout = sealed.unit.result_readout().is_ok();
    ensure(
        early.refusal == Some(Refusal::ResultBeforeClose)
            && !early_readout
            && while_sealed.refusal == Some(Refusal::ResultSealIntact)
            && !sealed_readout,
        || format!("Result before Close: {:?}; Result while sealed: {:?}", early.refusal, while_sealed.refusal),
    )
}

#[rstest]
#[case::held(None, true)]
#[case::broken_while_sealed(Some(Defect::ResultWhileSealed), false)]
#[case::broken_before_close(Some(Defect::ResultBeforeClose), false)]
fn sealed_result_is_unreachable_while_sealed_or_before_close(#[case] defect: Option<Defect>, #[case] holds: bool) {
    assert_eq!(probe_sealed_result(defect).is_ok(), holds);
}

#[test]
fn result_after_breaking_the_seal_shows_every_candidate() {
    let mut bench = unit_closed();
    bench.refuse(Input::Clear, Refusal::ResultSealIntact);
    bench.accept(Input::BreakResultSeal);
    assert_eq!(bench.unit.result_seal(), ResultSeal::Broken);
    bench.refuse(Input::Clear, Refusal::ClearBeforeResult);
    bench.accept(Input::Result);
    let readout = bench.unit.result_readout().unwrap();
    assert_eq!((readout.total, readout.counts), (3, &[1, 2, 0, 0, 0, 0][..]));
}

// ------------------------------------------------------------- TOTAL-ONLY --

fn probe_total_only(defect: Option<Defect>) -> Probe {
    let mut bench = unit_ready_with(defects(defect));
    bench.vote(2);
    bench.accept(Input::Total);
    let text = bench.unit.display().text();
    ensure(text.as_str() == "TOTAL 0001", || format!("Total showed {text:?}"))
}

#[rstest]
#[case::held(None, true)]
#[case::broken(Some(Defect::TotalShowsBreakdown), false)]
fn total_only_shows_the_total_never_a_breakdown(#[case] defect: Option<Defect>, #[case] holds: bool) {
    assert_eq!(probe_total_only(defect).is_ok(), holds);
}

// ------------------------------------------------------------------ CLOSE --

fn probe_close(defect: Option<Defect>) -> Probe {
    let mut bench = unit_closed_with(defects(defect));
    let ballot = bench.press(Input::Ballot);
    let press = bench.press(candidate_button(1));
    bench.accept(Input::DetachBallotingUnit { position: 1 });
    let detached = bench.press(candidate_button(1));
    ensure(
        ballot.refusal == Some(Refusal::Closed)
            && press.votes_recorded() == 0
            && detached.votes_recorded() == 0
            && bench.unit.total() == 3,
        || {
            format!(
                "after Close: Ballot {:?}, press recorded {}, total {}",
                ballot.refusal,
                press.votes_recorded(),
                bench.unit.total()
            )
        },
    )
}

#[rstest]
#[case::held(None, true)]
#[case::broken(Some(Defect::VoteAfterClose), false)]
fn close_no_vote_is_recorded_after_close_or_detach(#[case] defect: Option<Defect>, #[case] holds: bool) {
    assert_eq!(probe_close(defect).is_ok(), holds);
}

// ---------------------------------------------------------- BOOTH-CAPTURE --

fn probe_booth_capture(defect: Option<Defect>) -> Probe {
    let mut bench = unit_ballot_enabled_with(defects(defect));
    bench.vote_pending_then_close();
    let press = bench.press(candidate_button(1));
    ensure(bench.unit.is_closed() && press.votes_recorded() == 0 && bench.unit.total() == 0, || {
        format!("after a booth-capture close mid-ballot the press recorded {}", press.votes_recorded())
    })
}

trait BoothCapture {
    fn vote_pending_then_close(&mut self);
}

impl BoothCapture for Bench {
    /// Rule 39W: close immediately, with the ballot still enabled.
    fn vote_pending_then_close(&mut self) {
        let reaction = self.accept(Input::Close);
        assert!(reaction.events.iter().any(|event| matches!(event, Event::Closed { .. })));
    }
}

#[rstest]
#[case::held(None, true)]
#[case::broken(Some(Defect::CloseKeepsBallotEnabled), false)]
fn booth_capture_close_mid_ballot_yields_no_vote(#[case] defect: Option<Defect>, #[case] holds: bool) {
    assert_eq!(probe_booth_capture(defect).is_ok(), holds);
}

#[rstest]
#[case::power_cut(Input::PowerOff, CancelCause::PowerOff)]
#[case::cable_pulled(Input::DetachBallotingUnit { position: 1 }, CancelCause::Detach)]
#[case::booth_capture(Input::Close, CancelCause::Close)]
fn a_pending_enable_is_cancelled_without_a_vote(#[case] input: Input, #[case] cause: CancelCause) {
    let mut bench = unit_ballot_enabled();
    let reaction = bench.accept(input);
    assert!(reaction.events.contains(Event::BallotCancelled { cause }));
    assert!(!bench.unit.ballot_enabled());
    assert_eq!(bench.unit.total(), 0);
}

// ----------------------------------------------------------------- RETAIN --

fn probe_retain(defect: Option<Defect>) -> Probe {
    let mut bench = unit_ready_with(defects(defect));
    for candidate in [1, 1, 3] {
        bench.vote(candidate);
    }
    bench.accept(Input::PowerOff);
    bench.accept(Input::DetachBallotingUnit { position: 1 });
    bench.accept(Input::PowerOn { held_button: None });
    bench.accept(Input::AttachBallotingUnit { position: 1 });
    let first = bench.count();
    let second = bench.unit.result_readout().map(|readout| readout.counts.to_vec()).unwrap_or_default();
    let expected = vec![2, 0, 1, 0, 0, 0];
    ensure(first == expected && second == expected, || {
        format!("counts {first:?} then {second:?}, expected {expected:?}")
    })
}

#[rstest]
#[case::held(None, true)]
#[case::broken_power(Some(Defect::PowerLossErasesVotes), false)]
#[case::broken_result(Some(Defect::ResultErasesVotes), false)]
fn retain_votes_survive_power_detach_and_result(#[case] defect: Option<Defect>, #[case] holds: bool) {
    assert_eq!(probe_retain(defect).is_ok(), holds, "{:?}", probe_retain(defect));
}

#[test]
fn a_tampered_unit_goes_fail_safe_with_its_data_intact() {
    let mut bench = unit_closed();
    bench.accept(Input::OpenCase);
    bench.refuse(Input::Total, Refusal::FailSafe);
    assert_eq!(bench.unit.total(), 3);
    assert_eq!(bench.unit.display().text().as_str(), "FAIL SAFE");
}

// ---------------------------------------------------------------- PART-II --

fn probe_part_two(defect: Option<Defect>) -> Probe {
    let mut bench = unit_ready_with(defects(defect));
    for candidate in [1, CANDIDATES + 1, 2] {
        bench.vote(candidate);
    }
    let counts = bench.count();
    let total = bench.unit.result_readout().map(|readout| readout.total).unwrap_or(0);
    let sum: u32 = counts.iter().sum();
    ensure(sum == total && total == 3, || format!("candidate counts sum to {sum}, total shown {total}"))
}

#[rstest]
#[case::held(None, true)]
#[case::broken(Some(Defect::TotalMissesLastButton), false)]
fn part_two_candidate_counts_sum_to_the_total(#[case] defect: Option<Defect>, #[case] holds: bool) {
    assert_eq!(probe_part_two(defect).is_ok(), holds);
}

// ---------------------------------------------------------------- SECRECY --

fn probe_secrecy(defect: Option<Defect>) -> Probe {
    let mut bench = unit_ballot_enabled_with(defects(defect));
    let reaction = bench.press(candidate_button(4));
    let disclosed = reaction.events.iter().any(|event| matches!(event, Event::CandidateDisclosed { .. }));
    let debug = format!("{:?}", bench.unit);
    ensure(!disclosed && !debug.contains("counts:"), || format!("the vote's events were {:?}", reaction.events))
}

#[rstest]
#[case::held(None, true)]
#[case::broken(Some(Defect::EventNamesCandidate), false)]
fn secrecy_a_recorded_vote_never_names_its_candidate(#[case] defect: Option<Defect>, #[case] holds: bool) {
    assert_eq!(probe_secrecy(defect).is_ok(), holds);
}

// ------------------------------------------------------- the CRC sequence --

#[test]
fn clear_only_after_close_and_result() {
    let mut bench = unit_fresh();
    bench.accept(Input::CandSet { candidates: 2 });
    bench.accept(Input::SealCandidateSetSection);
    bench.vote(1);
    bench.refuse(Input::Clear, Refusal::ClearBeforeResult);
    bench.refuse(Input::Result, Refusal::ResultBeforeClose);
    assert_eq!(bench.unit.display().text().as_str(), "INVALID");
    bench.accept(Input::Close);
    bench.refuse(Input::Close, Refusal::AlreadyClosed);
    bench.accept(Input::Result);
    bench.accept(Input::Clear);
    assert_eq!(bench.unit.total(), 0);
    assert!(!bench.unit.is_closed(), "a cleared unit takes the poll");
}

#[test]
fn close_shows_poll_start_and_end_times() {
    let mut bench = unit_closed();
    let text = bench.unit.display().text();
    assert!(
        text.as_str().starts_with("PST ") && text.as_str().contains(" PET ") && text.as_str().ends_with("TOTAL 0003"),
        "{text}"
    );
    bench.accept(Input::Total);
    assert_eq!(bench.unit.display().text().as_str(), "TOTAL 0003");
}

#[test]
fn a_switched_off_unit_takes_no_press() {
    let mut bench = unit_ready();
    bench.accept(Input::PowerOff);
    bench.refuse(Input::Ballot, Refusal::PoweredOff);
    bench.refuse(Input::Total, Refusal::PoweredOff);
    assert!(!bench.unit.lamps().on);
}

#[test]
fn a_dead_battery_is_a_power_cut_and_a_low_one_asks_for_a_change() {
    let mut bench = unit_ballot_enabled();
    bench.accept(Input::BatteryLevel { percent: 0 });
    assert!(!bench.unit.is_powered() && !bench.unit.ballot_enabled());
    bench.refuse(Input::PowerOn { held_button: None }, Refusal::BatteryExhausted);
    bench.accept(Input::BatteryLevel { percent: 8 });
    bench.accept(Input::PowerOn { held_button: None });
    assert_eq!(bench.unit.display().text().as_str(), "CHANGE BATTERY");
}

// ------------------------------------------------------- FIRST-LEVEL CHECK --

/// Lawful: after `Result` and `Clear`, the first-level check readies the
/// machine for another election: a new candidate count is set and sealed,
/// and the next poll starts from zero.
#[test]
fn a_cleared_machine_is_readied_for_another_election() {
    let mut bench = unit_closed();
    bench.count();
    bench.accept(Input::Clear);
    bench.refuse(Input::CandSet { candidates: 2 }, Refusal::CandidateSetSealed);
    bench.accept(Input::FirstLevelCheck);
    assert_eq!(bench.unit.result_seal(), evm_sim::unit::ResultSeal::NotFixed);
    bench.refuse(Input::Ballot, Refusal::CandidatesNotSet);
    bench.accept(Input::CandSet { candidates: 2 });
    bench.accept(Input::SealCandidateSetSection);
    bench.accept(Input::Total);
    assert_eq!(bench.unit.total(), 0);
}

/// Unlawful: the check erases nothing, so a machine holding votes refuses
/// it — their result unread, read and not cleared, or behind an intact seal.
#[test]
fn the_first_level_check_never_erases_a_vote() {
    let mut bench = unit_closed();
    assert_eq!(bench.unit.result_seal(), evm_sim::unit::ResultSeal::Intact);
    bench.refuse(Input::FirstLevelCheck, Refusal::ResultSealIntact);
    bench.accept(Input::BreakResultSeal);
    bench.refuse(Input::FirstLevelCheck, Refusal::VotesInMemory);
    bench.accept(Input::Result);
    bench.refuse(Input::FirstLevelCheck, Refusal::VotesInMemory);
    assert_eq!(bench.unit.total(), 3);
    bench.refuse(Input::CandSet { candidates: 2 }, Refusal::CandidateSetSealed);
}

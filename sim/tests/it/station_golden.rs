//! Golden files: the rendered Form 16C of three stations of ward 7, the
//! ward's Form 23 and Form 24, and the Form 24 of ward 8 where a tie is
//! decided by lot, pinned byte for byte under `sim/tests/it/golden/`.
//!
//! To rewrite them after an intended change, run
//! `UPDATE_GOLDEN=1 cargo test -p evm-sim --test it station_golden::` and review
//! the diff before committing it. Without `UPDATE_GOLDEN=1` a missing or
//! different file fails the test.
//!
//! Each poll day is scripted so that its figures can be counted by hand; the
//! tests assert those hand counts before comparing the renderings, so a
//! golden file cannot pin a wrong figure unnoticed.

use crate::station_common::*;
use evm_sim::forms::{markdown, text, ElectionDutyVotes, Form16C, ItemSixTally, PartTwoTally};
use evm_sim::station::counting::splitmix64;
use evm_sim::station::{DepositOutcome, InkCheckFailure, StationAction, StationIdentity};
use evm_sim::{Counting, Defects, MachineProfile, PollDay};
use std::path::PathBuf;

const UPDATE_GOLDEN: &str = "UPDATE_GOLDEN";

/// Compares `rendered` with `tests/it/golden/<name>` byte for byte, or rewrites
/// the file when `UPDATE_GOLDEN=1`.
fn golden(name: &str, rendered: &str) {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "it", "golden", name].iter().collect();
    if std::env::var(UPDATE_GOLDEN).as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().expect("golden folder")).expect("create tests/golden");
        std::fs::write(&path, rendered).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}; run with {UPDATE_GOLDEN}=1 to create it", path.display()));
    if expected != rendered {
        let line = expected.lines().zip(rendered.lines()).position(|(old, new)| old != new);
        panic!(
            "{} differs from the rendering (first differing line: {:?}); run with {UPDATE_GOLDEN}=1 and review the diff if the change is intended\n--- rendered ---\n{rendered}",
            path.display(),
            line.map(|index| index + 1)
        );
    }
}

/// Station 1: an ordinary poll with every exception of the day.
fn station_one() -> Day {
    let mut day = station_open(1, 20);
    for (elector, candidate) in (1..).zip([1, 2, 1, 3, NOTA, 1, 2, 2]) {
        day.vote(elector, candidate);
    }
    day.enter(9);
    day.act(StationAction::DecidedNotToVote { elector: 9, cancelled_enable: false });
    day.enter(10);
    day.act(StationAction::BallotPressed { elector: 10 });
    day.act(StationAction::NotAllowedToVote { elector: 10, cancelled_enable: true });
    day.act(StationAction::ElectorIdentified { elector: 11 });
    day.act(StationAction::IdentityChallenged { elector: 11, challenger: "Polling agent of Bina Das".to_owned() });
    day.act(StationAction::ChallengeDecided { elector: 11, established: true, deposit: DepositOutcome::Returned });
    day.act(StationAction::ElectorIdentified { elector: 12 });
    day.act(StationAction::InkCheckFailed { elector: 12, reason: InkCheckFailure::RefusedInspection });
    day.act(StationAction::TenderedBallotPaperIssued { elector: 3, ballot_paper: 1003, thumb_impression: false });
    day.act(StationAction::PresidingOfficerEnteredCompartment { polling_agents_accompanied: true });
    day.act(StationAction::PaperSealDamaged { serial: 5005 });
    day.close();
    day
}

/// Station 2: a mock-poll vote left in the first machine, which then fails
/// with elector 5's enable pending; the replacement set gets a one-vote-per-
/// button mock poll, cleared.
fn station_two() -> Day {
    let mut day = station_supplied(2, 15);
    day.prepare_machine("CU-2-1", Defects::NONE, 1, false);
    for (elector, candidate) in (1..).zip([2, 2, 3, 1]) {
        day.vote(elector, candidate);
    }
    day.enter(5);
    day.act(StationAction::BallotPressed { elector: 5 });
    day.act(StationAction::MachineFailed { total_shown: 0 });
    day.prepare_machine("CU-2-2", Defects::NONE, u32::from(NOTA), true);
    day.act(StationAction::BallotPressed { elector: 5 });
    assert_eq!(day.press(2).votes_recorded(), 1);
    day.vote(6, 3);
    day.close();
    day
}

/// Station 3: elector 4 leaves after `Ballot` without the enable cancelled
/// and elector 5 votes on it (invisible to Form 16C); the poll is adjourned
/// and resumed on a new machine.
fn station_three() -> Day {
    let mut day = station_open(3, 12);
    for (elector, candidate) in (1..).zip([3, 3, 1]) {
        day.vote(elector, candidate);
    }
    day.enter(4);
    day.act(StationAction::BallotPressed { elector: 4 });
    day.act(StationAction::DecidedNotToVote { elector: 4, cancelled_enable: false });
    day.enter(5);
    day.act(StationAction::BallotPressed { elector: 5 });
    assert_eq!(day.press(1).votes_recorded(), 1);
    day.act(StationAction::PollAdjourned { total_shown: 0 });
    day.prepare_machine("CU-3-2", Defects::NONE, 4, true);
    day.vote(6, 2);
    day.vote(7, NOTA);
    day.close();
    day
}

fn ward_seven() -> (Vec<Form16C>, Counting) {
    let mut counting = Counting::new(MUNICIPALITY, WARD, DATE_OF_POLL, &CANDIDATE_NAMES, true).expect("a valid count");
    for mut day in [station_one(), station_two(), station_three()] {
        let now = day.now();
        day.poll_day.count(now, &mut counting).expect("counted");
    }
    counting
        .record_election_duty_votes(ElectionDutyVotes { valid_votes: vec![2, 1, 0, 0], rejected: 1 })
        .expect("election duty votes");
    let forms = (1..=3).map(|station| counting.form_16c(station).expect("station")).collect();
    (forms, counting)
}

#[test]
fn form_16c_of_three_stations() {
    let (forms, _) = ward_seven();
    // Hand counts from the scripts above: (item 2, 3, 4, 5, item 6 difference).
    let expected = [(10, 1, 1, 8, 0), (6, 0, 0, 7, 1), (7, 1, 0, 6, 0)];
    for (form, (two, three, four, five, difference)) in forms.iter().zip(expected) {
        let part_one = &form.part_one;
        assert_eq!(
            (
                part_one.voters_in_register,
                part_one.voters_deciding_not_to_vote,
                part_one.voters_not_allowed_to_vote,
                part_one.item_5,
                part_one.item_six.difference()
            ),
            (two, three, four, five, difference),
            "station {}",
            part_one.identity.number
        );
        assert!(form.part_two.iter().all(|part_two| part_two.tally == PartTwoTally::Tallies));
    }
    assert_eq!(forms[0].part_one.voters_issued_tendered_ballot_papers, 1);
    assert_eq!(forms[0].part_one.paper_seals.damaged, vec![5005]);
    assert_eq!(forms[1].part_one.item_six, ItemSixTally::compare(7, 6, 0, 0));
    let readouts: Vec<Vec<Vec<u64>>> = forms
        .iter()
        .map(|form| form.part_two.iter().map(|part| part.candidates.iter().map(|line| line.votes).collect()).collect())
        .collect();
    assert_eq!(
        readouts,
        vec![
            vec![vec![3, 3, 1, 1]],
            vec![vec![2, 2, 1, 0], vec![0, 1, 1, 0]],
            vec![vec![2, 0, 2, 0], vec![0, 1, 0, 1]]
        ]
    );
    for form in &forms {
        golden(&format!("ward7_ps{}_form16c.txt", form.part_one.identity.number), &text::form_16c(form));
    }
    golden("ward7_ps1_form16c.md", &markdown::form_16c(&forms[0]));
    let json = serde_json::to_string_pretty(&forms[1]).expect("serialise") + "\n";
    golden("ward7_ps2_form16c.json", &json);
    let parsed: Form16C = serde_json::from_str(&json).expect("parse");
    assert_eq!(parsed, forms[1]);
}

#[test]
fn form_23_and_form_24_of_ward_seven() {
    let (_, counting) = ward_seven();
    let form_23 = counting.form_23().expect("form 23");
    // Station columns plus election duty, counted by hand.
    assert_eq!(form_23.totals, vec![3 + 2 + 2 + 2, 3 + 3 + 1 + 1, 1 + 2 + 2, 1 + 1]);
    // NOTA (2) is on its own line, not in the valid votes.
    assert_eq!(
        (form_23.total_valid, form_23.none_of_the_above, form_23.total_rejected, form_23.grand_total),
        (22, Some(2), 1, 25)
    );
    golden("ward7_form23.txt", &text::form_23(&form_23));
    golden("ward7_form23.md", &markdown::form_23(&form_23));
    let form_24 = counting.form_24(7).expect("form 24");
    assert_eq!((form_24.declaration.elected.as_str(), form_24.declaration.votes), ("Anil Sen", 9));
    assert_eq!(form_24.declaration.lot, None);
    assert_eq!((form_24.total_valid, form_24.total_invalid, form_24.total_tendered), (22, 1, 1));
    assert_eq!(form_24.none_of_the_above, Some(2));
    golden("ward7_form24.txt", &text::form_24(&form_24));
}

fn ward_eight() -> Counting {
    let identity = StationIdentity { ward: 8, ..identity(1) };
    let poll_day = PollDay::new(identity, 8, CANDIDATES, MachineProfile::m2()).expect("station");
    let mut day = Day { poll_day, milliseconds: 6 * 3_600_000, next_paper_seal: FIRST_PAPER_SEAL };
    day.supply();
    day.prepare_machine("CU-8-1", Defects::NONE, 4, true);
    for (elector, candidate) in (1..).zip([1, 2, 1, 2, 3, NOTA]) {
        day.vote(elector, candidate);
    }
    day.close();
    let mut counting = Counting::new(MUNICIPALITY, 8, DATE_OF_POLL, &CANDIDATE_NAMES, true).expect("count");
    let now = day.now();
    day.poll_day.count(now, &mut counting).expect("counted");
    counting
}

#[test]
fn a_tie_is_decided_by_a_recorded_lot_from_the_seed() {
    // Reference outputs of splitmix64 (Vigna's generator, first output).
    assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
    assert_eq!(splitmix64(1), 0x910A_2DEC_8902_5CC1);
    let counting = ward_eight();
    let seed = 2026;
    let form_24 = counting.form_24(seed).expect("form 24");
    let lot = form_24.declaration.lot.clone().expect("a tie between Anil Sen and Bina Das");
    assert_eq!(lot.tied, vec!["Anil Sen".to_owned(), "Bina Das".to_owned()]);
    assert_eq!(lot.drawn, lot.tied[(splitmix64(seed) % 2) as usize]);
    assert_eq!(form_24.declaration.elected, lot.drawn);
    assert_eq!(form_24.declaration.votes, 2);
    // The same seed draws the same lot; the draw depends on the seed.
    assert_eq!(counting.declare(seed).expect("declaration"), form_24.declaration);
    let drawn: std::collections::BTreeSet<String> =
        (0..16).map(|seed| counting.declare(seed).expect("declaration").elected).collect();
    assert_eq!(drawn.len(), 2, "over 16 seeds both tied candidates are drawn");
    golden("ward8_form24_tie.txt", &text::form_24(&form_24));
    golden("ward8_form24_tie.md", &markdown::form_24(&form_24));
}

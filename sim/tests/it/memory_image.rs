//! The memory image: history independence (SECRECY), tamper evidence
//! (61G(4)), rollback (the Form 16C item 5 cross-check), and the detachable
//! memory read again at a recount (61N).

use std::collections::BTreeMap;

use crate::memory_poll::*;
use evm_sim::detachable_memory::{
    image_bytes_for, MemoryImage, OpenFault, RetainingUnit, SimulatedStorage, Storage, TamperReason, Tampered,
    HEADER_BYTES, MAC_BYTES, MAX_IMAGE_BYTES,
};
use evm_sim::forms::ItemSixTally;
use evm_sim::unit::Input;
use evm_sim::{Defects, MachineProfile, Refusal, Timestamp};
use proptest::prelude::*;

fn open(commissioning: &evm_sim::Commissioning, bytes: &[u8]) -> Result<(), TamperReason> {
    MemoryImage::open(commissioning, bytes).map(|_| ()).map_err(|Tampered { reason }| reason)
}

// ------------------------------------------------- history independence --

/// Every sequence of 5 votes over 3 buttons (2 candidates and NOTA), all
/// 243: the image depends on the multiset of votes only, and two different
/// multisets never give the same image.
#[test]
fn the_image_depends_on_the_multiset_of_votes_not_their_order() {
    let commissioning = commissioning(1, 0x11);
    let mut images: BTreeMap<Vec<u16>, Vec<u8>> = BTreeMap::new();
    for code in 0..3u32.pow(5) {
        let votes: Vec<u16> = (0..5).map(|place| (code / 3u32.pow(place) % 3) as u16 + 1).collect();
        let image = image_after_votes(&commissioning, 2, &votes);
        let mut multiset = votes.clone();
        multiset.sort_unstable();
        let first = images.entry(multiset).or_insert_with(|| image.as_bytes().to_vec());
        assert_eq!(first.as_slice(), image.as_bytes(), "votes in the order {votes:?}");
    }
    let distinct: std::collections::BTreeSet<&Vec<u8>> = images.values().collect();
    assert_eq!(images.len(), 21, "multisets of 5 votes over 3 buttons");
    assert_eq!(distinct.len(), images.len(), "two multisets gave one image");
}

/// Rearranges `items` into the next permutation in lexicographic order;
/// false after the last one.
fn next_permutation(items: &mut [u16]) -> bool {
    let Some(pivot) = items.windows(2).rposition(|pair| pair[0] < pair[1]) else {
        return false;
    };
    let successor = items.iter().rposition(|&item| item > items[pivot]).expect("a larger item after the pivot");
    items.swap(pivot, successor);
    items[pivot + 1..].reverse();
    true
}

/// Every distinct order of 7 votes over 5 of 16 buttons (1,260 orders),
/// each with an elector who decides not to vote (39N: `Ballot`, then the
/// enable cancelled by a power cycle) at a place that moves with the order:
/// one image.
#[test]
fn every_order_of_a_small_poll_gives_one_image() {
    let commissioning = commissioning(2, 0x22);
    let mut votes = vec![1, 1, 2, 3, 3, 7, 16];
    let mut expected: Option<MemoryImage> = None;
    let mut orders = 0;
    loop {
        let mut unit = commissioned(&commissioning);
        let mut clock = Clock::default();
        feed(&mut unit, &mut clock, &setup(15));
        for (place, &vote) in votes.iter().enumerate() {
            if place == orders % votes.len() {
                feed(&mut unit, &mut clock, &[Input::Ballot, Input::PowerOff, Input::PowerOn { held_button: None }]);
            }
            feed(&mut unit, &mut clock, &[Input::Ballot, button(vote), Input::Total]);
        }
        feed(&mut unit, &mut clock, &[Input::Close]);
        let image = unit.backend().image().clone();
        assert_eq!(expected.get_or_insert_with(|| image.clone()), &image, "votes in the order {votes:?}");
        orders += 1;
        if !next_permutation(&mut votes) {
            break;
        }
    }
    assert_eq!(orders, 1_260);
}

/// Only the counters, the total and the tag differ between the images of
/// two polls with the same life-cycle: nothing else is written per vote.
#[test]
fn a_vote_changes_only_its_counter_the_total_and_the_tag() {
    let commissioning = commissioning(3, 0x33);
    let one = image_after_votes(&commissioning, 15, &[5]);
    let many = image_after_votes(&commissioning, 15, &[5, 9, 9, 16, 1]);
    let total_offset = HEADER_BYTES - 4;
    let mac_offset = one.as_bytes().len() - MAC_BYTES;
    for (offset, (a, b)) in one.as_bytes().iter().zip(many.as_bytes()).enumerate() {
        if a != b {
            assert!(offset >= total_offset, "byte {offset} (a header field) differs");
            assert!(offset < HEADER_BYTES + 4 * 16 || offset >= mac_offset, "byte {offset}: an unused counter");
        }
    }
}

#[derive(Clone, Debug)]
struct LargePoll {
    /// Ballot entries 1 to 64 (63 candidates and NOTA), one per elector.
    votes: Vec<u16>,
    /// The same votes in another order.
    shuffled: Vec<u16>,
    /// Extra seconds before each elector, per order: per-vote times differ.
    gaps_seconds: Vec<u64>,
    other_gaps_seconds: Vec<u64>,
    /// Electors who decide not to vote after `Ballot` (39N), by place.
    undecided: Vec<usize>,
}

fn large_poll() -> impl Strategy<Value = LargePoll> {
    prop::collection::vec(1u16..=64, 0..=2_000).prop_flat_map(|votes| {
        let length = votes.len();
        (
            Just(votes.clone()).prop_shuffle(),
            prop::collection::vec(0u64..30, length),
            prop::collection::vec(0u64..30, length),
            prop::collection::vec(0..length.max(1), 0..5),
            Just(votes),
        )
            .prop_map(|(shuffled, gaps_seconds, other_gaps_seconds, undecided, votes)| LargePoll {
                votes,
                shuffled,
                gaps_seconds,
                other_gaps_seconds,
                undecided,
            })
    })
}

/// The image of a 64-button poll: the poll starts at a fixed time (first
/// `Ballot`) and closes at a fixed time; in between, votes come at the
/// given gaps.
fn large_poll_image(
    commissioning: &evm_sim::Commissioning,
    votes: &[u16],
    gaps_seconds: &[u64],
    undecided: &[usize],
) -> MemoryImage {
    let mut unit = PlainUnit::new();
    let now = Timestamp::from_clock(6, 0, 0);
    for position in 1..=4 {
        unit.accept(now, Input::AttachBallotingUnit { position });
    }
    unit.accept(now, Input::PowerOn { held_button: None });
    unit.accept(now, Input::CandSet { candidates: 63 });
    unit.accept(now, Input::SealCandidateSetSection);
    unit.accept(now, Input::FixResultSeal);
    let mut now = Timestamp::from_clock(7, 0, 0);
    for (place, (&vote, &gap_seconds)) in votes.iter().zip(gaps_seconds).enumerate() {
        if undecided.contains(&place) && place > 0 {
            unit.accept(now, Input::Ballot);
            unit.accept(now, Input::PowerOff);
            unit.accept(now, Input::PowerOn { held_button: None });
        }
        unit.accept(now, Input::Ballot);
        unit.accept(now.plus_milliseconds(500), button(vote));
        now = now.plus_milliseconds((13 + gap_seconds) * 1000);
    }
    // 2,000 electors at 43 seconds at most fit before 7:00 + 24 hours.
    unit.accept(Timestamp::from_clock(31, 0, 0), Input::Close);
    unit.image(commissioning)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Up to 2,000 votes over 64 buttons, in two orders, at different
    /// per-vote times, with 39N electors at different places: one image.
    #[test]
    fn a_large_poll_in_any_order_at_any_times_gives_one_image(poll in large_poll()) {
        let commissioning = commissioning(4, 0x44);
        let image = large_poll_image(&commissioning, &poll.votes, &poll.gaps_seconds, &[]);
        let reordered = large_poll_image(&commissioning, &poll.shuffled, &poll.other_gaps_seconds, &poll.undecided);
        prop_assert_eq!(image.as_bytes(), reordered.as_bytes());
        let contents = MemoryImage::open(&commissioning, image.as_bytes()).expect("genuine");
        prop_assert_eq!(contents.retained.total() as usize, poll.votes.len());
    }
}

#[test]
fn a_full_64_candidate_machine_fits_in_a_few_hundred_bytes() {
    let commissioning = commissioning(5, 0x55);
    let votes: Vec<u16> = (0..2_000).map(|elector| elector % 64 + 1).collect();
    let image = large_poll_image(&commissioning, &votes, &vec![0; votes.len()], &[]);
    assert_eq!(image.as_bytes().len(), image_bytes_for(&MachineProfile::m2()));
    assert_eq!(image.as_bytes().len(), 344);
    const { assert!(MAX_IMAGE_BYTES <= 2_048) };
}

// ------------------------------------------------------ tamper evidence --

fn small_image() -> (evm_sim::Commissioning, Vec<u8>) {
    let commissioning = commissioning(6, 0x66);
    let image = image_after_votes(&commissioning, 3, &[1, 2, 2, 4]);
    (commissioning, image.as_bytes().to_vec())
}

/// Every one of the 2,752 single-bit flips of a 344-byte image is refused,
/// with a reason that fits the place of the flip.
#[test]
fn every_single_bit_flip_is_tampered() {
    let (commissioning, genuine) = small_image();
    assert_eq!(open(&commissioning, &genuine), Ok(()));
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for bit in 0..genuine.len() * 8 {
        let mut flipped = genuine.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        let reason = open(&commissioning, &flipped).expect_err(&format!("flip of bit {bit} went unnoticed"));
        let expected_kind = match bit / 8 {
            0..=7 => matches!(reason, TamperReason::NotAMemoryImage),
            8..=9 => matches!(reason, TamperReason::UnknownFormatVersion { .. }),
            10..=11 => matches!(reason, TamperReason::LengthMismatch { .. } | TamperReason::TooShort { .. }),
            12..=19 => matches!(reason, TamperReason::ForeignUnit { .. }),
            _ => reason == TamperReason::IntegrityCheckFailed,
        };
        assert!(expected_kind, "bit {bit}: {reason}");
        *reasons.entry(format!("{:?}", std::mem::discriminant(&reason))).or_default() += 1;
    }
    assert_eq!(reasons.values().sum::<usize>(), 344 * 8);
}

#[test]
fn every_truncation_and_every_extension_is_tampered() {
    let (commissioning, genuine) = small_image();
    for length in 0..genuine.len() {
        assert!(open(&commissioning, &genuine[..length]).is_err(), "cut to {length} bytes");
    }
    for extra in [1, 2, 31, 32, MAX_IMAGE_BYTES] {
        let mut longer = genuine.clone();
        longer.resize(genuine.len() + extra, 0);
        assert!(open(&commissioning, &longer).is_err(), "{extra} bytes added");
    }
}

#[test]
fn splicing_two_images_of_one_unit_is_tampered() {
    let commissioning = commissioning(7, 0x77);
    let early = image_after_votes(&commissioning, 3, &[1, 2]).as_bytes().to_vec();
    let late = image_after_votes(&commissioning, 3, &[1, 2, 3, 3, 4, 4, 4]).as_bytes().to_vec();
    let mut spliced_images = 0;
    for cut in 1..early.len() {
        for (head, tail) in [(&early, &late), (&late, &early)] {
            let spliced: Vec<u8> = head[..cut].iter().chain(&tail[cut..]).copied().collect();
            if spliced != early && spliced != late {
                spliced_images += 1;
                assert_eq!(open(&commissioning, &spliced), Err(TamperReason::IntegrityCheckFailed), "cut at {cut}");
            }
        }
    }
    assert!(spliced_images > 400, "{spliced_images} splices");
}

#[test]
fn the_memory_of_another_unit_is_refused() {
    let ours = commissioning(8, 0x88);
    let theirs = commissioning(9, 0x99);
    let their_image = image_after_votes(&theirs, 3, &[1]).as_bytes().to_vec();
    assert_eq!(
        open(&ours, &their_image),
        Err(TamperReason::ForeignUnit { expected: ours.serial_number, found: theirs.serial_number })
    );
    // Their image with our serial number written in: the tag gives it away.
    let mut relabelled = their_image.clone();
    relabelled[12..20].copy_from_slice(&ours.serial_number.0.to_le_bytes());
    assert_eq!(open(&ours, &relabelled), Err(TamperReason::IntegrityCheckFailed));
    // Our serial number, another key (a unit re-commissioned without the old key).
    let mut rekeyed = commissioning(8, 0x01);
    rekeyed.profile = ours.profile;
    let our_image = image_after_votes(&ours, 3, &[1]).as_bytes().to_vec();
    assert_eq!(open(&rekeyed, &our_image), Err(TamperReason::IntegrityCheckFailed));
    // An M2 image read by an M3 unit of the same key and serial number.
    let mut as_m3 = ours.clone();
    as_m3.profile = MachineProfile::m3();
    assert_eq!(open(&as_m3, &our_image), Err(TamperReason::ProfileMismatch));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_multi_byte_edits_are_tampered(
        edits in prop::collection::vec((0usize..344, 1u8..=255), 2..32),
    ) {
        let (commissioning, genuine) = small_image();
        let mut edited = genuine.clone();
        for (offset, mask) in edits {
            edited[offset] ^= mask;
        }
        prop_assume!(edited != genuine);
        prop_assert!(open(&commissioning, &edited).is_err());
    }

    /// Any bytes at all: a typed refusal, never a panic.
    #[test]
    fn arbitrary_bytes_are_refused_without_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..2_000)) {
        let (commissioning, _) = small_image();
        prop_assert!(open(&commissioning, &bytes).is_err());
    }

    /// A genuine header followed by any bytes: refused, never a panic.
    #[test]
    fn a_genuine_header_over_arbitrary_bytes_is_refused(tail in prop::collection::vec(any::<u8>(), 0..400)) {
        let (commissioning, genuine) = small_image();
        let mut bytes = genuine[..HEADER_BYTES].to_vec();
        bytes.extend(tail);
        prop_assume!(bytes != genuine);
        prop_assert!(open(&commissioning, &bytes).is_err());
    }
}

// --------------------------------------------------------------- rollback --

/// An earlier genuine image put back in place of the last one passes the
/// integrity check — the unit keeps no per-write counter, which would be
/// per-vote data — and shows at the Form 16C item 5 cross-check: item 5 falls
/// short of item 2 − item 3 − item 4 by the votes rolled back.
#[test]
fn a_rollback_to_an_earlier_genuine_image_shows_at_the_form_16c_cross_check() {
    let commissioning = commissioning(10, 0xaa);
    let mut unit = commissioned(&commissioning);
    let mut clock = Clock::default();
    feed(&mut unit, &mut clock, &setup(3));
    let mut entered_in_register_of_voters = 0u64;
    let mut early_image = None;
    for (elector, vote) in [1, 2, 3, 1, 1, 2, 4, 3].into_iter().enumerate() {
        entered_in_register_of_voters += 1;
        feed(&mut unit, &mut clock, &[Input::Ballot, button(vote)]);
        if elector == 4 {
            early_image = Some(unit.backend().storage().committed().expect("committed").to_vec());
        }
    }
    feed(&mut unit, &mut clock, &[Input::Close]);
    let final_image = unit.backend().storage().committed().expect("committed").to_vec();

    let item_5 = |image: &[u8]| {
        let unit = RetainingUnit::open(SimulatedStorage::with_committed(image), commissioning.clone(), Defects::NONE)
            .expect("a genuine image");
        u64::from(unit.unit().total())
    };
    assert_eq!(ItemSixTally::compare(item_5(&final_image), entered_in_register_of_voters, 0, 0), ItemSixTally::Tallies);
    let rolled_back = ItemSixTally::compare(item_5(&early_image.expect("saved")), entered_in_register_of_voters, 0, 0);
    assert_eq!(rolled_back.difference(), -3, "{rolled_back}");
}

// ------------------------------------------------ the detachable memory --

/// Counted, exported, read again at a recount 30 days later on a fresh
/// unit of the same commissioning: the same Part II; `Clear` only after
/// `Result`, and only then is the memory erased.
#[test]
fn an_exported_image_read_again_at_a_recount_gives_the_same_part_two() {
    let commissioning = commissioning(11, 0xbb);
    let mut unit = commissioned(&commissioning);
    let mut clock = Clock::default();
    feed(&mut unit, &mut clock, &setup(4));
    for vote in [4, 4, 1, 5, 2, 4] {
        feed(&mut unit, &mut clock, &[Input::Ballot, button(vote)]);
    }
    feed(&mut unit, &mut clock, &[Input::Close, Input::DetachBallotingUnit { position: 1 }]);
    // Counting (61H): the seal is broken and `Result` pressed.
    feed(&mut unit, &mut clock, &[Input::BreakResultSeal, Input::Result]);
    let part_two = unit.unit().result_readout().expect("after Result").counts.to_vec();
    let total = unit.unit().total();
    assert_eq!((part_two.as_slice(), total), ([1, 1, 0, 3, 1].as_slice(), 6));
    let detached_memory = unit.backend().storage().committed().expect("committed").to_vec();
    drop(unit);

    let mut recount =
        RetainingUnit::open(SimulatedStorage::with_committed(&detached_memory), commissioning.clone(), Defects::NONE)
            .expect("the sealed memory, untouched");
    assert!(recount.backend().life_cycle().result_read());
    let mut clock = Clock::default();
    feed(&mut recount, &mut clock, &[Input::PowerOn { held_button: None }, Input::Result]);
    let readout = recount.unit().result_readout().expect("after Result");
    assert_eq!((readout.counts, readout.total), (part_two.as_slice(), total));
    feed(&mut recount, &mut clock, &[Input::Clear]);
    assert_eq!(recount.unit().total(), 0);
    let cleared = MemoryImage::open(&commissioning, recount.backend().storage().committed().expect("committed"))
        .expect("genuine");
    assert_eq!((cleared.retained.total(), cleared.life_cycle.clears()), (0, 2));
}

#[test]
fn a_restarted_unit_clears_only_after_result() {
    let commissioning = commissioning(12, 0xcc);
    let mut unit = commissioned(&commissioning);
    let mut clock = Clock::default();
    feed(&mut unit, &mut clock, &setup(2));
    feed(&mut unit, &mut clock, &[Input::Ballot, button(1), Input::Close]);
    let storage = unit.into_backend().into_storage();
    let mut restarted = RetainingUnit::open(storage, commissioning, Defects::NONE).expect("genuine");
    let mut clock = Clock::default();
    feed(&mut restarted, &mut clock, &[Input::PowerOn { held_button: None }]);
    let refused =
        |unit: &mut SealedUnit, clock: &mut Clock, input| unit.step(clock.tick(), input).expect("power").refusal;
    assert_eq!(refused(&mut restarted, &mut clock, Input::Clear), Some(Refusal::ResultSealIntact));
    feed(&mut restarted, &mut clock, &[Input::BreakResultSeal]);
    assert_eq!(refused(&mut restarted, &mut clock, Input::Clear), Some(Refusal::ClearBeforeResult));
    assert_eq!(restarted.unit().total(), 1);
    feed(&mut restarted, &mut clock, &[Input::Result, Input::Clear]);
    assert_eq!(restarted.unit().total(), 0);
}

#[test]
fn opening_a_storage_with_no_image_hands_it_back_and_a_tampered_one_is_left_alone() {
    let commissioning = commissioning(13, 0xdd);
    let storage = match RetainingUnit::open(SimulatedStorage::new(), commissioning.clone(), Defects::NONE) {
        Err(OpenFault::NoImage(storage)) => storage,
        other => panic!("expected no image, got {:?}", other.map(|_| ())),
    };
    let mut unit = RetainingUnit::commission(storage, commissioning.clone(), Defects::NONE).expect("power");
    let mut clock = Clock::default();
    feed(&mut unit, &mut clock, &setup(2));
    let mut bytes = unit.backend().storage().committed().expect("committed").to_vec();
    bytes[HEADER_BYTES] ^= 1;
    let mut storage = SimulatedStorage::with_committed(&bytes);
    match RetainingUnit::open(storage.clone(), commissioning, Defects::NONE) {
        Err(OpenFault::Tampered(tampered)) => {
            assert_eq!(tampered.reason, TamperReason::IntegrityCheckFailed);
            assert!(tampered.to_string().starts_with("tampered: do not count (61G(4)): "), "{tampered}");
        }
        other => panic!("expected tampered, got {:?}", other.map(|_| ())),
    }
    assert_eq!(storage.read_committed().expect("readable").as_deref(), Some(bytes.as_slice()));
}

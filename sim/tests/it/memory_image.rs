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

// ------------------------------------ a genuine image that does not add up --

/// The image as a faulty unit holding `commissioning`'s key writes it:
/// `edit` changes the bytes and the tag is computed again, so the image
/// passes every 61G check and records the fault faithfully.
fn genuine_after(commissioning: &evm_sim::Commissioning, bytes: &[u8], edit: impl FnOnce(&mut [u8])) -> Vec<u8> {
    use hmac::Mac;
    let mut bytes = bytes.to_vec();
    let sealed = bytes.len() - MAC_BYTES;
    edit(&mut bytes[..sealed]);
    // The commissioning fixture's key is 32 copies of its key byte.
    let key = [0x77u8; 32];
    assert_eq!(commissioning.serial_number.0, 77, "the fixture below is commissioning(77, 0x77)");
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(&bytes[..sealed]);
    bytes[sealed..].copy_from_slice(&mac.finalize().into_bytes());
    bytes
}

/// Each way a genuine image can fail to add up (docs/MEMORY_FORMAT.md, in
/// the order the checks run): the unit restarted from it is in the
/// memory-fault state with that code, records no vote, erases nothing, and
/// still reads its result out; the genuine image of a conforming unit beside
/// them restarts with no fault.
#[test]
// Longer than 70 lines on purpose: a table of the consistency checks, each a crafted image beside
// its exact readout.
fn a_genuine_image_that_does_not_add_up_restarts_a_unit_in_the_memory_fault_state() {
    use evm_sim::unit::MemoryInconsistency;
    let commissioning = commissioning(77, 0x77);
    // 3 candidates and NOTA (buttons 1 to 4), votes 1, 2, 2; closed, seal intact.
    let genuine = image_after_votes(&commissioning, 3, &[1, 2, 2]).as_bytes().to_vec();
    const FLAGS: usize = 23;
    let counter = |button: usize| HEADER_BYTES + 4 * (button - 1);
    let set_u32 =
        |bytes: &mut [u8], offset: usize, value: u32| bytes[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    let cases: Vec<(Vec<u8>, Option<MemoryInconsistency>)> = vec![
        (genuine.clone(), None),
        (
            genuine_after(&commissioning, &genuine, |bytes| bytes[28..30].copy_from_slice(&0u16.to_le_bytes())),
            Some(MemoryInconsistency::VotesWithoutCandidates { total: 3 }),
        ),
        // Votes with the candidate set section never sealed: lawful, the
        // machine cannot see paper and `Ballot` does not need the seal.
        (genuine_after(&commissioning, &genuine, |bytes| bytes[FLAGS] &= !0b0000_0001), None),
        (
            genuine_after(&commissioning, &genuine, |bytes| {
                set_u32(bytes, counter(5), 1);
                set_u32(bytes, 52, 4);
            }),
            Some(MemoryInconsistency::VoteOnMaskedButton { button: 5 }),
        ),
        (
            genuine_after(&commissioning, &genuine, |bytes| set_u32(bytes, counter(1), 2)),
            Some(MemoryInconsistency::CountsDifferFromTotal { counts_sum: 4, total: 3 }),
        ),
        (
            // Closed, but no poll end time (its flag and its field cleared).
            genuine_after(&commissioning, &genuine, |bytes| {
                bytes[FLAGS] &= !0b0010_0000;
                bytes[40..48].fill(0);
            }),
            Some(MemoryInconsistency::CloseWithoutPollEnd),
        ),
        (
            // Open (no Close, no poll end) with the result marked shown.
            genuine_after(&commissioning, &genuine, |bytes| {
                bytes[FLAGS] = (bytes[FLAGS] & !0b0010_0010) | 0b0000_0100;
                bytes[40..48].fill(0);
            }),
            Some(MemoryInconsistency::ResultShownWhileOpen),
        ),
        (
            // Closed, the seal intact, and the result marked shown under it.
            genuine_after(&commissioning, &genuine, |bytes| bytes[FLAGS] |= 0b0000_0100),
            Some(MemoryInconsistency::ResultShownUnderIntactSeal),
        ),
        (
            // No vote, no candidate set, and the section sealed over nothing.
            genuine_after(&commissioning, &genuine, |bytes| {
                bytes[28..30].fill(0);
                bytes[52..56].fill(0);
                bytes[HEADER_BYTES..].fill(0);
            }),
            Some(MemoryInconsistency::SealedWithoutCandidates),
        ),
    ];
    assert_eq!(cases.len(), MemoryInconsistency::ALL.len() + 2, "a case for every kind and the two lawful ones");
    // What counting reads out of each, in the order of the cases: the
    // counters of the ballot buttons in use (none without candidates; a
    // masked button's vote only in the total) and the total as stored.
    let readouts: [(Vec<u32>, u32); 9] = [
        (vec![1, 2, 0, 0], 3),
        (vec![], 3),
        (vec![1, 2, 0, 0], 3),
        (vec![1, 2, 0, 0], 4),
        (vec![2, 2, 0, 0], 3),
        (vec![1, 2, 0, 0], 3),
        (vec![1, 2, 0, 0], 3),
        (vec![1, 2, 0, 0], 3),
        (vec![], 0),
    ];
    for ((bytes, expected), (counts, readout_total)) in cases.into_iter().zip(readouts) {
        let mut unit =
            RetainingUnit::open(SimulatedStorage::with_committed(&bytes), commissioning.clone(), Defects::NONE)
                .unwrap_or_else(|fault| panic!("a genuine image is not tampered: {fault}"));
        assert_eq!(unit.unit().memory_inconsistency(), expected);
        let mut clock = Clock::default();
        feed(
            &mut unit,
            &mut clock,
            &[Input::AttachBallotingUnit { position: 1 }, Input::PowerOn { held_button: None }],
        );
        let Some(inconsistency) = expected else {
            assert_eq!(unit.unit().display().text().as_str(), "EVM IS READY");
            continue;
        };
        let shown = format!("MEMORY ERROR {}", inconsistency.code().to_uppercase());
        assert_eq!(unit.unit().display().text().as_str(), shown);
        let total = unit.unit().total();
        for input in
            [Input::Ballot, button(1), Input::Clear, Input::CandSet { candidates: 2 }, Input::SealCandidateSetSection]
        {
            let reaction = unit.step(clock.tick(), input).expect("power");
            assert_eq!(reaction.refusal, Some(Refusal::MemoryInconsistent), "{input:?} in {}", inconsistency.code());
        }
        assert_eq!(unit.unit().total(), total, "the memory changed in the fault state");
        // Counting still reads it, without a panic and with the counters as stored.
        let was_closed = unit.unit().is_closed();
        let close = unit.step(clock.tick(), Input::Close).expect("power").refusal;
        let expected_close = if unit.unit().candidates() == 0 {
            Some(Refusal::CandidatesNotSet)
        } else {
            was_closed.then_some(Refusal::AlreadyClosed)
        };
        assert_eq!(close, expected_close, "Close in {}", inconsistency.code());
        for input in [Input::BreakResultSeal, Input::Result] {
            let refusal = unit.step(clock.tick(), input).expect("power").refusal;
            assert_eq!(refusal, None, "{input:?} in {}", inconsistency.code());
        }
        let readout = unit.unit().result_readout().expect("the result after Close and Result");
        assert_eq!((readout.counts.to_vec(), readout.total), (counts, readout_total), "{}", inconsistency.code());
        assert_eq!(readout.total, total);
        assert_eq!(unit.unit().display().text().as_str(), shown, "the fault stays on the display");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// "No input from the image file makes evm-sim stop answering": any
    /// genuine image (any flags, seal, candidates, times, total and
    /// counters, tagged with the unit's key) opens as a unit or as tampered,
    /// never a panic, and a board on it answers every request of a poll day
    /// and of counting with a well-formed reply.
    #[test]
    fn a_board_on_any_genuine_image_answers_every_request(
        flags in any::<u8>(),
        seal in 0u8..3,
        candidates in 0u16..70,
        total in 0u32..2_001,
        counters in prop::collection::vec(0u32..5, 64),
        start in any::<u16>(),
    ) {
        use evm_sim::protocol::board::Board;
        use evm_sim::protocol::host::HostSession;
        use evm_sim::protocol::message::Request;
        use evm_sim::detachable_memory::SealedImage;
        let commissioning = commissioning(77, 0x77);
        let genuine = image_after_votes(&commissioning, 3, &[1]).as_bytes().to_vec();
        let bytes = genuine_after(&commissioning, &genuine, |bytes| {
            bytes[23] = flags;
            bytes[30] = seal;
            bytes[28..30].copy_from_slice(&candidates.to_le_bytes());
            bytes[52..56].copy_from_slice(&total.to_le_bytes());
            // Times agree with their flags, or the image is refused as written by no unit.
            let start_time = if flags & 0b1_0000 != 0 { u64::from(start) } else { 0 };
            bytes[32..40].copy_from_slice(&start_time.to_le_bytes());
            let end_time = if flags & 0b10_0000 != 0 { u64::from(start) + 1 } else { 0 };
            bytes[40..48].copy_from_slice(&end_time.to_le_bytes());
            for (slot, count) in bytes[HEADER_BYTES..].chunks_exact_mut(4).zip(&counters) {
                slot.copy_from_slice(&count.to_le_bytes());
            }
        });
        let Ok((memory, unit)) = SealedImage::open(SimulatedStorage::with_committed(&bytes), commissioning.clone(), Defects::NONE) else {
            return Ok(());
        };
        let mut board = Board::new(MachineProfile::m2(), Defects::NONE, "EVM-SIM-0001", false).with_memory(unit, Box::new(memory));
        let mut host = HostSession::new();
        let press = Input::PressButton { address: evm_sim::ButtonAddress { balloting_unit: 1, button: 1 } };
        let mut requests = vec![Request::Hello { highest_version: 1 }, Request::ReadState, Request::ReadResult];
        let poll_and_count = [Input::Ballot, press, Input::Total, Input::Close, Input::BreakResultSeal, Input::Result, Input::Clear];
        for input in SWITCHED_ON_WITH_THREE_CANDIDATES.into_iter().chain(poll_and_count) {
            requests.push(Request::Input { at: Timestamp::ZERO, input });
            requests.push(Request::ReadResult);
        }
        requests.push(Request::ReadState);
        for request in requests {
            let (reply, garbled) = exchange(&mut board, &mut host, &request);
            prop_assert!(reply.is_some(), "no reply to {:?}", request);
            prop_assert!(!garbled);
        }
    }
}

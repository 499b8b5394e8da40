//! An arbitrary sequence of inputs into the control unit: the invariants of
//! DOMAIN.md section 3 after every step (`unit_model`), and the unit against
//! the reference model (`differential`).

use crate::reference::ReferenceUnit;
use arbitrary::{Arbitrary, Unstructured};
use evm_sim::protocol::message::{kind, Request};
use evm_sim::unit::{ButtonAddress, ControlUnit, Event, Input, Reaction, ResultSeal};
use evm_sim::{Display, MachineProfile, Timestamp};

/// A wire-encoded step in a model input: `WIRE_STEP`, a length byte, then an
/// `INPUT` payload of docs/PROTOCOL.md (`at_ms` is the delay since the
/// previous step). Lets corpus seeds be written from traces.
pub const WIRE_STEP: u8 = 0xFF;

/// One step: wait, then give the input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step {
    pub after_milliseconds: u64,
    pub input: Input,
}

/// A profile small enough that the bounds (capacity, rate limit) are
/// reached by short sequences, and both machine generations.
#[derive(Clone, Debug)]
pub(crate) struct Scenario {
    pub profile: MachineProfile,
    pub steps: Vec<Step>,
}

fn address(unstructured: &mut Unstructured<'_>) -> arbitrary::Result<ButtonAddress> {
    Ok(if unstructured.ratio(7u8, 8)? {
        ButtonAddress { balloting_unit: unstructured.int_in_range(1..=2)?, button: unstructured.int_in_range(1..=16)? }
    } else {
        ButtonAddress { balloting_unit: unstructured.int_in_range(0..=5)?, button: unstructured.int_in_range(0..=17)? }
    })
}

/// An input, mostly from the small values that reach deep states, sometimes
/// any `Input` at all.
pub(crate) fn arbitrary_input(unstructured: &mut Unstructured<'_>) -> arbitrary::Result<Input> {
    Ok(match unstructured.int_in_range(0..=63u8)? {
        0..=13 => Input::Ballot,
        14..=29 => Input::PressButton { address: address(unstructured)? },
        30..=31 => Input::PressTwoButtons { first: address(unstructured)?, second: address(unstructured)? },
        32..=33 => Input::Total,
        34..=36 => Input::Close,
        37..=39 => Input::Result,
        40..=41 => Input::Clear,
        42..=43 => Input::FixResultSeal,
        44..=45 => Input::BreakResultSeal,
        46..=47 => Input::AttachBallotingUnit { position: unstructured.int_in_range(0..=5)? },
        48..=49 => Input::DetachBallotingUnit { position: unstructured.int_in_range(0..=5)? },
        50..=51 => Input::PowerOff,
        52..=54 => Input::PowerOn {
            held_button: if unstructured.ratio(1u8, 4)? { Some(address(unstructured)?) } else { None },
        },
        55 => Input::BatteryLevel { percent: unstructured.int_in_range(0..=100)? },
        56..=57 => Input::CandSet { candidates: unstructured.int_in_range(0..=40)? },
        58..=59 => Input::SealCandidateSetSection,
        60 => Input::OpenCase,
        61 => Input::FirstLevelCheck,
        _ => Input::arbitrary(unstructured)?,
    })
}

fn step(unstructured: &mut Unstructured<'_>) -> arbitrary::Result<Step> {
    let tag: u8 = unstructured.arbitrary()?;
    if tag == WIRE_STEP {
        let length: u8 = unstructured.arbitrary()?;
        let payload = unstructured.bytes(usize::from(length).min(unstructured.len()))?;
        if let Ok(Request::Input { at, input }) = Request::parse(kind::INPUT, payload) {
            return Ok(Step { after_milliseconds: at.milliseconds(), input });
        }
        return Ok(Step { after_milliseconds: 0, input: Input::Total });
    }
    let after_milliseconds = match tag % 8 {
        0 => 0,
        1..=4 => unstructured.int_in_range(0..=20_000)?,
        5 | 6 => unstructured.int_in_range(0..=120_000)?,
        // A clock jump: a night, an adjournment.
        _ => unstructured.int_in_range(0..=48 * 3_600_000)?,
    };
    Ok(Step { after_milliseconds, input: arbitrary_input(unstructured)? })
}

/// The inputs that make a unit ready for the poll: units attached, power,
/// candidates set and sealed.
fn prelude(profile: &MachineProfile, candidates: u16) -> Vec<Input> {
    let mut inputs: Vec<Input> =
        (1..=profile.balloting_units_for(candidates)).map(|position| Input::AttachBallotingUnit { position }).collect();
    inputs.extend([
        Input::PowerOn { held_button: None },
        Input::CandSet { candidates },
        Input::SealCandidateSetSection,
    ]);
    inputs
}

impl Scenario {
    /// Byte 0 chooses the profile, byte 1 a prelude (0: none, else the
    /// candidates); the rest are steps.
    pub(crate) fn from_bytes(data: &[u8]) -> Scenario {
        let mut unstructured = Unstructured::new(data);
        let profile_byte: u8 = unstructured.arbitrary().unwrap_or(0);
        let mut profile = if profile_byte & 1 == 0 { MachineProfile::m2() } else { MachineProfile::m3() };
        profile.vote_capacity = [profile.vote_capacity, 3, 12, 40][usize::from(profile_byte >> 1 & 3)];
        profile.rate_limit_votes_per_minute = [Some(5), None, Some(1), Some(16)][usize::from(profile_byte >> 3 & 3)];
        profile.none_of_the_above = profile_byte & 0x20 == 0;
        let prelude_byte: u8 = unstructured.arbitrary().unwrap_or(0);
        let mut steps: Vec<Step> = if prelude_byte == 0 {
            Vec::new()
        } else {
            let candidates = 1 + u16::from(prelude_byte % 20);
            prelude(&profile, candidates).into_iter().map(|input| Step { after_milliseconds: 0, input }).collect()
        };
        while !unstructured.is_empty() && steps.len() < super::MAX_STEPS {
            match step(&mut unstructured) {
                Ok(step) => steps.push(step),
                Err(_) => break,
            }
        }
        Scenario { profile, steps }
    }
}

/// What a refused input must leave as it was: everything but the display.
fn state_of(unit: &ControlUnit) -> impl PartialEq + std::fmt::Debug {
    (
        unit.retained_state(),
        unit.attached_positions(),
        unit.ballot_enabled(),
        unit.is_powered(),
        unit.lamps(),
        unit.total(),
    )
}

/// Counts kept beside the unit to check it.
#[derive(Default)]
struct Tally {
    enables_since_clear: u64,
    votes_since_clear: u64,
}

fn check_step(before: &ControlUnit, unit: &ControlUnit, input: Input, reaction: &Reaction, tally: &mut Tally) {
    let votes = reaction.votes_recorded();
    let vote_events = reaction.events.iter().filter(|event| *event == Event::VoteRecorded).count();
    assert_eq!(vote_events as u32, votes, "VoteRecorded events differ from votes recorded");
    assert!(
        !reaction.events.iter().any(|event| matches!(event, Event::CandidateDisclosed { .. })),
        "SECRECY: a conforming unit disclosed a candidate"
    );
    if let Some(refusal) = reaction.refusal {
        assert_eq!(votes, 0, "a refused {input:?} recorded a vote");
        assert_eq!(state_of(unit), state_of(before), "a refused {input:?} ({refusal:?}) changed the unit");
    }
    // ONE-VOTE: at most one vote, only on an enable, which it uses up.
    assert!(votes <= 1, "ONE-VOTE: {votes} votes from one {input:?}");
    if votes == 1 {
        assert!(before.ballot_enabled(), "ONE-VOTE: a vote without a Ballot enable");
        assert!(!unit.ballot_enabled(), "ONE-VOTE: the enable survived its vote");
        // CLOSE: no vote after Close.
        assert!(!before.is_closed(), "CLOSE: a vote after Close");
    }
    if reaction.events.contains(Event::Cleared) {
        // ZERO: a cleared memory holds nothing.
        assert_eq!(unit.total(), 0, "ZERO: Clear left votes");
        *tally = Tally::default();
    }
    if reaction.events.contains(Event::BallotEnabled) {
        tally.enables_since_clear += 1;
    }
    tally.votes_since_clear += u64::from(votes);
    assert!(tally.votes_since_clear <= tally.enables_since_clear, "ONE-VOTE: more votes than enables");
    assert_eq!(u64::from(unit.total()), tally.votes_since_clear, "the total differs from the votes recorded");
    // PART-II on the first path: the counters add up to the total.
    assert_eq!(unit.counts_sum(), u64::from(unit.total()), "PART-II: counters differ from the total");
    // ZERO: the poll starts at 0.
    if before.poll_start().is_none() && unit.poll_start().is_some() {
        assert_eq!(before.total(), 0, "ZERO: the poll started with votes in memory");
    }
    // CANDSET: fixed once sealed — until the first-level check readies the
    // machine for another election, which unseals the section.
    if before.candidate_set_sealed() && !(input == Input::FirstLevelCheck && reaction.is_accepted()) {
        assert_eq!(unit.candidates(), before.candidates(), "CANDSET: the candidate set changed after its seal");
    }
    // RETAIN: the first-level check erases nothing.
    if input == Input::FirstLevelCheck && reaction.is_accepted() {
        assert_eq!(before.total(), 0, "RETAIN: the first-level check was accepted with votes in memory");
    }
    // BOOTH-CAPTURE: Close takes a pending enable with it.
    if input == Input::Close && reaction.is_accepted() {
        assert!(!unit.ballot_enabled(), "BOOTH-CAPTURE: an enable survived Close");
    }
    // TOTAL-ONLY: Total shows the total and nothing else.
    if input == Input::Total && reaction.is_accepted() {
        assert_eq!(unit.display(), Display::Total { total: unit.total() }, "TOTAL-ONLY");
    }
    // SEALED-RESULT, and PART-II on the second path.
    if let Ok(readout) = unit.result_readout() {
        assert!(unit.is_closed(), "SEALED-RESULT: a readout before Close");
        assert_ne!(unit.result_seal(), ResultSeal::Intact, "SEALED-RESULT: a readout under an intact seal");
        assert_eq!(readout.total, unit.total());
        assert_eq!(readout.counts.iter().map(|&count| u64::from(count)).sum::<u64>(), u64::from(readout.total));
    }
}

/// Target `unit_model`: a conforming unit under an arbitrary sequence of
/// presses, cable pulls, power cuts, seals and clock jumps; the properties of
/// DOMAIN.md section 3 that one unit can show, after every step.
pub fn unit_model(data: &[u8]) {
    let scenario = Scenario::from_bytes(data);
    let mut unit = ControlUnit::new(scenario.profile);
    let mut now = Timestamp::from_clock(7, 0, 0);
    let mut tally = Tally::default();
    for step in &scenario.steps {
        now = now.plus_milliseconds(step.after_milliseconds);
        let before = unit.clone();
        let reaction = unit.step(now, step.input);
        check_step(&before, &unit, step.input, &reaction, &mut tally);
    }
}

/// Target `differential`: the simulated unit and the reference model on the
/// same inputs. Whether each input is accepted, the votes it records, and
/// afterwards the total, the counts when readable, Close, the enable, power,
/// the candidate set and the attached units must agree.
pub fn differential(data: &[u8]) {
    let scenario = Scenario::from_bytes(data);
    let mut unit = ControlUnit::new(scenario.profile);
    let mut reference = ReferenceUnit::new(scenario.profile);
    let mut now = Timestamp::from_clock(7, 0, 0);
    for (index, step) in scenario.steps.iter().enumerate() {
        now = now.plus_milliseconds(step.after_milliseconds);
        let expected = reference.step(now, step.input);
        let reaction = unit.step(now, step.input);
        let context = || format!("step {index}: {:?} at {now:?}, unit said {:?}", step.input, reaction.refusal);
        assert_eq!(reaction.is_accepted(), expected.accepted, "accepted differs; {}", context());
        assert_eq!(reaction.votes_recorded(), expected.votes_recorded, "votes differ; {}", context());
        let cancelled = reaction.events.iter().any(|event| matches!(event, Event::BallotCancelled { .. }));
        assert_eq!(cancelled, expected.enable_cancelled, "enable cancelled differs; {}", context());
        assert_eq!(unit.total(), reference.total(), "total differs; {}", context());
        assert_eq!(unit.is_closed(), reference.is_closed(), "closed differs; {}", context());
        assert_eq!(unit.ballot_enabled(), reference.ballot_enabled(), "enable differs; {}", context());
        assert_eq!(unit.is_powered(), reference.is_powered(), "power differs; {}", context());
        assert_eq!(unit.candidates(), reference.candidates(), "candidates differ; {}", context());
        assert_eq!(
            unit.candidate_set_sealed(),
            reference.candidate_set_sealed(),
            "candidate set seal differs; {}",
            context()
        );
        assert_eq!(
            unit.result_seal() == ResultSeal::Intact,
            reference.seal_intact(),
            "paper seal differs; {}",
            context()
        );
        let attached = unit.attached_positions();
        assert_eq!(attached, reference.attached_positions(), "attached units differ; {}", context());
        match unit.result_readout() {
            Ok(readout) => {
                assert!(reference.result_readable(), "the unit gives a readout the reference refuses; {}", context());
                assert_eq!(readout.counts, reference.counts(), "counts differ; {}", context());
            }
            Err(_) => {
                assert!(!reference.result_readable(), "the reference gives a readout the unit refuses; {}", context())
            }
        }
    }
}

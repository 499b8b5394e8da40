//! Field mode: a board without test mode keeps its own clock, so the harness
//! waits in real time between inputs. This is the schedule it keeps: the
//! trace's order, every gap as short as the board's announced thresholds
//! allow while each time relation they can observe stays on the same side.
//!
//! The only threshold a board announces is its vote-rate rule
//! (docs/PROTOCOL.md, `HELLO_REPLY`): at most N votes in any 60 s (sliding
//! window), or at least ceil(60 s / N) between a vote and the next `Ballot`
//! (minimum interval). Either way the board decides at an *enabling* event
//! (`Ballot`, an elector's ballot, a mock poll's ballots) from the
//! separations between it and the *recording* events before it (a press, a
//! mock poll's votes), each compared with a threshold θ (60 s; the minimum
//! interval). Nothing else a board does depends on the time between two
//! inputs. So the schedule keeps the side of θ of every (recording,
//! later enabling) pair and nothing more:
//!
//! - a pair at least θ apart in the trace stays at least
//!   min(its separation, θ + [`THRESHOLD_MARGIN_MILLISECONDS`]) apart;
//! - a pair less than θ apart stays at most max(its separation,
//!   θ − [`THRESHOLD_MARGIN_MILLISECONDS`]) apart;
//! - every other gap becomes [`QUICK_STEP_MILLISECONDS`] (0 stays 0), and a
//!   mock poll keeps the time its votes take
//!   ([`MOCK_POLL_SPACING_MILLISECONDS`] apart), its votes and ballots moving
//!   together.
//!
//! These are difference constraints on the lines' times; the schedule is
//! their least solution (the earliest time for every line), found by
//! relaxing them until none moves (Bellman–Ford on a graph whose every
//! cycle is non-positive: the trace's own times satisfy every constraint).
//! The test `every_recording_enabling_pair_keeps_its_side_of_each_threshold`
//! checks the invariant on random traces.
//!
//! Real time cannot hit a millisecond, and a board's clock may run a little
//! slow or fast: a trace placing a recording and a later enabling event
//! nearer a threshold than [`too_close_milliseconds`] (1 % of it and
//! [`TOO_CLOSE_MILLISECONDS`] more) is not run in field mode
//! (`not_applicable`, with the lines), nor one whose schedule needs more
//! real time than the budget. So every pair the board compares lies more
//! than 1 % of the threshold on its side: a board clock within ±1 %, with
//! the host's sleeps 100 ms late, judges it as the trace does.

use crate::trace::{Trace, TraceEvent, TraceLine};
use evm_sim::station::MOCK_POLL_SPACING_MILLISECONDS;
use evm_sim::unit::Input;
use evm_sim::{MachineProfile, RateRule, StationAction, Timestamp};
use std::time::Duration;

/// The window of the vote-rate rule.
pub const RATE_WINDOW_MILLISECONDS: u64 = 60_000;
/// How far from a threshold the schedule keeps a pair the trace puts on
/// one side of it (unless the trace itself puts it nearer): a board's
/// clock running a little slow or fast, and the host's sleeps, cannot move
/// it across.
pub const THRESHOLD_MARGIN_MILLISECONDS: u64 = 1_000;
/// The gap between two events no threshold can observe.
pub const QUICK_STEP_MILLISECONDS: u64 = 20;
/// What the host's sleeps may add to a gap: part of
/// [`too_close_milliseconds`].
pub const TOO_CLOSE_MILLISECONDS: u64 = 100;

/// How near `threshold` two events may lie for real time and a board's
/// clock within ±1 % to keep them on their side of it: 1 % of it and
/// [`TOO_CLOSE_MILLISECONDS`] for the host's sleeps (700 ms at 60 s; 220 ms
/// at a 12 s minimum interval). QEMU's board clock was measured 0.6 % slow
/// under load.
pub fn too_close_milliseconds(threshold: u64) -> u64 {
    threshold / 100 + TOO_CLOSE_MILLISECONDS
}
/// Real time a trace may take in field mode unless `--real-time-budget`
/// says otherwise.
pub const DEFAULT_REAL_TIME_BUDGET: Duration = Duration::from_secs(150);

/// A trace's times in field mode: one per line, in the trace's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSchedule {
    pub times: Vec<Timestamp>,
    /// From the first line to the last.
    pub real_time: Duration,
}

/// Whether `event` can enable or record a vote (the rate rule's events).
fn can_enable_or_record(event: &TraceEvent) -> bool {
    match event {
        TraceEvent::Unit(input) | TraceEvent::PressCutBeforeBeep(input) => {
            matches!(input, Input::Ballot | Input::PressButton { .. } | Input::PressTwoButtons { .. })
        }
        TraceEvent::Station { action, .. } => {
            matches!(action, StationAction::BallotPressed { .. } | StationAction::MockPollHeld { .. })
        }
        _ => false,
    }
}

/// Whether `event` can record a vote (what the rate rule counts).
fn can_record(event: &TraceEvent) -> bool {
    match event {
        TraceEvent::Unit(input) | TraceEvent::PressCutBeforeBeep(input) => {
            matches!(input, Input::PressButton { .. } | Input::PressTwoButtons { .. })
        }
        TraceEvent::Station { action, .. } => matches!(action, StationAction::MockPollHeld { .. }),
        _ => false,
    }
}

/// Whether `event` can enable a vote (where the rate rule decides).
fn can_enable(event: &TraceEvent) -> bool {
    match event {
        TraceEvent::Unit(Input::Ballot) => true,
        TraceEvent::Station { action, .. } => {
            matches!(action, StationAction::BallotPressed { .. } | StationAction::MockPollHeld { .. })
        }
        _ => false,
    }
}

/// Machine time an event takes after its line: a mock poll's votes.
fn duration_of(event: &TraceEvent) -> u64 {
    match event {
        TraceEvent::Station { action: StationAction::MockPollHeld { votes, .. }, .. } => {
            u64::from(*votes) * MOCK_POLL_SPACING_MILLISECONDS
        }
        _ => 0,
    }
}

/// The thresholds `profile` announces, in milliseconds.
fn thresholds(profile: &MachineProfile) -> Vec<u64> {
    match profile.rate_limit_votes_per_minute {
        None => Vec::new(),
        Some(votes) => match profile.rate_rule {
            RateRule::SlidingWindow => vec![RATE_WINDOW_MILLISECONDS],
            RateRule::MinimumInterval => {
                vec![RATE_WINDOW_MILLISECONDS, RateRule::minimum_interval_milliseconds(votes)]
            }
        },
    }
}

/// "2 min 30 s", "45 s", "1 h 5 min".
pub fn in_words(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut parts = Vec::new();
    if hours > 0 {
        parts.push(format!("{hours} h"));
    }
    if minutes > 0 {
        parts.push(format!("{minutes} min"));
    }
    if seconds > 0 || parts.is_empty() {
        parts.push(format!("{seconds} s"));
    }
    parts.join(" ")
}

/// The field-mode schedule of `trace` on a board of `profile`, or why the
/// trace cannot run in field mode within `budget` (in words).
pub fn field_schedule(trace: &Trace, profile: &MachineProfile, budget: Duration) -> Result<FieldSchedule, String> {
    schedule(trace, profile, budget, None)
}

/// The masked schedule (`--masked`, parallel testing on poll day): the
/// field schedule's constraints, with every gap drawn from `seed` as people
/// take it — an elector 20 to 120 s after the vote before, a press 5 to 20
/// s after its `Ballot`, anything else 2 to 15 s — but never longer than
/// the trace's own gap (so that it meets every constraint the trace's own
/// times meet) and never shorter than the field schedule's. Nothing in its
/// rhythm says "test".
pub fn masked_schedule(
    trace: &Trace,
    profile: &MachineProfile,
    budget: Duration,
    seed: u64,
) -> Result<FieldSchedule, String> {
    schedule(trace, profile, budget, Some(evm_sim::protocol::faults::SplitMix64::new(seed)))
}

/// How long a person takes from `before` to `line`, drawn from `random`.
fn human_gap(random: &mut evm_sim::protocol::faults::SplitMix64, before: &TraceEvent, line: &TraceEvent) -> u64 {
    let (least, most) = if can_enable(line) && can_record(before) {
        (20_000, 120_000)
    } else if can_record(line) && can_enable(before) {
        (5_000, 20_000)
    } else {
        (2_000, 15_000)
    };
    least + random.next_u64() % (most - least + 1)
}

fn schedule(
    trace: &Trace,
    profile: &MachineProfile,
    budget: Duration,
    mut human: Option<evm_sim::protocol::faults::SplitMix64>,
) -> Result<FieldSchedule, String> {
    let lines = &trace.lines;
    let thresholds = thresholds(profile);
    let span = match (
        lines.iter().position(|line| can_enable_or_record(&line.event)),
        lines.iter().rposition(|line| can_enable_or_record(&line.event)),
    ) {
        (Some(first), Some(last)) if !thresholds.is_empty() => Some((first, last)),
        _ => None,
    };
    if let Some((first, last)) = span {
        too_close(&lines[first..=last], &thresholds)?;
    }
    let Some(start) = lines.first().map(|line| line.at) else {
        return Ok(FieldSchedule { times: Vec::new(), real_time: Duration::ZERO });
    };
    let steps: Vec<u64> = (0..lines.len())
        .map(|index| match index {
            0 => 0,
            _ => {
                let (before, line) = (&lines[index - 1], &lines[index]);
                // A mock poll's votes take their time after its line.
                let mock_poll = duration_of(&before.event);
                let gap = line.at.milliseconds_since(before.at);
                let fastest = mock_poll + gap.saturating_sub(mock_poll).min(QUICK_STEP_MILLISECONDS);
                match human.as_mut() {
                    // Never past the trace's own gap: its times meet every constraint.
                    Some(random) => fastest.max(human_gap(random, &before.event, &line.event).min(gap)),
                    None => fastest,
                }
            }
        })
        .collect();
    let constraints = match span {
        Some((first, last)) => pair_constraints(lines, first, last, &thresholds),
        None => Vec::new(),
    };
    let Some(offsets) = least_offsets(&steps, &constraints) else {
        // Cannot happen for a trace's own constraints (its times meet them
        // all); never run a schedule that breaks one.
        return Err(
            "needs a field schedule this harness could not find (a harness fault: please report the trace)".to_owned()
        );
    };
    let times: Vec<Timestamp> = offsets.iter().map(|offset| start.plus_milliseconds(*offset)).collect();
    let last = times.last().copied().unwrap_or(start);
    let real_time = Duration::from_millis(last.milliseconds_since(start) + duration_of(&lines[lines.len() - 1].event));
    if real_time > budget {
        let rate = match profile.rate_limit_votes_per_minute {
            Some(votes) => format!("at the board's {votes} votes a minute"),
            None => "with the board's own clock".to_owned(),
        };
        return Err(format!(
            "needs {} of real time {rate}; --real-time-budget is {}",
            in_words(real_time),
            in_words(budget)
        ));
    }
    Ok(FieldSchedule { times, real_time })
}

/// `later − earlier` (line indices) at least `at_least`, or at most
/// `at_most`, milliseconds in the schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PairConstraint {
    earlier: usize,
    later: usize,
    at_least: Option<u64>,
    at_most: Option<u64>,
}

/// The milliseconds from a line's time to its last vote, and to its last
/// ballot: a mock poll's votes and ballots go [`MOCK_POLL_SPACING_MILLISECONDS`]
/// apart from its line on.
fn reach(event: &TraceEvent) -> u64 {
    duration_of(event).saturating_sub(if duration_of(event) > 0 { MOCK_POLL_SPACING_MILLISECONDS } else { 0 })
}

/// The constraints that keep every (recording, later enabling) pair of the
/// voting span `first..=last` on its side of each threshold, with its
/// margin. Only the pairs that the order of the lines does not imply are
/// listed: for a recording line, every enabling line less than θ + the
/// margin after it, and the first one beyond (the later ones are later
/// still).
fn pair_constraints(lines: &[TraceLine], first: usize, last: usize, thresholds: &[u64]) -> Vec<PairConstraint> {
    let mut constraints = Vec::new();
    for earlier in (first..=last).filter(|index| can_record(&lines[*index].event)) {
        let earlier_reach = reach(&lines[earlier].event);
        for &threshold in thresholds {
            for later in (earlier + 1..=last).filter(|index| can_enable(&lines[*index].event)) {
                let written = lines[later].at.milliseconds_since(lines[earlier].at);
                let later_reach = reach(&lines[later].event);
                // Its earliest ballot after the earlier line's last vote, and
                // its last ballot after that line's first vote.
                let nearest = written.saturating_sub(earlier_reach);
                let farthest = written + later_reach;
                if nearest >= threshold {
                    let at_least = earlier_reach + nearest.min(threshold + THRESHOLD_MARGIN_MILLISECONDS);
                    constraints.push(PairConstraint { earlier, later, at_least: Some(at_least), at_most: None });
                    if nearest >= threshold + THRESHOLD_MARGIN_MILLISECONDS {
                        break;
                    }
                } else if farthest < threshold {
                    let at_most = farthest.max(threshold - THRESHOLD_MARGIN_MILLISECONDS) - later_reach;
                    constraints.push(PairConstraint { earlier, later, at_least: None, at_most: Some(at_most) });
                } else {
                    // Its votes and ballots lie on both sides: kept as written.
                    constraints.push(PairConstraint {
                        earlier,
                        later,
                        at_least: Some(written),
                        at_most: Some(written),
                    });
                }
            }
        }
    }
    constraints
}

/// The least offsets from the first line (milliseconds) with each line at
/// least its step after the one before and every constraint met. The
/// trace's own times meet them all, so the relaxation ends; it is bounded
/// all the same (as many passes as lines, as Bellman–Ford), and what it
/// ends with is checked: `None` if a step or a constraint is not met.
fn least_offsets(steps: &[u64], constraints: &[PairConstraint]) -> Option<Vec<u64>> {
    let mut floors = vec![0u64; steps.len()];
    let mut at_least_into: Vec<Vec<(usize, u64)>> = vec![Vec::new(); steps.len()];
    for constraint in constraints {
        if let Some(at_least) = constraint.at_least {
            at_least_into[constraint.later].push((constraint.earlier, at_least));
        }
    }
    let mut offsets = vec![0u64; steps.len()];
    for _ in 0..=steps.len() {
        for index in 0..steps.len() {
            let after_previous = if index == 0 { 0 } else { offsets[index - 1] + steps[index] };
            let after_pairs =
                at_least_into[index].iter().map(|(earlier, at_least)| offsets[*earlier] + at_least).max().unwrap_or(0);
            offsets[index] = floors[index].max(after_previous).max(after_pairs);
        }
        let mut moved = false;
        for constraint in constraints {
            if let Some(at_most) = constraint.at_most {
                let needed = offsets[constraint.later].saturating_sub(at_most);
                if needed > floors[constraint.earlier] && needed > offsets[constraint.earlier] {
                    floors[constraint.earlier] = needed;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    meets(&offsets, steps, constraints).then_some(offsets)
}

/// Whether `offsets` keep every step and every constraint.
fn meets(offsets: &[u64], steps: &[u64], constraints: &[PairConstraint]) -> bool {
    let steps_kept = offsets.windows(2).zip(&steps[1..]).all(|(pair, step)| pair[1] >= pair[0] + step);
    steps_kept
        && constraints.iter().all(|constraint| {
            let (earlier, later) = (offsets[constraint.earlier], offsets[constraint.later]);
            later >= earlier
                && constraint.at_least.is_none_or(|at_least| later - earlier >= at_least)
                && constraint.at_most.is_none_or(|at_most| later - earlier <= at_most)
        })
}

/// A vote and a later `Ballot` lying within [`too_close_milliseconds`] of
/// a threshold (the pairs the rate rule compares): real time cannot keep
/// them on their side.
fn too_close(span: &[TraceLine], thresholds: &[u64]) -> Result<(), String> {
    let events: Vec<&TraceLine> = span.iter().filter(|line| can_enable_or_record(&line.event)).collect();
    for (index, earlier) in events.iter().enumerate().filter(|(_, line)| can_record(&line.event)) {
        for later in events[index + 1..].iter().filter(|line| can_enable(&line.event)) {
            let separation = later.at.milliseconds_since(earlier.at);
            if separation > RATE_WINDOW_MILLISECONDS + too_close_milliseconds(RATE_WINDOW_MILLISECONDS) {
                break;
            }
            if let Some(threshold) = thresholds
                .iter()
                .find(|threshold| separation.abs_diff(**threshold) < too_close_milliseconds(**threshold))
            {
                return Err(format!(
                    "lines {} and {} are {separation} ms apart, within {} ms of the board's {threshold} ms vote-rate threshold: real time and a board clock within 1 % cannot keep them on their side of it",
                    earlier.line,
                    later.line,
                    too_close_milliseconds(*threshold)
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::SplitMix64;
    use crate::trace::parse_trace;

    fn trace_of(events: &[(u64, &str)]) -> Trace {
        let mut text = String::from(
            r#"{"trace":"evm-poll-day","version":1,"profile":"M2","polling_station":{"number":1},"candidates":["A","B"],"electors_assigned":10,"provenance":{"source":"test"}}"#,
        );
        for (at, event) in events {
            text.push('\n');
            text.push_str(&format!(
                r#"{{"at":"{}",{event}}}"#,
                crate::trace::format_time(Timestamp::from_milliseconds(*at))
            ));
        }
        parse_trace(std::path::Path::new("t.jsonl"), &text).expect("a trace")
    }

    const BALLOT: &str = r#""event":"ballot""#;
    const PRESS: &str = r#""event":"press","candidate":1"#;
    const BUDGET: Duration = Duration::from_secs(100_000);

    /// Every (press, later `Ballot`) pair keeps its side of each threshold
    /// the board announces, with the margin where the trace has it, whatever
    /// the gaps and the other lines between; no gap is longer than a
    /// threshold and its margin, and the schedule is never longer than the
    /// trace.
    #[test]
    fn every_recording_enabling_pair_keeps_its_side_of_each_threshold() {
        let mut minimum_interval = MachineProfile::m2();
        minimum_interval.rate_rule = RateRule::MinimumInterval;
        const CLOSE: &str = r#""event":"total""#;
        for (profile, seed) in [(MachineProfile::m2(), 7), (minimum_interval, 8)] {
            let thresholds = thresholds(&profile);
            let mut random = SplitMix64::new(seed);
            let mut judged = 0;
            for _ in 0..300 {
                let mut at = 3_600_000;
                let mut events = Vec::new();
                for _ in 0..30 {
                    at += [0, 500, 5_000, 12_000, 14_000, 30_000, 59_000, 61_500, 300_000][random.below(9) as usize];
                    events.push((at, [BALLOT, PRESS, CLOSE][random.below(3) as usize]));
                }
                let trace = trace_of(&events);
                let Ok(schedule) = field_schedule(&trace, &profile, BUDGET) else { continue };
                judged += 1;
                for first in (0..events.len()).filter(|index| events[*index].1 == PRESS) {
                    for second in (first + 1..events.len()).filter(|index| events[*index].1 == BALLOT) {
                        let written = events[second].0 - events[first].0;
                        let scheduled = schedule.times[second].milliseconds_since(schedule.times[first]);
                        for threshold in &thresholds {
                            assert_eq!(written < *threshold, scheduled < *threshold, "{first}, {second}, {threshold}");
                            let margin = written.abs_diff(*threshold).min(THRESHOLD_MARGIN_MILLISECONDS);
                            assert!(scheduled.abs_diff(*threshold) >= margin, "{first}, {second}: {scheduled} written {written} threshold {threshold}\n{events:?}\n{:?}", schedule.times.iter().map(|t| t.milliseconds_since(schedule.times[0])).collect::<Vec<_>>());
                        }
                    }
                }
                let longest =
                    schedule.times.windows(2).map(|pair| pair[1].milliseconds_since(pair[0])).max().unwrap_or(0);
                assert!(longest <= RATE_WINDOW_MILLISECONDS + THRESHOLD_MARGIN_MILLISECONDS);
                assert!(schedule.times.last() <= Some(&trace.lines.last().unwrap().at));
            }
            assert!(judged > 100, "{judged} random traces scheduled");
        }
    }

    /// Only a gap a threshold can see takes real time: six electors an hour
    /// apart, each pressing 13 s after the `Ballot`, take five minutes and
    /// five seconds (each vote stays more than a minute before the next
    /// `Ballot`), not the six times 13 s more the trace's own gaps would add.
    #[test]
    fn only_what_a_threshold_sees_takes_real_time() {
        let mut events = Vec::new();
        for vote in 0..6u64 {
            events.push((vote * 3_600_000, BALLOT));
            events.push((vote * 3_600_000 + 13_000, PRESS));
            events.push((vote * 3_600_000 + 26_000, r#""event":"total""#));
        }
        let schedule = field_schedule(&trace_of(&events), &MachineProfile::m2(), BUDGET).expect("fits");
        let gaps: Vec<u64> = schedule.times.windows(2).map(|pair| pair[1].milliseconds_since(pair[0])).collect();
        for (index, gap) in gaps.iter().enumerate() {
            let expected = if index % 3 == 2 {
                // From the total after a vote to the next Ballot: the vote stays 61 s before it.
                RATE_WINDOW_MILLISECONDS + THRESHOLD_MARGIN_MILLISECONDS - QUICK_STEP_MILLISECONDS
            } else {
                QUICK_STEP_MILLISECONDS
            };
            assert_eq!(*gap, expected, "gap {index}: {gaps:?}");
        }
        // Five cycles of Ballot, press, total, wait; then the last three lines.
        assert_eq!(
            schedule.real_time,
            Duration::from_millis(5 * (61_000 + QUICK_STEP_MILLISECONDS) + 2 * QUICK_STEP_MILLISECONDS)
        );
    }

    #[test]
    fn set_up_and_the_close_shrink_and_a_mock_poll_keeps_its_votes_time() {
        let trace = trace_of(&[
            (0, r#""event":"attach_balloting_unit","position":1"#),
            (3_600_000, r#""event":"power_on""#),
            (7_200_000, BALLOT),
            (7_201_000, PRESS),
            (36_000_000, r#""event":"close""#),
        ]);
        let schedule = field_schedule(&trace, &MachineProfile::m2(), BUDGET).expect("fits");
        let gaps: Vec<u64> = schedule.times.windows(2).map(|pair| pair[1].milliseconds_since(pair[0])).collect();
        assert_eq!(gaps, vec![QUICK_STEP_MILLISECONDS; 4]);
        let mock = trace_of(&[
            (0, r#""event":"machine_installed","control_unit":"CU-1""#),
            (60_000, r#""event":"mock_poll_held","votes":5,"cleared":true"#),
            (7_200_000, r#""event":"paper_seals_supplied","first_serial":1,"last_serial":5"#),
        ]);
        let schedule = field_schedule(&mock, &MachineProfile::m2(), BUDGET).expect("fits");
        assert!(schedule.times[2].milliseconds_since(schedule.times[1]) >= 5 * MOCK_POLL_SPACING_MILLISECONDS);
        // Mock votes left in the machine: a Ballot an hour later is still
        // more than a minute after them.
        let left_in = trace_of(&[
            (0, r#""event":"machine_installed","control_unit":"CU-1""#),
            (60_000, r#""event":"mock_poll_held","votes":5,"cleared":false"#),
            (3_600_000, r#""event":"ballot_pressed","elector":1"#),
        ]);
        let schedule = field_schedule(&left_in, &MachineProfile::m2(), BUDGET).expect("fits");
        let after_votes = schedule.times[2].milliseconds_since(schedule.times[1]) - 4 * MOCK_POLL_SPACING_MILLISECONDS;
        assert!(after_votes >= RATE_WINDOW_MILLISECONDS, "{after_votes} ms after the last mock vote");
    }

    /// The solver never hands back a schedule that breaks a constraint: one
    /// that cannot be met (at least 61 s and at most 59 s apart) is no
    /// schedule at all.
    #[test]
    fn a_masked_schedule_paces_like_people_and_keeps_every_side() {
        // Electors an hour apart, a press 13 s after each Ballot.
        let mut events =
            vec![(0, r#""event":"attach_balloting_unit","position":1"#), (13_000, r#""event":"power_on""#)];
        for elector in 0..6u64 {
            events.push((3_600_000 * (elector + 1), BALLOT));
            events.push((3_600_000 * (elector + 1) + 13_000, PRESS));
        }
        let trace = trace_of(&events);
        let fastest = field_schedule(&trace, &MachineProfile::m2(), BUDGET).expect("fits");
        let masked = masked_schedule(&trace, &MachineProfile::m2(), Duration::from_secs(3_600), 7).expect("fits");
        assert_eq!(masked, masked_schedule(&trace, &MachineProfile::m2(), Duration::from_secs(3_600), 7).unwrap());
        assert_ne!(masked, masked_schedule(&trace, &MachineProfile::m2(), Duration::from_secs(3_600), 8).unwrap());
        let gaps = |schedule: &FieldSchedule| -> Vec<u64> {
            schedule.times.windows(2).map(|pair| pair[1].milliseconds_since(pair[0])).collect()
        };
        for (index, (masked_gap, fastest_gap)) in gaps(&masked).iter().zip(gaps(&fastest)).enumerate() {
            let written = trace.lines[index + 1].at.milliseconds_since(trace.lines[index].at);
            assert!(*masked_gap >= fastest_gap, "gap {index}: {masked_gap} < {fastest_gap}");
            if index >= 2 && index % 2 == 0 {
                // A press after its Ballot: a person's 5 to 13 s (the trace's own 13 s at most).
                assert!((5_000..=13_000).contains(masked_gap), "press gap {index}: {masked_gap}");
            }
            assert!(*masked_gap <= written.max(fastest_gap), "gap {index}: {masked_gap} > {written}");
        }
        // Each vote still lies a minute or more before the next Ballot.
        for vote in (3..trace.lines.len() - 1).step_by(2) {
            assert!(masked.times[vote + 1].milliseconds_since(masked.times[vote]) >= 60_000);
        }
        assert!(masked.real_time > fastest.real_time);
    }

    #[test]
    fn constraints_that_cannot_be_met_give_no_schedule() {
        let steps = [0, QUICK_STEP_MILLISECONDS, QUICK_STEP_MILLISECONDS];
        let feasible = [PairConstraint { earlier: 0, later: 2, at_least: Some(61_000), at_most: None }];
        let offsets = least_offsets(&steps, &feasible).expect("feasible");
        assert_eq!(offsets, vec![0, QUICK_STEP_MILLISECONDS, 61_000]);
        let infeasible = [
            PairConstraint { earlier: 0, later: 2, at_least: Some(61_000), at_most: None },
            PairConstraint { earlier: 0, later: 2, at_least: None, at_most: Some(59_000) },
        ];
        assert_eq!(least_offsets(&steps, &infeasible), None);
    }

    #[test]
    fn events_within_one_percent_of_a_threshold_are_not_run() {
        let trace = trace_of(&[(0, BALLOT), (1_000, PRESS), (61_050, BALLOT)]);
        let reason = field_schedule(&trace, &MachineProfile::m2(), BUDGET).expect_err("too close");
        assert!(reason.contains("lines 3 and 4 are 60050 ms apart, within 700 ms"), "{reason}");
        // 0.4 s past the minute: a board clock 0.6 % slow would see 59.8 s.
        let trace = trace_of(&[(0, BALLOT), (1_000, PRESS), (61_400, BALLOT)]);
        assert!(field_schedule(&trace, &MachineProfile::m2(), BUDGET).is_err(), "60.4 s is within 1 %");
        let trace = trace_of(&[(0, BALLOT), (1_000, PRESS), (60_500, BALLOT)]);
        assert!(field_schedule(&trace, &MachineProfile::m2(), BUDGET).is_err(), "59.5 s is within 1 %");
        let trace = trace_of(&[(0, BALLOT), (1_000, PRESS), (61_650, BALLOT)]);
        assert!(field_schedule(&trace, &MachineProfile::m2(), BUDGET).is_err(), "60.65 s is within 700 ms");
        // 0.8 s past it: run, and kept at least that far on its side, which
        // a clock 1 % slow still sees past the minute (60.8 × 0.99 = 60.19).
        let trace = trace_of(&[(0, BALLOT), (1_000, PRESS), (61_800, BALLOT)]);
        let schedule = field_schedule(&trace, &MachineProfile::m2(), BUDGET).expect("1.3 % past the minute");
        assert!(schedule.times[2].milliseconds_since(schedule.times[1]) >= 60_800);
        let reason = field_schedule(
            &trace_of(&[(0, BALLOT), (1_000, PRESS), (200_000, BALLOT)]),
            &MachineProfile::m2(),
            Duration::from_secs(30),
        )
        .expect_err("over budget");
        assert_eq!(reason, "needs 1 min 1 s of real time at the board's 5 votes a minute; --real-time-budget is 30 s");
    }
}

//! Field mode: a board without test mode keeps its own clock, so the harness
//! waits in real time between inputs. This is the schedule it keeps: the
//! trace's order, every gap as short as the board's announced thresholds
//! allow while each time relation they can observe stays on the same side.
//!
//! The only threshold a board announces is its vote-rate rule
//! (docs/PROTOCOL.md, `HELLO_REPLY`): at most N votes in any 60 s (sliding
//! window), or at least ceil(60 s / N) between a vote and the next `Ballot`
//! (minimum interval). Both compare the separation of two events with at
//! most 60 s. So, within the voting span (from the first line that can
//! enable or record a vote to the last that can record one), a gap of 60 s
//! or more becomes 60 s + [`THRESHOLD_MARGIN_MILLISECONDS`] and a shorter
//! one is kept as it is: the separation of any two events is then below
//! 60 s exactly when it was (if every gap between them was kept, it is the
//! same sum; if one was shortened, both are at least 60 s). Outside that
//! span, and on a board with no rate limit, no threshold can see a gap: it
//! becomes [`QUICK_STEP_MILLISECONDS`]. A mock poll keeps the time its
//! votes take ([`MOCK_POLL_SPACING_MILLISECONDS`] apart).
//!
//! Real time cannot hit a millisecond: a trace placing two events within
//! [`TOO_CLOSE_MILLISECONDS`] of a threshold is not run in field mode
//! (`not_applicable`, with the lines), nor one whose schedule needs more
//! real time than the budget.

use crate::trace::{Trace, TraceEvent, TraceLine};
use evm_sim::station::MOCK_POLL_SPACING_MILLISECONDS;
use evm_sim::unit::Input;
use evm_sim::{MachineProfile, RateRule, StationAction, Timestamp};
use std::time::Duration;

/// The window of the vote-rate rule.
pub const RATE_WINDOW_MILLISECONDS: u64 = 60_000;
/// What a gap of a minute or more becomes: the window and this much more,
/// so that the board's clock and the host's sleeps cannot bring it under.
pub const THRESHOLD_MARGIN_MILLISECONDS: u64 = 1_000;
/// The gap between two events no threshold can observe.
pub const QUICK_STEP_MILLISECONDS: u64 = 20;
/// How near a threshold two events may lie for real time to keep them on
/// their side of it.
pub const TOO_CLOSE_MILLISECONDS: u64 = 100;
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
    let mut times = Vec::with_capacity(lines.len());
    let Some(start) = lines.first().map(|line| line.at) else {
        return Ok(FieldSchedule { times, real_time: Duration::ZERO });
    };
    times.push(start);
    for index in 1..lines.len() {
        let (before, line) = (&lines[index - 1], &lines[index]);
        let gap = line.at.milliseconds_since(before.at);
        let inside = span.is_some_and(|(first, last)| index > first && index <= last);
        let ceiling =
            if inside { RATE_WINDOW_MILLISECONDS + THRESHOLD_MARGIN_MILLISECONDS } else { QUICK_STEP_MILLISECONDS };
        // A mock poll's votes take their time after its line: the gap that
        // follows is measured from them, and shortened like any other.
        let mock_poll = duration_of(&before.event);
        let step = mock_poll + gap.saturating_sub(mock_poll).min(ceiling);
        times.push(times[index - 1].plus_milliseconds(step));
    }
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

/// A vote and a later `Ballot` lying within [`TOO_CLOSE_MILLISECONDS`] of
/// a threshold (the pairs the rate rule compares): real time cannot keep
/// them on their side.
fn too_close(span: &[TraceLine], thresholds: &[u64]) -> Result<(), String> {
    let events: Vec<&TraceLine> = span.iter().filter(|line| can_enable_or_record(&line.event)).collect();
    for (index, earlier) in events.iter().enumerate().filter(|(_, line)| can_record(&line.event)) {
        for later in events[index + 1..].iter().filter(|line| can_enable(&line.event)) {
            let separation = later.at.milliseconds_since(earlier.at);
            if separation > RATE_WINDOW_MILLISECONDS + TOO_CLOSE_MILLISECONDS {
                break;
            }
            if let Some(threshold) =
                thresholds.iter().find(|threshold| separation.abs_diff(**threshold) < TOO_CLOSE_MILLISECONDS)
            {
                return Err(format!(
                    "lines {} and {} are {separation} ms apart, within {TOO_CLOSE_MILLISECONDS} ms of the board's {threshold} ms vote-rate threshold: real time cannot keep them on their side of it",
                    earlier.line, later.line
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

    /// Every pair of voting events keeps its side of the 60-second window,
    /// whatever the gaps; gaps of a minute or more shrink to 61 s.
    #[test]
    fn every_pair_keeps_its_side_of_the_window() {
        let profile = MachineProfile::m2();
        let mut random = SplitMix64::new(7);
        for _ in 0..200 {
            let mut at = 3_600_000;
            let mut events = Vec::new();
            for index in 0..30 {
                at += [0, 500, 12_000, 59_000, 60_000, 61_000, 300_000][random.below(7) as usize];
                events.push((at, if index % 2 == 0 { BALLOT } else { PRESS }));
            }
            let trace = trace_of(&events);
            let Ok(schedule) = field_schedule(&trace, &profile, BUDGET) else { continue };
            for first in 0..events.len() {
                for second in first + 1..events.len() {
                    let written = events[second].0 - events[first].0;
                    let scheduled = schedule.times[second].milliseconds_since(schedule.times[first]);
                    assert_eq!(
                        written < RATE_WINDOW_MILLISECONDS,
                        scheduled < RATE_WINDOW_MILLISECONDS,
                        "{first}, {second}"
                    );
                }
            }
            let longest = schedule.times.windows(2).map(|pair| pair[1].milliseconds_since(pair[0])).max().unwrap_or(0);
            assert!(longest <= RATE_WINDOW_MILLISECONDS + THRESHOLD_MARGIN_MILLISECONDS);
        }
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
        assert_eq!(gaps, vec![QUICK_STEP_MILLISECONDS, QUICK_STEP_MILLISECONDS, 1_000, QUICK_STEP_MILLISECONDS]);
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

    #[test]
    fn events_within_a_tenth_of_a_second_of_the_window_are_not_run() {
        let trace = trace_of(&[(0, BALLOT), (1_000, PRESS), (61_050, BALLOT)]);
        let reason = field_schedule(&trace, &MachineProfile::m2(), BUDGET).expect_err("too close");
        assert!(reason.contains("lines 3 and 4 are 60050 ms apart"), "{reason}");
        let reason = field_schedule(
            &trace_of(&[(0, BALLOT), (1_000, PRESS), (200_000, BALLOT)]),
            &MachineProfile::m2(),
            Duration::from_secs(30),
        )
        .expect_err("over budget");
        assert_eq!(reason, "needs 1 min 2 s of real time at the board's 5 votes a minute; --real-time-budget is 30 s");
    }
}

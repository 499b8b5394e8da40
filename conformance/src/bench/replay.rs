//! `evm-conformance bench replay`: synthetic stations generated and replayed
//! in a streaming way on every core with every check on — the scale of a
//! general election (about 1.05 million polling stations) on one machine.
//! Measured, never asserted: the report gives the figures beside a floor
//! measured in the same run (the same stations' machine inputs stepped
//! through a bare unit, with no check).

use crate::generate::{plan_synthetic_station, synthetic_station};
use crate::replay::{Forms, LineByLine};
use crate::target::SimTarget;
use crate::trace::{Trace, TraceEvent};
use crate::verdict::VerdictKind;
use evm_sim::station::road::{self, MachinePort, Pressed, StationPort};
use evm_sim::unit::Input;
use evm_sim::{ControlUnit, MachineProfile, ProfileName, StationAction, Timestamp};
use serde::Serialize;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

/// Stations of the floor's sample.
pub const FLOOR_SAMPLE_STATIONS: u32 = 500;

#[derive(Clone, Debug)]
pub struct ReplayBenchOptions {
    pub stations: u32,
    pub seed: u64,
    pub profile: ProfileName,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
}

/// The figures, with the field names.
#[derive(Clone, Debug, Serialize)]
pub struct ReplayBenchReport {
    pub stations: u32,
    pub seed: u64,
    pub workers: usize,
    pub votes: u64,
    pub events: u64,
    pub seconds: f64,
    pub stations_per_s: f64,
    pub events_per_s: f64,
    pub peak_rss_mb: f64,
    /// Stations whose verdict was not the expected `pass` (0 on a conforming unit).
    pub stations_not_as_expected: u64,
    /// The floor: the same stations' machine inputs (the first
    /// `FLOOR_SAMPLE_STATIONS`) — every input the day presses, those of the
    /// station actions by the one road and the unit lines — stepped through
    /// a bare unit on one thread (no reference, no papers, no check), in
    /// stations per second.
    pub floor_stations_per_s: f64,
    /// Votes the floor's bare units recorded: the sample's votes and its
    /// mock polls' (a floor whose unit records nothing measures refusals).
    pub floor_votes: u64,
    /// stations_per_s ÷ (floor_stations_per_s × workers): the share of the
    /// bare machine's speed that the full checks keep.
    pub ratio_to_floor: f64,
}

/// Peak resident set size of this process, from /proc (Linux); 0 elsewhere.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmHWM:")
                    .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kilobytes| kilobytes / 1024.0)
}

/// One step of the floor: a machine input, or another machine taken into
/// use (a day that installs a second machine, 39V).
enum FloorStep {
    NewMachine,
    Press(Timestamp, Input),
}

/// Records the inputs the one road presses on a control unit for a day's
/// lines, stepping a bare unit so that the road's choices (the total shown,
/// the units to detach) are the machine's own. The papers hear nothing.
struct InputRecorder {
    unit: ControlUnit,
    used: bool,
    steps: Vec<FloorStep>,
}

impl MachinePort for InputRecorder {
    type Error = std::convert::Infallible;

    fn press(&mut self, now: Timestamp, input: Input) -> Result<Pressed, Self::Error> {
        self.steps.push(FloorStep::Press(now, input));
        self.used = true;
        MachinePort::press(&mut self.unit, now, input)
    }

    fn is_powered(&self) -> bool {
        MachinePort::is_powered(&self.unit)
    }

    fn attached_positions(&self) -> Vec<u8> {
        MachinePort::attached_positions(&self.unit)
    }

    fn total(&self) -> u32 {
        MachinePort::total(&self.unit)
    }
}

impl StationPort for InputRecorder {
    fn record(&mut self, _now: Timestamp, _action: &StationAction) -> Result<(), Self::Error> {
        Ok(())
    }

    fn no_total_shown(&mut self, _input: Input, _pressed: Pressed) -> Result<u32, Self::Error> {
        Ok(self.unit.total())
    }
}

/// Every machine input of a day, in order: the inputs each station action
/// presses by the one road (`set_up` at `machine_installed`, the mock poll,
/// `Ballot` at `ballot_pressed`, `Total` at the opening, `Close` and the
/// detaching at the close…) and each unit line; a new machine where the
/// replay takes one into use. Counting lines (not in the national
/// replay's days) and expectations press nothing here.
fn machine_inputs_of_the_day(trace: &Trace) -> Vec<FloorStep> {
    let header = &trace.header;
    let ballot = road::Ballot::new(&header.profile, header.candidate_count());
    let mut recorder = InputRecorder { unit: ControlUnit::new(header.profile), used: false, steps: Vec::new() };
    for line in &trace.lines {
        let new_machine = match &line.event {
            TraceEvent::NewMachine { .. } => true,
            TraceEvent::Station { action: StationAction::MachineInstalled { .. }, .. } => recorder.used,
            _ => false,
        };
        if new_machine {
            recorder.steps.push(FloorStep::NewMachine);
            recorder.unit = ControlUnit::new(header.profile);
            recorder.used = false;
        }
        let pressed = match &line.event {
            TraceEvent::Unit(input) => road::press(&mut recorder, line.at, *input).map(|_| ()),
            TraceEvent::PressCutBeforeBeep(input) => {
                // The press, then the cut (as the replay does).
                road::press(&mut recorder, line.at, *input).and_then(|_| {
                    if MachinePort::is_powered(&recorder) {
                        road::press(&mut recorder, line.at, Input::PowerOff).map(|_| ())
                    } else {
                        Ok(())
                    }
                })
            }
            TraceEvent::Station { action, set_up, .. } if road::touches_the_machine(action) => {
                let set_up = set_up.as_deref().cloned().unwrap_or_default();
                road::act(&mut recorder, line.at, action, ballot, &set_up).map(|_| ())
            }
            _ => Ok(()),
        };
        let Ok(()) = pressed;
    }
    recorder.steps
}

/// The floor on the first `stations` stations: each day's machine inputs
/// stepped through a bare unit on one thread, no reference, no papers, no
/// check. Returns (stations a second, votes the bare units recorded).
fn floor_stations_per_s(seed: u64, profile: ProfileName, stations: u32) -> (f64, u64) {
    // One day at a time, so the floor does not raise the peak memory; only
    // the stepping is timed.
    let mut stepping = std::time::Duration::ZERO;
    let mut votes = 0u64;
    for index in 0..stations {
        let trace = synthetic_station(seed, index, profile).trace;
        let steps = machine_inputs_of_the_day(&trace);
        let started = Instant::now();
        votes += through_bare_units(trace.header.profile, &steps);
        stepping += started.elapsed();
    }
    (f64::from(stations) / stepping.as_secs_f64().max(1e-9), std::hint::black_box(votes))
}

/// Steps a day's machine inputs through fresh bare units; the votes they
/// recorded.
fn through_bare_units(profile: MachineProfile, steps: &[FloorStep]) -> u64 {
    let mut unit = ControlUnit::new(profile);
    let mut votes = 0;
    for step in steps {
        match *step {
            FloorStep::NewMachine => unit = ControlUnit::new(profile),
            FloorStep::Press(at, input) => votes += u64::from(unit.step(at, input).votes_recorded()),
        }
    }
    votes
}

/// Generates and replays `options.stations` stations; `progress` gets
/// (stations done, stations) now and then.
pub fn run_replay_bench(options: &ReplayBenchOptions, progress: impl Fn(u64, u64) + Sync) -> ReplayBenchReport {
    let workers = if options.workers == 0 {
        std::thread::available_parallelism().map(|count| count.get()).unwrap_or(1)
    } else {
        options.workers
    };
    let next = AtomicU32::new(0);
    let done = AtomicU64::new(0);
    let votes = AtomicU64::new(0);
    let events = AtomicU64::new(0);
    let mismatches = AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut target = SimTarget::new();
                let (mut local_votes, mut local_events, mut local_mismatches) = (0u64, 0u64, 0u64);
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= options.stations {
                        break;
                    }
                    // Streamed: each line judged as the generator makes it.
                    let (header, day) = plan_synthetic_station(options.seed, index, options.profile);
                    let mut judged = LineByLine::start(&header, &mut target);
                    let figures = day.write(|line| judged.line(&line));
                    let outcome = judged.finish(Forms::Skipped);
                    local_votes += figures.votes;
                    local_events += outcome.events as u64;
                    if outcome.verdict != VerdictKind::Pass {
                        local_mismatches += 1;
                    }
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if finished % 1_000 == 0 {
                        progress(finished, u64::from(options.stations));
                    }
                }
                votes.fetch_add(local_votes, Ordering::Relaxed);
                events.fetch_add(local_events, Ordering::Relaxed);
                mismatches.fetch_add(local_mismatches, Ordering::Relaxed);
            });
        }
    });
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    progress(u64::from(options.stations), u64::from(options.stations));
    let events = events.load(Ordering::Relaxed);
    let (floor, floor_votes) =
        floor_stations_per_s(options.seed, options.profile, options.stations.min(FLOOR_SAMPLE_STATIONS));
    let events_per_s = events as f64 / seconds;
    let stations_per_s = f64::from(options.stations) / seconds;
    ReplayBenchReport {
        stations: options.stations,
        seed: options.seed,
        workers,
        votes: votes.load(Ordering::Relaxed),
        events,
        seconds,
        stations_per_s,
        events_per_s,
        peak_rss_mb: peak_rss_mb(),
        stations_not_as_expected: mismatches.load(Ordering::Relaxed),
        floor_stations_per_s: floor,
        floor_votes,
        ratio_to_floor: stations_per_s / (floor * workers as f64).max(1e-9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The votes a day records on its machines and in its mock polls.
    fn votes_of_the_day(station: &crate::generate::SyntheticStation) -> u64 {
        let mock_polls: u64 = station
            .trace
            .lines
            .iter()
            .map(|line| match line.event {
                TraceEvent::Station { action: StationAction::MockPollHeld { votes, .. }, .. } => u64::from(votes),
                _ => 0,
            })
            .sum();
        station.votes + mock_polls
    }

    /// The floor runs the day: its bare units record every vote of the
    /// sample's days and of their mock polls. A floor that stepped only the
    /// unit lines (its unit never switched on) recorded none.
    #[test]
    fn the_floor_records_the_days_votes() {
        let stations = 30;
        let (_, floor_votes) = floor_stations_per_s(7, ProfileName::M2, stations);
        let expected: u64 =
            (0..stations).map(|index| votes_of_the_day(&synthetic_station(7, index, ProfileName::M2))).sum();
        assert!(expected > u64::from(stations) * 300, "the sample's days record votes: {expected}");
        assert_eq!(floor_votes, expected);
    }

    /// A day that adjourns takes a second machine (its own mock poll and
    /// votes on it); a captured day stops at the capture. The floor follows
    /// both (stations 2,802 and 3,371 of seed 7).
    #[test]
    fn the_floor_follows_an_adjourned_and_a_captured_day() {
        for (index, machines) in [(2_802, 2), (3_371, 1)] {
            let station = synthetic_station(7, index, ProfileName::M2);
            let steps = machine_inputs_of_the_day(&station.trace);
            let new_machines = steps.iter().filter(|step| matches!(step, FloorStep::NewMachine)).count();
            assert_eq!(new_machines + 1, machines, "station {index}");
            assert_eq!(through_bare_units(station.trace.header.profile, &steps), votes_of_the_day(&station));
        }
    }
}

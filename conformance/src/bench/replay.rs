//! `evm-conformance bench replay`: synthetic stations generated and replayed
//! in a streaming way on every core with every check on — the scale of a
//! general election (about 1.05 million polling stations) on one machine.
//! Measured, never asserted: the report gives the figures beside a floor
//! measured in the same run (the same stations' machine inputs stepped
//! through a bare unit, with no check).

use crate::generate::synthetic_station;
use crate::replay::replay;
use crate::target::SimTarget;
use crate::trace::TraceEvent;
use crate::verdict::VerdictKind;
use evm_sim::{ControlUnit, ProfileName};
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
    /// `FLOOR_SAMPLE_STATIONS`) stepped through a bare unit on one thread —
    /// no reference, no station, no check — in stations per second.
    pub floor_stations_per_s: f64,
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

fn floor_stations_per_s(seed: u64, profile: ProfileName, stations: u32) -> f64 {
    // One trace at a time, so the floor does not raise the peak memory;
    // only the stepping is timed.
    let mut stepping = std::time::Duration::ZERO;
    let mut votes = 0u64;
    for index in 0..stations {
        let trace = synthetic_station(seed, index, profile).trace;
        let started = Instant::now();
        let mut unit = ControlUnit::new(trace.header.profile);
        for line in &trace.lines {
            if let TraceEvent::Unit(input) = line.event {
                votes += u64::from(unit.step(line.at, input).votes_recorded());
            }
        }
        stepping += started.elapsed();
    }
    std::hint::black_box(votes);
    f64::from(stations) / stepping.as_secs_f64().max(1e-9)
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
                    let station = synthetic_station(options.seed, index, options.profile);
                    let outcome = replay(&station.trace, &mut target);
                    local_votes += station.votes;
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
    let floor = floor_stations_per_s(options.seed, options.profile, options.stations.min(FLOOR_SAMPLE_STATIONS));
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
        ratio_to_floor: stations_per_s / (floor * workers as f64).max(1e-9),
    }
}

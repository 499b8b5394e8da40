//! The `bench` subcommands as library calls: national-scale replay,
//! result-readout latency, a lab's throughput. Measured, never asserted.

use super::{check_writable, lab_targets, traces_to_run, write_file, UsageError};
use std::path::{Path, PathBuf};

/// `bench replay`: the national-scale replay; prints and optionally writes the figures.
pub fn bench_replay(
    stations: u32,
    seed: u64,
    profile: evm_sim::ProfileName,
    workers: usize,
    json: Option<&Path>,
    quiet: bool,
) -> Result<String, UsageError> {
    use std::io::IsTerminal;
    let show = !quiet && std::io::stderr().is_terminal();
    let options = crate::bench::replay::ReplayBenchOptions { stations, seed, profile, workers };
    let report = crate::bench::replay::run_replay_bench(&options, |done, total| {
        if show {
            eprint!("\r{done}/{total} stations");
        }
    });
    if show {
        eprintln!();
    }
    let text = serde_json::to_string_pretty(&report).map_err(|error| UsageError(error.to_string()))?;
    if let Some(path) = json {
        write_file(path, &(text.clone() + "\n"))?;
    }
    Ok(format!(
        "{} stations ({} votes, {} events) in {:.2} s on {} workers: {:.0} stations/s, {:.2} million events/s, peak {:.1} MB; \
         floor (the days' machine inputs through a bare unit, one thread, {} votes recorded) {:.0} stations/s, ratio {:.3}; \
         {} stations not as expected",
        report.stations,
        report.votes,
        report.events,
        report.seconds,
        report.workers,
        report.stations_per_s,
        report.events_per_s / 1e6,
        report.peak_rss_mb,
        report.floor_votes,
        report.floor_stations_per_s,
        report.ratio_to_floor,
        report.stations_not_as_expected
    ))
}

/// `bench readout`: the result-readout latency against the wire floor.
pub fn bench_readout(
    target: &str,
    baud: u32,
    candidates: u16,
    samples: u32,
    json: Option<&Path>,
    svg: Option<&Path>,
) -> Result<String, UsageError> {
    let options = crate::bench::readout::ReadoutOptions { target: target.to_owned(), baud, candidates, samples };
    let report = crate::bench::readout::run_readout_bench(&options).map_err(|error| UsageError(error.to_string()))?;
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&report).map_err(|error| UsageError(error.to_string()))?;
        write_file(path, &(text + "\n"))?;
    }
    if let Some(path) = svg {
        write_file(path, &crate::bench::readout::histogram_svg(&report))?;
    }
    Ok(report.summary())
}

/// `bench lab`: the traces under `paths` on labs of each size; the table,
/// and the rows as JSON in `json`.
#[allow(clippy::too_many_arguments)]
pub fn bench_lab(
    sizes: &[usize],
    field_mode: bool,
    field: crate::target::FieldOptions,
    target_names: &[String],
    lab_file: Option<&Path>,
    paths: &[PathBuf],
    json: Option<&Path>,
) -> Result<String, UsageError> {
    let lab = if target_names.is_empty() && lab_file.is_none() {
        Vec::new()
    } else {
        lab_targets(target_names, lab_file)?.boards
    };
    if !lab.is_empty() {
        crate::lab::check_targets(&lab).map_err(|error| UsageError(error.to_string()))?;
    }
    let files = traces_to_run(paths, &[])?;
    if let Some(path) = json {
        check_writable(path)?;
    }
    let rows = crate::bench::lab::run_lab_bench(sizes, field_mode, field, &lab, &files)
        .map_err(|error| UsageError(error.to_string()))?;
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&rows).map_err(|error| UsageError(error.to_string()))?;
        write_file(path, &(text + "\n"))?;
    }
    Ok(crate::bench::lab::table(&rows))
}

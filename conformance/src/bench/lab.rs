//! `bench lab`: a lab's throughput — traces a minute on 1, 2, 4 … simulated
//! boards (separate `evm-sim serve --pty` processes), in test or field mode —
//! beside the floor measured in the same run: one board's throughput times
//! the number of boards. The ratio says how much of that the lab keeps.
//! Measured, never asserted.

use crate::lab::{LabBoard, Work};
use crate::target::board_process::BoardProcess;
use crate::target::{FieldOptions, TargetSpec};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// One lab size.
#[derive(Clone, Debug, Serialize)]
pub struct LabBenchRow {
    pub boards: usize,
    /// `test`, `field`, or `mixed` (a given lab of both kinds).
    pub mode: String,
    pub traces: usize,
    /// Replayed to a verdict (as expected or not).
    pub judged: usize,
    pub as_expected: usize,
    pub not_applicable: usize,
    pub seconds: f64,
    pub traces_per_minute: f64,
    /// Traces a minute over one board's in the same run, times the boards:
    /// 1.0 when the lab scales perfectly.
    pub ratio_to_floor: f64,
}

#[derive(Debug, thiserror::Error)]
#[error("bench lab: {0}")]
pub struct LabBenchError(String);

/// Runs `files` on labs of each size in `sizes` (one board first, for the
/// floor, whether asked or not): the first boards of `lab` when it names
/// any (a real lab), else simulated boards spawned for each size.
pub fn run_lab_bench(
    sizes: &[usize],
    field_mode: bool,
    field: FieldOptions,
    lab: &[LabBoard],
    files: &[PathBuf],
) -> Result<Vec<LabBenchRow>, LabBenchError> {
    if let Some(too_many) = sizes.iter().find(|&&size| !lab.is_empty() && size > lab.len()) {
        return Err(LabBenchError(format!("a lab of {too_many} boards, but only {} are given", lab.len())));
    }
    let mut sizes: Vec<usize> = sizes.iter().copied().filter(|&size| size > 0).collect();
    if !sizes.contains(&1) {
        sizes.insert(0, 1);
    }
    sizes.sort_unstable();
    sizes.dedup();
    let mut rows: Vec<LabBenchRow> = Vec::new();
    for size in sizes {
        let processes = if lab.is_empty() {
            (0..size)
                .map(|_| if field_mode { BoardProcess::start_field() } else { BoardProcess::start(None) })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| LabBenchError(error.to_string()))?
        } else {
            Vec::new()
        };
        let boards: Vec<LabBoard> = if lab.is_empty() {
            processes
                .iter()
                .map(|process| {
                    LabBoard::from_target(TargetSpec::Serial { path: process.device.clone(), baud: Some(115_200) })
                })
                .collect()
        } else {
            lab[..size].to_vec()
        };
        let work = files.iter().cloned().map(Work::File).collect();
        let started = Instant::now();
        let report = crate::lab::run(&boards, work, field, |_| {});
        let seconds = started.elapsed().as_secs_f64();
        drop(processes);
        if crate::interrupt::requested() {
            return Err(LabBenchError("interrupted".to_owned()));
        }
        let summary = &report.summary;
        let judged = summary.as_expected + summary.differs;
        let traces_per_minute = judged as f64 * 60.0 / seconds.max(1e-9);
        let floor = rows.first().map_or(traces_per_minute, |one| one.traces_per_minute) * size as f64;
        rows.push(LabBenchRow {
            boards: size,
            mode: lab_mode(&report),
            traces: summary.traces,
            judged,
            as_expected: summary.as_expected,
            not_applicable: summary.not_run,
            seconds,
            traces_per_minute,
            ratio_to_floor: if floor > 0.0 { traces_per_minute / floor } else { 0.0 },
        });
    }
    Ok(rows)
}

/// The boards' mode, as the lab's records say.
fn lab_mode(report: &crate::report::RunReport) -> String {
    let modes: Vec<&str> = report.boards.iter().filter_map(|board| board.mode.map(|mode| mode.as_str())).collect();
    match modes.first() {
        Some(first) if modes.iter().all(|mode| mode == first) => (*first).to_owned(),
        Some(_) => "mixed".to_owned(),
        None => "none".to_owned(),
    }
}

/// The rows as a table for a terminal.
pub fn table(rows: &[LabBenchRow]) -> String {
    let mut text = String::from(
        "boards  mode   traces  judged  as expected  not applicable  seconds  traces/min  ratio to floor\n",
    );
    for row in rows {
        text.push_str(&format!(
            "{:>6}  {:<5}  {:>6}  {:>6}  {:>11}  {:>14}  {:>7.1}  {:>10.1}  {:>14.2}\n",
            row.boards,
            row.mode,
            row.traces,
            row.judged,
            row.as_expected,
            row.not_applicable,
            row.seconds,
            row.traces_per_minute,
            row.ratio_to_floor
        ));
    }
    text.push_str("floor: one board's traces a minute in the same run, times the boards\n");
    text
}

//! What the `evm-conformance` binary does, as library calls: argument types,
//! target selection and the human summary. The binary only parses flags.

use crate::report;
use crate::runner::{self, RunReport};
use crate::target::{SimTarget, Target};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Exit code: every verdict matched its expectation.
pub const EXIT_ALL_MATCH: u8 = 0;
/// Exit code: at least one verdict did not match.
pub const EXIT_MISMATCH: u8 = 1;
/// Exit code: bad usage or unreadable input.
pub const EXIT_USAGE: u8 = 2;

/// A failure that is the caller's: bad flags, unreadable input, unwritable output.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Builds the target named on the command line: `sim` (in process),
/// `sim-pty` (spawns `evm-sim serve --pty`), `serial:PATH@BAUD`, `tcp:ADDR`.
pub fn target_named(name: &str) -> Result<Box<dyn Target>, UsageError> {
    let wire =
        |result: Result<crate::wire::WireTarget, crate::target::TargetError>| -> Result<Box<dyn Target>, UsageError> {
            result.map(|target| Box::new(target) as Box<dyn Target>).map_err(|error| UsageError(error.to_string()))
        };
    if name == "sim" {
        return Ok(Box::new(SimTarget::new()));
    }
    if name == "sim-pty" {
        return wire(crate::wire::WireTarget::spawn_simulated_board(None));
    }
    if let Some(address) = name.strip_prefix("tcp:") {
        return wire(crate::wire::WireTarget::tcp(address));
    }
    if let Some(rest) = name.strip_prefix("serial:") {
        let (path, baud) = rest.rsplit_once('@').unwrap_or((rest, "115200"));
        let baud: u32 =
            baud.parse().map_err(|_| UsageError(format!("baud rate {baud:?} is not a number (serial:PATH@BAUD)")))?;
        return wire(crate::wire::WireTarget::serial(path, baud));
    }
    Err(UsageError(format!(
        "unknown target {name:?}: expected sim (in process), sim-pty (spawns evm-sim serve --pty), serial:PATH@BAUD or tcp:ADDR"
    )))
}

/// The target named on the command line, capturing its wire to `capture`
/// when one is given.
pub fn target_capturing(name: &str, capture: Option<&Path>) -> Result<Box<dyn Target>, UsageError> {
    let mut target = target_named(name)?;
    if let Some(path) = capture {
        target.capture_to(path).map_err(|error| UsageError(error.to_string()))?;
    }
    Ok(target)
}

/// Runs the traces under `paths` and writes the requested report files.
pub fn run(
    target_name: &str,
    paths: &[PathBuf],
    json_path: Option<&Path>,
    junit_path: Option<&Path>,
    capture: Option<&Path>,
    progress: impl FnMut(usize, usize),
) -> Result<RunReport, UsageError> {
    let mut target = target_capturing(target_name, capture)?;
    if paths.is_empty() {
        return Err(UsageError("no trace file or folder given".to_owned()));
    }
    let report = runner::run(paths, target.as_mut(), progress).map_err(|error| UsageError(error.to_string()))?;
    if let Some(path) = json_path {
        write_file(path, &report::json(&report))?;
    }
    if let Some(path) = junit_path {
        write_file(path, &report::junit(&report))?;
    }
    Ok(report)
}

fn write_file(path: &Path, contents: &str) -> Result<(), UsageError> {
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| UsageError(format!("{}: {error}", parent.display())))?;
    }
    std::fs::write(path, contents).map_err(|error| UsageError(format!("{}: {error}", path.display())))
}

/// What `certify` wrote.
pub struct Certification {
    pub report: RunReport,
    pub files: Vec<PathBuf>,
}

/// The main job: the built-in scenario suite and the trace corpus against
/// the target; `DIR/report.json`, `DIR/junit.xml`, `DIR/report.html`.
/// Trace folders that do not exist are skipped with a note in the page.
pub fn certify(
    target_name: &str,
    trace_paths: &[PathBuf],
    out: &Path,
    generated: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<Certification, UsageError> {
    let mut target = target_named(target_name)?;
    let scenarios = crate::scenarios::builtin_scenarios();
    let existing: Vec<PathBuf> = trace_paths.iter().filter(|path| path.exists()).cloned().collect();
    let files = runner::collect_traces(&existing).map_err(|error| UsageError(error.to_string()))?;
    let total = scenarios.len() + files.len();
    let mut traces = Vec::with_capacity(total);
    for scenario in &scenarios {
        traces.push(runner::run_trace_in_memory(&scenario.trace, &scenario.expected, target.as_mut()));
        progress(traces.len(), total);
    }
    for file in &files {
        traces.push(runner::run_trace(file, target.as_mut()));
        progress(traces.len(), total);
    }
    let report = runner::summarize(target.name(), traces);
    let missing: Vec<String> =
        trace_paths.iter().filter(|path| !path.exists()).map(|path| path.display().to_string()).collect();
    let generated = if missing.is_empty() {
        generated.to_owned()
    } else {
        format!("{generated} Trace folders not found, skipped: {}.", missing.join(", "))
    };
    let files = vec![out.join("report.json"), out.join("junit.xml"), out.join("report.html")];
    write_file(&files[0], &report::json(&report))?;
    write_file(&files[1], &report::junit(&report))?;
    write_file(&files[2], &crate::html::report_page(&report, &generated))?;
    Ok(Certification { report, files })
}

/// The short human summary printed after a run.
pub fn summary(report: &RunReport) -> String {
    let mut text = String::new();
    for trace in report.traces.iter().filter(|trace| !trace.matches_expected) {
        let _ = writeln!(
            text,
            "MISMATCH {}: {}{}{} — {}",
            trace.path,
            trace.verdict.as_str(),
            trace.property.map(|property| format!(" {property}")).unwrap_or_default(),
            trace.line.map(|line| format!(" at line {line}")).unwrap_or_default(),
            trace.reason.as_deref().unwrap_or("")
        );
    }
    let summary = &report.summary;
    let _ = writeln!(
        text,
        "{} traces against {}: {} as expected, {} not; verdicts: {} pass, {} violation, {} discrepancy, {} error, {} not applicable",
        summary.traces,
        report.target,
        summary.matching_expectation,
        summary.not_matching_expectation,
        summary.pass,
        summary.violation,
        summary.discrepancy,
        summary.error,
        summary.not_applicable
    );
    let broken: Vec<&str> = summary.properties_broken.iter().map(|property| property.id()).collect();
    let _ = writeln!(
        text,
        "properties caught broken: {}",
        if broken.is_empty() { "none".to_owned() } else { broken.join(", ") }
    );
    text
}

/// `gen`: writes `stations` synthetic stations of the election `seed` to
/// the folder `out`, or to stdout for `-`. Returns how many were written.
pub fn generate(seed: u64, stations: u32, profile: evm_sim::ProfileName, out: &str) -> Result<u32, UsageError> {
    use std::io::Write as _;
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    for index in 0..stations {
        let station = crate::generate::synthetic_station(seed, index, profile);
        let text = crate::trace::write_trace(&station.trace);
        if out == "-" {
            stdout.write_all(text.as_bytes()).map_err(|error| UsageError(format!("stdout: {error}")))?;
        } else {
            let folder = Path::new(out);
            let name = format!("station-{index:07}");
            write_file(&folder.join(format!("{name}.jsonl")), &text)?;
            let expected =
                serde_json::to_string_pretty(&station.expected).map_err(|error| UsageError(error.to_string()))?;
            write_file(&folder.join(format!("{name}.expected.json")), &(expected + "\n"))?;
        }
    }
    Ok(stations)
}

/// `minimize`: shrinks the failing trace at `path`; writes it to `out`.
pub fn minimize(path: &Path, out: &Path, target_name: &str) -> Result<String, UsageError> {
    let trace = crate::trace::parse_trace_file(path).map_err(|error| UsageError(error.to_string()))?;
    let mut target = target_named(target_name)?;
    let minimized = crate::minimize::minimize(&trace, target.as_mut()).ok_or_else(|| {
        UsageError(format!("{}: the trace does not fail on {}: nothing to minimise", path.display(), target.name()))
    })?;
    write_file(out, &crate::trace::write_trace(&minimized.trace))?;
    let failure = &minimized.failure;
    Ok(format!(
        "{} event lines -> {} ({} replays); still fails: {} {} (rule {}); wrote {}",
        trace.lines.len(),
        minimized.trace.lines.len(),
        minimized.replays,
        failure.verdict.as_str(),
        failure.property.map(|property| property.id()).unwrap_or("(reference model)"),
        failure.rule,
        out.display()
    ))
}

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
    let options = crate::bench_replay::ReplayBenchOptions { stations, seed, profile, workers };
    let report = crate::bench_replay::run_replay_bench(&options, |done, total| {
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
         floor (bare unit, one thread) {:.0} stations/s, ratio {:.3}; {} stations not as expected",
        report.stations,
        report.votes,
        report.events,
        report.seconds,
        report.workers,
        report.stations_per_s,
        report.events_per_s / 1e6,
        report.peak_rss_mb,
        report.floor_stations_per_s,
        report.ratio_to_floor,
        report.stations_not_as_expected
    ))
}

/// `gen --from-results`: one trace (and its expected verdict) per station
/// of a published results file, each replayed on the simulated unit to
/// show that its Part II reproduces the published figures. Returns the
/// summary for stderr: skipped rows, warnings, what was written and
/// reproduced, and whether every station was. No station read is a usage
/// error (exit status 2).
pub fn generate_from_results(
    file: &Path,
    options: &crate::from_results::ResultsOptions,
    out: &str,
) -> Result<(String, bool), UsageError> {
    use std::io::Write as _;
    let results =
        crate::from_results::traces_from_results(file, options).map_err(|error| UsageError(error.to_string()))?;
    let mut summary = String::new();
    for message in results.skipped.iter().chain(&results.warnings) {
        let _ = writeln!(summary, "{message}");
    }
    if results.stations.is_empty() {
        return Err(UsageError(format!(
            "{summary}{}: no station could be read ({} rows skipped): nothing written",
            file.display(),
            results.skipped.len()
        )));
    }
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    let stem = file.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
    let mut target = crate::target::SimTarget::new();
    let mut reproduced = 0;
    for station in &results.stations {
        let text = crate::trace::write_trace(&station.trace);
        if out == "-" {
            match stdout.write_all(text.as_bytes()) {
                Ok(()) => {}
                // A reader that stopped (`| head`) wants no more: not an error.
                Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return Ok((summary, true)),
                Err(error) => return Err(UsageError(format!("stdout: {error}"))),
            }
        } else {
            let name = format!("{stem}-part-{:0>4}", crate::from_results::trace::file_safe(&station.part_number));
            write_file(&Path::new(out).join(format!("{name}.jsonl")), &text)?;
            let expected =
                serde_json::to_string_pretty(&station.expected).map_err(|error| UsageError(error.to_string()))?;
            write_file(&Path::new(out).join(format!("{name}.expected.json")), &(expected + "\n"))?;
        }
        let report = crate::runner::run_trace_in_memory(&station.trace, &station.expected, &mut target);
        let published: u32 = station.counts.iter().sum();
        if report.matches_expected
            && report.findings.is_empty()
            && report.form_16c.as_ref().is_some_and(|account| account.item_5 == published)
        {
            reproduced += 1;
        } else {
            let _ = writeln!(
                summary,
                "{}: station {}: NOT reproduced on the simulated unit",
                file.display(),
                station.part_number
            );
        }
    }
    let _ = writeln!(
        summary,
        "{}: {} layout; {} stations written, {} rows skipped, {} warnings; {reproduced} of {} stations reproduced (Form 16C Part II = the published figures)",
        file.display(),
        match results.layout {
            crate::from_results::Layout::Wide => "one row per station",
            crate::from_results::Layout::Long => "one row per candidate",
        },
        results.stations.len(),
        results.skipped.len(),
        results.warnings.len(),
        results.stations.len(),
    );
    Ok((summary, reproduced == results.stations.len()))
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
    let options = crate::readout_bench::ReadoutOptions { target: target.to_owned(), baud, candidates, samples };
    let report = crate::readout_bench::run_readout_bench(&options).map_err(UsageError)?;
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&report).map_err(|error| UsageError(error.to_string()))?;
        write_file(path, &(text + "\n"))?;
    }
    if let Some(path) = svg {
        write_file(path, &crate::readout_bench::histogram_svg(&report))?;
    }
    Ok(report.summary())
}

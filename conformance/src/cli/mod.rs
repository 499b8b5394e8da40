//! What the `evm-conformance` binary does, as library calls: argument types,
//! target selection and the human summary. The binary only parses flags.

pub mod listing;
mod usage;

pub use crate::report::{EXIT_ALL_MATCH, EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, EXIT_MISMATCH, EXIT_USAGE};
pub use usage::UsageError;

use crate::report::{self, RunReport};
use crate::runner;
use crate::target::{Target, TargetSpec};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Builds the target named on the command line ([`TargetSpec`]): `sim`
/// (in process), `sim-pty` (spawns `evm-sim serve --pty`),
/// `serial:PATH@BAUD`, `tcp:ADDR`.
pub fn target_named(name: &str) -> Result<Box<dyn Target>, UsageError> {
    let spec: TargetSpec =
        name.parse().map_err(|error: crate::target::TargetSpecError| UsageError(error.to_string()))?;
    spec.open().map_err(|error| UsageError(error.to_string()))
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

/// A duration as a person writes it: `150s`, `2m30s`, `10m`, `1h`, or
/// seconds alone (`90`). For `--real-time-budget`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let wrong = || format!("{text:?} is not a duration: write 150s, 2m30s, 10m or 1h");
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(seconds));
    }
    let (mut seconds, mut number) = (0u64, String::new());
    for character in text.chars() {
        if character.is_ascii_digit() {
            number.push(character);
            continue;
        }
        let unit = match character {
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(wrong()),
        };
        let value: u64 = number.parse().map_err(|_| wrong())?;
        seconds = value.checked_mul(unit).and_then(|part| seconds.checked_add(part)).ok_or_else(wrong)?;
        number.clear();
    }
    if !number.is_empty() || text.is_empty() {
        return Err(wrong());
    }
    Ok(std::time::Duration::from_secs(seconds))
}

/// The trace files under `paths` that `only` selects. Every path must
/// exist, and at least one trace must be found: a run that would replay
/// nothing is a usage error saying where it looked.
pub fn traces_to_run(paths: &[PathBuf], only: &[evm_sim::Property]) -> Result<Vec<PathBuf>, UsageError> {
    if paths.is_empty() {
        return Err(UsageError("no trace file or folder given".to_owned()));
    }
    let missing: Vec<String> =
        paths.iter().filter(|path| !path.exists()).map(|path| path.display().to_string()).collect();
    if !missing.is_empty() {
        return Err(UsageError(format!("{}: no such file or folder", missing.join(", "))));
    }
    let files = runner::collect_traces(paths).map_err(|error| UsageError(error.to_string()))?;
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|file| {
            // A ward's count breaks no one property: selected only without --only.
            if crate::ward::is_ward_manifest(file) {
                return only.is_empty();
            }
            // A trace whose expected verdict cannot be read stays: it is reported malformed.
            crate::trace::parse_expectation(&runner::expected_path(file))
                .map_or(true, |expected| crate::cli::listing::selected(expected.property, only))
        })
        .collect();
    if files.is_empty() {
        let looked: Vec<String> = paths.iter().map(|path| path.display().to_string()).collect();
        return Err(UsageError(format!(
            "no trace (*{}){} found under {}",
            runner::TRACE_SUFFIX,
            if only.is_empty() { String::new() } else { " breaking the --only properties".to_owned() },
            looked.join(", ")
        )));
    }
    Ok(files)
}

/// Checks, before any work, that `path` can be written (its folder made,
/// the file created): a report must never be lost after a long run.
pub fn check_writable(path: &Path) -> Result<(), UsageError> {
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| UsageError(format!("{}: {error}", parent.display())))?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(drop)
        .map_err(|error| UsageError(format!("{}: cannot be written: {error}", path.display())))
}

/// The boards of `run` and `certify`: the `--target`s (`sim` when none is
/// given and no lab file), then the lab file's. Several, or any from a lab
/// file, are a lab (each parsed, none twice, no in-process unit).
pub struct Boards {
    pub boards: Vec<crate::lab::LabBoard>,
    pub lab: bool,
}

pub fn lab_targets(names: &[String], lab_file: Option<&Path>) -> Result<Boards, UsageError> {
    let default = [String::from("sim")];
    let names = if names.is_empty() && lab_file.is_none() { &default[..] } else { names };
    let mut boards = names
        .iter()
        .map(|name| {
            name.parse()
                .map(crate::lab::LabBoard::from_target)
                .map_err(|error: crate::target::TargetSpecError| UsageError(error.to_string()))
        })
        .collect::<Result<Vec<_>, UsageError>>()?;
    if let Some(path) = lab_file {
        boards.extend(crate::lab::read_lab_file(path).map_err(|error| UsageError(error.to_string()))?);
    }
    let lab = boards.len() > 1 || lab_file.is_some();
    if lab {
        crate::lab::check_targets(&boards).map_err(|error| UsageError(error.to_string()))?;
    }
    Ok(Boards { boards, lab })
}

/// Runs the traces under `paths` (those `only` selects) and writes the
/// requested report files, which are checked writable first. Several
/// targets are a lab ([`crate::lab`]).
#[allow(clippy::too_many_arguments)]
pub fn run(
    target_names: &[String],
    lab_file: Option<&Path>,
    paths: &[PathBuf],
    only: &[evm_sim::Property],
    json_path: Option<&Path>,
    junit_path: Option<&Path>,
    capture: Option<&Path>,
    field: crate::target::FieldOptions,
    progress: impl FnMut(runner::Progress<'_>),
) -> Result<RunReport, UsageError> {
    let boards = lab_targets(target_names, lab_file)?;
    let files = traces_to_run(paths, only)?;
    for path in json_path.into_iter().chain(junit_path).chain(capture) {
        check_writable(path)?;
    }
    let report = if boards.lab {
        if capture.is_some() {
            return Err(UsageError("--capture records one board's wire: give one --target with it".to_owned()));
        }
        let work = files.into_iter().map(crate::lab::Work::File).collect();
        crate::lab::run(&boards.boards, work, field, progress)
    } else {
        let mut target = target_capturing(&boards.boards[0].spec.to_string(), capture)?;
        target.set_field_options(field);
        // A masked run sends no test-mode message, whatever the board offers.
        target.force_field_mode(field.masked.is_some());
        runner::run_files(&files, target.as_mut(), progress)
    };
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
/// the target; `DIR/report.json`, `DIR/junit.xml`, `DIR/report.html`. Every
/// trace path must exist and hold a trace (`traces_to_run`); the report
/// files are checked writable before any work.
#[allow(clippy::too_many_arguments)]
pub fn certify(
    target_names: &[String],
    lab_file: Option<&Path>,
    trace_paths: &[PathBuf],
    only: &[evm_sim::Property],
    out: &Path,
    generated: &str,
    field: crate::target::FieldOptions,
    mut progress: impl FnMut(runner::Progress<'_>),
) -> Result<Certification, UsageError> {
    let boards = lab_targets(target_names, lab_file)?;
    let files = traces_to_run(trace_paths, only)?;
    let reports = vec![out.join("report.json"), out.join("junit.xml"), out.join("report.html")];
    for path in &reports {
        check_writable(path)?;
    }
    let scenarios: Vec<_> = crate::generate::scenarios::builtin_scenarios()
        .into_iter()
        .filter(|scenario| crate::cli::listing::selected(scenario.expected.property, only))
        .collect();
    if boards.lab {
        let work = scenarios
            .into_iter()
            .map(|scenario| crate::lab::Work::Scenario(Box::new((scenario.trace, scenario.expected))))
            .chain(files.into_iter().map(crate::lab::Work::File))
            .collect();
        let report = crate::lab::run(&boards.boards, work, field, progress);
        return write_certification(report, reports, generated);
    }
    let mut target = target_named(&boards.boards[0].spec.to_string())?;
    target.set_field_options(field);
    // Field and test must agree: a board that offers test mode first runs
    // the corpus as a field board would (before any test-mode message, so
    // that it still is its own machine), then in test mode.
    let compare_modes = target.offers_test_mode() && target.force_field_mode(true);
    target.force_field_mode(false);
    let field_runs = if compare_modes { files.len() } else { 0 };
    let total = field_runs + scenarios.len() + files.len();
    let field_pass = compare_modes.then(|| {
        target.force_field_mode(true);
        let field_pass = runner::run_files(&files, target.as_mut(), |step| {
            progress(runner::Progress { done: step.done, total, current: step.current })
        });
        target.force_field_mode(false);
        field_pass
    });
    let mut traces = Vec::with_capacity(total);
    for scenario in &scenarios {
        let path = scenario.trace.path.to_string_lossy();
        progress(runner::Progress { done: field_runs + traces.len(), total, current: &path });
        let report = if crate::interrupt::requested() {
            report::interrupted(&path)
        } else {
            let report = runner::run_trace_in_memory(&scenario.trace, &scenario.expected, target.as_mut());
            // Stopped mid-replay: not a verdict.
            if crate::interrupt::requested() {
                report::interrupted(&path)
            } else {
                report
            }
        };
        traces.push(report);
    }
    let corpus = runner::run_files(&files, target.as_mut(), |step| {
        progress(runner::Progress { done: field_runs + scenarios.len() + step.done, total, current: step.current })
    });
    traces.extend(corpus.traces);
    let mut report = report::summarize(target.name(), traces);
    report.mode_comparison =
        field_pass.map(|field_pass| crate::report::modes::ModeComparison::between(&report, &field_pass));
    write_certification(report, reports, generated)
}

/// Writes `certify`'s three reports to `files` (JSON, JUnit XML, HTML).
fn write_certification(report: RunReport, files: Vec<PathBuf>, generated: &str) -> Result<Certification, UsageError> {
    write_file(&files[0], &report::json(&report))?;
    write_file(&files[1], &report::junit(&report))?;
    write_file(&files[2], &crate::report::html::report_page(&report, generated))?;
    Ok(Certification { report, files })
}

/// `gen`: writes `stations` synthetic stations of the election `seed` to
/// the folder `out/seed-SEED/` (one folder per seed, so that two elections
/// never mix), or to stdout for `-` (a reader that stops, `| head`, ends it
/// quietly). Returns how many were written and where.
pub fn generate(
    seed: u64,
    stations: u32,
    profile: evm_sim::ProfileName,
    out: &str,
) -> Result<(u32, PathBuf), UsageError> {
    use std::io::Write as _;
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    let folder = Path::new(out).join(format!("seed-{seed}"));
    for index in 0..stations {
        let station = crate::generate::synthetic_station(seed, index, profile);
        let text = crate::trace::write_trace(&station.trace);
        if out == "-" {
            match stdout.write_all(text.as_bytes()) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return Ok((index, folder)),
                Err(error) => return Err(UsageError(format!("stdout: {error}"))),
            }
        } else {
            let name = format!("station-{index:07}");
            write_file(&folder.join(format!("{name}.jsonl")), &text)?;
            let expected =
                serde_json::to_string_pretty(&station.expected).map_err(|error| UsageError(error.to_string()))?;
            write_file(&folder.join(format!("{name}.expected.json")), &(expected + "\n"))?;
        }
    }
    Ok((stations, folder))
}

/// `gen --ward`: writes synthetic ward `ward`'s counting day (its first
/// `stations` stations and `ward.json`) to `out/ward-WARD-seed-SEED/`.
pub fn generate_ward(
    seed: u64,
    ward: u16,
    stations: u32,
    profile: evm_sim::ProfileName,
    out: &str,
) -> Result<(u32, PathBuf), UsageError> {
    if out == "-" {
        return Err(UsageError("--ward writes a folder (the stations and ward.json): give --out DIR".to_owned()));
    }
    if ward == 0 {
        return Err(UsageError("--ward: wards are numbered from 1".to_owned()));
    }
    let folder = Path::new(out).join(format!("ward-{ward}-seed-{seed}"));
    let (days, manifest) = crate::generate::synthetic_ward(seed, u32::from(ward), stations, profile);
    for day in &days {
        let name = crate::generate::station_file_name(&day.trace);
        write_file(&folder.join(&name), &crate::trace::write_trace(&day.trace))?;
        let expected = serde_json::to_string_pretty(&day.expected).map_err(|error| UsageError(error.to_string()))?;
        let stem = name.strip_suffix(".jsonl").unwrap_or(&name);
        write_file(&folder.join(format!("{stem}.expected.json")), &(expected + "\n"))?;
    }
    let manifest = serde_json::to_string_pretty(&manifest).map_err(|error| UsageError(error.to_string()))?;
    write_file(&folder.join(crate::ward::WARD_MANIFEST_NAME), &(manifest + "\n"))?;
    Ok((days.len() as u32, folder))
}

/// What `volume` was asked.
pub struct VolumeArguments {
    pub target: String,
    pub positions: u64,
    pub link_faults: f64,
    pub seed: u64,
    /// (hours, ballots an hour) for endurance.
    pub endurance: Option<(u32, u32)>,
    pub defects: Vec<String>,
    pub profile: evm_sim::ProfileName,
    pub json: Option<PathBuf>,
}

/// `volume`: the labs' volume (or endurance) test. Returns the summary and
/// whether the test rejected.
pub fn volume(arguments: &VolumeArguments, quiet: bool) -> Result<(String, bool), UsageError> {
    use std::io::IsTerminal;
    if !(0.0..=0.5).contains(&arguments.link_faults) {
        return Err(UsageError(format!("--link-faults {}: a fraction 0 to 0.5", arguments.link_faults)));
    }
    if let Some(path) = &arguments.json {
        check_writable(path)?;
    }
    let defects: evm_sim::Defects =
        arguments.defects.iter().filter_map(|name| name.parse::<evm_sim::Defect>().ok()).collect();
    let mut profile = evm_sim::MachineProfile::named(arguments.profile);
    if let Some((_, rate)) = arguments.endurance {
        if rate == 0 || rate > 240 {
            return Err(UsageError(format!(
                "--rate {rate}: 1 to 240 ballots an hour (one every 15 s at most: the vote-rate limit of 5 a minute)"
            )));
        }
    }
    profile.rate_limit_votes_per_minute = Some(5);
    let positions = match arguments.endurance {
        Some((hours, rate)) => u64::from(hours) * u64::from(rate),
        None => arguments.positions,
    };
    let mut target = target_named(&arguments.target)?;
    if !defects.is_empty() && !target.can_carry_defects() {
        return Err(UsageError(format!("target {} cannot carry seeded defects (no test mode)", target.name())));
    }
    let options = crate::volume::VolumeOptions {
        positions,
        link_faults: arguments.link_faults,
        seed: arguments.seed,
        ballots_per_hour: arguments.endurance.map(|(_, rate)| rate),
        defects,
        profile,
    };
    let show = !quiet && std::io::stderr().is_terminal();
    let bar = show.then(|| {
        let bar = indicatif::ProgressBar::new(positions);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} positions, {msg} [{elapsed_precise}, eta {eta}]",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let report = crate::volume::run_volume(target.as_mut(), &options, |step| {
        if let Some(bar) = &bar {
            bar.set_position(step.positions);
            bar.set_message(format!("{} errors", step.errors));
        }
    })
    .map_err(|error| UsageError(error.to_string()))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Some(path) = &arguments.json {
        let text = serde_json::to_string_pretty(&report).map_err(|error| UsageError(error.to_string()))?;
        write_file(path, &(text + "\n"))?;
    }
    Ok((crate::volume::summary(&report), report.decision == crate::volume::Decision::Reject))
}

/// `minimize`: shrinks the failing trace at `path`; writes it to `out`.
pub fn minimize(path: &Path, out: &Path, target_name: &str) -> Result<String, UsageError> {
    let trace = crate::trace::parse_trace_file(path).map_err(|error| UsageError(error.to_string()))?;
    let mut target = target_named(target_name)?;
    let minimized = crate::minimize::minimize(&trace, target.as_mut()).ok_or_else(|| {
        UsageError(format!("{}: the trace does not fail on {}: nothing to minimise", path.display(), target.name()))
    })?;
    let text = crate::trace::write_trace(&minimized.trace);
    let failure = &minimized.failure;
    // The small trace with the verdict it preserves, so that the pair
    // replays as expected and can join a corpus as it is. The line is the
    // finding's in the file as written (the writer renumbers the lines).
    let written = crate::trace::parse_trace(out, &text).map_err(|error| UsageError(error.to_string()))?;
    let outcome = crate::replay::replay(&written, target.as_mut());
    let line = outcome.principal_finding().map(|finding| finding.line);
    let expected = crate::trace::ExpectedVerdict {
        verdict: failure.verdict,
        property: failure.property,
        line,
        item_6_discrepancy: None,
        rule: None,
        form_16c: None,
        why: format!(
            "minimised from {} on {}: still fails with {} {} (rule {})",
            path.display(),
            target.name(),
            failure.verdict.as_str(),
            failure.property.map(|property| property.id()).unwrap_or("(reference model)"),
            failure.rule
        ),
    };
    let expected_path = runner::expected_path(out);
    write_file(out, &text)?;
    let expected_text = serde_json::to_string_pretty(&expected).map_err(|error| UsageError(error.to_string()))?;
    write_file(&expected_path, &(expected_text + "\n"))?;
    Ok(format!(
        "{} event lines -> {} ({} replays); still fails: {} {} (rule {}){}; wrote {} and {}",
        trace.lines.len(),
        minimized.trace.lines.len(),
        minimized.replays,
        failure.verdict.as_str(),
        failure.property.map(|property| property.id()).unwrap_or("(reference model)"),
        failure.rule,
        line.map(|line| format!(" at line {line}")).unwrap_or_default(),
        out.display(),
        expected_path.display()
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
// Longer than 70 lines on purpose: the import's steps in order (read, write each station's trace
// and expected verdict, replay it, print the summary); each step is a call or its error.
pub fn generate_from_results(
    file: &Path,
    options: &crate::generate::from_results::ResultsOptions,
    out: &str,
) -> Result<(String, bool), UsageError> {
    use std::io::Write as _;
    let results = crate::generate::from_results::traces_from_results(file, options)
        .map_err(|error| UsageError(error.to_string()))?;
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
            let name =
                format!("{stem}-part-{:0>4}", crate::generate::from_results::stations::file_safe(&station.part_number));
            write_file(&Path::new(out).join(format!("{name}.jsonl")), &text)?;
            let expected =
                serde_json::to_string_pretty(&station.expected).map_err(|error| UsageError(error.to_string()))?;
            write_file(&Path::new(out).join(format!("{name}.expected.json")), &(expected + "\n"))?;
        }
        let report = crate::runner::run_trace_in_memory(&station.trace, &station.expected, &mut target);
        let published: u64 = station.counts.iter().map(|&count| u64::from(count)).sum();
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
            crate::generate::from_results::Layout::Wide => "one row per station",
            crate::generate::from_results::Layout::Long => "one row per candidate",
        },
        results.stations.len(),
        results.skipped.len(),
        results.warnings.len(),
        results.stations.len(),
    );
    Ok((summary, reproduced == results.stations.len()))
}

/// `capture-to-trace`: the trace of a captured session and its expected
/// verdict, which is the in-process simulated unit's on it.
pub fn capture_to_trace(capture: &Path, out: &Path, profile: &str, candidates: u16) -> Result<String, UsageError> {
    let bytes = std::fs::read(capture).map_err(|error| UsageError(format!("{}: {error}", capture.display())))?;
    let frames = crate::target::capture::read_capture(&bytes)
        .map_err(|error| UsageError(format!("{}: {error}", capture.display())))?;
    let text = crate::target::capture::capture_to_trace(&frames, profile, candidates)
        .map_err(|error| UsageError(format!("{}: {error}", capture.display())))?;
    let trace = crate::trace::parse_trace(out, &text).map_err(|error| UsageError(error.to_string()))?;
    let outcome = crate::replay::replay(&trace, &mut crate::target::SimTarget::new());
    if matches!(
        outcome.verdict,
        crate::verdict::VerdictKind::Error
            | crate::verdict::VerdictKind::NotApplicable
            | crate::verdict::VerdictKind::Inconclusive
    ) {
        return Err(UsageError(format!(
            "{}: the simulated unit gives no verdict on this session ({}): {}",
            capture.display(),
            outcome.verdict.as_str(),
            outcome.reason.as_deref().unwrap_or("")
        )));
    }
    let principal = outcome.principal_finding();
    let expected = crate::trace::ExpectedVerdict {
        verdict: outcome.verdict,
        property: principal.and_then(|finding| finding.property),
        line: principal.map(|finding| finding.line),
        item_6_discrepancy: None,
        rule: None,
        form_16c: None,
        why: format!(
            "the verdict of the in-process simulated unit on the session captured in {}{}",
            capture.display(),
            principal.map(|finding| format!(" (rule {})", finding.rule)).unwrap_or_default()
        ),
    };
    let expected_path = runner::expected_path(out);
    write_file(out, &text)?;
    let expected_text = serde_json::to_string_pretty(&expected).map_err(|error| UsageError(error.to_string()))?;
    write_file(&expected_path, &(expected_text + "\n"))?;
    Ok(format!(
        "{}: {} input(s) of {} frame(s) -> wrote {} and {} (the simulated unit's verdict: {})",
        capture.display(),
        trace.lines.len(),
        frames.len(),
        out.display(),
        expected_path.display(),
        expected.verdict.as_str()
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

/// `hostile-bytes`: the fuzz corpora sent to a board on its wire, a
/// handshake after each file. `Ok((summary, alive))`.
pub fn hostile_bytes(target: &str, paths: &[PathBuf], json: Option<&Path>) -> Result<(String, bool), UsageError> {
    if let Some(path) = json {
        check_writable(path)?;
    }
    let files = crate::hostile_bytes::corpus_files(paths).map_err(|error| UsageError(format!("corpus: {error}")))?;
    if files.is_empty() {
        return Err(UsageError("no corpus files found in the paths given".to_owned()));
    }
    let spec: TargetSpec =
        target.parse().map_err(|error: crate::target::TargetSpecError| UsageError(error.to_string()))?;
    let mut wire = spec.open_wire(None).map_err(|error| UsageError(error.to_string()))?;
    let name = crate::target::Target::name(&wire);
    let report = crate::hostile_bytes::run(&mut wire, &name, &files, |_| {})
        .map_err(|error| UsageError(format!("corpus: {error}")))?;
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&report).map_err(|error| UsageError(error.to_string()))?;
        write_file(path, &(text + "\n"))?;
    }
    Ok((report.summary(), report.passed()))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("150s"), Ok(Duration::from_secs(150)));
        assert_eq!(parse_duration("2m30s"), Ok(Duration::from_secs(150)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3_600)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        for wrong in ["", "2m30", "fast", "5d", "m"] {
            assert!(parse_duration(wrong).unwrap_err().contains("is not a duration"), "{wrong}");
        }
    }
}

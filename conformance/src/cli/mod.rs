//! What the `evm-conformance` binary does, as library calls: argument types,
//! target selection and the human summary. The binary only parses flags.

mod benches;
pub mod listing;
mod running;
mod usage;

pub use benches::{bench_lab, bench_readout, bench_replay};
pub use running::{certify, lab_targets, run, Boards, Certification};

pub use crate::report::{EXIT_ALL_MATCH, EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, EXIT_MISMATCH, EXIT_USAGE};
pub use usage::UsageError;

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

pub(crate) fn write_file(path: &Path, contents: &str) -> Result<(), UsageError> {
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| UsageError(format!("{}: {error}", parent.display())))?;
    }
    std::fs::write(path, contents).map_err(|error| UsageError(format!("{}: {error}", path.display())))
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

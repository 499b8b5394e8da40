//! `evm-conformance bench readout`: the result-readout latency of a target,
//! beside the floor physics sets for it.
//!
//! The latency is the time from sending `READ_RESULT` to having the whole
//! `RESULT_REPLY` decoded on the host (docs/PROTOCOL.md section 3.6). The
//! **wire floor** is the time a UART needs to carry the two frames actually
//! exchanged: (request wire bytes + reply wire bytes) × 10 bits (8N1) ÷ baud.
//! No board can answer faster; what a board adds on top of it is the
//! figure to look at, and a USB-serial adapter's latency timer (FTDI's
//! default holds a short packet 16 ms) is the usual culprit, which the
//! report names with its fix.
//!
//! This module is the edge of the harness: it reads the clock. The unit and
//! the codec it drives do not.

pub use super::readout_report::{
    adapter_latency_warning, percentiles, HistogramBin, LatencyPercentiles, ReadoutReport, HISTOGRAM_BINS,
};
pub use super::readout_svg::histogram_svg;

use super::readout_report::histogram_bins;
use crate::target::{TargetSpec, WireTarget};
use evm_sim::protocol::board::{reply_frame, request_frame};
use evm_sim::protocol::message::{capability, NackReason, Reply, Request};
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{ControlUnit, Defects, MachineProfile, Refusal, Timestamp};
use std::time::Instant;

/// Bits a UART sends per byte in 8N1: a start bit, eight data bits, a stop bit.
pub const BITS_PER_BYTE: u32 = 10;
/// The most samples one run takes (each is kept, 8 bytes, for the bins).
pub const MAX_SAMPLES: u32 = 1_000_000;
/// Candidates a ballot can carry at most: 24 balloting units of 16 buttons
/// (with NOTA off; with NOTA on, 383 and NOTA).
pub const MAX_CANDIDATES: u16 = evm_sim::profile::MAX_BALLOT_BUTTONS as u16;
/// Votes recorded before `Close`: a few, and no more than a board without
/// test mode (rate limit on, 5 a minute) records at once.
pub const VOTES_RECORDED: u32 = 3;
/// Samples taken and thrown away before measuring (first-touch page faults,
/// the pseudo-terminal's first wake-ups).
pub const WARMUP_SAMPLES: u32 = 5;

/// What to measure.
///
/// # Command line: `evm-conformance bench readout`
///
/// | flag | field | meaning |
/// |---|---|---|
/// | `--target T` (required) | `target` | `sim` (the unit in process: readout + encoding the reply, no wire, no floor), `sim-pty` (spawns `evm-sim serve --pty --test-mode --pace-baud BAUD`, the simulated board paced as a UART at `--baud`; `--baud 0`: unpaced), `serial:PATH` or `serial:PATH@BAUD` (a board on a serial device; an `@BAUD` must equal `--baud`), `tcp:ADDR` (a board behind TCP; the floor is that of the UART at `--baud` behind the bridge, none when 0) |
/// | `--baud N` (default 115200) | `baud` | the line's rate, 8N1; sets the wire floor; ignored by `sim` |
/// | `--candidates N` (default 64) | `candidates` | contesting candidates, 1–384: M2 up to 63, M3 above; NOTA on up to 383; 384 is a full M3 ballot without NOTA (the only way to 384 entries) |
/// | `--samples K` (default 1000) | `samples` | readouts measured, 1–[`MAX_SAMPLES`], after [`WARMUP_SAMPLES`] thrown away |
/// | `--json FILE` | — | write `serde_json::to_string_pretty(&report)` to FILE |
/// | `--svg FILE` (optional) | — | write [`histogram_svg`]`(&report)` to FILE |
///
/// Then print [`ReadoutReport::summary`] (the warning included) and exit 0;
/// an `Err(message)` of [`run_readout_bench`] is a usage error or a target
/// that failed (exit 2 with the message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadoutOptions {
    pub target: String,
    pub baud: u32,
    pub candidates: u16,
    pub samples: u32,
}

impl Default for ReadoutOptions {
    fn default() -> Self {
        ReadoutOptions { target: "sim-pty".to_owned(), baud: 115_200, candidates: 64, samples: 1_000 }
    }
}

/// The wire floor of an exchange, in µs: (request + reply wire bytes) × 10
/// bits ÷ baud. 0 when `baud` is 0 (no line).
pub fn wire_floor_us(request_wire_bytes: usize, reply_wire_bytes: usize, baud: u32) -> f64 {
    if baud == 0 {
        return 0.0;
    }
    (request_wire_bytes + reply_wire_bytes) as f64 * f64::from(BITS_PER_BYTE) * 1e6 / f64::from(baud)
}

/// The wire bytes of the `READ_RESULT` request and of `reply`, stuffed,
/// delimiters included. The request id changes no length here: COBS adds a
/// byte per 254 non-zero bytes in a row, and the frames around an id are
/// too short or hold zeros.
pub fn exchanged_wire_bytes(reply: &Reply) -> (usize, usize) {
    (request_frame(1, &Request::ReadResult).len(), reply_frame(1, reply).len())
}

/// The profile for `candidates`: M2 up to 63, M3 above; rate limit off (the
/// few votes are recorded at once); NOTA on but at 384, where a full M3
/// ballot has no button left for it.
pub fn profile_for(candidates: u16) -> MachineProfile {
    let mut profile =
        if candidates > MachineProfile::m2().candidates_max() { MachineProfile::m3() } else { MachineProfile::m2() };
    profile.rate_limit_votes_per_minute = None;
    profile.none_of_the_above = candidates < MAX_CANDIDATES;
    profile
}

fn check_candidates(candidates: u16) -> Result<(), ReadoutError> {
    if candidates == 0 || candidates > MAX_CANDIDATES {
        return Err(ReadoutError::Usage(format!("--candidates {candidates}: expected 1 to {MAX_CANDIDATES}")));
    }
    Ok(())
}

/// The inputs that take a switched-off machine of `profile` to its result:
/// balloting units attached, switched on, `Cand Set`, the section sealed,
/// [`VOTES_RECORDED`] votes, `Close`, `Result` (the paper seal never fixed).
pub fn inputs_to_result(profile: &MachineProfile, candidates: u16) -> Vec<(Timestamp, Input)> {
    let mut now = Timestamp::from_clock(7, 0, 0);
    let mut inputs: Vec<(Timestamp, Input)> = (1..=profile.balloting_units_for(candidates))
        .map(|position| (now, Input::AttachBallotingUnit { position }))
        .collect();
    inputs.push((now, Input::PowerOn { held_button: None }));
    inputs.push((now, Input::CandSet { candidates }));
    inputs.push((now, Input::SealCandidateSetSection));
    let entries = profile.ballot_buttons_for(candidates);
    for vote in 0..VOTES_RECORDED {
        now = now.plus_milliseconds(13_000);
        inputs.push((now, Input::Ballot));
        // The first, the last (NOTA where on) and one in between.
        let entry = match vote {
            0 => 1,
            1 => entries,
            _ => entries.div_ceil(2),
        };
        let address = ButtonAddress::of_ballot_entry(entry).expect("an entry within the ballot");
        inputs.push((now.plus_milliseconds(4_000), Input::PressButton { address }));
    }
    inputs.push((now.plus_milliseconds(60_000), Input::Close));
    inputs.push((now.plus_milliseconds(61_000), Input::Result));
    inputs
}

/// A unit of [`profile_for`]`(candidates)` showing its result.
pub fn prepared_unit(candidates: u16) -> Result<ControlUnit, ReadoutError> {
    check_candidates(candidates)?;
    let profile = profile_for(candidates);
    let mut unit = ControlUnit::with_defects(profile, Defects::NONE);
    for (now, input) in inputs_to_result(&profile, candidates) {
        if let Some(refusal) = unit.step(now, input).refusal {
            return Err(refused(input, refusal));
        }
    }
    Ok(unit)
}

fn refused(input: Input, refusal: Refusal) -> ReadoutError {
    ReadoutError::Refused { input: crate::target::input_in_words(input), refusal }
}

/// Why the readout bench could not measure: the flags, the target's link,
/// or a board that did not reach or give its result.
#[derive(Debug, thiserror::Error)]
pub enum ReadoutError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Target(#[from] crate::target::TargetError),
    #[error("preparing the machine: {input} was refused: {refusal}")]
    Refused { input: String, refusal: Refusal },
    #[error("{0}")]
    Board(String),
}

/// The measured operation in process: the readout and the reply's wire
/// bytes, as a board would send them.
pub fn readout_in_process(unit: &ControlUnit) -> Result<Vec<u8>, Refusal> {
    let readout = unit.result_readout()?;
    Ok(reply_frame(1, &Reply::Result { total: readout.total, counts: readout.counts.to_vec() }))
}

/// What a board on the wire showed after preparation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedBoard {
    pub profile: MachineProfile,
    pub candidates: u16,
    /// The board has test mode: it started the machine asked for.
    pub test_mode: bool,
}

/// Takes the board behind `target` to its result. A board with test mode
/// starts a machine of [`profile_for`]`(candidates)` (rate limit off); one
/// without is taken as it is: already showing a result, it is read as it is
/// (its own candidates); otherwise the inputs of [`inputs_to_result`] must be
/// accepted on its own profile.
pub fn prepare_wire_target(target: &mut WireTarget, candidates: u16) -> Result<PreparedBoard, ReadoutError> {
    check_candidates(candidates)?;
    let (board_profile, capabilities) =
        match target.call(&Request::Hello { highest_version: evm_sim::protocol::frame::PROTOCOL_VERSION })? {
            Reply::Hello { profile, capabilities, .. } => (profile, capabilities),
            other => return Err(ReadoutError::Board(format!("HELLO answered {}", other.describe()))),
        };
    let test_mode = capabilities & capability::TEST_MODE != 0;
    let profile = if test_mode {
        let profile = profile_for(candidates);
        match target.call(&Request::TestStartMachine { profile, defects: Defects::NONE })? {
            Reply::Ok => {}
            other => {
                return Err(ReadoutError::Board(format!("starting a machine: the board answered {}", other.describe())))
            }
        }
        profile
    } else {
        if let Reply::Result { counts, .. } = target.call(&Request::ReadResult)? {
            let entries = counts.len() as u16;
            let candidates = entries - u16::from(board_profile.none_of_the_above && entries > 0);
            return Ok(PreparedBoard { profile: board_profile, candidates, test_mode });
        }
        if candidates > board_profile.candidates_max() {
            return Err(ReadoutError::Board(format!(
                "the board is {} with at most {} candidates and has no test mode to change it",
                board_profile.name,
                board_profile.candidates_max()
            )));
        }
        board_profile
    };
    for (now, input) in inputs_to_result(&profile, candidates) {
        match target.call(&Request::Input { at: now, input })? {
            Reply::Input(outcome) => {
                if let Some(refusal) = outcome.refusal {
                    return Err(refused(input, refusal));
                }
            }
            other => {
                return Err(ReadoutError::Board(format!(
                    "preparing the machine: {} answered {}",
                    crate::target::input_in_words(input),
                    other.describe()
                )))
            }
        }
    }
    Ok(PreparedBoard { profile, candidates, test_mode })
}

/// How the target named on the command line is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TargetKind {
    SimulatedPty,
    Serial,
    Tcp,
}

fn open_wire_target(options: &ReadoutOptions) -> Result<(WireTarget, TargetKind), ReadoutError> {
    let spec: TargetSpec = options
        .target
        .parse()
        .map_err(|error: crate::target::TargetSpecError| ReadoutError::Usage(error.to_string()))?;
    let kind = match &spec {
        TargetSpec::InProcess => {
            return Err(ReadoutError::Usage(
                "the readout bench needs a wire: sim-pty, serial:PATH[@BAUD] or tcp:ADDR".to_owned(),
            ))
        }
        TargetSpec::SimulatedPty => TargetKind::SimulatedPty,
        TargetSpec::Serial { baud: Some(baud), .. } if *baud != options.baud => {
            return Err(ReadoutError::Usage(format!(
                "{spec} says {baud} baud and --baud says {}: give the rate once (serial:PATH --baud N)",
                options.baud
            )))
        }
        TargetSpec::Serial { .. } if options.baud == 0 => {
            return Err(ReadoutError::Usage("a serial port needs --baud N (N > 0)".to_owned()))
        }
        TargetSpec::Serial { .. } => TargetKind::Serial,
        TargetSpec::Tcp { .. } => TargetKind::Tcp,
    };
    let pace = (options.baud > 0).then_some(options.baud);
    Ok((spec.open_wire(pace)?, kind))
}

/// Runs the readout bench of `options` (see [`ReadoutOptions`] for what
/// each field means). Never asserts on speed: a slow target gives slow
/// figures, not an error.
// Longer than 70 lines on purpose: the measurement loop and its checks belong together: warm-up,
// samples, the readout checked at every sample, the report.
pub fn run_readout_bench(options: &ReadoutOptions) -> Result<ReadoutReport, ReadoutError> {
    check_candidates(options.candidates)?;
    if options.samples == 0 || options.samples > MAX_SAMPLES {
        return Err(ReadoutError::Usage(format!("--samples {}: expected 1 to {MAX_SAMPLES}", options.samples)));
    }
    if options.target == "sim" {
        return run_in_process(options);
    }
    let (mut target, kind) = open_wire_target(options)?;
    let prepared = prepare_wire_target(&mut target, options.candidates)?;
    let mut latencies_ns = Vec::with_capacity(options.samples as usize);
    let mut reply = None;
    let retransmissions_before = target.retransmissions();
    for sample in 0..WARMUP_SAMPLES + options.samples {
        if sample == WARMUP_SAMPLES {
            latencies_ns.clear();
        }
        let started = Instant::now();
        let answer = target.call(&Request::ReadResult)?;
        let elapsed = started.elapsed();
        match &answer {
            Reply::Result { total, counts } => {
                check_readout(*total, counts, &prepared)?;
            }
            Reply::Nack(NackReason::ResultRefused(refusal)) => {
                return Err(ReadoutError::Board(format!("the board refused the readout after Result: {refusal}")))
            }
            other => return Err(ReadoutError::Board(format!("READ_RESULT answered {}", other.describe()))),
        }
        latencies_ns.push(elapsed.as_nanos().min(u128::from(u64::MAX)) as u64);
        reply = Some(answer);
    }
    let retransmissions = target.retransmissions() - retransmissions_before;
    let reply = reply.expect("at least one sample");
    let (request_wire_bytes, reply_wire_bytes) = exchanged_wire_bytes(&reply);
    let baud = options.baud;
    let floor = wire_floor_us(request_wire_bytes, reply_wire_bytes, baud);
    let latency_us = percentiles(&latencies_ns);
    let entries = match &reply {
        Reply::Result { counts, .. } => counts.len() as u16,
        _ => 0,
    };
    let warning = match kind {
        TargetKind::Serial | TargetKind::Tcp => adapter_latency_warning(&options.target, floor, &latency_us),
        // A pseudo-terminal has no adapter: an excess there is ours.
        TargetKind::SimulatedPty => None,
    };
    Ok(ReadoutReport {
        // The target as named, and what it turned out to be when that says more.
        target: {
            let name = crate::target::Target::name(&target);
            if name.starts_with(options.target.as_str()) {
                name
            } else {
                format!("{} ({name})", options.target)
            }
        },
        in_process: false,
        profile: format!("{:?}", prepared.profile.name),
        candidates: prepared.candidates,
        none_of_the_above: prepared.profile.none_of_the_above,
        entries,
        baud,
        samples: options.samples,
        latency_us,
        request_wire_bytes,
        reply_wire_bytes,
        wire_floor_us: floor,
        ratio_p50: (floor > 0.0).then(|| latency_us.p50 / floor),
        retransmissions,
        warning,
        histogram: histogram_bins(&latencies_ns, floor),
    })
}

/// A readout that cannot be a result of [`inputs_to_result`] is an error of
/// the target, not a latency.
fn check_readout(total: u32, counts: &[u32], prepared: &PreparedBoard) -> Result<(), ReadoutError> {
    let sum: u64 = counts.iter().map(|&count| u64::from(count)).sum();
    if sum != u64::from(total) {
        return Err(ReadoutError::Board(format!("the readout's counts sum to {sum}, its total says {total}")));
    }
    if prepared.test_mode {
        let entries = usize::from(prepared.profile.ballot_buttons_for(prepared.candidates));
        if counts.len() != entries || total != VOTES_RECORDED {
            return Err(ReadoutError::Board(format!(
                "the readout holds {} entries and {total} votes; {entries} entries and {VOTES_RECORDED} votes were expected",
                counts.len()
            )));
        }
    }
    Ok(())
}

fn run_in_process(options: &ReadoutOptions) -> Result<ReadoutReport, ReadoutError> {
    let unit = prepared_unit(options.candidates)?;
    let profile = *unit.profile();
    let mut latencies_ns = Vec::with_capacity(options.samples as usize);
    let mut wire_bytes = 0;
    for sample in 0..WARMUP_SAMPLES + options.samples {
        if sample == WARMUP_SAMPLES {
            latencies_ns.clear();
        }
        let started = Instant::now();
        let wire =
            readout_in_process(std::hint::black_box(&unit)).map_err(|refusal| refused(Input::Result, refusal))?;
        let elapsed = started.elapsed();
        wire_bytes = std::hint::black_box(wire).len();
        latencies_ns.push(elapsed.as_nanos() as u64);
    }
    let latency_us = percentiles(&latencies_ns);
    Ok(ReadoutReport {
        target: "sim (in process: ControlUnit::result_readout + encoding the reply frame)".to_owned(),
        in_process: true,
        profile: format!("{:?}", profile.name),
        candidates: options.candidates,
        none_of_the_above: profile.none_of_the_above,
        entries: profile.ballot_buttons_for(options.candidates),
        baud: 0,
        samples: options.samples,
        latency_us,
        request_wire_bytes: request_frame(1, &Request::ReadResult).len(),
        reply_wire_bytes: wire_bytes,
        wire_floor_us: 0.0,
        ratio_p50: None,
        retransmissions: 0,
        warning: None,
        histogram: histogram_bins(&latencies_ns, 0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result_reply(entries: usize) -> Reply {
        let mut counts = vec![0; entries];
        counts[0] = 1;
        Reply::Result { total: 1, counts }
    }

    #[test]
    fn the_wire_floor_of_a_64_entry_reply_at_115200_baud() {
        // docs/PROTOCOL.md 3.6: 64 entries are a 272-byte frame, 274 on the
        // wire; the request is a 10-byte frame, 12 on the wire.
        let (request, reply) = exchanged_wire_bytes(&result_reply(64));
        assert_eq!((request, reply), (12, 274));
        // 286 bytes × 10 bits ÷ 115,200 baud = 24,826.39 µs.
        assert!((wire_floor_us(request, reply, 115_200) - 24_826.388_9).abs() < 1e-3);
    }

    #[test]
    fn the_wire_floor_of_64_candidates_with_nota_at_921600_baud() {
        // 64 candidates + NOTA: 65 counts, a 276-byte frame, 278 on the wire.
        let (request, reply) = exchanged_wire_bytes(&result_reply(65));
        assert_eq!((request, reply), (12, 278));
        // 290 bytes × 10 ÷ 921,600 = 3,146.70 µs.
        assert!((wire_floor_us(request, reply, 921_600) - 3_146.701_4).abs() < 1e-3);
        assert_eq!(wire_floor_us(request, reply, 0), 0.0);
    }

    #[test]
    fn the_wire_floor_of_a_full_384_entry_reply() {
        // A 6 + 4 × 384 = 1,542-byte payload, 6 + 4 around: 1,552 bytes,
        // 1,554 stuffed and delimited (small counts hold zeros: no 254-byte
        // run, so one code byte only).
        let (request, reply) = exchanged_wire_bytes(&result_reply(384));
        assert_eq!(reply, 1_554);
        assert!((wire_floor_us(request, reply, 115_200) - 1_566.0 * 10.0 / 0.1152).abs() < 1e-6);
    }

    #[test]
    fn profiles_follow_the_candidates() {
        assert_eq!(profile_for(63).name, evm_sim::ProfileName::M2);
        assert_eq!(profile_for(64).name, evm_sim::ProfileName::M3);
        assert!(profile_for(383).none_of_the_above);
        assert!(!profile_for(384).none_of_the_above);
        assert_eq!(profile_for(16).rate_limit_votes_per_minute, None);
        for candidates in [1, 16, 63, 64, 383, 384] {
            let unit = prepared_unit(candidates).expect("the machine reaches its result");
            let readout = unit.result_readout().expect("result shown");
            assert_eq!(readout.total, VOTES_RECORDED);
            assert_eq!(readout.counts.len(), usize::from(profile_for(candidates).ballot_buttons_for(candidates)));
        }
        assert!(prepared_unit(0).is_err());
        assert!(prepared_unit(385).is_err());
    }

    #[test]
    fn percentiles_of_1_to_1000_microseconds() {
        let latencies: Vec<u64> = (1..=1_000).map(|microseconds| microseconds * 1_000).collect();
        let percentiles = percentiles(&latencies);
        // Three significant digits: each within 0.1 % of the sample at its rank.
        for (figure, expected) in [(percentiles.p50, 500.0), (percentiles.p95, 950.0), (percentiles.p99, 990.0)] {
            assert!((figure - expected).abs() <= expected * 1e-3, "{figure} vs {expected}");
        }
        assert_eq!((percentiles.min, percentiles.max), (1.0, 1_000.0));
        assert!((percentiles.mean - 500.5).abs() < 1e-9);
    }

    #[test]
    fn percentiles_of_one_sample_are_that_sample() {
        let percentiles = percentiles(&[25_000_000]);
        for figure in [percentiles.p50, percentiles.p95, percentiles.p99] {
            assert!((figure - 25_000.0).abs() <= 25.0, "{figure}");
        }
        assert_eq!(percentiles.max, 25_000.0);
    }

    fn sample_report() -> ReadoutReport {
        let latencies: Vec<u64> = (0..200).map(|index| 25_000_000 + index * 7_000).collect();
        let floor = wire_floor_us(12, 278, 115_200);
        let latency_us = percentiles(&latencies);
        ReadoutReport {
            target: "sim-pty = sim-pty (/dev/pts/9) <&>".to_owned(),
            in_process: false,
            profile: "M3".to_owned(),
            candidates: 64,
            none_of_the_above: true,
            entries: 65,
            baud: 115_200,
            samples: 200,
            latency_us,
            request_wire_bytes: 12,
            reply_wire_bytes: 278,
            wire_floor_us: floor,
            ratio_p50: Some(latency_us.p50 / floor),
            retransmissions: 0,
            warning: None,
            histogram: histogram_bins(&latencies, floor),
        }
    }

    #[test]
    fn the_json_has_the_issues_field_names() {
        let json: serde_json::Value = serde_json::to_value(sample_report()).expect("serialises");
        for field in ["candidates", "baud", "samples", "latency_us", "wire_floor_us", "ratio_p50"] {
            assert!(json.get(field).is_some(), "missing {field}: {json}");
        }
        for field in ["p50", "p95", "p99", "max"] {
            assert!(json["latency_us"][field].is_number(), "missing latency_us.{field}");
        }
        assert_eq!(json["candidates"], 64);
        assert_eq!(json["baud"], 115_200);
        let back: ReadoutReport = serde_json::from_value(json).expect("reads back");
        assert_eq!(back, sample_report());
    }

    #[test]
    fn the_histogram_counts_every_sample_from_the_floor_up() {
        let report = sample_report();
        assert_eq!(report.histogram.len(), HISTOGRAM_BINS);
        assert_eq!(report.histogram.iter().map(|bin| bin.count).sum::<u32>(), 200);
        assert!(report.histogram[0].from_us <= report.wire_floor_us);
    }

    #[test]
    fn the_svg_is_one_well_formed_element_with_the_floor_marked() {
        let svg = histogram_svg(&sample_report());
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains(r#"id="wire-floor""#));
        assert!(svg.contains("&lt;&amp;&gt;"), "the target's name is escaped");
        // Tags balance: every element is self-closed or closed.
        let opened = svg.matches('<').count() - svg.matches("</").count() * 2 - svg.matches("/>").count();
        assert_eq!(opened, 0, "unbalanced tags:\n{svg}");
        let in_process = ReadoutReport { wire_floor_us: 0.0, ratio_p50: None, ..sample_report() };
        assert!(!histogram_svg(&in_process).contains("wire-floor"));
    }

    #[test]
    fn a_16_ms_excess_on_a_usb_adapter_is_named_with_the_fix() {
        let floor = 25_000.0;
        let at = |p50: f64| LatencyPercentiles { p50, p95: p50, p99: p50, max: p50, min: p50, mean: p50 };
        let warning = adapter_latency_warning("serial:/dev/ttyUSB1@115200", floor, &at(floor + 15_900.0))
            .expect("16 ms over the floor is the FTDI timer");
        assert!(warning.contains("/sys/bus/usb-serial/devices/ttyUSB1/latency_timer"), "{warning}");
        assert!(warning.contains("setserial /dev/ttyUSB1 low_latency"), "{warning}");
        assert!(adapter_latency_warning("tcp:host:1", floor, &at(floor + 3_050.0)).is_some(), "3 ms: a 1 ms tick");
        assert!(adapter_latency_warning("serial:/dev/ttyS0", floor, &at(floor + 300.0)).is_none(), "near the floor");
        assert!(adapter_latency_warning("serial:/dev/ttyS0", floor, &at(floor + 7_500.0)).is_none(), "not on a tick");
        assert!(
            adapter_latency_warning("serial:/dev/ttyS0", floor, &at(floor + 45_000.0)).is_none(),
            "too slow for a timer"
        );
        assert!(adapter_latency_warning("serial:/dev/ttyS0", 0.0, &at(16_000.0)).is_none(), "no floor");
    }

    #[test]
    fn the_in_process_run_reports_no_floor() {
        let options = ReadoutOptions { target: "sim".to_owned(), baud: 115_200, candidates: 64, samples: 50 };
        let report = run_readout_bench(&options).expect("runs");
        assert!(report.in_process);
        assert_eq!((report.entries, report.wire_floor_us, report.ratio_p50), (65, 0.0, None));
        assert_eq!(report.reply_wire_bytes, 278);
        assert!(report.latency_us.p50 > 0.0);
        assert_eq!(report.histogram.iter().map(|bin| bin.count).sum::<u32>(), 50);
    }

    #[test]
    fn bad_options_are_named() {
        let bad = |options: ReadoutOptions| run_readout_bench(&options).expect_err("refused").to_string();
        assert!(bad(ReadoutOptions { candidates: 0, ..ReadoutOptions::default() }).contains("--candidates"));
        assert!(bad(ReadoutOptions { samples: 0, ..ReadoutOptions::default() }).contains("--samples"));
        assert!(bad(ReadoutOptions { target: "usb".into(), ..ReadoutOptions::default() }).contains("unknown target"));
        let disagreeing = ReadoutOptions { target: "serial:/dev/null@9600".into(), ..ReadoutOptions::default() };
        assert!(bad(disagreeing).contains("give the rate once"));
    }
}

//! The trusted labs' volume test (`evm-conformance volume`): full poll days
//! back to back through any target — `Cand Set`, `Ballot` and a press up to
//! the machine's capacity, `Close`, `Result`, `Clear` — checking that every
//! press lands exactly once and every result equals the presses, judged by
//! a sequential probability-ratio test in the labs' terms (VVSG 2002/2005
//! accuracy: error rate at most 1 in 10,000,000 ballot positions).
//!
//! A *ballot position* is one press of one candidate's button. An *error*
//! is a press not counted exactly once (lost: the total did not move;
//! doubled: it moved by two or more) or a candidate count in the result
//! that differs from the presses of that candidate (each vote of the
//! difference is one error).
//!
//! Time is compressed on a test-mode target: one press every
//! [`PRESS_SPACING_MILLISECONDS`] of the unit's clock (within the vote-rate
//! limit), or `3,600,000 / rate` ms in endurance mode.

use crate::target::{Target, TargetError};
use evm_sim::protocol::faults::{FaultRates, SplitMix64};
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{Defects, MachineProfile, Timestamp};
use serde::Serialize;

/// The probability-ratio test's parameters (VVSG 2002 vol. II 4.7.1.1,
/// 2005 vol. II 5.3.2): the error rate the system must meet, the rate it
/// must be rejected at, and the two risks.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RatioTest {
    /// The acceptable error rate: 1 in 10,000,000 positions.
    pub p0: f64,
    /// The unacceptable error rate: 1 in 500,000 positions.
    pub p1: f64,
    /// The producer's risk: rejecting a system that meets p0.
    pub alpha: f64,
    /// The consumer's risk: accepting a system at p1.
    pub beta: f64,
    /// The positions with no error after which the standard's published
    /// criterion accepts, where it publishes one. VVSG 2002/2005 publish
    /// 1,549,702; Wald's line for the same parameters reaches its accept
    /// bound only at 1,549,703.1 (the standard rounded in its own
    /// computation). The labs apply the published figure, so the test does;
    /// the report gives both. With an error, Wald's bounds decide.
    pub published_clean_positions_to_accept: Option<u64>,
}

impl RatioTest {
    pub const VVSG: RatioTest =
        RatioTest { p0: 1e-7, p1: 2e-6, alpha: 0.05, beta: 0.05, published_clean_positions_to_accept: Some(1_549_702) };

    /// The log-likelihood ratio after `positions` with `errors` errors.
    pub fn log_likelihood_ratio(&self, positions: u64, errors: u64) -> f64 {
        let clean = positions.saturating_sub(errors) as f64;
        errors as f64 * (self.p1 / self.p0).ln() + clean * ((1.0 - self.p1) / (1.0 - self.p0)).ln()
    }

    /// At or below it: accept.
    pub fn accept_bound(&self) -> f64 {
        (self.beta / (1.0 - self.alpha)).ln()
    }

    /// At or above it: reject.
    pub fn reject_bound(&self) -> f64 {
        ((1.0 - self.beta) / self.alpha).ln()
    }

    pub fn decide(&self, positions: u64, errors: u64) -> Decision {
        let ratio = self.log_likelihood_ratio(positions, errors);
        let published_accept =
            errors == 0 && self.published_clean_positions_to_accept.is_some_and(|clean| positions >= clean);
        if ratio >= self.reject_bound() {
            Decision::Reject
        } else if ratio <= self.accept_bound() || published_accept {
            Decision::Accept
        } else {
            Decision::Continue
        }
    }

    /// Positions with `errors` errors after which Wald's line reaches the
    /// accept bound: 1,549,704 with none for the labs' parameters
    /// (n ≥ ln(β/(1−α)) / ln((1−p1)/(1−p0)) = 1,549,703.1).
    pub fn positions_to_accept(&self, errors: u64) -> u64 {
        let per_clean = ((1.0 - self.p1) / (1.0 - self.p0)).ln();
        let needed = (self.accept_bound() - errors as f64 * (self.p1 / self.p0).ln()) / per_clean;
        needed.ceil().max(0.0) as u64 + errors
    }

    /// Positions with no error after which the test accepts: the published
    /// criterion where there is one (1,549,702 for the VVSG), else Wald's.
    pub fn positions_to_accept_with_no_error(&self) -> u64 {
        let wald = self.positions_to_accept(0);
        self.published_clean_positions_to_accept.map_or(wald, |published| published.min(wald))
    }

    /// Positions by which one error rejects (about 26,997).
    pub fn positions_rejecting_one_error(&self) -> u64 {
        let per_clean = ((1.0 - self.p1) / (1.0 - self.p0)).ln();
        ((self.reject_bound() - (self.p1 / self.p0).ln()) / per_clean).floor().max(0.0) as u64 + 1
    }
}

/// Positions the volume test runs by default: where the labs' test accepts
/// with no error ([`RatioTest::positions_to_accept_with_no_error`]).
pub const DEFAULT_POSITIONS: u64 = 1_549_702;

/// The test's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Reject,
    /// Neither bound reached: more positions are needed.
    Continue,
}

/// Milliseconds of the unit's clock between two presses: 15 s keeps any
/// five votes more than a minute apart, within the 5-a-minute limit by
/// either rate rule.
pub const PRESS_SPACING_MILLISECONDS: u64 = 15_000;

/// The frame length `--link-faults` counts in: a typical request or reply
/// of a poll day (an INPUT request and its reply are 13 to 60 bytes).
pub const FRAME_BYTES: f64 = 32.0;

/// What to run.
#[derive(Clone, Debug)]
pub struct VolumeOptions {
    /// Stop once this many positions are pressed (or the test decides).
    pub positions: u64,
    /// Frames dropped or corrupted on the link, as a fraction (wire targets).
    pub link_faults: f64,
    pub seed: u64,
    /// Endurance: presses one every `3,600,000 / rate` ms of the unit's clock.
    pub ballots_per_hour: Option<u32>,
    pub defects: Defects,
    pub profile: MachineProfile,
}

/// Where the first error showed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FirstError {
    /// 1-based poll day and press within it (0 for the result).
    pub day: u64,
    pub press: u64,
    pub what: String,
}

/// The volume test's report.
#[derive(Clone, Debug, Serialize)]
pub struct VolumeReport {
    pub target: String,
    pub positions: u64,
    pub poll_days: u64,
    pub errors: u64,
    pub lost: u64,
    pub doubled: u64,
    /// Votes a result showed that the presses do not explain, or missed.
    pub result_errors: u64,
    pub retransmissions: u64,
    pub decision: Decision,
    pub test: RatioTest,
    pub log_likelihood_ratio: f64,
    pub accept_bound: f64,
    pub reject_bound: f64,
    /// The criterion applied: the published one where there is one.
    pub positions_to_accept_with_no_error: u64,
    /// Where Wald's line alone reaches the accept bound with no error.
    pub wald_positions_to_accept_with_no_error: u64,
    pub positions_rejecting_one_error: u64,
    pub first_error: Option<FirstError>,
    /// Endurance: ballots per failure (errors), or every ballot with none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ballots_between_failures: Option<f64>,
    pub link_faults: f64,
    pub seed: u64,
    pub elapsed_s: f64,
    pub positions_per_s: f64,
}

/// Progress: positions done of the budget.
pub struct VolumeProgress {
    pub positions: u64,
    pub budget: u64,
    pub errors: u64,
}

/// Runs the volume test against `target`. Stops when the test rejects, or
/// when `options.positions` are pressed (the decision then is accept or
/// continue), or on a target error.
pub fn run_volume(
    target: &mut dyn Target,
    options: &VolumeOptions,
    mut progress: impl FnMut(VolumeProgress),
) -> Result<VolumeReport, TargetError> {
    let started = std::time::Instant::now();
    if options.link_faults > 0.0 {
        inject_link_faults(target, options)?;
    }
    let test = RatioTest::VVSG;
    let mut random = SplitMix64::new(options.seed);
    let mut count = Count::default();
    while count.positions < options.positions && test.decide(count.positions, count.errors()) != Decision::Reject {
        count.days += 1;
        let (entries, now) = set_up_day(target, options, &mut random)?;
        // This day's lost and doubled presses: its result shows them again.
        let explained_before = count.lost + count.doubled;
        let (tally, now) = vote_day(target, options, &mut random, &mut count, (entries, now), &mut progress)?;
        close_and_check_the_result(target, &mut count, &tally, now, explained_before)?;
        progress(VolumeProgress { positions: count.positions, budget: options.positions, errors: count.errors() });
    }
    let errors = count.errors();
    let elapsed_s = started.elapsed().as_secs_f64();
    Ok(VolumeReport {
        target: target.name(),
        positions: count.positions,
        poll_days: count.days,
        errors,
        lost: count.lost,
        doubled: count.doubled,
        result_errors: count.result_errors,
        retransmissions: target.retransmissions(),
        decision: test.decide(count.positions, errors),
        test,
        log_likelihood_ratio: test.log_likelihood_ratio(count.positions, errors),
        accept_bound: test.accept_bound(),
        reject_bound: test.reject_bound(),
        positions_to_accept_with_no_error: test.positions_to_accept_with_no_error(),
        wald_positions_to_accept_with_no_error: test.positions_to_accept(0),
        positions_rejecting_one_error: test.positions_rejecting_one_error(),
        first_error: count.first_error,
        ballots_between_failures: options.ballots_per_hour.map(|_| count.positions as f64 / errors.max(1) as f64),
        link_faults: options.link_faults,
        seed: options.seed,
        elapsed_s,
        positions_per_s: count.positions as f64 / elapsed_s.max(1e-9),
    })
}

/// The run's figures so far.
#[derive(Default)]
struct Count {
    positions: u64,
    days: u64,
    lost: u64,
    doubled: u64,
    result_errors: u64,
    first_error: Option<FirstError>,
}

impl Count {
    fn errors(&self) -> u64 {
        self.lost + self.doubled + self.result_errors
    }

    /// Keeps the first error: the day and press where the target first erred.
    fn note(&mut self, press: u64, what: String) {
        self.first_error.get_or_insert(FirstError { day: self.days, press, what });
    }
}

/// A refusal where the volume test needs the input accepted: the run stops.
fn refused(target: &dyn Target, what: String) -> TargetError {
    TargetError::new(target.name(), crate::target::FailureCause::Board, what)
}

/// The injector strikes bytes: a frame of [`FRAME_BYTES`] bytes is hit
/// (half the time dropped, half corrupted) with probability RATE.
fn inject_link_faults(target: &mut dyn Target, options: &VolumeOptions) -> Result<(), TargetError> {
    let per_byte = 1.0 - (1.0 - options.link_faults).powf(1.0 / FRAME_BYTES);
    let per_million = (per_byte * 1_000_000.0 / 2.0).round().clamp(0.0, 500_000.0) as u32;
    let rates = FaultRates { drop_per_million: per_million, corrupt_per_million: per_million, ..FaultRates::default() };
    if !target.inject_link_faults(rates, options.seed) {
        return Err(refused(target, "--link-faults needs a target with a link (sim-pty, serial:…, tcp:…)".into()));
    }
    Ok(())
}

/// A new machine for the day, its balloting units attached, switched on,
/// `Cand Set` for a candidate count drawn per day (2 to the profile's, at
/// most 63), the section sealed. Returns the ballot entries and the time.
fn set_up_day(
    target: &mut dyn Target,
    options: &VolumeOptions,
    random: &mut SplitMix64,
) -> Result<(u16, Timestamp), TargetError> {
    target.start_machine(options.profile, options.defects)?;
    let most = u64::from(options.profile.candidates_max().min(63)).max(2);
    let candidates = 2 + (random.next_u64() % (most - 1)) as u16;
    let entries = candidates + u16::from(options.profile.none_of_the_above);
    let now = Timestamp::from_clock(6, 0, 0);
    for position in 1..=options.profile.balloting_units_for(candidates) {
        target.step(now, Input::AttachBallotingUnit { position })?;
    }
    for input in [Input::PowerOn { held_button: None }, Input::CandSet { candidates }, Input::SealCandidateSetSection] {
        if let Some(refusal) = target.step(now, input)?.refusal {
            return Err(refused(target, format!("set-up: {} refused: {refusal}", input_name(input))));
        }
    }
    Ok((entries, now))
}

/// The day's presses, up to the machine's capacity: `Ballot`, then a
/// drawn entry's button; each press must raise the total by exactly one
/// (else it was lost or doubled). Returns the presses per entry and the time.
fn vote_day(
    target: &mut dyn Target,
    options: &VolumeOptions,
    random: &mut SplitMix64,
    count: &mut Count,
    (entries, mut now): (u16, Timestamp),
    progress: &mut impl FnMut(VolumeProgress),
) -> Result<(Vec<u32>, Timestamp), TargetError> {
    let test = RatioTest::VVSG;
    let spacing =
        options.ballots_per_hour.map_or(PRESS_SPACING_MILLISECONDS, |rate| 3_600_000 / u64::from(rate.max(1)));
    let mut tally = vec![0u32; usize::from(entries)];
    let mut total = 0u32;
    let presses = u64::from(options.profile.vote_capacity).min(options.positions - count.positions);
    for press in 1..=presses {
        now = now.plus_milliseconds(spacing);
        if let Some(refusal) = target.step(now, Input::Ballot)?.refusal {
            let days = count.days;
            return Err(refused(target, format!("day {days}, press {press}: Ballot refused: {refusal}")));
        }
        let entry = (random.next_u64() % u64::from(entries)) as u16 + 1;
        let address = ButtonAddress::of_ballot_entry(entry).unwrap_or(ButtonAddress { balloting_unit: 1, button: 1 });
        let observation = target.step(now.plus_milliseconds(spacing / 2), Input::PressButton { address })?;
        count.positions += 1;
        tally[usize::from(entry - 1)] += 1;
        match observation.total.checked_sub(total) {
            Some(1) => {}
            Some(0) | None => {
                count.lost += 1;
                count.note(press, format!("press of entry {entry} not counted: total stayed {}", observation.total));
            }
            Some(more) => {
                count.doubled += u64::from(more - 1);
                count.note(press, format!("press of entry {entry} counted {more} times"));
            }
        }
        total = observation.total;
        if test.decide(count.positions, count.errors()) == Decision::Reject {
            break;
        }
        if press % 256 == 0 {
            progress(VolumeProgress { positions: count.positions, budget: options.positions, errors: count.errors() });
        }
    }
    Ok((tally, now.plus_milliseconds(spacing)))
}

/// `Close`, `Result`: the result against the presses. A lost or doubled
/// press of the day shows here again: only what the presses' totals did not
/// already explain is new. Then `Clear` for the next day.
fn close_and_check_the_result(
    target: &mut dyn Target,
    count: &mut Count,
    tally: &[u32],
    now: Timestamp,
    explained_before: u64,
) -> Result<(), TargetError> {
    let days = count.days;
    for input in [Input::Close, Input::Result] {
        if let Some(refusal) = target.step(now, input)?.refusal {
            return Err(refused(target, format!("day {days}: {} refused: {refusal}", input_name(input))));
        }
    }
    let readout = target.result_readout()?.unwrap_or(crate::target::Readout { total: 0, counts: Vec::new() });
    let differences: u64 = tally
        .iter()
        .enumerate()
        .map(|(index, &pressed)| u64::from(readout.counts.get(index).copied().unwrap_or(0).abs_diff(pressed)))
        .sum();
    let explained = count.lost + count.doubled - explained_before;
    let new = differences.saturating_sub(explained.min(differences));
    if differences > 0 && new > 0 {
        count.result_errors += new;
        count.note(0, format!("the result differs from the presses by {differences} vote(s)"));
    }
    if let Some(refusal) = target.step(now, Input::Clear)?.refusal {
        return Err(refused(target, format!("day {days}: Clear refused: {refusal}")));
    }
    Ok(())
}

/// An input as docs/PROTOCOL.md and traces name it (`cand_set`, `close`).
fn input_name(input: Input) -> String {
    serde_json::to_value(input)
        .ok()
        .and_then(|value| value.get("input").and_then(|name| name.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "an input".to_owned())
}

/// The report in words, for a terminal.
pub fn summary(report: &VolumeReport) -> String {
    let decision = match report.decision {
        Decision::Accept => "ACCEPT",
        Decision::Reject => "REJECT",
        Decision::Continue => "CONTINUE (neither bound reached: more positions are needed)",
    };
    let mut text = format!(
        "{decision}: {} positions over {} poll days against {}: {} errors ({} lost, {} doubled, {} in results), {} retransmissions; {:.1} s, {:.0} positions/s\n",
        report.positions,
        report.poll_days,
        report.target,
        report.errors,
        report.lost,
        report.doubled,
        report.result_errors,
        report.retransmissions,
        report.elapsed_s,
        report.positions_per_s
    );
    text.push_str(&format!(
        "probability-ratio test: p0 = {} (acceptable), p1 = {} (rejected), alpha = beta = {}; log-likelihood ratio {:.4}, accept at <= {:.4}, reject at >= {:.4}; with no error it accepts after {} positions (the standard's published criterion; Wald's line reaches the accept bound after {}), one error rejects within {}\n",
        report.test.p0,
        report.test.p1,
        report.test.alpha,
        report.log_likelihood_ratio,
        report.accept_bound,
        report.reject_bound,
        report.positions_to_accept_with_no_error,
        report.wald_positions_to_accept_with_no_error,
        report.positions_rejecting_one_error
    ));
    if let Some(first) = &report.first_error {
        let at = if first.press == 0 { "its result".to_owned() } else { format!("press {}", first.press) };
        text.push_str(&format!("first error: day {}, {at}: {}\n", first.day, first.what));
    }
    if let Some(between) = report.ballots_between_failures {
        text.push_str(&format!("endurance: {between:.0} ballots between failures\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labs_bounds_are_those_of_the_standard() {
        let test = RatioTest::VVSG;
        assert_eq!(test.positions_to_accept_with_no_error(), DEFAULT_POSITIONS);
        assert_eq!(DEFAULT_POSITIONS, 1_549_702);
        // Wald's line alone crosses the accept bound two positions later.
        assert_eq!(test.positions_to_accept(0), 1_549_704);
        let one = test.positions_rejecting_one_error();
        assert_eq!(one, 26_997);
        // The published criterion: accept after 1,549,702 clean positions.
        assert_eq!(test.decide(1_549_701, 0), Decision::Continue);
        assert_eq!(test.decide(1_549_702, 0), Decision::Accept);
        // Without a published figure, Wald's bound alone decides.
        let wald = RatioTest { published_clean_positions_to_accept: None, ..test };
        assert_eq!(wald.decide(1_549_703, 0), Decision::Continue);
        assert_eq!(wald.decide(1_549_704, 0), Decision::Accept);
        // The published figure does not accept a run with an error.
        assert_ne!(test.decide(1_549_702 + 26_997, 1), Decision::Accept);
        assert_eq!(test.decide(one, 1), Decision::Reject);
        assert_eq!(test.decide(one + 1, 1), Decision::Continue);
    }
}

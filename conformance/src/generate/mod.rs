//! Synthetic poll days: realistic station-level traces from one seed
//! (`evm-conformance gen`), for CI soak runs and for replay at national
//! scale. The same seed and station index always give the same trace.
//!
//! Shape (West Bengal municipal polls, DOMAIN.md sections 2 and 4): 3–8
//! candidates per ward and NOTA; up to 1,500 electors a station, turnout
//! around 80 %; a 50-vote mock poll cleared with `Close`, `Result`,
//! `Clear`; electors at an even pace from 07:00 to 17:00; rare 39N
//! refusals, 39L(6) violations, ink refusals, challenges, companions,
//! tendered votes and power cuts mid-ballot (all handled by the rules);
//! rarer adjournments and booth captures; counting with `Result`.

pub mod from_results;
pub mod scenarios;

use crate::trace::{ExpectedVerdict, Header, PollingStationLabel, Provenance, Trace, TraceEvent, TraceLine};
use crate::verdict::VerdictKind;
use evm_sim::protocol::faults::SplitMix64;
use evm_sim::station::{DepositOutcome, InkCheckFailure};
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{Defects, MachineProfile, ProfileName, StationAction, Timestamp};

/// Most electors assigned to a synthetic station.
pub const MAX_ELECTORS: u32 = 1_500;
/// Stations per synthetic ward.
pub const STATIONS_PER_WARD: u32 = 20;
/// Votes of the mock poll before the poll (practice: at least 50).
pub const MOCK_POLL_VOTES: u32 = 50;

/// Rates per elector who comes, in parts per 100,000.
struct Rates;
impl Rates {
    const DECIDES_NOT_TO_VOTE: u64 = 200;
    const NOT_ALLOWED_TO_VOTE: u64 = 50;
    const INK_REFUSED: u64 = 100;
    const CHALLENGED: u64 = 100;
    const COMPANION: u64 = 500;
    const TENDERED: u64 = 60;
    const POWER_CUT_MID_BALLOT: u64 = 100;
    /// Per station.
    const ADJOURNED_STATION: u64 = 20;
    const BOOTH_CAPTURED_STATION: u64 = 10;
}

fn chance(random: &mut SplitMix64, per_hundred_thousand: u64) -> bool {
    random.next_u64() % 100_000 < per_hundred_thousand
}

fn below(random: &mut SplitMix64, bound: u64) -> u64 {
    random.next_u64() % bound.max(1)
}

/// One synthetic station's poll day and its expected verdict.
pub struct SyntheticStation {
    pub trace: Trace,
    pub expected: ExpectedVerdict,
    /// Votes the day records on its machines (mock polls excluded).
    pub votes: u64,
    /// The counts per ballot entry of the machine counted last.
    pub counts: Vec<u32>,
}

/// Where a station's control unit is counted on a ward's counting day.
#[derive(Clone, Copy, Debug)]
pub struct CountingPlace {
    pub round: u32,
    pub table: u32,
    /// Picked by the observer for the random check of its round.
    pub observer_check: bool,
}

/// Counting tables of a synthetic counting hall.
pub const COUNTING_TABLES: u32 = 4;

/// A day being written: each line goes to `sink` as it is made, so a
/// replay can judge it without the day ever being held whole.
struct Day<Sink: FnMut(TraceLine)> {
    sink: Sink,
    /// The number of the next line in the trace file (the header is line 1).
    next_line: usize,
    ward: u32,
    number: u32,
    now: Timestamp,
    votes: u64,
}

impl<Sink: FnMut(TraceLine)> Day<Sink> {
    fn at(&mut self, at: Timestamp, event: TraceEvent) {
        self.now = self.now.max(at);
        let line = self.next_line;
        self.next_line += 1;
        (self.sink)(TraceLine { line, at: self.now, event });
    }
    fn after(&mut self, milliseconds: u64, event: TraceEvent) {
        let at = self.now.plus_milliseconds(milliseconds);
        self.at(at, event);
    }
    fn station(&mut self, milliseconds: u64, action: StationAction) {
        self.after(
            milliseconds,
            TraceEvent::Station { action, total_shown: None, set_up: None, polling_station: None },
        );
    }
    fn unit(&mut self, milliseconds: u64, input: Input) {
        self.after(milliseconds, TraceEvent::Unit(input));
    }
}

/// The station `index` (0-based) of the synthetic election seeded `seed`.
pub fn synthetic_station(seed: u64, index: u32, profile: ProfileName) -> SyntheticStation {
    station_day(seed, index, profile, None)
}

/// A synthetic ward's counting day (`gen --ward`): its first `stations`
/// stations (at most [`STATIONS_PER_WARD`]), each poll day ending with the
/// counting of its machine at a table of a round, two machines a round
/// checked by the observer; and the ward's manifest, whose expectation is
/// summed here from the machines' counts, independently of the counting
/// model.
pub fn synthetic_ward(
    seed: u64,
    ward: u32,
    stations: u32,
    profile: ProfileName,
) -> (Vec<SyntheticStation>, crate::ward::WardManifest) {
    let stations = stations.clamp(1, STATIONS_PER_WARD);
    let days: Vec<SyntheticStation> = (0..stations)
        .map(|position| {
            let index = (ward.max(1) - 1) * STATIONS_PER_WARD + position;
            let round = position / COUNTING_TABLES + 1;
            let in_round = position % COUNTING_TABLES;
            let round_size = (stations - (round - 1) * COUNTING_TABLES).min(COUNTING_TABLES);
            // The observer picks the first and the last of each round.
            let observer_check = in_round == 0 || in_round + 1 == round_size;
            station_day(seed, index, profile, Some(CountingPlace { round, table: in_round + 1, observer_check }))
        })
        .collect();
    let header = &days[0].trace.header;
    let mut totals = vec![0u64; usize::from(header.ballot_entries())];
    for day in &days {
        for (total, &count) in totals.iter_mut().zip(&day.counts) {
            *total += u64::from(count);
        }
    }
    let contesting = &totals[..header.candidates.len()];
    let most = contesting.iter().copied().max().unwrap_or(0);
    let leaders: Vec<usize> = (0..contesting.len()).filter(|&index| contesting[index] == most).collect();
    let manifest = crate::ward::WardManifest {
        ward_counting: crate::ward::WARD_FORMAT_VERSION,
        municipality: header.municipality.clone(),
        ward: u16::try_from(ward).unwrap_or(u16::MAX),
        date_of_poll: header.date_of_poll.clone(),
        candidates: header.candidates.clone(),
        none_of_the_above: header.profile.none_of_the_above,
        stations: days.iter().map(|day| station_file_name(&day.trace)).collect(),
        election_duty: None,
        lot_seed: seed,
        expected: crate::ward::WardExpected {
            verdict: VerdictKind::Pass,
            rule: None,
            totals: Some(totals.clone()),
            // A tie is decided by lot: the harness's draw is not restated here.
            elected: (leaders.len() == 1).then(|| header.candidates[leaders[0]].clone()),
            declaration_withheld: Some(false),
            why: "Form 23: the sum of the stations' Part II, counted in rounds".into(),
        },
    };
    (days, manifest)
}

/// `station-NNN.jsonl`: a ward's station trace, by its number.
pub fn station_file_name(trace: &Trace) -> String {
    format!("station-{:03}.jsonl", trace.header.polling_station.number)
}

/// The ward's ballot: its candidates and how its electors lean (NOTA last,
/// drawn least), from the ward alone.
struct WardBallot {
    candidates: u16,
    weights: Vec<u64>,
    weight_total: Remainder,
}

/// `x % divisor` without a division, for a divisor used again and again
/// (each elector's choice): Lemire, Kaser and Kurz, "Faster remainder by
/// direct computation" (2019), with a 128-bit multiplier, exact for every
/// 64-bit `x` and divisor. A hardware division is some tens of cycles.
#[derive(Clone, Copy, Debug)]
struct Remainder {
    divisor: u64,
    /// ceil(2^128 / divisor), modulo 2^128.
    multiplier: u128,
}

impl Remainder {
    fn new(divisor: u64) -> Remainder {
        let divisor = divisor.max(1);
        Remainder { divisor, multiplier: (u128::MAX / u128::from(divisor)).wrapping_add(1) }
    }

    /// `x % divisor`.
    fn of(self, x: u64) -> u64 {
        let fraction = self.multiplier.wrapping_mul(u128::from(x));
        let (high, low) = ((fraction >> 64) as u64, fraction as u64);
        let divisor = u128::from(self.divisor);
        // (fraction × divisor) >> 128, in two 64 × 64 products (no overflow:
        // high × divisor + a 64-bit carry < 2^128).
        ((u128::from(high) * divisor + ((u128::from(low) * divisor) >> 64)) >> 64) as u64
    }
}

impl WardBallot {
    fn of_ward(seed: u64, ward: u32) -> WardBallot {
        let mut ward_random = SplitMix64::new(seed ^ u64::from(ward).wrapping_mul(0xA24B_AED4_963E_E407));
        let candidates = 3 + below(&mut ward_random, 6) as u16;
        let entries = u64::from(candidates) + 1;
        let weights: Vec<u64> =
            (0..entries).map(|entry| if entry + 1 == entries { 2 } else { 5 + below(&mut ward_random, 40) }).collect();
        let weight_total = Remainder::new(weights.iter().sum());
        WardBallot { candidates, weights, weight_total }
    }

    fn entries(&self) -> usize {
        self.weights.len()
    }

    /// The ballot entry (0-based) an elector presses.
    fn choose(&self, random: &mut SplitMix64) -> usize {
        // `below(random, weight total)`, the same draw without a division.
        let mut pick = self.weight_total.of(random.next_u64());
        let mut entry = 0;
        while pick >= self.weights[entry] {
            pick -= self.weights[entry];
            entry += 1;
        }
        entry
    }
}

/// What the electors who came left on the day: the counts of the machine
/// in use, those of the machines closed before it, who voted.
struct Tally {
    counts: Vec<u32>,
    machine_counts: Vec<Vec<u32>>,
    voted: Vec<u32>,
    tendered_papers: u32,
    companions: u32,
}

/// A synthetic station's poll day before it is written: its header is
/// known, its lines are made by [`PlannedDay::write`] one at a time (a
/// national replay judges each as it is made; `gen` collects them).
pub struct PlannedDay {
    index: u32,
    counting: Option<CountingPlace>,
    ballot: WardBallot,
    random: SplitMix64,
    electors_assigned: u32,
    turnout_percent: u64,
}

/// What a written day left: the votes recorded on its machines (mock polls
/// excluded) and the counts per ballot entry of the machine counted last.
pub struct DayFigures {
    pub votes: u64,
    pub counts: Vec<u32>,
}

/// The station `index` (0-based) of the synthetic election seeded `seed`,
/// planned: its header, and the day to write line by line. The lines are
/// those of [`synthetic_station`], byte for byte.
pub fn plan_synthetic_station(seed: u64, index: u32, profile: ProfileName) -> (Header, PlannedDay) {
    plan_station_day(seed, index, profile, None)
}

fn plan_station_day(
    seed: u64,
    index: u32,
    profile: ProfileName,
    counting: Option<CountingPlace>,
) -> (Header, PlannedDay) {
    let ward = index / STATIONS_PER_WARD + 1;
    let ballot = WardBallot::of_ward(seed, ward);
    let mut random = SplitMix64::new(seed ^ u64::from(index).wrapping_mul(0x9FB2_1C65_1E98_DF25) ^ 0x5EED);
    let electors_assigned = 300 + below(&mut random, u64::from(MAX_ELECTORS - 299)) as u32;
    let turnout_percent = 65 + below(&mut random, 26);
    let header = synthetic_header(seed, index, profile, ballot.candidates, electors_assigned);
    (header, PlannedDay { index, counting, ballot, random, electors_assigned, turnout_percent })
}

fn station_day(seed: u64, index: u32, profile: ProfileName, counting: Option<CountingPlace>) -> SyntheticStation {
    let (header, day) = plan_station_day(seed, index, profile, counting);
    // Reserved once (growing a vector of thousands of lines copied it
    // again and again).
    let mut lines = Vec::with_capacity(day.expected_lines());
    let figures = day.write(|line| lines.push(line));
    let expected = ExpectedVerdict::pass_tallying("a synthetic day run by the rules: every account tallies");
    let path = format!("synthetic/seed-{seed}/station-{index:07}.jsonl");
    SyntheticStation {
        trace: Trace { path: path.into(), header, lines },
        expected,
        votes: figures.votes,
        counts: figures.counts,
    }
}

impl PlannedDay {
    /// About six lines an elector who comes, plus the day's frame.
    fn expected_lines(&self) -> usize {
        (u64::from(self.electors_assigned) * self.turnout_percent / 100 * 6 + 64) as usize
    }

    /// Writes the day to `sink`, line by line, in order.
    // Longer than 70 lines on purpose: the day's frame in its order (set-up, who comes, the close, the
    // count); each step is a call.
    pub fn write(self, sink: impl FnMut(TraceLine)) -> DayFigures {
        let PlannedDay { index, counting, ballot, mut random, electors_assigned, turnout_percent } = self;
        let ward = index / STATIONS_PER_WARD + 1;
        let number = index % STATIONS_PER_WARD + 1;
        let mut day = Day { sink, next_line: 2, ward, number, now: Timestamp::from_clock(5, 30, 0), votes: 0 };
        let control_unit = format!("CU-{ward}-{number}");
        day.prepare_the_poll(index, &control_unit);

        // Who comes, in what order.
        let coming = (u64::from(electors_assigned) * turnout_percent / 100) as u32;
        let mut order: Vec<u32> = (1..=electors_assigned).collect();
        for slot in (1..order.len()).rev() {
            let other = below(&mut random, slot as u64 + 1) as usize;
            order.swap(slot, other);
        }
        order.truncate(coming as usize);
        let mut adjourned_after =
            chance(&mut random, Rates::ADJOURNED_STATION).then(|| below(&mut random, u64::from(coming.max(1))) as u32);
        let mut captured_after = chance(&mut random, Rates::BOOTH_CAPTURED_STATION)
            .then(|| below(&mut random, u64::from(coming.max(1))) as u32);
        if counting.is_some() {
            // A ward's counting day counts each station's one machine.
            adjourned_after = None;
            captured_after = None;
        }
        let pace = (10 * 3_600_000 / u64::from(coming.max(1))).max(13_000);
        let mut tally = Tally {
            counts: vec![0; ballot.entries()],
            machine_counts: Vec::new(),
            voted: Vec::new(),
            tendered_papers: 0,
            companions: 0,
        };
        for (position, &elector) in order.iter().enumerate() {
            if captured_after == Some(position as u32) {
                day.station(pace, StationAction::BoothCaptured { total_shown: 0 });
                tally.machine_counts.push(std::mem::take(&mut tally.counts));
                break;
            }
            if adjourned_after == Some(position as u32) {
                day.adjourn(pace, index, &control_unit);
                tally.machine_counts.push(std::mem::replace(&mut tally.counts, vec![0; ballot.entries()]));
            }
            day.elector_comes(&mut random, pace, index, elector, &ballot, &mut tally);
        }
        if captured_after.is_none() {
            let close_hour = if adjourned_after.is_some() { 41 } else { 17 };
            day.close(close_hour);
            tally.machine_counts.push(std::mem::take(&mut tally.counts));
            let last = tally.machine_counts.last().cloned().unwrap_or_default();
            match counting {
                Some(place) => day.count_at_the_table(place, index, &control_unit, last),
                None => day.read_the_result(last),
            }
        }
        DayFigures { votes: day.votes, counts: tally.machine_counts.pop().unwrap_or_default() }
    }
}

/// The header of synthetic station `index`.
fn synthetic_header(seed: u64, index: u32, profile: ProfileName, candidates: u16, electors_assigned: u32) -> Header {
    let ward = index / STATIONS_PER_WARD + 1;
    let number = index % STATIONS_PER_WARD + 1;
    Header {
        profile: MachineProfile::named(profile),
        rate_limit_given: false,
        common_machine_stations: Vec::new(),
        election: evm_sim::Election::MunicipalWard,
        polling_station: PollingStationLabel {
            number,
            name: format!("Synthetic station {ward}/{number}"),
            part_number: String::new(),
        },
        ward: Some(ward),
        municipality: "Synthetic".into(),
        date_of_poll: String::new(),
        candidates: (1..=candidates).map(|candidate| format!("Ward {ward} candidate {candidate}")).collect(),
        electors_assigned,
        defects: Defects::NONE,
        provenance: Provenance {
            source: "evm-conformance gen".into(),
            seed: Some(seed),
            description: format!("synthetic poll day, station {index} of the election seeded {seed}"),
        },
    }
}

impl<Sink: FnMut(TraceLine)> Day<Sink> {
    fn station_at(&mut self, at: Timestamp, action: StationAction) {
        self.at(at, TraceEvent::Station { action, total_shown: None, set_up: None, polling_station: None });
    }

    /// The machine installed, the mock poll, the supplies, the seal fixed,
    /// the poll opened at 07:00 (39B–39E).
    fn prepare_the_poll(&mut self, index: u32, control_unit: &str) {
        self.station(0, StationAction::MachineInstalled { control_unit: control_unit.to_owned() });
        self.station(60_000, StationAction::MockPollHeld { votes: MOCK_POLL_VOTES, cleared: true });
        self.now = self.now.plus_milliseconds(u64::from(MOCK_POLL_VOTES) * 13_000 + 60_000);
        self.station(
            1_000,
            StationAction::PaperSealsSupplied { first_serial: 10 * index + 1, last_serial: 10 * index + 5 },
        );
        self.station(
            1_000,
            StationAction::TenderedBallotPapersReceived { first_serial: 20 * index + 1, last_serial: 20 * index + 20 },
        );
        self.station(1_000, StationAction::PaperSealFixed { serial: 10 * index + 1 });
        self.at(
            Timestamp::from_clock(7, 0, 0),
            TraceEvent::Station {
                action: StationAction::PollOpened { total_shown: 0 },
                total_shown: Some(0),
                set_up: None,
                polling_station: None,
            },
        );
    }

    /// 39V: the poll adjourned, its machine's result read; the adjourned
    /// poll the next day on a new machine with the marked roll.
    fn adjourn(&mut self, pace: u64, index: u32, control_unit: &str) {
        self.station(pace, StationAction::PollAdjourned { total_shown: 0 });
        self.unit(60_000, Input::BreakResultSeal);
        self.unit(1_000, Input::Result);
        self.station_at(
            Timestamp::from_clock(30, 0, 0),
            StationAction::MachineInstalled { control_unit: format!("{control_unit}-A") },
        );
        self.station(60_000, StationAction::MockPollHeld { votes: MOCK_POLL_VOTES, cleared: true });
        self.now = self.now.plus_milliseconds(u64::from(MOCK_POLL_VOTES) * 13_000 + 60_000);
        self.station(1_000, StationAction::PaperSealFixed { serial: 10 * index + 2 });
        self.station(1_000, StationAction::PollOpened { total_shown: 0 });
    }

    /// One elector at the table (39H–39O), with the day's rare turns:
    /// an ink refusal, a challenge, a companion, a refusal to vote after
    /// `Ballot`, a power cut mid-ballot, a claimant given a tendered paper.
    fn elector_comes(
        &mut self,
        random: &mut SplitMix64,
        pace: u64,
        index: u32,
        elector: u32,
        ballot: &WardBallot,
        tally: &mut Tally,
    ) {
        self.station(pace, StationAction::ElectorIdentified { elector });
        if chance(random, Rates::INK_REFUSED) {
            self.station(5_000, StationAction::InkCheckFailed { elector, reason: InkCheckFailure::RefusedInspection });
            return;
        }
        if chance(random, Rates::CHALLENGED) {
            self.station(2_000, StationAction::IdentityChallenged { elector, challenger: "Polling agent".into() });
            self.station(
                60_000,
                StationAction::ChallengeDecided { elector, established: false, deposit: DepositOutcome::Returned },
            );
        }
        self.station(3_000, StationAction::InkMarked { elector });
        self.station(3_000, StationAction::EnteredInRegister { elector, thumb_impression: false });
        if chance(random, Rates::COMPANION) {
            tally.companions += 1;
            let companion = format!("Companion {}", tally.companions);
            self.station(2_000, StationAction::CompanionPermitted { elector, companion });
        }
        self.station(2_000, StationAction::BallotPressed { elector });
        if chance(random, Rates::DECIDES_NOT_TO_VOTE) {
            self.station(20_000, StationAction::DecidedNotToVote { elector, cancelled_enable: true });
            return;
        }
        if chance(random, Rates::NOT_ALLOWED_TO_VOTE) {
            self.station(20_000, StationAction::NotAllowedToVote { elector, cancelled_enable: true });
            return;
        }
        if chance(random, Rates::POWER_CUT_MID_BALLOT) {
            // The enable is lost with the power; the officer presses Ballot
            // again for the same elector (lawful: the machine cancelled it).
            self.unit(3_000, Input::PowerOff);
            self.unit(30_000, Input::PowerOn { held_button: None });
            self.station(2_000, StationAction::BallotPressed { elector });
        }
        let entry = ballot.choose(random);
        let address =
            ButtonAddress::of_ballot_entry(entry as u16 + 1).unwrap_or(ButtonAddress { balloting_unit: 1, button: 1 });
        self.unit(8_000, Input::PressButton { address });
        tally.counts[entry] += 1;
        self.votes += 1;
        tally.voted.push(elector);
        if chance(random, Rates::TENDERED) && tally.tendered_papers < 20 {
            // Someone claims to be an elector who has already voted.
            let claimed = tally.voted[below(random, tally.voted.len() as u64) as usize];
            tally.tendered_papers += 1;
            self.station(
                10_000,
                StationAction::TenderedBallotPaperIssued {
                    elector: claimed,
                    ballot_paper: 20 * index + tally.tendered_papers,
                    thumb_impression: false,
                },
            );
        }
    }

    /// The hour reached (39Q), the poll closed (39S).
    fn close(&mut self, close_hour: u64) {
        self.station_at(Timestamp::from_clock(close_hour, 0, 0), StationAction::CloseOfPollHour {});
        self.station(60_000, StationAction::PollClosed { total_shown: 0 });
    }

    /// The result read an hour after the close, as expected from the counts.
    fn read_the_result(&mut self, counts: Vec<u32>) {
        let total = counts.iter().sum();
        self.unit(3_600_000, Input::BreakResultSeal);
        self.unit(1_000, Input::Result);
        self.after(0, TraceEvent::ExpectResult { counts, total });
    }

    /// The machine counted at its table of a ward's counting day
    /// (61G–61N): received, its seal inspected, the result read, Part II
    /// written, the observer's check where the round has one, resealed.
    fn count_at_the_table(&mut self, place: CountingPlace, index: u32, control_unit: &str, counts: Vec<u32>) {
        use crate::trace::{BoxParticulars, CountingEvent};
        let total: u32 = counts.iter().sum();
        let counting = |event: CountingEvent| TraceEvent::Counting(Box::new(event));
        let control_unit = control_unit.to_owned();
        self.after(
            3_600_000,
            counting(CountingEvent::MachineReceived {
                control_unit: control_unit.clone(),
                round: place.round,
                table: place.table,
            }),
        );
        self.after(
            60_000,
            counting(CountingEvent::SealInspected {
                control_unit: control_unit.clone(),
                paper_seal: 10 * index + 1,
                intact: true,
            }),
        );
        self.unit(60_000, Input::BreakResultSeal);
        self.unit(1_000, Input::Result);
        self.after(0, TraceEvent::ExpectResult { counts: counts.clone(), total });
        self.after(
            60_000,
            counting(CountingEvent::PartTwoWritten {
                control_unit: control_unit.clone(),
                counts: counts.clone(),
                total,
            }),
        );
        if place.observer_check {
            self.after(
                60_000,
                counting(CountingEvent::ObserverCheck { control_unit: control_unit.clone(), counts, total }),
            );
        }
        let (ward_number, number) = (self.ward, self.number);
        self.after(
            60_000,
            counting(CountingEvent::MachineResealed {
                control_unit: control_unit.clone(),
                r#box: BoxParticulars {
                    constituency: format!("Ward {ward_number}"),
                    polling_stations: vec![number],
                    control_unit,
                    date_of_poll: "the date of poll".into(),
                    date_of_counting: "the date of counting".into(),
                },
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The remainder without a division is the `%` remainder: for every
    /// divisor a ward's weights can sum to and far beyond, at the edges of
    /// `u64` and on a million random numbers.
    #[test]
    fn the_remainder_without_division_is_the_remainder() {
        let mut random = SplitMix64::new(2026);
        let divisors = (1..=2_000u64).chain([1 << 32, (1 << 32) + 1, u64::MAX / 3, 1 << 63, u64::MAX - 1, u64::MAX]);
        for divisor in divisors {
            let remainder = Remainder::new(divisor);
            for x in [0, 1, divisor - 1, divisor, divisor.wrapping_add(1), u64::MAX - 1, u64::MAX] {
                assert_eq!(remainder.of(x), x % divisor, "{x} % {divisor}");
            }
            for _ in 0..500 {
                let x = random.next_u64();
                assert_eq!(remainder.of(x), x % divisor, "{x} % {divisor}");
            }
        }
    }
}

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

struct Day {
    header: Header,
    lines: Vec<TraceLine>,
    now: Timestamp,
    votes: u64,
}

impl Day {
    fn at(&mut self, at: Timestamp, event: TraceEvent) {
        self.now = self.now.max(at);
        let line = self.lines.len() + 2;
        self.lines.push(TraceLine { line, at: self.now, event });
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

fn station_day(seed: u64, index: u32, profile: ProfileName, counting: Option<CountingPlace>) -> SyntheticStation {
    let ward = index / STATIONS_PER_WARD + 1;
    let number = index % STATIONS_PER_WARD + 1;
    // The ward's candidates and preferences come from the ward alone.
    let mut ward_random = SplitMix64::new(seed ^ u64::from(ward).wrapping_mul(0xA24B_AED4_963E_E407));
    let candidates = 3 + below(&mut ward_random, 6) as u16;
    let entries = u64::from(candidates) + 1;
    let weights: Vec<u64> =
        (0..entries).map(|entry| if entry + 1 == entries { 2 } else { 5 + below(&mut ward_random, 40) }).collect();
    let weight_total: u64 = weights.iter().sum();
    let mut random = SplitMix64::new(seed ^ u64::from(index).wrapping_mul(0x9FB2_1C65_1E98_DF25) ^ 0x5EED);
    let electors_assigned = 300 + below(&mut random, u64::from(MAX_ELECTORS - 299)) as u32;
    let turnout_percent = 65 + below(&mut random, 26);
    let header = Header {
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
    };
    // About six lines an elector who comes, plus the day's frame: reserved
    // once (growing a vector of thousands of lines copied it again and again).
    let expected_lines = (u64::from(electors_assigned) * turnout_percent / 100 * 6 + 64) as usize;
    let mut day =
        Day { header, lines: Vec::with_capacity(expected_lines), now: Timestamp::from_clock(5, 30, 0), votes: 0 };
    let control_unit = format!("CU-{ward}-{number}");
    day.station(0, StationAction::MachineInstalled { control_unit: control_unit.clone() });
    day.station(60_000, StationAction::MockPollHeld { votes: MOCK_POLL_VOTES, cleared: true });
    day.now = day.now.plus_milliseconds(u64::from(MOCK_POLL_VOTES) * 13_000 + 60_000);
    day.station(1_000, StationAction::PaperSealsSupplied { first_serial: 10 * index + 1, last_serial: 10 * index + 5 });
    day.station(
        1_000,
        StationAction::TenderedBallotPapersReceived { first_serial: 20 * index + 1, last_serial: 20 * index + 20 },
    );
    day.station(1_000, StationAction::PaperSealFixed { serial: 10 * index + 1 });
    day.at(
        Timestamp::from_clock(7, 0, 0),
        TraceEvent::Station {
            action: StationAction::PollOpened { total_shown: 0 },
            total_shown: Some(0),
            set_up: None,
            polling_station: None,
        },
    );

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
    let mut captured_after =
        chance(&mut random, Rates::BOOTH_CAPTURED_STATION).then(|| below(&mut random, u64::from(coming.max(1))) as u32);
    if counting.is_some() {
        // A ward's counting day counts each station's one machine.
        adjourned_after = None;
        captured_after = None;
    }
    let pace = (10 * 3_600_000 / u64::from(coming.max(1))).max(13_000);
    let mut tendered_papers = 0;
    let mut voted: Vec<u32> = Vec::new();
    let mut counts = vec![0u32; entries as usize];
    let mut machine_counts: Vec<Vec<u32>> = Vec::new();
    let mut companions = 0;
    for (position, &elector) in order.iter().enumerate() {
        if captured_after == Some(position as u32) {
            day.station(pace, StationAction::BoothCaptured { total_shown: 0 });
            machine_counts.push(std::mem::take(&mut counts));
            break;
        }
        if adjourned_after == Some(position as u32) {
            day.station(pace, StationAction::PollAdjourned { total_shown: 0 });
            day.unit(60_000, Input::BreakResultSeal);
            day.unit(1_000, Input::Result);
            machine_counts.push(std::mem::replace(&mut counts, vec![0; entries as usize]));
            // The adjourned poll: a new machine the next day, the marked roll.
            day.at(
                Timestamp::from_clock(30, 0, 0),
                TraceEvent::Station {
                    action: StationAction::MachineInstalled { control_unit: format!("{control_unit}-A") },
                    total_shown: None,
                    set_up: None,
                    polling_station: None,
                },
            );
            day.station(60_000, StationAction::MockPollHeld { votes: MOCK_POLL_VOTES, cleared: true });
            day.now = day.now.plus_milliseconds(u64::from(MOCK_POLL_VOTES) * 13_000 + 60_000);
            day.station(1_000, StationAction::PaperSealFixed { serial: 10 * index + 2 });
            day.station(1_000, StationAction::PollOpened { total_shown: 0 });
        }
        day.station(pace, StationAction::ElectorIdentified { elector });
        if chance(&mut random, Rates::INK_REFUSED) {
            day.station(5_000, StationAction::InkCheckFailed { elector, reason: InkCheckFailure::RefusedInspection });
            continue;
        }
        if chance(&mut random, Rates::CHALLENGED) {
            day.station(2_000, StationAction::IdentityChallenged { elector, challenger: "Polling agent".into() });
            day.station(
                60_000,
                StationAction::ChallengeDecided { elector, established: false, deposit: DepositOutcome::Returned },
            );
        }
        day.station(3_000, StationAction::InkMarked { elector });
        day.station(3_000, StationAction::EnteredInRegister { elector, thumb_impression: false });
        if chance(&mut random, Rates::COMPANION) {
            companions += 1;
            day.station(
                2_000,
                StationAction::CompanionPermitted { elector, companion: format!("Companion {companions}") },
            );
        }
        day.station(2_000, StationAction::BallotPressed { elector });
        if chance(&mut random, Rates::DECIDES_NOT_TO_VOTE) {
            day.station(20_000, StationAction::DecidedNotToVote { elector, cancelled_enable: true });
            continue;
        }
        if chance(&mut random, Rates::NOT_ALLOWED_TO_VOTE) {
            day.station(20_000, StationAction::NotAllowedToVote { elector, cancelled_enable: true });
            continue;
        }
        if chance(&mut random, Rates::POWER_CUT_MID_BALLOT) {
            // The enable is lost with the power; the officer presses Ballot
            // again for the same elector (lawful: the machine cancelled it).
            day.unit(3_000, Input::PowerOff);
            day.unit(30_000, Input::PowerOn { held_button: None });
            day.station(2_000, StationAction::BallotPressed { elector });
        }
        let mut pick = below(&mut random, weight_total);
        let mut entry = 0;
        while pick >= weights[entry] {
            pick -= weights[entry];
            entry += 1;
        }
        let address =
            ButtonAddress::of_ballot_entry(entry as u16 + 1).unwrap_or(ButtonAddress { balloting_unit: 1, button: 1 });
        day.unit(8_000, Input::PressButton { address });
        counts[entry] += 1;
        day.votes += 1;
        voted.push(elector);
        if chance(&mut random, Rates::TENDERED) && tendered_papers < 20 {
            // Someone claims to be an elector who has already voted.
            let claimed = voted[below(&mut random, voted.len() as u64) as usize];
            tendered_papers += 1;
            day.station(
                10_000,
                StationAction::TenderedBallotPaperIssued {
                    elector: claimed,
                    ballot_paper: 20 * index + tendered_papers,
                    thumb_impression: false,
                },
            );
        }
    }
    if captured_after.is_none() {
        let close_hour = if adjourned_after.is_some() { 41 } else { 17 };
        day.at(
            Timestamp::from_clock(close_hour, 0, 0),
            TraceEvent::Station {
                action: StationAction::CloseOfPollHour {},
                total_shown: None,
                set_up: None,
                polling_station: None,
            },
        );
        day.station(60_000, StationAction::PollClosed { total_shown: 0 });
        machine_counts.push(counts);
        let last = machine_counts.last().cloned().unwrap_or_default();
        let total: u32 = last.iter().sum();
        if let Some(place) = counting {
            use crate::trace::{BoxParticulars, CountingEvent};
            let control_unit = control_unit.clone();
            day.after(
                3_600_000,
                TraceEvent::Counting(Box::new(CountingEvent::MachineReceived {
                    control_unit: control_unit.clone(),
                    round: place.round,
                    table: place.table,
                })),
            );
            day.after(
                60_000,
                TraceEvent::Counting(Box::new(CountingEvent::SealInspected {
                    control_unit: control_unit.clone(),
                    paper_seal: 10 * index + 1,
                    intact: true,
                })),
            );
            day.unit(60_000, Input::BreakResultSeal);
            day.unit(1_000, Input::Result);
            day.after(0, TraceEvent::ExpectResult { counts: last.clone(), total });
            day.after(
                60_000,
                TraceEvent::Counting(Box::new(CountingEvent::PartTwoWritten {
                    control_unit: control_unit.clone(),
                    counts: last.clone(),
                    total,
                })),
            );
            if place.observer_check {
                day.after(
                    60_000,
                    TraceEvent::Counting(Box::new(CountingEvent::ObserverCheck {
                        control_unit: control_unit.clone(),
                        counts: last.clone(),
                        total,
                    })),
                );
            }
            let ward_number = day.header.ward.unwrap_or(0);
            let number = day.header.polling_station.number;
            day.after(
                60_000,
                TraceEvent::Counting(Box::new(CountingEvent::MachineResealed {
                    control_unit: control_unit.clone(),
                    r#box: BoxParticulars {
                        constituency: format!("Ward {ward_number}"),
                        polling_stations: vec![number],
                        control_unit,
                        date_of_poll: "the date of poll".into(),
                        date_of_counting: "the date of counting".into(),
                    },
                })),
            );
        } else {
            day.unit(3_600_000, Input::BreakResultSeal);
            day.unit(1_000, Input::Result);
            day.after(0, TraceEvent::ExpectResult { counts: last, total });
        }
    }
    let expected = ExpectedVerdict::pass_tallying("a synthetic day run by the rules: every account tallies");
    let votes = day.votes;
    let path = format!("synthetic/seed-{seed}/station-{index:07}.jsonl");
    let counts = machine_counts.last().cloned().unwrap_or_default();
    SyntheticStation {
        trace: Trace { path: path.into(), header: day.header, lines: day.lines },
        expected,
        votes,
        counts,
    }
}

//! The built-in scenario suite of `evm-conformance certify`: the checks the
//! Commission's engineers run on every machine (DOMAIN.md section 4) — every
//! button of every balloting unit pressed, mock polls of 1,200, 1,000 and 500
//! votes each ended with `Close` → `Result` → `Clear`, presses out of
//! sequence, balloting units cabled in a shuffled order, and the post-result
//! check of 1,400 mock votes. Built in code from one seed, each with its
//! expected verdict (all pass on a conforming unit).

use crate::trace::{
    Expectation, ExpectedVerdict, Header, PollingStationLabel, Provenance, Trace, TraceEvent, TraceLine,
};
use crate::verdict::VerdictKind;
use evm_sim::protocol::faults::SplitMix64;
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{Defects, MachineProfile, Timestamp};

/// Seconds between two votes: under the default limit of five a minute.
const SECONDS_PER_VOTE: u64 = 13;
/// The suite's seed (printed in reports so that a run can be reproduced).
pub const SCENARIO_SEED: u64 = 0x4543_4932_3031_3439;

/// One built-in scenario.
pub struct Scenario {
    pub name: String,
    pub trace: Trace,
    pub expected: ExpectedVerdict,
}

struct Builder {
    header: Header,
    lines: Vec<TraceLine>,
    now: Timestamp,
}

impl Builder {
    fn new(name: &str, description: &str, profile: MachineProfile, candidates: u16) -> Builder {
        Builder {
            header: Header {
                profile,
                rate_limit_given: false,
                common_machine_stations: Vec::new(),
                election: evm_sim::Election::MunicipalWard,
                polling_station: PollingStationLabel {
                    number: 0,
                    name: "first-level checking hall".into(),
                    part_number: String::new(),
                },
                ward: None,
                municipality: String::new(),
                date_of_poll: String::new(),
                candidates: (1..=candidates).map(|number| format!("Candidate {number:03}")).collect(),
                electors_assigned: 0,
                defects: Defects::NONE,
                provenance: Provenance {
                    source: format!("evm-conformance built-in scenario {name}"),
                    seed: Some(SCENARIO_SEED),
                    description: description.into(),
                },
            },
            lines: Vec::new(),
            now: Timestamp::from_clock(6, 0, 0),
        }
    }

    fn push(&mut self, seconds: u64, event: TraceEvent) {
        self.now = self.now.plus_milliseconds(seconds * 1000);
        let line = self.lines.len() + 2;
        self.lines.push(TraceLine { line, at: self.now, event });
    }

    fn input(&mut self, seconds: u64, input: Input) {
        self.push(seconds, TraceEvent::Unit(input));
    }

    fn expect(&mut self, expectation: Expectation) {
        self.push(0, TraceEvent::Expect(expectation));
    }

    fn prepare(&mut self, positions: &[u8]) {
        for &position in positions {
            self.input(1, Input::AttachBallotingUnit { position });
        }
        self.input(1, Input::PowerOn { held_button: None });
        self.input(1, Input::CandSet { candidates: self.header.candidate_count() });
        self.input(1, Input::SealCandidateSetSection);
    }

    fn vote(&mut self, entry: u16) {
        let address = ButtonAddress::of_ballot_entry(entry).unwrap_or(ButtonAddress { balloting_unit: 1, button: 1 });
        self.input(SECONDS_PER_VOTE, Input::Ballot);
        self.input(2, Input::PressButton { address });
        self.expect(Expectation { votes_recorded: Some(1), busy: Some(false), ..Expectation::default() });
    }

    /// `Close` → `Result` → the counts → `Clear` → `Total` shows 0.
    fn close_result_clear(&mut self, counts: Vec<u32>) {
        let total = counts.iter().sum();
        self.input(30, Input::Close);
        self.input(5, Input::Result);
        self.push(0, TraceEvent::ExpectResult { counts, total });
        self.input(5, Input::Clear);
        self.input(5, Input::Total);
        self.expect(Expectation { display: Some("TOTAL 0000".into()), total: Some(0), ..Expectation::default() });
    }

    fn finish(self, name: &str) -> Scenario {
        Scenario {
            name: format!("builtin/{name}"),
            trace: Trace { path: format!("builtin/{name}").into(), header: self.header, lines: self.lines },
            expected: ExpectedVerdict {
                verdict: VerdictKind::Pass,
                property: None,
                line: None,
                item_6_discrepancy: None,
                rule: None,
                form_16c: None,
                why: "a conforming unit passes the Commission's checks".into(),
            },
        }
    }
}

fn positions(units: u8) -> Vec<u8> {
    (1..=units).collect()
}

fn shuffled(mut positions: Vec<u8>, random: &mut SplitMix64) -> Vec<u8> {
    for index in (1..positions.len()).rev() {
        let other = (random.next_u64() % (index as u64 + 1)) as usize;
        positions.swap(index, other);
    }
    positions
}

/// Every button of every attached balloting unit pressed once.
fn every_button(name: &str, profile: MachineProfile, candidates: u16) -> Scenario {
    let mut builder = Builder::new(
        name,
        "first-level checking: every button of every balloting unit pressed once, then Close, Result, Clear",
        profile,
        candidates,
    );
    let entries = builder.header.ballot_entries();
    builder.prepare(&positions(profile.balloting_units_for(candidates)));
    for entry in 1..=entries {
        builder.vote(entry);
    }
    builder.close_result_clear(vec![1; usize::from(entries)]);
    builder.finish(name)
}

/// A mock poll of `votes` votes spread over the candidates by the seed.
fn mock_poll(name: &str, votes: u32, units_shuffled: bool, random: &mut SplitMix64) -> Scenario {
    let (profile, candidates) = if units_shuffled { (MachineProfile::m3(), 40) } else { (MachineProfile::m2(), 15) };
    let description = if units_shuffled {
        format!(
            "post-result check: a mock poll of {votes} votes with the balloting units connected in a shuffled order"
        )
    } else {
        format!("first-level checking: a mock poll of {votes} votes, then Close, Result, Clear")
    };
    let mut builder = Builder::new(name, &description, profile, candidates);
    let entries = builder.header.ballot_entries();
    let mut order = positions(profile.balloting_units_for(candidates));
    if units_shuffled {
        order = shuffled(order, random);
    }
    builder.prepare(&order);
    let mut counts = vec![0u32; usize::from(entries)];
    for _ in 0..votes {
        let entry = (random.next_u64() % u64::from(entries)) as u16 + 1;
        counts[usize::from(entry - 1)] += 1;
        builder.vote(entry);
    }
    builder.close_result_clear(counts);
    builder.finish(name)
}

/// Presses out of the `Close` → `Result` → `Clear` sequence, each refused.
fn out_of_sequence() -> Scenario {
    let name = "out-of-sequence-presses";
    let mut builder =
        Builder::new(name, "presses out of sequence: each refused (INVALID) and harmless", MachineProfile::m2(), 4);
    let refused = |builder: &mut Builder, input: Input, code: &str| {
        builder.input(3, input);
        builder.expect(Expectation { refused: Some(code.into()), ..Expectation::default() });
    };
    builder.input(1, Input::AttachBallotingUnit { position: 1 });
    builder.input(1, Input::PowerOn { held_button: None });
    refused(&mut builder, Input::Ballot, "candidates_not_set");
    refused(&mut builder, Input::Close, "candidates_not_set");
    builder.input(1, Input::CandSet { candidates: 4 });
    builder.input(1, Input::SealCandidateSetSection);
    refused(&mut builder, Input::CandSet { candidates: 3 }, "candidate_set_sealed");
    builder.vote(2);
    refused(&mut builder, Input::Result, "result_before_close");
    refused(&mut builder, Input::Clear, "clear_before_result");
    builder.input(3, Input::FixResultSeal);
    builder.input(3, Input::Close);
    refused(&mut builder, Input::Close, "already_closed");
    refused(&mut builder, Input::Ballot, "closed");
    refused(&mut builder, Input::Result, "result_seal_intact");
    refused(&mut builder, Input::Clear, "result_seal_intact");
    builder.input(3, Input::BreakResultSeal);
    builder.input(3, Input::Result);
    builder.push(0, TraceEvent::ExpectResult { counts: vec![0, 1, 0, 0, 0], total: 1 });
    builder.finish(name)
}

/// Every button pressed with the balloting units cabled in a shuffled order.
fn shuffled_cabling(random: &mut SplitMix64) -> Scenario {
    let name = "shuffled-cabling-every-button";
    let profile = MachineProfile::m3();
    let candidates = 79;
    let mut builder = Builder::new(
        name,
        "balloting units cabled in a shuffled order: every button still reaches its own candidate",
        profile,
        candidates,
    );
    let order = shuffled(positions(profile.balloting_units_for(candidates)), random);
    builder.prepare(&order);
    let entries = builder.header.ballot_entries();
    for entry in (1..=entries).rev() {
        builder.vote(entry);
    }
    builder.close_result_clear(vec![1; usize::from(entries)]);
    builder.finish(name)
}

/// The whole built-in suite, the same for the same seed.
pub fn builtin_scenarios() -> Vec<Scenario> {
    let mut random = SplitMix64::new(SCENARIO_SEED);
    vec![
        every_button("every-button-m2-63-candidates", MachineProfile::m2(), 63),
        every_button("every-button-m3-383-candidates", MachineProfile::m3(), 383),
        mock_poll("mock-poll-1200-votes", 1_200, false, &mut random),
        mock_poll("mock-poll-1000-votes", 1_000, false, &mut random),
        mock_poll("mock-poll-500-votes", 500, false, &mut random),
        out_of_sequence(),
        shuffled_cabling(&mut random),
        mock_poll("post-result-check-1400-votes-shuffled-units", 1_400, true, &mut random),
    ]
}

//! Input mixes shared by the criterion benches (`benches/benches/*.rs`).

use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::Timestamp;

/// A realistic poll day on one unit: preparation, then `Ballot` and one
/// candidate press for each of `electors` electors, a `Total` every hundred
/// electors, and `Close`. Rate limit respected (13 s per elector).
pub fn poll_day_mix(candidates: u16, electors: u32) -> Vec<(Timestamp, Input)> {
    let mut now = Timestamp::from_clock(7, 0, 0);
    let mut inputs = Vec::with_capacity(electors as usize * 2 + 64);
    let units = evm_sim::MachineProfile::m3().balloting_units_for(candidates);
    for position in 1..=units {
        inputs.push((now, Input::AttachBallotingUnit { position }));
    }
    inputs.push((now, Input::PowerOn { held_button: None }));
    inputs.push((now, Input::CandSet { candidates }));
    inputs.push((now, Input::SealCandidateSetSection));
    inputs.push((now, Input::FixResultSeal));
    let buttons = u64::from(candidates) + 1;
    for elector in 0..u64::from(electors) {
        now = now.plus_milliseconds(13_000);
        inputs.push((now, Input::Ballot));
        let entry = ((elector * 7919) % buttons) as u16 + 1;
        let address = ButtonAddress::of_ballot_entry(entry).expect("entry within 384");
        inputs.push((now.plus_milliseconds(4_000), Input::PressButton { address }));
        if elector % 100 == 99 {
            inputs.push((now.plus_milliseconds(5_000), Input::Total));
        }
    }
    inputs.push((now.plus_milliseconds(60_000), Input::Close));
    inputs
}

/// The worst case: every press refused or cancelled the slow way — presses
/// without a ballot, masked buttons, two buttons at once, rate-limited
/// ballots, power cycles with a pending enable, `Result` while sealed.
pub fn worst_case_mix(length: usize) -> Vec<(Timestamp, Input)> {
    let mut inputs = poll_day_mix(16, 0);
    let mut now = Timestamp::from_clock(7, 0, 0);
    let cycle = [
        Input::Ballot,
        Input::PressTwoButtons {
            first: ButtonAddress { balloting_unit: 1, button: 1 },
            second: ButtonAddress { balloting_unit: 2, button: 1 },
        },
        Input::PressButton { address: ButtonAddress { balloting_unit: 2, button: 16 } },
        Input::Ballot,
        Input::PowerOff,
        Input::PowerOn { held_button: None },
        Input::PressButton { address: ButtonAddress { balloting_unit: 1, button: 3 } },
        Input::Result,
        Input::Clear,
        Input::Total,
    ];
    while inputs.len() < length {
        now = now.plus_milliseconds(100);
        inputs.push((now, cycle[inputs.len() % cycle.len()]));
    }
    inputs
}

/// The poll-day mix as a trace, for the replay benches.
pub fn poll_day_trace(candidates: u16, electors: u32) -> evm_conformance::trace::Trace {
    use evm_conformance::trace::{Header, PollingStationLabel, Provenance, Trace, TraceEvent, TraceLine};
    let profile = evm_sim::MachineProfile::m3();
    let lines = poll_day_mix(candidates, electors)
        .into_iter()
        .enumerate()
        .map(|(index, (at, input))| TraceLine { line: index + 2, at, event: TraceEvent::Unit(input) })
        .collect();
    Trace {
        path: "bench.jsonl".into(),
        header: Header {
            profile,
            rate_limit_given: false,
            common_machine_stations: Vec::new(),
            election: evm_sim::Election::MunicipalWard,
            polling_station: PollingStationLabel { number: 1, name: "bench".into(), part_number: String::new() },
            ward: None,
            municipality: String::new(),
            date_of_poll: String::new(),
            candidates: (1..=candidates).map(|number| format!("Candidate {number}")).collect(),
            electors_assigned: electors,
            defects: evm_sim::Defects::NONE,
            provenance: Provenance { source: "bench".into(), seed: None, description: String::new() },
        },
        lines,
    }
}

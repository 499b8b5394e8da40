//! One station's poll day from its published figures: a trace whose
//! counting (Form 16C Part II) reproduces them exactly.

use super::stations::{file_safe, Ballot, StationFigures};
use crate::trace::{Header, PollingStationLabel, Provenance, Trace, TraceEvent, TraceLine};
use evm_sim::protocol::faults::SplitMix64;
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{Defects, Election, MachineProfile, StationAction, Timestamp};

/// The poll's hours: 07:00 to 17:00, stretched when a station had more voters.
const POLL_MILLISECONDS: u64 = 10 * 3_600_000;
/// Seconds between two voters at least (the machine's five votes a minute).
const MINIMUM_SPACING_MILLISECONDS: u64 = 13_000;

/// What every station of a file shares.
pub struct FileContext<'a> {
    /// The file's name, for provenance and trace names.
    pub source: &'a str,
    pub ballot: &'a Ballot,
    pub profile: MachineProfile,
    pub election: &'a Election,
    pub ward: Option<u16>,
    pub municipality: &'a str,
    pub seed: u64,
}

/// FNV-1a of a part number: each station's own random stream, "2" and "2A" apart.
fn part_seed(part: &str) -> u64 {
    part.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3))
}

/// The trace of the `number`-th station of the file (1-based: its serial
/// number among the stations read).
// Longer than 70 lines on purpose: a station's day as published, line after line in the order it
// happened; each step is one line written.
pub fn station_trace(context: &FileContext<'_>, number: u32, figures: &StationFigures) -> Trace {
    let (source, part_number) = (context.source, figures.part.as_str());
    let (electors, tendered, counts) = (figures.electors, figures.tendered, &figures.counts);
    let name = if figures.name.is_empty() { format!("Polling station {part_number}") } else { figures.name.clone() };
    let mut random = SplitMix64::new(context.seed ^ part_seed(part_number));
    let voters: u32 = counts.iter().sum();
    // Which electors came (a sample of the roll), and the order of the
    // votes: any order gives the same machine memory (history independence).
    let mut roll: Vec<u32> = (1..=electors).collect();
    for slot in 0..voters as usize {
        let other = slot + (random.next_u64() % (roll.len() - slot) as u64) as usize;
        roll.swap(slot, other);
    }
    let mut ballots: Vec<u16> = counts
        .iter()
        .enumerate()
        .flat_map(|(entry, &count)| std::iter::repeat_n(entry as u16 + 1, count as usize))
        .collect();
    for slot in (1..ballots.len()).rev() {
        let other = (random.next_u64() % (slot as u64 + 1)) as usize;
        ballots.swap(slot, other);
    }
    let mut lines = Vec::new();
    let mut now = Timestamp::from_clock(5, 30, 0);
    let mut push = |now: &mut Timestamp, milliseconds: u64, event: TraceEvent| {
        *now = now.plus_milliseconds(milliseconds);
        let number = lines.len() + 2;
        lines.push(TraceLine { line: number, at: *now, event });
    };
    let station =
        |action: StationAction| TraceEvent::Station { action, total_shown: None, set_up: None, polling_station: None };
    push(
        &mut now,
        0,
        station(StationAction::MachineInstalled { control_unit: format!("CU-{}", file_safe(part_number)) }),
    );
    push(&mut now, 60_000, station(StationAction::MockPollHeld { votes: 50, cleared: true }));
    now = now.plus_milliseconds(50 * 13_000 + 60_000);
    push(&mut now, 1_000, station(StationAction::PaperSealsSupplied { first_serial: 1, last_serial: 5 }));
    let papers = tendered.max(10);
    push(
        &mut now,
        1_000,
        station(StationAction::TenderedBallotPapersReceived { first_serial: 1, last_serial: papers }),
    );
    push(&mut now, 1_000, station(StationAction::PaperSealFixed { serial: 1 }));
    now = now.max(Timestamp::from_clock(7, 0, 0));
    push(&mut now, 0, station(StationAction::PollOpened { total_shown: 0 }));
    let spacing = (POLL_MILLISECONDS / u64::from(voters.max(1))).max(MINIMUM_SPACING_MILLISECONDS);
    for (slot, &entry) in ballots.iter().enumerate() {
        let elector = roll[slot];
        push(&mut now, spacing.saturating_sub(9_000), station(StationAction::ElectorIdentified { elector }));
        push(&mut now, 2_000, station(StationAction::InkMarked { elector }));
        push(&mut now, 2_000, station(StationAction::EnteredInRegister { elector, thumb_impression: false }));
        push(&mut now, 2_000, station(StationAction::BallotPressed { elector }));
        let address = ButtonAddress::of_ballot_entry(entry).unwrap_or(ButtonAddress { balloting_unit: 1, button: 1 });
        push(&mut now, 3_000, TraceEvent::Unit(Input::PressButton { address }));
    }
    for paper in 1..=tendered {
        // 39O: a person claiming to be an elector someone already voted as.
        let elector = roll[(random.next_u64() % u64::from(voters)) as usize];
        push(
            &mut now,
            10_000,
            station(StationAction::TenderedBallotPaperIssued { elector, ballot_paper: paper, thumb_impression: false }),
        );
    }
    now = now.max(Timestamp::from_clock(17, 0, 0));
    push(&mut now, 0, station(StationAction::CloseOfPollHour {}));
    push(&mut now, 60_000, station(StationAction::PollClosed { total_shown: 0 }));
    push(&mut now, 3_600_000, TraceEvent::Unit(Input::BreakResultSeal));
    push(&mut now, 1_000, TraceEvent::Unit(Input::Result));
    push(&mut now, 0, TraceEvent::ExpectResult { counts: counts.to_vec(), total: voters });
    Trace {
        path: format!("{source}-part-{}.jsonl", file_safe(part_number)).into(),
        header: station_header(context, number, figures, name),
        lines,
    }
}

/// The header of a station's trace: its published number and name, the
/// file's ballot, the roll's size.
fn station_header(context: &FileContext<'_>, number: u32, figures: &StationFigures, name: String) -> Header {
    let (source, line, part_number) = (context.source, figures.line, figures.part.as_str());
    Header {
        profile: context.profile,
        rate_limit_given: false,
        common_machine_stations: Vec::new(),
        election: context.election.clone(),
        polling_station: PollingStationLabel { number, name, part_number: part_number.to_owned() },
        ward: context.ward.map(u32::from),
        municipality: context.municipality.to_owned(),
        date_of_poll: String::new(),
        candidates: context.ballot.candidates.clone(),
        electors_assigned: figures.electors,
        defects: Defects::NONE,
        provenance: Provenance {
            source: "evm-conformance gen --from-results".into(),
            seed: Some(context.seed),
            description: format!("published results of station {part_number}, {source} line {line}"),
        },
    }
}

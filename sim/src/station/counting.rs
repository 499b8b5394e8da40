//! Counting at the counting table (61F–61N): seal inspection, `Result`,
//! Form 16C Part II per control unit, Form 23 across the stations of a ward
//! with the votes of persons on election duty, the 61K declaration (a tie is
//! decided by a recorded lot drawn from a seed), and Form 24.
//!
//! Like the station, counting never touches a machine: the inspection and the
//! readout come in as arguments from whoever reads the control unit.

use crate::forms::{
    CandidateVotes, Declaration, ElectionDutyVotes, Form16C, Form16CPartOne, Form16CPartTwo, Form23, Form23Station,
    Form24, Lot, MachineNotCounted, PartTwoTally,
};
use crate::profile::MAX_BALLOT_BUTTONS;
use crate::station::{check_name, StationRefusal};
use serde::{Deserialize, Serialize};

/// The most polling stations a ward's count may take.
pub const MAX_STATIONS_PER_WARD: usize = 64;

/// What the counting agents and the returning officer find on a control unit
/// before it is counted (61G(2)–(3)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealInspection {
    /// The signed paper seal over the result section is intact.
    pub paper_seal_intact: bool,
    /// The returning officer is satisfied the machine was tampered with
    /// (e.g. the M3 fail-safe after its case was opened).
    pub tampered: bool,
}

impl SealInspection {
    /// 61G(4): only a machine the returning officer is satisfied was
    /// tampered with is not counted. A seal found not intact is evidence
    /// (61G(2)) and is recorded, but it is not by itself the finding.
    pub fn countable(&self) -> bool {
        !self.tampered
    }
}

/// Why counting refuses a step. A refused step changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum CountingRefusal {
    #[error("at least one candidate line is needed")]
    NoCandidates,
    #[error("{lines} candidate lines: at most {maximum}")]
    TooManyCandidates { lines: usize, maximum: usize },
    #[error("{maximum} stations already added: no more")]
    TooManyStations { maximum: usize },
    #[error("polling station {station} belongs to ward {ward}, not to this count's ward")]
    OtherWard { station: u16, ward: u16 },
    #[error("polling station {station} is already in the count")]
    StationAlreadyAdded { station: u16 },
    #[error("polling station {station} is not in the count")]
    UnknownStation { station: u16 },
    #[error("control unit {control_unit} was not used at polling station {station}")]
    UnknownControlUnit { station: u16, control_unit: String },
    #[error("control unit {control_unit} was already inspected (61G)")]
    AlreadyInspected { control_unit: String },
    #[error("control unit {control_unit} must have its seals inspected before it is counted (61G(2))")]
    NotInspected { control_unit: String },
    #[error("control unit {control_unit} was found tampered with or its seal not intact: it is not counted (61G(4))")]
    NotCountable { control_unit: String },
    #[error("control unit {control_unit} was already counted (61H)")]
    AlreadyCounted { control_unit: String },
    #[error("the readout has {counts} lines; the ballot has {lines}")]
    WrongNumberOfLines { counts: usize, lines: usize },
    #[error("control unit {control_unit} of polling station {station} is not counted yet (61H)")]
    NotAllCounted { station: u16, control_unit: String },
    #[error("polling stations {stations:?} go to a fresh poll: the result waits for it (61P(1))")]
    FreshPollPending { stations: Vec<u16> },
    #[error("{0}")]
    Name(StationRefusal),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct CountedMachine {
    control_unit: String,
    item_5_share: u64,
    inspection: Option<SealInspection>,
    part_two: Option<Form16CPartTwo>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct CountedStation {
    part_one: Form16CPartOne,
    machines: Vec<CountedMachine>,
}

/// The count of one ward.
///
/// # Call contract
///
/// 1. [`Counting::new`] with the candidates in ballot order (and whether the
///    machines have a NOTA button, counted as the last line but never elected).
/// 2. [`add_station`](Counting::add_station) with each station's Form 16C
///    Part I (the account of the poll to be counted: after a fresh poll, the
///    fresh poll's).
/// 3. For each control unit: [`inspect_seal`](Counting::inspect_seal) (61G),
///    then, if countable, [`record_result`](Counting::record_result) with what
///    `Result` showed (61H). A unit found tampered is not counted and its
///    station goes to a fresh poll.
/// 4. [`record_election_duty_votes`](Counting::record_election_duty_votes) (61F).
/// 5. [`form_23`](Counting::form_23), then [`declare`](Counting::declare)`(seed)`
///    and [`form_24`](Counting::form_24)`(seed)` (61J–61L).
///
/// Refused steps return a [`CountingRefusal`] and change nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counting {
    municipality: String,
    ward: u16,
    date_of_poll: String,
    candidates: Vec<String>,
    none_of_the_above: bool,
    stations: Vec<CountedStation>,
    election_duty: ElectionDutyVotes,
}

/// splitmix64: one step of the generator from `seed` (Steele, Lea, Flood 2014).
pub fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Counting {
    /// A count for `ward` with `candidates` in ballot order; with
    /// `none_of_the_above`, a last "None of the Above" line is added.
    pub fn new(
        municipality: &str,
        ward: u16,
        date_of_poll: &str,
        candidates: &[&str],
        none_of_the_above: bool,
    ) -> Result<Counting, CountingRefusal> {
        if candidates.is_empty() {
            return Err(CountingRefusal::NoCandidates);
        }
        let lines = candidates.len() + usize::from(none_of_the_above);
        if lines > MAX_BALLOT_BUTTONS {
            return Err(CountingRefusal::TooManyCandidates { lines, maximum: MAX_BALLOT_BUTTONS });
        }
        check_name("the municipality", municipality).map_err(CountingRefusal::Name)?;
        check_name("the date of poll", date_of_poll).map_err(CountingRefusal::Name)?;
        for name in candidates {
            check_name("a candidate's name", name).map_err(CountingRefusal::Name)?;
        }
        let mut names: Vec<String> = candidates.iter().map(|name| (*name).to_owned()).collect();
        if none_of_the_above {
            names.push("None of the Above".to_owned());
        }
        Ok(Counting {
            municipality: municipality.to_owned(),
            ward,
            date_of_poll: date_of_poll.to_owned(),
            election_duty: ElectionDutyVotes { valid_votes: vec![0; names.len()], rejected: 0 },
            candidates: names,
            none_of_the_above,
            stations: Vec::new(),
        })
    }

    /// Candidate lines, NOTA last where used.
    pub fn candidate_lines(&self) -> &[String] {
        &self.candidates
    }

    /// Adds a station's account of votes recorded.
    pub fn add_station(&mut self, part_one: Form16CPartOne) -> Result<(), CountingRefusal> {
        let station = part_one.identity.number;
        if part_one.identity.ward != self.ward {
            return Err(CountingRefusal::OtherWard { station, ward: part_one.identity.ward });
        }
        if self.stations.iter().any(|counted| counted.part_one.identity.number == station) {
            return Err(CountingRefusal::StationAlreadyAdded { station });
        }
        if self.stations.len() >= MAX_STATIONS_PER_WARD {
            return Err(CountingRefusal::TooManyStations { maximum: MAX_STATIONS_PER_WARD });
        }
        let machines = part_one
            .machines
            .iter()
            .map(|machine| CountedMachine {
                control_unit: machine.control_unit.clone(),
                item_5_share: u64::from(machine.votes_recorded),
                inspection: None,
                part_two: None,
            })
            .collect();
        self.stations.push(CountedStation { part_one, machines });
        self.stations.sort_by_key(|counted| counted.part_one.identity.number);
        Ok(())
    }

    fn machine_mut(&mut self, station: u16, control_unit: &str) -> Result<&mut CountedMachine, CountingRefusal> {
        let counted = self
            .stations
            .iter_mut()
            .find(|counted| counted.part_one.identity.number == station)
            .ok_or(CountingRefusal::UnknownStation { station })?;
        counted
            .machines
            .iter_mut()
            .find(|machine| machine.control_unit == control_unit)
            .ok_or_else(|| CountingRefusal::UnknownControlUnit { station, control_unit: control_unit.to_owned() })
    }

    /// 61G: records the inspection of a control unit's seals. A unit not
    /// intact or tampered with is not counted; its station goes to a fresh poll.
    pub fn inspect_seal(
        &mut self,
        station: u16,
        control_unit: &str,
        inspection: SealInspection,
    ) -> Result<(), CountingRefusal> {
        let machine = self.machine_mut(station, control_unit)?;
        if machine.inspection.is_some() {
            return Err(CountingRefusal::AlreadyInspected { control_unit: control_unit.to_owned() });
        }
        machine.inspection = Some(inspection);
        Ok(())
    }

    /// 61H: the candidate-wise `counts` (one per candidate line) and the total
    /// the control unit showed with `Result`; fills its Form 16C Part II.
    pub fn record_result(
        &mut self,
        station: u16,
        control_unit: &str,
        counts: &[u32],
        total_shown: u32,
    ) -> Result<&Form16CPartTwo, CountingRefusal> {
        let lines = self.candidates.len();
        if counts.len() != lines {
            return Err(CountingRefusal::WrongNumberOfLines { counts: counts.len(), lines });
        }
        let names = self.candidates.clone();
        let machine = self.machine_mut(station, control_unit)?;
        match machine.inspection {
            None => return Err(CountingRefusal::NotInspected { control_unit: control_unit.to_owned() }),
            Some(inspection) if !inspection.countable() => {
                return Err(CountingRefusal::NotCountable { control_unit: control_unit.to_owned() })
            }
            Some(_) => {}
        }
        if machine.part_two.is_some() {
            return Err(CountingRefusal::AlreadyCounted { control_unit: control_unit.to_owned() });
        }
        let candidates: Vec<CandidateVotes> = names
            .into_iter()
            .zip(counts)
            .enumerate()
            .map(|(index, (name, &votes))| CandidateVotes { serial: index as u16 + 1, name, votes: u64::from(votes) })
            .collect();
        let sum_of_counts = counts.iter().map(|&count| u64::from(count)).sum::<u64>();
        let part_two = machine.part_two.insert(Form16CPartTwo {
            control_unit: control_unit.to_owned(),
            candidates,
            sum_of_counts,
            total_shown,
            item_5_share: machine.item_5_share,
            tally: PartTwoTally::compare(sum_of_counts, total_shown, machine.item_5_share),
        });
        Ok(part_two)
    }

    /// 61F: the valid votes (one per candidate line) and the rejected ballot
    /// papers of persons on election duty (Form 22). Replaces any earlier record.
    pub fn record_election_duty_votes(&mut self, votes: ElectionDutyVotes) -> Result<(), CountingRefusal> {
        if votes.valid_votes.len() != self.candidates.len() {
            return Err(CountingRefusal::WrongNumberOfLines {
                counts: votes.valid_votes.len(),
                lines: self.candidates.len(),
            });
        }
        self.election_duty = votes;
        Ok(())
    }

    /// Stations whose machines were found not countable: they go to a fresh
    /// poll (61G(4); ss. 62–63).
    pub fn stations_for_fresh_poll(&self) -> Vec<u16> {
        self.stations
            .iter()
            .filter(|counted| {
                counted.machines.iter().any(|machine| machine.inspection.is_some_and(|found| !found.countable()))
            })
            .map(|counted| counted.part_one.identity.number)
            .collect()
    }

    /// Form 16C (Part I and the Part II of each counted control unit) of `station`.
    pub fn form_16c(&self, station: u16) -> Result<Form16C, CountingRefusal> {
        let counted = self
            .stations
            .iter()
            .find(|counted| counted.part_one.identity.number == station)
            .ok_or(CountingRefusal::UnknownStation { station })?;
        let part_two = counted.machines.iter().filter_map(|machine| machine.part_two.clone()).collect();
        let not_counted = counted
            .machines
            .iter()
            .filter_map(|machine| {
                let inspection = machine.inspection?;
                (!inspection.countable()).then(|| MachineNotCounted {
                    control_unit: machine.control_unit.clone(),
                    reason: if inspection.paper_seal_intact {
                        "tampered with (61G(4))".to_owned()
                    } else {
                        "tampered with, its paper seal not intact (61G(2), 61G(4))".to_owned()
                    },
                })
            })
            .collect();
        Ok(Form16C { part_one: counted.part_one.clone(), part_two, not_counted })
    }

    /// Form 23 (61J). Refused while a countable control unit is not counted.
    pub fn form_23(&self) -> Result<Form23, CountingRefusal> {
        let lines = self.candidates.len();
        let mut stations = Vec::new();
        let mut totals = self.election_duty.valid_votes.clone();
        for counted in &self.stations {
            let number = counted.part_one.identity.number;
            let mut valid_votes = Some(vec![0u64; lines]);
            for machine in &counted.machines {
                match (&machine.inspection, &machine.part_two) {
                    (Some(inspection), _) if !inspection.countable() => valid_votes = None,
                    (_, Some(part_two)) => {
                        if let Some(votes) = valid_votes.as_mut() {
                            for (slot, line) in votes.iter_mut().zip(&part_two.candidates) {
                                *slot += line.votes;
                            }
                        }
                    }
                    _ => {
                        return Err(CountingRefusal::NotAllCounted {
                            station: number,
                            control_unit: machine.control_unit.clone(),
                        })
                    }
                }
            }
            if let Some(votes) = &valid_votes {
                for (total, votes) in totals.iter_mut().zip(votes) {
                    *total += votes;
                }
            }
            stations.push(Form23Station { number, valid_votes });
        }
        // NOTA is never a valid vote for a candidate: its own line.
        let contesting = lines - usize::from(self.none_of_the_above);
        let total_valid = totals[..contesting].iter().sum::<u64>();
        let none_of_the_above = self.none_of_the_above.then(|| totals.get(contesting).copied().unwrap_or(0));
        let total_rejected = self.election_duty.rejected;
        Ok(Form23 {
            municipality: self.municipality.clone(),
            ward: self.ward,
            date_of_poll: self.date_of_poll.clone(),
            candidates: self.candidates.clone(),
            stations,
            election_duty: self.election_duty.clone(),
            totals,
            total_valid,
            none_of_the_above,
            total_rejected,
            grand_total: total_valid + none_of_the_above.unwrap_or(0) + total_rejected,
        })
    }

    /// 61K: declares the candidate with the most valid votes (NOTA is never
    /// elected). A tie at the top is decided by lot: `splitmix64(seed)` modulo
    /// the number of tied candidates picks one, in ballot order, and the lot
    /// is recorded. Refused while a station awaits a fresh poll (61P(1)).
    pub fn declare(&self, seed: u64) -> Result<Declaration, CountingRefusal> {
        let pending = self.stations_for_fresh_poll();
        if !pending.is_empty() {
            return Err(CountingRefusal::FreshPollPending { stations: pending });
        }
        let form_23 = self.form_23()?;
        let contesting = self.candidates.len() - usize::from(self.none_of_the_above);
        let totals = &form_23.totals[..contesting];
        let most = totals.iter().copied().max().unwrap_or(0);
        let tied: Vec<usize> = (0..contesting).filter(|&index| totals[index] == most).collect();
        if tied.len() == 1 {
            return Ok(Declaration { elected: self.candidates[tied[0]].clone(), votes: most, lot: None });
        }
        let draw = splitmix64(seed);
        let drawn = tied[(draw % tied.len() as u64) as usize];
        Ok(Declaration {
            elected: self.candidates[drawn].clone(),
            votes: most,
            lot: Some(Lot {
                seed,
                tied: tied.iter().map(|&index| self.candidates[index].clone()).collect(),
                draw,
                drawn: self.candidates[drawn].clone(),
            }),
        })
    }

    /// Form 24, the return of election (61L), with the declaration of `seed`.
    pub fn form_24(&self, seed: u64) -> Result<Form24, CountingRefusal> {
        let declaration = self.declare(seed)?;
        let form_23 = self.form_23()?;
        let contesting = self.candidates.len() - usize::from(self.none_of_the_above);
        let candidates = (0..contesting)
            .map(|index| CandidateVotes {
                serial: index as u16 + 1,
                name: self.candidates[index].clone(),
                votes: form_23.totals[index],
            })
            .collect();
        Ok(Form24 {
            municipality: self.municipality.clone(),
            ward: self.ward,
            date_of_poll: self.date_of_poll.clone(),
            candidates,
            none_of_the_above: self.none_of_the_above.then(|| form_23.totals.last().copied().unwrap_or(0)),
            total_valid: form_23.total_valid,
            total_invalid: form_23.total_rejected,
            total_tendered: self
                .stations
                .iter()
                .map(|counted| u64::from(counted.part_one.voters_issued_tendered_ballot_papers))
                .sum(),
            declaration,
        })
    }
}

//! The station's papers in the replay: every station action applied to
//! the papers of the station(s) the machine serves, with the machine
//! actions it implies (set-up, mock poll, the total shown, the close); the
//! machine's facts told to the papers; the accounts (Form 16C by poll and
//! session, item 6) and the grade of what the papers show.

use super::*;

/// The papers of every station the trace's machine serves: the header's,
/// then a common machine's others (39C(4)), with their identities for the
/// forms.
fn polling_stations(header: &Header) -> Result<Vec<PollingStation>, StationRefusal> {
    let identity = |number: u32, part_number: &str, name: &str| StationIdentity {
        election: header.election.clone(),
        municipality: header.municipality.clone(),
        ward: header.ward.and_then(|ward| u16::try_from(ward).ok()).unwrap_or(0),
        number: u16::try_from(number).unwrap_or(u16::MAX),
        part_number: part_number.to_owned(),
        name: name.to_owned(),
        date_of_poll: header.date_of_poll.clone(),
    };
    let label = &header.polling_station;
    let mut stations =
        vec![PollingStation::new(identity(label.number, &label.part_number, &label.name), header.electors_assigned)?];
    for other in &header.common_machine_stations {
        stations.push(PollingStation::new(
            identity(other.number, &other.part_number, &other.name),
            other.electors_assigned,
        )?);
    }
    Ok(stations)
}

/// Whether `action` acts on the machine itself, which every station a
/// common machine serves shares (the parser's `COMMON_MACHINE_ACTIONS`).
pub(super) fn on_the_machine(action: &StationAction) -> bool {
    matches!(
        action,
        StationAction::MachineInstalled { .. }
            | StationAction::MockPollHeld { .. }
            | StationAction::PollOpened { .. }
            | StationAction::CloseOfPollHour {}
            | StationAction::PollClosed { .. }
            | StationAction::BoothCaptured { .. }
            | StationAction::PollAdjourned { .. }
            | StationAction::MachineFailed { .. }
            | StationAction::FreshPollOrdered {}
    )
}

/// One poll's account of votes over the stations a machine serves.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct CombinedAccount {
    pub(super) item_2: u32,
    pub(super) item_3: u32,
    pub(super) item_4: u32,
    pub(super) item_5: u64,
    pub(super) item_six: evm_sim::forms::ItemSixTally,
    pub(super) item_7: u32,
    pub(super) item_8_issued: u32,
    pub(super) item_8_not_used_and_returned: u64,
    pub(super) item_9_supplied: u64,
    pub(super) item_9_used: u64,
    pub(super) item_9_unused_returned: u64,
    pub(super) item_9_damaged: u32,
}

impl Replay<'_> {
    /// Applies an action to the papers: of the station the line names, or
    /// of every station for an action on a common machine (39C(4)). A
    /// refusal is a procedural finding of the rule it names (the trace says
    /// the officers did what the rules forbid); an irregularity is graded
    /// by [`irregularity`](Self::irregularity).
    pub(super) fn apply_to_station(&mut self, header: &Header, line: &TraceLine, action: &StationAction) {
        if self.stations.is_empty() {
            match polling_stations(header) {
                Ok(stations) => self.stations = stations,
                Err(refusal) => {
                    self.station_refused(line, &refusal);
                    return;
                }
            }
        }
        let named = match &line.event {
            TraceEvent::Station { polling_station: Some(number), .. } => {
                header.station_numbers().iter().position(|candidate| candidate == number)
            }
            _ => None,
        };
        let every = on_the_machine(action);
        for index in 0..self.stations.len() {
            if !(every || index == named.unwrap_or(0)) {
                continue;
            }
            self.noted.irregularities.clear();
            match self.stations[index].apply_noting(line.at, action, &mut self.noted) {
                Ok(()) => self.irregularities_noted(line),
                // A common machine's action refused for one station is the
                // same slip for all: reported once.
                Err(refusal) => {
                    self.station_refused(line, &refusal);
                    if every {
                        break;
                    }
                }
            }
        }
    }
    /// The polling party did what a rule forbids: a procedural finding,
    /// never the machine's (the machine did not do it).
    #[cold]
    pub(super) fn station_refused(&mut self, line: &TraceLine, refusal: &StationRefusal) {
        self.find(Finding::procedural(
            refusal.property(),
            refusal.rule(),
            line.line,
            describe(line),
            "an action the rules allow".into(),
            format!("refused by the rules: {refusal}"),
        ));
    }
    // Longer than 70 lines on purpose: one arm an irregularity the papers show, each graded by the
    // rule it names.
    #[cold]
    pub(super) fn irregularity(&mut self, line: &TraceLine, irregularity: &Irregularity) {
        match irregularity {
            // A vote on an enable an officer forgot to cancel is not a
            // machine fault: it shows in the account (item 6), where it is
            // reported. Nor is a test vote cast before the poll opens (after
            // the mock poll's `Clear`): the account shows it, as item 6.
            Irregularity::VoteWithoutPermission { stale_enable: true, tendered_elector: None, .. }
            | Irregularity::VoteOutsidePoll { phase: evm_sim::station::StationPhase::Preparation, .. } => return,
            // 39V(2): the polling party let an elector who voted before the
            // adjournment vote again, caught at that vote.
            Irregularity::VotedAgainAfterAdjournment { elector, .. } => {
                self.find(Finding::procedural(
                    Some(Property::Adjourn),
                    "39V(2)",
                    line.line,
                    describe(line),
                    format!("no second vote by elector {elector}, who voted before the adjournment"),
                    format!("elector {elector} voted again at the adjourned poll"),
                ));
                return;
            }
            // The enable an elector left pending must be cancelled before the
            // next vote (39N, 39L(6); practice). Pressing `Ballot` over it is
            // the slip Form 16C cannot show: the next elector votes on it and
            // item 6 tallies.
            Irregularity::BallotPressedOnPendingEnable { elector, .. } => {
                self.find(Finding::procedural(
                    None,
                    "39N, 39L(6)",
                    line.line,
                    describe(line),
                    "the enable left pending cancelled before Ballot for the next elector".to_owned(),
                    format!("Ballot pressed for elector {elector} over an uncancelled enable: the machine refused it and the elector voted on the stale one"),
                ));
                return;
            }
            Irregularity::AdmittedAfterHour { elector, .. } => {
                self.find(Finding::procedural(
                    None,
                    "39Q(1)",
                    line.line,
                    describe(line),
                    "no elector admitted after the hour fixed for the close of poll, but those present at it"
                        .to_owned(),
                    format!("elector {elector}, not present at the hour, admitted after it"),
                ));
                return;
            }
            Irregularity::LeftEnableCancelled { elector, .. } => {
                self.find(Finding::advisory(
                    "39N, 39L(6)",
                    line.line,
                    describe(line),
                    "a pending enable cancelled when its elector leaves the compartment".to_owned(),
                    format!("the enable elector {elector} left pending was cancelled later, before any vote: no vote was lost or added"),
                ));
                return;
            }
            _ => {}
        }
        // What the papers show is a discrepancy of the poll, not a fault of
        // the machine (a machine fault is caught by the comparison with the
        // reference model).
        if let Some(property) = irregularity.property() {
            self.find(Finding {
                kind: FindingKind::Discrepancy,
                property: Some(property),
                rule: property.rule().to_owned(),
                line: line.line,
                event: describe(line),
                expected: format!("the papers to show that {}", property.statement()),
                observed: serde_json::to_string(irregularity).unwrap_or_default(),
            });
        }
    }
    /// A station action: the papers, and the machine where the action
    /// touches it, by the one road every driver takes
    /// ([`evm_sim::station::road::act`]); around it, what only a judge
    /// checks (the seals at the opening, 39B(4)(b) and 39E(3)).
    pub(super) fn station_action(
        &mut self,
        header: &Header,
        line: &TraceLine,
        action: &StationAction,
        total_shown: Option<u32>,
        set_up: Option<&MachineSetUp>,
    ) -> Result<(), TargetError> {
        match action {
            StationAction::MachineInstalled { control_unit } => {
                if self.machine_used {
                    self.new_machine(header, false)?;
                }
                self.machine.control_unit = control_unit.clone();
            }
            StationAction::PollOpened { .. } => self.seals_at_the_opening(line),
            StationAction::FreshPollOrdered {} => {
                self.machines.iter_mut().for_each(|machine| machine.counted = false);
                self.machine.counted = false;
            }
            _ => {}
        }
        if !road::touches_the_machine(action) {
            // The road only records it: straight to the papers.
            self.apply_to_station(header, line, action);
            return Ok(());
        }
        let ballot = road::Ballot::new(&header.profile, header.candidate_count());
        let set_up = set_up.cloned().unwrap_or_default();
        let mut port = super::port::Judged::new(self, header, line, total_shown);
        road::act(&mut port, line.at, action, ballot, &set_up)?;
        if let StationAction::MockPollHeld { cleared: true, .. } = action {
            self.machine.readout = None;
            self.machine.total_at_close = None;
        }
        Ok(())
    }
    /// The machine cannot see paper: a poll opened with the candidate set
    /// section unsealed (39B(4)(b)) or no paper seal on the result section
    /// (39E(3)) is the polling party's slip.
    fn seals_at_the_opening(&mut self, line: &TraceLine) {
        if !self.reference.candidate_set_sealed() {
            self.find(Finding::procedural(
                None,
                "39B(4)(b)",
                line.line,
                describe(line),
                "the candidate set section closed and sealed before the poll".to_owned(),
                "the poll opened with the candidate set section not sealed".to_owned(),
            ));
        }
        let unsealed = self
            .stations
            .first()
            .and_then(|station| station.current_poll().machines().last())
            .is_some_and(|machine| machine.paper_seal.is_none());
        if unsealed {
            self.find(Finding::procedural(
                None,
                "39E(3)",
                line.line,
                describe(line),
                "the signed paper seal fixed over the result section before the poll".to_owned(),
                "the poll opened with no paper seal fixed on the control unit".to_owned(),
            ));
        }
    }
    /// A different figure written in the trace than the machine showed is a
    /// finding: the officer recorded what the machine did not show.
    pub(super) fn written_total(&mut self, line: &TraceLine, written: Option<u32>, shown: u32) {
        if let Some(written) = written.filter(|written| *written != shown) {
            // The papers' slip (39R), not the machine's.
            self.find(Finding::procedural(
                None,
                "39R",
                line.line,
                describe(line),
                format!("the total the machine shows ({shown}) as written"),
                format!("total_shown {written} written"),
            ));
        }
    }
    /// Form 16C as the presiding officer and the counting table would write
    /// it: Part I of every poll not declared void, Part II of every counted
    /// machine whose result was read.
    pub(super) fn forms(&self, header: &Header) -> Vec<String> {
        use evm_sim::forms::{text, CandidateVotes, Form16CPartTwo, PartTwoTally};
        let mut forms = Vec::new();
        for (poll, session, combined) in self.accounts_by_poll() {
            for station in &self.stations {
                let part_one = match session {
                    None => station.form_16c_part_one_of(poll),
                    Some(session) => station.form_16c_part_one_of_session(poll, session),
                };
                let Ok(mut part_one) = part_one else { continue };
                let mut text = String::new();
                if self.stations.len() > 1 {
                    // One machine, several registers: item 6 compares the
                    // machine's item 5 with the registers of every station.
                    part_one.item_six = combined.item_six;
                    text = format!(
                        "Common voting machine for polling stations {} (39C(4)): item 6 compares item 5 with items 2 - 3 - 4 of every station it served ({} - {} - {}).\n",
                        header.station_numbers().iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
                        combined.item_2,
                        combined.item_3,
                        combined.item_4
                    );
                }
                forms.push(text::form_16c_part_one(&part_one) + &text);
            }
        }
        for machine in self.machines.iter().filter(|machine| machine.counted) {
            let (Some(readout), Some(item_5_share)) = (&machine.readout, machine.total_at_close) else { continue };
            let candidates = readout
                .counts
                .iter()
                .enumerate()
                .map(|(index, &votes)| CandidateVotes {
                    serial: index as u16 + 1,
                    name: header.candidates.get(index).cloned().unwrap_or_else(|| "None of the Above".to_owned()),
                    votes: u64::from(votes),
                })
                .collect();
            let sum_of_counts = readout.counts.iter().map(|&count| u64::from(count)).sum();
            let control_unit =
                if machine.control_unit.is_empty() { "(unnamed)".to_owned() } else { machine.control_unit.clone() };
            forms.push(text::form_16c_part_two(
                &Form16CPartTwo {
                    control_unit,
                    candidates,
                    sum_of_counts,
                    total_shown: readout.total,
                    item_5_share: u64::from(item_5_share),
                    tally: PartTwoTally::compare(sum_of_counts, readout.total, u64::from(item_5_share)),
                },
                &header.election,
            ));
        }
        forms
    }
    /// The account of each poll not declared void whose Part I can be
    /// prepared: items 2-4 and 7-9 summed over the stations the machine
    /// serves, item 5 the machine's (shared by every station, 39C(4)), and
    /// item 6 comparing them.
    ///
    /// A poll with adjourned sessions has an account per session (39V(1)):
    /// an error in one is never cancelled by another.
    pub(super) fn accounts_by_poll(&self) -> Vec<(usize, Option<u8>, CombinedAccount)> {
        let Some(first) = self.stations.first() else { return Vec::new() };
        let mut accounts = Vec::new();
        let sessions = first.polls().iter().enumerate().flat_map(|(index, poll)| {
            let voided = poll.phase() == evm_sim::station::StationPhase::Voided;
            let sessions: Vec<Option<u8>> =
                if poll.session() == 0 { vec![None] } else { (0..=poll.session()).map(Some).collect() };
            // A poll declared void (s.62, s.63) is not counted: its account is moot.
            sessions.into_iter().filter(move |_| !voided).map(move |session| (index, session))
        });
        for (index, session) in sessions {
            let parts: Result<Vec<_>, _> = self
                .stations
                .iter()
                .map(|station| match session {
                    None => station.form_16c_part_one_of(index),
                    Some(session) => station.form_16c_part_one_of_session(index, session),
                })
                .collect();
            let Ok(parts) = parts else { continue };
            let mut combined =
                CombinedAccount { item_5: parts[0].item_5, item_six: parts[0].item_six, ..CombinedAccount::default() };
            for part_one in &parts {
                combined.item_2 += part_one.voters_in_register;
                combined.item_3 += part_one.voters_deciding_not_to_vote;
                combined.item_4 += part_one.voters_not_allowed_to_vote;
                // Items 7 to 9 are the poll's: counted with its last session only.
                let last_session = session.is_none_or(|session| session == first.polls()[index].session());
                if !last_session {
                    continue;
                }
                combined.item_7 += part_one.voters_issued_tendered_ballot_papers;
                combined.item_8_issued += part_one.tendered_ballot_papers.issued.len() as u32;
                combined.item_8_not_used_and_returned += part_one.tendered_ballot_papers.not_used_and_returned;
                combined.item_9_supplied += part_one.paper_seals.total_supplied;
                combined.item_9_used += part_one.paper_seals.used;
                combined.item_9_unused_returned += part_one.paper_seals.unused_returned;
                combined.item_9_damaged += part_one.paper_seals.damaged.len() as u32;
            }
            combined.item_six = evm_sim::forms::ItemSixTally::compare(
                combined.item_5,
                u64::from(combined.item_2),
                u64::from(combined.item_3),
                u64::from(combined.item_4),
            );
            accounts.push((index, session, combined));
        }
        accounts
    }
    /// Form 16C items 2 to 9 over every poll (and every station of a common
    /// machine), and an ITEM-6 discrepancy for each poll whose account does
    /// not tally.
    pub(super) fn account_of_votes(&mut self) -> Option<AccountOfVotes> {
        let accounts = self.accounts_by_poll();
        if accounts.is_empty() {
            return None;
        }
        let mut account = AccountOfVotes::default();
        let mut discrepancies = Vec::new();
        for (poll, session, combined) in accounts {
            account.item_2 += combined.item_2;
            account.item_3 += combined.item_3;
            account.item_4 += combined.item_4;
            account.item_5 += combined.item_5;
            account.item_7 += combined.item_7;
            account.item_8_issued += combined.item_8_issued;
            account.item_8_not_used_and_returned += combined.item_8_not_used_and_returned;
            account.item_9_supplied += combined.item_9_supplied;
            account.item_9_used += combined.item_9_used;
            account.item_9_unused_returned += combined.item_9_unused_returned;
            account.item_9_damaged += combined.item_9_damaged;
            let difference = combined.item_six.difference();
            account.item_6_discrepancy += difference;
            if difference != 0 {
                let line = self.account_lines.get(&(poll, session.unwrap_or(0))).copied().unwrap_or(self.account_line);
                let text = match session {
                    Some(session) => format!("{} (the account of session {session}, 39V(1))", combined.item_six),
                    None => combined.item_six.to_string(),
                };
                discrepancies.push((text, combined.item_5, difference, line));
            }
        }
        for (text, item_5, difference, line) in discrepancies {
            self.find(Finding {
                kind: FindingKind::Discrepancy,
                property: Some(Property::Item6),
                rule: Property::Item6.rule().to_owned(),
                line,
                event: "Form 16C Part I".to_owned(),
                expected: format!(
                    "item 5 = item 2 - item 3 - item 4 = {}",
                    i64::try_from(item_5).unwrap_or(i64::MAX) - difference
                ),
                observed: format!("item 5 = {item_5}: {text}"),
            });
        }
        Some(account)
    }
    /// Records `line` as the line that closes the current poll's current
    /// session (its account's item 6 is reported there).
    pub(super) fn note_account_line(&mut self, line: usize) {
        if let Some(first) = self.stations.first() {
            let key = (first.polls().len() - 1, first.current_poll().session());
            self.account_lines.insert(key, line);
        }
    }
    /// A fact of the machine, told to the station's papers, with any
    /// irregularity they then show.
    ///
    /// With a common machine (39C(4)) a vote goes to the station whose
    /// elector was given `Ballot` (else one with an enable left pending,
    /// else the header's station); a cancelled enable to every station.
    pub(super) fn station_fact(&mut self, line: &TraceLine, now: Timestamp, fact: StationAction) {
        let indices = match fact {
            StationAction::VoteRecorded {} if self.stations.len() > 1 => {
                let voting = self
                    .stations
                    .iter()
                    .position(|station| station.ballot_pending_for().is_some())
                    .or_else(|| self.stations.iter().position(PollingStation::stale_enable_pending))
                    .unwrap_or(0);
                voting..voting + 1
            }
            StationAction::VoteRecorded {} => 0..1,
            _ => 0..self.stations.len(),
        };
        for index in indices {
            let Some(station) = self.stations.get_mut(index) else { continue };
            self.noted.irregularities.clear();
            if station.apply_noting(now, &fact, &mut self.noted).is_ok() {
                self.irregularities_noted(line);
            }
        }
    }

    /// Grades the irregularities the papers just noted (`self.noted`).
    #[inline]
    fn irregularities_noted(&mut self, line: &TraceLine) {
        // Rare: most actions note none.
        for index in 0..self.noted.irregularities.len() {
            let irregularity = self.noted.irregularities[index].clone();
            self.irregularity(line, &irregularity);
        }
    }
}

//! The forms of the station's papers: Forms 16A, 16B, 14, 15 and Form 16C
//! Part I (39R), by poll and by session (39V(1)), and the findings.

use super::*;

impl PollingStation {
    /// Form 16A, the register of voters of the current poll.
    pub fn form_16a(&self) -> Form16A {
        Form16A { identity: self.identity.clone(), entries: self.current_poll().register.clone() }
    }

    /// Form 16B, the list of tendered votes of the current poll.
    pub fn form_16b(&self) -> Form16B {
        Form16B { identity: self.identity.clone(), entries: self.current_poll().tendered_votes.clone() }
    }

    /// Form 14, the list of challenged votes of the current poll.
    pub fn form_14(&self) -> Form14 {
        Form14 { identity: self.identity.clone(), entries: self.current_poll().challenges.clone() }
    }

    /// Form 15, the list of blind and infirm voters of the current poll.
    pub fn form_15(&self) -> Form15 {
        Form15 {
            identity: self.identity.clone(),
            entries: self.current_poll().companions.iter().map(|(_, entry)| entry.clone()).collect(),
        }
    }

    /// Form 16C Part I of the current poll (39R).
    pub fn form_16c_part_one(&self) -> Result<Form16CPartOne, StationRefusal> {
        self.form_16c_part_one_of(self.polls.len() - 1)
    }

    /// Form 16C Part I of poll `index` (0 is the original poll; see
    /// [`polls`](PollingStation::polls)). Refused while a machine of that poll
    /// is open: item 5 is what the machines showed when closed.
    pub fn form_16c_part_one_of(&self, index: usize) -> Result<Form16CPartOne, StationRefusal> {
        self.part_one(index, None)
    }

    /// Form 16C Part I of one session of poll `index` (39V(1): the poll up
    /// to the adjournment is accounted as if closed at the hour, each
    /// adjourned poll on its own, so an error in one is never cancelled by
    /// another). Items 2 to 6 are the session's; items 7 to 9 the poll's.
    pub fn form_16c_part_one_of_session(&self, index: usize, session: u8) -> Result<Form16CPartOne, StationRefusal> {
        self.part_one(index, Some(session))
    }

    // Longer than 70 lines on purpose: Form 16C Part I item by item (39R), each item from the
    // papers.
    fn part_one(&self, index: usize, session: Option<u8>) -> Result<Form16CPartOne, StationRefusal> {
        let Some(poll) = self.polls.get(index) else {
            return Err(StationRefusal::NotInThisPhase {
                action: "form_16c".to_owned(),
                phase: self.phase(),
                rule: "39R".to_owned(),
            });
        };
        let in_session = |of: u8| session.is_none_or(|session| session == of);
        let mut machines = Vec::new();
        for machine in poll.machines.iter().filter(|machine| machine.used() && in_session(machine.session)) {
            let Some(votes_recorded) = machine.total_at_close else {
                return Err(StationRefusal::NotInThisPhase {
                    action: "form_16c".to_owned(),
                    phase: poll.phase,
                    rule: "39R(1): the account is prepared at the close of the poll".to_owned(),
                });
            };
            machines.push(MachineTotal { control_unit: machine.control_unit.clone(), votes_recorded });
        }
        let register: Vec<&RegisterOfVotersEntry> =
            poll.register.iter().filter(|entry| in_session(entry.session)).collect();
        let count = |remark: Remark| register.iter().filter(|entry| entry.remark == Some(remark)).count() as u32;
        let voters_in_register = register.len() as u32;
        let voters_deciding_not_to_vote = count(Remark::DecidedNotToVote);
        let voters_not_allowed_to_vote = count(Remark::VotingProcedureViolated);
        let item_5 = machines.iter().map(|machine| u64::from(machine.votes_recorded)).sum::<u64>();
        let item_six = ItemSixTally::compare(
            item_5,
            u64::from(voters_in_register),
            u64::from(voters_deciding_not_to_vote),
            u64::from(voters_not_allowed_to_vote),
        );
        let mut issued = poll.tendered_ballot_papers_issued.clone();
        issued.sort_unstable();
        let tendered_ballot_papers = TenderedBallotPaperAccount {
            received: poll.tendered_ballot_papers,
            not_used_and_returned: poll
                .tendered_ballot_papers
                .map_or(0, |range| range.len().saturating_sub(issued.len() as u64)),
            issued,
        };
        let mut used = poll.paper_seals_used.clone();
        used.sort_unstable();
        let mut damaged = poll.paper_seals_damaged.clone();
        damaged.sort_unstable();
        let supplied: Vec<SerialRange> = poll.paper_seals.iter().map(|(_, range)| *range).collect();
        let total_supplied = supplied.iter().map(|range| range.len()).sum::<u64>();
        let consumed = (used.len() + damaged.len()) as u64;
        let paper_seals = PaperSealAccount {
            supplied,
            total_supplied,
            used: consumed,
            unused_returned: total_supplied.saturating_sub(consumed),
            damaged,
        };
        Ok(Form16CPartOne {
            identity: self.identity.clone(),
            poll: poll.kind,
            session,
            adjourned_polls: poll.session,
            machines,
            electors_assigned: self.electors_assigned,
            voters_in_register,
            voters_deciding_not_to_vote,
            voters_not_allowed_to_vote,
            item_5,
            item_six,
            voters_issued_tendered_ballot_papers: poll.tendered_votes.len() as u32,
            tendered_ballot_papers,
            paper_seals,
        })
    }

    /// The station-level properties found broken in the current poll: the
    /// irregularities that show one, then ITEM-6 when Form 16C Part I can be
    /// prepared and does not tally.
    pub fn findings(&self) -> Vec<StationFinding> {
        let mut findings: Vec<StationFinding> = self
            .irregularities()
            .iter()
            .filter_map(|irregularity| {
                irregularity.property().map(|property| StationFinding {
                    property,
                    detail: serde_json::to_string(irregularity).unwrap_or_default(),
                })
            })
            .collect();
        if let Ok(part_one) = self.form_16c_part_one() {
            if let ItemSixTally::Discrepancy { .. } = part_one.item_six {
                findings.push(StationFinding { property: Property::Item6, detail: part_one.item_six.to_string() });
            }
        }
        findings
    }
}

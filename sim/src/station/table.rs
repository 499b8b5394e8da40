//! The elector at the table: `Ballot` for the elector (39L(2)), the vote
//! the machine records, an enable the machine cancels, the officers'
//! refusals (39M, 39O) and the remarks of 39N and 39L(6)–(7).

use super::*;

impl PollingStation {
    pub(super) fn ballot_pressed(
        &mut self,
        now: Timestamp,
        elector: ElectorNumber,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        self.require_phase(&StationAction::BallotPressed { elector }, &[StationPhase::Open], "39L(2)")?;
        let poll = self.current_poll();
        let (_, progress) = poll.entry_in_session(elector)?;
        if progress != EntryProgress::AwaitingBallot {
            return Err(poll.status_refusal(elector, poll.elector(elector)?));
        }
        if let Some(inside) = poll.compartment {
            return Err(StationRefusal::CompartmentOccupied { inside });
        }
        let poll = self.poll_mut();
        if poll.stale_enable {
            poll.record(Irregularity::BallotPressedOnPendingEnable { at: now, elector }, accepted);
        }
        if let ElectorStatus::Entered { progress, .. } = &mut poll.elector_mut(elector).status {
            *progress = EntryProgress::BallotPressed;
        }
        poll.compartment = Some(elector);
        poll.tendered_in_compartment = None;
        Ok(())
    }
    /// A fact: always accepted; what the papers make of it is recorded.
    pub(super) fn vote_recorded(&mut self, now: Timestamp, accepted: &mut Accepted) {
        let poll = self.poll_mut();
        let phase = poll.phase;
        if phase != StationPhase::Open {
            if let Some(machine) = poll.current_machine_mut() {
                machine.votes_reported_outside_poll = machine.votes_reported_outside_poll.saturating_add(1);
            }
            let control_unit = poll.current_control_unit();
            poll.record(Irregularity::VoteOutsidePoll { at: now, control_unit, phase }, accepted);
            return;
        }
        if let Some(machine) = poll.current_machine_mut() {
            machine.votes_reported = machine.votes_reported.saturating_add(1);
        }
        // The machine holds at most one enable: any vote uses it up.
        let stale_enable = std::mem::take(&mut poll.stale_enable);
        poll.stale_enable_left_by = None;
        match poll.compartment.take() {
            Some(elector) => {
                let record = poll.elector_mut(elector);
                let voted_before_adjournment = record.voted_before_adjournment;
                if let ElectorStatus::Entered { progress, .. } = &mut record.status {
                    *progress = EntryProgress::Voted;
                }
                if voted_before_adjournment {
                    poll.record(Irregularity::VotedAgainAfterAdjournment { at: now, elector }, accepted);
                }
            }
            None => {
                let tendered_elector = poll.tendered_in_compartment.take();
                // The machine's name is copied into an irregularity only, never for a lawful vote.
                let control_unit = poll.current_control_unit();
                poll.record(
                    Irregularity::VoteWithoutPermission { at: now, control_unit, stale_enable, tendered_elector },
                    accepted,
                );
            }
        }
    }
    /// A fact: the machine cancelled its pending enable without a vote.
    /// The elector in the compartment may be given `Ballot` again; an enable
    /// an officer left pending is gone, lawfully in the end.
    pub(super) fn enable_cancelled(&mut self, now: Timestamp, accepted: &mut Accepted) {
        let poll = self.poll_mut();
        if let Some(elector) = poll.compartment.take() {
            if let ElectorStatus::Entered { progress, .. } = &mut poll.elector_mut(elector).status {
                *progress = EntryProgress::AwaitingBallot;
            }
        }
        if std::mem::take(&mut poll.stale_enable) {
            if let Some(elector) = poll.stale_enable_left_by.take() {
                poll.record(Irregularity::LeftEnableCancelled { at: now, elector }, accepted);
            }
        }
    }
    pub(super) fn officer_refused(&mut self, now: Timestamp, kind: OfficerRefusalKind, elector: ElectorNumber) {
        let poll = self.poll_mut();
        if poll.officer_refusals.len() < MAX_IRREGULARITIES_PER_POLL {
            poll.officer_refusals.push(OfficerRefusal { at: now, elector, kind });
        }
    }
    pub(super) fn remark(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        elector: ElectorNumber,
        remark: Remark,
        cancelled_enable: bool,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], remark.rule())?;
        let poll = self.current_poll();
        let (register_serial, progress) = poll.entry_in_session(elector)?;
        if !matches!(progress, EntryProgress::AwaitingBallot | EntryProgress::BallotPressed) {
            return Err(poll.status_refusal(elector, poll.elector(elector)?));
        }
        let enable_pending = progress == EntryProgress::BallotPressed;
        if cancelled_enable && !enable_pending {
            return Err(StationRefusal::NoPendingEnable { elector });
        }
        let poll = self.poll_mut();
        if let Some(entry) = poll.register.get_mut((register_serial as usize).saturating_sub(1)) {
            entry.remark = Some(remark);
        }
        if let ElectorStatus::Entered { progress, .. } = &mut poll.elector_mut(elector).status {
            *progress = match remark {
                Remark::DecidedNotToVote => EntryProgress::DecidedNotToVote,
                Remark::VotingProcedureViolated => EntryProgress::NotAllowedToVote,
            };
        }
        if enable_pending {
            poll.compartment = None;
            if !cancelled_enable {
                poll.stale_enable = true;
                poll.stale_enable_left_by = Some(elector);
                poll.record(Irregularity::EnableLeftPending { at: now, elector, remark }, accepted);
            }
        }
        Ok(())
    }

    /// 39D: an elector enters the polling station (after the hour: 39Q(1)).
    pub(super) fn elector_arrived(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        elector: ElectorNumber,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Preparation, StationPhase::Open], "39D")?;
        let poll = self.current_poll();
        let record = poll.elector(elector)?;
        if record.present {
            return Err(StationRefusal::AlreadyPresent { elector });
        }
        let after_hour = poll.hour_reached;
        let poll = self.poll_mut();
        poll.elector_mut(elector).present = true;
        if after_hour {
            poll.record(Irregularity::AdmittedAfterHour { at: now, elector }, accepted);
        }
        Ok(())
    }

    /// 39H: an elector identified; 39O(1): a claimant for one who has voted.
    pub(super) fn elector_identified(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        elector: ElectorNumber,
        accepted: &mut Accepted,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39H")?;
        let poll = self.current_poll();
        let record = poll.elector(elector)?;
        let claimant = match record.status {
            ElectorStatus::NotSeen => false,
            ElectorStatus::Identified | ElectorStatus::InkMarked => {
                return Err(StationRefusal::AlreadyIdentified { elector })
            }
            // 39O(1): someone has already voted (or stands entered)
            // as this elector; the person now claiming to be the
            // elector is identified for a tendered ballot paper.
            ElectorStatus::Entered { .. } if !record.claimant_identified => true,
            ElectorStatus::Entered { .. } => return Err(StationRefusal::AlreadyIdentified { elector }),
            _ => return Err(poll.status_refusal(elector, record)),
        };
        let after_hour = poll.hour_reached && !record.present;
        let poll = self.poll_mut();
        if after_hour {
            poll.record(Irregularity::AdmittedAfterHour { at: now, elector }, accepted);
        }
        let record = poll.elector_mut(elector);
        record.present = true;
        if claimant {
            record.claimant_identified = true;
        } else {
            record.status = ElectorStatus::Identified;
        }
        Ok(())
    }

    /// 39I(1): a polling agent challenges an identified elector's identity.
    pub(super) fn identity_challenged(
        &mut self,
        action: &StationAction,
        elector: ElectorNumber,
        challenger: &str,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39I")?;
        check_name("the challenger's name", challenger)?;
        // 39I(1): a deposit "for each such challenge": an elector
        // may be challenged again after an inquiry, and any number
        // of electors in a day.
        self.current_poll().elector_where(elector, |status| status == ElectorStatus::Identified)?;
        let poll = self.poll_mut();
        let serial = poll.challenges.len() as u32 + 1;
        poll.challenges.push(ChallengeEntry {
            serial,
            elector,
            challenger: challenger.to_owned(),
            deposit_rupees: CHALLENGE_DEPOSIT_RUPEES,
            order: None,
        });
        poll.elector_mut(elector).status = ElectorStatus::Challenged;
        Ok(())
    }

    /// 39I(4)–(5): the inquiry decided, the deposit returned or forfeited.
    pub(super) fn challenge_decided(
        &mut self,
        action: &StationAction,
        elector: ElectorNumber,
        established: bool,
        deposit: DepositOutcome,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39I")?;
        let poll = self.current_poll();
        let record = poll.elector(elector)?;
        let pending = poll.challenges.iter().rposition(|entry| entry.elector == elector && entry.order.is_none());
        let (ElectorStatus::Challenged, Some(index)) = (record.status, pending) else {
            return Err(StationRefusal::NoChallengePending { elector });
        };
        let poll = self.poll_mut();
        poll.challenges[index].order = Some(ChallengeOrder { established, deposit });
        poll.elector_mut(elector).status =
            if established { ElectorStatus::Debarred } else { ElectorStatus::Identified };
        Ok(())
    }

    /// 39J(1): the finger inspected and marked with indelible ink.
    pub(super) fn ink_marked(&mut self, action: &StationAction, elector: ElectorNumber) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39J")?;
        self.current_poll().elector_where(elector, |status| status == ElectorStatus::Identified)?;
        self.poll_mut().elector_mut(elector).status = ElectorStatus::InkMarked;
        Ok(())
    }

    /// 39J(2): the ink check failed; the elector may not vote.
    pub(super) fn ink_check_failed(
        &mut self,
        action: &StationAction,
        elector: ElectorNumber,
        reason: InkCheckFailure,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39J")?;
        self.current_poll()
            .elector_where(elector, |status| matches!(status, ElectorStatus::Identified | ElectorStatus::InkMarked))?;
        let poll = self.poll_mut();
        poll.ink_check_failures.push((elector, reason));
        poll.elector_mut(elector).status = ElectorStatus::FailedInkCheck;
        Ok(())
    }

    /// 39K: the elector entered in the register of voters (Form 16A).
    pub(super) fn entered_in_register(
        &mut self,
        action: &StationAction,
        elector: ElectorNumber,
        thumb_impression: bool,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39K")?;
        self.current_poll().elector_where(elector, |status| status == ElectorStatus::InkMarked)?;
        let poll = self.poll_mut();
        let register_serial = poll.register.len() as u32 + 1;
        let session = poll.session;
        poll.register.push(RegisterOfVotersEntry {
            session,
            serial: register_serial,
            elector,
            thumb_impression,
            remark: None,
        });
        let session = poll.session;
        poll.elector_mut(elector).status =
            ElectorStatus::Entered { register_serial, session, progress: EntryProgress::AwaitingBallot };
        Ok(())
    }

    /// 39M(1): a companion permitted for a blind or infirm elector.
    pub(super) fn companion_permitted(
        &mut self,
        action: &StationAction,
        elector: ElectorNumber,
        companion: &str,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39M")?;
        check_name("the companion's name", companion)?;
        let poll = self.current_poll();
        let (_, progress) = poll.entry_in_session(elector)?;
        if !matches!(progress, EntryProgress::AwaitingBallot | EntryProgress::BallotPressed) {
            return Err(poll.status_refusal(elector, poll.elector(elector)?));
        }
        if poll.elector(elector)?.has_companion {
            return Err(StationRefusal::CompanionAlreadyPermitted { elector });
        }
        if let Some((_, earlier)) = poll
            .companions
            .iter()
            .find(|(session, entry)| *session == poll.session && same_person(&entry.companion, companion))
        {
            return Err(StationRefusal::CompanionAlreadyActed {
                companion: companion.to_owned(),
                elector: earlier.elector,
            });
        }
        let poll = self.poll_mut();
        let session = poll.session;
        poll.companions.push((session, CompanionEntry { elector, companion: companion.to_owned() }));
        poll.elector_mut(elector).has_companion = true;
        Ok(())
    }

    /// 39M: the presiding officer refuses a companion.
    pub(super) fn companion_refused(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        elector: ElectorNumber,
        reason: CompanionRefusal,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39M")?;
        self.current_poll().elector(elector)?;
        self.officer_refused(now, OfficerRefusalKind::Companion(reason), elector);
        Ok(())
    }

    /// 39O: the presiding officer refuses a tendered ballot paper to a claimant.
    pub(super) fn tendered_ballot_paper_refused(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        elector: ElectorNumber,
        reason: TenderedBallotPaperRefusal,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39O")?;
        self.current_poll().elector(elector)?;
        self.officer_refused(now, OfficerRefusalKind::TenderedBallotPaper(reason), elector);
        let record = self.poll_mut().elector_mut(elector);
        record.claimant_identified = false;
        if record.voted_before_adjournment && !matches!(record.status, ElectorStatus::Entered { .. }) {
            record.status = ElectorStatus::NotSeen;
        }
        Ok(())
    }

    /// 39O(2): a tendered ballot paper issued to the claimant (Form 16B).
    pub(super) fn tendered_ballot_paper_issued(
        &mut self,
        action: &StationAction,
        elector: ElectorNumber,
        ballot_paper: u32,
        thumb_impression: bool,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39O")?;
        let poll = self.current_poll();
        let record = poll.elector(elector)?;
        // Someone has voted as this elector: at this session (an
        // entry), or before an adjournment (the marked roll, 39V(2)).
        let earlier_entry =
            || poll.register.iter().rev().find(|entry| entry.elector == elector).map(|entry| entry.serial);
        let register_serial = match record.status {
            ElectorStatus::Entered { register_serial, .. } => register_serial,
            _ if record.voted_before_adjournment => earlier_entry().ok_or(StationRefusal::EntryNotUsed { elector })?,
            _ => return Err(StationRefusal::EntryNotUsed { elector }),
        };
        let Some(papers) = poll.tendered_ballot_papers else {
            return Err(StationRefusal::TenderedBallotPapersNotReceived);
        };
        if !papers.contains(ballot_paper) {
            return Err(StationRefusal::TenderedBallotPaperNotReceived { ballot_paper });
        }
        if poll.tendered_ballot_papers_issued.contains(&ballot_paper) {
            return Err(StationRefusal::TenderedBallotPaperAlreadyIssued { ballot_paper });
        }
        let poll = self.poll_mut();
        let serial = poll.tendered_votes.len() as u32 + 1;
        poll.tendered_votes.push(TenderedVoteEntry {
            serial,
            elector,
            register_serial_of_person_who_voted: register_serial,
            ballot_paper,
            thumb_impression,
        });
        poll.tendered_ballot_papers_issued.push(ballot_paper);
        poll.tendered_in_compartment = Some(elector);
        let record = poll.elector_mut(elector);
        record.claimant_identified = false;
        // A claimant for an elector who voted before an adjournment
        // leaves with the paper: the next one is identified afresh.
        if !matches!(record.status, ElectorStatus::Entered { .. }) {
            record.status = ElectorStatus::NotSeen;
        }
        Ok(())
    }

    /// 39P: the presiding officer entered the voting compartment.
    pub(super) fn presiding_officer_entered_compartment(
        &mut self,
        now: Timestamp,
        action: &StationAction,
        polling_agents_accompanied: bool,
    ) -> Result<(), StationRefusal> {
        self.require_phase(action, &[StationPhase::Open], "39P")?;
        let poll = self.poll_mut();
        if poll.presiding_officer_entries.len() < MAX_COMPARTMENT_ENTRIES {
            poll.presiding_officer_entries.push((now, polling_agents_accompanied));
        }
        Ok(())
    }
}

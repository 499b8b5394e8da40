//! The machine in the replay: each input stepped through the target and
//! the reference model together, the difference attributed to the property
//! it breaks, the lawful alternatives followed (two buttons at once, a press
//! cut before its beep), the result readout and the observation points.

use super::*;

impl Replay<'_> {
    /// Presses `input` on the target and the reference model together and
    /// judges the difference; the papers hear nothing here (the road does
    /// that: [`evm_sim::station::road::press`]).
    pub(super) fn unit_input(
        &mut self,
        line: &TraceLine,
        now: Timestamp,
        input: Input,
    ) -> Result<Pressed, TargetError> {
        let closed_before = self.reference.is_closed();
        let enabled_before = self.reference.ballot_enabled();
        let mut expected = self.reference.step(now, input);
        if input == Input::Close && expected.accepted {
            self.enable_pending_at_close = enabled_before;
        }
        let observed = self.target.step(now, input)?;
        self.machine_used = true;
        if let Some(entries) = expected.one_of_two {
            self.two_buttons_at_once(line, now, entries, &observed, &mut expected);
        }
        self.compare(line, input, closed_before, &expected, &observed);
        if input == Input::Close && observed.refusal.is_none() {
            self.machine.total_at_close = Some(observed.total);
        }
        if input == Input::Result && observed.refusal.is_none() {
            let readout = self.target.result_readout()?;
            self.check_readout(line, readout.as_ref());
            self.result_at_counting(line, readout.as_ref());
            self.machine.readout = readout;
        }
        if input == Input::Clear && observed.refusal.is_none() {
            self.clear_after_counting(line);
        }
        self.last_observation = Some(observed);
        Ok(Pressed {
            refusal: observed.refusal,
            votes_recorded: observed.votes_recorded,
            // Every reply carries what `Total` would show now.
            total_shown: Some(observed.total),
            // An enable cancelled without a vote (a power cut, a unit
            // detached…): the elector may be given `Ballot` again. The
            // close's cancellation is the station's own close action.
            enable_cancelled: expected.enable_cancelled && input != Input::Close,
            cleared: input == Input::Clear && observed.refusal.is_none(),
        })
    }
    /// A press with the power cut before its beep. A vote is durable before
    /// its beep (RETAIN), so the machine lawfully either kept it or never
    /// recorded it; the enable is gone either way and the elector may be
    /// given `Ballot` again. Never two votes. The reference follows the
    /// machine, and an advisory says which it did.
    pub(super) fn press_cut_before_beep(
        &mut self,
        header: &Header,
        line: &TraceLine,
        press: Input,
    ) -> Result<(), TargetError> {
        let before = self.reference.clone();
        let expected = self.reference.step(line.at, press);
        let observed = self.target.step(line.at, press)?;
        self.machine_used = true;
        let kept = observed.votes_recorded == 1 && expected.votes_recorded == 1;
        let lost = observed.votes_recorded == 0 && expected.votes_recorded == 1;
        if lost {
            // As if the cut came first: the reference never recorded it.
            self.reference = before;
        }
        let closed_before = self.reference.is_closed();
        let judged =
            if lost { Expected { accepted: observed.refusal.is_none(), ..Expected::default() } } else { expected };
        if kept || lost {
            self.find(Finding::advisory(
                "61N: a vote is durable before its beep",
                line.line,
                describe(line),
                "the vote kept, or never recorded; never two".to_owned(),
                if kept {
                    "the machine kept the vote pressed before the cut".to_owned()
                } else {
                    "the machine had not recorded the vote when the power was cut; the elector may be given Ballot again".to_owned()
                },
            ));
        }
        self.compare(line, press, closed_before, &judged, &observed);
        self.last_observation = Some(observed);
        let mut port = super::port::Judged::new(self, header, line, None);
        for _ in 0..observed.votes_recorded {
            port.record(line.at, &StationAction::VoteRecorded {})?;
        }
        // The cut itself: the enable (if the vote was not recorded) goes with it.
        if port.is_powered() {
            road::press(&mut port, line.at, Input::PowerOff)?;
        }
        Ok(())
    }
    /// Two buttons pressed at once on an enabled ballot (practice: at most
    /// one vote). No vote (the enable stays) and one vote for one of the two
    /// (the enable used) are both lawful: the reference follows the machine,
    /// and an advisory says which it did. Two votes stay a ONE-VOTE violation.
    pub(super) fn two_buttons_at_once(
        &mut self,
        line: &TraceLine,
        now: Timestamp,
        entries: (usize, usize),
        observed: &Observation,
        expected: &mut Expected,
    ) {
        let (first, second) = (entries.0 + 1, entries.1 + 1);
        let did = match observed.votes_recorded {
            0 => format!("recorded no vote for ballot entries {first} and {second} pressed at once; the enable stays for the elector to press again"),
            1 => {
                self.reference.adopt_one_of_two(now, entries);
                expected.votes_recorded = 1;
                format!("recorded one vote for one of ballot entries {first} and {second}, pressed at once (the result shows which); the enable is used")
            }
            _ => return,
        };
        expected.accepted = observed.refusal.is_none();
        self.find(Finding::advisory(
            "39L(2); practice: two buttons at once record at most one vote",
            line.line,
            describe(line),
            "at most one vote for two buttons pressed at once".to_owned(),
            format!("the machine {did}"),
        ));
    }
    /// Compares one step of the target with the reference and attributes any
    /// difference to the property it breaks.
    // Longer than 70 lines on purpose: one check a property, each attributing a difference to the
    // property it breaks.
    pub(super) fn compare(
        &mut self,
        line: &TraceLine,
        input: Input,
        closed_before: bool,
        expected: &Expected,
        observed: &Observation,
    ) {
        if observed.candidate_disclosed {
            self.violation(
                Some(Property::Secrecy),
                line,
                "a vote recorded without naming its candidate".into(),
                "the unit disclosed the candidate of the vote".into(),
            );
        }
        if observed.votes_recorded != expected.votes_recorded {
            let property = if observed.votes_recorded < expected.votes_recorded {
                None
            } else if closed_before {
                Some(if self.enable_pending_at_close { Property::BoothCapture } else { Property::Close })
            } else {
                Some(Property::OneVote)
            };
            self.violation(
                property,
                line,
                format!("{} vote(s) recorded", expected.votes_recorded),
                format!("{} vote(s) recorded", observed.votes_recorded),
            );
            return;
        }
        let accepted = observed.refusal.is_none();
        if accepted != expected.accepted {
            let property = match (input, accepted) {
                (Input::Result, true) => Some(Property::SealedResult),
                (Input::CandSet { .. }, true) => Some(Property::CandidateSet),
                (Input::Clear | Input::FirstLevelCheck, true) => Some(Property::Retain),
                (Input::Ballot, true) if self.reference.is_closed() => Some(Property::Close),
                (Input::Ballot, true) => Some(Property::OneVote),
                (Input::Close | Input::DetachBallotingUnit { .. }, false) => Some(Property::BoothCapture),
                _ => None,
            };
            let mut expected_text = if expected.accepted { "accepted".to_owned() } else { "refused".to_owned() };
            if input == Input::Ballot && expected.rate_limited {
                // The booth-capture safeguard, judged as the board announced it.
                let rule = match self.profile.rate_rule {
                    evm_sim::RateRule::SlidingWindow => "at most N votes in any 60,000 ms",
                    evm_sim::RateRule::MinimumInterval => "at least ceil(60,000 / N) ms from a vote to the next Ballot",
                };
                let votes = self.profile.rate_limit_votes_per_minute.unwrap_or(0);
                expected_text = format!("refused rate_limited: {rule}, N = {votes}, as the profile announces");
                let observed_text = "accepted".to_owned();
                let mut finding = Finding::violation(None, line.line, describe(line), expected_text, observed_text);
                finding.rule = "practice: the vote-rate limit as announced".to_owned();
                self.find(finding);
                return;
            }
            let observed_text = match observed.refusal {
                Some(refusal) => format!("refused: {} ({})", refusal.code(), refusal.rule()),
                None => "accepted".to_owned(),
            };
            let mut finding = Finding::violation(property, line.line, describe(line), expected_text, observed_text);
            if let (None, Some(refusal)) = (property, observed.refusal) {
                // A refusal the reference did not predict: the machine's own
                // verdict, in the words of the rule it cited.
                finding.rule = format!("unexplained refusal (the board cited {})", refusal.rule());
            }
            self.find(finding);
            return;
        }
        let reference_busy = self.reference.is_powered() && self.reference.ballot_enabled();
        if observed.lamps.busy != reference_busy {
            let property = if self.reference.is_closed() { Property::BoothCapture } else { Property::OneVote };
            self.violation(
                Some(property),
                line,
                format!("Busy lamp {}", if reference_busy { "on" } else { "off" }),
                format!("Busy lamp {}", if observed.lamps.busy { "on" } else { "off" }),
            );
            return;
        }
        if observed.total != self.reference.total() {
            let property = match input {
                Input::Clear => Property::Zero,
                Input::PressButton { .. } | Input::PressTwoButtons { .. } => Property::PartII,
                _ => Property::Retain,
            };
            self.violation(
                Some(property),
                line,
                format!("total {}", self.reference.total()),
                format!("total {}", observed.total),
            );
            return;
        }
        if input == Input::Total && accepted {
            // Judged on what the display shows, whatever the wording.
            let total = self.reference.total();
            let display = observed.display.text();
            if let Err(reason) = crate::total_display::shows_total_only(display.as_str(), total) {
                self.violation(
                    Some(Property::TotalOnly),
                    line,
                    format!("the display to show the total ({total}) and no other number"),
                    format!("display {:?}: {reason}", display.as_str()),
                );
            }
        }
    }
    pub(super) fn check_readout(&mut self, line: &TraceLine, readout: Option<&Readout>) {
        let Some(readout) = readout else {
            self.violation(None, line, "the result readout after Result".into(), "no readout".into());
            return;
        };
        let sum: u64 = readout.counts.iter().map(|&count| u64::from(count)).sum();
        if sum != u64::from(readout.total) {
            self.violation(
                Some(Property::PartII),
                line,
                format!("candidate counts summing to the total shown ({})", readout.total),
                format!("candidate counts summing to {sum}"),
            );
        } else if self.machine.total_at_close.is_some_and(|total| total != readout.total) {
            let total_at_close = self.machine.total_at_close.unwrap_or_default();
            self.find(Finding {
                kind: FindingKind::Discrepancy,
                property: Some(Property::PartII),
                rule: Property::PartII.rule().to_owned(),
                line: line.line,
                event: describe(line),
                expected: format!("Part II total = the total shown at Close ({total_at_close})"),
                observed: format!("Part II total {}", readout.total),
            });
        } else if !self.reference.counts_possible(&readout.counts) {
            self.violation(
                Some(Property::Retain),
                line,
                format!("counts {:?}", self.reference.counts()),
                format!("counts {:?}", readout.counts),
            );
        }
    }
    pub(super) fn expect(&mut self, line: &TraceLine, expectation: &Expectation) {
        let Some(observed) = self.last_observation else {
            self.violation(None, line, "an observation point after a unit event".into(), "no unit event yet".into());
            return;
        };
        let mut mismatches = Vec::new();
        let mut check = |name: &str, expected: Option<String>, observed: String| {
            if let Some(expected) = expected {
                if expected != observed {
                    mismatches.push((format!("{name} {expected}"), format!("{name} {observed}")));
                }
            }
        };
        if expectation.display.is_some() {
            check("display", expectation.display.clone(), observed.display.text().as_str().to_owned());
        }
        check("total", expectation.total.map(|total| total.to_string()), observed.total.to_string());
        check("on", expectation.on.map(|on| on.to_string()), observed.lamps.on.to_string());
        check("busy", expectation.busy.map(|busy| busy.to_string()), observed.lamps.busy.to_string());
        check("ready", expectation.ready.map(|ready| ready.to_string()), observed.lamps.ready.to_string());
        check(
            "refused",
            expectation.refused.clone(),
            observed.refusal.map(|refusal| refusal.code()).unwrap_or("(accepted)").to_owned(),
        );
        check(
            "accepted",
            expectation.accepted.map(|accepted| accepted.to_string()),
            observed.refusal.is_none().to_string(),
        );
        check(
            "votes_recorded",
            expectation.votes_recorded.map(|votes| votes.to_string()),
            observed.votes_recorded.to_string(),
        );
        for (expected, observed) in mismatches {
            self.violation(None, line, expected, observed);
        }
    }
    pub(super) fn expect_result(&mut self, line: &TraceLine, counts: &[u32], total: u32) {
        let observed = self.machine.readout.as_ref().map(|readout| (readout.counts.clone(), readout.total));
        if observed.as_ref() != Some(&(counts.to_vec(), total)) {
            self.violation(
                None,
                line,
                format!("result counts {counts:?} total {total}"),
                match observed {
                    Some((counts, total)) => format!("result counts {counts:?} total {total}"),
                    None => "no result read".into(),
                },
            );
        }
    }
}

//! The account as the presiding officer wrote it (39R) and the counting of
//! a station's machines (61G–61P, the counting circular), checked against
//! the machine's own figures and the papers. Docs: docs/TRACE_FORMAT.md
//! section 3.6, docs/RULES.md "The counting chain".

use super::{describe, MachineInReplay, Replay};
use crate::target::{Readout, TargetError};
use crate::trace::{BoxParticulars, CountingEvent, Header, TraceLine, WrittenItemSix};
use crate::verdict::{Finding, FindingKind};
use evm_sim::station::StationPhase;
use evm_sim::unit::Input;
use evm_sim::Property;

/// What the counting of one control unit has shown so far.
#[derive(Clone, Debug, Default)]
pub(super) struct CountingRecord {
    /// Brought to a counting table: (round, table).
    pub received: Option<(u32, u32)>,
    /// 61G(4): set aside as tampered with.
    pub tampered: bool,
    /// 61G(2): the paper seal found intact, or not.
    pub seal_intact: Option<bool>,
    /// Checked by the observer's staff.
    pub observer_checked: bool,
    /// `Result` pressed at the counting table and accepted.
    pub result_read: bool,
    /// The first readout at counting, for a recount to agree with.
    pub first_readout: Option<Readout>,
    /// Part II as the counting supervisor wrote it: counts and total.
    pub part_two_written: Option<(Vec<u32>, u32)>,
    /// 61N: resealed with its memory kept.
    pub resealed: bool,
}

/// Part I items 2 to 6 as the presiding officer wrote them (39R).
#[derive(Clone, Copy, Debug)]
pub(super) struct WrittenAccount {
    pub item_2: u32,
    pub item_3: u32,
    pub item_4: u32,
    pub item_5: u32,
    pub item_6: WrittenItemSix,
    pub line: usize,
}

impl Replay<'_> {
    /// A line of the account as written or of the counting.
    // Longer than 70 lines on purpose: the counting's dispatcher: one arm a counting event
    // (docs/TRACE_FORMAT.md section 3.6).
    pub(super) fn counting_event(
        &mut self,
        header: &Header,
        line: &TraceLine,
        event: &CountingEvent,
    ) -> Result<(), TargetError> {
        if let Some(control_unit) = event.control_unit() {
            if !self.take_up(control_unit)? {
                return Ok(());
            }
        }
        match event {
            CountingEvent::AccountWritten { item_2, item_3, item_4, item_5, item_6 } => {
                let written = WrittenAccount {
                    item_2: *item_2,
                    item_3: *item_3,
                    item_4: *item_4,
                    item_5: *item_5,
                    item_6: *item_6,
                    line: line.line,
                };
                self.account_written(line, written);
            }
            CountingEvent::MachineReceived { round, table, .. } => {
                self.machine.counting.received = Some((*round, *table));
            }
            CountingEvent::SealInspected { paper_seal, intact, .. } => {
                self.machine.counting.seal_intact = Some(*intact);
                self.seal_inspected(line, *paper_seal, *intact);
            }
            CountingEvent::TamperFound { .. } => self.machine.counting.tampered = true,
            CountingEvent::PartTwoWritten { counts, total, .. } => {
                let readout = self.machine.counting.first_readout.clone();
                match readout {
                    Some(readout) if readout.counts != *counts || readout.total != *total => {
                        self.counting_discrepancy(
                            line,
                            Some(Property::PartII),
                            "61H(2)(a)",
                            format!(
                                "Part II as the display showed it: counts {:?}, total {}",
                                readout.counts, readout.total
                            ),
                            format!("Part II written: counts {counts:?}, total {total}"),
                        );
                    }
                    Some(_) => {}
                    None => self.counting_discrepancy(
                        line,
                        Some(Property::PartII),
                        "61H(1)",
                        "Part II written from the display after Result at the counting table".to_owned(),
                        "Part II written with no result read at counting".to_owned(),
                    ),
                }
                self.machine.counting.part_two_written = Some((counts.clone(), *total));
            }
            CountingEvent::ObserverCheck { counts, total, .. } => {
                self.machine.counting.observer_checked = true;
                let noted = self.machine.counting.part_two_written.clone().or_else(|| {
                    self.machine.counting.first_readout.as_ref().map(|readout| (readout.counts.clone(), readout.total))
                });
                if let Some((part_two, part_two_total)) =
                    noted.filter(|(part_two, part_two_total)| part_two != counts || part_two_total != total)
                {
                    self.counting_discrepancy(
                        line,
                        Some(Property::PartII),
                        "counting circular: the observer's random check",
                        format!(
                            "the observer's statement equal to Part II: counts {part_two:?}, total {part_two_total}"
                        ),
                        format!("the observer's staff noted counts {counts:?}, total {total}"),
                    );
                }
            }
            CountingEvent::Recount { .. } => {
                self.unit_input(line, line.at, Input::Result)?;
                let first = self.machine.counting.first_readout.clone();
                if let (Some(first), Some(again)) = (first, self.machine.readout.clone()) {
                    if first != again {
                        self.violation(
                            Some(Property::Retain),
                            line,
                            format!("the recount equal to the count: counts {:?}, total {}", first.counts, first.total),
                            format!("counts {:?}, total {}", again.counts, again.total),
                        );
                    }
                }
            }
            CountingEvent::MachineResealed { r#box, .. } => {
                self.machine_resealed(header, line, r#box);
            }
        }
        Ok(())
    }

    /// Takes `control_unit` up at the counting table: the machine in use,
    /// or one that left use earlier (the target takes it back). `false`
    /// when the target keeps one machine only: the trace is then not
    /// applicable to it.
    fn take_up(&mut self, control_unit: &str) -> Result<bool, TargetError> {
        if self.machine.control_unit == control_unit {
            return Ok(true);
        }
        let Some(index) = self.machines.iter().position(|machine| machine.control_unit == control_unit) else {
            // Named by no machine_installed of the trace: the parser refuses it.
            return Ok(true);
        };
        if !self.target.resume_machine(self.machines[index].target_index)? {
            self.not_applicable = Some(format!(
                "the counting takes up control unit {control_unit} after another machine came into use; target {} keeps one machine only",
                self.target.name()
            ));
            return Ok(false);
        }
        let mut taken = self.machines.remove(index);
        let reference = taken.reference.take().unwrap_or_else(|| crate::reference::ReferenceUnit::new(self.profile));
        let mut current = std::mem::replace(&mut self.machine, taken);
        current.reference = Some(std::mem::replace(&mut self.reference, reference));
        self.machines.push(current);
        self.last_observation = None;
        self.enable_pending_at_close = false;
        Ok(true)
    }

    /// A result read at the counting table: the machine must have been
    /// received, not set aside, and its poll complete (61G(4), 61P(1)).
    pub(super) fn result_at_counting(&mut self, line: &TraceLine, readout: Option<&Readout>) {
        if self.machine.counting.received.is_none() {
            return;
        }
        if self.machine.counting.tampered {
            self.procedural(
                line,
                "61G(4)",
                "a machine found tampered with is not counted".to_owned(),
                format!("Result read on control unit {}, set aside as tampered with", self.machine.control_unit),
            );
        }
        match self.poll_phase_of(&self.machine.control_unit.clone()) {
            Some(StationPhase::Closed) | None => {}
            Some(StationPhase::Voided) => self.procedural(
                line,
                "s.62, s.63(2)(a)",
                "the machines of a poll declared void are not counted".to_owned(),
                format!("Result read on control unit {} of a voided poll", self.machine.control_unit),
            ),
            Some(phase) => self.procedural(
                line,
                "61P(1)",
                "counting only after the poll (and any adjourned or fresh poll) has been held".to_owned(),
                format!("Result read on control unit {} while its poll is {phase}", self.machine.control_unit),
            ),
        }
        self.machine.counting.result_read = true;
        if self.machine.counting.first_readout.is_none() {
            self.machine.counting.first_readout = readout.cloned();
        }
    }

    /// `Clear` on a machine whose result was taken at counting: 61N keeps
    /// the memory.
    pub(super) fn clear_after_counting(&mut self, line: &TraceLine) {
        if self.machine.counting.result_read || self.machine.counting.resealed {
            self.procedural(
                line,
                "61N(1)",
                "the unit resealed so that it retains the memory of the result".to_owned(),
                format!("Clear pressed on control unit {} after its result was counted", self.machine.control_unit),
            );
        }
    }

    /// The phase of the poll whose machine `control_unit` is, from the
    /// header's station's papers.
    fn poll_phase_of(&self, control_unit: &str) -> Option<StationPhase> {
        let station = self.stations.first()?;
        station
            .polls()
            .iter()
            .find(|poll| poll.machines().iter().any(|machine| machine.control_unit == control_unit))
            .map(|poll| poll.phase())
    }

    fn seal_inspected(&mut self, line: &TraceLine, paper_seal: u32, intact: bool) {
        let control_unit = self.machine.control_unit.clone();
        let recorded = self.stations.first().and_then(|station| {
            station
                .polls()
                .iter()
                .flat_map(|poll| poll.machines())
                .find(|machine| machine.control_unit == control_unit)
                .map(|machine| machine.paper_seal)
        });
        match recorded {
            Some(None) => self.counting_discrepancy(
                line,
                None,
                "39E(3), 61G(2)",
                format!("the paper seal of control unit {control_unit} recorded in item 9"),
                format!("seal {paper_seal} found; none was recorded as fixed on the unit"),
            ),
            Some(Some(fixed)) if fixed != paper_seal => self.counting_discrepancy(
                line,
                None,
                "61G(2)",
                format!("paper seal {fixed}, as item 9 records it fixed on control unit {control_unit}"),
                format!("paper seal {paper_seal} found"),
            ),
            _ => {}
        }
        if !intact {
            self.counting_discrepancy(
                line,
                None,
                "61G(2)",
                "the paper seal intact".to_owned(),
                format!("the paper seal of control unit {control_unit} found not intact"),
            );
        }
    }

    fn machine_resealed(&mut self, header: &Header, line: &TraceLine, particulars: &BoxParticulars) {
        let control_unit = self.machine.control_unit.clone();
        let mut wrong = Vec::new();
        if particulars.control_unit != control_unit {
            wrong.push(format!("control unit {} on the box", particulars.control_unit));
        }
        // (b): every station the unit served, and no other.
        let mut served = header.station_numbers();
        served.sort_unstable();
        let mut on_the_box = particulars.polling_stations.clone();
        on_the_box.sort_unstable();
        on_the_box.dedup();
        if on_the_box != served {
            let list = |numbers: &[u32]| numbers.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
            wrong.push(format!("polling stations {} on the box, the unit served {}", list(&on_the_box), list(&served)));
        }
        if !header.date_of_poll.is_empty() && particulars.date_of_poll != header.date_of_poll {
            wrong.push(format!(
                "date of poll {} on the box, the poll was {}",
                particulars.date_of_poll, header.date_of_poll
            ));
        }
        if !self.machine.counting.result_read {
            wrong.push("resealed before its result was counted".to_owned());
        }
        if !wrong.is_empty() {
            self.procedural(
                line,
                "61N",
                format!("control unit {control_unit} resealed after counting, its box bearing its particulars"),
                wrong.join("; "),
            );
        }
        self.machine.counting.resealed = true;
    }

    /// 39R: the account as written, against the papers and the machine, and
    /// against its own arithmetic; kept for the Part II check at the end.
    fn account_written(&mut self, line: &TraceLine, written: WrittenAccount) {
        let Some((&(poll, session), _)) = self.account_lines.iter().max_by_key(|(_, line)| **line) else {
            self.procedural(
                line,
                "39R(1)",
                "the account of votes prepared at the close of the poll".to_owned(),
                "an account written before any poll closed".to_owned(),
            );
            return;
        };
        let found = self
            .accounts_by_poll()
            .into_iter()
            .find(|(index, of, _)| *index == poll && of.unwrap_or(0) == session)
            .map(|(_, _, combined)| combined);
        if let Some(combined) = found {
            let mut differences = Vec::new();
            let mut compare = |item: &str, as_written: u64, from_papers: u64, whose: &str| {
                if as_written != from_papers {
                    differences.push(format!("{item} written {as_written}, {whose} {from_papers}"));
                }
            };
            compare("item 2", u64::from(written.item_2), u64::from(combined.item_2), "the register holds");
            compare("item 3", u64::from(written.item_3), u64::from(combined.item_3), "the register holds");
            compare("item 4", u64::from(written.item_4), u64::from(combined.item_4), "the register holds");
            compare("item 5", u64::from(written.item_5), combined.item_5, "the machine showed");
            if !differences.is_empty() {
                self.counting_discrepancy(
                    line,
                    Some(Property::Item6),
                    "39R",
                    "Part I as written equal to the register and the machine".to_owned(),
                    differences.join("; "),
                );
            }
        }
        let arithmetic = i64::from(written.item_5)
            - (i64::from(written.item_2) - i64::from(written.item_3) - i64::from(written.item_4));
        if arithmetic != written.item_6.difference() {
            self.counting_discrepancy(
                line,
                Some(Property::Item6),
                "39R",
                format!("item 6 as written to follow from items 2 to 5 as written: {arithmetic}"),
                format!("item 6 written {}", written.item_6.difference()),
            );
        }
        self.written_accounts.insert((poll, session), written);
    }

    /// At the end: 61H compares Part II with Part I item 5, as the
    /// presiding officer wrote it, for every account written whose
    /// machines were all counted.
    pub(super) fn part_two_against_written_accounts(&mut self) {
        let Some(station) = self.stations.first() else { return };
        let mut findings = Vec::new();
        for (&(poll, session), written) in &self.written_accounts {
            let Some(papers) = station.polls().get(poll) else { continue };
            let machines: Vec<String> = papers
                .machines()
                .iter()
                .filter(|machine| machine.used() && (papers.session() == 0 || machine.session == session))
                .map(|machine| machine.control_unit.clone())
                .collect();
            let all = std::iter::once(&self.machine).chain(self.machines.iter());
            let counted: Vec<&MachineInReplay> =
                all.filter(|record| machines.contains(&record.control_unit) && record.counting.result_read).collect();
            if machines.is_empty() || counted.len() != machines.len() {
                continue;
            }
            let part_two: u64 = counted
                .iter()
                .filter_map(|record| record.counting.first_readout.as_ref())
                .map(|readout| u64::from(readout.total))
                .sum();
            if part_two != u64::from(written.item_5) {
                findings.push((written.line, part_two, written.item_5, machines.join(", ")));
            }
        }
        for (line, part_two, item_5, machines) in findings {
            self.find(Finding {
                kind: FindingKind::Discrepancy,
                property: Some(Property::PartII),
                rule: "61H(2)".to_owned(),
                line,
                event: "Form 16C Part II against Part I".to_owned(),
                expected: format!("Part II totals of {machines} = Part I item 5 as written ({item_5})"),
                observed: format!("Part II totals sum to {part_two}"),
            });
        }
    }

    /// What the counting found on each machine of the station's current
    /// poll, for a ward's Forms 23 and 24.
    pub(super) fn station_count(&self) -> Option<crate::verdict::StationCount> {
        let part_one = self.stations.first()?.form_16c_part_one().ok()?;
        let all = std::iter::once(&self.machine).chain(self.machines.iter());
        let machines = all
            .filter(|record| part_one.machines.iter().any(|machine| machine.control_unit == record.control_unit))
            .map(|record| crate::verdict::MachineCount {
                control_unit: record.control_unit.clone(),
                round_and_table: record.counting.received,
                seal_intact: record.counting.seal_intact,
                tampered: record.counting.tampered,
                part_two: record.counting.part_two_written.clone().or_else(|| {
                    record.counting.first_readout.as_ref().map(|readout| (readout.counts.clone(), readout.total))
                }),
                observer_checked: record.counting.observer_checked,
            })
            .collect();
        let poll_complete = self.stations.first()?.phase() == StationPhase::Closed;
        Some(crate::verdict::StationCount { poll_complete, part_one, machines })
    }

    fn counting_discrepancy(
        &mut self,
        line: &TraceLine,
        property: Option<Property>,
        rule: &str,
        expected: String,
        observed: String,
    ) {
        self.find(Finding {
            kind: FindingKind::Discrepancy,
            property,
            rule: rule.to_owned(),
            line: line.line,
            event: describe(line),
            expected,
            observed,
        });
    }

    fn procedural(&mut self, line: &TraceLine, rule: &str, expected: String, observed: String) {
        self.find(Finding::procedural(None, rule, line.line, describe(line), expected, observed));
    }
}

//! No lawful day is ever failed (issue 15): proptest writes poll days in
//! which the polling party and the electors do only what rules 39C–39W
//! allow — votes, 39N and 39L remarks with the enable cancelled, ink-check
//! refusals, challenges (any number, 39I(1)), companions and a refused one
//! (39M), a power cut or a pulled cable before the press and `Ballot` again,
//! claimants identified and given (or refused) a tendered ballot paper
//! (39O), electors present at the hour who vote after it (39Q), an
//! adjournment with fresh paper seals where those who did not vote come
//! back and those who voted are only identified (39V(2)) — then, for a day
//! of one session, the counting (the account as written, the unit at a
//! table, its seal, its result, Part II, the observer's check, the unit
//! resealed: 39R, 61G–61N) — and requires the harness to pass every one of
//! them on the simulated unit, with item 6 tallying.

use evm_conformance::replay::replay;
use evm_conformance::target::SimTarget;
use evm_conformance::trace::parse_trace;
use evm_conformance::verdict::VerdictKind;
use proptest::prelude::*;
use serde_json::{json, Value};

const CANDIDATES: u16 = 4;

#[derive(Clone, Debug)]
enum Story {
    Votes {
        candidate: u16,
    },
    VotesWithCompanion {
        candidate: u16,
        refused_first: bool,
    },
    DecidesNotToVote {
        after_ballot: bool,
    },
    NotAllowedToVote {
        after_ballot: bool,
    },
    FailsInkCheck {
        reason: usize,
    },
    ChallengedThenVotes {
        challenges: u8,
        candidate: u16,
    },
    ChallengeEstablished,
    EnableLostThenBallotAgain {
        cable: bool,
        candidate: u16,
    },
    /// A person claiming to be an earlier voter (by index among the voters).
    Claimant {
        voter: usize,
        refused: bool,
    },
}

// Longer than 70 lines on purpose: a proptest strategy: the whole lawful day drawn in one place, so
// the shrinker shrinks it as one.
fn story() -> impl Strategy<Value = Story> {
    let candidate = 1..=CANDIDATES + 1;
    prop_oneof![
        6 => candidate.clone().prop_map(|candidate| Story::Votes { candidate }),
        1 => (candidate.clone(), any::<bool>())
            .prop_map(|(candidate, refused_first)| Story::VotesWithCompanion { candidate, refused_first }),
        1 => any::<bool>().prop_map(|after_ballot| Story::DecidesNotToVote { after_ballot }),
        1 => any::<bool>().prop_map(|after_ballot| Story::NotAllowedToVote { after_ballot }),
        1 => (0usize..4).prop_map(|reason| Story::FailsInkCheck { reason }),
        1 => (1u8..=3, candidate.clone())
            .prop_map(|(challenges, candidate)| Story::ChallengedThenVotes { challenges, candidate }),
        1 => Just(Story::ChallengeEstablished),
        1 => (any::<bool>(), candidate).prop_map(|(cable, candidate)| Story::EnableLostThenBallotAgain { cable, candidate }),
        1 => (0usize..100, any::<bool>()).prop_map(|(voter, refused)| Story::Claimant { voter, refused }),
    ]
}

#[derive(Clone, Debug)]
struct Plan {
    stories: Vec<Story>,
    /// Adjourn after this many stories (39V), when given.
    adjourn_after: Option<usize>,
    /// The last stories' electors arrive before the hour and vote after it.
    present_at_the_hour: usize,
}

fn plan() -> impl Strategy<Value = Plan> {
    (prop::collection::vec(story(), 1..40), prop::option::of(0usize..40), 0usize..3).prop_map(
        |(stories, adjourn_after, present_at_the_hour)| {
            let adjourn_after = adjourn_after.map(|after| after % (stories.len() + 1));
            Plan { stories, adjourn_after, present_at_the_hour }
        },
    )
}

/// Writes the trace lines, one every few seconds, keeping what each
/// elector did so that the adjourned poll can bring back those who may vote.
struct Writer {
    lines: Vec<Value>,
    seconds: u64,
    next_elector: u32,
    next_tendered_paper: u32,
    voters: Vec<u32>,
    /// Entered with a remark, or identified only: may vote at an adjourned poll.
    may_come_back: Vec<u32>,
    companions: u32,
    /// What the papers and the machine hold, as the presiding officer and
    /// the counting supervisor would write them: Form 16A entries, 39N and
    /// 39L remarks, and the presses per ballot entry.
    entered: u32,
    decided_not_to_vote: u32,
    not_allowed_to_vote: u32,
    tally: Vec<u32>,
}

impl Writer {
    fn line(&mut self, gap: u64, mut value: Value) {
        self.seconds += gap;
        let (hours, minutes, seconds) = (self.seconds / 3600, self.seconds / 60 % 60, self.seconds % 60);
        value["at"] = json!(format!("{hours:02}:{minutes:02}:{seconds:02}"));
        match value["event"].as_str() {
            Some("entered_in_register") => self.entered += 1,
            Some("decided_not_to_vote") => self.decided_not_to_vote += 1,
            Some("not_allowed_to_vote") => self.not_allowed_to_vote += 1,
            Some("press") => {
                let entry = value["candidate"].as_u64().unwrap_or(1) as usize;
                self.tally[entry - 1] += 1;
            }
            _ => {}
        }
        self.lines.push(value);
    }

    fn act(&mut self, event: &str, elector: u32) {
        self.line(5, json!({"event": event, "elector": elector}));
    }

    fn enter(&mut self, elector: u32) {
        self.act("elector_identified", elector);
        self.act("ink_marked", elector);
        self.act("entered_in_register", elector);
    }

    fn press(&mut self, elector: u32, candidate: u16) {
        self.line(6, json!({"event": "press", "candidate": candidate}));
        self.voters.push(elector);
    }

    fn vote(&mut self, elector: u32, candidate: u16) {
        self.enter(elector);
        self.act("ballot_pressed", elector);
        self.press(elector, candidate);
    }

    fn set_up(&mut self, control_unit: &str, seals: u32) {
        self.line(0, json!({"event": "machine_installed", "control_unit": control_unit}));
        self.line(13, json!({"event": "mock_poll_held", "votes": 5, "cleared": true}));
        self.line(
            5 * 13 + 60,
            json!({"event": "paper_seals_supplied", "first_serial": seals, "last_serial": seals + 4}),
        );
        self.line(13, json!({"event": "paper_seal_fixed", "serial": seals}));
    }

    // Longer than 70 lines on purpose: the day writer's dispatcher: one arm a kind of elector's
    // story, each writing the lines the rules require for it.
    fn story(&mut self, story: &Story) {
        // At least a minute per elector: the vote-rate limit never binds.
        self.seconds += 60;
        let elector = self.next_elector;
        self.next_elector += 1;
        match *story {
            Story::Votes { candidate } => self.vote(elector, candidate),
            Story::VotesWithCompanion { candidate, refused_first } => {
                self.enter(elector);
                if refused_first {
                    self.line(
                        5,
                        json!({"event": "companion_refused", "elector": elector, "reason": "companion_under_eighteen"}),
                    );
                }
                self.companions += 1;
                let companion = format!("Companion {}", self.companions);
                self.line(5, json!({"event": "companion_permitted", "elector": elector, "companion": companion}));
                self.act("ballot_pressed", elector);
                self.press(elector, candidate);
            }
            Story::DecidesNotToVote { after_ballot } | Story::NotAllowedToVote { after_ballot } => {
                self.enter(elector);
                if after_ballot {
                    self.act("ballot_pressed", elector);
                }
                let event = if matches!(story, Story::DecidesNotToVote { .. }) {
                    "decided_not_to_vote"
                } else {
                    "not_allowed_to_vote"
                };
                self.line(20, json!({"event": event, "elector": elector, "cancelled_enable": after_ballot}));
                self.may_come_back.push(elector);
            }
            Story::FailsInkCheck { reason } => {
                self.act("elector_identified", elector);
                let reason = ["refused_inspection", "already_marked", "removing_mark", "no_identity_card"][reason];
                self.line(5, json!({"event": "ink_check_failed", "elector": elector, "reason": reason}));
            }
            Story::ChallengedThenVotes { challenges, candidate } => {
                self.act("elector_identified", elector);
                for challenge in 0..challenges {
                    let challenger = format!("Agent {challenge}");
                    self.line(5, json!({"event": "identity_challenged", "elector": elector, "challenger": challenger}));
                    self.line(30, json!({"event": "challenge_decided", "elector": elector, "established": false, "deposit": "returned"}));
                }
                self.act("ink_marked", elector);
                self.act("entered_in_register", elector);
                self.act("ballot_pressed", elector);
                self.press(elector, candidate);
            }
            Story::ChallengeEstablished => {
                self.act("elector_identified", elector);
                self.line(5, json!({"event": "identity_challenged", "elector": elector, "challenger": "Agent"}));
                self.line(30, json!({"event": "challenge_decided", "elector": elector, "established": true, "deposit": "returned"}));
            }
            Story::EnableLostThenBallotAgain { cable, candidate } => {
                self.enter(elector);
                self.act("ballot_pressed", elector);
                if cable {
                    self.line(3, json!({"event": "cable_pulled", "position": 1}));
                    self.line(20, json!({"event": "cable_restored", "position": 1}));
                } else {
                    self.line(3, json!({"event": "power_cut"}));
                    self.line(20, json!({"event": "power_restored"}));
                }
                self.act("ballot_pressed", elector);
                self.press(elector, candidate);
            }
            Story::Claimant { voter, refused } => {
                self.next_elector -= 1;
                let Some(&claimed) = self.voters.get(voter % self.voters.len().max(1)) else { return };
                self.act("elector_identified", claimed);
                if refused {
                    self.line(10, json!({"event": "tendered_ballot_paper_refused", "elector": claimed, "reason": "identity_not_established"}));
                } else {
                    let paper = self.next_tendered_paper;
                    self.next_tendered_paper += 1;
                    self.line(
                        10,
                        json!({"event": "tendered_ballot_paper_issued", "elector": claimed, "ballot_paper": paper}),
                    );
                }
            }
        }
    }
}

// Longer than 70 lines on purpose: a test's day writer: one arm a step of the plan, writing the
// lines the rules require for it.
fn write_day(plan: &Plan) -> String {
    let electors = plan.stories.len() as u32 + 10;
    let header = json!({
        "trace": "evm-poll-day", "version": 1, "profile": "M2",
        "polling_station": {"number": 5, "name": "Lawful day"},
        "candidates": (1..=CANDIDATES).map(|index| format!("Candidate {index}")).collect::<Vec<_>>(),
        "electors_assigned": electors,
        "provenance": {"source": "proptest lawful_days"}
    });
    let mut writer = Writer {
        lines: Vec::new(),
        seconds: 5 * 3600,
        next_elector: 1,
        next_tendered_paper: 501,
        voters: Vec::new(),
        may_come_back: Vec::new(),
        companions: 0,
        entered: 0,
        decided_not_to_vote: 0,
        not_allowed_to_vote: 0,
        tally: vec![0; usize::from(CANDIDATES) + 1],
    };
    writer.set_up("CU-5-1", 1001);
    writer.line(13, json!({"event": "tendered_ballot_papers_received", "first_serial": 501, "last_serial": 700}));
    writer.seconds = writer.seconds.max(7 * 3600);
    writer.line(0, json!({"event": "poll_opened"}));
    let adjourn_after = plan.adjourn_after.unwrap_or(usize::MAX);
    // Presence at the hour is per session: the present electors come after
    // any adjournment.
    let present_from = plan.stories.len().saturating_sub(plan.present_at_the_hour).max(plan.adjourn_after.unwrap_or(0));
    let mut hour_written = false;
    for (index, story) in plan.stories.iter().enumerate() {
        if index == adjourn_after {
            writer.line(60, json!({"event": "poll_adjourned"}));
            // The adjourned poll the next day: a new machine, fresh seals.
            writer.seconds = writer.seconds.max(30 * 3600);
            writer.set_up("CU-5-2", 2001);
            writer.line(60, json!({"event": "poll_opened"}));
            // Those who voted are only identified and turned away (39V(2));
            // those who did not vote come back and vote.
            if !writer.voters.is_empty() {
                // Identified once in this session: no claimant claims them again.
                let voter = writer.voters.remove(0);
                writer.seconds += 60;
                writer.act("elector_identified", voter);
            }
            for elector in std::mem::take(&mut writer.may_come_back) {
                writer.seconds += 60;
                writer.vote(elector, 1);
            }
            // A claimant at the adjourned poll may claim an elector who
            // voted before the adjournment (39O(1) with the marked roll).
        }
        if index == present_from && !hour_written && plan.present_at_the_hour > 0 {
            // The last electors are present (in the queue) at the hour and
            // vote after it (39Q(1)).
            for offset in 0..(plan.stories.len() - index) as u32 {
                let elector = writer.next_elector + offset;
                writer.act("elector_arrived", elector);
            }
            writer.line(5, json!({"event": "close_of_poll_hour"}));
            hour_written = true;
        }
        if hour_written && matches!(story, Story::Claimant { .. }) {
            // A claimant not present at the hour is not admitted (39Q(1)).
            continue;
        }
        writer.story(story);
    }
    if !hour_written {
        writer.line(60, json!({"event": "close_of_poll_hour"}));
    }
    writer.line(60, json!({"event": "poll_closed"}));
    if plan.adjourn_after.is_none() {
        // The counting of a day with one session (39R, 61G–61N): the
        // account as written, the unit at a table, its seal, its result,
        // Part II, the observer's check, the unit resealed.
        let votes: u32 = writer.tally.iter().sum();
        writer.line(
            60,
            json!({"event": "account_written", "item_2": writer.entered,
            "item_3": writer.decided_not_to_vote, "item_4": writer.not_allowed_to_vote,
            "item_5": votes, "item_6": "tallies"}),
        );
        let unit = "CU-5-1";
        writer.line(3_600, json!({"event": "machine_received", "control_unit": unit, "round": 1, "table": 1}));
        writer.line(30, json!({"event": "seal_inspected", "control_unit": unit, "paper_seal": 1001, "intact": true}));
        writer.line(30, json!({"event": "break_result_seal"}));
        writer.line(5, json!({"event": "result"}));
        let tally = writer.tally.clone();
        writer.line(30, json!({"event": "part_two_written", "control_unit": unit, "counts": tally, "total": votes}));
        writer.line(30, json!({"event": "observer_check", "control_unit": unit, "counts": tally, "total": votes}));
        writer.line(30, json!({"event": "machine_resealed", "control_unit": unit, "box": {"constituency": "Lawful ward",
            "polling_stations": [5], "control_unit": unit, "date_of_poll": "the day", "date_of_counting": "the next day"}}));
    }
    let mut text = header.to_string();
    for line in &writer.lines {
        text.push('\n');
        text.push_str(&line.to_string());
    }
    text.push('\n');
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn no_lawful_day_is_ever_failed(plan in plan()) {
        let text = write_day(&plan);
        let trace = parse_trace(std::path::Path::new("lawful-day.jsonl"), &text)
            .map_err(|error| TestCaseError::fail(format!("{error}\n{text}")))?;
        let outcome = replay(&trace, &mut SimTarget::new());
        prop_assert_eq!(
            outcome.verdict,
            VerdictKind::Pass,
            "findings {:?}\ntrace:\n{}",
            outcome.findings,
            text
        );
        let account = outcome.account_of_votes.expect("the poll was closed");
        prop_assert_eq!(account.item_6_discrepancy, 0);
    }
}

//! The unit's vocabulary: what can be done to it (`Input`, a button's
//! address), what it does (`Event`, `Reaction`), and what a person sees of
//! it (`Lamps`, the paper seal, the result readout). Values only; the
//! machine that takes inputs and gives reactions is `ControlUnit`.

use crate::profile::BUTTONS_PER_BALLOTING_UNIT;
use crate::rule::Refusal;
use serde::{Deserialize, Serialize};

/// Most events one input can produce.
pub const MAX_EVENTS_PER_INPUT: usize = 6;

/// One button of one balloting unit: `balloting_unit` is the unit's position
/// switch (1, 2, 3, …), `button` its button (1 to 16, top to bottom).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ButtonAddress {
    pub balloting_unit: u8,
    pub button: u8,
}

impl ButtonAddress {
    /// The button of the `number`-th ballot entry (1-based) in ballot order.
    pub fn of_ballot_entry(number: u16) -> Option<ButtonAddress> {
        let index = number.checked_sub(1)?;
        Some(ButtonAddress {
            balloting_unit: u8::try_from(index / BUTTONS_PER_BALLOTING_UNIT + 1).ok()?,
            button: (index % BUTTONS_PER_BALLOTING_UNIT + 1) as u8,
        })
    }

    /// The 0-based ballot index, or `None` for an address no unit has.
    pub fn ballot_index(self) -> Option<usize> {
        if self.balloting_unit == 0 || self.button == 0 || u16::from(self.button) > BUTTONS_PER_BALLOTING_UNIT {
            return None;
        }
        Some(
            usize::from(self.balloting_unit - 1) * usize::from(BUTTONS_PER_BALLOTING_UNIT)
                + usize::from(self.button - 1),
        )
    }
}

/// Everything an officer, an elector or the world can do to the unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Input {
    /// `Cand Set`: the number of contesting candidates (39B(4)(b)).
    CandSet { candidates: u16 },
    /// Close and seal the candidate set section (39B(4)(b)).
    SealCandidateSetSection,
    /// `Ballot`: enable the balloting units for one vote (39L(2)).
    Ballot,
    /// `Total`: show the total of votes recorded.
    Total,
    /// `Close`: no vote can be recorded after it (39S, 39W).
    Close,
    /// `Result`: show the result; behind the paper seal (39E(5), 61H).
    Result,
    /// `Clear`: erase the memory after the result was read.
    Clear,
    /// Fix the signed paper seal over the result section (39E(3)–(4)).
    FixResultSeal,
    /// Break the paper seal (at counting, 61H; or tampering).
    BreakResultSeal,
    /// Plug a balloting unit in, its slide switch at `position`.
    AttachBallotingUnit { position: u8 },
    /// Unplug the balloting unit at `position` (39S, 39W).
    DetachBallotingUnit { position: u8 },
    /// An elector presses one candidate button.
    PressButton { address: ButtonAddress },
    /// Two candidate buttons pressed at the same instant.
    PressTwoButtons { first: ButtonAddress, second: ButtonAddress },
    /// Power removed (switch off, battery pulled, cut).
    PowerOff,
    /// Power restored; `held_button` is a button held down while it comes up.
    PowerOn { held_button: Option<ButtonAddress> },
    /// The battery's charge; 0 is a dead battery (as a power cut).
    BatteryLevel { percent: u8 },
    /// The unit's case is opened: the unit goes fail-safe (M3).
    OpenCase,
    /// The manufacturer's first-level check before the machine serves
    /// another election: the candidate set section unsealed and its count
    /// forgotten, the result section's seal gone. Only on a machine that
    /// holds no vote (after `Result` and `Clear`) with its result section
    /// open; it erases nothing (docs/PROTOCOL.md 3.2, section 6).
    FirstLevelCheck,
}

/// Why a pending enable was cancelled (it never yields a vote).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelCause {
    Close,
    PowerOff,
    Detach,
    CaseOpened,
}

/// Something the unit did. `VoteRecorded` never names the candidate
/// (39L(1)); the candidate lamp it lights on the balloting unit is visible only
/// inside the voting compartment and is not reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    CandidatesSet {
        candidates: u16,
    },
    CandidateSetSectionSealed,
    BallotEnabled,
    BallotCancelled {
        cause: CancelCause,
    },
    VoteRecorded,
    /// The long beep that confirms a vote.
    LongBeep,
    TotalShown {
        total: u32,
    },
    Closed {
        total: u32,
    },
    ResultShown {
        total: u32,
    },
    Cleared,
    ResultSealFixed,
    ResultSealBroken,
    BallotingUnitAttached {
        position: u8,
    },
    BallotingUnitDetached {
        position: u8,
    },
    PoweredOff,
    PoweredOn,
    HeldButtonIgnored,
    CaseOpened,
    /// Only a defective unit emits this: a vote's candidate made visible
    /// outside the compartment (seeded defect `event_names_candidate`).
    CandidateDisclosed {
        address: ButtonAddress,
    },
}

/// The events of one input, in a fixed buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Events {
    /// Slots past `length` hold a filler and are never read.
    items: [Event; MAX_EVENTS_PER_INPUT],
    /// A full word, not a byte: a byte-wide increment read back word-wide
    /// stalls store forwarding on the hot path (measured: 40 % of `press`).
    length: u32,
}

impl Default for Events {
    fn default() -> Self {
        Events { items: [Event::LongBeep; MAX_EVENTS_PER_INPUT], length: 0 }
    }
}

impl Events {
    #[inline]
    pub(crate) fn push(&mut self, event: Event) {
        // Every input produces at most MAX_EVENTS_PER_INPUT events by construction.
        debug_assert!((self.length as usize) < MAX_EVENTS_PER_INPUT, "event buffer overflow");
        if let Some(slot) = self.items.get_mut(self.length as usize) {
            *slot = event;
            self.length += 1;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.items[..self.length as usize].iter().copied()
    }

    pub fn len(&self) -> usize {
        self.length as usize
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    pub fn contains(&self, event: Event) -> bool {
        self.iter().any(|candidate| candidate == event)
    }
}

/// What one input did: refused (with the reason, nothing changed but the
/// display), or accepted with its events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reaction {
    pub refusal: Option<Refusal>,
    pub events: Events,
    /// Votes this input recorded: 1 after a single press on an enabled
    /// ballot, 0 otherwise in a conforming unit. Equals the number of
    /// `VoteRecorded` events.
    pub(crate) votes_recorded: u32,
}

impl Reaction {
    #[inline]
    pub(crate) fn refused(refusal: Refusal) -> Reaction {
        Reaction { refusal: Some(refusal), ..Reaction::default() }
    }

    #[inline]
    pub fn is_accepted(&self) -> bool {
        self.refusal.is_none()
    }

    /// Votes recorded by this input.
    #[inline]
    pub fn votes_recorded(&self) -> u32 {
        self.votes_recorded
    }
}

/// The lamps of the control unit and of the balloting units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lamps {
    /// CU `On` (green).
    pub on: bool,
    /// CU `Busy` (red): a ballot is enabled.
    pub busy: bool,
    /// BU `Ready` (green): the balloting units accept one vote.
    pub ready: bool,
}

/// The paper seal over the result section (39E(3)–(5)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultSeal {
    #[default]
    NotFixed,
    Intact,
    /// Broken: evident at counting (61G(2)) until a new seal is fixed.
    Broken,
}

/// The result as `Result` shows it: every ballot button's count (candidates
/// in ballot order, then NOTA where the profile has it) and the total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResultReadout<'unit> {
    pub total: u32,
    pub counts: &'unit [u32],
}

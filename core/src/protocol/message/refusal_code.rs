//! Refusals on the wire (docs/PROTOCOL.md 3.9): a code and two 16-bit
//! arguments, every code with one encoding.

use super::{MessageError, Reader};
use crate::prelude::*;
use crate::rule::Refusal;

/// A refusal on the wire: code, then two 16-bit arguments (5 bytes).
pub(super) fn encode_refusal(refusal: Option<Refusal>, out: &mut Vec<u8>) {
    let (code, first, second): (u8, u16, u16) = match refusal {
        None => (0, 0, 0),
        Some(refusal) => match refusal {
            Refusal::PoweredOff => (1, 0, 0),
            Refusal::FailSafe => (2, 0, 0),
            Refusal::CandidateSetSealed => (3, 0, 0),
            Refusal::TooManyCandidates { candidates, maximum } => (4, candidates, maximum),
            Refusal::NoCandidates => (5, 0, 0),
            Refusal::CandidatesExceedAttachedUnits { candidates, needed } => (6, candidates, u16::from(needed)),
            Refusal::CandidatesNotSet => (7, 0, 0),
            Refusal::CandidateSetNotSealed => (8, 0, 0),
            Refusal::BallotingUnitSetMismatch => (9, 0, 0),
            Refusal::PositionTaken { position } => (10, u16::from(position), 0),
            Refusal::PositionOutOfRange { position } => (11, u16::from(position), 0),
            Refusal::BallotingUnitNotAttached { position } => (12, u16::from(position), 0),
            Refusal::BallotAlreadyEnabled => (13, 0, 0),
            Refusal::BallotNotEnabled => (14, 0, 0),
            Refusal::MaskedButton { position, button } => (15, u16::from(position), u16::from(button)),
            Refusal::TwoButtonsAtOnce => (16, 0, 0),
            Refusal::ButtonHeldAtPowerOn => (17, 0, 0),
            Refusal::Closed => (18, 0, 0),
            Refusal::AlreadyClosed => (19, 0, 0),
            Refusal::ResultSealIntact => (20, 0, 0),
            Refusal::ResultBeforeClose => (21, 0, 0),
            Refusal::ClearBeforeResult => (22, 0, 0),
            Refusal::SealAlreadyFixed => (23, 0, 0),
            Refusal::NoIntactSeal => (24, 0, 0),
            Refusal::MemoryFull { capacity } => (25, (capacity & 0xFFFF) as u16, (capacity >> 16) as u16),
            Refusal::RateLimited { votes_per_minute } => (26, u16::from(votes_per_minute), 0),
            Refusal::BatteryExhausted => (27, 0, 0),
            Refusal::AlreadyOn => (28, 0, 0),
            Refusal::VotesInMemory => (29, 0, 0),
            Refusal::MemoryInconsistent => (30, 0, 0),
        },
    };
    out.push(code);
    out.extend_from_slice(&first.to_le_bytes());
    out.extend_from_slice(&second.to_le_bytes());
}

pub(super) fn parse_refusal(reader: &mut Reader<'_>) -> Result<Option<Refusal>, MessageError> {
    let code = reader.u8()?;
    let first = reader.u16()?;
    let second = reader.u16()?;
    let byte = |value: u16| {
        u8::try_from(value)
            .map_err(|_| MessageError::Malformed { kind: reader.kind, what: "refusal argument out of range" })
    };
    // Arguments a refusal does not use are zero (section 3.9): a byte string
    // has one meaning and one encoding.
    let unused = |arguments: usize| {
        let nonzero = match arguments {
            0 => first != 0 || second != 0,
            _ => second != 0,
        };
        if nonzero {
            Err(MessageError::Malformed { kind: reader.kind, what: "refusal argument not zero where unused" })
        } else {
            Ok(())
        }
    };
    match code {
        4 | 6 | 15 | 25 => {}
        10 | 11 | 12 | 26 => unused(1)?,
        _ => unused(0)?,
    }
    Ok(Some(match code {
        0 => return Ok(None),
        1 => Refusal::PoweredOff,
        2 => Refusal::FailSafe,
        3 => Refusal::CandidateSetSealed,
        4 => Refusal::TooManyCandidates { candidates: first, maximum: second },
        5 => Refusal::NoCandidates,
        6 => Refusal::CandidatesExceedAttachedUnits { candidates: first, needed: byte(second)? },
        7 => Refusal::CandidatesNotSet,
        8 => Refusal::CandidateSetNotSealed,
        9 => Refusal::BallotingUnitSetMismatch,
        10 => Refusal::PositionTaken { position: byte(first)? },
        11 => Refusal::PositionOutOfRange { position: byte(first)? },
        12 => Refusal::BallotingUnitNotAttached { position: byte(first)? },
        13 => Refusal::BallotAlreadyEnabled,
        14 => Refusal::BallotNotEnabled,
        15 => Refusal::MaskedButton { position: byte(first)?, button: byte(second)? },
        16 => Refusal::TwoButtonsAtOnce,
        17 => Refusal::ButtonHeldAtPowerOn,
        18 => Refusal::Closed,
        19 => Refusal::AlreadyClosed,
        20 => Refusal::ResultSealIntact,
        21 => Refusal::ResultBeforeClose,
        22 => Refusal::ClearBeforeResult,
        23 => Refusal::SealAlreadyFixed,
        24 => Refusal::NoIntactSeal,
        25 => Refusal::MemoryFull { capacity: u32::from(first) | (u32::from(second) << 16) },
        26 => Refusal::RateLimited { votes_per_minute: byte(first)? },
        27 => Refusal::BatteryExhausted,
        28 => Refusal::AlreadyOn,
        29 => Refusal::VotesInMemory,
        30 => Refusal::MemoryInconsistent,
        _ => return Err(reader.malformed("unknown refusal code")),
    }))
}

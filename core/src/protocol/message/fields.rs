//! The fields the messages share, each with its encoder and its checked
//! parser: the payload cursor, a unit input, the lamps, the display text,
//! the machine profile (docs/PROTOCOL.md section 3).

use super::MessageError;
use crate::display::DisplayText;
use crate::prelude::*;
use crate::profile::{MachineProfile, ProfileName, BUTTONS_PER_BALLOTING_UNIT, MAX_BALLOTING_UNITS};
use crate::unit::{ButtonAddress, Input, Lamps};

/// A cursor over a payload: every read checks the length first.
pub(super) struct Reader<'bytes> {
    pub(super) bytes: &'bytes [u8],
    pub(super) kind: u8,
}

impl<'bytes> Reader<'bytes> {
    pub(super) fn take(&mut self, count: usize) -> Result<&'bytes [u8], MessageError> {
        if self.bytes.len() < count {
            return Err(MessageError::Malformed { kind: self.kind, what: "too short" });
        }
        let (head, tail) = self.bytes.split_at(count);
        self.bytes = tail;
        Ok(head)
    }
    pub(super) fn u8(&mut self) -> Result<u8, MessageError> {
        Ok(self.take(1)?[0])
    }
    pub(super) fn u16(&mut self) -> Result<u16, MessageError> {
        let bytes = self.take(2)?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
    }
    pub(super) fn u32(&mut self) -> Result<u32, MessageError> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }
    pub(super) fn u64(&mut self) -> Result<u64, MessageError> {
        let bytes = self.take(8)?;
        let mut array = [0; 8];
        array.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(array))
    }
    pub(super) fn end(&self) -> Result<(), MessageError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(MessageError::Malformed { kind: self.kind, what: "trailing bytes" })
        }
    }
    pub(super) fn malformed(&self, what: &'static str) -> MessageError {
        MessageError::Malformed { kind: self.kind, what }
    }
}

// ------------------------------------------------------------------ inputs --

/// Input codes (docs/PROTOCOL.md section 3.2).
mod input_code {
    pub const CAND_SET: u8 = 0x01;
    pub const SEAL_CANDIDATE_SET_SECTION: u8 = 0x02;
    pub const BALLOT: u8 = 0x03;
    pub const TOTAL: u8 = 0x04;
    pub const CLOSE: u8 = 0x05;
    pub const RESULT: u8 = 0x06;
    pub const CLEAR: u8 = 0x07;
    pub const FIX_RESULT_SEAL: u8 = 0x08;
    pub const BREAK_RESULT_SEAL: u8 = 0x09;
    pub const ATTACH_BALLOTING_UNIT: u8 = 0x0A;
    pub const DETACH_BALLOTING_UNIT: u8 = 0x0B;
    pub const PRESS_BUTTON: u8 = 0x0C;
    pub const PRESS_TWO_BUTTONS: u8 = 0x0D;
    pub const POWER_OFF: u8 = 0x0E;
    pub const POWER_ON: u8 = 0x0F;
    pub const BATTERY_LEVEL: u8 = 0x10;
    pub const OPEN_CASE: u8 = 0x11;
    pub const FIRST_LEVEL_CHECK: u8 = 0x12;
}

pub(super) fn encode_input(input: &Input, out: &mut Vec<u8>) {
    use input_code::*;
    match *input {
        Input::CandSet { candidates } => {
            out.push(CAND_SET);
            out.extend_from_slice(&candidates.to_le_bytes());
        }
        Input::SealCandidateSetSection => out.push(SEAL_CANDIDATE_SET_SECTION),
        Input::Ballot => out.push(BALLOT),
        Input::Total => out.push(TOTAL),
        Input::Close => out.push(CLOSE),
        Input::Result => out.push(RESULT),
        Input::Clear => out.push(CLEAR),
        Input::FixResultSeal => out.push(FIX_RESULT_SEAL),
        Input::BreakResultSeal => out.push(BREAK_RESULT_SEAL),
        Input::AttachBallotingUnit { position } => out.extend_from_slice(&[ATTACH_BALLOTING_UNIT, position]),
        Input::DetachBallotingUnit { position } => out.extend_from_slice(&[DETACH_BALLOTING_UNIT, position]),
        Input::PressButton { address } => {
            out.extend_from_slice(&[PRESS_BUTTON, address.balloting_unit, address.button])
        }
        Input::PressTwoButtons { first, second } => out.extend_from_slice(&[
            PRESS_TWO_BUTTONS,
            first.balloting_unit,
            first.button,
            second.balloting_unit,
            second.button,
        ]),
        Input::PowerOff => out.push(POWER_OFF),
        Input::PowerOn { held_button: None } => out.extend_from_slice(&[POWER_ON, 0, 0, 0]),
        Input::PowerOn { held_button: Some(address) } => {
            out.extend_from_slice(&[POWER_ON, 1, address.balloting_unit, address.button])
        }
        Input::BatteryLevel { percent } => out.extend_from_slice(&[BATTERY_LEVEL, percent]),
        Input::OpenCase => out.push(OPEN_CASE),
        Input::FirstLevelCheck => out.push(FIRST_LEVEL_CHECK),
    }
}

pub(super) fn parse_input(reader: &mut Reader<'_>) -> Result<Input, MessageError> {
    use input_code::*;
    // Arguments outside the ranges this document gives (section 3.2) are
    // malformed, like any other meaningless byte: a balloting unit or a
    // position is 1 to 24, a button 1 to 16, a battery 0 to 100 %. Inside
    // those ranges the unit decides (a position past the profile's units, a
    // masked button).
    let position = |reader: &mut Reader<'_>| -> Result<u8, MessageError> {
        let position = reader.u8()?;
        if position == 0 || position > MAX_BALLOTING_UNITS {
            return Err(reader.malformed("balloting unit position is not 1 to 24"));
        }
        Ok(position)
    };
    let address = |reader: &mut Reader<'_>| -> Result<ButtonAddress, MessageError> {
        let balloting_unit = position(reader)?;
        let button = reader.u8()?;
        if button == 0 || u16::from(button) > BUTTONS_PER_BALLOTING_UNIT {
            return Err(reader.malformed("button is not 1 to 16"));
        }
        Ok(ButtonAddress { balloting_unit, button })
    };
    Ok(match reader.u8()? {
        CAND_SET => Input::CandSet { candidates: reader.u16()? },
        SEAL_CANDIDATE_SET_SECTION => Input::SealCandidateSetSection,
        BALLOT => Input::Ballot,
        TOTAL => Input::Total,
        CLOSE => Input::Close,
        RESULT => Input::Result,
        CLEAR => Input::Clear,
        FIX_RESULT_SEAL => Input::FixResultSeal,
        BREAK_RESULT_SEAL => Input::BreakResultSeal,
        ATTACH_BALLOTING_UNIT => Input::AttachBallotingUnit { position: position(reader)? },
        DETACH_BALLOTING_UNIT => Input::DetachBallotingUnit { position: position(reader)? },
        PRESS_BUTTON => Input::PressButton { address: address(reader)? },
        PRESS_TWO_BUTTONS => Input::PressTwoButtons { first: address(reader)?, second: address(reader)? },
        POWER_OFF => Input::PowerOff,
        POWER_ON => match reader.u8()? {
            0 => {
                if reader.u16()? != 0 {
                    return Err(reader.malformed("power_on without a held button carries a button"));
                }
                Input::PowerOn { held_button: None }
            }
            1 => Input::PowerOn { held_button: Some(address(reader)?) },
            _ => return Err(reader.malformed("power_on held flag is not 0 or 1")),
        },
        BATTERY_LEVEL => match reader.u8()? {
            percent @ 0..=100 => Input::BatteryLevel { percent },
            _ => return Err(reader.malformed("battery level is not 0 to 100")),
        },
        OPEN_CASE => Input::OpenCase,
        FIRST_LEVEL_CHECK => Input::FirstLevelCheck,
        _ => return Err(reader.malformed("unknown input code")),
    })
}

// ------------------------------------------------------------ small parts --

pub(super) fn encode_lamps(lamps: Lamps) -> u8 {
    u8::from(lamps.on) | u8::from(lamps.busy) << 1 | u8::from(lamps.ready) << 2
}

pub(super) fn parse_lamps(reader: &Reader<'_>, bits: u8) -> Result<Lamps, MessageError> {
    if bits & !0b111 != 0 {
        return Err(reader.malformed("lamp bits 3 to 7 are not zero"));
    }
    Ok(Lamps { on: bits & 1 != 0, busy: bits & 2 != 0, ready: bits & 4 != 0 })
}

pub(super) fn encode_display(display: &DisplayText, out: &mut Vec<u8>) {
    let text = display.as_str().as_bytes();
    out.push(text.len() as u8);
    out.extend_from_slice(text);
}

pub(super) fn parse_display(reader: &mut Reader<'_>) -> Result<DisplayText, MessageError> {
    let length = usize::from(reader.u8()?);
    let bytes = reader.take(length)?;
    let text = core::str::from_utf8(bytes).map_err(|_| reader.malformed("display text is not ASCII"))?;
    if !text.is_ascii() || length > crate::display::DISPLAY_TEXT_CAPACITY {
        return Err(reader.malformed("display text is not ASCII or too long"));
    }
    Ok(DisplayText::from_text(text))
}

pub(super) fn encode_profile(profile: &MachineProfile, out: &mut Vec<u8>) {
    out.push(match profile.name {
        ProfileName::M2 => 2,
        ProfileName::M3 => 3,
    });
    out.push(profile.balloting_units_max);
    out.extend_from_slice(&profile.vote_capacity.to_le_bytes());
    // Bits 0-4: N votes a minute (0: no limit); bit 7: the minimum-interval
    // rule (clear: the sliding window); bits 5-6 zero.
    let rule_bit = match profile.rate_rule {
        crate::profile::RateRule::SlidingWindow => 0,
        crate::profile::RateRule::MinimumInterval => 0x80,
    };
    out.push(profile.rate_limit_votes_per_minute.unwrap_or(0) | rule_bit);
    out.push(u8::from(profile.none_of_the_above));
}

pub(super) fn parse_profile(reader: &mut Reader<'_>) -> Result<MachineProfile, MessageError> {
    let name = match reader.u8()? {
        2 => ProfileName::M2,
        3 => ProfileName::M3,
        _ => return Err(reader.malformed("profile name is not 2 (M2) or 3 (M3)")),
    };
    let balloting_units_max = reader.u8()?;
    let vote_capacity = reader.u32()?;
    let rate = reader.u8()?;
    if rate & 0x60 != 0 {
        return Err(reader.malformed("rate byte bits 5-6 are not zero"));
    }
    let rate_limit_votes_per_minute = Some(rate & 0x1F).filter(|limit| *limit != 0);
    let rate_rule = if rate & 0x80 == 0 {
        crate::profile::RateRule::SlidingWindow
    } else if rate_limit_votes_per_minute.is_some() {
        crate::profile::RateRule::MinimumInterval
    } else {
        return Err(reader.malformed("the minimum-interval rate rule with no limit"));
    };
    let profile = MachineProfile {
        name,
        balloting_units_max,
        vote_capacity,
        rate_limit_votes_per_minute,
        rate_rule,
        none_of_the_above: match reader.u8()? {
            0 => false,
            1 => true,
            _ => return Err(reader.malformed("none_of_the_above is not 0 or 1")),
        },
    };
    profile.validate().map_err(|_| reader.malformed("profile out of bounds"))?;
    Ok(profile)
}

// ---------------------------------------------------------------- messages --

//! The memory image: the unit's retained state as bytes, sealed with
//! HMAC-SHA-256 under the unit's key (docs/MEMORY_FORMAT.md). Bytes in,
//! bytes or a typed result out: no clock, no file.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::profile::{MachineProfile, ProfileName, MAX_BALLOT_BUTTONS};
use crate::time::Timestamp;
use crate::unit::{CancelCause, ControlUnit, Event, Reaction, ResultSeal, RetainedState, VoteMemory};

/// The first eight bytes of every image.
pub const MAGIC: [u8; 8] = *b"EVMVOTES";
/// The format this code writes and the only one it reads.
pub const FORMAT_VERSION: u16 = 1;
/// Bytes before the first counter.
pub const HEADER_BYTES: usize = 56;
/// Bytes of one per-button counter (unsigned, little-endian).
pub const COUNTER_BYTES: usize = 4;
/// Bytes of the HMAC-SHA-256 tag that ends the image.
pub const MAC_BYTES: usize = 32;
/// Bytes of a unit key.
pub const UNIT_KEY_BYTES: usize = 32;
/// The simulation's default unit key: the 32 ASCII bytes of
/// `evm-sim simulation key; not real`. Published, so that anyone can read
/// and write a simulated unit's images; **never** the key of a real unit.
pub const SIMULATION_UNIT_KEY: [u8; UNIT_KEY_BYTES] = *b"evm-sim simulation key; not real";
/// The largest image any profile writes (384 buttons, M3): 1,624 bytes. A
/// longer input is refused before anything else is read.
pub const MAX_IMAGE_BYTES: usize = HEADER_BYTES + COUNTER_BYTES * MAX_BALLOT_BUTTONS + MAC_BYTES;
/// The smallest input worth reading: a header and a tag.
pub const MIN_IMAGE_BYTES: usize = HEADER_BYTES + MAC_BYTES;

// Offsets of the header fields (docs/MEMORY_FORMAT.md, "Layout").
const OFFSET_VERSION: usize = 8;
const OFFSET_LENGTH: usize = 10;
const OFFSET_SERIAL_NUMBER: usize = 12;
const OFFSET_PROFILE_NAME: usize = 20;
const OFFSET_BALLOTING_UNITS_MAX: usize = 21;
const OFFSET_NONE_OF_THE_ABOVE: usize = 22;
const OFFSET_FLAGS: usize = 23;
const OFFSET_VOTE_CAPACITY: usize = 24;
const OFFSET_CANDIDATES: usize = 28;
const OFFSET_RESULT_SEAL: usize = 30;
const OFFSET_RESERVED_BYTE: usize = 31;
const OFFSET_POLL_START: usize = 32;
const OFFSET_POLL_END: usize = 40;
const OFFSET_CLEARS: usize = 48;
const OFFSET_RESERVED_PAIR: usize = 50;
const OFFSET_TOTAL: usize = 52;

const FLAG_CANDIDATE_SET_SEALED: u8 = 1 << 0;
const FLAG_CLOSED: u8 = 1 << 1;
const FLAG_RESULT_SHOWN: u8 = 1 << 2;
const FLAG_FAIL_SAFE: u8 = 1 << 3;
const FLAG_POLL_START: u8 = 1 << 4;
const FLAG_POLL_END: u8 = 1 << 5;
const FLAG_CLOSED_WITH_BALLOT_PENDING: u8 = 1 << 6;
const FLAG_RESULT_READ: u8 = 1 << 7;

/// The unit's serial number, written into every image so that a memory
/// read in the wrong unit is named as such.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SerialNumber(pub u64);

impl core::fmt::Display for SerialNumber {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(formatter, "CU-{:010}", self.0)
    }
}

/// The secret key given to one unit at commissioning; every image the unit
/// writes is sealed with it. `Debug` never prints it.
#[derive(Clone)]
pub struct UnitKey {
    /// HMAC-SHA-256 keyed once: cloning it skips re-hashing the key pads.
    keyed: Hmac<Sha256>,
}

impl UnitKey {
    pub fn from_bytes(bytes: [u8; UNIT_KEY_BYTES]) -> Self {
        // HMAC accepts a key of any length, so this cannot fail.
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(&bytes).unwrap_or_else(|_| unreachable!());
        UnitKey { keyed }
    }

    fn tag(&self, sealed_bytes: &[u8]) -> [u8; MAC_BYTES] {
        let mut mac = self.keyed.clone();
        mac.update(sealed_bytes);
        mac.finalize().into_bytes().into()
    }

    fn verify(&self, sealed_bytes: &[u8], tag: &[u8]) -> bool {
        let mut mac = self.keyed.clone();
        mac.update(sealed_bytes);
        // Constant-time comparison.
        mac.verify_slice(tag).is_ok()
    }
}

impl core::fmt::Debug for UnitKey {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.write_str("UnitKey(..)")
    }
}

/// What a unit is given at commissioning: its serial number, its key and its
/// machine profile. Every image is written and read under it.
#[derive(Clone, Debug)]
pub struct Commissioning {
    pub serial_number: SerialNumber,
    pub key: UnitKey,
    pub profile: MachineProfile,
}

/// Life-cycle events the image records beside the unit's retained state,
/// none of them per vote: how many times the memory was cleared, whether the
/// last `Close` cancelled a pending enable (the mark of a 39W booth-capture
/// close) and whether the result was read since the last `Clear`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LifeCycleRecord {
    clears: u16,
    closed_with_ballot_pending: bool,
    result_read: bool,
}

impl LifeCycleRecord {
    /// Takes note of what one input did. Looks only at life-cycle events;
    /// a vote changes nothing here.
    pub fn observe(&mut self, reaction: &Reaction) {
        for event in reaction.events.iter() {
            match event {
                Event::Cleared => {
                    self.clears = self.clears.saturating_add(1);
                    self.closed_with_ballot_pending = false;
                    self.result_read = false;
                }
                Event::BallotCancelled { cause: CancelCause::Close } => self.closed_with_ballot_pending = true,
                Event::ResultShown { .. } => self.result_read = true,
                _ => {}
            }
        }
    }

    /// Times the memory was cleared (`Clear`) since commissioning, saturating.
    pub fn clears(&self) -> u16 {
        self.clears
    }

    /// The last `Close` cancelled a pending enable (39W booth capture).
    pub fn closed_with_ballot_pending(&self) -> bool {
        self.closed_with_ballot_pending
    }

    /// `Result` was pressed since the last `Clear`.
    pub fn result_read(&self) -> bool {
        self.result_read
    }
}

/// What an image holds: the unit's retained state and the life-cycle record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryContents {
    pub retained: RetainedState,
    pub life_cycle: LifeCycleRecord,
}

impl MemoryContents {
    /// The contents a unit of `commissioning` starts with: nothing set, no
    /// vote.
    pub fn commissioned(commissioning: &Commissioning) -> Self {
        MemoryContents {
            retained: ControlUnit::new(commissioning.profile).retained_state(),
            life_cycle: LifeCycleRecord::default(),
        }
    }
}

/// One sealed image, in a fixed buffer: writing one allocates nothing.
///
/// # Call contract
///
/// - [`MemoryImage::seal`] writes the image of some contents under a
///   commissioning; [`as_bytes`](MemoryImage::as_bytes) gives the bytes to
///   store.
/// - [`MemoryImage::open`] reads bytes from outside (any bytes: it never
///   panics) and returns the contents, or [`Tampered`] with the reason.
/// - The image is a pure function of the contents and the commissioning:
///   the same counts give the same bytes whatever the order of the votes.
#[derive(Clone)]
pub struct MemoryImage {
    bytes: [u8; MAX_IMAGE_BYTES],
    length: usize,
}

impl core::fmt::Debug for MemoryImage {
    // The bytes hold candidate-wise counts: print the length only.
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.debug_struct("MemoryImage").field("length_bytes", &self.length).finish_non_exhaustive()
    }
}

impl PartialEq for MemoryImage {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for MemoryImage {}

/// Bytes of the image of a unit of `profile`.
pub const fn image_bytes_for(profile: &MachineProfile) -> usize {
    HEADER_BYTES + COUNTER_BYTES * profile.ballot_buttons_max() as usize + MAC_BYTES
}

fn profile_code(name: ProfileName) -> u8 {
    match name {
        ProfileName::M2 => 2,
        ProfileName::M3 => 3,
    }
}

fn result_seal_code(seal: ResultSeal) -> u8 {
    match seal {
        ResultSeal::NotFixed => 0,
        ResultSeal::Intact => 1,
        ResultSeal::Broken => 2,
    }
}

impl MemoryImage {
    /// The image of `contents` for the unit of `commissioning`.
    pub fn seal(commissioning: &Commissioning, contents: &MemoryContents) -> MemoryImage {
        let profile = &commissioning.profile;
        let buttons = usize::from(profile.ballot_buttons_max()).min(MAX_BALLOT_BUTTONS);
        let length = HEADER_BYTES + COUNTER_BYTES * buttons + MAC_BYTES;
        let mut image = MemoryImage { bytes: [0; MAX_IMAGE_BYTES], length };
        let retained = &contents.retained;
        let life_cycle = &contents.life_cycle;
        let bytes = &mut image.bytes;
        bytes[..OFFSET_VERSION].copy_from_slice(&MAGIC);
        bytes[OFFSET_VERSION..OFFSET_LENGTH].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes[OFFSET_LENGTH..OFFSET_SERIAL_NUMBER].copy_from_slice(&(length as u16).to_le_bytes());
        bytes[OFFSET_SERIAL_NUMBER..OFFSET_PROFILE_NAME].copy_from_slice(&commissioning.serial_number.0.to_le_bytes());
        bytes[OFFSET_PROFILE_NAME] = profile_code(profile.name);
        bytes[OFFSET_BALLOTING_UNITS_MAX] = profile.balloting_units_max;
        bytes[OFFSET_NONE_OF_THE_ABOVE] = u8::from(profile.none_of_the_above);
        let flags = [
            (retained.candidate_set_sealed, FLAG_CANDIDATE_SET_SEALED),
            (retained.closed, FLAG_CLOSED),
            (retained.result_shown, FLAG_RESULT_SHOWN),
            (retained.fail_safe, FLAG_FAIL_SAFE),
            (retained.poll_start.is_some(), FLAG_POLL_START),
            (retained.poll_end.is_some(), FLAG_POLL_END),
            (life_cycle.closed_with_ballot_pending, FLAG_CLOSED_WITH_BALLOT_PENDING),
            (life_cycle.result_read, FLAG_RESULT_READ),
        ];
        bytes[OFFSET_FLAGS] = flags.iter().filter(|(set, _)| *set).fold(0, |all, (_, flag)| all | flag);
        bytes[OFFSET_VOTE_CAPACITY..OFFSET_CANDIDATES].copy_from_slice(&profile.vote_capacity.to_le_bytes());
        bytes[OFFSET_CANDIDATES..OFFSET_RESULT_SEAL].copy_from_slice(&retained.candidates.to_le_bytes());
        bytes[OFFSET_RESULT_SEAL] = result_seal_code(retained.result_seal);
        let poll_start = retained.poll_start.map_or(0, Timestamp::milliseconds);
        let poll_end = retained.poll_end.map_or(0, Timestamp::milliseconds);
        bytes[OFFSET_POLL_START..OFFSET_POLL_END].copy_from_slice(&poll_start.to_le_bytes());
        bytes[OFFSET_POLL_END..OFFSET_CLEARS].copy_from_slice(&poll_end.to_le_bytes());
        bytes[OFFSET_CLEARS..OFFSET_RESERVED_PAIR].copy_from_slice(&life_cycle.clears.to_le_bytes());
        bytes[OFFSET_TOTAL..HEADER_BYTES].copy_from_slice(&retained.memory.total().to_le_bytes());
        let counters = &mut bytes[HEADER_BYTES..HEADER_BYTES + COUNTER_BYTES * buttons];
        for (slot, &count) in counters.chunks_exact_mut(COUNTER_BYTES).zip(retained.memory.counts(buttons)) {
            slot.copy_from_slice(&count.to_le_bytes());
        }
        let sealed_length = length - MAC_BYTES;
        let tag = commissioning.key.tag(&bytes[..sealed_length]);
        bytes[sealed_length..length].copy_from_slice(&tag);
        image
    }

    /// The image of what `unit` retains now, with `life_cycle`.
    pub fn of_unit(commissioning: &Commissioning, unit: &ControlUnit, life_cycle: LifeCycleRecord) -> MemoryImage {
        Self::seal(commissioning, &MemoryContents { retained: unit.retained_state(), life_cycle })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.length]
    }

    /// Inspects `bytes` as the memory of the unit of `commissioning` (the
    /// 61G inspection) and reads its contents. Any change made outside the
    /// unit is [`Tampered`]: do not count. Never panics, whatever the bytes.
    ///
    /// Checks, in order: length within bounds, magic, format version,
    /// declared length, serial number (read unauthenticated only to name a
    /// memory put in the wrong unit), the HMAC tag, then the authenticated
    /// fields: profile, candidate set, seal, flags, reserved bytes, bounds.
    // Longer than 70 lines on purpose: the inspection of docs/MEMORY_FORMAT.md "Reading an image",
    // step by step; the tag is checked before any counter is trusted.
    pub fn open(commissioning: &Commissioning, bytes: &[u8]) -> Result<MemoryContents, Tampered> {
        let refuse = |reason| Err(Tampered { reason });
        if bytes.len() < MIN_IMAGE_BYTES {
            return refuse(TamperReason::TooShort { length_bytes: bytes.len() });
        }
        if bytes.len() > MAX_IMAGE_BYTES {
            return refuse(TamperReason::TooLong { length_bytes: bytes.len() });
        }
        let header = Header { bytes };
        if bytes[..OFFSET_VERSION] != MAGIC {
            return refuse(TamperReason::NotAMemoryImage);
        }
        let version = header.u16_at(OFFSET_VERSION);
        if version != FORMAT_VERSION {
            return refuse(TamperReason::UnknownFormatVersion { version });
        }
        let declared = usize::from(header.u16_at(OFFSET_LENGTH));
        if declared != bytes.len() {
            return refuse(TamperReason::LengthMismatch { declared_bytes: declared, actual_bytes: bytes.len() });
        }
        let found = SerialNumber(header.u64_at(OFFSET_SERIAL_NUMBER));
        if found != commissioning.serial_number {
            return refuse(TamperReason::ForeignUnit { expected: commissioning.serial_number, found });
        }
        let sealed_length = bytes.len() - MAC_BYTES;
        if !commissioning.key.verify(&bytes[..sealed_length], &bytes[sealed_length..]) {
            return refuse(TamperReason::IntegrityCheckFailed);
        }
        // From here on every byte is the unit's own: a bad field is a unit
        // that wrote nonsense (or a stolen key), still not to be counted.
        let profile = &commissioning.profile;
        if bytes[OFFSET_PROFILE_NAME] != profile_code(profile.name)
            || bytes[OFFSET_BALLOTING_UNITS_MAX] != profile.balloting_units_max
            || bytes[OFFSET_NONE_OF_THE_ABOVE] != u8::from(profile.none_of_the_above)
            || header.u32_at(OFFSET_VOTE_CAPACITY) != profile.vote_capacity
        {
            return refuse(TamperReason::ProfileMismatch);
        }
        if bytes.len() != image_bytes_for(profile) {
            return refuse(TamperReason::InvalidField { field: "image length for the profile" });
        }
        let flags = bytes[OFFSET_FLAGS];
        let candidates = header.u16_at(OFFSET_CANDIDATES);
        if candidates > profile.candidates_max() {
            return refuse(TamperReason::InvalidField { field: "candidates" });
        }
        let result_seal = match bytes[OFFSET_RESULT_SEAL] {
            0 => ResultSeal::NotFixed,
            1 => ResultSeal::Intact,
            2 => ResultSeal::Broken,
            _ => return refuse(TamperReason::InvalidField { field: "result seal" }),
        };
        if bytes[OFFSET_RESERVED_BYTE] != 0 || header.u16_at(OFFSET_RESERVED_PAIR) != 0 {
            return refuse(TamperReason::InvalidField { field: "reserved" });
        }
        let time = |flag: u8, offset: usize, field: &'static str| {
            let milliseconds = header.u64_at(offset);
            match (flags & flag != 0, milliseconds) {
                (true, milliseconds) => Ok(Some(Timestamp::from_milliseconds(milliseconds))),
                (false, 0) => Ok(None),
                (false, _) => Err(Tampered { reason: TamperReason::InvalidField { field } }),
            }
        };
        let poll_start = time(FLAG_POLL_START, OFFSET_POLL_START, "poll start")?;
        let poll_end = time(FLAG_POLL_END, OFFSET_POLL_END, "poll end")?;
        let total = header.u32_at(OFFSET_TOTAL);
        if total > profile.vote_capacity {
            return refuse(TamperReason::InvalidField { field: "total" });
        }
        let mut counts = [0u32; MAX_BALLOT_BUTTONS];
        for (count, slot) in counts.iter_mut().zip(bytes[HEADER_BYTES..sealed_length].chunks_exact(COUNTER_BYTES)) {
            *count = u32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]]);
        }
        let buttons = usize::from(profile.ballot_buttons_max()).min(MAX_BALLOT_BUTTONS);
        Ok(MemoryContents {
            retained: RetainedState {
                candidates,
                candidate_set_sealed: flags & FLAG_CANDIDATE_SET_SEALED != 0,
                result_seal,
                closed: flags & FLAG_CLOSED != 0,
                result_shown: flags & FLAG_RESULT_SHOWN != 0,
                fail_safe: flags & FLAG_FAIL_SAFE != 0,
                poll_start,
                poll_end,
                memory: VoteMemory::from_counts(&counts[..buttons], total),
            },
            life_cycle: LifeCycleRecord {
                clears: header.u16_at(OFFSET_CLEARS),
                closed_with_ballot_pending: flags & FLAG_CLOSED_WITH_BALLOT_PENDING != 0,
                result_read: flags & FLAG_RESULT_READ != 0,
            },
        })
    }
}

/// A view of at least [`MIN_IMAGE_BYTES`] bytes: once that length is
/// checked, no accessor can fail.
struct Header<'bytes> {
    bytes: &'bytes [u8],
}

impl Header<'_> {
    fn u16_at(&self, offset: usize) -> u16 {
        u16::from_le_bytes([self.bytes[offset], self.bytes[offset + 1]])
    }

    fn u32_at(&self, offset: usize) -> u32 {
        let mut word = [0; 4];
        word.copy_from_slice(&self.bytes[offset..offset + 4]);
        u32::from_le_bytes(word)
    }

    fn u64_at(&self, offset: usize) -> u64 {
        let mut word = [0; 8];
        word.copy_from_slice(&self.bytes[offset..offset + 8]);
        u64::from_le_bytes(word)
    }
}

/// The 61G(4) verdict on a memory that was changed outside the unit:
/// "tampered: do not count", with the reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("tampered: do not count (61G(4)): {reason} [{code}]", code = reason.code())]
pub struct Tampered {
    pub reason: TamperReason,
}

/// Why a memory image was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TamperReason {
    #[error("{length_bytes} bytes is shorter than any image ({MIN_IMAGE_BYTES} bytes at least)")]
    TooShort { length_bytes: usize },
    #[error("{length_bytes} bytes is longer than any image ({MAX_IMAGE_BYTES} bytes at most)")]
    TooLong { length_bytes: usize },
    #[error("not a memory image (magic bytes differ)")]
    NotAMemoryImage,
    #[error("format version {version} is not {FORMAT_VERSION}")]
    UnknownFormatVersion { version: u16 },
    #[error("the image says {declared_bytes} bytes but has {actual_bytes}")]
    LengthMismatch { declared_bytes: usize, actual_bytes: usize },
    #[error("the memory of unit {found}, not of unit {expected}")]
    ForeignUnit { expected: SerialNumber, found: SerialNumber },
    #[error("the integrity check (HMAC-SHA-256 under the unit's key) fails: changed outside the unit")]
    IntegrityCheckFailed,
    #[error("written for another machine profile")]
    ProfileMismatch,
    #[error("field {field} holds a value the unit never writes")]
    InvalidField { field: &'static str },
}

impl TamperReason {
    /// The stable code of the reason (docs/MEMORY_FORMAT.md): tools match
    /// on it, not on the message.
    pub const fn code(self) -> &'static str {
        match self {
            TamperReason::TooShort { .. } => "too_short",
            TamperReason::TooLong { .. } => "too_long",
            TamperReason::NotAMemoryImage => "not_a_memory_image",
            TamperReason::UnknownFormatVersion { .. } => "unknown_format_version",
            TamperReason::LengthMismatch { .. } => "length_mismatch",
            TamperReason::ForeignUnit { .. } => "foreign_unit",
            TamperReason::IntegrityCheckFailed => "integrity_check_failed",
            TamperReason::ProfileMismatch => "profile_mismatch",
            TamperReason::InvalidField { .. } => "invalid_field",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::BUTTONS_PER_BALLOTING_UNIT;

    #[test]
    fn bounds_follow_the_profiles() {
        assert_eq!(image_bytes_for(&MachineProfile::m2()), 344);
        assert_eq!(image_bytes_for(&MachineProfile::m3()), MAX_IMAGE_BYTES);
        assert_eq!(MAX_IMAGE_BYTES, 1_624);
        assert!(MAX_IMAGE_BYTES <= usize::from(u16::MAX));
        assert_eq!(OFFSET_TOTAL + 4, HEADER_BYTES);
        assert_eq!(usize::from(BUTTONS_PER_BALLOTING_UNIT) * 24, MAX_BALLOT_BUTTONS);
    }
}

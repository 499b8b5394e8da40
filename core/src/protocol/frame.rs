//! Frames: the raw layer of the wire (docs/PROTOCOL.md section 2).
//!
//! A frame before stuffing:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | protocol version (1) |
//! | 1 | 1 | message kind |
//! | 2 | 2 | request id, little-endian (0: unsolicited) |
//! | 4 | 2 | payload length N, little-endian, at most [`MAX_PAYLOAD_BYTES`] |
//! | 6 | N | payload |
//! | 6 + N | 4 | CRC-32 (IEEE 802.3 / zlib) of bytes 0 … 5 + N, little-endian |
//!
//! On the wire: the COBS encoding of the frame, then one 0x00.

use super::cobs;
use crate::prelude::*;

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u8 = 1;
/// Bytes before the payload.
pub const HEADER_BYTES: usize = 6;
/// Bytes after the payload.
pub const TRAILER_BYTES: usize = 4;
/// The largest payload: a result of 384 counts needs 6 + 4 × 384 = 1,542.
pub const MAX_PAYLOAD_BYTES: usize = 2_048;
// A result of every button a profile may have fits one frame.
const _: () = assert!(6 + 4 * crate::profile::MAX_BALLOT_BUTTONS <= MAX_PAYLOAD_BYTES);
/// The largest frame before stuffing.
pub const MAX_FRAME_BYTES: usize = HEADER_BYTES + MAX_PAYLOAD_BYTES + TRAILER_BYTES;
/// The largest stuffed frame on the wire, delimiter excluded.
pub const MAX_STUFFED_BYTES: usize = cobs::encoded_length_max(MAX_FRAME_BYTES);
/// The frame delimiter.
pub const DELIMITER: u8 = 0x00;

/// CRC-32 as zlib computes it (reflected 0x04C11DB7, initial and final 0xFFFFFFFF).
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// Builds the wire bytes of a frame: stuffed, then the delimiter. A payload
/// longer than [`MAX_PAYLOAD_BYTES`] is a programmer error.
pub fn encode_frame(kind: u8, request_id: u16, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() <= MAX_PAYLOAD_BYTES, "payload of {} bytes exceeds the frame bound", payload.len());
    let mut frame = Vec::with_capacity(HEADER_BYTES + payload.len() + TRAILER_BYTES);
    frame.push(PROTOCOL_VERSION);
    frame.push(kind);
    frame.extend_from_slice(&request_id.to_le_bytes());
    frame.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    frame.extend_from_slice(payload);
    let crc = crc32(&frame);
    frame.extend_from_slice(&crc.to_le_bytes());
    let mut wire = Vec::with_capacity(cobs::encoded_length_max(frame.len()) + 1);
    cobs::encode(&frame, &mut wire);
    wire.push(DELIMITER);
    wire
}

/// A checked frame: once `parse` succeeds, no accessor can panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'bytes> {
    bytes: &'bytes [u8],
}

/// Why a delimited block is not a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("the stuffing is broken")]
    Stuffing,
    #[error("{0} bytes: shorter than a header and a CRC")]
    TooShort(usize),
    /// A good CRC with another version: a real peer speaking another
    /// version. `request_id` is read from the version-1 header position, so
    /// that the answer can carry it.
    #[error("protocol version {version}, this side speaks {PROTOCOL_VERSION}")]
    Version { version: u8, request_id: u16 },
    #[error("the length field says {declared} payload bytes, the frame holds {actual}")]
    Length { declared: usize, actual: usize },
    #[error("CRC {received:08x} received, {computed:08x} computed")]
    Crc { received: u32, computed: u32 },
}

impl<'bytes> Frame<'bytes> {
    /// Checks an unstuffed frame: length, version, declared length, CRC.
    pub fn parse(bytes: &'bytes [u8]) -> Result<Frame<'bytes>, FrameError> {
        if bytes.len() < HEADER_BYTES + TRAILER_BYTES {
            return Err(FrameError::TooShort(bytes.len()));
        }
        let actual = bytes.len() - HEADER_BYTES - TRAILER_BYTES;
        let declared = usize::from(u16::from_le_bytes([bytes[4], bytes[5]]));
        // Past the bound is corrupt even when the bytes are there (a payload
        // of zeros stuffs small enough to get through the accumulator).
        if declared != actual || declared > MAX_PAYLOAD_BYTES {
            return Err(FrameError::Length { declared, actual });
        }
        let (body, trailer) = bytes.split_at(HEADER_BYTES + actual);
        let received = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let computed = crc32(body);
        if received != computed {
            return Err(FrameError::Crc { received, computed });
        }
        // The version is checked after the CRC: a frame of another version
        // with a good CRC is a real peer speaking another version.
        if bytes[0] != PROTOCOL_VERSION {
            return Err(FrameError::Version {
                version: bytes[0],
                request_id: u16::from_le_bytes([bytes[2], bytes[3]]),
            });
        }
        Ok(Frame { bytes })
    }

    pub fn kind(&self) -> u8 {
        self.bytes[1]
    }

    pub fn request_id(&self) -> u16 {
        u16::from_le_bytes([self.bytes[2], self.bytes[3]])
    }

    pub fn payload(&self) -> &'bytes [u8] {
        &self.bytes[HEADER_BYTES..self.bytes.len() - TRAILER_BYTES]
    }

    /// The frame's CRC field (checked equal to the CRC of its bytes).
    pub fn crc(&self) -> u32 {
        let trailer = &self.bytes[self.bytes.len() - TRAILER_BYTES..];
        u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]])
    }

    /// The whole unstuffed frame.
    pub fn as_bytes(&self) -> &'bytes [u8] {
        self.bytes
    }
}

/// What feeding bytes to the accumulator gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Feed<'input, 'frame> {
    /// Every byte was taken; no frame is complete yet.
    NeedMore,
    /// A frame is complete; `rest` is the input after its delimiter.
    Frame { frame: Frame<'frame>, rest: &'input [u8] },
    /// A delimited block was not a frame; it was skipped. `rest` follows its delimiter.
    Corrupt { error: FrameError, rest: &'input [u8] },
    /// More bytes arrived than any frame holds before a delimiter; they were
    /// dropped up to and including the next delimiter, and `rest` follows
    /// it. Reported once per block, at its delimiter.
    Overfull { rest: &'input [u8] },
}

/// A fixed-capacity frame accumulator: fed byte slices, it answers
/// "need more", "frame + rest", "corrupt + rest" or "overfull + rest". It never
/// blocks, never allocates after construction, and never panics on input.
/// Serial, pseudo-terminal, TCP, fuzzing and replay share this one path.
pub struct FrameAccumulator {
    stuffed: Vec<u8>,
    frame: Vec<u8>,
    /// Dropping bytes until the next delimiter after an overflow.
    discarding: bool,
}

impl Default for FrameAccumulator {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameAccumulator {
    pub fn new() -> Self {
        FrameAccumulator {
            stuffed: Vec::with_capacity(MAX_STUFFED_BYTES),
            frame: Vec::with_capacity(MAX_FRAME_BYTES),
            discarding: false,
        }
    }

    /// Bytes held waiting for a delimiter.
    pub fn pending(&self) -> usize {
        self.stuffed.len()
    }

    /// Feeds `input`; call again with `rest` until `NeedMore`.
    pub fn feed<'input>(&mut self, mut input: &'input [u8]) -> Feed<'input, '_> {
        // A loop, not recursion: a stream of delimiters (empty blocks) is
        // skipped in constant stack.
        let (block, rest) = loop {
            let Some(position) = input.iter().position(|&byte| byte == DELIMITER) else {
                if !self.discarding {
                    let room = MAX_STUFFED_BYTES - self.stuffed.len();
                    if input.len() > room {
                        // Overfull: reported once, at the block's delimiter,
                        // so that the answer comes when the line is in step.
                        self.stuffed.clear();
                        self.discarding = true;
                    } else {
                        self.stuffed.extend_from_slice(input);
                    }
                }
                return Feed::NeedMore;
            };
            let (block, rest) = (&input[..position], &input[position + 1..]);
            if self.discarding {
                self.discarding = false;
                self.stuffed.clear();
                return Feed::Overfull { rest };
            }
            if self.stuffed.len() + block.len() > MAX_STUFFED_BYTES {
                self.stuffed.clear();
                return Feed::Overfull { rest };
            }
            if self.stuffed.is_empty() && block.is_empty() {
                // Two delimiters in a row: an empty block, as after noise; skip it.
                input = rest;
                continue;
            }
            break (block, rest);
        };
        self.stuffed.extend_from_slice(block);
        let decoded = cobs::decode(&self.stuffed, &mut self.frame);
        self.stuffed.clear();
        if decoded.is_err() {
            return Feed::Corrupt { error: FrameError::Stuffing, rest };
        }
        match Frame::parse(&self.frame) {
            Ok(frame) => Feed::Frame { frame, rest },
            Err(error) => Feed::Corrupt { error, rest },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_of(accumulator: &mut FrameAccumulator, mut input: &[u8]) -> (Vec<(u8, u16, Vec<u8>)>, usize) {
        let mut frames = Vec::new();
        let mut corrupt = 0;
        loop {
            match accumulator.feed(input) {
                Feed::NeedMore => return (frames, corrupt),
                Feed::Frame { frame, rest } => {
                    frames.push((frame.kind(), frame.request_id(), frame.payload().to_vec()));
                    input = rest;
                }
                Feed::Corrupt { rest, .. } | Feed::Overfull { rest } => {
                    corrupt += 1;
                    input = rest;
                }
            }
        }
    }

    #[test]
    fn a_frame_round_trips_in_any_chunking() {
        let wire = encode_frame(0x02, 0x1234, &[0, 1, 2, 0, 0, 255]);
        for chunk in 1..=wire.len() {
            let mut accumulator = FrameAccumulator::new();
            let mut frames = Vec::new();
            for piece in wire.chunks(chunk) {
                frames.extend(frames_of(&mut accumulator, piece).0);
            }
            assert_eq!(frames, vec![(0x02, 0x1234, vec![0, 1, 2, 0, 0, 255])], "chunk {chunk}");
        }
    }

    #[test]
    fn noise_before_a_frame_is_skipped_at_the_delimiter() {
        let mut input = vec![0x17, 0x99, 0x42, 0x00];
        input.extend(encode_frame(0x03, 7, &[]));
        let (frames, corrupt) = frames_of(&mut FrameAccumulator::new(), &input);
        assert_eq!(frames, vec![(0x03, 7, vec![])]);
        assert_eq!(corrupt, 1);
    }

    #[test]
    fn a_flipped_bit_is_caught_by_the_crc_or_the_stuffing() {
        let wire = encode_frame(0x02, 9, b"press button 3");
        for index in 0..wire.len() - 1 {
            for bit in 0..8 {
                let mut bad = wire.clone();
                bad[index] ^= 1 << bit;
                let (frames, _) = frames_of(&mut FrameAccumulator::new(), &bad);
                assert!(frames.is_empty(), "flip at {index}:{bit} produced a frame: {frames:?}");
            }
        }
    }

    #[test]
    fn an_endless_stream_without_delimiter_is_overfull_then_resynchronises() {
        let mut accumulator = FrameAccumulator::new();
        let noise = vec![0x55u8; MAX_STUFFED_BYTES + 10];
        // Reported once, at the delimiter that ends the block (one NACK).
        assert_eq!(accumulator.feed(&noise), Feed::NeedMore);
        assert_eq!(accumulator.feed(&noise), Feed::NeedMore);
        let mut input = vec![0x00];
        input.extend(encode_frame(0x04, 1, &[1]));
        let (frames, corrupt) = frames_of(&mut accumulator, &input);
        assert_eq!((frames.len(), corrupt), (1, 1));
    }

    #[test]
    fn wrong_version_and_wrong_length_are_named() {
        let mut frame = vec![2, 0x01, 0, 0, 0, 0];
        let crc = crc32(&frame);
        frame.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(Frame::parse(&frame), Err(FrameError::Version { version: 2, request_id: 0 }));
        let mut frame = vec![1, 0x01, 0, 0, 5, 0];
        let crc = crc32(&frame);
        frame.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(Frame::parse(&frame), Err(FrameError::Length { declared: 5, actual: 0 }));
        assert_eq!(Frame::parse(&[1, 2, 3]), Err(FrameError::TooShort(3)));
    }
}

//! Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999): a frame's
//! bytes re-coded so that 0x00 never appears inside, so that 0x00 can
//! delimit frames and a receiver can resynchronise after noise at the next
//! 0x00. Overhead: at most one byte per 254, plus one.

use crate::prelude::*;
/// The most bytes `encode` can produce for `length` input bytes.
pub const fn encoded_length_max(length: usize) -> usize {
    length + length / 254 + 1
}

/// Appends the COBS encoding of `data` to `output` (no delimiter).
///
/// Written into room made once, by index, without a branch on the byte: a
/// result's counts are mostly zero bytes, in a pattern the branch predictor
/// keeps missing. Each byte is copied to where it would go; a zero's place
/// becomes the next block's code slot, and the current block's code is
/// stored at every byte (the last store, at the block's end, stays). With a
/// `push` and a branch per byte, as the paper writes it, this took 70 % of
/// encoding a 64-entry result reply and twice the time (benches/benches/codec.rs).
pub fn encode(data: &[u8], output: &mut Vec<u8>) {
    let start = output.len();
    output.resize(start + encoded_length_max(data.len()), 0);
    let room = &mut output[start..];
    let mut code_index = 0;
    let mut write = 1;
    let mut code: u8 = 1;
    for &byte in data {
        room[write] = byte;
        room[code_index] = code;
        // All ones when the byte is a zero, else all zeros: a select by
        // mask, as LLVM turns an `if` here back into a branch.
        let zero = 0usize.wrapping_sub(usize::from(byte == 0));
        code_index = (write & zero) | (code_index & !zero);
        code = ((code + 1) & !(zero as u8)) | (zero as u8 & 1);
        write += 1;
        if code == 0xFF {
            // 254 non-zero bytes: a full block, no implied zero.
            room[code_index] = 0xFF;
            code_index = write;
            write += 1;
            code = 1;
        }
    }
    room[code_index] = code;
    output.truncate(start + write);
}

/// Why a COBS block cannot be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CobsError {
    /// A zero byte inside the block (a delimiter is never part of a block).
    ZeroInBlock,
    /// A code byte points past the end of the block.
    Truncated,
}

/// Decodes the COBS block `encoded` (delimiter excluded) into `output`,
/// which is cleared first.
pub fn decode(encoded: &[u8], output: &mut Vec<u8>) -> Result<(), CobsError> {
    output.clear();
    let mut index = 0;
    while index < encoded.len() {
        let code = encoded[index];
        if code == 0 {
            return Err(CobsError::ZeroInBlock);
        }
        let end = index + usize::from(code);
        if end > encoded.len() {
            return Err(CobsError::Truncated);
        }
        let run = &encoded[index + 1..end];
        if run.contains(&0) {
            return Err(CobsError::ZeroInBlock);
        }
        output.extend_from_slice(run);
        index = end;
        // A code of 0xFF means a full run with no zero after it; the last
        // block's implied zero is not part of the data.
        if code != 0xFF && index < encoded.len() {
            output.push(0);
        }
    }
    Ok(())
}

/// COBS as the paper writes it: a push and a branch per byte. The
/// reference [`encode`] is checked against (tests) and measured against
/// (benches/benches/codec.rs); not used on the wire.
pub fn encode_textbook(data: &[u8], output: &mut Vec<u8>) {
    let mut code_index = output.len();
    output.push(0);
    let mut code: u8 = 1;
    for &byte in data {
        if byte == 0 {
            output[code_index] = code;
            code_index = output.len();
            output.push(0);
            code = 1;
        } else {
            output.push(byte);
            code += 1;
            if code == 0xFF {
                output[code_index] = code;
                code_index = output.len();
                output.push(0);
                code = 1;
            }
        }
    }
    output[code_index] = code;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) {
        let mut encoded = Vec::new();
        encode(data, &mut encoded);
        assert!(!encoded.contains(&0), "{data:?} encoded with a zero: {encoded:?}");
        assert!(encoded.len() <= encoded_length_max(data.len()));
        let mut decoded = Vec::new();
        decode(&encoded, &mut decoded).unwrap();
        assert_eq!(decoded, data);
    }

    #[test]
    fn known_vectors_from_the_paper_and_wikipedia() {
        let cases: &[(&[u8], &[u8])] = &[
            (&[], &[0x01]),
            (&[0x00], &[0x01, 0x01]),
            (&[0x00, 0x00], &[0x01, 0x01, 0x01]),
            (&[0x11, 0x22, 0x00, 0x33], &[0x03, 0x11, 0x22, 0x02, 0x33]),
            (&[0x11, 0x22, 0x33, 0x44], &[0x05, 0x11, 0x22, 0x33, 0x44]),
            (&[0x11, 0x00, 0x00, 0x00], &[0x02, 0x11, 0x01, 0x01, 0x01]),
        ];
        for (data, expected) in cases {
            let mut encoded = Vec::new();
            encode(data, &mut encoded);
            assert_eq!(&encoded, expected, "{data:?}");
            round_trip(data);
        }
    }

    #[test]
    fn runs_around_254_bytes() {
        for length in [253usize, 254, 255, 256, 508, 509, 510, 1000] {
            round_trip(&vec![0x42; length]);
            let mut with_zeros: Vec<u8> = (0..length).map(|index| (index % 7) as u8).collect();
            round_trip(&with_zeros);
            with_zeros.push(0);
            round_trip(&with_zeros);
        }
    }

    fn textbook(data: &[u8]) -> Vec<u8> {
        let mut encoded = Vec::new();
        encode_textbook(data, &mut encoded);
        encoded
    }

    #[test]
    fn the_block_encoder_matches_the_byte_by_byte_one() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for length in (0..600).chain([761, 1_016, 1_552, 2_058]) {
            for zero_every in [0u64, 2, 9, 200, 254, 255, 300] {
                let data: Vec<u8> = (0..length)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        if zero_every > 0 && state % zero_every == 0 {
                            0
                        } else {
                            (state >> 8) as u8 | 1
                        }
                    })
                    .collect();
                let mut encoded = vec![0xAA];
                encode(&data, &mut encoded);
                assert_eq!(encoded[1..], textbook(&data)[..], "length {length}, zero every {zero_every}");
                round_trip(&data);
            }
        }
        // One run of 252 to 256 non-zero bytes at the start, in the middle
        // and at the end, among zeros: both encoders and their boundary.
        for run in 252..=256 {
            for before in [0, 1, 7] {
                for after in [0, 1, 7] {
                    let mut data = vec![0u8; before];
                    data.extend(core::iter::repeat_n(0x42, run));
                    data.extend(core::iter::repeat_n(0, after));
                    let mut encoded = Vec::new();
                    encode(&data, &mut encoded);
                    assert_eq!(encoded, textbook(&data), "run {run}, {before} before, {after} after");
                    round_trip(&data);
                }
            }
        }
    }

    #[test]
    fn corrupt_blocks_are_errors() {
        let mut output = Vec::new();
        assert_eq!(decode(&[0x05, 0x11], &mut output), Err(CobsError::Truncated));
        assert_eq!(decode(&[0x03, 0x11, 0x00], &mut output), Err(CobsError::ZeroInBlock));
        assert_eq!(decode(&[0x00], &mut output), Err(CobsError::ZeroInBlock));
    }
}

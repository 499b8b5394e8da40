//! Consistent Overhead Byte Stuffing (Cheshire and Baker, 1999): a frame's
//! bytes re-coded so that 0x00 never appears inside, so that 0x00 can
//! delimit frames and a receiver can resynchronise after noise at the next
//! 0x00. Overhead: at most one byte per 254, plus one.

/// The most bytes `encode` can produce for `length` input bytes.
pub const fn encoded_length_max(length: usize) -> usize {
    length + length / 254 + 1
}

/// Appends the COBS encoding of `data` to `output` (no delimiter).
pub fn encode(data: &[u8], output: &mut Vec<u8>) {
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

    #[test]
    fn corrupt_blocks_are_errors() {
        let mut output = Vec::new();
        assert_eq!(decode(&[0x05, 0x11], &mut output), Err(CobsError::Truncated));
        assert_eq!(decode(&[0x03, 0x11, 0x00], &mut output), Err(CobsError::ZeroInBlock));
        assert_eq!(decode(&[0x00], &mut output), Err(CobsError::ZeroInBlock));
    }
}

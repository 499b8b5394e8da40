//! The bodies of the fuzz targets, as library functions.
//!
//! Each function takes the fuzzer's bytes, never panics on any of them
//! unless a property is broken, and asserts the property it guards: a panic
//! here is a finding. The cargo-fuzz crate in `fuzz/` (outside the
//! workspace) calls these and nothing else; `conformance/tests/it/fuzz_corpus.rs`
//! calls them on every committed corpus file under `fuzz/corpus/<target>/` and
//! on a few thousand generated inputs, so CI checks them without cargo-fuzz
//! or a nightly compiler.
//!
//! They live here, in the harness crate, because the harness is what
//! vendors feed odd input to, and because three of them need the reference
//! model and the trace format, which are this crate's. Two levels, as
//! STYLE.md habit 11 asks: bytes into the decoders ([`frame_decoder`],
//! [`message_parser`], [`trace_parser`], [`memory_image_loader`],
//! [`board_bytes`], [`capture_reader`]); an [`arbitrary`] sequence of operations into the models
//! ([`unit_model`], [`station_model`], [`differential`]).

mod capture;
mod codec;
mod memory;
mod seeds;
mod station;
mod trace;
mod unit;

pub use capture::capture_reader;
pub use codec::{board_bytes, board_bytes_stream, frame_decoder, message_parser};
pub use memory::{fuzz_commissioning, memory_image_loader};
pub use seeds::seed_inputs;
pub use station::station_model;
pub use trace::trace_parser;
pub use unit::{differential, unit_model};

/// Most steps one model input runs: bounds the time of one execution.
pub const MAX_STEPS: usize = 512;

/// One fuzz target: its name is the cargo-fuzz target's and the corpus
/// folder's (`fuzz/corpus/<name>/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    FrameDecoder,
    MessageParser,
    TraceParser,
    UnitModel,
    StationModel,
    MemoryImageLoader,
    Differential,
    BoardBytes,
    CaptureReader,
}

impl Target {
    pub const ALL: [Target; 9] = [
        Target::FrameDecoder,
        Target::MessageParser,
        Target::TraceParser,
        Target::UnitModel,
        Target::StationModel,
        Target::MemoryImageLoader,
        Target::Differential,
        Target::BoardBytes,
        Target::CaptureReader,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Target::FrameDecoder => "frame_decoder",
            Target::MessageParser => "message_parser",
            Target::TraceParser => "trace_parser",
            Target::UnitModel => "unit_model",
            Target::StationModel => "station_model",
            Target::MemoryImageLoader => "memory_image_loader",
            Target::Differential => "differential",
            Target::BoardBytes => "board_bytes",
            Target::CaptureReader => "capture_reader",
        }
    }

    /// Runs the target's body on `data`.
    pub fn run(self, data: &[u8]) {
        match self {
            Target::FrameDecoder => frame_decoder(data),
            Target::MessageParser => message_parser(data),
            Target::TraceParser => trace_parser(data),
            Target::UnitModel => unit_model(data),
            Target::StationModel => station_model(data),
            Target::MemoryImageLoader => memory_image_loader(data),
            Target::Differential => differential(data),
            Target::BoardBytes => board_bytes(data),
            Target::CaptureReader => capture_reader(data),
        }
    }
}

/// SplitMix64: the one small generator the targets use to turn a seed byte
/// into chunk lengths, and the corpus test to generate inputs from a seed.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    /// A value in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    /// `length` pseudo-random bytes.
    pub fn bytes(&mut self, length: usize) -> Vec<u8> {
        (0..length).map(|_| self.next_u64() as u8).collect()
    }
}

/// Splits `stream` into chunks whose lengths `seed` chooses: one chunk, single
/// bytes, or random lengths up to a power of two. The accumulator must give
/// the same frames whatever the chunking.
pub(crate) fn chunks(stream: &[u8], seed: u8) -> Vec<&[u8]> {
    let mut random = SplitMix64::new(u64::from(seed));
    let mut pieces = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        let length = match seed % 4 {
            0 => rest.len(),
            1 => 1,
            _ => 1 + random.below(1 << (seed / 4 % 12)) as usize,
        }
        .min(rest.len());
        let (piece, tail) = rest.split_at(length);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

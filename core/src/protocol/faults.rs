//! A seeded link-fault injector: sits between the codec and the transport
//! and drops, corrupts, duplicates or delays bytes, or cuts the line for a
//! while. One seed replays every fault.

use crate::prelude::*;
/// How often each fault strikes, per byte, in parts per million.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultRates {
    pub drop_per_million: u32,
    pub corrupt_per_million: u32,
    pub duplicate_per_million: u32,
    /// A byte held back and sent after the next one.
    pub delay_per_million: u32,
    /// A cut starts: the next `cut_bytes` bytes are lost.
    pub cut_per_million: u32,
    pub cut_bytes: u32,
}

/// What the injector did, for the log of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub dropped: u64,
    pub corrupted: u64,
    pub duplicated: u64,
    pub delayed: u64,
    pub cuts: u64,
}

/// splitmix64: small, fast, and the same on every platform.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    /// True with probability `per_million` / 1,000,000.
    pub fn chance(&mut self, per_million: u32) -> bool {
        per_million > 0 && self.next_u64() % 1_000_000 < u64::from(per_million)
    }
}

/// The injector for one direction of a link.
#[derive(Clone, Debug)]
pub struct FaultInjector {
    rates: FaultRates,
    random: SplitMix64,
    held: Option<u8>,
    cut_remaining: u32,
    pub counts: FaultCounts,
}

impl FaultInjector {
    pub fn new(rates: FaultRates, seed: u64) -> Self {
        FaultInjector {
            rates,
            random: SplitMix64::new(seed),
            held: None,
            cut_remaining: 0,
            counts: FaultCounts::default(),
        }
    }

    /// Passes `bytes` through the link; appends what comes out to `out`.
    pub fn pass(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        for &byte in bytes {
            if self.cut_remaining > 0 {
                self.cut_remaining -= 1;
                self.counts.dropped += 1;
                continue;
            }
            if self.random.chance(self.rates.cut_per_million) {
                self.counts.cuts += 1;
                self.cut_remaining = self.rates.cut_bytes;
                continue;
            }
            if self.random.chance(self.rates.drop_per_million) {
                self.counts.dropped += 1;
                continue;
            }
            let mut byte = byte;
            if self.random.chance(self.rates.corrupt_per_million) {
                self.counts.corrupted += 1;
                byte ^= 1 << (self.random.next_u64() % 8);
            }
            if self.random.chance(self.rates.delay_per_million) && self.held.is_none() {
                self.counts.delayed += 1;
                self.held = Some(byte);
                continue;
            }
            out.push(byte);
            if let Some(held) = self.held.take() {
                out.push(held);
            }
            if self.random.chance(self.rates.duplicate_per_million) {
                self.counts.duplicated += 1;
                out.push(byte);
            }
        }
    }

    /// Releases a byte held back (the line went quiet).
    pub fn flush(&mut self, out: &mut Vec<u8>) {
        if let Some(held) = self.held.take() {
            out.push(held);
        }
    }
}

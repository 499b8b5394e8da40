//! What the readout bench reports: the latency percentiles, the
//! histogram's bins, the report and its summary in words, and the warning
//! when an adapter's latency timer shows in the figures.

use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Bins of the histogram in the report and the SVG.
pub const HISTOGRAM_BINS: usize = 40;
/// Relative precision of the percentiles: 3 significant digits (0.1 %).
const HISTOGRAM_SIGNIFICANT_DIGITS: u8 = 3;
/// The longest latency the histogram holds: a minute, in nanoseconds. A
/// longer sample (a link that stalls) is clamped to it and still counted.
const HISTOGRAM_HIGHEST_NS: u64 = 60_000_000_000;

/// Latency percentiles, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencyPercentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub min: f64,
    pub mean: f64,
}

/// One bar of the histogram: samples with `from_us` ≤ latency < `to_us`
/// (the last bar includes its upper edge).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistogramBin {
    pub from_us: f64,
    pub to_us: f64,
    pub count: u32,
}

/// What a run measured. The JSON fields of issue 9 are `candidates`,
/// `baud`, `samples`, `latency_us` {`p50`, `p95`, `p99`, `max`},
/// `wire_floor_us` and `ratio_p50`; the others say what was measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadoutReport {
    /// The target as named, then as opened (`sim-pty (/dev/pts/4)`).
    pub target: String,
    /// `sim`: the unit's readout and the reply's encoding, no wire.
    pub in_process: bool,
    /// `M2` or `M3`.
    pub profile: String,
    pub candidates: u16,
    pub none_of_the_above: bool,
    /// Counts in the reply: candidates, plus NOTA where on.
    pub entries: u16,
    /// The line's rate (0: none, in process or unpaced).
    pub baud: u32,
    pub samples: u32,
    pub latency_us: LatencyPercentiles,
    /// The `READ_RESULT` frame on the wire, stuffed, delimiter included.
    pub request_wire_bytes: usize,
    /// The `RESULT_REPLY` frame on the wire, stuffed, delimiter included.
    pub reply_wire_bytes: usize,
    /// (request + reply wire bytes) × 10 ÷ baud, in µs; 0 without a line.
    pub wire_floor_us: f64,
    /// p50 ÷ the wire floor; `null` when there is no floor.
    pub ratio_p50: Option<f64>,
    /// Requests resent during the samples (each adds a reply timeout).
    pub retransmissions: u64,
    /// Why the figures look wrong, with the fix (an adapter's latency timer).
    pub warning: Option<String>,
    pub histogram: Vec<HistogramBin>,
}

impl ReadoutReport {
    /// The human summary the CLI prints.
    pub fn summary(&self) -> String {
        let mut text = String::new();
        let latency = &self.latency_us;
        let _ = writeln!(
            text,
            "result readout, {} candidates ({} entries, {}) on {}: {} samples; p50 {:.1} µs, p95 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            self.candidates,
            self.entries,
            self.profile,
            self.target,
            self.samples,
            latency.p50,
            latency.p95,
            latency.p99,
            latency.max
        );
        match self.ratio_p50 {
            Some(ratio) => {
                let _ = writeln!(
                    text,
                    "wire floor at {} baud 8N1: ({} + {} bytes) × 10 ÷ {} = {:.1} µs; p50 is {:.3} × the floor",
                    self.baud, self.request_wire_bytes, self.reply_wire_bytes, self.baud, self.wire_floor_us, ratio
                );
            }
            None if self.in_process => {
                let _ = writeln!(
                    text,
                    "in process: no wire, no floor (the reply would be {} bytes on the wire)",
                    self.reply_wire_bytes
                );
            }
            None => {
                let _ = writeln!(text, "no baud rate given: no wire floor");
            }
        }
        if self.retransmissions > 0 {
            let _ =
                writeln!(text, "{} requests were resent: those samples include a reply timeout", self.retransmissions);
        }
        if let Some(warning) = &self.warning {
            let _ = writeln!(text, "warning: {warning}");
        }
        text
    }
}

/// p50/p95/p99 from an HDR histogram (3 significant digits: each within
/// 0.1 % of the sample at that rank, reported at the top of its bucket);
/// min, max and mean exact.
pub fn percentiles(latencies_ns: &[u64]) -> LatencyPercentiles {
    let largest = latencies_ns.iter().copied().max().unwrap_or(0);
    let mut histogram =
        hdrhistogram::Histogram::<u64>::new_with_bounds(1, HISTOGRAM_HIGHEST_NS, HISTOGRAM_SIGNIFICANT_DIGITS)
            .expect("valid histogram bounds");
    for &latency in latencies_ns {
        histogram.saturating_record(latency.max(1));
    }
    let microseconds = |nanoseconds: u64| nanoseconds as f64 / 1_000.0;
    let count = latencies_ns.len().max(1) as f64;
    LatencyPercentiles {
        // The histogram reports the top of a sample's bucket (three
        // significant digits): never above the largest sample itself.
        p50: microseconds(histogram.value_at_quantile(0.50).min(largest)),
        p95: microseconds(histogram.value_at_quantile(0.95).min(largest)),
        p99: microseconds(histogram.value_at_quantile(0.99).min(largest)),
        max: microseconds(largest),
        min: microseconds(latencies_ns.iter().copied().min().unwrap_or(0)),
        mean: latencies_ns.iter().map(|&latency| latency as f64).sum::<f64>() / count / 1_000.0,
    }
}

/// [`HISTOGRAM_BINS`] equal bins from the lower of the floor and the
/// fastest sample to the slowest.
pub(crate) fn histogram_bins(latencies_ns: &[u64], floor_us: f64) -> Vec<HistogramBin> {
    let (Some(&fastest), Some(&slowest)) = (latencies_ns.iter().min(), latencies_ns.iter().max()) else {
        return Vec::new();
    };
    let floor_ns = floor_us * 1_000.0;
    let low = if floor_ns > 0.0 { (fastest as f64).min(floor_ns) } else { fastest as f64 };
    let high = (slowest as f64).max(low + 1.0);
    let width = (high - low) / HISTOGRAM_BINS as f64;
    let mut counts = [0u32; HISTOGRAM_BINS];
    for &latency in latencies_ns {
        let index = (((latency as f64 - low) / width) as usize).min(HISTOGRAM_BINS - 1);
        counts[index] += 1;
    }
    counts
        .iter()
        .enumerate()
        .map(|(index, &count)| HistogramBin {
            from_us: (low + width * index as f64) / 1_000.0,
            to_us: (low + width * (index + 1) as f64) / 1_000.0,
            count,
        })
        .collect()
}

/// The excess over the floor that points at a USB-serial adapter's latency
/// timer: between 1 and 20 ms, and close to FTDI's default 16 ms or to a
/// whole number of milliseconds (the timer's and USB's tick).
const ADAPTER_EXCESS_US: std::ops::RangeInclusive<f64> = 900.0..=20_000.0;

/// A warning when the p50's excess over the floor looks like an adapter's
/// latency timer, with the fix. `None` without a floor.
pub fn adapter_latency_warning(target: &str, floor_us: f64, latency: &LatencyPercentiles) -> Option<String> {
    if floor_us <= 0.0 {
        return None;
    }
    let excess_us = latency.p50 - floor_us;
    if !ADAPTER_EXCESS_US.contains(&excess_us) {
        return None;
    }
    let excess_ms = excess_us / 1_000.0;
    let near_default_timer = (excess_ms - 16.0).abs() <= 2.0;
    let near_whole_ms = (excess_ms - excess_ms.round()).abs() <= 0.2;
    if !near_default_timer && !near_whole_ms {
        return None;
    }
    let device = target
        .trim_start_matches("serial:")
        .split('@')
        .next()
        .and_then(|path| path.rsplit('/').next())
        .filter(|name| name.starts_with("ttyUSB") || name.starts_with("ttyACM"))
        .unwrap_or("ttyUSB0");
    let why = if near_default_timer {
        "close to 16 ms, the default latency timer of FTDI adapters"
    } else {
        "close to a whole number of milliseconds, the tick of a USB-serial adapter's latency timer"
    };
    Some(format!(
        "p50 exceeds the wire floor by {excess_ms:.1} ms, {why}: the adapter holds a short packet until its timer expires. \
         Fix: `echo 1 | sudo tee /sys/bus/usb-serial/devices/{device}/latency_timer` (FTDI; 1 ms) or \
         `setserial /dev/{device} low_latency`, then measure again"
    ))
}

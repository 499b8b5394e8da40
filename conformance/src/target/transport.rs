//! Byte pipes to a board: a port on tokio ([`super::link`]: a serial
//! device, a TCP stream), and wrappers
//! around any pipe — a seeded fault injector (bytes dropped, corrupted,
//! duplicated, delayed, cut: smoltcp's `phy::FaultInjector` shape) and a capture of every
//! frame ([`super::capture`]). The pipes only move bytes; the protocol is
//! `evm_sim::protocol::host::HostConnection`'s, sans-IO.

use super::capture::{CaptureWriter, Direction};
use evm_sim::protocol::faults::{FaultInjector, FaultRates};
use evm_sim::protocol::frame::DELIMITER;
use std::time::{Duration, Instant};

/// How long one read waits for bytes: the pump's granularity.
pub const READ_POLL: Duration = Duration::from_millis(1);

/// The most bytes recorded as one received frame: longer runs without a
/// delimiter (noise) are cut into records of this size.
const MAX_RECORDED_FRAME_BYTES: usize = 4_096;

/// A byte pipe to a board.
pub trait Transport: Send {
    /// Sends one frame's bytes.
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// Reads what is there, waiting at most [`READ_POLL`]; Ok(0) when
    /// nothing came.
    fn receive(&mut self, buffer: &mut [u8]) -> std::io::Result<usize>;
    /// Sends bytes that are no frame (line noise a trace asks for): past
    /// any wrapper, straight to the wire.
    fn send_unframed(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.send(bytes)
    }
}

impl Transport for Box<dyn Transport> {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        (**self).send(bytes)
    }
    fn receive(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        (**self).receive(buffer)
    }
    fn send_unframed(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        (**self).send_unframed(bytes)
    }
}

/// Any pipe with a seeded fault injector in each direction.
pub struct FaultyTransport<T> {
    inner: T,
    to_board: FaultInjector,
    to_host: FaultInjector,
    /// What the injector let through to the host, not yet read.
    pending: Vec<u8>,
}

impl<T: Transport> FaultyTransport<T> {
    /// The two directions draw from different streams of `seed`.
    pub fn new(inner: T, rates: FaultRates, seed: u64) -> Self {
        FaultyTransport {
            inner,
            to_board: FaultInjector::new(rates, seed),
            to_host: FaultInjector::new(rates, seed ^ 0x9E37_79B9_7F4A_7C15),
            pending: Vec::new(),
        }
    }
}

impl<T: Transport> Transport for FaultyTransport<T> {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut mangled = Vec::with_capacity(bytes.len() + 1);
        self.to_board.pass(bytes, &mut mangled);
        self.to_board.flush(&mut mangled);
        self.inner.send(&mangled)
    }
    fn receive(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            let read = self.inner.receive(buffer)?;
            self.to_host.pass(&buffer[..read], &mut self.pending);
        }
        let count = self.pending.len().min(buffer.len());
        buffer[..count].copy_from_slice(&self.pending[..count]);
        self.pending.drain(..count);
        Ok(count)
    }
    fn send_unframed(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.send_unframed(bytes)
    }
}

/// Any pipe with every frame recorded (docs/PROTOCOL.md section 7): each
/// frame the host sends, and each frame it receives as its bytes arrived,
/// split at the delimiter. Until a capture file is given, the frames of the
/// connection's opening (the `HELLO` exchange) are kept, so that a capture
/// started later opens with them.
pub struct CapturingTransport<T> {
    inner: T,
    started: Instant,
    writer: Option<CaptureWriter>,
    /// The opening's frames, kept for a capture started later.
    kept: Vec<(Duration, Direction, Vec<u8>)>,
    keeping: bool,
    /// The bytes of a received frame not yet delimited.
    partial: Vec<u8>,
}

impl<T: Transport> CapturingTransport<T> {
    pub fn new(inner: T) -> Self {
        CapturingTransport {
            inner,
            started: Instant::now(),
            writer: None,
            kept: Vec::new(),
            keeping: true,
            partial: Vec::new(),
        }
    }

    /// The pipe inside (to wrap it further, e.g. with faults).
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The opening is over: no further frame is kept for a later capture
    /// (those kept so far stay for it).
    pub fn stop_keeping(&mut self) {
        self.keeping = false;
    }

    /// Records from now on to `path`, the kept opening first.
    pub fn capture_to(&mut self, path: &std::path::Path) -> std::io::Result<()> {
        let mut writer = CaptureWriter::create(path)?;
        for (at, direction, wire) in self.kept.drain(..) {
            writer.record(at, direction, &wire);
        }
        self.writer = Some(writer);
        Ok(())
    }

    fn record(&mut self, direction: Direction, wire: &[u8]) {
        let at = self.started.elapsed();
        match self.writer.as_mut() {
            Some(writer) => writer.record(at, direction, wire),
            None if self.keeping => self.kept.push((at, direction, wire.to_vec())),
            None => {}
        }
    }
}

impl<T: Transport> Transport for CapturingTransport<T> {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.record(Direction::HostToBoard, bytes);
        self.inner.send(bytes)
    }
    fn receive(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.receive(buffer)?;
        if self.writer.is_none() && !self.keeping {
            return Ok(read);
        }
        for &byte in &buffer[..read] {
            self.partial.push(byte);
            if byte == DELIMITER || self.partial.len() >= MAX_RECORDED_FRAME_BYTES {
                let frame = std::mem::take(&mut self.partial);
                // A lone delimiter (the end of noise, an idle line) is no frame.
                if frame.len() > 1 {
                    self.record(Direction::BoardToHost, &frame);
                }
            }
        }
        Ok(read)
    }
    fn send_unframed(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.send_unframed(bytes)
    }
}

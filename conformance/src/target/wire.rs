//! A board on the wire (real or simulated), driven through the protocol of
//! docs/PROTOCOL.md: a thin pump between a [`Transport`] and the sans-IO
//! [`HostConnection`], which decides what to send, when to resend the
//! same bytes (the board's de-duplication window makes every press happen
//! exactly once) and when the link is down. Faults and capture are
//! wrappers around the transport ([`super::transport`]).

use super::board_process::BoardProcess;
use super::link;
use super::transport::{CapturingTransport, FaultyTransport, Transport};
use super::{FailureCause, Observation, Readout, Target, TargetError};
use evm_sim::protocol::faults::{FaultRates, SplitMix64};
use evm_sim::protocol::frame::PROTOCOL_VERSION;
use evm_sim::protocol::host::{CallError, HostConnection};
use evm_sim::protocol::message::{capability, NackReason, Reply, Request};
use evm_sim::{Defects, MachineProfile, Timestamp};
use std::time::Instant;

/// Bytes one read may take.
const READ_BUFFER_BYTES: usize = 4_096;

/// A board behind the protocol.
pub struct WireTarget {
    name: String,
    /// The pipe, wrapped in its capture (faults go inside, so the capture
    /// holds the frames the host sent and the bytes it received).
    transport: CapturingTransport<Box<dyn Transport>>,
    connection: HostConnection,
    /// The pump's clock: `now` for the connection is the time since.
    epoch: Instant,
    capabilities: u8,
    board_profile: MachineProfile,
    /// As the `HELLO_REPLY` gave it, trailing spaces trimmed.
    serial_number: String,
    /// Why the board cannot be brought back to a new machine, once the
    /// procedure between poll days failed: it must leave a lab.
    unusable: Option<String>,
    buffer: Vec<u8>,
    /// Field mode: when the trace's first input went, and its time; every
    /// later input goes that much later in real time.
    trace_clock: Option<(Instant, Timestamp)>,
    field_options: super::FieldOptions,
    /// Test mode not used although the board offers it
    /// ([`Target::force_field_mode`]).
    field_mode_forced: bool,
    /// Field mode: an input has been sent since the board connected, so
    /// the votes it holds are this harness's to read and clear.
    inputs_sent: bool,
    /// The spawned board, when this target started one (dropped last).
    board: Option<BoardProcess>,
}

impl WireTarget {
    /// The board answered what the protocol does not allow.
    fn error(&self, message: impl Into<String>) -> TargetError {
        TargetError::new(self.name.clone(), FailureCause::Board, message)
    }

    /// Nothing usable came back over the link.
    fn link_error(&self, message: impl Into<String>) -> TargetError {
        TargetError::new(self.name.clone(), FailureCause::Link, message)
    }

    /// Connects to a serial device and says hello.
    pub fn serial(path: &str, baud: u32) -> Result<WireTarget, TargetError> {
        let name = format!("serial:{path}@{baud}");
        let port = link::open_serial(path, baud)
            .map_err(|error| TargetError::new(name.clone(), FailureCause::Link, format!("cannot open: {error}")))?;
        WireTarget::connect(name, Box::new(port))
    }

    /// Connects to a board on TCP and says hello.
    pub fn tcp(address: &str) -> Result<WireTarget, TargetError> {
        let name = format!("tcp:{address}");
        let stream = link::connect_tcp(address)
            .map_err(|error| TargetError::new(name.clone(), FailureCause::Link, format!("cannot connect: {error}")))?;
        WireTarget::connect(name, Box::new(stream))
    }

    /// Spawns `evm-sim serve --pty --test-mode` as a separate process and
    /// connects to its pseudo-terminal.
    pub fn spawn_simulated_board(pace_baud: Option<u32>) -> Result<WireTarget, TargetError> {
        let board = BoardProcess::start(pace_baud)
            .map_err(|error| TargetError::new("sim-pty", FailureCause::Harness, error.to_string()))?;
        let mut target = WireTarget::serial(&board.device, pace_baud.unwrap_or(115_200))?;
        target.name = format!("sim-pty ({})", board.device);
        target.board = Some(board);
        Ok(target)
    }

    fn connect(name: String, transport: Box<dyn Transport>) -> Result<WireTarget, TargetError> {
        let mut target = WireTarget {
            name,
            transport: CapturingTransport::new(transport),
            connection: HostConnection::new(),
            epoch: Instant::now(),
            capabilities: 0,
            board_profile: MachineProfile::m2(),
            serial_number: String::new(),
            unusable: None,
            buffer: vec![0; READ_BUFFER_BYTES],
            trace_clock: None,
            field_options: super::FieldOptions::default(),
            field_mode_forced: false,
            inputs_sent: false,
            board: None,
        };
        let hello = target.call(&Request::Hello { highest_version: PROTOCOL_VERSION });
        target.transport.stop_keeping();
        match hello? {
            Reply::Hello { version, profile, capabilities, serial_number } if version == PROTOCOL_VERSION => {
                target.serial_number = serial_number_text(&serial_number);
                tracing::info!(
                    target = %target.name,
                    serial_number = %target.serial_number,
                    machine = %profile.describe(),
                    capabilities,
                    "board connected"
                );
                target.capabilities = capabilities;
                target.board_profile = profile;
                Ok(target)
            }
            Reply::Hello { version, .. } => {
                Err(target
                    .error(format!("the board speaks protocol version {version}, this harness {PROTOCOL_VERSION}")))
            }
            Reply::Nack(NackReason::UnsupportedVersion) => {
                Err(target.error(format!("the board does not speak protocol version {PROTOCOL_VERSION}")))
            }
            other => Err(target.error(format!("HELLO answered {}", other.describe()))),
        }
    }

    /// Puts a seeded fault injector between the codec and the wire, in
    /// both directions (inside the capture).
    pub fn inject_faults(&mut self, rates: FaultRates, seed: u64) {
        let inner = self.transport.inner_mut();
        let bare = std::mem::replace(inner, Box::new(Unplugged));
        *inner = Box::new(FaultyTransport::new(bare, rates, seed));
    }

    /// Records every frame in both directions to `path` (pcap, docs/PROTOCOL.md section 7).
    pub fn start_capture(&mut self, path: &std::path::Path) -> Result<(), TargetError> {
        self.transport.capture_to(path).map_err(|error| {
            TargetError::new(self.name.clone(), FailureCause::Harness, format!("capture {}: {error}", path.display()))
        })
    }

    /// The handshake again: the board answers `HELLO` with the protocol
    /// version and serial number it gave when it connected, and a field
    /// board with the same machine (a test-mode board announces the machine
    /// the harness last started on it).
    pub fn health_check(&mut self) -> Result<(), TargetError> {
        match self.call(&Request::Hello { highest_version: PROTOCOL_VERSION })? {
            Reply::Hello { version, profile, serial_number, .. } => {
                let serial_number = serial_number_text(&serial_number);
                let machine_changed = !self.offers_test_mode() && profile != self.board_profile;
                if version != PROTOCOL_VERSION || machine_changed || serial_number != self.serial_number {
                    return Err(self.error(format!(
                        "answered HELLO as another board: serial number {serial_number:?}, {} (it connected as {:?}, {})",
                        profile.describe(),
                        self.serial_number,
                        self.board_profile.describe()
                    )));
                }
                Ok(())
            }
            other => Err(self.error(format!("HELLO answered {}", other.describe()))),
        }
    }

    /// Why the board cannot be brought back to a new machine between poll
    /// days (its procedure failed), if it cannot.
    pub fn unusable(&self) -> Option<&str> {
        self.unusable.as_deref()
    }

    /// The machine the board announced in its `HELLO_REPLY`.
    pub fn board_profile(&self) -> MachineProfile {
        self.board_profile
    }

    /// Requests resent so far (after a timeout or a corrupt reply).
    pub fn retransmissions(&self) -> u64 {
        self.connection.retransmissions
    }

    /// Frames received that were no message.
    pub fn protocol_errors(&self) -> u64 {
        self.connection.protocol_errors
    }

    /// Sends `request` and pumps bytes until its reply comes or the
    /// connection gives up: the connection decides every send and resend.
    pub fn call(&mut self, request: &Request) -> Result<Reply, TargetError> {
        self.connection.call(self.epoch.elapsed(), request);
        loop {
            if let Some(outcome) = self.connection.poll_outcome() {
                return outcome.map_err(|error| match error {
                    CallError::LinkDown { .. } => self.link_error(error.to_string()),
                    CallError::UnsupportedVersion => self.error(error.to_string()),
                });
            }
            if let Some(wire) = self.connection.poll_transmit(self.epoch.elapsed()) {
                if let Err(error) = self.transport.send(&wire) {
                    return Err(self.link_error(format!("write: {error}")));
                }
                continue;
            }
            let Some(deadline) = self.connection.poll_timeout() else {
                return Err(TargetError::new(
                    self.name.clone(),
                    FailureCause::Harness,
                    "the connection has no call in flight",
                ));
            };
            let read = match self.transport.receive(&mut self.buffer) {
                Ok(read) => read,
                Err(error) => return Err(self.link_error(format!("read: {error}"))),
            };
            let now = self.epoch.elapsed();
            if read > 0 {
                self.connection.handle_input(now, &self.buffer[..read]);
            } else if now >= deadline {
                self.connection.handle_timeout(now);
            }
        }
    }
}

impl WireTarget {
    /// Sends `bytes` as they are (no frame around them), in pieces of
    /// `piece_bytes` as a UART's interrupts would cut them, then reads until
    /// the line has been quiet for `quiet`; returns the bytes received.
    pub fn send_raw(
        &mut self,
        bytes: &[u8],
        piece_bytes: usize,
        quiet: std::time::Duration,
    ) -> Result<Vec<u8>, TargetError> {
        for piece in bytes.chunks(piece_bytes.max(1)) {
            self.transport.send_unframed(piece).map_err(|error| self.link_error(format!("write: {error}")))?;
        }
        self.receive_until(quiet, quiet)
    }

    /// Sends `bytes` at once, then reads: for up to `wait` until something
    /// comes, then until the line has been quiet for `quiet`.
    pub fn send_raw_until(
        &mut self,
        bytes: &[u8],
        wait: std::time::Duration,
        quiet: std::time::Duration,
    ) -> Result<Vec<u8>, TargetError> {
        self.transport.send_unframed(bytes).map_err(|error| self.link_error(format!("write: {error}")))?;
        self.receive_until(wait, quiet)
    }

    /// Reads until the line has been quiet for `quiet`; returns what came.
    pub fn drain(&mut self, quiet: std::time::Duration) -> Result<Vec<u8>, TargetError> {
        self.receive_until(quiet, quiet)
    }

    /// Reads until nothing came for `first` (before any byte) or for
    /// `quiet` (after the last one).
    fn receive_until(
        &mut self,
        first: std::time::Duration,
        quiet: std::time::Duration,
    ) -> Result<Vec<u8>, TargetError> {
        let mut received = Vec::new();
        let mut last_byte = Instant::now();
        loop {
            let limit = if received.is_empty() { first } else { quiet };
            if last_byte.elapsed() >= limit {
                return Ok(received);
            }
            match self.transport.receive(&mut self.buffer) {
                Ok(0) => {}
                Ok(read) => {
                    received.extend_from_slice(&self.buffer[..read]);
                    last_byte = Instant::now();
                }
                Err(error) => return Err(self.link_error(format!("read: {error}"))),
            }
        }
    }
}

/// A `HELLO_REPLY`'s serial number as text, its trailing spaces trimmed.
fn serial_number_text(serial_number: &[u8]) -> String {
    String::from_utf8_lossy(serial_number).trim_end().to_owned()
}

/// What stands in a wrapper's place for the instant it is rewrapped.
struct Unplugged;

impl Transport for Unplugged {
    fn send(&mut self, _bytes: &[u8]) -> std::io::Result<()> {
        Err(std::io::Error::new(std::io::ErrorKind::NotConnected, "unplugged"))
    }
    fn receive(&mut self, _buffer: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::new(std::io::ErrorKind::NotConnected, "unplugged"))
    }
}

impl Target for WireTarget {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn can_carry_defects(&self) -> bool {
        self.capabilities & capability::SEEDED_DEFECTS != 0 && !self.field_mode_forced
    }

    fn offers_test_mode(&self) -> bool {
        self.capabilities & capability::TEST_MODE != 0 && !self.field_mode_forced
    }

    fn force_field_mode(&mut self, on: bool) -> bool {
        self.field_mode_forced = on;
        true
    }

    fn announced_profile(&self) -> Option<MachineProfile> {
        Some(self.board_profile)
    }

    fn inject_link_faults(&mut self, rates: FaultRates, seed: u64) -> bool {
        self.inject_faults(rates, seed);
        true
    }

    fn retransmissions(&self) -> u64 {
        self.connection.retransmissions
    }

    fn identity(&self) -> Option<super::BoardIdentity> {
        Some(super::BoardIdentity {
            port: self.name.clone(),
            serial_number: self.serial_number.clone(),
            mode: if self.offers_test_mode() { super::BoardMode::Test } else { super::BoardMode::Field },
        })
    }

    fn start_machine(&mut self, profile: MachineProfile, defects: Defects) -> Result<(), TargetError> {
        if !self.offers_test_mode() {
            if let Some(difference) = profile.difference(&self.board_profile) {
                return Err(self.error(format!(
                    "the trace needs {difference}: the board has no test mode to change its machine ({})",
                    self.board_profile.describe()
                )));
            }
            // A field board keeps yesterday's machine: give the trace a new one.
            let now = self.trace_clock.map_or(Timestamp::from_milliseconds(0), |(_, first)| first);
            if let Err(error) = super::between_poll_days::ready_for_next_poll_day(self, now, self.inputs_sent) {
                self.unusable = Some(error.message.clone());
                return Err(error);
            }
            return Ok(());
        }
        match self.call(&Request::TestStartMachine { profile, defects })? {
            Reply::Ok => Ok(()),
            other => Err(self.error(format!("starting a machine: the board answered {}", other.describe()))),
        }
    }

    fn start_trace(&mut self) {
        self.trace_clock = None;
    }

    fn field_options(&self) -> super::FieldOptions {
        self.field_options
    }

    fn set_field_options(&mut self, options: super::FieldOptions) {
        self.field_options = options;
    }

    fn step(&mut self, now: Timestamp, input: evm_sim::Input) -> Result<Observation, TargetError> {
        if !self.offers_test_mode() {
            // Field mode: the board reads its own clock; the input goes when
            // the schedule says, in real time.
            match self.trace_clock {
                None => self.trace_clock = Some((Instant::now(), now)),
                Some((started, first)) => {
                    let due = started + std::time::Duration::from_millis(now.milliseconds_since(first));
                    // In short sleeps, so that a signal stops the run between them.
                    while let Some(wait) = due.checked_duration_since(Instant::now()) {
                        if crate::interrupt::requested() {
                            break;
                        }
                        std::thread::sleep(wait.min(std::time::Duration::from_millis(100)));
                    }
                }
            }
        }
        self.inputs_sent = true;
        match self.call(&Request::Input { at: now, input })? {
            Reply::Input(outcome) => Ok(Observation {
                refusal: outcome.refusal,
                votes_recorded: u32::from(outcome.votes_recorded),
                candidate_disclosed: outcome.candidate_disclosed,
                display: super::ObservedDisplay::Text(outcome.display),
                lamps: outcome.lamps,
                total: outcome.total,
            }),
            other => Err(self.error(format!("{} answered {}", super::input_in_words(input), other.describe()))),
        }
    }

    fn result_readout(&mut self) -> Result<Option<Readout>, TargetError> {
        match self.call(&Request::ReadResult)? {
            Reply::Result { total, counts } => Ok(Some(Readout { total, counts })),
            Reply::Nack(NackReason::ResultRefused(_)) => Ok(None),
            other => Err(self.error(format!("reading the result: the board answered {}", other.describe()))),
        }
    }

    fn capture_to(&mut self, path: &std::path::Path) -> Result<(), TargetError> {
        self.start_capture(path)
    }

    fn link_noise(&mut self, bytes: u32, seed: u64) -> Result<(), TargetError> {
        let mut random = SplitMix64::new(seed);
        let mut noise: Vec<u8> = (0..bytes.min(65_536)).map(|_| random.next_u64() as u8).collect();
        // A delimiter ends the noise, so the board resynchronises before the next frame.
        noise.push(0);
        self.transport.send_unframed(&noise).map_err(|error| self.link_error(format!("write: {error}")))
    }
}

//! Targets on the wire: a board (real or simulated) driven through the
//! serial protocol of docs/PROTOCOL.md over a serial port, a pseudo-terminal
//! or TCP. Timeouts, retransmission of the same bytes (the board's
//! de-duplication window makes every press happen exactly once), a seeded
//! fault injector between the codec and the transport, and a capture of
//! every frame.

use crate::target::{Observation, Readout, Target, TargetError};
use evm_sim::protocol::faults::{FaultInjector, FaultRates, SplitMix64};
use evm_sim::protocol::frame::PROTOCOL_VERSION;
use evm_sim::protocol::host::{HostSession, Received};
use evm_sim::protocol::message::{capability, NackReason, Reply, Request};
use evm_sim::{Defects, MachineProfile, Timestamp};
use std::io::{ErrorKind, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long to wait for a reply before resending the request.
pub const REPLY_TIMEOUT: Duration = Duration::from_millis(250);
/// The least retransmission timeout the estimator may reach.
pub const MIN_RETRANSMISSION_TIMEOUT: Duration = Duration::from_millis(3);
/// How long one read waits for bytes: the timer's granularity.
const READ_POLL: Duration = Duration::from_millis(1);
/// Sends of one request before the link is declared down.
pub const MAX_ATTEMPTS: u32 = 12;
/// How long to wait for `evm-sim serve` to announce its device.
const SPAWN_TIMEOUT: Duration = Duration::from_secs(10);

/// A byte pipe to a board.
pub trait Transport: Send {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// Reads what is there, waiting at most until the transport's own short
    /// timeout; Ok(0) when nothing came.
    fn receive(&mut self, buffer: &mut [u8]) -> std::io::Result<usize>;
}

struct SerialTransport(Box<dyn serialport::SerialPort>);

impl Transport for SerialTransport {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)?;
        self.0.flush()
    }
    fn receive(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        match self.0.read(buffer) {
            Err(error) if matches!(error.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => Ok(0),
            other => other,
        }
    }
}

struct TcpTransport(std::net::TcpStream);

impl Transport for TcpTransport {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)
    }
    fn receive(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        match self.0.read(buffer) {
            Ok(0) => Err(std::io::Error::new(ErrorKind::UnexpectedEof, "the board closed the connection")),
            Err(error) if matches!(error.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => Ok(0),
            other => other,
        }
    }
}

/// Where a capture record's frame went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    HostToBoard,
    BoardToHost,
}

/// A board behind the protocol.
pub struct WireTarget {
    name: String,
    transport: Box<dyn Transport>,
    host: HostSession,
    capabilities: u8,
    board_profile: MachineProfile,
    faults: Option<(FaultInjector, FaultInjector)>,
    capture: Option<crate::capture::CaptureWriter>,
    /// The handshake's frames, kept until a capture starts so that every
    /// capture opens with the HELLO exchange (docs/PROTOCOL.md section 7).
    handshake: Vec<(Duration, Direction, Vec<u8>)>,
    /// The handshake is over: frames are no longer kept for a later capture.
    connected: bool,
    started: Instant,
    child: Option<Child>,
    /// Requests resent after a timeout or a corrupt reply.
    pub retransmissions: u64,
    pub protocol_errors: u64,
    buffer: Vec<u8>,
    timer: RetransmissionTimer,
}

/// The retransmission timeout, adapted to the link (RFC 6298's estimator):
/// RTO = SRTT + 4 RTTVAR from the replies to requests sent once (Karn: a
/// resent request's reply is not sampled), doubled at each timeout of one
/// request, within [`MIN_RETRANSMISSION_TIMEOUT`] and [`REPLY_TIMEOUT`]. It
/// starts at [`REPLY_TIMEOUT`], so a slow link is never taken for a dead one.
#[derive(Clone, Copy, Debug)]
pub struct RetransmissionTimer {
    smoothed: Option<Duration>,
    variation: Duration,
    timeout: Duration,
}

impl Default for RetransmissionTimer {
    fn default() -> Self {
        RetransmissionTimer { smoothed: None, variation: Duration::ZERO, timeout: REPLY_TIMEOUT }
    }
}

impl RetransmissionTimer {
    /// The timeout for the next send.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A reply came `round_trip` after a request sent once.
    pub fn sample(&mut self, round_trip: Duration) {
        match self.smoothed {
            None => {
                self.smoothed = Some(round_trip);
                self.variation = round_trip / 2;
            }
            Some(smoothed) => {
                let difference = smoothed.abs_diff(round_trip);
                self.variation = (self.variation * 3 + difference) / 4;
                self.smoothed = Some((smoothed * 7 + round_trip) / 8);
            }
        }
        let smoothed = self.smoothed.unwrap_or(round_trip);
        self.timeout =
            (smoothed + (self.variation * 4).max(READ_POLL)).clamp(MIN_RETRANSMISSION_TIMEOUT, REPLY_TIMEOUT);
    }

    /// The request timed out: back off.
    pub fn back_off(&mut self) {
        self.timeout = (self.timeout * 2).min(REPLY_TIMEOUT);
    }
}

impl Drop for WireTarget {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl WireTarget {
    fn error(&self, message: impl Into<String>) -> TargetError {
        TargetError { target: self.name.clone(), message: message.into() }
    }

    /// Connects to a serial device and says hello.
    pub fn serial(path: &str, baud: u32) -> Result<WireTarget, TargetError> {
        let name = format!("serial:{path}@{baud}");
        let port = serialport::new(path, baud)
            .timeout(READ_POLL)
            .open()
            .map_err(|error| TargetError { target: name.clone(), message: format!("cannot open: {error}") })?;
        WireTarget::connect(name, Box::new(SerialTransport(port)), None)
    }

    /// Connects to a board on TCP and says hello.
    pub fn tcp(address: &str) -> Result<WireTarget, TargetError> {
        let name = format!("tcp:{address}");
        let stream = std::net::TcpStream::connect(address)
            .map_err(|error| TargetError { target: name.clone(), message: format!("cannot connect: {error}") })?;
        let setup = |stream: &std::net::TcpStream| -> std::io::Result<()> {
            stream.set_read_timeout(Some(READ_POLL))?;
            stream.set_nodelay(true)
        };
        setup(&stream).map_err(|error| TargetError { target: name.clone(), message: error.to_string() })?;
        WireTarget::connect(name, Box::new(TcpTransport(stream)), None)
    }

    /// Spawns `evm-sim serve --pty --test-mode` as a separate process and
    /// connects to its pseudo-terminal.
    pub fn spawn_simulated_board(pace_baud: Option<u32>) -> Result<WireTarget, TargetError> {
        let failure = |message: String| TargetError { target: "sim-pty".into(), message };
        let binary = evm_sim_binary().ok_or_else(|| {
            failure("cannot find the evm-sim binary beside this one; build it (cargo build -p evm-sim) or set EVM_SIM_BINARY".into())
        })?;
        let mut command = Command::new(&binary);
        // The board ends with the harness, however the harness ends.
        command.args(["serve", "--pty", "--test-mode", "--exit-with-parent"]);
        // The harness reports what the link did; the board's own warning for
        // every corrupt frame (under injected faults, thousands) would drown
        // it. RUST_LOG set by the user still wins.
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "error");
        }
        if let Some(baud) = pace_baud {
            command.args(["--pace-baud", &baud.to_string()]);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|error| failure(format!("cannot start {}: {error}", binary.display())))?;
        let path = read_announcement(&mut child).map_err(failure)?;
        let baud = pace_baud.unwrap_or(115_200);
        let mut target = match WireTarget::serial(&path, baud) {
            Ok(target) => target,
            Err(error) => {
                let _ = child.kill();
                return Err(error);
            }
        };
        target.name = format!("sim-pty ({path})");
        target.child = Some(child);
        Ok(target)
    }

    fn connect(name: String, transport: Box<dyn Transport>, child: Option<Child>) -> Result<WireTarget, TargetError> {
        let mut target = WireTarget {
            name,
            transport,
            host: HostSession::new(),
            capabilities: 0,
            board_profile: MachineProfile::m2(),
            faults: None,
            capture: None,
            handshake: Vec::new(),
            connected: false,
            started: Instant::now(),
            child,
            retransmissions: 0,
            protocol_errors: 0,
            buffer: vec![0; 4096],
            timer: RetransmissionTimer::default(),
        };
        match target.call(&Request::Hello { highest_version: PROTOCOL_VERSION })? {
            Reply::Hello { version, profile, capabilities, serial_number } if version == PROTOCOL_VERSION => {
                tracing::info!(
                    target = %target.name,
                    serial_number = %String::from_utf8_lossy(&serial_number).trim_end(),
                    ?profile,
                    capabilities,
                    "board connected"
                );
                target.capabilities = capabilities;
                target.board_profile = profile;
                target.connected = true;
                Ok(target)
            }
            Reply::Hello { version, .. } => {
                Err(target
                    .error(format!("the board speaks protocol version {version}, this harness {PROTOCOL_VERSION}")))
            }
            Reply::Nack(NackReason::UnsupportedVersion) => {
                Err(target.error(format!("the board does not speak protocol version {PROTOCOL_VERSION}")))
            }
            other => Err(target.error(format!("unexpected answer to hello: {other:?}"))),
        }
    }

    /// Puts a seeded fault injector between the codec and the transport, in
    /// both directions.
    pub fn inject_faults(&mut self, rates: FaultRates, seed: u64) {
        self.faults = Some((FaultInjector::new(rates, seed), FaultInjector::new(rates, seed ^ 0x9E37_79B9_7F4A_7C15)));
    }

    /// Records every frame in both directions to `path` (pcap, docs/PROTOCOL.md section 7).
    pub fn start_capture(&mut self, path: &std::path::Path) -> Result<(), TargetError> {
        let mut writer = crate::capture::CaptureWriter::create(path)
            .map_err(|error| self.error(format!("capture {}: {error}", path.display())))?;
        for (at, direction, wire) in self.handshake.drain(..) {
            writer.record(at, direction, &wire);
        }
        self.capture = Some(writer);
        Ok(())
    }

    /// Records one frame as sent or received: into the capture, or, during
    /// the handshake, into the frames kept for a capture started later.
    fn record(&mut self, direction: Direction, wire: &[u8]) {
        let at = self.started.elapsed();
        match self.capture.as_mut() {
            Some(capture) => capture.record(at, direction, wire),
            None if !self.connected => self.handshake.push((at, direction, wire.to_vec())),
            None => {}
        }
    }

    fn send(&mut self, wire: &[u8]) -> Result<(), TargetError> {
        let mut bytes = wire.to_vec();
        if let Some((to_board, _)) = self.faults.as_mut() {
            let mut mangled = Vec::with_capacity(bytes.len());
            to_board.pass(&bytes, &mut mangled);
            to_board.flush(&mut mangled);
            bytes = mangled;
        }
        self.record(Direction::HostToBoard, wire);
        let name = self.name.clone();
        self.transport.send(&bytes).map_err(|error| TargetError { target: name, message: format!("write: {error}") })
    }

    /// Sends `request` and waits for its reply, resending the same bytes on
    /// a timeout or a corrupt-frame notice.
    pub fn call(&mut self, request: &Request) -> Result<Reply, TargetError> {
        let (request_id, wire) = self.host.request(request);
        let mut timed_out = false;
        for attempt in 0..MAX_ATTEMPTS {
            if attempt > 0 {
                self.retransmissions += 1;
                tracing::debug!(target = %self.name, request_id, attempt, "resending the same bytes");
                if timed_out {
                    self.timer.back_off();
                }
            }
            self.send(&wire)?;
            let sent = Instant::now();
            // The result's reply is long (up to 384 counts): it waits the
            // full reply timeout, and is never sampled as a round trip.
            let long_reply = matches!(request, Request::ReadResult);
            let deadline = sent + if long_reply { REPLY_TIMEOUT } else { self.timer.timeout() };
            let mut resend = false;
            timed_out = true;
            while Instant::now() < deadline && !resend {
                let mut buffer = std::mem::take(&mut self.buffer);
                let read = self.transport.receive(&mut buffer);
                let read = match read {
                    Ok(read) => read,
                    Err(error) => {
                        self.buffer = buffer;
                        return Err(self.error(format!("read: {error}")));
                    }
                };
                let mut bytes = buffer[..read].to_vec();
                self.buffer = buffer;
                if let Some((_, to_host)) = self.faults.as_mut() {
                    let mut mangled = Vec::with_capacity(bytes.len());
                    to_host.pass(&bytes, &mut mangled);
                    bytes = mangled;
                }
                if bytes.is_empty() {
                    continue;
                }
                let mut received = Vec::new();
                self.host.receive(&bytes, &mut received);
                // Every frame the board sent is in the capture, the events
                // after a reply included: replies, late replies, events,
                // NACKs (re-encoded: a frame that decoded has exactly one
                // encoding).
                for item in &received {
                    if let Received::Reply { request_id: id, reply } = item {
                        self.record(Direction::BoardToHost, &evm_sim::protocol::board::reply_frame(*id, reply));
                    }
                }
                for item in received {
                    match item {
                        Received::Reply { request_id: 0, reply: Reply::Nack(NackReason::CorruptFrame) } => {
                            resend = true;
                            timed_out = false;
                        }
                        Received::Reply { request_id: 0, reply: Reply::Nack(NackReason::UnsupportedVersion) } => {
                            return Err(self.error("the board does not speak this protocol version"))
                        }
                        Received::Reply { request_id: id, reply } if id == request_id => {
                            if attempt == 0 && !long_reply {
                                self.timer.sample(sent.elapsed());
                            }
                            return Ok(reply);
                        }
                        Received::Reply { .. } => {}
                        Received::ProtocolError(_) => {
                            self.protocol_errors += 1;
                            resend = true;
                            timed_out = false;
                        }
                    }
                }
            }
        }
        Err(self.error(format!("no answer after {MAX_ATTEMPTS} attempts (the last waited {} ms): the link is down or the board does not speak the protocol", self.timer.timeout().as_millis())))
    }
}

fn read_announcement(child: &mut Child) -> Result<String, String> {
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let mut reader = std::io::BufReader::new(stdout);
        let result = std::io::BufRead::read_line(&mut reader, &mut line).map(|_| line);
        let _ = sender.send(result);
        // Keep reading so the child never blocks on a full pipe.
        let mut sink = Vec::new();
        let _ = reader.read_to_end(&mut sink);
    });
    match receiver.recv_timeout(SPAWN_TIMEOUT) {
        Ok(Ok(line)) if !line.trim().is_empty() => Ok(line.trim().to_owned()),
        Ok(Ok(_)) => Err("evm-sim serve exited without announcing its device".into()),
        Ok(Err(error)) => Err(format!("reading evm-sim's announcement: {error}")),
        Err(_) => Err(format!("evm-sim serve did not announce its device within {} s", SPAWN_TIMEOUT.as_secs())),
    }
}

/// The `evm-sim` binary: `EVM_SIM_BINARY`, else beside this executable
/// (target/debug/, or target/debug/ from target/debug/deps/).
pub fn evm_sim_binary() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("EVM_SIM_BINARY") {
        return Some(path.into());
    }
    let executable = std::env::current_exe().ok()?;
    let folder = executable.parent()?;
    [folder.join("evm-sim"), folder.parent()?.join("evm-sim")].into_iter().find(|candidate| candidate.is_file())
}

impl Target for WireTarget {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn can_carry_defects(&self) -> bool {
        self.capabilities & capability::SEEDED_DEFECTS != 0
    }

    fn announced_profile(&self) -> Option<MachineProfile> {
        Some(self.board_profile)
    }

    fn inject_link_faults(&mut self, rates: evm_sim::protocol::faults::FaultRates, seed: u64) -> bool {
        self.inject_faults(rates, seed);
        true
    }

    fn retransmissions(&self) -> u64 {
        self.retransmissions
    }

    fn start_machine(&mut self, profile: MachineProfile, defects: Defects) -> Result<(), TargetError> {
        if self.capabilities & capability::TEST_MODE == 0 {
            if profile != self.board_profile {
                return Err(self.error(format!(
                    "the trace needs profile {:?}, the board is {:?}, and it has no test mode to change it",
                    profile, self.board_profile
                )));
            }
            return Ok(());
        }
        match self.call(&Request::TestStartMachine { profile, defects })? {
            Reply::Ok => Ok(()),
            other => Err(self.error(format!("starting a machine: {other:?}"))),
        }
    }

    fn step(&mut self, now: Timestamp, input: evm_sim::Input) -> Result<Observation, TargetError> {
        match self.call(&Request::Input { at: now, input })? {
            Reply::Input(outcome) => Ok(Observation {
                refusal: outcome.refusal,
                votes_recorded: u32::from(outcome.votes_recorded),
                candidate_disclosed: outcome.candidate_disclosed,
                display: outcome.display,
                lamps: outcome.lamps,
                total: outcome.total,
            }),
            other => Err(self.error(format!("{input:?} answered {other:?}"))),
        }
    }

    fn result_readout(&mut self) -> Result<Option<Readout>, TargetError> {
        match self.call(&Request::ReadResult)? {
            Reply::Result { total, counts } => Ok(Some(Readout { total, counts })),
            Reply::Nack(NackReason::ResultRefused(_)) => Ok(None),
            other => Err(self.error(format!("reading the result: {other:?}"))),
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
        let name = self.name.clone();
        self.transport.send(&noise).map_err(|error| TargetError { target: name, message: format!("write: {error}") })
    }
}

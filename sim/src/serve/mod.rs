//! The simulated board's driver: pumps bytes between a transport (a kernel
//! pseudo-terminal, a serial port, a TCP socket) and the sans-IO
//! [`Board`](crate::protocol::board::Board). This is the edge: it reads the
//! clock and touches descriptors so that the core does not. The memory
//! file's store sits beside it ([`file_storage`]).

mod file_storage;

pub use evm_core::detachable_memory::serial_number_value;
pub use file_storage::{FileStorage, PRIVATE_FILE_MODE};

use crate::defects::Defects;
use crate::profile::MachineProfile;
use crate::protocol::board::Board;
use crate::time::Timestamp;
use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

/// How long a read waits before the loop looks around again.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// Bytes read at once.
const READ_CHUNK_BYTES: usize = 4_096;

/// Where the board listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Listen {
    /// A new pseudo-terminal pair; the slave's path is announced.
    PseudoTerminal,
    /// A serial device by path, at a baud rate.
    SerialPort { path: String, baud: u32 },
    /// A TCP address (loopback), one host at a time.
    Tcp { address: String },
}

/// How the board behaves.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub profile: MachineProfile,
    pub defects: Defects,
    pub serial_number: String,
    /// Accept test-mode messages (start a machine, the host's clock).
    pub test_mode: bool,
    /// Pace output as a UART at this many baud, 8N1 (10 bits a byte).
    pub pace_baud: Option<u32>,
    /// Keep the unit's memory in this file, as a sealed image written
    /// crash-safely before every reply (docs/MEMORY_FORMAT.md).
    pub memory_file: Option<std::path::PathBuf>,
    /// The unit's integrity key (set at commissioning).
    pub unit_key: [u8; crate::detachable_memory::UNIT_KEY_BYTES],
    /// The offset of the unit's local time from UTC, in minutes (India:
    /// +330). The board's own clock is the host's real-time clock in this
    /// local time (docs/PROTOCOL.md 3.2).
    pub utc_offset_minutes: i16,
    /// Stop serving when the parent process ends (the board a harness spawned).
    pub exit_with_parent: bool,
}

/// The board's own clock at `wall`: milliseconds since 1970-01-01 00:00 in
/// the unit's local time, `utc_offset_minutes` from UTC. Its time of day is
/// what the display shows ("PST hh-mm-ss"); it only goes forward, across
/// restarts too, while the host's real-time clock does (the board also
/// never lets it fall behind the poll times in its memory).
pub fn board_clock(wall: std::time::SystemTime, utc_offset_minutes: i16) -> Timestamp {
    let since_epoch = wall.duration_since(std::time::UNIX_EPOCH).map(|elapsed| elapsed.as_millis()).unwrap_or(0);
    let local = i128::try_from(since_epoch).unwrap_or(i128::MAX) + i128::from(utc_offset_minutes) * 60_000;
    Timestamp::from_milliseconds(u64::try_from(local.max(0)).unwrap_or(u64::MAX))
}

/// The board of `options`: with its memory opened from (or commissioned
/// into) the memory file when one is given. A tampered image is refused and
/// left as it is: it is evidence (61G(4)).
pub fn board_for(options: &ServeOptions) -> std::io::Result<Board> {
    let board = Board::new(options.profile, options.defects, &options.serial_number, options.test_mode);
    let Some(path) = &options.memory_file else { return Ok(board) };
    use crate::detachable_memory::{Commissioning, OpenFault, SealedImage, SerialNumber, UnitKey};
    let commissioning = Commissioning {
        serial_number: SerialNumber(serial_number_value(&options.serial_number)),
        key: UnitKey::from_bytes(options.unit_key),
        profile: options.profile,
    };
    let (memory, unit) = match SealedImage::open(FileStorage::new(path), commissioning.clone(), options.defects) {
        Ok(opened) => opened,
        Err(OpenFault::NoImage(storage)) => SealedImage::commission(storage, commissioning, options.defects)
            .map_err(|fault| std::io::Error::other(format!("{}: {fault}", path.display())))?,
        Err(OpenFault::Tampered(tampered)) => {
            return Err(std::io::Error::other(format!("{}: {tampered}; the file is left as it is", path.display())))
        }
        Err(OpenFault::Storage(fault)) => return Err(std::io::Error::other(format!("{}: {fault}", path.display()))),
    };
    Ok(board.with_memory(unit, Box::new(memory)))
}

/// Announces where the board listens (the device path, or the TCP address)
/// before serving; the caller prints it alone on the first line of stdout.
pub type Announce<'a> = &'a mut dyn FnMut(&str);

/// Serves until the transport fails (or forever on TCP).
pub fn serve(listen: &Listen, options: &ServeOptions, announce: Announce<'_>) -> std::io::Result<()> {
    let mut board = board_for(options)?;
    let clock = || board_clock(std::time::SystemTime::now(), options.utc_offset_minutes);
    if options.exit_with_parent {
        watch_parent();
    }
    match listen {
        Listen::PseudoTerminal => {
            let (mut master, slave) = serialport::TTYPort::pair()
                .map_err(|error| std::io::Error::other(format!("a new pseudo-terminal pair: {error}")))?;
            let path = serialport::SerialPort::name(&slave)
                .ok_or_else(|| std::io::Error::other("pseudo-terminal without a name"))?;
            serialport::SerialPort::set_timeout(&mut master, POLL_INTERVAL).map_err(to_io)?;
            announce(&path);
            tracing::info!(%path, "serving on a pseudo-terminal");
            // The slave handle stays open so that the master never reads a
            // hang-up (EIO) between hosts; it is never read from.
            let _slave = slave;
            pump(&mut master, &mut board, options.pace_baud, &clock)
        }
        Listen::SerialPort { path, baud } => {
            let mut port = serialport::new(path, *baud)
                .timeout(POLL_INTERVAL)
                .open_native()
                .map_err(|error| std::io::Error::other(format!("serial port {path} at {baud} baud: {error}")))?;
            announce(path);
            pump(&mut port, &mut board, options.pace_baud, &clock)
        }
        Listen::Tcp { address } => {
            let listener = std::net::TcpListener::bind(address)
                .map_err(|error| std::io::Error::new(error.kind(), format!("TCP address {address}: {error}")))?;
            announce(&listener.local_addr()?.to_string());
            loop {
                let (mut stream, peer) = listener.accept()?;
                stream.set_read_timeout(Some(POLL_INTERVAL))?;
                stream.set_nodelay(true)?;
                tracing::info!(%peer, "host connected");
                let _ = pump(&mut stream, &mut board, options.pace_baud, &clock);
            }
        }
    }
}

/// Ends this process when its parent ends (it is then adopted by another
/// process): the board a harness spawned never outlives the harness.
fn watch_parent() {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        std::thread::spawn(move || loop {
            std::thread::sleep(POLL_INTERVAL);
            if std::os::unix::process::parent_id() != parent {
                tracing::warn!("the process that started this board ended; stopping");
                std::process::exit(0);
            }
        });
    }
}

fn to_io(error: serialport::Error) -> std::io::Error {
    std::io::Error::other(error.to_string())
}

/// Reads, feeds the board, writes its answers; returns when the peer hangs up.
fn pump(
    transport: &mut (impl Read + Write),
    board: &mut Board,
    pace_baud: Option<u32>,
    clock: &dyn Fn() -> Timestamp,
) -> std::io::Result<()> {
    let mut buffer = vec![0u8; READ_CHUNK_BYTES];
    let mut out = Vec::new();
    // When each direction of the line is next free, for pacing (a UART is
    // full duplex: host → board and board → host are two wires).
    let mut line_free_at = Instant::now();
    let mut inbound_free_at = Instant::now();
    loop {
        let read = match transport.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(read) => read,
            Err(error)
                if matches!(error.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted) =>
            {
                continue
            }
            // A pseudo-terminal master reads EIO when no slave is open: a hang-up.
            Err(error) if error.raw_os_error() == Some(5) => return Ok(()),
            Err(error) => return Err(error),
        };
        let received_at = Instant::now();
        let pace_baud = pace_baud.filter(|baud| *baud > 0);
        if let Some(baud) = pace_baud {
            // The request crossed a UART too: its last byte lands `read` byte
            // times after its first left the host, which on a
            // pseudo-terminal is about when it is read here. (Pacing only the
            // answer let a paced readout beat its wire floor.)
            inbound_free_at = inbound_free_at.max(received_at) + byte_time(read, baud);
        }
        let now = clock();
        out.clear();
        let errors_before = board.protocol_errors;
        board.receive(now, &buffer[..read], &mut out);
        if board.protocol_errors != errors_before {
            tracing::warn!(
                errors = board.protocol_errors - errors_before,
                "corrupt or malformed frames received; answered NACK"
            );
        }
        tracing::trace!(received = read, sent = out.len(), "bytes");
        if out.is_empty() {
            continue;
        }
        if let Some(baud) = pace_baud {
            // A UART sends 10 bits a byte (8N1): the answer starts once the
            // request is in and handled, and cannot arrive before its last
            // bit has crossed the line.
            let handling = received_at.elapsed();
            let start = line_free_at.max(inbound_free_at + handling);
            line_free_at = start + byte_time(out.len(), baud);
            sleep_until(line_free_at);
        }
        transport.write_all(&out)?;
        transport.flush()?;
    }
}

/// How long a UART at `baud`, 8N1 (10 bits a byte), takes to send `bytes`.
fn byte_time(bytes: usize, baud: u32) -> Duration {
    Duration::from_secs_f64(bytes as f64 * 10.0 / f64::from(baud))
}

/// Sleeps coarsely, then spins the last stretch: pacing at 921,600 baud
/// needs microseconds, finer than the scheduler's sleep.
fn sleep_until(deadline: Instant) {
    loop {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        let left = deadline - now;
        if left > Duration::from_micros(1_500) {
            std::thread::sleep(left - Duration::from_micros(1_000));
        } else {
            std::hint::spin_loop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn the_board_clock_is_local_time_since_1970() {
        // 2026-11-29 08:00:00 UTC is 13:30:00 in India (+05:30).
        let wall = UNIX_EPOCH + Duration::from_secs(1_795_939_200);
        assert_eq!(board_clock(wall, 330).to_string(), "13:30:00");
        assert_eq!(board_clock(wall, 0).to_string(), "08:00:00");
        assert_eq!(board_clock(wall, -300).to_string(), "03:00:00");
        assert!(board_clock(wall + Duration::from_millis(1), 330) > board_clock(wall, 330));
        assert_eq!(board_clock(UNIX_EPOCH, -60), Timestamp::ZERO, "never before the epoch");
    }

    #[test]
    fn the_image_serial_number_is_the_hash_of_the_handshake_text() {
        // FNV-1a 64 of "EVM-SIM-0001" (docs/MEMORY_FORMAT.md gives this value).
        assert_eq!(serial_number_value("EVM-SIM-0001"), serial_number_value("EVM-SIM-0001    "));
        assert_eq!(format!("{:#018x}", serial_number_value("EVM-SIM-0001")), EXAMPLE_SERIAL_NUMBER_VALUE);
    }

    /// Written into docs/MEMORY_FORMAT.md as the worked example.
    const EXAMPLE_SERIAL_NUMBER_VALUE: &str = "0x88b5a87920332f71";
}

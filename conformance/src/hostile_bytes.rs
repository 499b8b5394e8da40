//! Everything the protocol fuzzers keep, sent to a board over its real link:
//! `evm-conformance hostile-bytes --target T CORPUS...`. After each file the
//! board must still answer a `HELLO` (docs/PROTOCOL.md: a corrupt, overlong
//! or malformed frame is answered `NACK` and forgotten; nothing stops the
//! board), and every byte it sent must be whole, well-formed reply frames
//! (the in-process fuzzer's oracle, over the wire). The `HELLO` goes over
//! the same raw path with its own request id, so one decoder reads every
//! byte the board sends, in order. A file of the `board_bytes` corpus is the stream it builds (well
//! formed requests, noise, resends: `fuzzing::board_bytes_stream`); any
//! other file is sent as its raw bytes. The bytes go in pieces of
//! [`PIECE_BYTES`], so a frame is split across the board's reads (and a
//! UART's interrupts) at every offset a corpus produces.

use crate::target::wire::WireTarget;
use crate::target::TargetError;
use evm_sim::protocol::board::request_frame;
use evm_sim::protocol::frame::PROTOCOL_VERSION;
use evm_sim::protocol::host::{HostSession, Received};
use evm_sim::protocol::message::{Reply, Request};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Bytes sent at once.
pub const PIECE_BYTES: usize = 61;
/// The line is quiet this long after a file: the board has answered.
pub const QUIET: Duration = Duration::from_millis(20);
/// The request id of the harness's own `HELLO` (the corpora's built
/// requests use ids 0 to 7).
pub const HELLO_REQUEST_ID: u16 = 0xFFF0;
/// `HELLO` sent at most this many times after a file (as every request:
/// docs/PROTOCOL.md section 1), each followed by up to [`HELLO_WAIT`].
pub const HELLO_TRIES: usize = 12;
/// How long one `HELLO` waits for its reply.
pub const HELLO_WAIT: Duration = Duration::from_millis(250);
/// Before the first file the line is read and thrown away until quiet this
/// long: the connection's own `HELLO` may have been resent (a board's first
/// byte can take a second) and its duplicate answers be in flight, one of
/// them cut between the connection's reads and these (not a malformed frame
/// of the board's).
pub const SETTLE: Duration = Duration::from_millis(400);

/// What a run did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HostileBytesReport {
    pub target: String,
    pub files: usize,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// `HELLO`s answered, one after each file.
    pub handshakes: usize,
    /// Frames the board sent that were no well-formed reply.
    pub malformed_replies: u64,
    /// The first of them: the file it answered, and what was wrong.
    pub first_malformed: Option<FileFault>,
    /// The file after which the board stopped answering, and why.
    pub silenced_by: Option<FileFault>,
    pub elapsed_ms: u64,
}

/// A file, and what the board did wrong after it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileFault {
    pub file: PathBuf,
    pub error: String,
}

impl HostileBytesReport {
    /// For a terminal: the figures, then the outcome on a line of its own.
    pub fn summary(&self) -> String {
        let head = format!(
            "{} corpus files ({} bytes) sent to {}: {} handshakes answered, {} bytes received, {} malformed frames, {:.1} s",
            self.files,
            self.bytes_sent,
            self.target,
            self.handshakes,
            self.bytes_received,
            self.malformed_replies,
            self.elapsed_ms as f64 / 1000.0
        );
        let mut text = head;
        if let Some(malformed) = &self.first_malformed {
            text.push_str(&format!(
                "\nMALFORMED: after {} the board sent a frame that is no reply: {}",
                malformed.file.display(),
                malformed.error
            ));
        }
        match &self.silenced_by {
            None if self.first_malformed.is_none() => {
                text.push_str("\nALIVE: the board answered HELLO after every file, in well-formed frames only.")
            }
            None => {}
            Some(silenced) => text.push_str(&format!(
                "\nSILENCED: after {} the board did not answer HELLO: {}",
                silenced.file.display(),
                silenced.error
            )),
        }
        text
    }

    /// Whether the board passed: it answered after every file, in
    /// well-formed frames only.
    pub fn passed(&self) -> bool {
        self.silenced_by.is_none() && self.malformed_replies == 0
    }
}

/// The bytes a corpus file puts on the line.
pub fn stream_of(path: &Path, data: &[u8]) -> Vec<u8> {
    let in_board_bytes = path.parent().and_then(Path::file_name).is_some_and(|folder| folder == "board_bytes");
    if in_board_bytes {
        crate::fuzzing::board_bytes_stream(data)
    } else {
        data.to_vec()
    }
}

/// An I/O error with the path it happened at.
fn at(path: &Path) -> impl FnOnce(std::io::Error) -> std::io::Error + '_ {
    move |error| std::io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

/// The files of `paths` (files, or folders read one level deep), sorted.
pub fn corpus_files(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(at(path))?
                .map(|entry| entry.map(|entry| entry.path()))
                .collect::<std::io::Result<_>>()
                .map_err(at(path))?;
            inside.retain(|file| file.is_file());
            inside.sort();
            files.extend(inside);
        } else {
            std::fs::metadata(path).map_err(at(path))?;
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Reads what the board sent: counts the frames that are no reply, and
/// says whether the harness's `HELLO` was answered.
fn decode(session: &mut HostSession, bytes: &[u8], file: &Path, report: &mut HostileBytesReport) -> bool {
    let mut received = Vec::new();
    session.receive(bytes, &mut received);
    let mut answered = false;
    for item in received {
        match item {
            Received::Reply { request_id: HELLO_REQUEST_ID, reply: Reply::Hello { .. } } => answered = true,
            Received::Reply { .. } => {}
            Received::ProtocolError(error) => {
                report.malformed_replies += 1;
                report.first_malformed.get_or_insert(FileFault { file: file.to_path_buf(), error });
            }
        }
    }
    answered
}

/// Sends every file to `target`, then `HELLO` until it is answered; stops
/// at the first file after which the board does not answer.
pub fn run(
    target: &mut WireTarget,
    name: &str,
    files: &[PathBuf],
    mut progress: impl FnMut(usize),
) -> std::io::Result<HostileBytesReport> {
    let started = Instant::now();
    let mut report = HostileBytesReport {
        target: name.to_owned(),
        files: 0,
        bytes_sent: 0,
        bytes_received: 0,
        handshakes: 0,
        malformed_replies: 0,
        first_malformed: None,
        silenced_by: None,
        elapsed_ms: 0,
    };
    let hello = request_frame(HELLO_REQUEST_ID, &Request::Hello { highest_version: PROTOCOL_VERSION });
    // A link that fails here fails the first file's send below, with the file named.
    let _ = target.drain(SETTLE);
    let mut session = HostSession::new();
    for (index, file) in files.iter().enumerate() {
        let data = std::fs::read(file).map_err(at(file))?;
        let mut stream = stream_of(file, &data);
        // A delimiter ends whatever frame the file left open.
        stream.push(0);
        report.files += 1;
        report.bytes_sent += stream.len() as u64;
        let mut answered = false;
        let mut failure = None;
        match target.send_raw(&stream, PIECE_BYTES, QUIET) {
            Ok(bytes) => {
                report.bytes_received += bytes.len() as u64;
                // A HELLO of the corpus's own answered here is not the one after the file.
                decode(&mut session, &bytes, file, &mut report);
            }
            Err(TargetError { message, .. }) => failure = Some(message),
        }
        for _ in 0..HELLO_TRIES {
            if answered || failure.is_some() {
                break;
            }
            match target.send_raw_until(&hello, HELLO_WAIT, QUIET) {
                Ok(bytes) => {
                    report.bytes_received += bytes.len() as u64;
                    answered = decode(&mut session, &bytes, file, &mut report);
                }
                Err(TargetError { message, .. }) => failure = Some(message),
            }
        }
        if !answered {
            let error = failure.unwrap_or_else(|| format!("no HELLO_REPLY to {HELLO_TRIES} HELLOs"));
            report.silenced_by = Some(FileFault { file: file.clone(), error });
            break;
        }
        report.handshakes += 1;
        progress(index + 1);
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

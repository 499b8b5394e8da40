//! Everything the protocol fuzzers keep, sent to a board over its real link:
//! `evm-conformance hostile-bytes --target T CORPUS...`. After each file the
//! board must still answer a `HELLO` (docs/PROTOCOL.md: a corrupt, overlong
//! or malformed frame is answered `NACK` and forgotten; nothing stops the
//! board). A file of the `board_bytes` corpus is the stream it builds (well
//! formed requests, noise, resends: `fuzzing::board_bytes_stream`); any
//! other file is sent as its raw bytes. The bytes go in pieces of
//! [`PIECE_BYTES`], so a frame is split across the board's reads (and a
//! UART's interrupts) at every offset a corpus produces.

use crate::target::wire::WireTarget;
use crate::target::TargetError;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Bytes sent at once.
pub const PIECE_BYTES: usize = 61;
/// The line is quiet this long after a file: the board has answered.
pub const QUIET: Duration = Duration::from_millis(20);

/// What a run did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HostileBytesReport {
    pub target: String,
    pub files: usize,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// `HELLO`s answered, one after each file.
    pub handshakes: usize,
    /// The file after which the board stopped answering, and why.
    pub silenced_by: Option<Silenced>,
    pub elapsed_ms: u64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Silenced {
    pub file: PathBuf,
    pub error: String,
}

impl HostileBytesReport {
    /// For a terminal: the figures, then the outcome on a line of its own.
    pub fn summary(&self) -> String {
        let head = format!(
            "{} corpus files ({} bytes) sent to {}: {} handshakes answered, {} bytes received, {:.1} s",
            self.files,
            self.bytes_sent,
            self.target,
            self.handshakes,
            self.bytes_received,
            self.elapsed_ms as f64 / 1000.0
        );
        match &self.silenced_by {
            None => format!("{head}\nALIVE: the board answered HELLO after every file."),
            Some(silenced) => format!(
                "{head}\nSILENCED: after {} the board did not answer HELLO: {}",
                silenced.file.display(),
                silenced.error
            ),
        }
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

/// `HELLO`s tried after a file before the board counts as silenced: a board
/// that answers one with another reply (a late answer to the corpus's own
/// request with the same id) is asked again.
const HANDSHAKE_TRIES: usize = 3;

/// `HELLO` until the board answers `HELLO_REPLY`: a reply of another kind
/// (a late answer to the corpus's own request with the same id) is
/// drained and asked again; a link that stays down is the board silenced.
fn handshake(target: &mut WireTarget) -> Result<(), TargetError> {
    let mut outcome = target.handshake();
    for _ in 1..HANDSHAKE_TRIES {
        match &outcome {
            Err(error) if error.cause == crate::target::FailureCause::Board => {
                target.send_raw(&[], PIECE_BYTES, QUIET)?;
                outcome = target.handshake();
            }
            _ => break,
        }
    }
    outcome
}

/// Sends every file to `target`, a handshake after each; stops at the first
/// file after which the board does not answer.
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
        silenced_by: None,
        elapsed_ms: 0,
    };
    for (index, file) in files.iter().enumerate() {
        let data = std::fs::read(file).map_err(at(file))?;
        let mut stream = stream_of(file, &data);
        // A delimiter ends whatever frame the file left open.
        stream.push(0);
        report.files += 1;
        report.bytes_sent += stream.len() as u64;
        let outcome = target.send_raw(&stream, PIECE_BYTES, QUIET).and_then(|received| {
            report.bytes_received += received as u64;
            handshake(target)
        });
        if let Err(TargetError { message, .. }) = outcome {
            report.silenced_by = Some(Silenced { file: file.clone(), error: message });
            break;
        }
        report.handshakes += 1;
        progress(index + 1);
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

//! A simulated board in a separate process: `evm-sim serve --pty
//! --test-mode`, found beside this executable, its pseudo-terminal read
//! from the first line it prints.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long to wait for `evm-sim serve` to announce its device.
const SPAWN_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a simulated board could not be started.
#[derive(Debug, thiserror::Error)]
pub enum BoardProcessError {
    #[error("cannot find the evm-sim binary beside this one; build it (cargo build -p evm-sim) or set EVM_SIM_BINARY")]
    NoBinary,
    #[error("cannot start {binary}: {source}")]
    Start { binary: String, source: std::io::Error },
    #[error("evm-sim serve exited without announcing its device")]
    ExitedSilently,
    #[error("reading evm-sim's announcement: {0}")]
    Announcement(std::io::Error),
    #[error("evm-sim serve did not announce its device within {} s", SPAWN_TIMEOUT.as_secs())]
    TooSlow,
}

/// A started board process, killed when dropped.
pub struct BoardProcess {
    child: Child,
    /// The pseudo-terminal the board serves.
    pub device: String,
}

impl Drop for BoardProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl BoardProcess {
    /// Starts `evm-sim serve --pty --test-mode` (paced like a serial line
    /// of `pace_baud` when given) and waits for its device path.
    pub fn start(pace_baud: Option<u32>) -> Result<BoardProcess, BoardProcessError> {
        BoardProcess::start_board(pace_baud, true)
    }

    /// Starts `evm-sim serve --pty`, a field board (no test mode: its own
    /// machine and clock), and waits for its device path.
    pub fn start_field() -> Result<BoardProcess, BoardProcessError> {
        BoardProcess::start_board(None, false)
    }

    fn start_board(pace_baud: Option<u32>, test_mode: bool) -> Result<BoardProcess, BoardProcessError> {
        let binary = evm_sim_binary().ok_or(BoardProcessError::NoBinary)?;
        let mut command = Command::new(&binary);
        // The board ends with the harness, however the harness ends.
        command.args(["serve", "--pty", "--exit-with-parent"]);
        if test_mode {
            command.arg("--test-mode");
        }
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
            .map_err(|source| BoardProcessError::Start { binary: binary.display().to_string(), source })?;
        match read_announcement(&mut child) {
            Ok(device) => Ok(BoardProcess { child, device }),
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(error)
            }
        }
    }
}

fn read_announcement(child: &mut Child) -> Result<String, BoardProcessError> {
    let stdout = child.stdout.take().ok_or(BoardProcessError::ExitedSilently)?;
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
        Ok(Ok(_)) => Err(BoardProcessError::ExitedSilently),
        Ok(Err(error)) => Err(BoardProcessError::Announcement(error)),
        Err(_) => Err(BoardProcessError::TooSlow),
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

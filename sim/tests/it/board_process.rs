//! The board as an outside implementer meets it: a separate `evm-sim serve`
//! process on a real kernel pseudo-terminal, spoken to in raw protocol
//! bytes (docs/PROTOCOL.md), with crafted memory images written as a faulty
//! unit holding the key would write them (docs/MEMORY_FORMAT.md).

use evm_sim::detachable_memory::{HEADER_BYTES, MAC_BYTES, SIMULATION_UNIT_KEY};
use evm_sim::protocol::board::request_frame;
use evm_sim::protocol::frame::{Feed, FrameAccumulator};
use evm_sim::protocol::message::{InputOutcome, NackReason, Reply, Request, StateReport};
use evm_sim::serve::PRIVATE_FILE_MODE;
use evm_sim::{ButtonAddress, Input, Refusal, Timestamp};
use hmac::{Hmac, Mac};
use serialport::SerialPort;
use std::io::{BufRead, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a reply may take before the test says the board stopped answering.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// One `evm-sim serve --pty` process and the host end of its line.
struct BoardProcess {
    child: Child,
    port: Box<dyn SerialPort>,
    accumulator: FrameAccumulator,
    next_request_id: u16,
    /// Frames received and not yet taken, as (request id, reply).
    received: Vec<(u16, Reply)>,
}

/// The board under test: this build's `evm-sim`, or `EVM_SIM_BINARY` (to
/// show that a test fails on another build, an older one say).
fn evm_sim() -> PathBuf {
    std::env::var_os("EVM_SIM_BINARY").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_evm-sim")), PathBuf::from)
}

impl BoardProcess {
    fn start(arguments: &[&str]) -> BoardProcess {
        let mut child = Command::new(evm_sim())
            .args(["serve", "--pty"])
            .args(arguments)
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("evm-sim serve starts");
        let mut path = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut path).unwrap();
        let path = path.trim();
        assert!(path.starts_with("/dev/"), "evm-sim announced {path:?}");
        let port = serialport::new(path, 115_200).timeout(Duration::from_millis(20)).open().expect("opens the pty");
        BoardProcess { child, port, accumulator: FrameAccumulator::new(), next_request_id: 1, received: Vec::new() }
    }

    /// Writes raw bytes to the board.
    fn send(&mut self, bytes: &[u8]) {
        self.port.write_all(bytes).unwrap();
        self.port.flush().unwrap();
    }

    /// Reads for `quiet` and returns every frame that arrived.
    fn drain(&mut self, quiet: Duration) -> Vec<(u16, Reply)> {
        let until = Instant::now() + quiet;
        while Instant::now() < until {
            self.read_some();
        }
        std::mem::take(&mut self.received)
    }

    fn read_some(&mut self) {
        let mut buffer = [0u8; 4_096];
        let read = match self.port.read(&mut buffer) {
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::TimedOut => return,
            Err(error) => panic!("reading the pty: {error}"),
        };
        let mut bytes = &buffer[..read];
        loop {
            match self.accumulator.feed(bytes) {
                Feed::NeedMore => return,
                Feed::Frame { frame, rest } => {
                    let reply =
                        Reply::parse(frame.kind(), frame.payload()).expect("the board sends well-formed replies");
                    self.received.push((frame.request_id(), reply));
                    bytes = rest;
                }
                Feed::Corrupt { rest, .. } | Feed::Overfull { rest } => panic!("the board sent a bad frame ({rest:?})"),
            }
        }
    }

    /// Sends `request` and waits for the reply with its id (events are dropped).
    fn call(&mut self, request: &Request) -> Reply {
        let request_id = self.next_request_id;
        self.next_request_id += 1;
        self.send(&request_frame(request_id, request));
        let deadline = Instant::now() + REPLY_TIMEOUT;
        loop {
            if let Some(index) = self.received.iter().position(|(id, _)| *id == request_id) {
                return self.received.remove(index).1;
            }
            assert!(Instant::now() < deadline, "the board stopped answering {request:?}");
            assert!(self.child.try_wait().unwrap().is_none(), "the board process exited");
            self.read_some();
        }
    }

    fn input(&mut self, input: Input) -> InputOutcome {
        match self.call(&Request::Input { at: Timestamp::from_clock(7, 0, 0), input }) {
            Reply::Input(outcome) => outcome,
            other => panic!("{input:?} answered {other:?}"),
        }
    }

    fn accept(&mut self, input: Input) -> InputOutcome {
        let outcome = self.input(input);
        assert_eq!(outcome.refusal, None, "{input:?} refused");
        outcome
    }

    fn state(&mut self) -> StateReport {
        match self.call(&Request::ReadState) {
            Reply::State(state) => state,
            other => panic!("READ_STATE answered {other:?}"),
        }
    }

    /// Kills the process without warning: a power cut.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for BoardProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn press(button: u8) -> Input {
    Input::PressButton { address: ButtonAddress { balloting_unit: 1, button } }
}

/// A fresh path for a memory file.
fn memory_file(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("evm-board-{}-{name}.image", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir_all(path.with_extension("image.pending"));
    path
}

/// Powers a fresh unit up for 3 candidates with one balloting unit.
fn set_up(board: &mut BoardProcess) {
    for input in [
        Input::AttachBallotingUnit { position: 1 },
        Input::PowerOn { held_button: None },
        Input::CandSet { candidates: 3 },
        Input::SealCandidateSetSection,
    ] {
        board.accept(input);
    }
}

fn vote(board: &mut BoardProcess, button: u8) {
    board.accept(Input::Ballot);
    assert_eq!(board.accept(press(button)).votes_recorded, 1);
}

/// Rewrites the image at `path` as a faulty unit holding the (public)
/// simulation key would write it: `edit` changes the bytes, the tag is
/// computed again, so the image is genuine.
fn rewrite_genuine(path: &Path, edit: impl FnOnce(&mut [u8])) {
    let mut bytes = std::fs::read(path).unwrap();
    let sealed = bytes.len() - MAC_BYTES;
    edit(&mut bytes[..sealed]);
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&SIMULATION_UNIT_KEY).unwrap();
    mac.update(&bytes[..sealed]);
    bytes[sealed..].copy_from_slice(&mac.finalize().into_bytes());
    std::fs::write(path, &bytes).unwrap();
}

#[test]
fn a_genuine_image_that_does_not_add_up_is_a_memory_fault_the_board_reports_and_survives() {
    let memory = memory_file("inconsistent");
    let path = memory.to_str().unwrap();
    let mut board = BoardProcess::start(&["--memory", path]);
    set_up(&mut board);
    vote(&mut board, 1);
    vote(&mut board, 2);
    board.kill();
    // One more vote for candidate 1 in its counter, the total left at 2.
    rewrite_genuine(&memory, |bytes| bytes[HEADER_BYTES] += 1);

    let mut board = BoardProcess::start(&["--memory", path]);
    assert!(board.state().memory_inconsistent, "STATE says nothing of the fault");
    let on = board.accept(Input::PowerOn { held_button: None });
    assert_eq!(on.display.as_str(), "MEMORY ERROR COUNTS_DIFFER_FROM_TOTAL");
    board.accept(Input::AttachBallotingUnit { position: 1 });
    for input in [Input::Ballot, press(3), Input::Clear, Input::CandSet { candidates: 4 }] {
        let outcome = board.input(input);
        assert_eq!(outcome.refusal, Some(Refusal::MemoryInconsistent), "{input:?} was not refused");
        assert_eq!(outcome.display.as_str(), "MEMORY ERROR COUNTS_DIFFER_FROM_TOTAL", "{input:?}");
    }
    // The memory can still be read at counting, the inconsistency in view.
    board.accept(Input::Close);
    let result = board.accept(Input::Result);
    assert_eq!((result.total, result.display.as_str()), (2, "MEMORY ERROR COUNTS_DIFFER_FROM_TOTAL"));
    match board.call(&Request::ReadResult) {
        Reply::Result { total, counts } => assert_eq!((total, counts), (2, vec![2, 1, 0, 0])),
        other => panic!("READ_RESULT answered {other:?}"),
    }
    // And the board goes on answering.
    assert!(matches!(board.call(&Request::Hello { highest_version: 1 }), Reply::Hello { .. }));
    assert!(board.state().memory_inconsistent);
    drop(board);
    let _ = std::fs::remove_file(&memory);
}

#[test]
fn a_vote_the_memory_could_not_keep_is_not_counted_and_the_unit_stops_as_after_a_power_cut() {
    let memory = memory_file("fault");
    let mut board = BoardProcess::start(&["--memory", memory.to_str().unwrap()]);
    set_up(&mut board);
    vote(&mut board, 1);
    // The pending file cannot be created: every later write fails.
    let pending = PathBuf::from(format!("{}.pending", memory.display()));
    std::fs::create_dir(&pending).unwrap();
    board.accept(Input::Ballot);
    assert_eq!(
        board.call(&Request::Input { at: Timestamp::ZERO, input: press(2) }),
        Reply::Nack(NackReason::MemoryFault)
    );
    let state = board.state();
    assert_eq!(
        (state.powered, state.lamps.on, state.ballot_enabled, state.total),
        (false, false, false, 1),
        "after memory_fault: {state:?}"
    );
    assert_eq!(
        board.call(&Request::Input { at: Timestamp::ZERO, input: Input::PowerOn { held_button: None } }),
        Reply::Nack(NackReason::MemoryFault),
        "a stopped unit takes no input until restarted"
    );
    drop(board);
    std::fs::remove_dir(&pending).unwrap();
    let _ = std::fs::remove_file(&memory);
}

#[test]
fn the_memory_file_is_private_and_keeps_the_mode_its_owner_gives_it() {
    let memory = memory_file("mode");
    let mut board = BoardProcess::start(&["--memory", memory.to_str().unwrap()]);
    set_up(&mut board);
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&memory), PRIVATE_FILE_MODE, "a new unit's memory is readable by others");
    std::fs::set_permissions(&memory, std::fs::Permissions::from_mode(0o640)).unwrap();
    vote(&mut board, 1);
    assert_eq!(mode(&memory), 0o640, "a vote undid the owner's chmod");
    drop(board);
    let _ = std::fs::remove_file(&memory);
}

/// Seconds since midnight now, in Indian Standard Time (UTC + 5:30, the
/// board's default `--utc-offset`).
fn indian_second_of_day() -> u64 {
    (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 19_800) % 86_400
}

/// The seconds of day of "PST hh-mm-ss PET hh-mm-ss TOTAL nnnn".
fn poll_times(display: &str) -> (u64, u64) {
    let seconds = |text: &str| -> u64 {
        let parts: Vec<u64> = text.split('-').map(|part| part.parse().unwrap()).collect();
        parts[0] * 3_600 + parts[1] * 60 + parts[2]
    };
    let words: Vec<&str> = display.split(' ').collect();
    assert_eq!((words[0], words[2]), ("PST", "PET"), "{display}");
    (seconds(words[1]), seconds(words[3]))
}

/// Distance on a 24-hour clock face, in seconds.
fn clock_distance(first: u64, second: u64) -> u64 {
    let difference = first.abs_diff(second);
    difference.min(86_400 - difference)
}

#[test]
fn the_board_clock_is_the_real_time_of_day_and_does_not_restart_at_midnight_after_a_restart() {
    let memory = memory_file("clock");
    let arguments = ["--memory", memory.to_str().unwrap()];
    let mut board = BoardProcess::start(&arguments);
    set_up(&mut board);
    let voted_at = indian_second_of_day();
    vote(&mut board, 1);
    board.kill();
    std::thread::sleep(Duration::from_millis(1_100));
    let mut board = BoardProcess::start(&arguments);
    board.accept(Input::PowerOn { held_button: None });
    let closed = board.accept(Input::Close);
    let closed_at = indian_second_of_day();
    let (start, end) = poll_times(closed.display.as_str());
    assert!(clock_distance(start, voted_at) <= 5, "poll start {start} s, the vote was at {voted_at} s of day (IST)");
    assert!(clock_distance(end, closed_at) <= 5, "poll end {end} s, Close was at {closed_at} s of day (IST)");
    assert!(
        clock_distance(end, start) < 600 && (end + 86_400 - start) % 86_400 < 600,
        "poll end {end} before start {start}"
    );
    drop(board);
    let _ = std::fs::remove_file(&memory);
}

#[test]
fn a_restart_does_not_empty_the_vote_rate_window() {
    let memory = memory_file("rate");
    let mut board = BoardProcess::start(&["--memory", memory.to_str().unwrap()]);
    set_up(&mut board);
    // M2: five votes a minute, on the board's own clock.
    for button in [1, 2, 3, 1, 2] {
        vote(&mut board, button);
    }
    assert_eq!(board.input(Input::Ballot).refusal, Some(Refusal::RateLimited { votes_per_minute: 5 }));
    // Switched off and on, the unit still knows its last votes.
    board.accept(Input::PowerOff);
    board.accept(Input::PowerOn { held_button: None });
    assert_eq!(board.input(Input::Ballot).refusal, Some(Refusal::RateLimited { votes_per_minute: 5 }));
    // Killed and restarted from its memory: the times are lost, the limit is not.
    board.kill();
    let mut board = BoardProcess::start(&["--memory", memory.to_str().unwrap()]);
    board.accept(Input::AttachBallotingUnit { position: 1 });
    board.accept(Input::PowerOn { held_button: None });
    assert_eq!(board.input(Input::Ballot).refusal, Some(Refusal::RateLimited { votes_per_minute: 5 }));
    drop(board);
    let _ = std::fs::remove_file(&memory);
}

#[test]
fn an_overfull_block_gets_one_nack_and_the_line_is_in_step_after_it() {
    let mut board = BoardProcess::start(&["--test-mode"]);
    board.send(&vec![0x33; 5_000]);
    board.send(&[0x00]);
    let answers = board.drain(Duration::from_millis(500));
    assert_eq!(answers, vec![(0, Reply::Nack(NackReason::CorruptFrame))], "one overfull block, one NACK");
    assert!(matches!(board.call(&Request::Hello { highest_version: 1 }), Reply::Hello { .. }));
}

#[test]
fn the_result_is_not_read_from_a_unit_that_is_switched_off() {
    let mut board = BoardProcess::start(&["--test-mode"]);
    set_up(&mut board);
    vote(&mut board, 2);
    board.accept(Input::Close);
    board.accept(Input::Result);
    assert!(matches!(board.call(&Request::ReadResult), Reply::Result { total: 1, .. }));
    board.accept(Input::PowerOff);
    assert_eq!(board.call(&Request::ReadResult), Reply::Nack(NackReason::ResultRefused(Refusal::PoweredOff)));
}

#[test]
fn a_board_started_with_a_defect_but_no_test_mode_carries_it_and_does_not_claim_to_switch_defects() {
    let mut board = BoardProcess::start(&["--defect", "result_while_sealed"]);
    let Reply::Hello { capabilities, .. } = board.call(&Request::Hello { highest_version: 1 }) else {
        panic!("no HELLO_REPLY")
    };
    assert_eq!(capabilities, 0, "a board without test mode cannot switch defects per trace");
    assert_eq!(
        board.call(&Request::TestStartMachine {
            profile: evm_sim::MachineProfile::m2(),
            defects: evm_sim::Defects::NONE
        }),
        Reply::Nack(NackReason::NotInTestMode)
    );
    set_up(&mut board);
    vote(&mut board, 1);
    board.accept(Input::FixResultSeal);
    board.accept(Input::Close);
    assert_eq!(board.input(Input::Result).refusal, None, "the seeded defect is carried");
    let help = Command::new(evm_sim()).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("cannot switch it"), "--help does not say what --defect without --test-mode does:\n{help}");
}

#[test]
fn flags_a_board_cannot_honour_are_refused_at_start_with_the_reason() {
    let memory = memory_file("flags");
    let memory = memory.to_str().unwrap();
    for (arguments, reason) in [
        (vec!["--serial-number", "A-SERIAL-NUMBER-LONGER-THAN-16"], "1 to 16 printable ASCII characters"),
        (vec!["--serial-number", "EVM 0001 "], "no leading or trailing space"),
        (vec!["--utc-offset", "5:30"], "+HH:MM or -HH:MM"),
        (vec!["--utc-offset", "+15:00"], "+HH:MM or -HH:MM"),
        (vec!["--utc-offset", "+-5:30"], "+HH:MM or -HH:MM"),
        (vec!["--utc-offset", "+05:-3"], "+HH:MM or -HH:MM"),
        (vec!["--test-mode", "--memory", memory], "cannot be used with"),
    ] {
        let output = Command::new(evm_sim()).args(["serve", "--pty"]).args(&arguments).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}: {stderr}");
        assert!(stderr.contains(reason), "{arguments:?} gave no reason: {stderr}");
        assert!(output.stdout.is_empty(), "{arguments:?} announced a board");
    }
    assert!(!Path::new(memory).exists(), "a refused start wrote a memory file");
}

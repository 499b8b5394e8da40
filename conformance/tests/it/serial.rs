//! Hardware in the loop, with the simulated board: a separate `evm-sim serve`
//! process on a real kernel pseudo-terminal (and on TCP), driven through the
//! serial protocol, must give exactly the verdicts of the in-process target;
//! under link faults a run gives the same verdicts or reports the link, never
//! a wrong verdict; a capture replays.

use evm_conformance::runner::run;
use evm_conformance::target::{board_process::evm_sim_binary, WireTarget};
use evm_conformance::target::{SimTarget, Target};
use evm_sim::protocol::faults::FaultRates;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn traces() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../traces")
}

use super::serial_support::{ensure_board_binary, harness, pty_board, scratch};

fn verdicts(target: &mut dyn Target) -> Vec<(String, String, Option<String>, Option<usize>)> {
    let report = run(&[traces()], target, |_| {}).expect("traces readable");
    report
        .traces
        .into_iter()
        .map(|trace| {
            (
                trace.path,
                trace.verdict.as_str().to_owned(),
                trace.property.map(|property| property.id().to_owned()),
                trace.line,
            )
        })
        .collect()
}

/// The same verdict on every trace, but for the traces a board cannot run
/// because the counting takes up a machine that left use (a board is one
/// control unit; the in-process target keeps them): not applicable there,
/// and said so.
fn assert_verdicts_agree(
    in_process: &[(String, String, Option<String>, Option<usize>)],
    over_the_wire: &[(String, String, Option<String>, Option<usize>)],
) {
    const ONE_MACHINE: &[&str] =
        &["station-counting-adjourned-poll-counted-after.jsonl", "station-counting-voided-poll-machine-counted.jsonl"];
    assert_eq!(in_process.len(), over_the_wire.len());
    for (local, remote) in in_process.iter().zip(over_the_wire) {
        if ONE_MACHINE.iter().any(|name| remote.0.ends_with(name)) {
            assert_eq!(remote.1, "not_applicable", "{remote:?}");
            continue;
        }
        assert_eq!(local, remote, "the wire target disagrees with the in-process one");
    }
}

#[test]
fn the_corpus_over_a_pseudo_terminal_gives_the_in_process_verdicts() {
    ensure_board_binary();
    let in_process = verdicts(&mut SimTarget::new());
    let mut board = WireTarget::spawn_simulated_board(None).expect("evm-sim serve --pty starts");
    assert!(board.name().starts_with("sim-pty (/dev/pts/"), "{}", board.name());
    let over_the_wire = verdicts(&mut board);
    // Resends are lawful (a loaded machine outlives a short timeout; the
    // board's de-duplication window keeps every press exactly once): what
    // must hold is that the verdicts agree.
    assert_verdicts_agree(&in_process, &over_the_wire);
}

#[test]
fn the_corpus_over_tcp_gives_the_in_process_verdicts() {
    ensure_board_binary();
    let mut child = Command::new(evm_sim_binary().unwrap())
        .args(["serve", "--tcp", "127.0.0.1:0", "--test-mode"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("evm-sim serve --tcp starts");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let result = std::panic::catch_unwind(|| {
        let mut board = WireTarget::tcp(line.trim()).expect("connects");
        assert_verdicts_agree(&verdicts(&mut SimTarget::new()), &verdicts(&mut board));
    });
    let _ = child.kill();
    let _ = child.wait();
    result.unwrap();
}

#[test]
fn under_link_faults_verdicts_are_the_same_or_the_link_is_reported() {
    ensure_board_binary();
    let seed = 0xFA17_u64;
    println!("fault injection seed {seed}");
    let in_process = verdicts(&mut SimTarget::new());
    let mut board = WireTarget::spawn_simulated_board(None).expect("board starts");
    board.inject_faults(
        FaultRates {
            drop_per_million: 2_000,
            corrupt_per_million: 2_000,
            duplicate_per_million: 1_000,
            ..FaultRates::default()
        },
        seed,
    );
    let faulty = run(&[traces().join("conformance")], &mut board, |_| {}).expect("readable");
    let in_process_conformance: Vec<_> =
        in_process.into_iter().filter(|(path, ..)| path.contains("/traces/conformance/")).collect();
    assert_eq!(faulty.traces.len(), in_process_conformance.len());
    for (trace, expected) in faulty.traces.iter().zip(&in_process_conformance) {
        let got = (
            trace.path.clone(),
            trace.verdict.as_str().to_owned(),
            trace.property.map(|property| property.id().to_owned()),
            trace.line,
        );
        // The link failed past its retries: not judged, and said so.
        let link_failure = trace.verdict.as_str() == "inconclusive"
            && trace.cause == Some(evm_conformance::target::FailureCause::Link)
            && trace.reason.as_deref().is_some_and(|reason| reason.contains("no answer"));
        // A board is one control unit: the counting cannot take up a machine
        // that left use (the in-process target keeps them).
        let one_machine = trace.verdict.as_str() == "not_applicable"
            && trace.reason.as_deref().is_some_and(|reason| reason.contains("keeps one machine only"));
        assert!(
            got == *expected || link_failure || one_machine,
            "seed {seed}: {got:?} vs {expected:?} ({:?})",
            trace.reason
        );
    }
    assert!(board.retransmissions() > 0, "seed {seed}: the faults must have struck");
}

#[test]
fn a_board_that_does_not_answer_is_a_clear_error() {
    // A pseudo-terminal with nobody behind it.
    let (_master, slave) = serialport::TTYPort::pair().expect("pty pair");
    let path = serialport::SerialPort::name(&slave).unwrap();
    drop(slave);
    let error = WireTarget::serial(&path, 115_200).err().expect("no board answers");
    assert!(error.to_string().contains("no answer after"), "{error}");
}

#[test]
fn a_capture_records_every_frame_and_reads_back() {
    ensure_board_binary();
    let mut board = WireTarget::spawn_simulated_board(None).expect("board starts");
    let path = std::env::temp_dir().join(format!("evm-capture-{}.pcap", std::process::id()));
    board.start_capture(&path).unwrap();
    board.start_machine(evm_sim::MachineProfile::m2(), evm_sim::Defects::NONE).unwrap();
    for input in [
        evm_sim::Input::AttachBallotingUnit { position: 1 },
        evm_sim::Input::PowerOn { held_button: None },
        evm_sim::Input::Total,
    ] {
        board.step(evm_sim::Timestamp::ZERO, input).unwrap();
    }
    drop(board);
    let frames = evm_conformance::target::capture::read_capture(&std::fs::read(&path).unwrap()).unwrap();
    // The handshake (kept from before the capture started), then four
    // requests; every request's reply, and events the board sent after them.
    let decoded: Vec<(evm_conformance::target::capture::Direction, u8, u16)> = frames
        .iter()
        .map(|frame| {
            let mut accumulator = evm_sim::protocol::frame::FrameAccumulator::new();
            let evm_sim::protocol::frame::Feed::Frame { frame: decoded, .. } = accumulator.feed(&frame.wire) else {
                panic!("a captured frame does not decode: {frame:?}")
            };
            (frame.direction, decoded.kind(), decoded.request_id())
        })
        .collect();
    use evm_conformance::target::capture::Direction::{BoardToHost, HostToBoard};
    use evm_sim::protocol::message::kind;
    assert_eq!(decoded[..2], [(HostToBoard, kind::HELLO, 1), (BoardToHost, kind::HELLO_REPLY, 1)], "{decoded:?}");
    let requests: Vec<u16> =
        decoded.iter().filter(|(direction, _, _)| *direction == HostToBoard).map(|(_, _, id)| *id).collect();
    assert_eq!(requests.len(), 5, "{decoded:?}");
    for id in requests {
        assert!(
            decoded.iter().any(|&(direction, _, reply_id)| direction == BoardToHost && reply_id == id),
            "no reply to {id}"
        );
    }
    let trace = evm_conformance::target::capture::capture_to_trace(&frames, "M2", 5).unwrap();
    assert!(trace.contains("\"event\":\"power_on\"") && trace.contains("\"event\":\"total\""), "{trace}");
    let _ = std::fs::remove_file(path);
}

/// Starts `evm-sim serve --tcp` with a memory file; returns the child and its address.
fn serve_with_memory(memory: &std::path::Path) -> (std::process::Child, String, std::process::ChildStderr) {
    let mut child = Command::new(evm_sim_binary().unwrap())
        .args(["serve", "--tcp", "127.0.0.1:0", "--memory"])
        .arg(memory)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("evm-sim serve starts");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let stderr = child.stderr.take().unwrap();
    (child, line.trim().to_owned(), stderr)
}

#[test]
fn a_board_with_a_memory_file_keeps_every_beeped_vote_across_a_kill_and_refuses_a_tampered_file() {
    use evm_sim::protocol::message::{Reply, Request};
    use evm_sim::{ButtonAddress, Input, Timestamp};
    ensure_board_binary();
    let memory = std::env::temp_dir().join(format!("evm-memory-{}.image", std::process::id()));
    let _ = std::fs::remove_file(&memory);
    let (mut child, address, _stderr) = serve_with_memory(&memory);
    let mut board = WireTarget::tcp(&address).expect("connects");
    let press = |board: &mut WireTarget, input: Input| match board
        .call(&Request::Input { at: Timestamp::ZERO, input })
        .unwrap()
    {
        Reply::Input(outcome) => outcome,
        other => panic!("{input:?}: {other:?}"),
    };
    for input in [
        Input::AttachBallotingUnit { position: 1 },
        Input::PowerOn { held_button: None },
        Input::CandSet { candidates: 3 },
        Input::SealCandidateSetSection,
    ] {
        assert_eq!(press(&mut board, input).refusal, None, "{input:?}");
    }
    for button in [1, 2, 2] {
        press(&mut board, Input::Ballot);
        assert_eq!(
            press(&mut board, Input::PressButton { address: ButtonAddress { balloting_unit: 1, button } })
                .votes_recorded,
            1
        );
    }
    press(&mut board, Input::Ballot);
    drop(board);
    // A power cut: the process dies without warning.
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, address, _stderr) = serve_with_memory(&memory);
    let mut board = WireTarget::tcp(&address).expect("reconnects");
    let Reply::State(state) = board.call(&Request::ReadState).unwrap() else { panic!("no state") };
    assert_eq!(
        (state.total, state.ballot_enabled, state.powered),
        (3, false, false),
        "three beeped votes kept, the enable not"
    );
    drop(board);
    child.kill().unwrap();
    child.wait().unwrap();
    // Tampering with the file outside the unit: the board refuses to start on it.
    let mut bytes = std::fs::read(&memory).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&memory, &bytes).unwrap();
    let output = Command::new(evm_sim_binary().unwrap())
        .args(["serve", "--tcp", "127.0.0.1:0", "--memory"])
        .arg(&memory)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("tampered: do not count"), "{stderr}");
    assert_eq!(std::fs::read(&memory).unwrap(), bytes, "the evidence is left as it is");
    let _ = std::fs::remove_file(&memory);
}

#[test]
fn run_with_capture_writes_a_pcap_of_the_session() {
    ensure_board_binary();
    let capture = std::env::temp_dir().join(format!("evm-run-capture-{}.pcap", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_evm-conformance"))
        .args(["run", "--quiet", "--target", "sim-pty", "--capture"])
        .arg(&capture)
        .arg(traces().join("handwritten"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let frames = evm_conformance::target::capture::read_capture(&std::fs::read(&capture).unwrap()).unwrap();
    assert!(frames.len() > 100, "{} frames", frames.len());
    let refused = Command::new(env!("CARGO_BIN_EXE_evm-conformance"))
        .args(["run", "--target", "sim", "--capture", "/tmp/never.pcap"])
        .arg(traces().join("handwritten"))
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2), "the in-process target has no wire");
    let _ = std::fs::remove_file(capture);
}

/// A trace the board cannot run is "not run", never "as expected" nor caught;
/// a run where nothing could run is no verdict (exit 2), never CONFORMS.
#[test]
fn a_trace_a_field_board_cannot_run_is_not_run_and_catches_nothing() {
    ensure_board_binary();
    let mut board = Command::new(evm_sim_binary().unwrap())
        .args(["serve", "--tcp", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut address = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(board.stdout.take().unwrap()), &mut address).unwrap();
    let target = format!("tcp:{}", address.trim());
    let out = scratch("not-run");
    let (json, junit) = (out.join("r.json"), out.join("r.xml"));
    let defect = traces().join("conformance/defect-result-while-sealed.jsonl");
    let lawful = traces().join("conformance/unit-cand-set-needs-units.jsonl");
    let output = harness()
        .args(["run", "--target", &target, "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg(&defect)
        .arg(&lawful)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("1 as expected, 0 differ, 1 not run (not applicable)"), "{stdout}");
    assert!(stdout.contains("CONFORMS: all 1 traces that ran gave their expected verdict; 1 not run"), "{stdout}");
    assert!(
        stdout.contains("properties not exercised on this target: CANDSET, ZERO, ONE-VOTE, SEALED-RESULT"),
        "{stdout}"
    );
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!((report["summary"]["not_run"].as_u64(), report["summary"]["as_expected"].as_u64()), (Some(1), Some(1)));
    assert!(!report["summary"]["properties_caught"]
        .as_array()
        .unwrap()
        .iter()
        .any(|property| property == "SEALED-RESULT"));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("skipped=\"1\"") && xml.contains("<skipped message=\"not run (not applicable)"), "{xml}");
    // Only the trace it cannot run: nothing ran, no verdict.
    let output = harness().args(["run", "--target", &target]).arg(&defect).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("NOTHING RUN"));
    // The HTML table: a property whose only trace was not run is not "1 of 1 caught".
    let mut wire = WireTarget::tcp(address.trim()).unwrap();
    let not_run = run(std::slice::from_ref(&defect), &mut wire, |_| {}).unwrap();
    let page = evm_conformance::report::html::report_page(&not_run, "");
    assert!(page.contains("— (not exercised)") && !page.contains("class=\"ok\">1 of 1"), "{page}");
    assert!(page.contains("NOTHING RUN"), "{page}");
    drop(wire);
    board.kill().unwrap();
    board.wait().unwrap();
}

/// SIGTERM to a run on a spawned board: the reports of what finished are
/// written, the traces in flight are `interrupted`, the board process is
/// stopped, the exit status is 130.
#[test]
fn sigterm_stops_a_run_cleanly_with_its_board() {
    ensure_board_binary();
    let out = scratch("sigterm");
    let json = out.join("r.json");
    let child = harness()
        .args(["run", "--quiet", "--target", "sim-pty", "--json"])
        .arg(&json)
        .arg(traces().join("conformance"))
        .arg(traces().join("conformance"))
        .arg(traces().join("conformance"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let harness_pid = child.id();
    // The board the run spawned: a child process of the harness.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let board_pid = loop {
        let found = std::fs::read_dir("/proc").unwrap().filter_map(Result::ok).find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let after_name = stat.rsplit_once(')')?.1;
            let parent: u32 = after_name.split_whitespace().nth(1)?.parse().ok()?;
            (parent == harness_pid && stat.contains("(evm-sim)")).then_some(pid)
        });
        if let Some(pid) = found {
            break pid;
        }
        assert!(std::time::Instant::now() < deadline, "the harness spawned no board");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    let sent = Command::new("kill").args(["-TERM", &harness_pid.to_string()]).status().unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(report["summary"]["interrupted"].as_u64().unwrap() > 0, "{}", report["summary"]);
    assert!(report["traces"].as_array().unwrap().iter().any(|trace| trace["status"] == "interrupted"));
    let gone = (0..100).any(|_| {
        let alive = std::fs::read_to_string(format!("/proc/{board_pid}/stat"))
            .is_ok_and(|stat| !stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')));
        if alive {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        !alive
    });
    assert!(gone, "the board process {board_pid} outlived the harness");
}

/// A captured session becomes a trace and its expected verdict, which
/// replay as expected on the simulator and on the board; the board's logs
/// stay quiet (warnings only).
#[test]
fn capture_to_trace_gives_a_pair_that_replays_on_both_targets() {
    ensure_board_binary();
    let out = scratch("capture-to-trace");
    let capture = out.join("session.pcap");
    let recorded = harness()
        .args(["run", "--target", "sim-pty", "--capture"])
        .arg(&capture)
        .arg(traces().join("conformance/unit-total-during-poll.jsonl"))
        .output()
        .unwrap();
    assert_eq!(recorded.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&recorded.stderr);
    assert!(!stderr.contains(" INFO "), "logs are warnings and errors by default: {stderr}");
    let day = out.join("day.jsonl");
    let converted = harness().arg("capture-to-trace").arg(&capture).arg("--out").arg(&day).output().unwrap();
    assert!(converted.status.success(), "{}", String::from_utf8_lossy(&converted.stderr));
    assert!(out.join("day.expected.json").exists());
    for target in ["sim", "sim-pty"] {
        let replayed = harness().args(["run", "--target", target]).arg(&day).output().unwrap();
        assert_eq!(replayed.status.code(), Some(0), "{target}: {}", String::from_utf8_lossy(&replayed.stdout));
    }
}

/// On a terminal a run longer than a second shows its progress — traces
/// done, the board, the trace now replaying — and nothing with --quiet.
#[test]
fn a_long_run_on_a_terminal_shows_its_progress_and_quiet_silences_it() {
    ensure_board_binary();
    let corpus = traces().join("conformance");
    let corpus = corpus.to_str().unwrap();
    let on_a_terminal = |quiet: &str| {
        let command = format!(
            "{} run {quiet} --target sim-pty {corpus} {corpus} {corpus} {corpus} {corpus} {corpus}",
            env!("CARGO_BIN_EXE_evm-conformance")
        );
        // util-linux `script` gives the run a pseudo-terminal of its own.
        let output = Command::new("script").args(["-qefc", &command, "/dev/null"]).output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let shown = on_a_terminal("");
    assert!(shown.contains("traces") && shown.contains("on sim-pty"), "{shown}");
    // The current trace's name (cut to the terminal's width).
    let named =
        shown.split("on sim-pty: ").skip(1).any(|rest| rest.starts_with(|letter: char| letter.is_ascii_lowercase()));
    assert!(named, "the current trace: {shown}");
    let quiet = on_a_terminal("--quiet");
    assert!(!quiet.contains("on sim-pty"), "{quiet}");
}

/// A harness killed outright (no chance to clean up) does not leave its
/// board behind: `serve --exit-with-parent` ends with it.
#[test]
fn a_board_ends_with_a_harness_killed_outright() {
    ensure_board_binary();
    let mut harness_process = harness()
        .args(["run", "--quiet", "--target", "sim-pty"])
        .arg(traces().join("conformance"))
        .arg(traces().join("conformance"))
        .arg(traces().join("conformance"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let harness_pid = harness_process.id();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let board_pid = loop {
        let found = std::fs::read_dir("/proc").unwrap().filter_map(Result::ok).find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let parent: u32 = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
            (parent == harness_pid && stat.contains("(evm-sim)")).then_some(pid)
        });
        if let Some(pid) = found {
            break pid;
        }
        assert!(std::time::Instant::now() < deadline, "the harness spawned no board");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    harness_process.kill().unwrap();
    harness_process.wait().unwrap();
    let gone = (0..150).any(|_| {
        let alive = std::fs::read_to_string(format!("/proc/{board_pid}/stat"))
            .is_ok_and(|stat| !stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')));
        if alive {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        !alive
    });
    assert!(gone, "board {board_pid} outlived the killed harness");
}

/// Issue 13: a field board (no test mode) is not given a trace it cannot
/// run: an M3 trace on an M2 board, or a rate limit the board does not
/// have, is `not_applicable` with the reason in words (no Rust `Debug` of a
/// profile), and a trace it can run is run.
#[test]
fn a_field_board_is_not_given_a_machine_it_is_not() {
    ensure_board_binary();
    let (mut child, device) = pty_board(&[]);
    let result = std::panic::catch_unwind(|| {
        let mut board = WireTarget::serial(&device, 115_200).expect("connects");
        assert!(!board.offers_test_mode());
        let trace = traces().join("conformance/unit-64-candidates-m3.jsonl");
        let report = run(&[trace], &mut board, |_| {}).expect("readable");
        let trace = &report.traces[0];
        assert_eq!(trace.verdict, evm_conformance::verdict::VerdictKind::NotApplicable, "{trace:?}");
        let reason = trace.reason.clone().unwrap_or_default();
        assert!(reason.contains("an M3 machine (24 balloting units), not an M2 (4)"), "{reason}");
        assert!(reason.contains("has no test mode") && !reason.contains("MachineProfile {"), "{reason}");
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// Issue 13: a trace the harness could not judge — here the board died
/// after the handshake, so nothing comes back — is `inconclusive` with its
/// cause (the link), never a pass and never a fail: the run's headline
/// says so and its exit status is 3.
#[test]
fn a_board_that_dies_leaves_its_trace_inconclusive_not_failed() {
    ensure_board_binary();
    let (mut child, device) = pty_board(&["--test-mode"]);
    let mut board = WireTarget::serial(&device, 115_200).expect("connects");
    let _ = child.kill();
    let _ = child.wait();
    let trace = traces().join("conformance/unit-16-candidates-full-day.jsonl");
    let report = run(&[trace], &mut board, |_| {}).expect("readable");
    let judged = &report.traces[0];
    assert_eq!(judged.status, evm_conformance::report::TraceStatus::Inconclusive, "{judged:?}");
    assert_eq!(judged.verdict, evm_conformance::verdict::VerdictKind::Inconclusive);
    assert_eq!(judged.cause, Some(evm_conformance::target::FailureCause::Link), "{judged:?}");
    assert!(!judged.matches_expected && judged.findings.is_empty());
    assert_eq!(report.summary.differs, 0, "never a fail");
    assert_eq!(report.exit_status(), evm_conformance::report::EXIT_INCONCLUSIVE);
    let headline = evm_conformance::report::headline(&report);
    assert!(headline.starts_with("INCONCLUSIVE: 1 of 1 traces could not be judged (1 link)"), "{headline}");
}

/// Issue 13: field mode. A board without test mode reads its own clock, so
/// the harness waits in real time on the trace's field schedule: an hour
/// of set-up shrinks to milliseconds, presses too fast on purpose stay too
/// fast (the board's own clock refuses the sixth `Ballot` in a minute), a
/// gap a threshold sees is waited for in real time (a board with a 12 s
/// minimum interval takes the `Ballot` 13 s after a vote, and refuses the
/// one 5 s after), and a trace that needs more real time than the budget is
/// not run, with the reason in words.
#[test]
fn a_field_board_is_paced_in_real_time_on_the_shortest_schedule() {
    ensure_board_binary();
    let folder = std::env::temp_dir().join(format!("evm-field-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let mut lines = vec![
        r#"{"trace":"evm-poll-day","version":1,"profile":"M2","polling_station":{"number":3},"candidates":["A","B"],"electors_assigned":10,"provenance":{"source":"test"}}"#.to_owned(),
        r#"{"at":"05:00:00","event":"attach_balloting_unit","position":1}"#.to_owned(),
        r#"{"at":"05:30:00","event":"power_on"}"#.to_owned(),
        r#"{"at":"05:30:10","event":"cand_set","candidates":2}"#.to_owned(),
        r#"{"at":"05:30:20","event":"seal_candidate_set_section"}"#.to_owned(),
        r#"{"at":"05:30:30","event":"fix_result_seal"}"#.to_owned(),
    ];
    for vote in 0..5 {
        lines.push(format!(r#"{{"at":"07:00:{:02}","event":"ballot"}}"#, vote * 2));
        lines.push(format!(r#"{{"at":"07:00:{:02}","event":"press","candidate":{}}}"#, vote * 2 + 1, vote % 2 + 1));
    }
    lines.push(r#"{"at":"07:00:10","event":"ballot"}"#.to_owned());
    lines.push(r#"{"at":"07:00:10","event":"expect","refused":"rate_limited"}"#.to_owned());
    lines.push(r#"{"at":"17:00:00","event":"close"}"#.to_owned());
    lines.push(r#"{"at":"18:00:00","event":"break_result_seal"}"#.to_owned());
    lines.push(r#"{"at":"18:00:01","event":"result"}"#.to_owned());
    lines.push(r#"{"at":"18:00:01","event":"expect_result","counts":[3,2,0],"total":5}"#.to_owned());
    let trace = folder.join("field-too-fast.jsonl");
    std::fs::write(&trace, lines.join("\n") + "\n").unwrap();
    std::fs::write(
        folder.join("field-too-fast.expected.json"),
        r#"{"verdict":"pass","why":"the sixth Ballot within a minute is refused"}"#,
    )
    .unwrap();
    let (mut child, device) = pty_board(&[]);
    let result = std::panic::catch_unwind(|| {
        let mut board = WireTarget::serial(&device, 115_200).expect("connects");
        let started = std::time::Instant::now();
        let report = run(std::slice::from_ref(&trace), &mut board, |_| {}).expect("readable");
        let took = started.elapsed();
        let judged = &report.traces[0];
        assert_eq!(judged.status, evm_conformance::report::TraceStatus::AsExpected, "{judged:?}");
        // 13 hours of trace, 10 s of voting span, no gap a threshold can
        // see: 20 ms a line.
        assert!(took < std::time::Duration::from_secs(5), "gaps no threshold sees took {took:?}");
        // A whole day of 1,500 votes at a real board's pace does not fit 150 s.
        let day = traces().join("conformance/unit-16-candidates-full-day.jsonl");
        let report = run(&[day], &mut board, |_| {}).expect("readable");
        let judged = &report.traces[0];
        assert_eq!(judged.verdict, evm_conformance::verdict::VerdictKind::NotApplicable, "{judged:?}");
        let reason = judged.reason.clone().unwrap_or_default();
        assert!(
            reason.contains("of real time at the board's 5 votes a minute; --real-time-budget is 2 min 30 s"),
            "{reason}"
        );
        // A field board is one control unit: a trace that takes another
        // into use is not run past that line.
        let second = folder.join("field-second-machine.jsonl");
        let mut text = lines[..8].join("\n");
        text.push_str("\n{\"at\":\"07:00:05\",\"event\":\"new_machine\",\"reason\":\"failure\"}\n");
        std::fs::write(&second, text).unwrap();
        std::fs::write(folder.join("field-second-machine.expected.json"), r#"{"verdict":"pass"}"#).unwrap();
        let report = run(&[second], &mut board, |_| {}).expect("readable");
        let judged = &report.traces[0];
        assert_eq!(judged.verdict, evm_conformance::verdict::VerdictKind::NotApplicable, "{judged:?}");
        assert!(judged.reason.as_deref().unwrap_or("").contains("one control unit"), "{judged:?}");
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        let _ = std::fs::remove_dir_all(&folder);
        std::panic::resume_unwind(panic);
    }
    // The minimum-interval rule: a gap it sees is waited for.
    let mut interval = lines[..6].to_vec();
    interval.extend([
        r#"{"at":"07:00:00","event":"ballot"}"#.to_owned(),
        r#"{"at":"07:00:01","event":"press","candidate":1}"#.to_owned(),
        r#"{"at":"07:00:14","event":"ballot"}"#.to_owned(),
        r#"{"at":"07:00:15","event":"press","candidate":2}"#.to_owned(),
        r#"{"at":"07:00:20","event":"ballot"}"#.to_owned(),
        r#"{"at":"07:00:20","event":"expect","refused":"rate_limited"}"#.to_owned(),
        r#"{"at":"17:00:00","event":"close"}"#.to_owned(),
        r#"{"at":"18:00:00","event":"break_result_seal"}"#.to_owned(),
        r#"{"at":"18:00:01","event":"result"}"#.to_owned(),
        r#"{"at":"18:00:01","event":"expect_result","counts":[1,1,0],"total":2}"#.to_owned(),
    ]);
    let trace = folder.join("field-interval.jsonl");
    std::fs::write(&trace, interval.join("\n") + "\n").unwrap();
    std::fs::write(folder.join("field-interval.expected.json"), r#"{"verdict":"pass"}"#).unwrap();
    let (mut child, device) = pty_board(&["--rate-rule", "minimum-interval"]);
    let result = std::panic::catch_unwind(|| {
        let mut board = WireTarget::serial(&device, 115_200).expect("connects");
        let started = std::time::Instant::now();
        let report = run(std::slice::from_ref(&trace), &mut board, |_| {}).expect("readable");
        let took = started.elapsed();
        assert_eq!(report.traces[0].status, evm_conformance::report::TraceStatus::AsExpected, "{:?}", report.traces[0]);
        assert!(took >= std::time::Duration::from_secs(13), "the 13 s after a vote were waited for: {took:?}");
        assert!(took < std::time::Duration::from_secs(30), "and nothing else: {took:?}");
    });
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&folder);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn fuzz_corpus(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target)
}

/// Issue 14: everything the protocol fuzzers keep, sent over a real
/// pseudo-terminal to a separate board process in pieces, leaves the board
/// answering `HELLO` after every file (the firmware board gets the same run
/// in `.ci/run`).
#[test]
fn the_fuzz_corpora_leave_a_pty_board_answering_after_every_file() {
    ensure_board_binary();
    let (mut child, device) = pty_board(&["--test-mode"]);
    let mut board = WireTarget::serial(&device, 115_200).expect("connects");
    let files =
        evm_conformance::hostile_bytes::corpus_files(&[fuzz_corpus("board_bytes"), fuzz_corpus("frame_decoder")])
            .expect("the committed corpora");
    assert!(files.len() > 100, "{} files", files.len());
    let report = evm_conformance::hostile_bytes::run(&mut board, "sim", &files, |_| {}).expect("readable");
    let _ = child.kill();
    assert!(report.passed(), "{}", report.summary());
    assert_eq!(report.handshakes, files.len());
    assert_eq!(report.malformed_replies, 0);
    assert!(report.bytes_received > 0, "the board answered the hostile bytes too");
}

/// A board that answers, but also sends a frame that is no reply, fails the
/// same check with the file it answered (a board on a real pty pair: the
/// sans-IO board of evm-core, with a broken block after every answer).
#[test]
fn a_board_that_answers_with_a_malformed_frame_fails_hostile_bytes() {
    use evm_sim::protocol::board::Board;
    use std::io::{Read, Write};
    let (mut master, slave) = serialport::TTYPort::pair().expect("a pseudo-terminal pair");
    let device = serialport::SerialPort::name(&slave).expect("the slave's path");
    serialport::SerialPort::set_timeout(&mut master, std::time::Duration::from_millis(20)).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_board = stop.clone();
    let board = std::thread::spawn(move || {
        let _slave = slave;
        let mut board = Board::new(evm_sim::MachineProfile::m2(), evm_sim::Defects::NONE, "BROKEN-1", true);
        let mut buffer = [0u8; 4096];
        let mut out = Vec::new();
        while !stop_board.load(std::sync::atomic::Ordering::Relaxed) {
            let Ok(read) = master.read(&mut buffer) else { continue };
            out.clear();
            board.receive(evm_sim::Timestamp::from_clock(7, 0, 0), &buffer[..read], &mut out);
            if !out.is_empty() {
                // A block whose CRC cannot hold: stuffed bytes, then the delimiter.
                out.extend_from_slice(&[0x05, 0x01, 0x02, 0x03, 0x04, 0x00]);
                let _ = master.write_all(&out);
            }
        }
    });
    let mut target = WireTarget::serial(&device, 115_200).expect("connects: the HELLO reply comes first");
    let files = evm_conformance::hostile_bytes::corpus_files(&[fuzz_corpus("frame_decoder")]).expect("corpus");
    let report = evm_conformance::hostile_bytes::run(&mut target, "broken", &files[..3], |_| {}).expect("readable");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = board.join();
    assert!(!report.passed(), "{}", report.summary());
    assert!(report.silenced_by.is_none(), "it answered: {}", report.summary());
    assert!(report.malformed_replies > 0);
    assert_eq!(report.first_malformed.as_ref().map(|first| first.file.clone()), Some(files[0].clone()));
    assert!(report.summary().contains("MALFORMED: after"), "{}", report.summary());
}

/// The same check names the file after which a board stopped answering (here
/// the board process is killed after the first handshake).
#[test]
fn a_board_silenced_by_hostile_bytes_is_named_with_the_file() {
    ensure_board_binary();
    let (mut child, device) = pty_board(&["--test-mode"]);
    let mut board = WireTarget::serial(&device, 115_200).expect("connects");
    let _ = child.kill();
    let _ = child.wait();
    let files = evm_conformance::hostile_bytes::corpus_files(&[fuzz_corpus("frame_decoder")]).expect("corpus");
    let report = evm_conformance::hostile_bytes::run(&mut board, "sim", &files, |_| {}).expect("readable");
    let silenced = report.silenced_by.as_ref().expect("a dead board is caught");
    assert_eq!(silenced.file, files[0]);
    assert_eq!((report.files, report.handshakes), (1, 0));
    assert!(report.summary().contains("SILENCED: after"), "{}", report.summary());
}

/// Issue 13: a board exported over the network by ser2net (Debian's
/// package; raw TCP) joins like a local one: the corpus through
/// `tcp:HOST:PORT` to ser2net, ser2net to a pty board, gives the in-process
/// verdicts. Skipped, saying so, where ser2net is not installed (`.ci/run`
/// installs it).
#[test]
fn a_board_exported_by_ser2net_gives_the_in_process_verdicts() {
    let Some(ser2net) =
        ["/usr/sbin/ser2net", "/usr/bin/ser2net"].into_iter().find(|path| std::path::Path::new(path).exists())
    else {
        eprintln!("skipped: ser2net is not installed (apt-get install ser2net)");
        return;
    };
    ensure_board_binary();
    let (mut board, device) = pty_board(&["--test-mode"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let folder = scratch("ser2net");
    let config = folder.join("ser2net.yaml");
    std::fs::write(
        &config,
        format!(
            "%YAML 1.1\n---\nconnection: &board\n    accepter: tcp,127.0.0.1,{port}\n    connector: serialdev,{device},115200n81,local\n    options:\n      kickolduser: true\n"
        ),
    )
    .unwrap();
    let mut exporter = Command::new(ser2net)
        .args(["-n", "-c"])
        .arg(&config)
        .arg("-P")
        .arg(folder.join("ser2net.pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ser2net starts");
    let result = std::panic::catch_unwind(|| {
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < std::time::Duration::from_secs(10), "ser2net never listened on {port}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // ser2net lets one host in at a time: the probe above has left.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let mut exported = WireTarget::tcp(&format!("127.0.0.1:{port}")).expect("connects through ser2net");
        let mut local = SimTarget::new();
        let unit_traces: Vec<PathBuf> =
            ["unit-crc-sequence", "unit-rate-limit", "defect-vote-after-close", "station-ordinary-day"]
                .iter()
                .map(|name| traces().join(format!("conformance/{name}.jsonl")))
                .collect();
        let over_ser2net = run(&unit_traces, &mut exported, |_| {}).expect("readable");
        let in_process = run(&unit_traces, &mut local, |_| {}).expect("readable");
        assert_eq!(over_ser2net.summary.differs, 0, "{:?}", over_ser2net.summary);
        for (remote, local) in over_ser2net.traces.iter().zip(&in_process.traces) {
            assert_eq!((&remote.path, remote.verdict), (&local.path, local.verdict));
        }
    });
    let _ = exporter.kill();
    let _ = exporter.wait();
    let _ = board.kill();
    let _ = board.wait();
    let _ = std::fs::remove_dir_all(&folder);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

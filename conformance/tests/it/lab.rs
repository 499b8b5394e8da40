//! Issue 13: a lab of boards driven at once, each a separate `evm-sim serve`
//! process on a real pseudo-terminal. Field boards are brought back to a new
//! machine between traces and give the in-process verdicts; a trace goes to
//! a board that can run it; a board killed mid-trace leaves the lab and its
//! trace inconclusive; a board holding votes from before the run is not
//! touched; SIGTERM stops the lab cleanly; bad configuration is exit 2.

use super::serial_support::{harness, scratch};
use evm_conformance::target::{Target, WireTarget};
use evm_sim::protocol::message::{Reply, Request};
use evm_sim::unit::Input;
use evm_sim::Timestamp;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../traces/conformance").join(name)
}

/// A board process and its pseudo-terminal; killed when dropped.
struct Board {
    child: Child,
    device: String,
}

impl Board {
    fn start(flags: &[&str]) -> Board {
        let (child, device) = super::serial_support::pty_board(flags);
        Board { child, device }
    }

    fn target(&self) -> String {
        format!("serial:{}@115200", self.device)
    }
}

impl Drop for Board {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A poll's vote on `board`, recorded by hand before any run: 3
/// candidates, the section sealed, one vote for the second.
fn hold_a_vote(board: &Board) {
    let mut wire = WireTarget::serial(&board.device, 115_200).expect("connects");
    let at = Timestamp::from_clock(7, 0, 0);
    for input in [
        Input::PowerOn { held_button: None },
        Input::AttachBallotingUnit { position: 1 },
        Input::CandSet { candidates: 3 },
        Input::SealCandidateSetSection,
        Input::Ballot,
        Input::PressButton { address: evm_sim::unit::ButtonAddress { balloting_unit: 1, button: 2 } },
    ] {
        wire.step(at, input).expect("the board answers");
    }
}

fn run_json(arguments: &[String], json: &std::path::Path) -> (Option<i32>, String, Value) {
    let output = harness().args(arguments).arg("--json").arg(json).output().unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let report = std::fs::read_to_string(json).ok().and_then(|text| serde_json::from_str(&text).ok());
    (output.status.code(), printed, report.unwrap_or(Value::Null))
}

/// The verdict and property the in-process unit gives a trace.
fn in_process(trace: &std::path::Path) -> (String, Option<String>) {
    let mut sim = evm_conformance::target::SimTarget::new();
    let report = evm_conformance::runner::run_trace(trace, &mut sim);
    (report.verdict.as_str().to_owned(), report.property.map(|property| property.to_string()))
}

fn traces_of(report: &Value) -> &Vec<Value> {
    report["traces"].as_array().expect("traces")
}

/// Two field boards, an M2 and an M3, neither with test mode: the M2 board
/// runs its traces one after another (each on a new machine, brought back
/// by the procedure between poll days), the M3 trace goes to the M3 board,
/// a trace neither can run is not run with both reasons, and every judged
/// verdict is the in-process one, in the order the traces were given.
#[test]
fn a_lab_of_two_field_boards_gives_the_in_process_verdicts() {
    let (m2, m3) = (Board::start(&[]), Board::start(&["--profile", "M3"]));
    let traces = [
        corpus("unit-cand-set-needs-units.jsonl"),
        corpus("unit-384-candidates-m3.jsonl"),
        corpus("unit-crc-sequence.jsonl"),
        corpus("defect-result-while-sealed.jsonl"),
        corpus("unit-two-buttons-one-registered.jsonl"),
    ];
    let out = scratch("two-field");
    let mut arguments: Vec<String> =
        ["run", "--quiet", "--target", &m2.target(), "--target", &m3.target()].map(str::to_owned).to_vec();
    arguments.extend(traces.iter().map(|trace| trace.display().to_string()));
    let (status, printed, report) = run_json(&arguments, &out.join("r.json"));
    assert_eq!(status, Some(0), "{printed}");
    let judged = traces_of(&report);
    assert_eq!(judged.len(), traces.len());
    for (trace, record) in traces.iter().zip(judged) {
        assert_eq!(record["path"], trace.display().to_string(), "the report keeps the order given");
        if record["status"] == "not_run" {
            continue;
        }
        assert_eq!(record["status"], "as_expected", "{record}");
        let (verdict, _) = in_process(trace);
        assert_eq!(record["verdict"], verdict, "{}", trace.display());
        assert_eq!(record["board"]["mode"], "field");
        assert_eq!(record["board"]["serial_number"], "EVM-SIM-0001");
    }
    let by_name = |name: &str| judged.iter().find(|record| record["path"].as_str().unwrap().ends_with(name)).unwrap();
    assert_eq!(by_name("unit-cand-set-needs-units.jsonl")["board"]["port"], m2.target());
    assert_eq!(by_name("unit-crc-sequence.jsonl")["board"]["port"], m2.target());
    // 384 candidates without NOTA: neither board's machine; both say why.
    let neither = by_name("unit-384-candidates-m3.jsonl");
    assert_eq!(neither["status"], "not_run");
    let reason = neither["reason"].as_str().unwrap();
    assert!(reason.contains(&m2.target()) && reason.contains(&m3.target()), "{reason}");
    let defect = by_name("defect-result-while-sealed.jsonl");
    assert!(defect["reason"].as_str().unwrap().contains("seeded defects"), "{defect}");
    let boards = report["boards"].as_array().unwrap();
    assert_eq!(boards.len(), 2);
    assert!(boards.iter().all(|board| board["state"] == "good" && board["mode"] == "field"), "{boards:?}");
    assert_eq!(boards[0]["traces_judged"].as_u64(), Some(3), "{boards:?}");
}

/// A board whose line goes dead in the middle of a trace: that trace is
/// inconclusive (the link), never judged; the board fails its health check
/// twice and leaves the lab, bad, with the reason; the other board runs the
/// rest with their in-process verdicts; exit status 3.
#[test]
fn a_board_killed_mid_trace_leaves_the_lab_and_the_rest_run_on() {
    // Paced as a 9,600-baud line, so that a long trace is still running
    // when its board is killed.
    let mut first = Board::start(&["--test-mode", "--pace-baud", "9600"]);
    let second = Board::start(&["--test-mode", "--pace-baud", "9600"]);
    let out = scratch("killed");
    let json = out.join("r.json");
    let traces = [
        corpus("station-63-candidates-full-day.jsonl"),
        corpus("unit-64-candidates-m3.jsonl"),
        corpus("unit-crc-sequence.jsonl"),
        corpus("unit-ballot-twice.jsonl"),
    ];
    let run = harness()
        .args(["run", "--quiet", "--target", &first.target(), "--target", &second.target(), "--json"])
        .arg(&json)
        .args(&traces)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1_500));
    let _ = first.child.kill();
    let _ = first.child.wait();
    let output = run.wait_with_output().unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(3), "{printed}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let judged = traces_of(&report);
    let inconclusive: Vec<&Value> = judged.iter().filter(|record| record["status"] == "inconclusive").collect();
    assert_eq!(inconclusive.len(), 1, "{judged:?}");
    assert_eq!(inconclusive[0]["cause"], "link", "{}", inconclusive[0]);
    assert_eq!(inconclusive[0]["board"]["port"], first.target());
    for (trace, record) in traces.iter().zip(judged) {
        if record["status"] != "inconclusive" {
            assert_eq!(record["status"], "as_expected", "{record}");
            assert_eq!(record["verdict"], in_process(trace).0);
            assert_eq!(record["board"]["port"], second.target(), "the rest ran on the board left");
        }
    }
    let boards = report["boards"].as_array().unwrap();
    assert_eq!(boards[0]["state"], "bad", "{boards:?}");
    assert!(boards[0]["reason"].as_str().unwrap().contains("failed its health check twice"), "{boards:?}");
    assert_eq!(boards[1]["state"], "good", "{boards:?}");
}

/// A field board that arrives holding votes (they may be a poll's) is not
/// cleared: the trace is inconclusive, the board says why, its votes stay.
#[test]
fn a_field_board_holding_votes_from_before_the_run_is_not_touched() {
    let board = Board::start(&[]);
    hold_a_vote(&board);
    let out = scratch("holding");
    let arguments: Vec<String> =
        vec!["run".into(), "--target".into(), board.target(), corpus("unit-crc-sequence.jsonl").display().to_string()];
    let (status, printed, report) = run_json(&arguments, &out.join("r.json"));
    assert_eq!(status, Some(3), "{printed}");
    let record = &traces_of(&report)[0];
    assert_eq!((record["status"].as_str(), record["cause"].as_str()), (Some("inconclusive"), Some("board")));
    let reason = record["reason"].as_str().unwrap();
    assert!(reason.contains("holds 1 votes recorded before this run"), "{reason}");
    let mut wire = WireTarget::serial(&board.device, 115_200).expect("connects again");
    match wire.call(&Request::ReadState).unwrap() {
        Reply::State(state) => assert_eq!((state.total, state.candidates), (1, 3), "the vote is kept"),
        other => panic!("READ_STATE answered {}", other.describe()),
    }
}

/// SIGTERM to a lab of two spawned boards: exit 130, the report written
/// with the traces in flight and those not started `interrupted`, every
/// board released and its process gone.
#[test]
fn sigterm_stops_a_lab_cleanly() {
    super::serial_support::ensure_board_binary();
    let out = scratch("sigterm");
    let json = out.join("r.json");
    let folder = corpus("");
    let child = harness()
        .args(["run", "--quiet", "--target", "sim-pty", "--target", "sim-pty", "--json"])
        .arg(&json)
        .args([&folder, &folder, &folder, &folder])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let harness_pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(20);
    let boards = loop {
        let boards = super::serial_support::children_named(harness_pid, "evm-sim");
        if boards.len() == 2 {
            break boards;
        }
        assert!(Instant::now() < deadline, "the harness spawned {} boards, not 2", boards.len());
        std::thread::sleep(Duration::from_millis(20));
    };
    std::thread::sleep(Duration::from_millis(500));
    assert!(Command::new("kill").args(["-TERM", &harness_pid.to_string()]).status().unwrap().success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(report["summary"]["interrupted"].as_u64().unwrap() > 0, "{}", report["summary"]);
    assert!(report["summary"]["as_expected"].as_u64().unwrap() > 0, "{}", report["summary"]);
    assert!(report["boards"].as_array().unwrap().iter().all(|board| board["state"] == "good"));
    for pid in boards {
        assert!(super::serial_support::ends_within(pid, Duration::from_secs(2)), "board {pid} outlived the harness");
    }
}

/// Bad configuration is exit 2 with the reason, before anything runs: the
/// same port twice, the in-process unit in a lab. A port that is not there
/// is reported bad, the rest of the lab runs, and the exit status is 2.
#[test]
fn a_lab_that_names_a_board_it_does_not_have_is_exit_2() {
    let board = Board::start(&["--test-mode"]);
    let trace = corpus("unit-crc-sequence.jsonl").display().to_string();
    let twice =
        harness().args(["run", "--target", &board.target(), "--target", &board.target(), &trace]).output().unwrap();
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&twice.stderr).contains("names serial:"),
        "{}",
        String::from_utf8_lossy(&twice.stderr)
    );
    let in_process = harness().args(["run", "--target", "sim", "--target", &board.target(), &trace]).output().unwrap();
    assert_eq!(in_process.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&in_process.stderr).contains("sim runs in process"));
    let out = scratch("missing");
    let arguments: Vec<String> =
        ["run", "--target", &board.target(), "--target", "serial:/dev/no-such-board@115200", &trace]
            .map(str::to_owned)
            .to_vec();
    let (status, printed, report) = run_json(&arguments, &out.join("r.json"));
    assert_eq!(status, Some(2), "{printed}");
    assert_eq!(traces_of(&report)[0]["status"], "as_expected", "the rest of the lab ran");
    let missing = &report["boards"][1];
    assert_eq!((missing["state"].as_str(), missing["unusable_from_the_start"].as_bool()), (Some("bad"), Some(true)));
    assert!(missing["reason"].as_str().unwrap().contains("No such file"), "{missing}");
}

/// Field and test must agree. A board whose own machine shows the result
/// under an intact seal, but whose test-mode machines are clean (it carries
/// `--defect result_while_sealed` beside `--test-mode`): `certify` runs the
/// corpus in field mode too and names the trace whose verdict changed,
/// in one line, and does not conform (exit 1). A board that behaves the
/// same in both modes agrees.
#[test]
fn certify_catches_a_board_that_behaves_differently_when_tested() {
    let folder = scratch("modes");
    let traces = folder.join("traces");
    std::fs::create_dir_all(&traces).unwrap();
    // No vote: every gap is 20 ms in field mode.
    let lines = [
        r#"{"trace": "evm-poll-day", "version": 1, "profile": "M2", "polling_station": {"number": 1, "name": "School"}, "ward": 1, "candidates": ["A", "B", "C"], "electors_assigned": 100, "defects": [], "provenance": {"source": "hand-written", "description": "Result under an intact seal"}}"#,
        r#"{"at": "06:00:00", "event": "attach_balloting_unit", "position": 1}"#,
        r#"{"at": "06:00:10", "event": "power_on"}"#,
        r#"{"at": "06:00:20", "event": "cand_set", "candidates": 3}"#,
        r#"{"at": "06:00:30", "event": "seal_candidate_set_section"}"#,
        r#"{"at": "06:00:40", "event": "fix_result_seal"}"#,
        r#"{"at": "18:00:00", "event": "close"}"#,
        r#"{"at": "18:00:10", "event": "result"}"#,
        r#"{"at": "18:00:20", "event": "expect", "refused": "result_seal_intact"}"#,
    ];
    std::fs::write(traces.join("result-under-the-seal.jsonl"), lines.join("\n") + "\n").unwrap();
    std::fs::write(
        traces.join("result-under-the-seal.expected.json"),
        r#"{"verdict": "pass", "why": "39E(5): Result is refused under an intact seal"}"#,
    )
    .unwrap();
    let certify = |board: &Board, out: &str| {
        harness()
            .args(["certify", "--target", &board.target(), "--traces"])
            .arg(&traces)
            .arg("--out")
            .arg(folder.join(out))
            .output()
            .unwrap()
    };
    let cheating = Board::start(&["--test-mode", "--defect", "result_while_sealed"]);
    let output = certify(&cheating, "cheating");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout.contains("FIELD AND TEST DIFFER: 1 of 1 traces")
            && stdout.contains(
                "result-under-the-seal.jsonl: pass in test mode, violation SEALED-RESULT at line 8 in field mode"
            ),
        "{stdout}"
    );
    assert!(stdout.contains("DOES NOT CONFORM: 1 of 1 traces judged in both modes"), "{stdout}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("cheating/report.json")).unwrap()).unwrap();
    assert_eq!(report["mode_comparison"]["differing"][0]["field_mode"], "violation SEALED-RESULT at line 8");
    let page = std::fs::read_to_string(folder.join("cheating/report.html")).unwrap();
    assert!(page.contains("FIELD AND TEST DIFFER"), "the HTML report says so at the top");
    let honest = Board::start(&["--test-mode"]);
    let output = certify(&honest, "honest");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("FIELD AND TEST AGREE: the 1 traces judged in both modes"), "{stdout}");
}

/// A lab file: its boards join the lab by name; a board that answers with
/// another serial number than the file expects is not the lab's board and
/// is never judged on (bad, exit 2), the rest runs; a mistake in the file
/// is exit 2 naming the board and why.
#[test]
fn a_lab_file_names_its_boards_and_an_impostor_is_not_used() {
    let (good, impostor) = (Board::start(&["--test-mode"]), Board::start(&["--test-mode"]));
    let out = scratch("lab-file");
    let lab = out.join("lab.toml");
    std::fs::write(
        &lab,
        format!(
            "[[board]]\nname = \"bench-1\"\nserial = \"{}\"\nserial_number = \"EVM-SIM-0001\"\n\n\
             [[board]]\nname = \"bench-2\"\nserial = \"{}\"\nbaud = 115200\nserial_number = \"BEL-0042\"\n",
            good.device, impostor.device
        ),
    )
    .unwrap();
    let trace = corpus("unit-crc-sequence.jsonl").display().to_string();
    let arguments: Vec<String> = vec!["run".into(), "--lab".into(), lab.display().to_string(), trace.clone()];
    let (status, printed, report) = run_json(&arguments, &out.join("r.json"));
    assert_eq!(status, Some(2), "{printed}");
    assert_eq!(traces_of(&report)[0]["status"], "as_expected", "{printed}");
    assert_eq!(traces_of(&report)[0]["board"]["port"], good.target());
    let boards = report["boards"].as_array().unwrap();
    assert_eq!((boards[0]["name"].as_str(), boards[0]["state"].as_str()), (Some("bench-1"), Some("good")));
    assert_eq!((boards[1]["name"].as_str(), boards[1]["state"].as_str()), (Some("bench-2"), Some("bad")));
    assert!(boards[1]["reason"].as_str().unwrap().contains("the lab file expects \"BEL-0042\""), "{boards:?}");
    assert!(printed.contains("board bench-2 (serial:"), "the summary lists the boards: {printed}");
    // certify with a lab: the HTML report has the boards and their states.
    let only_good = out.join("good.toml");
    std::fs::write(&only_good, format!("[[board]]\nname = \"bench-1\"\nserial = \"{}\"\n", good.device)).unwrap();
    let certified = harness()
        .args(["certify", "--quiet", "--lab"])
        .arg(&only_good)
        .arg("--traces")
        .arg(corpus("unit-crc-sequence.jsonl"))
        .arg("--out")
        .arg(out.join("certified"))
        .output()
        .unwrap();
    assert_eq!(certified.status.code(), Some(0), "{}", String::from_utf8_lossy(&certified.stderr));
    let page = std::fs::read_to_string(out.join("certified/report.html")).unwrap();
    assert!(page.contains("<h2>Boards</h2>") && page.contains("<td>bench-1</td>"), "{page}");
    std::fs::write(&lab, "[[board]]\nname = \"bench-1\"\nserial = \"/dev/x\"\nbaud = \"fast\"\n").unwrap();
    let output = harness().args(["run", "--lab"]).arg(&lab).arg(&trace).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("lab.toml: board \"bench-1\": baud \"fast\" is not a number above 0"), "{stderr}");
}

/// `bench lab` measures, never asserts: one board is always measured for
/// the floor, each size is a row with its traces a minute and its ratio to
/// the floor, and every trace is judged as expected on every lab.
#[test]
fn bench_lab_measures_each_size_beside_one_board() {
    super::serial_support::ensure_board_binary();
    let out = scratch("bench");
    let json = out.join("lab.json");
    let output = harness()
        .args(["bench", "lab", "--boards", "2", "--json"])
        .arg(&json)
        .arg(corpus("unit-crc-sequence.jsonl"))
        .arg(corpus("unit-ballot-twice.jsonl"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("ratio to floor") && stdout.contains("floor: one board's"), "{stdout}");
    let rows: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.iter().map(|row| row["boards"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2]);
    for row in rows {
        assert_eq!((row["judged"].as_u64(), row["as_expected"].as_u64()), (Some(2), Some(2)), "{row}");
        assert!(row["traces_per_minute"].as_f64().unwrap() > 0.0 && row["ratio_to_floor"].as_f64().is_some());
    }
    assert_eq!(rows[0]["ratio_to_floor"].as_f64(), Some(1.0));
}

/// `--masked`: a field run paced as people take it — on a board that offers
/// test mode too, no test-mode message is sent (the record says `field`),
/// and the gaps are a person's, here the trace's own 1 s each (a person
/// takes at least 2 s, never longer than the trace), not 20 ms.
#[test]
fn a_masked_run_paces_the_board_as_people_do() {
    let board = Board::start(&["--test-mode"]);
    let out = scratch("masked");
    let trace = out.join("set-up.jsonl");
    let lines = [
        r#"{"trace": "evm-poll-day", "version": 1, "profile": "M2", "polling_station": {"number": 1, "name": "School"}, "ward": 1, "candidates": ["A", "B", "C"], "electors_assigned": 100, "defects": [], "provenance": {"source": "hand-written", "description": "set-up, a second between steps"}}"#,
        r#"{"at": "06:00:00", "event": "attach_balloting_unit", "position": 1}"#,
        r#"{"at": "06:00:01", "event": "power_on"}"#,
        r#"{"at": "06:00:02", "event": "cand_set", "candidates": 3}"#,
        r#"{"at": "06:00:03", "event": "seal_candidate_set_section"}"#,
    ];
    std::fs::write(&trace, lines.join("\n") + "\n").unwrap();
    std::fs::write(out.join("set-up.expected.json"), r#"{"verdict": "pass"}"#).unwrap();
    let started = Instant::now();
    let arguments: Vec<String> =
        vec!["run".into(), "--target".into(), board.target(), "--masked=5".into(), trace.display().to_string()];
    let (status, printed, report) = run_json(&arguments, &out.join("r.json"));
    let took = started.elapsed();
    assert_eq!(status, Some(0), "{printed}");
    assert_eq!(traces_of(&report)[0]["board"]["mode"], "field", "no test-mode message in a masked run");
    assert!(took >= Duration::from_secs(3), "three gaps of a second each, not 20 ms: {took:?}");
}

/// A board that cannot be brought back to a new machine leaves the lab with
/// its reason, and the trace it had goes to another board: here a field
/// board that arrives holding a vote (the harness clears only votes it
/// recorded) beside a good one. Every trace is judged, on the good board.
#[test]
fn a_board_that_cannot_be_brought_back_leaves_and_its_trace_goes_to_another() {
    let (holding, good) = (Board::start(&[]), Board::start(&[]));
    hold_a_vote(&holding);
    let out = scratch("brought-back");
    let traces = [corpus("unit-two-buttons-one-registered.jsonl"), corpus("unit-cand-set-needs-units.jsonl")];
    let mut arguments: Vec<String> =
        ["run", "--target", &holding.target(), "--target", &good.target()].map(str::to_owned).to_vec();
    arguments.extend(traces.iter().map(|trace| trace.display().to_string()));
    let (status, printed, report) = run_json(&arguments, &out.join("r.json"));
    assert_eq!(status, Some(0), "{printed}");
    for record in traces_of(&report) {
        assert_eq!(record["status"], "as_expected", "{record}");
        assert_eq!(record["board"]["port"], good.target(), "{record}");
    }
    let boards = report["boards"].as_array().unwrap();
    assert_eq!(boards[0]["state"], "bad", "{boards:?}");
    let reason = boards[0]["reason"].as_str().unwrap();
    assert!(reason.contains("cannot be brought back to a new machine") && reason.contains("holds 1 votes"), "{reason}");
    assert_eq!(boards[1]["state"], "good");
}

/// A lab whose only board leaves it: the traces it had and those not yet
/// leased are not judged — inconclusive, the boards named — never a pass.
#[test]
fn when_no_board_is_left_the_traces_are_not_judged() {
    let holding = Board::start(&[]);
    hold_a_vote(&holding);
    let out = scratch("no-board-left");
    let lab = out.join("lab.toml");
    std::fs::write(&lab, format!("[[board]]\nname = \"only\"\nserial = \"{}\"\n", holding.device)).unwrap();
    let arguments: Vec<String> = vec![
        "run".into(),
        "--lab".into(),
        lab.display().to_string(),
        corpus("unit-cand-set-needs-units.jsonl").display().to_string(),
        corpus("unit-two-buttons-one-registered.jsonl").display().to_string(),
    ];
    let (status, printed, report) = run_json(&arguments, &out.join("r.json"));
    assert_eq!(status, Some(3), "{printed}");
    for record in traces_of(&report) {
        assert_eq!((record["status"].as_str(), record["cause"].as_str()), (Some("inconclusive"), Some("board")));
        assert_eq!(record["reason"], "not run: no board of the lab that could run it is left (only)", "{record}");
    }
    assert_eq!(report["boards"][0]["state"], "bad");
}

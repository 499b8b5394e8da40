//! The binaries as a user and CI run them: exit 0 when every trace that ran
//! gave its expected verdict, 1 when one differs, 2 for bad usage, a
//! missing or malformed input or no trace at all, 130 when interrupted; the
//! report files are real files; every command behaves like the tools people
//! already use (issue 17).

use std::path::{Path, PathBuf};
use std::process::Command;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_evm-conformance"))
}

fn scratch(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("evm-conformance-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../traces/conformance").join(name)
}

fn copy_trace(name: &str, into: &Path) {
    std::fs::copy(corpus(&format!("{name}.jsonl")), into.join(format!("{name}.jsonl"))).unwrap();
    std::fs::copy(corpus(&format!("{name}.expected.json")), into.join(format!("{name}.expected.json"))).unwrap();
}

#[test]
fn exit_zero_when_every_verdict_matches_and_reports_are_written() {
    let folder = scratch("match");
    copy_trace("unit-total-during-poll", &folder);
    copy_trace("defect-vote-after-close", &folder);
    let json = folder.join("out/r.json");
    let junit = folder.join("out/r.xml");
    let output = binary()
        .args(["run", "--target", "sim", "--json"])
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg(&folder)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let traces = report["traces"].as_array().unwrap();
    assert_eq!(traces.len(), 2);
    let violation = traces.iter().find(|trace| trace["verdict"] == "violation").unwrap();
    assert_eq!(violation["property"], "CLOSE");
    assert!(violation["line"].as_u64().unwrap() > 1);
    assert_eq!(violation["matches_expected"], true);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("tests=\"2\" failures=\"0\""), "{xml}");
}

#[test]
fn exit_one_when_a_verdict_differs_and_junit_carries_rule_and_line() {
    let folder = scratch("mismatch");
    copy_trace("defect-vote-after-close", &folder);
    // Claim the defective day passes: the harness must disagree.
    std::fs::write(folder.join("defect-vote-after-close.expected.json"), r#"{"verdict":"pass"}"#).unwrap();
    let junit = folder.join("r.xml");
    let output = binary().arg("run").arg("--junit").arg(&junit).arg(&folder).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("DIFFERS"));
    assert!(String::from_utf8_lossy(&output.stdout).contains("DOES NOT CONFORM"));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<failure message=\"expected pass, got violation CLOSE (rule 39S) at line"), "{xml}");
}

#[test]
fn a_malformed_trace_is_exit_two_with_its_location_and_the_report_lists_the_rest() {
    let folder = scratch("malformed");
    std::fs::write(folder.join("bad.jsonl"), "{\"trace\":\"evm-poll-day\"}\n").unwrap();
    std::fs::write(folder.join("bad.expected.json"), r#"{"verdict":"error"}"#).unwrap();
    let header = std::fs::read_to_string(corpus("unit-total-during-poll.jsonl")).unwrap();
    let header = header.lines().next().unwrap();
    std::fs::write(folder.join("broken-json.jsonl"), format!("{header}\n{{\"at\":\"07:00:00\",\"event\":ballot}}\n"))
        .unwrap();
    std::fs::write(folder.join("broken-json.expected.json"), r#"{"verdict":"pass"}"#).unwrap();
    copy_trace("unit-total-during-poll", &folder);
    let json = folder.join("r.json");
    let output = binary().arg("run").arg("--json").arg(&json).arg(&folder).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "a malformed trace is bad input, whatever its expected verdict");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let traces = report["traces"].as_array().unwrap();
    assert_eq!(traces.len(), 3, "the report still lists the rest");
    assert_eq!(report["summary"]["malformed"], 2);
    assert_eq!(report["summary"]["as_expected"], 1);
    let reason = |name: &str| {
        traces.iter().find(|trace| trace["path"].as_str().unwrap().ends_with(name)).unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(reason("bad.jsonl").contains("bad.jsonl:1: field `version`: missing field"), "{}", reason("bad.jsonl"));
    // FILE:LINE:COLUMN where the JSON reader stopped, never FILE:0.
    assert!(
        reason("broken-json.jsonl").contains("broken-json.jsonl:2:26: not JSON"),
        "{}",
        reason("broken-json.jsonl")
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains(":0:"));
    // An expected-verdict file that is not JSON: located too.
    std::fs::write(folder.join("unit-total-during-poll.expected.json"), "{\n  \"verdict\": pass\n}\n").unwrap();
    let output =
        binary().arg("run").arg("--json").arg(&json).arg(folder.join("unit-total-during-poll.jsonl")).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let reason = report["traces"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("unit-total-during-poll.expected.json:2:14:"), "{reason}");
}

#[test]
fn a_run_that_would_replay_nothing_is_exit_two_saying_where_it_looked() {
    let empty = scratch("empty");
    let output = binary().arg("run").arg(&empty).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no trace (*.jsonl) found under") && stderr.contains(&*empty.to_string_lossy()),
        "{stderr}"
    );
    let out = scratch("certify-nowhere");
    let output = binary().args(["certify", "--traces", "/nonexistent/corpus", "--out"]).arg(&out).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "certify with no corpus is not CONFORMS");
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/corpus: no such file or folder"));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("CONFORMS"));
    // Run outside the repository (the default corpus "traces" absent): the same.
    let output = binary().arg("certify").arg("--out").arg(out.join("r")).current_dir(&out).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    // An output path that cannot be written is refused before any work.
    let output = binary().args(["run", "--json", "/proc/no/such/place/r.json"]).arg(corpus("")).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("/proc/no/such/place"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn only_selects_by_property_or_rule_and_list_names_them() {
    let json = scratch("only").join("r.json");
    let output = binary()
        .args(["run", "--only", "SEALED-RESULT", "--only", "39W", "--json"])
        .arg(&json)
        .arg(corpus(""))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let traces = report["traces"].as_array().unwrap();
    assert!(!traces.is_empty());
    for trace in traces {
        let property = trace["expected"]["property"].as_str().unwrap_or("");
        assert!(["SEALED-RESULT", "BOOTH-CAPTURE"].contains(&property), "{} expects {property}", trace["path"]);
    }
    let unknown = binary().args(["run", "--only", "39Z"]).arg(corpus("")).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--only \"39Z\""));
    let list = |what: &str| String::from_utf8(binary().args(["list", what]).output().unwrap().stdout).unwrap();
    assert!(list("properties").starts_with("CANDSET\t39B(4)(b)\t"));
    assert_eq!(list("properties").lines().count(), evm_sim::Property::ALL.len());
    assert!(list("defects").lines().any(|line| line.starts_with("result_while_sealed\tbit 3\tbreaks SEALED-RESULT")));
    assert!(list("rules").lines().any(|line| line == "39W\tBOOTH-CAPTURE"));
    assert!(list("targets").starts_with("sim\t"));
    let profile = binary().args(["gen", "--profile", "M9", "--out", "-"]).output().unwrap();
    assert_eq!(profile.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&profile.stderr).contains("[possible values: M2, M3]"));
    let completions = binary().args(["completions", "bash"]).output().unwrap();
    assert!(completions.status.success() && String::from_utf8_lossy(&completions.stdout).contains("evm-conformance"));
}

#[test]
fn minimize_writes_the_verdict_it_preserved_and_the_pair_replays_as_expected() {
    let folder = scratch("minimize");
    let small = folder.join("small.jsonl");
    let output = binary()
        .arg("minimize")
        .arg(corpus("defect-vote-after-close.jsonl"))
        .arg("--out")
        .arg(&small)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("small.expected.json")).unwrap()).unwrap();
    assert_eq!((expected["verdict"].as_str(), expected["property"].as_str()), (Some("violation"), Some("CLOSE")));
    assert!(expected["line"].as_u64().is_some() && expected["why"].as_str().unwrap().contains("rule 39S"));
    let replay = binary().arg("run").arg(&small).output().unwrap();
    assert_eq!(replay.status.code(), Some(0), "{}", String::from_utf8_lossy(&replay.stdout));
}

#[test]
fn gen_writes_one_folder_per_seed_and_ends_quietly_on_a_closed_pipe() {
    let folder = scratch("gen");
    for seed in ["7", "8"] {
        let output = binary().args(["gen", "--seed", seed, "--stations", "2", "--out"]).arg(&folder).output().unwrap();
        assert!(output.status.success());
        assert!(output.stdout.is_empty(), "data to --out, the summary to stderr");
        assert!(String::from_utf8_lossy(&output.stderr).contains(&format!("seed-{seed}")));
    }
    assert!(
        folder.join("seed-7/station-0000001.jsonl").exists() && folder.join("seed-8/station-0000001.jsonl").exists()
    );
    // `| head`: the reader goes after a few bytes.
    let mut child = binary()
        .args(["gen", "--seed", "1", "--stations", "2000", "--out", "-"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && !stderr.contains("panicked"), "{stderr}");
}

#[test]
fn evm_sim_demo_prints_the_account_of_votes_and_serve_keeps_its_port_off_the_network() {
    let sim =
        || Command::new(evm_conformance::target::board_process::evm_sim_binary().expect("evm-sim beside the tests"));
    let demo = sim().args(["demo", "--candidates", "3", "--electors", "40"]).output().unwrap();
    let text = String::from_utf8_lossy(&demo.stdout);
    assert!(demo.status.success());
    assert!(
        text.contains("FORM 16C")
            && text.contains("PART I : ACCOUNT OF VOTES RECORDED")
            && text.contains("PART II : RESULT OF COUNTING"),
        "{text}"
    );
    assert!(text.contains("Tallies (40 = 40 - 0 - 0)") && text.contains("Result: total 40"), "{text}");
    let remote = sim().args(["serve", "--tcp", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(remote.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&remote.stderr).contains("--allow-remote"));
    let missing = sim().args(["serve", "--port", "/dev/no-such-board"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/dev/no-such-board"));
    let defects = sim().args(["serve", "--pty", "--defect", "melts"]).output().unwrap();
    assert_eq!(defects.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&defects.stderr).contains("result_while_sealed"), "--defect lists the names");
}

#[test]
fn exit_two_for_bad_usage_or_unreadable_input() {
    let missing = binary().args(["run", "/nonexistent/traces"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/traces"));
    let unknown_target = binary().args(["run", "--target", "moon"]).arg(corpus("")).output().unwrap();
    assert_eq!(unknown_target.status.code(), Some(2));
    let no_paths = binary().arg("run").output().unwrap();
    assert_eq!(no_paths.status.code(), Some(2));
    let unknown_flag = binary().args(["run", "--frobnicate"]).output().unwrap();
    assert_eq!(unknown_flag.status.code(), Some(2));
}

//! The `evm-conformance` binary, as CI runs it: exit 0 when every verdict
//! matches its expectation, 1 when one does not, 2 for bad usage or
//! unreadable input; the report files it writes are real files.

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
    assert!(String::from_utf8_lossy(&output.stdout).contains("MISMATCH"));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<failure message=\"expected pass, got violation CLOSE (rule 39S) at line"), "{xml}");
}

#[test]
fn a_malformed_trace_is_an_error_verdict_with_its_location() {
    let folder = scratch("malformed");
    std::fs::write(folder.join("bad.jsonl"), "{\"trace\":\"evm-poll-day\"}\n").unwrap();
    std::fs::write(folder.join("bad.expected.json"), r#"{"verdict":"error"}"#).unwrap();
    let json = folder.join("r.json");
    let output = binary().arg("run").arg("--json").arg(&json).arg(&folder).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "an expected error verdict matches");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let reason = report["traces"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("bad.jsonl:1: field `version`: missing field"), "{reason}");
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

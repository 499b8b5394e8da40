//! The JSON Schemas of docs/ agree with the traces: every line of every
//! committed trace validates against `docs/trace-line.schema.json`, every
//! expected-verdict file against `docs/expected-verdict.schema.json`, and
//! lines the parser rejects for their shape are rejected by the schema too.

use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs").join(name)).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn files(folder: &Path, suffix: &str, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).expect("readable folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, suffix, found);
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
}

#[test]
fn every_trace_line_validates_against_the_schema() {
    let schema = validator("trace-line.schema.json");
    let mut traces = Vec::new();
    files(&root().join("traces"), ".jsonl", &mut traces);
    assert!(!traces.is_empty());
    let mut failures = Vec::new();
    for trace in &traces {
        let text = std::fs::read_to_string(trace).unwrap();
        let expected = serde_json::from_str::<Value>(
            &std::fs::read_to_string(evm_conformance::runner::expected_path(trace)).unwrap_or_default(),
        )
        .ok();
        let expects_error =
            expected.as_ref().and_then(|value| value.get("verdict")).and_then(Value::as_str) == Some("error");
        for (index, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
            let valid = serde_json::from_str::<Value>(line).map(|value| schema.is_valid(&value)).unwrap_or(false);
            if !valid && !expects_error {
                failures.push(format!("{}:{}: {line}", trace.display(), index + 1));
            }
        }
    }
    assert!(failures.is_empty(), "lines the schema rejects:\n{}", failures.join("\n"));
}

#[test]
fn every_expected_verdict_validates_against_the_schema() {
    let schema = validator("expected-verdict.schema.json");
    let mut verdicts = Vec::new();
    files(&root().join("traces"), ".expected.json", &mut verdicts);
    for path in &verdicts {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(schema.is_valid(&value), "{} does not validate", path.display());
    }
}

#[test]
fn the_schema_rejects_what_the_format_forbids() {
    let schema = validator("trace-line.schema.json");
    for bad in [
        r#"{"at":"07:00:00","event":"press"}"#,
        r#"{"at":"07:00:00","event":"press","candidate":1,"button":2}"#,
        r#"{"at":"7:00:00","event":"ballot"}"#,
        r#"{"at":"07:00:00","event":"vote_for","candidate":1}"#,
        r#"{"at":"07:00:00","event":"ballot","elector":3}"#,
        r#"{"trace":"evm-poll-day","version":2,"profile":"M2","polling_station":{"number":1},"candidates":["A"],"electors_assigned":1,"provenance":{"source":"x"}}"#,
    ] {
        let value: Value = serde_json::from_str(bad).unwrap();
        assert!(!schema.is_valid(&value), "the schema accepts {bad}");
    }
    let verdict = validator("expected-verdict.schema.json");
    assert!(!verdict.is_valid(&serde_json::json!({"verdict": "discrepancy"})), "a discrepancy names its property");
}

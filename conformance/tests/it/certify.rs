//! The main job, as the Quick start runs it: `evm-conformance certify` against
//! the simulated unit writes a JSON report, a JUnit XML file that a JUnit
//! parser loads, and a self-contained HTML page; a defective unit fails it.

use std::path::PathBuf;
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("evm-certify-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    folder
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn certify_writes_three_reports_that_their_readers_load() {
    let out = scratch("reports");
    let output = Command::new(env!("CARGO_BIN_EXE_evm-conformance"))
        .current_dir(root())
        .args(["certify", "--target", "sim", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("as expected, 0 differ, 0 not run (not applicable), 0 malformed, 0 interrupted"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CONFORMS: all") && stdout.contains("properties not exercised on this target: none"),
        "{stdout}"
    );

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let traces = report["traces"].as_array().unwrap();
    let builtin = traces.iter().filter(|trace| trace["path"].as_str().unwrap().starts_with("builtin/")).count();
    assert_eq!(builtin, evm_conformance::generate::scenarios::builtin_scenarios().len());
    assert!(traces.len() >= 40 + builtin);

    let junit = junit_parser::from_reader(std::io::BufReader::new(std::fs::File::open(out.join("junit.xml")).unwrap()))
        .expect("a JUnit parser loads the file");
    assert_eq!(junit.tests as usize, traces.len());
    assert_eq!(junit.failures, 0);

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("CONFORMS") && html.contains("Form 16C") && html.contains("ITEM-6"));
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"), "self-contained");
}

#[test]
fn a_defective_corpus_expectation_fails_certification_with_the_rule_in_every_report() {
    let folder = scratch("corpus");
    std::fs::create_dir_all(&folder).unwrap();
    let source = root().join("traces/conformance/defect-result-while-sealed");
    std::fs::copy(source.with_extension("jsonl"), folder.join("day.jsonl")).unwrap();
    std::fs::write(folder.join("day.expected.json"), r#"{"verdict":"pass"}"#).unwrap();
    let out = folder.join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_evm-conformance"))
        .args(["certify", "--quiet", "--traces"])
        .arg(&folder)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let junit = junit_parser::from_reader(std::io::BufReader::new(std::fs::File::open(out.join("junit.xml")).unwrap()))
        .unwrap();
    assert_eq!(junit.failures, 1);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("DOES NOT CONFORM") && html.contains("SEALED-RESULT") && html.contains("39E(5)"),
        "the failure names its rule"
    );
    assert!(html.contains("&gt;"), "the excerpt marks the line");
    // Failures first: linked from the top, before the table of properties.
    let links = html.find("id=\"failure-links\"").expect("links to the failures");
    assert!(html.contains("href=\"#failure-1\"") && html.contains("id=\"failure-1\""));
    assert!(links < html.find("<h2>Properties</h2>").unwrap());
}

//! Data-driven conformance: every trace under `traces/` replayed against the
//! in-process simulated unit must give the verdict its expected-verdict file
//! names. With `UPDATE_EXPECTED=1` the expected-verdict files are rewritten
//! from what the replay found (review the diff before committing).

use evm_conformance::runner::{expected_path, run};
use evm_conformance::target::SimTarget;
use evm_conformance::trace::ExpectedVerdict;
use evm_conformance::verdict::VerdictKind;
use evm_sim::Property;
use std::path::PathBuf;

fn traces_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../traces")
}

#[test]
fn every_trace_gives_its_expected_verdict() {
    let report = run(&[traces_folder()], &mut SimTarget::new(), |_| {}).expect("the traces folder is readable");
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        for trace in &report.traces {
            let path = expected_path(std::path::Path::new(&trace.path));
            let previous = trace.expected.clone();
            let expected = ExpectedVerdict {
                verdict: trace.verdict,
                property: trace.property,
                line: previous.as_ref().and_then(|previous| previous.line).and(trace.line),
                item_6_discrepancy: previous
                    .as_ref()
                    .and_then(|previous| previous.item_6_discrepancy)
                    .and(trace.form_16c.map(|account| account.item_6_discrepancy)),
                rule: previous.as_ref().and_then(|previous| previous.rule.clone()).and(trace.rule.clone()),
                form_16c: previous.as_ref().and_then(|previous| previous.form_16c),
                why: previous.map(|previous| previous.why).unwrap_or_default(),
            };
            std::fs::write(&path, serde_json::to_string_pretty(&expected).unwrap() + "\n").unwrap();
        }
        return;
    }
    let mismatches: Vec<String> = report
        .traces
        .iter()
        .filter(|trace| !trace.matches_expected)
        .map(|trace| {
            format!(
                "{}: {} {:?} at line {:?} ({:?}); first finding {:?}",
                trace.path,
                trace.verdict.as_str(),
                trace.property,
                trace.line,
                trace.reason,
                trace.findings.first()
            )
        })
        .collect();
    assert!(mismatches.is_empty(), "verdicts differ from expectations:\n{}", mismatches.join("\n"));
}

#[test]
fn the_corpus_breaks_and_holds_every_property() {
    let report =
        run(&[traces_folder().join("conformance")], &mut SimTarget::new(), |_| {}).expect("the corpus is readable");
    assert!(report.summary.traces >= 40, "the corpus holds {} traces, fewer than 40", report.summary.traces);
    for property in Property::ALL {
        let broken = report.traces.iter().any(|trace| {
            trace.property == Some(property) && trace.status == evm_conformance::report::TraceStatus::AsExpected
        });
        assert!(broken, "no trace of the corpus breaks {property}");
    }
    assert!(report.traces.iter().filter(|trace| trace.verdict == VerdictKind::Pass).count() >= 10, "too few held days");
}

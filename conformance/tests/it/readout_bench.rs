//! `bench readout` against a real `evm-sim serve --pty` paced at 921,600
//! baud: the structure of the report, never the speed (a test never fails
//! because the machine is slow).

use evm_conformance::bench::readout::{
    exchanged_wire_bytes, histogram_svg, run_readout_bench, wire_floor_us, ReadoutOptions,
};
use evm_conformance::target::board_process::evm_sim_binary;
use evm_sim::protocol::message::Reply;
use std::process::Command;

/// `cargo test -p evm-conformance` alone may not have built `evm-sim`: build it.
fn ensure_board_binary() {
    if evm_sim_binary().is_some() {
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo).args(["build", "-p", "evm-sim", "--bin", "evm-sim"]).status().expect("cargo runs");
    assert!(status.success(), "building evm-sim failed");
    assert!(evm_sim_binary().is_some(), "evm-sim binary not found beside the test executable");
}

#[test]
fn a_short_run_over_a_paced_pseudo_terminal() {
    ensure_board_binary();
    let options = ReadoutOptions { target: "sim-pty".to_owned(), baud: 921_600, candidates: 64, samples: 20 };
    let report = run_readout_bench(&options).expect("the paced board answers");
    eprint!("{}", report.summary());
    assert!(report.target.starts_with("sim-pty (/dev/pts/"), "{}", report.target);
    assert!(!report.in_process);
    assert_eq!((report.profile.as_str(), report.candidates, report.entries), ("M3", 64, 65));
    assert_eq!((report.baud, report.samples), (921_600, 20));
    // The frames exchanged: READ_RESULT and a 65-count RESULT_REPLY.
    let (request, reply) = exchanged_wire_bytes(&Reply::Result { total: 3, counts: vec![1; 65] });
    assert_eq!((report.request_wire_bytes, report.reply_wire_bytes), (request, reply));
    assert_eq!(report.wire_floor_us, wire_floor_us(request, reply, 921_600));
    assert_eq!(report.wire_floor_us, (12.0 + 278.0) * 10.0 * 1e6 / 921_600.0);
    assert!(report.latency_us.p50 > 0.0);
    assert!(report.latency_us.p50 <= report.latency_us.p99 && report.latency_us.p99 <= report.latency_us.max * 1.001);
    assert_eq!(report.ratio_p50, Some(report.latency_us.p50 / report.wire_floor_us));
    assert_eq!(report.histogram.iter().map(|bin| bin.count).sum::<u32>(), 20);
    assert_eq!(report.warning, None, "a pseudo-terminal has no adapter");
    let svg = histogram_svg(&report);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>") && svg.contains("wire-floor"));
    assert!(!svg.contains("id=\"overflow\""), "no outlier, no overflow bar");
    // One sample a hundred times slower must not flatten the histogram: the
    // axis ends past p99 and the outlier is one bar beyond it, said in words.
    let mut slow = report.clone();
    let outlier = slow.latency_us.max * 100.0;
    slow.histogram.push(evm_conformance::bench::readout::HistogramBin {
        from_us: outlier,
        to_us: outlier + 1.0,
        count: 1,
    });
    slow.latency_us.max = outlier + 1.0;
    let svg = histogram_svg(&slow);
    assert!(svg.contains("id=\"overflow\"") && svg.contains("1 slower sample(s) in the last bar"), "{svg}");
    let axis_end: f64 =
        svg.split("text-anchor=\"end\">").filter_map(|rest| rest.split('<').next()?.parse().ok()).fold(0.0, f64::max);
    assert!(axis_end < outlier / 10.0, "the axis runs to {axis_end} µs for an outlier at {outlier} µs");
}

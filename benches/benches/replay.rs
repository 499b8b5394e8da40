//! Replay throughput: trace events per second with every check on, against
//! the in-process simulated unit, beside a floor (the unit alone, no checks)
//! measured in the same run; and parsing throughput of the JSON Lines text.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use evm_benches::poll_day_trace;
use evm_conformance::replay::replay;
use evm_conformance::target::SimTarget;
use evm_conformance::trace::{parse_trace, TraceEvent};
use evm_sim::ControlUnit;

fn replay_throughput(criterion: &mut Criterion) {
    let trace = poll_day_trace(15, 1_500);
    let mut group = criterion.benchmark_group("replay");
    group.throughput(Throughput::Elements(trace.lines.len() as u64));
    group.bench_function("floor_unit_alone/poll_day_1500_electors", |bencher| {
        bencher.iter(|| {
            let mut unit = ControlUnit::new(trace.header.profile);
            let mut votes = 0;
            for line in &trace.lines {
                if let TraceEvent::Unit(input) = line.event {
                    votes += unit.step(line.at, input).votes_recorded();
                }
            }
            black_box(votes)
        })
    });
    group.bench_function("all_checks/poll_day_1500_electors", |bencher| {
        bencher.iter(|| black_box(replay(&trace, &mut SimTarget::new())))
    });
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../traces/conformance/unit-16-candidates-full-day.jsonl"
    ))
    .expect("corpus trace");
    let events = text.lines().count() as u64 - 1;
    group.throughput(Throughput::Elements(events));
    group.bench_function("parse/unit-16-candidates-full-day", |bencher| {
        bencher.iter(|| black_box(parse_trace("bench.jsonl".as_ref(), &text).map(|trace| trace.lines.len())))
    });
    group.finish();
}

criterion_group!(benches, replay_throughput);
criterion_main!(benches);

//! Result readout: in process (the unit's readout and the reply's wire
//! bytes; goal ≤ 1 µs for 64 candidates), and over a kernel pseudo-terminal
//! to a separate `evm-sim serve --pty --test-mode` — unpaced, and paced as a
//! UART at 115,200 and 921,600 baud — for 16, 64 and 384 candidates. One
//! iteration is one `READ_RESULT` sent → `RESULT_REPLY` decoded.
//!
//! Criterion measures the time. Beside each paced figure the bench prints
//! the wire floor of the frames exchanged ((request + reply wire bytes) ×
//! 10 ÷ baud) and the ratio of the median iteration to it, taken over the
//! iterations criterion timed (each timed alone, by `iter_custom`).
//!
//! The pseudo-terminal benches need the release `evm-sim` beside this bench
//! (target/release/evm-sim): `cargo build --release -p evm-sim` first, or set
//! `EVM_SIM_BINARY`. Without it they are skipped with a message.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use evm_conformance::bench::readout::{
    exchanged_wire_bytes, prepare_wire_target, prepared_unit, readout_in_process, wire_floor_us,
};
use evm_conformance::target::{board_process::evm_sim_binary, WireTarget};
use evm_sim::protocol::message::{Reply, Request};

const CANDIDATES: [u16; 3] = [16, 64, 384];
/// The board's pacing: unpaced, then 115,200 and 921,600 baud.
const PACINGS: [Option<u32>; 3] = [None, Some(115_200), Some(921_600)];

fn in_process(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("readout/in_process");
    for candidates in CANDIDATES {
        let unit = prepared_unit(candidates).expect("the unit reaches its result");
        group.bench_with_input(BenchmarkId::from_parameter(candidates), &unit, |bencher, unit| {
            bencher.iter(|| black_box(readout_in_process(black_box(unit)).expect("result shown")))
        });
    }
    group.finish();
}

fn median(durations: &mut [Duration]) -> Duration {
    durations.sort_unstable();
    durations[durations.len() / 2]
}

fn over_pseudo_terminal(criterion: &mut Criterion) {
    if evm_sim_binary().is_none() {
        eprintln!(
            "readout over a pseudo-terminal: SKIPPED — no evm-sim beside this bench. \
             Build it first: cargo build --release -p evm-sim (or set EVM_SIM_BINARY=/path/to/evm-sim)"
        );
        return;
    }
    for pace in PACINGS {
        let label = pace.map_or("pty_unpaced".to_owned(), |baud| format!("pty_{baud}_baud"));
        let mut board = WireTarget::spawn_simulated_board(pace).expect("evm-sim serve --pty starts");
        let mut group = criterion.benchmark_group(format!("readout/{label}"));
        // A paced 384-entry readout at 115,200 baud takes 136 ms: few, long samples.
        group.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
        for candidates in CANDIDATES {
            prepare_wire_target(&mut board, candidates).expect("the board reaches its result");
            let reply = board.call(&Request::ReadResult).expect("the board answers");
            assert!(matches!(reply, Reply::Result { .. }), "READ_RESULT answered {reply:?}");
            let (request_bytes, reply_bytes) = exchanged_wire_bytes(&reply);
            let timed = RefCell::new(Vec::new());
            group.bench_function(BenchmarkId::from_parameter(candidates), |bencher| {
                bencher.iter_custom(|iterations| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iterations {
                        let started = Instant::now();
                        let reply = board.call(black_box(&Request::ReadResult)).expect("the board answers");
                        let elapsed = started.elapsed();
                        black_box(reply);
                        timed.borrow_mut().push(elapsed);
                        total += elapsed;
                    }
                    total
                })
            });
            let mut timed = timed.into_inner();
            if timed.is_empty() {
                continue; // Filtered out on the command line.
            }
            let p50 = median(&mut timed);
            match pace {
                Some(baud) => {
                    let floor = wire_floor_us(request_bytes, reply_bytes, baud);
                    eprintln!(
                        "readout/{label}/{candidates}: wire floor ({request_bytes} + {reply_bytes} bytes) × 10 ÷ {baud} = {floor:.1} µs; \
                         median of {} iterations {:.1} µs = {:.3} × the floor",
                        timed.len(),
                        p50.as_secs_f64() * 1e6,
                        p50.as_secs_f64() * 1e6 / floor
                    );
                }
                None => eprintln!(
                    "readout/{label}/{candidates}: unpaced, no wire floor ({request_bytes} + {reply_bytes} bytes); \
                     median of {} iterations {:.1} µs",
                    timed.len(),
                    p50.as_secs_f64() * 1e6
                ),
            }
        }
        group.finish();
    }
}

criterion_group!(benches, in_process, over_pseudo_terminal);
criterion_main!(benches);

//! Unit model throughput: inputs per second on a poll-day mix and on a
//! worst-case mix, beside a floor (reading the same inputs, no model).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use evm_benches::{poll_day_mix, worst_case_mix};
use evm_sim::{ControlUnit, MachineProfile};

fn unit_model(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("unit_model");
    let mixes =
        [("poll_day_1500_electors_16_candidates", poll_day_mix(15, 1_500)), ("worst_case", worst_case_mix(3_000))];
    for (name, inputs) in &mixes {
        group.throughput(Throughput::Elements(inputs.len() as u64));
        group.bench_function(format!("floor_read_inputs/{name}"), |bencher| {
            bencher.iter(|| {
                let mut checksum = 0u64;
                for (now, input) in inputs {
                    checksum = checksum.wrapping_add(now.milliseconds()) ^ black_box(input) as *const _ as u64;
                }
                checksum
            })
        });
        group.bench_function(format!("step/{name}"), |bencher| {
            bencher.iter_batched_ref(
                || ControlUnit::new(MachineProfile::m3()),
                |unit| {
                    let (mut votes, mut refusals) = (0, 0);
                    for (now, input) in inputs {
                        let reaction = unit.step(*now, *input);
                        votes += reaction.votes_recorded();
                        refusals += u32::from(reaction.refusal.is_some());
                    }
                    black_box((votes, refusals))
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, unit_model);
criterion_main!(benches);

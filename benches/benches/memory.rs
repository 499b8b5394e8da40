//! The vote memory: recording a vote with its durability step, for each
//! backend (plain counters; the sealed image on a simulated in-memory disk;
//! the sealed image in a file, fsync and all), and the size of a full image.

use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use evm_sim::detachable_memory::{
    Commissioning, MemoryBackend, MemoryImage, RetainingUnit, SerialNumber, SimulatedStorage, Storage, UnitKey,
};
use evm_sim::serve::FileStorage;
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::{ControlUnit, Defects, MachineProfile, Timestamp};

/// Candidates on the bench's ballot: a full M2 (63 and NOTA, 4 balloting units).
const CANDIDATES: u16 = 63;
/// Votes per measured batch (the memory holds 2,000).
const VOTES_PER_BATCH: usize = 1_000;
/// Votes per batch in the file: each one is two fsyncs.
const FILE_VOTES_PER_BATCH: usize = 100;

fn commissioning() -> Commissioning {
    Commissioning {
        serial_number: SerialNumber(2_000),
        key: UnitKey::from_bytes([0x5a; 32]),
        profile: MachineProfile::m2(),
    }
}

fn button(elector: usize) -> Input {
    let number = (elector % usize::from(CANDIDATES + 1)) as u16 + 1;
    Input::PressButton { address: ButtonAddress::of_ballot_entry(number).expect("ballot entry") }
}

/// Balloting units attached, switched on, candidates set and sealed, seal fixed.
fn ready<B: MemoryBackend>(unit: &mut RetainingUnit<B>) {
    let now = Timestamp::from_clock(7, 0, 0);
    let mut inputs: Vec<Input> = (1..=4).map(|position| Input::AttachBallotingUnit { position }).collect();
    inputs.extend([
        Input::PowerOn { held_button: None },
        Input::CandSet { candidates: CANDIDATES },
        Input::SealCandidateSetSection,
        Input::FixResultSeal,
    ]);
    for input in inputs {
        assert!(unit.step(now, input).expect("storage").is_accepted(), "{input:?}");
    }
}

/// `Ballot` and a press for `votes` electors, 13 seconds apart; returns the
/// votes recorded.
fn poll<B: MemoryBackend>(unit: &mut RetainingUnit<B>, first_elector: usize, votes: usize) -> u32 {
    let mut recorded = 0;
    for elector in first_elector..first_elector + votes {
        let now = Timestamp::from_seconds(8 * 3_600 + 13 * elector as u64);
        unit.step(now, Input::Ballot).expect("storage");
        recorded += unit.step(now, button(elector)).expect("storage").votes_recorded();
    }
    recorded
}

fn memory(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("memory");
    group.throughput(Throughput::Elements(VOTES_PER_BATCH as u64));

    let mut plain = RetainingUnit::in_memory(ControlUnit::new(MachineProfile::m2()));
    ready(&mut plain);
    group.bench_function("record_vote/plain_counters", |bencher| {
        bencher.iter_batched_ref(
            || plain.clone(),
            |unit| black_box(poll(unit, 0, VOTES_PER_BATCH)),
            BatchSize::SmallInput,
        )
    });

    let mut sealed =
        RetainingUnit::commission(SimulatedStorage::new(), commissioning(), Defects::NONE).expect("storage");
    ready(&mut sealed);
    group.bench_function("record_vote/sealed_image_in_memory", |bencher| {
        bencher.iter_batched_ref(
            || sealed.clone(),
            |unit| black_box(poll(unit, 0, VOTES_PER_BATCH)),
            BatchSize::SmallInput,
        )
    });

    let directory = std::env::temp_dir().join(format!("evm-memory-bench-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("a temporary directory");
    let path = directory.join("unit.evm-memory");
    group.throughput(Throughput::Elements(FILE_VOTES_PER_BATCH as u64));
    group.bench_function("record_vote/sealed_image_in_a_file", |bencher| {
        bencher.iter_custom(|batches| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..batches {
                let mut unit =
                    RetainingUnit::commission(FileStorage::new(&path), commissioning(), Defects::NONE).expect("file");
                ready(&mut unit);
                let start = Instant::now();
                black_box(poll(&mut unit, 0, FILE_VOTES_PER_BATCH));
                elapsed += start.elapsed();
            }
            elapsed
        })
    });

    group.throughput(Throughput::Elements(1));
    let mut full = RetainingUnit::commission(SimulatedStorage::new(), commissioning(), Defects::NONE).expect("storage");
    ready(&mut full);
    assert_eq!(poll(&mut full, 0, 2_000), 2_000);
    let image = full.backend().image().clone();
    let bytes = full.backend_mut().storage_mut().read_committed().expect("storage").expect("committed");
    println!("image of a 2,000-vote, {CANDIDATES}-candidate (+ NOTA) M2 machine: {} bytes", bytes.len());
    let commissioning = commissioning();
    let contents = MemoryImage::open(&commissioning, image.as_bytes()).expect("genuine");
    group.bench_function("seal_image_64_buttons", |bencher| {
        bencher.iter(|| MemoryImage::seal(black_box(&commissioning), black_box(&contents)))
    });
    group.bench_function("open_image_64_buttons", |bencher| {
        bencher.iter(|| MemoryImage::open(black_box(&commissioning), black_box(image.as_bytes())).expect("genuine"))
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&directory);
}

criterion_group!(benches, memory);
criterion_main!(benches);

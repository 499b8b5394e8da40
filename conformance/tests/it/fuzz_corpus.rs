//! The fuzz targets without cargo-fuzz: every committed corpus file under
//! `fuzz/corpus/<target>/`, then a few thousand inputs per target generated
//! from one seed (half mutations of the corpus, half random bytes), through
//! the same bodies the fuzzers run (`evm_conformance::fuzzing`). A failure
//! prints the target, the input's origin and its bytes in hex: save them as
//! `fuzz/corpus/<target>/regress-<name>` to keep the case.
//!
//! `FUZZ_SEEDS=1` writes the seed inputs (built from docs/protocol-vectors.txt,
//! traces/ and genuine memory images) to `fuzz/seeds/<target>/`, for
//! `cargo fuzz cmin` to minimise into the corpus (README, "Fuzzing").

use evm_conformance::fuzzing::{seed_inputs, SplitMix64, Target};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// The one seed of the generated inputs (STYLE.md habit 8).
const SEED: u64 = 0xE7A1_F022;
/// Generated inputs per target.
const GENERATED_PER_TARGET: usize = 2_000;
/// Longest generated random input.
const MAX_GENERATED_BYTES: usize = 600;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_owned()
}

fn corpus(target: Target) -> Vec<(String, Vec<u8>)> {
    let folder = repository().join("fuzz/corpus").join(target.name());
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&folder)
        .map(|entries| {
            entries
                .flatten()
                .filter(|entry| entry.path().is_file())
                .map(|entry| {
                    let bytes = std::fs::read(entry.path()).expect("a readable corpus file");
                    (entry.file_name().to_string_lossy().into_owned(), bytes)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs `target` on `data`; on a panic, names the input and shows its bytes.
fn run(target: Target, origin: &str, data: &[u8]) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| target.run(data))) {
        let hex: String = data.iter().map(|byte| format!("{byte:02x}")).collect();
        eprintln!("fuzz target {} failed on {origin} ({} bytes): {hex}", target.name(), data.len());
        resume_unwind(panic);
    }
}

#[test]
fn every_committed_corpus_file_passes() {
    let mut total = 0;
    for target in Target::ALL {
        let files = corpus(target);
        assert!(!files.is_empty(), "fuzz/corpus/{} is empty", target.name());
        for (name, bytes) in &files {
            run(target, name, bytes);
        }
        total += files.len();
    }
    assert!(total >= 60, "only {total} corpus files");
}

/// One small random change: flip, replace, insert or delete bytes, or cut.
fn mutate(random: &mut SplitMix64, data: &[u8]) -> Vec<u8> {
    let mut bytes = data.to_vec();
    for _ in 0..=random.below(4) {
        let position = if bytes.is_empty() { 0 } else { random.below(bytes.len() as u64) as usize };
        match random.below(6) {
            0 if !bytes.is_empty() => bytes[position] ^= 1 << random.below(8),
            1 if !bytes.is_empty() => bytes[position] = random.next_u64() as u8,
            2 => bytes.insert(position, random.next_u64() as u8),
            3 if !bytes.is_empty() => {
                bytes.remove(position);
            }
            4 => bytes.truncate(position),
            _ => {
                let end = (position + 1 + random.below(16) as usize).min(bytes.len());
                let copy = bytes[position.min(end)..end].to_vec();
                bytes.splice(position..position, copy);
            }
        }
    }
    bytes
}

#[test]
fn generated_inputs_pass() {
    let mut random = SplitMix64::new(SEED);
    for target in Target::ALL {
        let files = corpus(target);
        for index in 0..GENERATED_PER_TARGET {
            let data = if index % 2 == 0 && !files.is_empty() {
                let (_, base) = &files[random.below(files.len() as u64) as usize];
                mutate(&mut random, base)
            } else {
                let length = random.below(MAX_GENERATED_BYTES as u64 + 1) as usize;
                random.bytes(length)
            };
            run(target, &format!("generated input {index} of seed {SEED:#x}"), &data);
        }
    }
}

#[test]
fn seeds_pass_and_are_written_on_request() {
    let repository = repository();
    let seeds = seed_inputs(&repository);
    for target in Target::ALL {
        assert!(seeds.iter().any(|(seeded, _, _)| *seeded == target), "no seed for {}", target.name());
    }
    let write = std::env::var_os("FUZZ_SEEDS").is_some();
    for (target, name, bytes) in &seeds {
        run(*target, name, bytes);
        if write {
            let folder = repository.join("fuzz/seeds").join(target.name());
            std::fs::create_dir_all(&folder).expect("fuzz/seeds");
            std::fs::write(folder.join(name), bytes).expect("a seed file");
        }
    }
}

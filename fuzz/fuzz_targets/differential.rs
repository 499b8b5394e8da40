//! Fuzz target `differential`: the body is `evm_conformance::fuzzing::differential`
//! (see docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| evm_conformance::fuzzing::differential(data));

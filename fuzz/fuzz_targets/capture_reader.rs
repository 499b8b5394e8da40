//! Fuzz target `capture_reader`: the body is `evm_conformance::fuzzing::capture_reader`
//! (see docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| evm_conformance::fuzzing::capture_reader(data));

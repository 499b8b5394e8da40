//! Fuzz target `unit_model`: the body is `evm_conformance::fuzzing::unit_model`
//! (see docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| evm_conformance::fuzzing::unit_model(data));

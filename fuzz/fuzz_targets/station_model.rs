//! Fuzz target `station_model`: the body is `evm_conformance::fuzzing::station_model`
//! (see docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| evm_conformance::fuzzing::station_model(data));

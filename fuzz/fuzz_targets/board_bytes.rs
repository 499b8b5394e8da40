//! Fuzz target `board_bytes`: the body is `evm_conformance::fuzzing::board_bytes`
//! (see docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| evm_conformance::fuzzing::board_bytes(data));

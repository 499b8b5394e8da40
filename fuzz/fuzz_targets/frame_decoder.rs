//! Fuzz target `frame_decoder`: the body is `evm_conformance::fuzzing::frame_decoder`
//! (see docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| evm_conformance::fuzzing::frame_decoder(data));

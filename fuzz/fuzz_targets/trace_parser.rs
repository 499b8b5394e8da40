//! Fuzz target `trace_parser`: the body is `evm_conformance::fuzzing::trace_parser`
//! (see docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| evm_conformance::fuzzing::trace_parser(data));

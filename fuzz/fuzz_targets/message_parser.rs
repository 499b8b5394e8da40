//! Fuzz target `message_parser`: the body is `evm_conformance::fuzzing::message_parser`
//! (see docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| evm_conformance::fuzzing::message_parser(data));

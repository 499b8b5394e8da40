//! Fuzz target `memory_image_loader`: the body is `evm_conformance::fuzzing::memory_image_loader`
//! (see docs/FUZZING.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| evm_conformance::fuzzing::memory_image_loader(data));

//! The integration tests of `evm-conformance`, one test binary.

mod certify;
mod cli;
mod corpus;
mod field_mode;
mod from_results;
mod fuzz_corpus;
mod fuzz_regressions;
mod generate;
mod html_in_chromium;
mod lab;
mod lawful_days;
mod minimize;
mod poll_day_rules;
mod readout_bench;
mod schema;
mod serial;
mod serial_support;
mod trace_parser;
mod unit_against_reference;
mod volume;
mod ward;
mod wrapped_target;

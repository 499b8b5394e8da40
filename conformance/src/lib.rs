//! # evm-conformance: the conformance harness
//!
//! Replays poll-day traces against a voting-machine *target* and reports
//! every rule broken, with the rule, the trace line and the figures.

pub mod reference;

//! # evm-conformance: the conformance harness
//!
//! Replays poll-day traces against a voting-machine *target* and reports
//! every rule broken, with the rule, the trace line and the figures.
//!
//! - [`trace`]: the trace format (docs/TRACE_FORMAT.md) and its parser.
//! - [`reference`]: the reference model every target is compared with.
//! - [`target`]: the `Target` trait and the in-process simulated unit.
//! - [`replay`]: the engine that replays a trace and checks every step.
//! - [`verdict`]: verdicts and findings (violation, discrepancy, procedural, advisory).
//! - [`ward`]: a ward's counting day, Forms 23 and 24.
//! - [`total_display`]: TOTAL-ONLY judged on what the display shows.

pub mod bench;
pub mod cli;
pub mod fuzzing;
pub mod generate;
pub mod interrupt;
pub mod minimize;
pub mod reference;
pub mod replay;
pub mod report;
pub mod runner;
pub mod target;
pub mod total_display;
pub mod trace;
pub mod verdict;
pub mod volume;
pub mod ward;

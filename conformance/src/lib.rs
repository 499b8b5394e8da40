//! # evm-conformance: the conformance harness
//!
//! Replays poll-day traces against a voting-machine *target* and reports
//! every rule broken, with the rule, the trace line and the figures.
//!
//! - [`trace`]: the trace format (docs/TRACE_FORMAT.md) and its parser.
//! - [`reference`]: the reference model every target is compared with.
//! - [`target`]: what a trace is replayed against (the `Target` trait, the
//!   one target-name parser, the in-process unit, boards on the wire).
//! - [`replay`]: the engine that replays a trace and checks every step.
//! - [`verdict`]: verdicts and findings (violation, discrepancy, procedural, advisory).
//! - [`report`]: what a run found, and its files (JSON, JUnit XML, HTML).
//! - [`runner`]: walks folders of traces and wards and judges each.
//! - [`ward`]: a ward's counting day, Forms 23 and 24.
//! - [`lab`]: several boards driven at once on tokio, traces leased by what each board can run.
//! - [`total_display`]: TOTAL-ONLY judged on what the display shows.
//! - [`generate`]: synthetic days and wards, the built-in scenarios, traces
//!   from published results.
//! - [`bench`]: the `bench` subcommands; [`volume`]: the labs' volume test.
//! - [`cli`]: what the binary does, as library calls; [`fuzzing`]: the fuzz
//!   targets' bodies; [`minimize`]: ddmin of a failing trace.

pub mod bench;
pub mod cli;
pub mod fuzzing;
pub mod generate;
pub mod hostile_bytes;
pub mod interrupt;
pub mod lab;
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

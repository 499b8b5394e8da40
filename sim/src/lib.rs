//! # evm-sim: a sans-IO model of an Indian electronic voting machine
//!
//! The crate models a **control unit** with its **balloting units** (rules 39A,
//! 39B and 39E of the West Bengal Municipalities (Conduct of Elections) Rules,
//! 1995) as a pure state machine: every call takes the input and the time `now`,
//! and returns what the machine did. Nothing but [`serve`] reads a clock, opens
//! a file or touches a descriptor (checked by `sim/tests/it/no_io_in_the_core.rs`);
//! the drivers (the server's pseudo-terminal, serial port, TCP and memory file,
//! the conformance harness's targets) live at the edge and only pump.
//!
//! Start with [`unit::ControlUnit`]; the polling station around it (rules
//! 39C–39W, Form 16C, counting to Forms 23 and 24) is [`station::PollingStation`],
//! driven together with its machines by [`station::PollDay`].

pub mod example;
pub mod forms;
pub mod serve;
pub mod station;

/// The control unit's core lives in `evm-core` (`no_std`, shared with the
/// reference firmware); its modules are re-exported here under the same
/// names, so `evm_sim::unit::ControlUnit` is `evm_core::unit::ControlUnit`.
pub use evm_core::{defects, detachable_memory, display, profile, protocol, rule, time, unit};

pub use defects::{Defect, Defects};
pub use detachable_memory::{Commissioning, MemoryImage, RetainingUnit, Tampered};
pub use display::{Display, DisplayText};
pub use profile::{MachineProfile, ProfileName, RateRule};
pub use rule::{Property, Refusal};
pub use station::counting::{Counting, CountingRefusal, SealInspection};
pub use station::{Election, PollDay, PollingStation, StationAction, StationIdentity, StationRefusal};
pub use time::Timestamp;
pub use unit::{ButtonAddress, ControlUnit, Event, Input, Lamps, Reaction, ResultReadout};

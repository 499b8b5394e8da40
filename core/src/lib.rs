//! # evm-core: the control unit's core, `no_std`
//!
//! What runs inside a control unit, written once for every board that
//! carries it: the unit model ([`unit::ControlUnit`], rules 39A, 39B and
//! 39E), the serial protocol of docs/PROTOCOL.md ([`protocol`]: framing,
//! messages, the board side and the host side) and the sealed vote-memory
//! image ([`detachable_memory`], docs/MEMORY_FORMAT.md). The host simulator
//! (`evm-sim`) and the reference firmware (`firmware/`, a Cortex-M3) both
//! drive this crate: one model, two drivers.
//!
//! The crate is `#![no_std]` with `alloc`: a heap of a few kilobytes holds a
//! frame's reply, a result's counts and the memory image (the firmware's
//! heap is 28 KiB, most of it the replies kept for retransmissions). Every call takes the input and the time `now` and
//! returns what the machine did; nothing here reads a clock, allocates a
//! descriptor or prints.
#![no_std]

extern crate alloc;
#[cfg(test)]
#[macro_use]
extern crate std;
// The `arbitrary` derive (fuzzing, on a host) names `std`.
#[cfg(all(feature = "std", not(test)))]
extern crate std;

/// What `std`'s prelude would bring, from `alloc`.
mod prelude {
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::format;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec::Vec;
}

pub mod defects;
pub mod detachable_memory;
pub mod display;
pub mod profile;
pub mod protocol;
pub mod rule;
pub mod time;
pub mod unit;

pub use defects::{Defect, Defects};
pub use detachable_memory::{Commissioning, MemoryImage, RetainingUnit, Tampered};
pub use display::{Display, DisplayText};
pub use profile::{MachineProfile, ProfileName, RateRule};
pub use rule::{Property, Refusal};
pub use time::Timestamp;
pub use unit::{ButtonAddress, ControlUnit, Event, Input, Lamps, Reaction, ResultReadout};

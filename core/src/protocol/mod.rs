//! The serial protocol of docs/PROTOCOL.md, sans-IO: COBS framing with a
//! CRC-32 ([`frame`]), typed messages ([`message`]), the board side
//! ([`board`]) and the host side ([`host`]). Both sides use the same
//! accumulator; nothing here reads a clock or touches a descriptor.

pub mod board;
pub mod cobs;
pub mod faults;
pub mod frame;
pub mod host;
pub mod message;

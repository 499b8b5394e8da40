//! The integration tests of `evm-sim`, one test binary (helpers are modules,
//! not empty test binaries of their own).

mod board_process;
mod memory_crash;
mod memory_fault;
mod memory_image;
mod memory_poll;
mod no_io_in_the_core;
mod protocol;
mod protocol_exchanges;
mod station_close_rules;
mod station_common;
mod station_golden;
mod station_properties;
mod station_rules;
mod unit_rules;

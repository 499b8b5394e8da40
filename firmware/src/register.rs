//! The chip's memory-mapped registers, read and written whole and volatile.
//! Only addresses of peripherals this chip always maps (system control,
//! GPIO port A, UART0) are passed here, as constants of `uart.rs` and
//! `system_clock.rs`.

/// The 32-bit register at `address`.
pub fn read(address: usize) -> u32 {
    // SAFETY: callers pass the address of a register the LM3S6965 maps.
    unsafe { core::ptr::read_volatile(address as *const u32) }
}

/// Writes `value` to the 32-bit register at `address`.
pub fn write(address: usize, value: u32) {
    // SAFETY: as in `read`.
    unsafe { core::ptr::write_volatile(address as *mut u32, value) }
}

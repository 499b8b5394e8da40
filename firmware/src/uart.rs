//! UART0 of the LM3S6965 (an ARM PL011 at 0x4000_C000), the protocol's
//! line. Received bytes are taken by the interrupt handler into a ring
//! buffer; the main loop drains it and sends its replies by polling the
//! transmit FIFO (a reply is at most 1,554 bytes, a result of 383
//! candidates: 135 ms at 115,200 baud, while the receive interrupt goes on
//! filling the ring; the host, stop-and-wait, waits for it anyway).
//!
//! # Interrupts and the ring buffer
//!
//! The receive and receive-timeout interrupts fire when the 16-byte receive
//! FIFO is half full or has held a byte for 32 bit times; the handler moves
//! every byte in the FIFO into [`RING_BYTES`] of ring buffer. One producer
//! (the handler) and one consumer (the main loop): the head is written only
//! by the handler, the tail only by the loop, both atomics, so no critical
//! section is needed. A byte that finds the ring full is dropped and counted
//! (`OVERRUNS`, for a debugger); so is a byte the hardware lost (the FIFO's overrun flag).
//! A dropped byte breaks its frame's CRC, and the board answers that frame
//! with `NACK CORRUPT_FRAME` as docs/PROTOCOL.md says: the host resends.
//! A frame split across any number of interrupts is one frame: the
//! accumulator in evm-core does not care where the bytes were cut.

use crate::register::{read, write};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

const BASE: usize = 0x4000_C000;
const DR: usize = BASE;
const RSR_ECR: usize = BASE + 0x04;
const FR: usize = BASE + 0x18;
const IBRD: usize = BASE + 0x24;
const FBRD: usize = BASE + 0x28;
const LCRH: usize = BASE + 0x2C;
const CR: usize = BASE + 0x30;
const IFLS: usize = BASE + 0x34;
const IMSC: usize = BASE + 0x38;
const ICR: usize = BASE + 0x44;

const FR_RXFE: u32 = 1 << 4;
const FR_TXFF: u32 = 1 << 5;
/// Data register: the overrun, break, parity and framing error bits.
const DR_ERRORS: u32 = 0xF00;
const LCRH_FEN: u32 = 1 << 4;
const LCRH_WLEN_8: u32 = 0b11 << 5;
const CR_UARTEN: u32 = 1;
const CR_TXE: u32 = 1 << 8;
const CR_RXE: u32 = 1 << 9;
const IMSC_RXIM: u32 = 1 << 4;
const IMSC_RTIM: u32 = 1 << 6;

/// System control (clock gating) and GPIO port A (PA0 = U0Rx, PA1 = U0Tx):
/// a real LM3S6965 needs them; QEMU accepts the writes.
const SYSCTL_RCGC1: usize = 0x400F_E104;
const SYSCTL_RCGC2: usize = 0x400F_E108;
const GPIO_A_AFSEL: usize = 0x4000_4420;
const GPIO_A_DEN: usize = 0x4000_451C;

/// The UART's clock: the system clock.
const UART_CLOCK_HZ: u32 = crate::system_clock::SYSTEM_CLOCK_HZ;
pub const BAUD: u32 = 115_200;

/// UART0's interrupt number on the LM3S6965 (vector 21).
pub const INTERRUPT_NUMBER: u16 = 5;

/// Bytes the ring holds between the interrupt and the main loop: many times
/// the longest request (a `TEST_START_MACHINE`, under 40 bytes stuffed); the
/// loop drains it between two requests.
pub const RING_BYTES: usize = 1_024;

static mut RING: [u8; RING_BYTES] = [0; RING_BYTES];
/// Bytes written by the handler, ever (wraps).
static HEAD: AtomicUsize = AtomicUsize::new(0);
/// Bytes taken by the main loop, ever (wraps).
static TAIL: AtomicUsize = AtomicUsize::new(0);
static OVERRUNS: AtomicU32 = AtomicU32::new(0);

/// Clocks, pins, 115,200 baud 8N1 with FIFOs (without them QEMU takes one
/// byte at a time), receive interrupts on.
pub fn init() {
    write(SYSCTL_RCGC1, read(SYSCTL_RCGC1) | 1);
    write(SYSCTL_RCGC2, read(SYSCTL_RCGC2) | 1);
    write(GPIO_A_AFSEL, read(GPIO_A_AFSEL) | 0b11);
    write(GPIO_A_DEN, read(GPIO_A_DEN) | 0b11);
    write(CR, 0);
    // Divisor = clock / (16 × baud) = 27.127: integer 27, fraction 0.127 × 64 ≈ 8.
    let divisor_64ths = (UART_CLOCK_HZ * 4 + BAUD / 2) / BAUD;
    write(IBRD, divisor_64ths / 64);
    write(FBRD, divisor_64ths % 64);
    write(LCRH, LCRH_WLEN_8 | LCRH_FEN);
    // Receive interrupt at 1/2 full (8 bytes), the timeout catches the rest.
    write(IFLS, 0b010 << 3);
    write(ICR, 0x7FF);
    write(IMSC, IMSC_RXIM | IMSC_RTIM);
    write(CR, CR_UARTEN | CR_TXE | CR_RXE);
}

/// The interrupt handler's work: every byte in the receive FIFO into the ring.
pub fn on_interrupt() {
    write(ICR, IMSC_RXIM | IMSC_RTIM);
    while read(FR) & FR_RXFE == 0 {
        let word = read(DR);
        if word & DR_ERRORS != 0 {
            write(RSR_ECR, 0);
            OVERRUNS.fetch_add(1, Ordering::Relaxed);
        }
        let head = HEAD.load(Ordering::Relaxed);
        let tail = TAIL.load(Ordering::Acquire);
        if head.wrapping_sub(tail) >= RING_BYTES {
            OVERRUNS.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        // SAFETY: only this handler writes the slot at `head`, which the
        // loop does not read until HEAD is published below.
        unsafe { core::ptr::addr_of_mut!(RING).cast::<u8>().add(head % RING_BYTES).write(word as u8) };
        HEAD.store(head.wrapping_add(1), Ordering::Release);
    }
}

/// Takes bytes left in the receive FIFO with no interrupt pending to take
/// them (an edge missed, e.g. bytes that arrived before `init` cleared the
/// interrupts, while a host resent to a restarting board): without this
/// they would wait for more bytes to come. Defensive: no such case was
/// caught in the act. Call with interrupts masked (it does the handler's
/// work; one producer at a time).
pub fn take_stranded() {
    if read(FR) & FR_RXFE == 0 {
        on_interrupt();
    }
}

/// Moves received bytes into `into`; returns how many.
pub fn take_received(into: &mut [u8]) -> usize {
    let head = HEAD.load(Ordering::Acquire);
    let mut tail = TAIL.load(Ordering::Relaxed);
    let mut taken = 0;
    while tail != head && taken < into.len() {
        // SAFETY: the slot at `tail` was published by the handler (HEAD) and
        // is not written again until TAIL passes it.
        into[taken] = unsafe { core::ptr::addr_of!(RING).cast::<u8>().add(tail % RING_BYTES).read() };
        tail = tail.wrapping_add(1);
        taken += 1;
    }
    TAIL.store(tail, Ordering::Release);
    taken
}

/// Whether a byte waits in the ring.
pub fn has_received() -> bool {
    HEAD.load(Ordering::Acquire) != TAIL.load(Ordering::Relaxed)
}

/// Sends `bytes`, waiting for room in the transmit FIFO.
pub fn send(bytes: &[u8]) {
    for &byte in bytes {
        while read(FR) & FR_TXFF != 0 {}
        write(DR, u32::from(byte));
    }
}

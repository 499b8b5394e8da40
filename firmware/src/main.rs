//! The reference board: evm-core's control unit behind the serial protocol
//! on a TI LM3S6965 (Cortex-M3), as QEMU's `lm3s6965evb` emulates it.
//! docs/FIRMWARE.md has the memory map, the interrupt and timing design and
//! how to port it.
//!
//! The main loop sleeps until a byte arrives, feeds what UART0's interrupt
//! put in the ring buffer to the board with the SysTick clock's `now`, and
//! sends the board's answer. Everything the unit decides is evm-core's: this
//! file only wires the chip to it.
#![no_std]
#![no_main]

extern crate alloc;

mod clock;
mod fault;
mod heap;
mod register;
mod retained;
#[cfg(feature = "footprint")]
mod stack;
mod system_clock;
mod uart;

use alloc::boxed::Box;
use alloc::vec::Vec;
use cortex_m::peripheral::NVIC;
use cortex_m_rt::{entry, exception};
use evm_core::detachable_memory::{
    serial_number_value, Commissioning, OpenFault, SealedImage, SerialNumber, UnitKey, SIMULATION_UNIT_KEY,
};
use evm_core::protocol::board::Board;
use evm_core::{Defects, MachineProfile};

/// The serial number the board gives in `HELLO_REPLY` (and binds its
/// memory image to).
pub const SERIAL_NUMBER: &str = "EVM-FW-LM3S-0001";

/// `READ_RESULT` replies kept for retransmissions at most (docs/PROTOCOL.md
/// section 1): 64 results of an M3 (1.6 KB each) would not fit the RAM.
const RESULT_REPLY_BUDGET_BYTES: usize = 8 * 1024;

/// UART0's line in the interrupt controller.
#[derive(Clone, Copy)]
struct Uart0;

// SAFETY: 5 is UART0's interrupt number on the LM3S6965.
unsafe impl cortex_m::interrupt::InterruptNumber for Uart0 {
    fn number(self) -> u16 {
        uart::INTERRUPT_NUMBER
    }
}

fn profile() -> MachineProfile {
    if cfg!(feature = "profile-m3") {
        MachineProfile::m3()
    } else {
        MachineProfile::m2()
    }
}

/// The board at start. Test mode: a fresh unit, the host's clock, no
/// retained memory (like `evm-sim serve --test-mode`). Field: the unit
/// restarted from its retained image, or commissioned when there is none; a
/// tampered image, or any earlier fault of the board's own, leaves a board
/// that refuses every input with `MEMORY_FAULT` and keeps its memory as it
/// is (after a fault during a start, without opening the image again).
///
/// Never inlined, like `serve`: opening and sealing images moves several
/// 1.6 KB copies of the unit's state through the stack (`SealedImage::open`
/// takes a 14 KB frame), and in `main`'s frame they would stay reserved
/// for good, under the serving path's own (measured: `main` took 18 KB).
#[inline(never)]
fn board_at_start(fault: retained::FaultMark) -> Board {
    let profile = profile();
    let board = Board::new(profile, Defects::NONE, SERIAL_NUMBER, cfg!(feature = "test-mode"))
        .with_result_reply_budget(RESULT_REPLY_BUDGET_BYTES);
    let board = if cfg!(feature = "test-mode") || fault == retained::FaultMark::FaultedAtStart {
        // A start that faulted is not tried again: the image stays as it is.
        board
    } else {
        #[cfg(feature = "fault-drill")]
        fault::start_drill();
        let commissioning = Commissioning {
            serial_number: SerialNumber(serial_number_value(SERIAL_NUMBER)),
            key: UnitKey::from_bytes(SIMULATION_UNIT_KEY),
            profile,
        };
        // SAFETY: the only reference to the region, taken once.
        let storage = retained::RetainedStorage::new(unsafe { retained::region() });
        let opened = match SealedImage::open(storage, commissioning.clone(), Defects::NONE) {
            Err(OpenFault::NoImage(storage)) => SealedImage::commission(storage, commissioning, Defects::NONE).ok(),
            Ok(opened) => Some(opened),
            Err(OpenFault::Tampered(_) | OpenFault::Storage(_)) => None,
        };
        match opened {
            Some((memory, unit)) => board.with_memory(unit, Box::new(memory)),
            None => board.with_memory_fault(),
        }
    };
    if fault == retained::FaultMark::None {
        board
    } else {
        board.with_memory_fault()
    }
}

#[entry]
fn main() -> ! {
    #[cfg(feature = "footprint")]
    stack::paint();
    heap::init();
    let Some(peripherals) = cortex_m::Peripherals::take() else { panic!("the core peripherals were taken twice") };
    retained::set_starting(true);
    let mut board = board_at_start(retained::fault_mark());
    retained::set_starting(false);
    #[cfg(feature = "footprint")]
    {
        cortex_m_semihosting::hprintln!("evm-firmware: stack high-water {} bytes at start", stack::high_water_bytes());
        // From here on the marks are the serving path's alone.
        stack::paint();
    }
    system_clock::init();
    uart::init();
    clock::init(peripherals.SYST);
    // SAFETY: the handler (DefaultHandler below) touches only the ring buffer.
    unsafe { NVIC::unmask(Uart0) };
    let mut chunk = [0u8; 128];
    let mut out = Vec::with_capacity(512);
    #[cfg(feature = "footprint")]
    let mut deepest = (0, 0);
    loop {
        // Sleep with interrupts masked: a byte that arrives between the
        // check and the sleep still wakes it (a pending interrupt ends WFI).
        // Bytes the interrupt left in the hardware FIFO are taken here too
        // (SysTick wakes the loop every millisecond).
        cortex_m::interrupt::free(|_| {
            uart::take_stranded();
            if !uart::has_received() {
                cortex_m::asm::wfi();
            }
        });
        let received = uart::take_received(&mut chunk);
        if received == 0 {
            continue;
        }
        #[cfg(feature = "fault-drill")]
        fault::drill_if_asked(&chunk[..received]);
        serve(&mut board, &chunk[..received], &mut out);
        #[cfg(feature = "footprint")]
        {
            let marks = (stack::high_water_bytes(), heap::peak_bytes());
            if marks.0 > deepest.0 || marks.1 > deepest.1 {
                deepest = (deepest.0.max(marks.0), deepest.1.max(marks.1));
                cortex_m_semihosting::hprintln!(
                    "evm-firmware: stack high-water {} bytes, heap peak {} of {} bytes",
                    deepest.0,
                    deepest.1,
                    heap::HEAP_BYTES
                );
            }
        }
    }
}

/// Feeds received bytes to the board and sends its answer. Never inlined,
/// for the reason `board_at_start` gives: an input's path holds the state
/// durable before it and the new image (1.6 KB each).
#[inline(never)]
fn serve(board: &mut Board, received: &[u8], out: &mut Vec<u8>) {
    out.clear();
    board.receive(clock::now(), received, out);
    uart::send(out);
}

#[exception]
fn SysTick() {
    clock::on_tick();
}

/// Every device interrupt without a vector of its own lands here with its
/// number; UART0's is the only one enabled.
#[exception]
unsafe fn DefaultHandler(interrupt_number: i16) {
    if interrupt_number == uart::INTERRUPT_NUMBER as i16 {
        uart::on_interrupt();
    }
}

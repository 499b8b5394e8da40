//! What the board does when its own code fails: it never goes on with state
//! it cannot trust, and never fails silently. A hard fault or a panic marks
//! the fault in retained RAM, prints its cause on the semihosting console
//! (QEMU's stdout; a debugger's console on a real board) and resets the
//! chip. Every later start finds the mark (`retained::fault_mark`), keeps
//! the memory as it is and refuses every input with `MEMORY_FAULT`
//! (docs/PROTOCOL.md), as a control unit shows an error instead of counting
//! on; a fault during a start leaves the image unopened at the next.

use core::fmt::Write;
use cortex_m_rt::{exception, ExceptionFrame};

use crate::retained;

fn report_and_reset(args: core::fmt::Arguments<'_>) -> ! {
    cortex_m::interrupt::disable();
    // Marked first: without a debugger the print's BKPT stops the core, and
    // whatever resets it later must find the mark.
    retained::mark_fault();
    if let Ok(mut console) = cortex_m_semihosting::hio::hstdout() {
        let _ = console.write_fmt(args);
    }
    cortex_m::peripheral::SCB::sys_reset()
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    report_and_reset(format_args!(
        "evm-firmware: hard fault at pc {:#010x} (lr {:#010x}); resetting with the memory kept\n",
        frame.pc(),
        frame.lr()
    ))
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    report_and_reset(format_args!("evm-firmware: panic: {info}; resetting with the memory kept\n"))
}

/// The drill of the `fault-drill` build: the bytes `FAULT-DRILL` on the
/// line (however the interrupts cut them) make the core write below SRAM,
/// as an overflowing stack would (a bus fault on silicon; QEMU discards the
/// write and says so), then execute an undefined instruction: the hard
/// fault above. Never in a poll's build.
#[cfg(feature = "fault-drill")]
pub fn drill_if_asked(received: &[u8]) {
    use core::sync::atomic::{AtomicUsize, Ordering};
    const DRILL: &[u8] = b"FAULT-DRILL";
    static MATCHED: AtomicUsize = AtomicUsize::new(0);
    for &byte in received {
        let matched = MATCHED.load(Ordering::Relaxed);
        let matched = if byte == DRILL[matched] { matched + 1 } else { usize::from(byte == DRILL[0]) };
        if matched == DRILL.len() {
            // SAFETY: none intended: the write is the fault (a stack overflow's).
            unsafe { core::ptr::write_volatile(0x1FFF_FFF0 as *mut u32, 0xDEAD_BEEF) };
            cortex_m_semihosting::hprintln!("evm-firmware: the write below SRAM did not fault");
            cortex_m::asm::udf();
        }
        MATCHED.store(matched % DRILL.len(), Ordering::Relaxed);
    }
}

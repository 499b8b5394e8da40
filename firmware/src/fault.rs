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

/// The drills of the `fault-drill` build (never a poll's build), asked for
/// on the line however the interrupts cut the bytes:
///
/// - `FAULT-DRILL`: the core writes below SRAM, as an overflowing stack
///   would (a bus fault on silicon; QEMU discards the write and says so),
///   then executes an undefined instruction: the hard fault above.
/// - `FAULT-START`: the same, and the next start faults too, while it
///   opens the image (`start_drill`): the start after that must not open
///   it again.
#[cfg(feature = "fault-drill")]
pub fn drill_if_asked(received: &[u8]) {
    use core::sync::atomic::{AtomicUsize, Ordering};
    const DRILLS: [&[u8]; 2] = [b"FAULT-DRILL", b"FAULT-START"];
    static MATCHED: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
    for &byte in received {
        for (drill, matched) in DRILLS.iter().zip(&MATCHED) {
            let so_far = matched.load(Ordering::Relaxed);
            let so_far = if byte == drill[so_far] { so_far + 1 } else { usize::from(byte == drill[0]) };
            matched.store(so_far % drill.len(), Ordering::Relaxed);
            if so_far == drill.len() {
                if drill == &DRILLS[1] {
                    // SAFETY: a word of retained RAM, one volatile store.
                    unsafe { core::ptr::addr_of_mut!(START_DRILL).cast::<u32>().write_volatile(START_DRILL_MARKER) };
                }
                fault_now();
            }
        }
    }
}

/// "DRST": the next start faults (the `FAULT-START` drill).
#[cfg(feature = "fault-drill")]
const START_DRILL_MARKER: u32 = 0x4452_5354;
#[cfg(feature = "fault-drill")]
#[link_section = ".uninit.evm_fault"]
static mut START_DRILL: core::mem::MaybeUninit<u32> = core::mem::MaybeUninit::uninit();

/// At start, in the drill build: fault if `FAULT-START` asked for it (once).
#[cfg(feature = "fault-drill")]
pub fn start_drill() {
    // SAFETY: a word of retained RAM, volatile accesses.
    let armed = unsafe {
        let word = core::ptr::addr_of_mut!(START_DRILL).cast::<u32>();
        let armed = word.read_volatile() == START_DRILL_MARKER;
        word.write_volatile(0);
        armed
    };
    if armed {
        fault_now();
    }
}

#[cfg(feature = "fault-drill")]
fn fault_now() {
    // SAFETY: none intended: the write is the fault (a stack overflow's).
    unsafe { core::ptr::write_volatile(0x1FFF_FFF0 as *mut u32, 0xDEAD_BEEF) };
    cortex_m_semihosting::hprintln!("evm-firmware: the write below SRAM did not fault");
    cortex_m::asm::udf();
}

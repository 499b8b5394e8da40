//! The system clock: 50 MHz from the PLL, as a real LM3S6965 board is run.
//! QEMU's `lm3s6965evb` derives the core's and SysTick's rate from the same
//! RCC register, so with the same setting the SysTick reload means 1 ms on
//! both; left at its reset value the rate is the emulator's choice or the
//! chip's internal oscillator (±30 %). The sequence is the datasheet's
//! (LM3S6965, "PLL"; StellarisWare's `SysCtlClockSet`): bypass the PLL,
//! enable the main oscillator and let it settle, select the 8 MHz crystal,
//! power the PLL, set the divider, wait for lock, leave the bypass. Checked
//! under QEMU only.

use crate::register::{read, write};
const RIS: usize = 0x400F_E050;
const RCC: usize = 0x400F_E060;

const RCC_MOSCDIS: u32 = 1;
const RCC_BYPASS: u32 = 1 << 11;
const RCC_USESYSDIV: u32 = 1 << 22;
const RCC_PWRDN: u32 = 1 << 13;
const RCC_OSCSRC_MASK: u32 = 0b11 << 4;
const RCC_XTAL_MASK: u32 = 0b1111 << 6;
/// XTAL field: 8 MHz (the LM3S6965 evaluation board's crystal).
const RCC_XTAL_8_MHZ: u32 = 0xE << 6;
const RCC_SYSDIV_MASK: u32 = 0b1111 << 23;
/// SYSDIV field 3: the 200 MHz PLL output divided by 4.
const RCC_SYSDIV_50_MHZ: u32 = 3 << 23;
const RIS_PLL_LOCK: u32 = 1 << 6;
/// Longest wait for the PLL to lock (about 100 µs on silicon; QEMU locks at once).
const LOCK_POLLS: u32 = 100_000;
/// Cycles for the main oscillator to settle once enabled (StellarisWare
/// waits 524,288 loop iterations at most; a few milliseconds at 12 MHz).
const OSCILLATOR_SETTLE_CYCLES: u32 = 1_000_000;

/// The core and peripheral clock after [`init`].
pub const SYSTEM_CLOCK_HZ: u32 = 50_000_000;

/// Runs the chip at [`SYSTEM_CLOCK_HZ`].
pub fn init() {
    let mut rcc = read(RCC);
    rcc = (rcc | RCC_BYPASS) & !RCC_USESYSDIV;
    write(RCC, rcc);
    if rcc & RCC_MOSCDIS != 0 {
        rcc &= !RCC_MOSCDIS;
        write(RCC, rcc);
        cortex_m::asm::delay(OSCILLATOR_SETTLE_CYCLES);
    }
    rcc = (rcc & !(RCC_XTAL_MASK | RCC_OSCSRC_MASK | RCC_PWRDN)) | RCC_XTAL_8_MHZ;
    write(RCC, rcc);
    rcc = (rcc & !RCC_SYSDIV_MASK) | RCC_SYSDIV_50_MHZ | RCC_USESYSDIV;
    write(RCC, rcc);
    for _ in 0..LOCK_POLLS {
        if read(RIS) & RIS_PLL_LOCK != 0 {
            break;
        }
    }
    write(RCC, rcc & !RCC_BYPASS);
}

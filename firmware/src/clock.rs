//! The board's own clock: SysTick interrupts once a millisecond and counts.
//! The count is the board's time since power-up; the board turns it into
//! its clock (never behind a time it has seen or retained, docs/PROTOCOL.md
//! 3.2), so a board with no calendar clock starts at 1970-01-01 00:00 local
//! time, or at the last poll time its memory holds.

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use evm_core::Timestamp;

use crate::system_clock::SYSTEM_CLOCK_HZ;

/// Milliseconds since power-up, low 32 bits (wraps after 49 days).
static MILLISECONDS_LOW: AtomicU32 = AtomicU32::new(0);
/// How many times the low word wrapped.
static WRAPS: AtomicU32 = AtomicU32::new(0);

pub fn init(mut systick: SYST) {
    systick.set_clock_source(SystClkSource::Core);
    systick.set_reload(SYSTEM_CLOCK_HZ / 1_000 - 1);
    systick.clear_current();
    systick.enable_interrupt();
    systick.enable_counter();
}

/// SysTick's handler: one millisecond more.
pub fn on_tick() {
    #[cfg(feature = "calibrate")]
    if MILLISECONDS_LOW.load(Ordering::Relaxed) % 5_000 == 0 {
        cortex_m_semihosting::hprintln!("tick {}", MILLISECONDS_LOW.load(Ordering::Relaxed));
    }
    let after = MILLISECONDS_LOW.load(Ordering::Relaxed).wrapping_add(1);
    if after == 0 {
        WRAPS.fetch_add(1, Ordering::Relaxed);
    }
    MILLISECONDS_LOW.store(after, Ordering::Release);
}

/// Milliseconds since power-up.
pub fn uptime_milliseconds() -> u64 {
    loop {
        let wraps = WRAPS.load(Ordering::Acquire);
        let low = MILLISECONDS_LOW.load(Ordering::Acquire);
        if WRAPS.load(Ordering::Acquire) == wraps {
            return (u64::from(wraps) << 32) | u64::from(low);
        }
    }
}

/// The time the board hands its core.
pub fn now() -> Timestamp {
    Timestamp::from_milliseconds(uptime_milliseconds())
}

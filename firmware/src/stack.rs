//! The stack's high-water mark, for docs/BENCHMARKS.md: at start the stack
//! region below the stack pointer (memory.x: the bottom of SRAM) is painted
//! with a pattern; the deepest byte no longer holding it is how far the
//! stack ever grew. Built only with the `footprint` feature, which prints
//! each new mark on the semihosting console. Painted again once the board
//! is built, so that the marks after it are the serving path's alone.

const PAINT: u32 = 0xA5A5_A5A5;
/// Left unpainted below the live stack at start (the painting's own frame).
const MARGIN_BYTES: usize = 256;

extern "C" {
    /// The bottom of the stack's region (memory.x).
    static mut _stack_end: u32;
    /// The top of the stack's region, where the stack starts.
    static _stack_start: u32;
}

fn bottom() -> *mut u32 {
    core::ptr::addr_of_mut!(_stack_end)
}

fn top() -> usize {
    core::ptr::addr_of!(_stack_start) as usize
}

/// Paints the free RAM below the live stack.
pub fn paint() {
    let limit = cortex_m::register::msp::read() as usize - MARGIN_BYTES;
    let mut word = bottom();
    while (word as usize) < limit {
        // SAFETY: words of the stack's region below the live stack: unused.
        unsafe {
            word.write_volatile(PAINT);
            word = word.add(1);
        }
    }
}

/// The deepest the stack has grown, in bytes from its start.
pub fn high_water_bytes() -> usize {
    let mut word = bottom();
    // SAFETY: reads of free RAM painted by `paint`.
    while (word as usize) < top() && unsafe { word.read_volatile() } == PAINT {
        word = unsafe { word.add(1) };
    }
    top() - word as usize
}

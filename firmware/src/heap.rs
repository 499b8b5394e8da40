//! The heap evm-core allocates from (a reply, a result's counts, the
//! memory image, the replies kept for retransmissions), with the peak of
//! its use kept for docs/BENCHMARKS.md. An allocation that does not fit is
//! a panic: reported on the console, and the board resets into its
//! memory-fault state (src/fault.rs).

use core::alloc::{GlobalAlloc, Layout};
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicUsize, Ordering};
use embedded_alloc::LlffHeap;

/// Bytes of heap: the replies kept for retransmissions dominate (64
/// slots; results at most 8 KiB of them, the others under 60 bytes each),
/// then the frame accumulator's two buffers (about 4 KiB when a long
/// frame arrives). The peak below counts the bytes asked for, not the
/// allocator's headers and gaps: the measured 21,977 B peak leaves about
/// 6.7 KB for those.
pub const HEAP_BYTES: usize = 28 * 1024;

pub struct MeasuredHeap {
    heap: LlffHeap,
    in_use: AtomicUsize,
    peak: AtomicUsize,
}

#[global_allocator]
pub static HEAP: MeasuredHeap =
    MeasuredHeap { heap: LlffHeap::empty(), in_use: AtomicUsize::new(0), peak: AtomicUsize::new(0) };

static mut HEAP_MEMORY: [MaybeUninit<u8>; HEAP_BYTES] = [MaybeUninit::uninit(); HEAP_BYTES];

/// Hands the heap its memory: once, before the first allocation.
pub fn init() {
    // SAFETY: called once at start; the memory is the heap's alone.
    unsafe { HEAP.heap.init(core::ptr::addr_of_mut!(HEAP_MEMORY) as usize, HEAP_BYTES) };
}

/// The most bytes ever allocated at once (by size requested).
#[cfg_attr(not(feature = "footprint"), allow(dead_code))]
pub fn peak_bytes() -> usize {
    HEAP.peak.load(Ordering::Relaxed)
}

// SAFETY: forwards to LlffHeap, a GlobalAlloc; only counts around it.
unsafe impl GlobalAlloc for MeasuredHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { self.heap.alloc(layout) };
        if !pointer.is_null() {
            let in_use = self.in_use.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            self.peak.fetch_max(in_use, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        self.in_use.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { self.heap.dealloc(pointer, layout) }
    }
}

//! The unit's memory on the reference board: the sealed image of
//! docs/MEMORY_FORMAT.md kept in a RAM region the start-up code never
//! clears (`.uninit`), so that it survives a reset (a fault, the watchdog,
//! the reset button) — not a loss of power. A real control unit keeps it in
//! flash or FRAM; the write order here is the one such a store needs
//! (docs/FIRMWARE.md, "The vote memory").
//!
//! # Crash safety
//!
//! Two slots and a selector. [`persist`](evm_core::detachable_memory::persist)
//! calls, in order: write the image into the slot the selector does *not*
//! name (the pending slot), flush it, flip the selector (one aligned 32-bit
//! store: atomic), flush. A reset before the flip leaves the old image
//! whole; after it, the new one; never a mixture. The first commit writes
//! the region's magic number last, so a region that never held an image
//! (power-up: RAM holds anything) reads as "no image" and the unit is
//! commissioned; a region with the magic number whose image fails its
//! integrity check is refused as tampered (61G(4)) and left as evidence.

use alloc::vec::Vec;
use core::mem::MaybeUninit;
use core::sync::atomic::{compiler_fence, Ordering};
use evm_core::detachable_memory::{Storage, StorageFault, StorageOperation, MAX_IMAGE_BYTES};

/// "EVMR": the region holds a committed image.
const REGION_MAGIC: u32 = 0x4556_4D52;

#[repr(C)]
pub struct RetainedRegion {
    magic: u32,
    /// The slot holding the committed image: 0 or 1.
    committed_slot: u32,
    lengths: [u32; 2],
    slots: [[u8; MAX_IMAGE_BYTES]; 2],
}

/// "FALT": a fault of the board's own reset it; the mark stays for every
/// later start (a plain reset does not make the state trustworthy again).
const FAULT_MARKER: u32 = 0x4641_4C54;
/// "FSTA": a fault while the board was starting: the next start does not
/// open the image again (it would fault again: a reset loop).
const FAULT_AT_START_MARKER: u32 = 0x4653_5441;
/// "STRT": the board is starting (opening its image).
const STARTING_MARKER: u32 = 0x5354_5254;

/// What the last resets left: set by the fault handler, read at start.
/// Only a loss of power (RAM that held nothing) clears it; on a real unit,
/// the factory.
#[link_section = ".uninit.evm_fault"]
static mut FAULT: MaybeUninit<u32> = MaybeUninit::uninit();
/// Set while the board starts, cleared once it serves.
#[link_section = ".uninit.evm_fault"]
static mut STARTING: MaybeUninit<u32> = MaybeUninit::uninit();

/// What a start finds of earlier faults.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FaultMark {
    None,
    /// A fault reset the board: refuse every input, memory kept.
    Faulted,
    /// A fault during a start: as `Faulted`, and do not open the image.
    FaultedAtStart,
}

fn word(cell: *mut MaybeUninit<u32>) -> *mut u32 {
    cell.cast::<u32>()
}

/// Marks that a fault is resetting the board (first thing the fault
/// handler does: before anything that could stop the core).
pub fn mark_fault() {
    // SAFETY: words of retained RAM, one volatile access each; any bit
    // pattern is a valid u32.
    unsafe {
        let starting = word(core::ptr::addr_of_mut!(STARTING)).read_volatile() == STARTING_MARKER;
        let mark = if starting { FAULT_AT_START_MARKER } else { FAULT_MARKER };
        if word(core::ptr::addr_of_mut!(FAULT)).read_volatile() != FAULT_AT_START_MARKER {
            word(core::ptr::addr_of_mut!(FAULT)).write_volatile(mark);
        }
    }
    cortex_m::asm::dsb();
}

/// What earlier faults left (the mark is kept).
pub fn fault_mark() -> FaultMark {
    // SAFETY: as in `mark_fault`.
    match unsafe { word(core::ptr::addr_of_mut!(FAULT)).read_volatile() } {
        FAULT_MARKER => FaultMark::Faulted,
        FAULT_AT_START_MARKER => FaultMark::FaultedAtStart,
        _ => FaultMark::None,
    }
}

/// The board is starting (`true`) or serving (`false`).
pub fn set_starting(starting: bool) {
    // SAFETY: as in `mark_fault`.
    unsafe { word(core::ptr::addr_of_mut!(STARTING)).write_volatile(if starting { STARTING_MARKER } else { 0 }) };
    cortex_m::asm::dsb();
}

#[link_section = ".uninit.evm_retained"]
static mut REGION: MaybeUninit<RetainedRegion> = MaybeUninit::uninit();

/// The retained region. Called once, at start.
///
/// # Safety
/// No other reference to the region may be alive.
pub unsafe fn region() -> &'static mut RetainedRegion {
    // SAFETY: every field is integers or bytes, valid for any bit pattern
    // RAM holds at power-up; exclusivity is the caller's promise.
    unsafe { (*core::ptr::addr_of_mut!(REGION)).assume_init_mut() }
}

/// The image store over the retained region.
pub struct RetainedStorage {
    region: &'static mut RetainedRegion,
}

impl RetainedStorage {
    pub fn new(region: &'static mut RetainedRegion) -> Self {
        RetainedStorage { region }
    }

    fn committed(&self) -> Option<usize> {
        match (self.region.magic, self.region.committed_slot) {
            (REGION_MAGIC, slot @ (0 | 1)) => Some(slot as usize),
            _ => None,
        }
    }

    fn pending_slot(&self) -> usize {
        match self.committed() {
            Some(slot) => 1 - slot,
            None => 0,
        }
    }

    /// The bytes a power cut or a reset could not have half-written: a
    /// barrier so the compiler keeps the order of the stores (a real store
    /// would wait for its write to complete here).
    fn flush() {
        compiler_fence(Ordering::SeqCst);
        cortex_m::asm::dsb();
    }
}

impl Storage for RetainedStorage {
    fn read_committed(&mut self) -> Result<Option<Vec<u8>>, StorageFault> {
        let Some(slot) = self.committed() else { return Ok(None) };
        let length = self.region.lengths[slot] as usize;
        if length > MAX_IMAGE_BYTES {
            return Err(StorageFault::Oversized);
        }
        Ok(Some(self.region.slots[slot][..length].to_vec()))
    }

    fn write_pending(&mut self, image: &[u8]) -> Result<(), StorageFault> {
        if image.len() > MAX_IMAGE_BYTES {
            return Err(StorageFault::Io {
                operation: StorageOperation::WritePending,
                source: "the image is longer than a slot".into(),
            });
        }
        let slot = self.pending_slot();
        self.region.slots[slot][..image.len()].copy_from_slice(image);
        self.region.lengths[slot] = image.len() as u32;
        Ok(())
    }

    fn sync_pending(&mut self) -> Result<(), StorageFault> {
        Self::flush();
        Ok(())
    }

    fn commit_pending(&mut self) -> Result<(), StorageFault> {
        let slot = self.pending_slot();
        // SAFETY: an aligned 32-bit store is single-copy atomic on the
        // Cortex-M3: a reset sees the old slot or the new one.
        unsafe { core::ptr::write_volatile(&mut self.region.committed_slot, slot as u32) };
        Self::flush();
        if self.region.magic != REGION_MAGIC {
            unsafe { core::ptr::write_volatile(&mut self.region.magic, REGION_MAGIC) };
        }
        Ok(())
    }

    fn sync_commit(&mut self) -> Result<(), StorageFault> {
        Self::flush();
        Ok(())
    }
}

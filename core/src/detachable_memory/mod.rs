//! The detachable memory (rule 61N): the unit's vote memory as a sealed,
//! crash-safe, history-independent byte image (docs/MEMORY_FORMAT.md).
//!
//! - **History independence (SECRECY, 39L(1)).** The image is a pure
//!   function of the per-button counters and the poll's life-cycle (candidate
//!   set, seals, poll start and end, close, result read, clears): any order
//!   of the same votes gives the same bytes. Nothing is stored per vote but
//!   one counter and the total: no time, no sequence number, no nonce.
//! - **Tamper evidence (61G(4)).** Every image ends with an HMAC-SHA-256 tag
//!   under the unit's key, set at commissioning ([`Commissioning`]). Any
//!   change made outside the unit is refused as [`Tampered`], with its
//!   [`TamperReason`]. Rolling back to an earlier genuine image is not
//!   detectable from the image alone (the unit keeps no per-write counter,
//!   which would be per-vote data); it shows at the Form 16C item 5
//!   cross-check, where the machine's total falls short of the register.
//! - **Crash safety (RETAIN).** [`RetainingUnit::step`] makes the image
//!   durable ([`persist`]: write, flush, rename, flush the directory) before
//!   it returns the reaction with its beep.
//!
//! The core here does no I/O: [`MemoryImage`] takes and returns bytes.
//! The file store is the host simulator's (`evm_sim::serve::FileStorage`,
//! at the edge); the reference firmware keeps its image in RAM that
//! survives a reset (docs/FIRMWARE.md); [`SimulatedStorage`] is the fault injector the crash-point tests
//! use.
//!
//! # How a driver uses it (`evm-sim serve --memory FILE`)
//!
//! ```no_run
//! use evm_core::detachable_memory::{Commissioning, OpenFault, RetainingUnit, SerialNumber, Storage, UnitKey};
//! use evm_core::{Defects, Input, MachineProfile, Timestamp};
//!
//! // `storage`: on a host `evm_sim::serve::FileStorage::new("unit-1.evm-memory")`.
//! fn drive<S: Storage + core::fmt::Debug + 'static>(storage: S) -> Result<(), Box<dyn core::error::Error>> {
//! let commissioning = Commissioning {
//!     serial_number: SerialNumber(1),
//!     key: UnitKey::from_bytes([7; 32]),
//!     profile: MachineProfile::m2(),
//! };
//! // At start: read and inspect the image; a unit with no image yet is commissioned.
//! let mut unit = match RetainingUnit::open(storage, commissioning.clone(), Defects::NONE) {
//!     Ok(unit) => unit,
//!     Err(OpenFault::NoImage(storage)) => RetainingUnit::commission(storage, commissioning, Defects::NONE)?,
//!     // Tampered: report "tampered: do not count" with the reason, leave the file as evidence, stop.
//!     Err(fault) => return Err(fault.into()),
//! };
//! // For every input: the reaction comes back only once the image is durable.
//! let now = Timestamp::from_clock(7, 0, 0);
//! match unit.step(now, Input::PowerOn { held_button: None }) {
//!     Ok(reaction) => { /* show the display, light the lamps, sound the beep */ }
//!     // The vote is not durable: no beep. Treat it as a power cut: stop, and restart with `open`.
//!     Err(fault) => return Err(fault.into()),
//! }
//! Ok(())
//! }
//! ```

mod image;
mod storage;

pub use image::{
    image_bytes_for, Commissioning, LifeCycleRecord, MemoryContents, MemoryImage, SerialNumber, TamperReason, Tampered,
    UnitKey, COUNTER_BYTES, FORMAT_VERSION, HEADER_BYTES, MAC_BYTES, MAGIC, MAX_IMAGE_BYTES, MIN_IMAGE_BYTES,
    SIMULATION_UNIT_KEY, UNIT_KEY_BYTES,
};
pub use storage::{persist, SimulatedStorage, Storage, StorageFault, StorageOperation, UnsyncedWrites};

use crate::defects::Defects;
use crate::time::Timestamp;
use crate::unit::{ControlUnit, Input, Reaction};

/// The unit's number in its memory image: the 64-bit FNV-1a hash of its
/// serial-number text, as the handshake sends it without the padding
/// spaces (docs/MEMORY_FORMAT.md: the image binds the memory to this unit).
pub fn serial_number_value(text: &str) -> u64 {
    text.trim_end_matches(' ')
        .bytes()
        .fold(0xCBF2_9CE4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3))
}

/// Where a unit's memory lives. Two backends:
///
/// - [`PlainCounters`]: the counters in the unit's own state, nothing
///   written anywhere; for replay at national scale.
/// - [`SealedImage`]: the integrity-protected image in a [`Storage`],
///   replaced crash-safely after every input that changed it.
///
/// # Call contract
///
/// [`retain`](MemoryBackend::retain) is called after every input the unit
/// took, with the unit and the input's reaction, **before** the reaction is
/// shown (its beep confirms a vote that is already durable). An error means
/// the input's effect may not be durable: the unit must be treated as
/// powered off and restarted from the backend.
pub trait MemoryBackend {
    fn retain(&mut self, unit: &ControlUnit, reaction: &Reaction) -> Result<(), StorageFault>;
}

/// The plain in-memory backend: the unit's counters are the memory.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlainCounters;

impl MemoryBackend for PlainCounters {
    #[inline]
    fn retain(&mut self, _unit: &ControlUnit, _reaction: &Reaction) -> Result<(), StorageFault> {
        Ok(())
    }
}

/// The integrity-protected backend: the sealed image of the unit, kept in
/// `S`.
///
/// # Call contract
///
/// - [`SealedImage::open`] at start reads and inspects the stored image
///   (61G); [`SealedImage::commission`] writes the first image of a new
///   unit. Both return the unit to drive.
/// - Then [`retain`](MemoryBackend::retain) after every input (or use
///   [`RetainingUnit`], which does it).
/// - [`read_back`](SealedImage::read_back) reads the committed image again
///   and inspects it, as a restart would.
#[derive(Clone, Debug)]
pub struct SealedImage<S> {
    storage: S,
    commissioning: Commissioning,
    life_cycle: LifeCycleRecord,
    /// The image last made durable: an input that changes nothing retained
    /// writes nothing.
    last_persisted: MemoryImage,
}

impl<S: Storage> SealedImage<S> {
    /// Reads the image in `storage` and restarts the unit from it. A
    /// tampered image is refused and left as it is (it is evidence).
    pub fn open(
        mut storage: S,
        commissioning: Commissioning,
        defects: Defects,
    ) -> Result<(SealedImage<S>, ControlUnit), OpenFault<S>> {
        let bytes = match storage.read_committed() {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(OpenFault::NoImage(storage)),
            Err(fault) => return Err(OpenFault::Storage(fault)),
        };
        let contents = MemoryImage::open(&commissioning, &bytes).map_err(OpenFault::Tampered)?;
        let unit = ControlUnit::restart_from(commissioning.profile, defects, &contents.retained);
        let last_persisted = MemoryImage::seal(&commissioning, &contents);
        Ok((SealedImage { storage, commissioning, life_cycle: contents.life_cycle, last_persisted }, unit))
    }

    /// Commissions a new unit: writes the image of an empty memory to
    /// `storage` (replacing whatever was there) and returns the unit,
    /// switched off.
    pub fn commission(
        mut storage: S,
        commissioning: Commissioning,
        defects: Defects,
    ) -> Result<(SealedImage<S>, ControlUnit), StorageFault> {
        let unit = ControlUnit::with_defects(commissioning.profile, defects);
        let image = MemoryImage::of_unit(&commissioning, &unit, LifeCycleRecord::default());
        persist(&mut storage, image.as_bytes())?;
        Ok((
            SealedImage { storage, commissioning, life_cycle: LifeCycleRecord::default(), last_persisted: image },
            unit,
        ))
    }

    /// Reads the committed image back and inspects it, as a restart would.
    pub fn read_back(&mut self) -> Result<MemoryContents, OpenFault<()>> {
        match self.storage.read_committed() {
            Ok(Some(bytes)) => MemoryImage::open(&self.commissioning, &bytes).map_err(OpenFault::Tampered),
            Ok(None) => Err(OpenFault::NoImage(())),
            Err(fault) => Err(OpenFault::Storage(fault)),
        }
    }

    /// The image last made durable.
    pub fn image(&self) -> &MemoryImage {
        &self.last_persisted
    }

    pub fn commissioning(&self) -> &Commissioning {
        &self.commissioning
    }

    pub fn life_cycle(&self) -> LifeCycleRecord {
        self.life_cycle
    }

    pub fn storage(&self) -> &S {
        &self.storage
    }

    pub fn storage_mut(&mut self) -> &mut S {
        &mut self.storage
    }

    pub fn into_storage(self) -> S {
        self.storage
    }
}

impl<S: Storage> MemoryBackend for SealedImage<S> {
    fn retain(&mut self, unit: &ControlUnit, reaction: &Reaction) -> Result<(), StorageFault> {
        self.life_cycle.observe(reaction);
        let image = MemoryImage::of_unit(&self.commissioning, unit, self.life_cycle);
        if image != self.last_persisted {
            persist(&mut self.storage, image.as_bytes())?;
            self.last_persisted = image;
        }
        Ok(())
    }
}

/// Why [`SealedImage::open`] returned no unit.
#[derive(Debug, thiserror::Error)]
pub enum OpenFault<S> {
    /// No image was ever committed: the storage is handed back, to
    /// commission a new unit on it if that is intended.
    #[error("no memory image: the unit was never commissioned on this storage")]
    NoImage(S),
    /// The 61G(4) verdict: do not count; the image is left as it is.
    #[error(transparent)]
    Tampered(Tampered),
    #[error(transparent)]
    Storage(StorageFault),
}

/// Why [`RetainingUnit::step`] returned no reaction.
#[derive(Debug, thiserror::Error)]
pub enum MemoryFault {
    /// The input's effect may not be durable: no beep; restart the unit.
    #[error("the memory could not be made durable; the unit stopped: {0}")]
    Storage(#[from] StorageFault),
    /// An earlier fault stopped the unit; restart it from its backend.
    #[error("the unit stopped after a memory fault; restart it from its memory")]
    Stopped,
}

/// A control unit with its memory backend: every input's effect on what
/// the unit retains is durable before its reaction is returned.
///
/// # Call contract
///
/// - Build it with [`RetainingUnit::in_memory`] (plain counters),
///   [`RetainingUnit::open`] (restart from a stored image) or
///   [`RetainingUnit::commission`] (a new unit on an empty storage).
/// - Feed every input with [`step`](RetainingUnit::step)`(now, input)`;
///   show the reaction (display, lamps, beep) only when it returns `Ok`.
/// - On `Err`, the unit has stopped, as after a power cut: every later step
///   is refused with [`MemoryFault::Stopped`]; restart with `open`.
/// - Read what a person could see through [`unit`](RetainingUnit::unit).
#[derive(Clone, Debug)]
pub struct RetainingUnit<B> {
    unit: ControlUnit,
    backend: B,
    stopped: bool,
}

impl RetainingUnit<PlainCounters> {
    pub fn in_memory(unit: ControlUnit) -> Self {
        RetainingUnit { unit, backend: PlainCounters, stopped: false }
    }
}

impl<S: Storage> RetainingUnit<SealedImage<S>> {
    /// Restarts the unit from the image in `storage` (see
    /// [`SealedImage::open`]).
    pub fn open(storage: S, commissioning: Commissioning, defects: Defects) -> Result<Self, OpenFault<S>> {
        let (backend, unit) = SealedImage::open(storage, commissioning, defects)?;
        Ok(RetainingUnit { unit, backend, stopped: false })
    }

    /// A new unit on `storage` (see [`SealedImage::commission`]).
    pub fn commission(storage: S, commissioning: Commissioning, defects: Defects) -> Result<Self, StorageFault> {
        let (backend, unit) = SealedImage::commission(storage, commissioning, defects)?;
        Ok(RetainingUnit { unit, backend, stopped: false })
    }
}

impl<B: MemoryBackend> RetainingUnit<B> {
    /// Feeds one input at `now`; returns its reaction once its effect is
    /// durable.
    pub fn step(&mut self, now: Timestamp, input: Input) -> Result<Reaction, MemoryFault> {
        if self.stopped {
            return Err(MemoryFault::Stopped);
        }
        let reaction = self.unit.step(now, input);
        if let Err(fault) = self.backend.retain(&self.unit, &reaction) {
            self.stopped = true;
            return Err(MemoryFault::Storage(fault));
        }
        Ok(reaction)
    }

    pub fn unit(&self) -> &ControlUnit {
        &self.unit
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    pub fn into_backend(self) -> B {
        self.backend
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped
    }
}

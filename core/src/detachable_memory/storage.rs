//! Where an image is kept: a small storage interface and a simulated store
//! that cuts the power at any chosen operation. The file store of the
//! `serve --memory FILE` driver sits beside the server
//! (`crate::serve::FileStorage`): the model touches no file.
//!
//! Writing an image is four operations, in this order (the crash-safe
//! replace): write the image to a *pending* file, flush it to the disk
//! (`fsync`), rename the pending file over the *committed* one (atomic),
//! flush the directory so the rename itself survives. A power cut before the
//! rename leaves the old image; after the directory flush, the new one; in
//! between, either — never a mixture, because the renamed data was flushed
//! first.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use super::image::MAX_IMAGE_BYTES;

/// One operation of the storage interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageOperation {
    ReadCommitted,
    WritePending,
    SyncPending,
    CommitPending,
    SyncCommit,
}

impl fmt::Display for StorageOperation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            StorageOperation::ReadCommitted => "read the committed image",
            StorageOperation::WritePending => "write the pending image",
            StorageOperation::SyncPending => "flush the pending image",
            StorageOperation::CommitPending => "rename the pending image over the committed one",
            StorageOperation::SyncCommit => "flush the directory",
        })
    }
}

/// A storage operation that did not complete.
#[derive(Debug, thiserror::Error)]
pub enum StorageFault {
    #[error("could not {operation}: {source}")]
    Io {
        operation: StorageOperation,
        /// The device's own error (on a host, the `std::io::Error`).
        #[source]
        source: Box<dyn core::error::Error + Send + Sync>,
    },
    /// The simulated power cut of [`SimulatedStorage`].
    #[error("power cut before the unit could {operation}")]
    PowerCut { operation: StorageOperation },
    #[error("the committed image is longer than any image ({MAX_IMAGE_BYTES} bytes at most)")]
    Oversized,
}

/// Where one unit's image lives.
///
/// # Call contract
///
/// - [`read_committed`](Storage::read_committed) at start: the last
///   committed image, `None` if none was ever committed. It reads at most
///   [`MAX_IMAGE_BYTES`] + 1 bytes.
/// - To replace the image, call [`persist`], which calls the four write
///   operations in order; do not call them one by one.
/// - An error leaves the committed image either the old or the new one; the
///   caller must treat the unit as powered off (see
///   [`RetainingUnit`](super::RetainingUnit)).
pub trait Storage {
    fn read_committed(&mut self) -> Result<Option<Vec<u8>>, StorageFault>;
    /// Creates or truncates the pending image and writes `image` to it.
    fn write_pending(&mut self, image: &[u8]) -> Result<(), StorageFault>;
    /// Flushes the pending image's data to the disk.
    fn sync_pending(&mut self) -> Result<(), StorageFault>;
    /// Renames the pending image over the committed one (atomic).
    fn commit_pending(&mut self) -> Result<(), StorageFault>;
    /// Flushes the directory, so that the rename survives a power cut.
    fn sync_commit(&mut self) -> Result<(), StorageFault>;
}

/// Replaces the committed image with `image`, crash-safely: when this
/// returns `Ok`, the new image survives any power cut.
pub fn persist<S: Storage + ?Sized>(storage: &mut S, image: &[u8]) -> Result<(), StorageFault> {
    storage.write_pending(image)?;
    storage.sync_pending()?;
    storage.commit_pending()?;
    storage.sync_commit()
}

/// What a power cut does to writes that were not flushed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnsyncedWrites {
    /// Every write not flushed is lost (the rename too, if its directory
    /// was not flushed).
    Lost,
    /// Every write not flushed reached the disk anyway; data that was never
    /// flushed before being renamed comes back empty, as a file whose
    /// blocks were never allocated.
    Kept,
}

/// An in-memory storage that tracks what is flushed and what is not, and
/// cuts the power before a chosen operation: the fault injector of the
/// crash-point tests. Cloning it forks the disk.
#[derive(Clone, Debug, Default)]
pub struct SimulatedStorage {
    /// The committed image as it is on the disk after a flushed rename.
    durable_committed: Option<Vec<u8>>,
    /// A rename not yet flushed: the image it committed, and whether that
    /// image's data was flushed before the rename.
    unsynced_commit: Option<(Vec<u8>, bool)>,
    /// The pending file: its contents and whether they are flushed.
    pending: Option<(Vec<u8>, bool)>,
    operations: u64,
    power_cut_before_operation: Option<u64>,
    power_cut: bool,
}

impl SimulatedStorage {
    /// An empty disk.
    pub fn new() -> Self {
        SimulatedStorage::default()
    }

    /// A disk whose committed image is `image` (flushed).
    pub fn with_committed(image: &[u8]) -> Self {
        SimulatedStorage { durable_committed: Some(image.to_vec()), ..SimulatedStorage::default() }
    }

    /// Write operations done so far (reads are not counted): the crash
    /// points.
    pub fn operations(&self) -> u64 {
        self.operations
    }

    /// Cuts the power just before write operation number `operation`
    /// (0-based, as counted by [`operations`](Self::operations)): that
    /// operation and every later one fail with [`StorageFault::PowerCut`].
    pub fn cut_power_before_operation(&mut self, operation: u64) {
        self.power_cut_before_operation = Some(operation);
    }

    pub fn is_power_cut(&self) -> bool {
        self.power_cut
    }

    /// The disk as it is found after the power comes back: the pending file
    /// and the crash-point setting are gone, and `unsynced` decides what
    /// happened to writes that were not flushed.
    pub fn after_power_cut(&self, unsynced: UnsyncedWrites) -> SimulatedStorage {
        let committed = match (unsynced, &self.unsynced_commit) {
            (UnsyncedWrites::Kept, Some((image, true))) => Some(image.clone()),
            (UnsyncedWrites::Kept, Some((_, false))) => Some(Vec::new()),
            _ => self.durable_committed.clone(),
        };
        SimulatedStorage { durable_committed: committed, ..SimulatedStorage::default() }
    }

    /// The committed image as a reader sees it now (flushed or not).
    pub fn committed(&self) -> Option<&[u8]> {
        match &self.unsynced_commit {
            Some((image, _)) => Some(image),
            None => self.durable_committed.as_deref(),
        }
    }

    fn operation(&mut self, operation: StorageOperation) -> Result<(), StorageFault> {
        if self.power_cut || self.power_cut_before_operation == Some(self.operations) {
            self.power_cut = true;
            return Err(StorageFault::PowerCut { operation });
        }
        self.operations += 1;
        Ok(())
    }
}

impl Storage for SimulatedStorage {
    fn read_committed(&mut self) -> Result<Option<Vec<u8>>, StorageFault> {
        if self.power_cut {
            return Err(StorageFault::PowerCut { operation: StorageOperation::ReadCommitted });
        }
        match self.committed() {
            Some(image) if image.len() > MAX_IMAGE_BYTES => Err(StorageFault::Oversized),
            committed => Ok(committed.map(<[u8]>::to_vec)),
        }
    }

    fn write_pending(&mut self, image: &[u8]) -> Result<(), StorageFault> {
        self.operation(StorageOperation::WritePending)?;
        match &mut self.pending {
            Some((contents, flushed)) => {
                contents.clear();
                contents.extend_from_slice(image);
                *flushed = false;
            }
            None => self.pending = Some((image.to_vec(), false)),
        }
        Ok(())
    }

    fn sync_pending(&mut self) -> Result<(), StorageFault> {
        self.operation(StorageOperation::SyncPending)?;
        if let Some((_, flushed)) = &mut self.pending {
            *flushed = true;
        }
        Ok(())
    }

    fn commit_pending(&mut self) -> Result<(), StorageFault> {
        self.operation(StorageOperation::CommitPending)?;
        match self.pending.take() {
            Some(pending) => {
                self.unsynced_commit = Some(pending);
                Ok(())
            }
            None => Err(StorageFault::Io {
                operation: StorageOperation::CommitPending,
                source: "no pending image to rename".into(),
            }),
        }
    }

    fn sync_commit(&mut self) -> Result<(), StorageFault> {
        self.operation(StorageOperation::SyncCommit)?;
        if let Some((image, flushed)) = self.unsynced_commit.take() {
            // A rename of data that was never flushed leaves an empty file.
            self.durable_committed = Some(if flushed { image } else { Vec::new() });
        }
        Ok(())
    }
}

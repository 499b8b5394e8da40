//! The file store of `evm-sim serve --memory FILE`: the memory image in a
//! file, replaced crash-safely (write the pending file, fsync, rename,
//! fsync the directory: docs/MEMORY_FORMAT.md). With the server, the only
//! module of `evm-sim` that opens a file.

use crate::detachable_memory::MAX_IMAGE_BYTES;
use crate::detachable_memory::{Storage, StorageFault, StorageOperation};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The mode of a unit's first image file: its owner reads and writes it,
/// nobody else reads it.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// The image in a file, replaced crash-safely through `FILE.pending` in the
/// same directory. Used by `evm-sim serve --memory FILE`.
#[derive(Debug)]
pub struct FileStorage {
    committed: PathBuf,
    pending: PathBuf,
    pending_file: Option<std::fs::File>,
}

impl FileStorage {
    /// The image at `path`; the pending file is `path` with `.pending`
    /// appended. Nothing is opened yet.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let committed = path.into();
        let mut pending = committed.clone().into_os_string();
        pending.push(".pending");
        FileStorage { committed, pending: PathBuf::from(pending), pending_file: None }
    }

    pub fn path(&self) -> &Path {
        &self.committed
    }

    fn directory(&self) -> &Path {
        match self.committed.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    }
}

fn io(operation: StorageOperation) -> impl FnOnce(std::io::Error) -> StorageFault {
    move |source| StorageFault::Io { operation, source: Box::new(source) }
}

impl Storage for FileStorage {
    fn read_committed(&mut self) -> Result<Option<Vec<u8>>, StorageFault> {
        let operation = StorageOperation::ReadCommitted;
        let file = match std::fs::File::open(&self.committed) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io(operation)(error)),
        };
        let mut bytes = Vec::with_capacity(MAX_IMAGE_BYTES);
        file.take(MAX_IMAGE_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(io(operation))?;
        Ok(Some(bytes))
    }

    /// The pending file is created with the committed image's permissions,
    /// or owner read and write only (0600) for a unit's first image, and
    /// set to them again if it already existed: the rename must never widen
    /// who can read the votes (docs/MEMORY_FORMAT.md).
    fn write_pending(&mut self, image: &[u8]) -> Result<(), StorageFault> {
        let operation = StorageOperation::WritePending;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        let mode = {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            let mode = std::fs::metadata(&self.committed)
                .map(|metadata| metadata.permissions().mode() & 0o7777)
                .unwrap_or(PRIVATE_FILE_MODE);
            options.mode(mode);
            mode
        };
        let mut file = options.open(&self.pending).map_err(io(operation))?;
        // A leftover pending file keeps the mode it was created with: set it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(mode)).map_err(io(operation))?;
        }
        file.write_all(image).map_err(io(operation))?;
        self.pending_file = Some(file);
        Ok(())
    }

    fn sync_pending(&mut self) -> Result<(), StorageFault> {
        let operation = StorageOperation::SyncPending;
        match self.pending_file.take() {
            Some(file) => file.sync_all().map_err(io(operation)),
            None => Err(io(operation)(std::io::Error::other("no pending image written"))),
        }
    }

    fn commit_pending(&mut self) -> Result<(), StorageFault> {
        std::fs::rename(&self.pending, &self.committed).map_err(io(StorageOperation::CommitPending))
    }

    fn sync_commit(&mut self) -> Result<(), StorageFault> {
        // A directory opens read-only on Unix and can be flushed; elsewhere
        // the rename is as durable as the platform makes it.
        if cfg!(unix) {
            let operation = StorageOperation::SyncCommit;
            std::fs::File::open(self.directory()).and_then(|directory| directory.sync_all()).map_err(io(operation))
        } else {
            Ok(())
        }
    }
}

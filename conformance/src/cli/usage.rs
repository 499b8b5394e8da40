//! The error that is the caller's.

/// A failure that is the caller's: bad flags, unreadable input, unwritable output.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

//! A stop asked for by SIGINT or SIGTERM: a flag the runner reads between
//! traces and the replay between lines, so that a run ends cleanly —
//! reports written for what finished, the traces in flight `interrupted`,
//! spawned boards stopped by their owners' `Drop` — and exits 130.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Asks for a stop (the signal handler; tests).
pub fn request() {
    REQUESTED.store(true, Ordering::Relaxed);
}

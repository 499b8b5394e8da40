//! The unit's rules, one test per rule (`cases.rs`, with the fixtures of
//! `fixtures.rs`), run twice: with the vote memory in the unit's own
//! counters, and with it in the sealed memory image (after every input the
//! unit's retained state is sealed, stored, read back, inspected and loaded
//! again). Both backends of the memory pass the same tests.

// The same cases and fixtures, compiled once for each backend on purpose.
#![allow(clippy::duplicate_mod)]

/// The unit keeps its votes in its own counters (the plain backend).
#[path = "."]
mod in_counters {
    const MEMORY_IN_SEALED_IMAGE: bool = false;
    #[path = "cases.rs"]
    mod cases;
    #[path = "fixtures.rs"]
    mod fixtures;
}

/// The unit's memory is the sealed image, read back after every input.
#[path = "."]
mod in_sealed_image {
    const MEMORY_IN_SEALED_IMAGE: bool = true;
    #[path = "cases.rs"]
    mod cases;
    #[path = "fixtures.rs"]
    mod fixtures;
}

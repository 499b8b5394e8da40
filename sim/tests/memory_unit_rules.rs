//! The unit's rule tests of `unit_rules.rs`, every one of them, with the
//! vote memory kept in the sealed memory image: after every input the unit's
//! retained state is sealed, stored, read back, inspected and loaded again.
//! Both backends of the memory pass the same tests.

#[path = "unit_rules.rs"]
mod unit_rules;

const MEMORY_IN_SEALED_IMAGE: bool = true;

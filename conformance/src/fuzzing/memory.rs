//! Arbitrary bytes as a detachable memory image (docs/MEMORY_FORMAT.md).

use evm_sim::detachable_memory::{
    Commissioning, MemoryImage, SerialNumber, TamperReason, UnitKey, MAC_BYTES, MAX_IMAGE_BYTES, MIN_IMAGE_BYTES,
    UNIT_KEY_BYTES,
};
use evm_sim::unit::{ButtonAddress, ControlUnit, Input};
use evm_sim::{Defects, MachineProfile, Timestamp};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The fuzzed unit's key: known to the fuzzer, so that it can write images
/// as the unit (or a thief of its key) would.
const FUZZ_KEY: [u8; UNIT_KEY_BYTES] = [0x5A; UNIT_KEY_BYTES];

/// The commissioning the fuzz target reads images under: M2 or M3.
pub fn fuzz_commissioning(m3: bool) -> Commissioning {
    Commissioning {
        serial_number: SerialNumber(0x4655_5A5A),
        key: UnitKey::from_bytes(FUZZ_KEY),
        profile: if m3 { MachineProfile::m3() } else { MachineProfile::m2() },
    }
}

/// Replaces the last 32 bytes with the HMAC-SHA-256 of the others under the
/// fuzz key: written independently of the unit's own sealing code.
fn retag(bytes: &mut [u8]) {
    let sealed_length = bytes.len() - MAC_BYTES;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&FUZZ_KEY).expect("HMAC takes any key length");
    mac.update(&bytes[..sealed_length]);
    bytes[sealed_length..].copy_from_slice(&mac.finalize().into_bytes());
}

/// Target `memory_image_loader`: byte 0 is the mode (bit 0: put the right
/// tag on, as the unit would; bit 1: an M3 unit), the rest the image. The
/// loader never panics; it refuses the image as tampered, or loads it so
/// that the image of what it loaded is the same bytes (one image per
/// contents), within the documented bounds; a conforming unit restarted
/// from it holds exactly that and runs a poll-day's inputs without panic.
pub fn memory_image_loader(data: &[u8]) {
    let Some((&mode, image)) = data.split_first() else { return };
    let commissioning = fuzz_commissioning(mode & 2 != 0);
    let mut bytes = image.to_vec();
    let retagged = mode & 1 == 1 && (MIN_IMAGE_BYTES..=MAX_IMAGE_BYTES).contains(&bytes.len());
    if retagged {
        retag(&mut bytes);
    }
    let contents = match MemoryImage::open(&commissioning, &bytes) {
        Ok(contents) => contents,
        Err(tampered) => {
            if retagged && bytes[..8] == evm_sim::detachable_memory::MAGIC {
                // A tag the unit would write never fails the check.
                assert_ne!(tampered.reason, TamperReason::IntegrityCheckFailed, "a good tag refused");
            }
            let _ = tampered.to_string();
            return;
        }
    };
    let again = MemoryImage::seal(&commissioning, &contents);
    assert_eq!(again.as_bytes(), &bytes[..], "an accepted image is not the image of what it holds");
    let profile = commissioning.profile;
    let retained = &contents.retained;
    assert!(retained.candidates() <= profile.candidates_max(), "candidates beyond the profile");
    let mut unit = ControlUnit::restart_from(profile, Defects::NONE, retained);
    assert_eq!(&unit.retained_state(), retained, "the restarted unit holds something else");
    assert!(!unit.is_powered() && !unit.ballot_enabled(), "a restart is switched off with no enable");
    // The image records what the unit held, PART-II broken or not
    // (docs/MEMORY_FORMAT.md); one that does not add up restarts the unit in
    // the memory-fault state: it records nothing, erases nothing, and its
    // result still reads out, without a panic.
    let fault = retained.inconsistency(&profile);
    assert_eq!(unit.memory_inconsistency(), fault, "the restarted unit's fault state");
    let mut now = Timestamp::from_clock(7, 0, 0);
    let first_entry = ButtonAddress { balloting_unit: 1, button: 1 };
    let last_entry = ButtonAddress::of_ballot_entry(retained.candidates().max(1)).unwrap_or(first_entry);
    let units = profile.balloting_units_for(retained.candidates().max(1));
    let mut script: Vec<Input> = (1..=units).map(|position| Input::AttachBallotingUnit { position }).collect();
    script.extend([
        Input::PowerOn { held_button: None },
        Input::Total,
        Input::Ballot,
        Input::PressButton { address: first_entry },
        Input::Ballot,
        Input::PressButton { address: last_entry },
        Input::Close,
        Input::BreakResultSeal,
        Input::Result,
    ]);
    let total_at_start = unit.total();
    for input in script {
        now = now.plus_milliseconds(15_000);
        let total_before = unit.total();
        let reaction = unit.step(now, input);
        assert!(unit.total() >= total_before, "a vote was lost after loading");
        if fault.is_some() {
            assert_eq!(reaction.votes_recorded(), 0, "a vote recorded in the memory-fault state");
        }
        let _ = unit.result_readout();
    }
    if fault.is_some() {
        assert_eq!(unit.total(), total_at_start, "the memory changed in the memory-fault state");
        // Refused: `memory_inconsistent`, or an earlier check (off, fail-safe).
        let refused = unit.step(now.plus_milliseconds(15_000), Input::Clear);
        assert!(refused.refusal.is_some() && unit.total() == total_at_start, "Clear erased a faulty memory");
    } else {
        let _ = unit.step(now.plus_milliseconds(15_000), Input::Clear);
        assert_eq!(unit.counts_sum(), u64::from(unit.total()), "PART-II broken after loading a consistent image");
    }
}

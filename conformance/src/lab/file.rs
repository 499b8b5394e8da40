//! The lab file (`--lab FILE`): the boards of a lab as labs keep them, one
//! TOML table each (README, "Certifying a real board"):
//!
//! ```toml
//! [[board]]
//! name = "bench-1"              # unique in the file
//! serial = "/dev/ttyUSB0"       # or: tcp = "lab-host:7433"
//! baud = 115200                 # serial only; default 115200
//! profile = "M2"                # optional: the machine it must announce
//! serial_number = "BEL-0042"    # optional: the serial number it must announce
//! ```
//!
//! Every mistake is reported with the file, the board and why; a board that
//! answers with another machine or serial number than the file expects is
//! not used (it is not the board the lab thinks it is).

use crate::target::spec::DEFAULT_BAUD as DEFAULT_BAUD_RATE;
use crate::target::TargetSpec;
use evm_sim::profile::ProfileName;
use std::path::Path;

/// One board of a lab: how to reach it and what it must say it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabBoard {
    /// The lab's name for it (the target as written, for a `--target`).
    pub name: String,
    pub spec: TargetSpec,
    pub expected_profile: Option<ProfileName>,
    pub expected_serial_number: Option<String>,
}

impl LabBoard {
    /// A board given as `--target NAME`: no expectations.
    pub fn from_target(spec: TargetSpec) -> LabBoard {
        LabBoard { name: spec.to_string(), spec, expected_profile: None, expected_serial_number: None }
    }

    /// Why the board that answered is not the one the lab file describes.
    pub fn unexpected(&self, profile: ProfileName, serial_number: &str) -> Option<String> {
        if let Some(expected) = self.expected_profile.filter(|expected| *expected != profile) {
            return Some(format!("announced an {profile} machine; the lab file expects an {expected}"));
        }
        match &self.expected_serial_number {
            Some(expected) if expected != serial_number => {
                Some(format!("announced serial number {serial_number:?}; the lab file expects {expected:?}"))
            }
            _ => None,
        }
    }
}

/// A lab file that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct LabFileError {
    pub path: String,
    pub message: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LabFile {
    #[serde(default)]
    board: Vec<BoardEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BoardEntry {
    name: String,
    serial: Option<String>,
    tcp: Option<String>,
    baud: Option<toml::Value>,
    profile: Option<String>,
    serial_number: Option<String>,
}

/// Reads and checks a lab file.
pub fn read_lab_file(path: &Path) -> Result<Vec<LabBoard>, LabFileError> {
    let fail = |message: String| LabFileError { path: path.display().to_string(), message };
    let text = std::fs::read_to_string(path).map_err(|error| fail(format!("cannot be read: {error}")))?;
    parse_lab(&text).map_err(fail)
}

/// The boards of a lab file's text.
pub fn parse_lab(text: &str) -> Result<Vec<LabBoard>, String> {
    let file: LabFile = toml::from_str(text).map_err(|error| error.to_string().trim_end().to_owned())?;
    if file.board.is_empty() {
        return Err("no [[board]] in the lab file".to_owned());
    }
    let mut boards: Vec<LabBoard> = Vec::with_capacity(file.board.len());
    for entry in file.board {
        let board = board_of(entry)?;
        if boards.iter().any(|other| other.name == board.name) {
            return Err(format!("board {:?} is named twice", board.name));
        }
        boards.push(board);
    }
    Ok(boards)
}

fn board_of(entry: BoardEntry) -> Result<LabBoard, String> {
    let name = entry.name.trim().to_owned();
    if name.is_empty() {
        return Err("a board has an empty name".to_owned());
    }
    let wrong = |why: String| format!("board {name:?}: {why}");
    let spec = match (entry.serial, entry.tcp) {
        (Some(path), None) => {
            let baud = match entry.baud {
                None => DEFAULT_BAUD_RATE,
                Some(toml::Value::Integer(baud)) if baud > 0 && baud <= i64::from(u32::MAX) => baud as u32,
                Some(other) => return Err(wrong(format!("baud {other} is not a number above 0"))),
            };
            if path.is_empty() {
                return Err(wrong("serial needs a device path".to_owned()));
            }
            TargetSpec::Serial { path, baud: Some(baud) }
        }
        (None, Some(address)) => {
            if entry.baud.is_some() {
                return Err(wrong(
                    "baud is a serial line's: a tcp board's line is set where it is exported".to_owned(),
                ));
            }
            if address.is_empty() {
                return Err(wrong("tcp needs an address (HOST:PORT)".to_owned()));
            }
            TargetSpec::Tcp { address }
        }
        (Some(_), Some(_)) => return Err(wrong("give serial or tcp, not both".to_owned())),
        (None, None) => return Err(wrong("give serial = \"/dev/…\" or tcp = \"HOST:PORT\"".to_owned())),
    };
    let expected_profile = match entry.profile.as_deref() {
        None => None,
        Some("M2") => Some(ProfileName::M2),
        Some("M3") => Some(ProfileName::M3),
        Some(other) => return Err(wrong(format!("profile {other:?} is not M2 or M3"))),
    };
    if let Some(serial_number) = &entry.serial_number {
        if serial_number.is_empty() || serial_number.len() > 16 || !serial_number.is_ascii() {
            return Err(wrong(format!("serial number {serial_number:?} is not 1 to 16 ASCII characters")));
        }
    }
    Ok(LabBoard { name, spec, expected_profile, expected_serial_number: entry.serial_number })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lab_file_reads_as_written() {
        let boards = parse_lab(
            r#"
            [[board]]
            name = "bench-1"
            serial = "/dev/ttyUSB0"
            profile = "M3"
            serial_number = "BEL-0042"

            [[board]]
            name = "remote"
            tcp = "lab-host:7433"
            "#,
        )
        .unwrap();
        assert_eq!(boards[0].spec.to_string(), "serial:/dev/ttyUSB0@115200");
        assert_eq!(boards[0].expected_profile, Some(ProfileName::M3));
        assert_eq!(boards[1].spec.to_string(), "tcp:lab-host:7433");
        assert_eq!(boards[0].unexpected(ProfileName::M3, "BEL-0042"), None);
        assert!(boards[0].unexpected(ProfileName::M2, "BEL-0042").unwrap().contains("expects an M3"));
        assert!(boards[0].unexpected(ProfileName::M3, "EVM-SIM-0001").unwrap().contains("\"BEL-0042\""));
    }

    #[test]
    fn every_mistake_names_the_board_and_why() {
        let cases = [
            (
                "[[board]]\nname = \"a\"\nserial = \"/dev/x\"\nbaud = \"fast\"",
                "board \"a\": baud \"fast\" is not a number above 0",
            ),
            ("[[board]]\nname = \"a\"\nserial = \"/dev/x\"\nbaud = 0", "board \"a\": baud 0 is not a number above 0"),
            (
                "[[board]]\nname = \"a\"\nserial = \"/dev/x\"\n[[board]]\nname = \"a\"\ntcp = \"h:1\"",
                "board \"a\" is named twice",
            ),
            ("[[board]]\nname = \"a\"", "board \"a\": give serial"),
            ("[[board]]\nname = \"a\"\nserial = \"/dev/x\"\ntcp = \"h:1\"", "not both"),
            ("[[board]]\nname = \"a\"\ntcp = \"h:1\"\nbaud = 9600", "baud is a serial line's"),
            ("[[board]]\nname = \"a\"\nserial = \"/dev/x\"\nprofile = \"M4\"", "profile \"M4\" is not M2 or M3"),
            ("[[board]]\nname = \"a\"\nserial = \"/dev/x\"\nport = 1", "unknown field `port`"),
            ("", "no [[board]]"),
        ];
        for (text, expected) in cases {
            let error = parse_lab(text).expect_err(text);
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}

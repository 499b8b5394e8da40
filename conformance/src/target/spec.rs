//! The one way a target is named: on the command line, in reports, in
//! every subcommand. `sim`, `sim-pty`, `serial:PATH[@BAUD]`, `tcp:ADDR`.

use super::{SimTarget, Target, TargetError, WireTarget};
use std::fmt;
use std::str::FromStr;

/// The baud rate of a serial target that names none.
pub const DEFAULT_BAUD: u32 = 115_200;

/// A target as named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetSpec {
    /// `sim`: the unit model, in process.
    InProcess,
    /// `sim-pty`: `evm-sim serve --pty --test-mode` in a separate process,
    /// through a kernel pseudo-terminal.
    SimulatedPty,
    /// `serial:PATH[@BAUD]`: a serial device (a board, a pty); the baud
    /// rate when the name gives one.
    Serial { path: String, baud: Option<u32> },
    /// `tcp:ADDR`: a board on TCP (ser2net, a board's own stack).
    Tcp { address: String },
}

/// Why a target name is not one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetSpecError {
    #[error("baud rate {0:?} is not a number above 0 (serial:PATH@BAUD)")]
    Baud(String),
    #[error("serial: needs a device path (serial:PATH@BAUD)")]
    NoPath,
    #[error("tcp: needs an address (tcp:HOST:PORT)")]
    NoAddress,
    #[error(
        "unknown target {0:?}: expected sim (in process), sim-pty (spawns evm-sim serve --pty), serial:PATH@BAUD or tcp:ADDR"
    )]
    Unknown(String),
}

impl FromStr for TargetSpec {
    type Err = TargetSpecError;

    fn from_str(name: &str) -> Result<TargetSpec, TargetSpecError> {
        if name == "sim" {
            return Ok(TargetSpec::InProcess);
        }
        if name == "sim-pty" {
            return Ok(TargetSpec::SimulatedPty);
        }
        if let Some(address) = name.strip_prefix("tcp:") {
            if address.is_empty() {
                return Err(TargetSpecError::NoAddress);
            }
            return Ok(TargetSpec::Tcp { address: address.to_owned() });
        }
        if let Some(rest) = name.strip_prefix("serial:") {
            let (path, baud) = match rest.rsplit_once('@') {
                Some((path, text)) => {
                    let baud = text.parse().ok().filter(|&baud: &u32| baud > 0);
                    (path, Some(baud.ok_or_else(|| TargetSpecError::Baud(text.to_owned()))?))
                }
                None => (rest, None),
            };
            if path.is_empty() {
                return Err(TargetSpecError::NoPath);
            }
            return Ok(TargetSpec::Serial { path: path.to_owned(), baud });
        }
        Err(TargetSpecError::Unknown(name.to_owned()))
    }
}

impl fmt::Display for TargetSpec {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetSpec::InProcess => formatter.write_str("sim"),
            TargetSpec::SimulatedPty => formatter.write_str("sim-pty"),
            TargetSpec::Serial { path, baud: Some(baud) } => write!(formatter, "serial:{path}@{baud}"),
            TargetSpec::Serial { path, baud: None } => write!(formatter, "serial:{path}"),
            TargetSpec::Tcp { address } => write!(formatter, "tcp:{address}"),
        }
    }
}

impl TargetSpec {
    /// Whether the target is reached over a wire (everything but `sim`).
    pub fn has_wire(&self) -> bool {
        !matches!(self, TargetSpec::InProcess)
    }

    /// Opens the target: in process, or connected and greeted on its wire.
    pub fn open(&self) -> Result<Box<dyn Target>, TargetError> {
        match self {
            TargetSpec::InProcess => Ok(Box::new(SimTarget::new())),
            _ => Ok(Box::new(self.open_wire(None)?)),
        }
    }

    /// Opens a target on a wire; `pace_baud` paces a spawned `sim-pty`
    /// board like a serial line of that rate, and is the rate of a serial
    /// target that names none (else [`DEFAULT_BAUD`]).
    pub fn open_wire(&self, pace_baud: Option<u32>) -> Result<WireTarget, TargetError> {
        match self {
            TargetSpec::InProcess => Err(TargetError {
                target: self.to_string(),
                cause: super::FailureCause::Harness,
                message: "the in-process unit has no wire: use sim-pty for the same model behind a pseudo-terminal"
                    .to_owned(),
            }),
            TargetSpec::SimulatedPty => WireTarget::spawn_simulated_board(pace_baud),
            TargetSpec::Serial { path, baud } => WireTarget::serial(path, baud.or(pace_baud).unwrap_or(DEFAULT_BAUD)),
            TargetSpec::Tcp { address } => WireTarget::tcp(address),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_as_written() {
        for name in ["sim", "sim-pty", "serial:/dev/pts/3@115200", "serial:/dev/ttyUSB0", "tcp:127.0.0.1:7000"] {
            let spec: TargetSpec = name.parse().unwrap();
            assert_eq!(spec.to_string(), name);
        }
    }

    #[test]
    fn a_bad_name_says_why() {
        assert_eq!("serial:/dev/x@fast".parse::<TargetSpec>(), Err(TargetSpecError::Baud("fast".into())));
        assert_eq!("serial:/dev/x@0".parse::<TargetSpec>(), Err(TargetSpecError::Baud("0".into())));
        assert_eq!("serial:@9600".parse::<TargetSpec>(), Err(TargetSpecError::NoPath));
        assert_eq!("tcp:".parse::<TargetSpec>(), Err(TargetSpecError::NoAddress));
        assert!(matches!("board".parse::<TargetSpec>(), Err(TargetSpecError::Unknown(name)) if name == "board"));
    }
}

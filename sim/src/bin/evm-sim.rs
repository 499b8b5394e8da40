//! `evm-sim`: the simulated voting machine. Parses flags and calls the library.

use clap::{Parser, Subcommand};
use evm_sim::serve::{serve, Listen, ServeOptions};
use evm_sim::{Defect, Defects, MachineProfile, ProfileName};
use std::io::Write;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "evm-sim",
    version,
    about = "A simulated Indian electronic voting machine (control unit + balloting units)"
)]
struct Arguments {
    #[command(subcommand)]
    command: Command,
}

/// `--rate-rule`: how the profile's vote-rate limit counts.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum RateRuleFlag {
    SlidingWindow,
    MinimumInterval,
}

#[derive(Subcommand)]
enum Command {
    /// Run an example poll day end to end on one simulated unit and print the count.
    ///
    /// Example: evm-sim demo --candidates 7 --electors 120
    #[command(verbatim_doc_comment)]
    Demo {
        /// Contesting candidates (NOTA is added as the last button).
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..=63))]
        candidates: u16,
        /// Electors who vote.
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u32).range(0..=2000))]
        electors: u32,
    },
    /// Serve the simulated board over the serial protocol (docs/PROTOCOL.md).
    ///
    /// Prints where it listens alone on the first line of stdout (the
    /// pseudo-terminal's path, the device, or the TCP address), then serves
    /// until stopped.
    ///
    /// Examples:
    ///   evm-sim serve --pty --test-mode
    ///   evm-sim serve --pty --pace-baud 115200
    ///   evm-sim serve --port /dev/ttyUSB0 --baud 115200
    ///   evm-sim serve --tcp 127.0.0.1:7878 --test-mode
    #[command(verbatim_doc_comment)]
    Serve {
        /// Open a new kernel pseudo-terminal pair and serve on it.
        #[arg(long, conflicts_with_all = ["port", "tcp"])]
        pty: bool,
        /// Serve on this serial device.
        #[arg(long, value_name = "PATH", conflicts_with = "tcp")]
        port: Option<String>,
        /// Baud rate of --port.
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
        /// Serve on this TCP address, one host at a time. Loopback only
        /// (127.0.0.1:PORT, [::1]:PORT) unless --allow-remote.
        #[arg(long, value_name = "ADDR")]
        tcp: Option<String>,
        /// Let --tcp listen on an address other hosts can reach (a voting
        /// machine's port open to the network: for a lab's own network only).
        #[arg(long, requires = "tcp")]
        allow_remote: bool,
        /// Stop when the process that started this board ends (a harness
        /// that spawned it, killed or not).
        #[arg(long)]
        exit_with_parent: bool,
        /// Pace output as a UART at this many baud, 8N1.
        #[arg(long, value_name = "BAUD")]
        pace_baud: Option<u32>,
        /// Accept test-mode messages: start a machine of any profile with seeded defects, the host's clock.
        #[arg(long, conflicts_with = "memory")]
        test_mode: bool,
        /// The machine profile.
        #[arg(long, default_value = "M2", value_parser = ["M2", "M3"])]
        profile: String,
        /// How the profile's vote-rate limit counts, announced in the
        /// handshake: at most N votes in any minute (sliding-window), or
        /// ceil(60,000 / N) ms between a vote and the next Ballot
        /// (minimum-interval).
        #[arg(long, value_enum, default_value_t = RateRuleFlag::SlidingWindow)]
        rate_rule: RateRuleFlag,
        /// A seeded defect the board carries from the start (repeatable).
        ///
        /// Without --test-mode this simulates a faulty vendor board: it carries
        /// the defect for as long as it runs, cannot switch it, and its
        /// handshake announces no seeded-defect capability (that bit means
        /// "can switch defects per trace").
        #[arg(long = "defect", value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(Defect::ALL.map(|defect| defect.name())))]
        defects: Vec<String>,
        /// The unit's serial number, announced in the handshake: 1 to 16
        /// printable ASCII characters, no leading or trailing space.
        #[arg(long, default_value = "EVM-SIM-0001", value_parser = parse_serial_number)]
        serial_number: String,
        /// The unit's local time as an offset from UTC, +HH:MM or -HH:MM
        /// (India: +05:30). Without --test-mode the board's clock is the
        /// host's real-time clock in this local time.
        #[arg(long, value_name = "OFFSET", default_value = "+05:30", value_parser = parse_utc_offset)]
        utc_offset: i16,
        /// Keep the unit's memory in FILE across restarts: a sealed,
        /// tamper-evident image written crash-safely before every reply.
        #[arg(long, value_name = "FILE")]
        memory: Option<std::path::PathBuf>,
        /// The unit's integrity key, 64 hex digits (default: a fixed
        /// simulation key — never use it for a real unit).
        #[arg(long, value_name = "HEX", value_parser = parse_unit_key)]
        unit_key: Option<[u8; 32]>,
    },
}

/// A TCP address the board may listen on: loopback, unless the operator
/// allows remote hosts (then with a warning on stderr).
fn check_listen_address(address: &str, allow_remote: bool) -> Result<(), String> {
    use std::net::ToSocketAddrs;
    let resolved: Vec<std::net::SocketAddr> = address
        .to_socket_addrs()
        .map_err(|error| format!("not an address to listen on ({error}); e.g. 127.0.0.1:7878"))?
        .collect();
    if resolved.is_empty() {
        return Err("resolves to no address".into());
    }
    if resolved.iter().all(|resolved| resolved.ip().is_loopback()) {
        return Ok(());
    }
    if allow_remote {
        eprintln!(
            "evm-sim serve: warning: --tcp {address} is reachable from other hosts: a voting machine's port is open to the network"
        );
        return Ok(());
    }
    Err("not a loopback address: other hosts could drive the voting machine; give --allow-remote to mean it".into())
}

fn parse_serial_number(text: &str) -> Result<String, String> {
    let printable = text.bytes().all(|byte| (0x20..=0x7E).contains(&byte));
    if text.is_empty() || text.len() > 16 || !printable || text.starts_with(' ') || text.ends_with(' ') {
        return Err("expected 1 to 16 printable ASCII characters, no leading or trailing space".into());
    }
    Ok(text.to_owned())
}

/// `+HH:MM` or `-HH:MM`, at most 14 hours: minutes east of UTC.
fn parse_utc_offset(text: &str) -> Result<i16, String> {
    let usage = || format!("expected +HH:MM or -HH:MM (e.g. +05:30), found {text:?}");
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(usage()),
    };
    let (hours, minutes) = rest.split_once(':').ok_or_else(usage)?;
    let two_digits = |field: &str| field.len() == 2 && field.bytes().all(|byte| byte.is_ascii_digit());
    if !two_digits(hours) || !two_digits(minutes) {
        return Err(usage());
    }
    let hours: i16 = hours.parse().map_err(|_| usage())?;
    let minutes: i16 = minutes.parse().map_err(|_| usage())?;
    if hours > 14 || minutes > 59 || (hours == 14 && minutes > 0) {
        return Err(usage());
    }
    Ok(sign * (hours * 60 + minutes))
}

fn parse_unit_key(text: &str) -> Result<[u8; 32], String> {
    if text.len() != 64 || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err("expected 64 hexadecimal digits".into());
    }
    let mut key = [0u8; 32];
    for (index, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).map_err(|error| error.to_string())?;
    }
    Ok(key)
}

// Longer than 70 lines on purpose: one arm a subcommand, each only passing its flags to the
// library.
fn main() -> ExitCode {
    // Logs go to stderr (stdout's first line is the device the board serves on).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    match Arguments::parse().command {
        Command::Demo { candidates, electors } => match evm_sim::example::example_poll_day(candidates, electors) {
            Ok(example) => {
                use std::io::Write as _;
                let mut stdout = std::io::stdout();
                let _ = write!(stdout, "{}", example.forms);
                let _ = writeln!(
                    stdout,
                    "\nResult: total {} — Part II tallies with the {electors} electors who voted.",
                    example.total
                );
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("evm-sim demo: {error}");
                ExitCode::from(1)
            }
        },
        Command::Serve {
            pty,
            port,
            baud,
            tcp,
            allow_remote,
            exit_with_parent,
            pace_baud,
            test_mode,
            profile,
            rate_rule,
            defects,
            serial_number,
            memory,
            unit_key,
            utc_offset,
        } => {
            let listen = match (pty, port, tcp) {
                (true, None, None) => Listen::PseudoTerminal,
                (false, Some(path), None) => Listen::SerialPort { path, baud },
                (false, None, Some(address)) => {
                    if let Err(refusal) = check_listen_address(&address, allow_remote) {
                        eprintln!("evm-sim serve: --tcp {address}: {refusal}");
                        return ExitCode::from(2);
                    }
                    Listen::Tcp { address }
                }
                _ => {
                    eprintln!("evm-sim serve: give exactly one of --pty, --port PATH, --tcp ADDR");
                    return ExitCode::from(2);
                }
            };
            let mut profile = MachineProfile::named(profile.parse::<ProfileName>().unwrap_or(ProfileName::M2));
            profile.rate_rule = match rate_rule {
                RateRuleFlag::SlidingWindow => evm_sim::RateRule::SlidingWindow,
                RateRuleFlag::MinimumInterval => evm_sim::RateRule::MinimumInterval,
            };
            let options = ServeOptions {
                profile,
                defects: defects.iter().filter_map(|name| name.parse::<Defect>().ok()).collect::<Defects>(),
                serial_number,
                test_mode,
                pace_baud,
                memory_file: memory,
                unit_key: unit_key.unwrap_or(evm_sim::detachable_memory::SIMULATION_UNIT_KEY),
                utc_offset_minutes: utc_offset,
                exit_with_parent,
            };
            let mut announce = |where_: &str| {
                let mut stdout = std::io::stdout();
                let _ = writeln!(stdout, "{where_}");
                let _ = stdout.flush();
            };
            match serve(&listen, &options, &mut announce) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    // The listening place and the memory file are in the message.
                    eprintln!("evm-sim serve: {error}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

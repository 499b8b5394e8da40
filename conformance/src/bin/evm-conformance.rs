//! `evm-conformance`: parses flags and calls the library.

use clap::{Parser, Subcommand};
use evm_conformance::cli::{self, EXIT_ALL_MATCH, EXIT_MISMATCH, EXIT_USAGE};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "evm-conformance",
    version,
    about = "Replays poll-day traces against a voting machine and reports every rule broken"
)]
struct Arguments {
    /// Print nothing but errors.
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay traces (files or folders) and compare each verdict with the
    /// expected-verdict file beside it.
    ///
    /// Example: evm-conformance run --target sim --json r.json --junit r.xml traces/conformance
    ///
    /// Exit status: 0 when every verdict matches its expectation, 1 when one
    /// does not, 2 for bad usage or unreadable input.
    Run {
        /// The machine to replay against: "sim" (the in-process simulated unit).
        #[arg(long, default_value = "sim")]
        target: String,
        /// Write the JSON report here.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Write a JUnit XML report here.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Trace files (*.jsonl) or folders of them.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let arguments = match Arguments::try_parse() {
        Ok(arguments) => arguments,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_USAGE } else { EXIT_ALL_MATCH });
        }
    };
    match arguments.command {
        Command::Run { target, json, junit, paths } => {
            match cli::run(&target, &paths, json.as_deref(), junit.as_deref(), |_, _| {}) {
                Ok(report) => {
                    if !arguments.quiet {
                        print!("{}", cli::summary(&report));
                    }
                    ExitCode::from(if report.all_match() { EXIT_ALL_MATCH } else { EXIT_MISMATCH })
                }
                Err(error) => {
                    eprintln!("evm-conformance: {error}");
                    ExitCode::from(EXIT_USAGE)
                }
            }
        }
    }
}

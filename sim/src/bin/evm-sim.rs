//! `evm-sim`: the simulated voting machine. Parses flags and calls the library.

use clap::{Parser, Subcommand};
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

#[derive(Subcommand)]
enum Command {
    /// Run an example poll day end to end on one simulated unit and print the count.
    ///
    /// Example: evm-sim demo --candidates 7 --electors 120
    Demo {
        /// Contesting candidates (NOTA is added as the last button).
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..=63))]
        candidates: u16,
        /// Electors who vote.
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u32).range(0..=2000))]
        electors: u32,
    },
}

fn main() -> ExitCode {
    let arguments = Arguments::parse();
    match arguments.command {
        Command::Demo { candidates, electors } => match evm_sim::example::example_poll_day(candidates, electors) {
            Ok((log, _, total)) => {
                print!("{log}");
                println!("total {total}: Part II tallies with the {electors} electors who voted");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("evm-sim: {error}");
                ExitCode::FAILURE
            }
        },
    }
}

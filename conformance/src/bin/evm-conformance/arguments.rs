//! The command line of `evm-conformance`: every subcommand and flag, as
//! clap reads them (`--help`, completions). Flags only: what they do is
//! `evm_conformance::cli`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "evm-conformance",
    version,
    about = "Replays poll-day traces against a voting machine and reports every rule broken"
)]
pub struct Arguments {
    /// Print nothing but errors.
    #[arg(long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Log what the harness does (RUST_LOG overrides).
    #[arg(long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// The main job: the built-in scenario suite and the trace corpus against
    /// a target, with a report for the certifying authority.
    ///
    /// Writes DIR/report.json, DIR/junit.xml and DIR/report.html and prints a
    /// short summary. On one board that offers test mode the corpus runs in
    /// field mode first (its own machine, real time) and every verdict that
    /// changes with the mode is reported: field and test must agree.
    ///
    /// Exit status: 0 every trace that ran gave its expected verdict; 1 a
    /// verdict differs; 2 bad usage, a missing or unreadable input, a
    /// malformed trace (the report still lists the rest); 3 none differs but
    /// one could not be judged (inconclusive: the board, the link or the
    /// harness failed); 130 interrupted.
    ///
    /// Examples:
    ///   evm-conformance certify --target sim --out reports
    ///   evm-conformance certify --target serial:/dev/ttyUSB0@115200 --out lab-report
    ///   evm-conformance certify --only ONE-VOTE --only 39W
    #[command(verbatim_doc_comment)]
    Certify {
        /// The machine: sim (in process, the default), sim-pty (spawns evm-sim serve --pty), serial:PATH@BAUD, tcp:ADDR.
        /// Repeat it for a lab: the boards run traces at once, each trace on a board that can run it.
        #[arg(long)]
        target: Vec<String>,
        /// A lab file: its boards join the lab (TOML, one [[board]] each: name,
        /// serial and baud or tcp, optional profile and serial_number).
        #[arg(long, value_name = "FILE")]
        lab: Option<PathBuf>,
        /// Where the reports go.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        out: PathBuf,
        /// Trace files or folders replayed after the built-in suite (each must exist).
        #[arg(long = "traces", value_name = "PATH", default_value = "traces")]
        traces: Vec<PathBuf>,
        /// Only the traces that break this property (an id such as ONE-VOTE,
        /// or a rule such as 39W); repeatable.
        #[arg(long, value_name = "PROPERTY|RULE")]
        only: Vec<String>,
        #[command(flatten)]
        field: FieldArguments,
    },
    /// List the harness's vocabulary, one per line, id first.
    ///
    /// Example: evm-conformance list properties
    #[command(verbatim_doc_comment)]
    List {
        #[arg(value_parser = evm_conformance::cli::listing::LISTS)]
        what: String,
    },
    /// Print a shell's completion script.
    ///
    /// Example: evm-conformance completions bash > /etc/bash_completion.d/evm-conformance
    #[command(verbatim_doc_comment)]
    Completions { shell: clap_complete::Shell },
    /// Turn a capture (run --capture FILE) into a trace and its expected
    /// verdict, so that a session recorded with a board replays on any target.
    ///
    /// The trace is the host's INPUT requests in order; the profile comes
    /// from the capture's TEST_START_MACHINE (else --profile), the candidates
    /// from its Cand Set (else --candidates); the expected verdict is the
    /// in-process simulated unit's on that trace, so that `run` on the board
    /// shows every difference.
    ///
    /// Example: evm-conformance capture-to-trace session.pcap --out day.jsonl
    #[command(verbatim_doc_comment)]
    CaptureToTrace {
        #[arg(value_name = "CAPTURE.pcap")]
        capture: PathBuf,
        /// The trace to write; its expected verdict goes beside it (NAME.expected.json).
        #[arg(long, value_name = "FILE.jsonl")]
        out: PathBuf,
        /// The profile when the capture has no TEST_START_MACHINE.
        #[arg(long, default_value = "M2", value_parser = ["M2", "M3"])]
        profile: String,
        /// The candidates when the capture has no Cand Set.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=383))]
        candidates: u16,
    },
    /// Generate synthetic poll days: realistic station-level traces from a seed.
    ///
    /// The same seed gives the same bytes. With --out DIR each station is
    /// DIR/seed-SEED/station-NNNNNNN.jsonl with its .expected.json (one folder
    /// per seed); with --out - the traces go to stdout one after another
    /// (each starts with its header). What was written is said on stderr.
    ///
    /// Example: evm-conformance gen --seed 7 --stations 100 --out traces/synthetic
    ///
    /// From published polling-station results (Form 20 CSV: electors,
    /// voters, tendered, votes per candidate, NOTA, total), one trace per
    /// station whose counting reproduces the published figures exactly;
    /// skipped rows are listed with their line and why:
    ///
    /// Example: evm-conformance gen --from-results 1.csv --out traces/published
    #[command(verbatim_doc_comment)]
    Gen {
        /// Published results (CSV) instead of a synthetic election
        /// (layouts, columns and checks: docs/RESULTS_FORMAT.md).
        #[arg(long, value_name = "FILE.csv", conflicts_with_all = ["stations", "profile"])]
        from_results: Option<PathBuf>,
        /// With --from-results: what a column holds, by its header
        /// (repeatable). ROLE is part, name, electors, voters, tendered,
        /// total, nota, candidate, candidate_name, votes or ignore.
        #[arg(long = "column", value_name = "ROLE=HEADER", requires = "from_results")]
        columns: Vec<evm_conformance::generate::from_results::ColumnMapping>,
        /// With --from-results: a column to leave out, by its header (repeatable).
        #[arg(long = "ignore-column", value_name = "HEADER", requires = "from_results")]
        ignore_columns: Vec<String>,
        /// With --from-results: one row per station (wide) or one row per
        /// candidate per station (long); detected from the header if not given.
        #[arg(long, value_name = "wide|long", requires = "from_results")]
        layout: Option<evm_conformance::generate::from_results::Layout>,
        /// With --from-results: the election the results are of.
        #[arg(long, value_name = "KIND", default_value = "parliamentary-segment", requires = "from_results",
              value_parser = ["parliamentary-segment", "assembly-constituency", "municipal-ward"])]
        election: String,
        /// With --from-results: the constituency's name, for the forms' heading.
        #[arg(long, value_name = "NAME", default_value = "", requires = "from_results")]
        constituency: String,
        /// With --from-results and a parliamentary segment: the assembly segment's name.
        #[arg(long, value_name = "NAME", default_value = "", requires = "from_results")]
        assembly_segment: String,
        /// With --from-results and a municipal ward: the ward's number
        /// (required). Without --from-results: write synthetic ward N's
        /// counting day — its first --stations stations (at most 20), each
        /// poll day ending with the counting of its machine in rounds, and
        /// the ward's ward.json (Forms 23 and 24) — to DIR/ward-N-seed-SEED/.
        #[arg(long, value_name = "N")]
        ward: Option<u16>,
        /// With --from-results and a municipal ward: the municipality's name.
        #[arg(long, value_name = "NAME", default_value = "", requires = "from_results")]
        municipality: String,
        /// The seed of the synthetic election.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How many polling stations.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=2_000_000))]
        stations: u32,
        /// The machine profile.
        #[arg(long, default_value = "M2", value_parser = profile_parser())]
        profile: evm_sim::ProfileName,
        /// A folder, or - for stdout.
        #[arg(long, value_name = "DIR|-")]
        out: String,
    },
    /// Shrink a failing trace to a smallest trace that still fails with the
    /// same property and rule (delta debugging).
    ///
    /// Example: evm-conformance minimize traces/conformance/defect-vote-after-close.jsonl --out small.jsonl
    #[command(verbatim_doc_comment)]
    Minimize {
        /// The failing trace.
        #[arg(value_name = "TRACE")]
        trace: PathBuf,
        /// Where the smallest trace goes.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The machine: sim, sim-pty, serial:PATH@BAUD, tcp:ADDR.
        #[arg(long, default_value = "sim")]
        target: String,
    },
    /// The labs' volume test: full poll days back to back through a target,
    /// every press checked to land exactly once and every result to equal the
    /// presses, judged by the probability-ratio test (VVSG p0 = 1e-7, p1 =
    /// 2e-6, alpha = beta = 0.05: accept after 1,549,702 positions with no
    /// error, the standard's published criterion; one error within 26,997 rejects). Endurance: --hours H --rate B presses H x B ballots at B an hour.
    ///
    /// Examples:
    ///   evm-conformance volume --target sim-pty --link-faults 0.01 --seed 11 --json v.json
    ///   evm-conformance volume --target sim --defect drops_vote_now_and_then
    ///   evm-conformance volume --target sim-pty --hours 163 --rate 100
    ///
    /// Exit status: 0 accept (or continue: the budget ran out first); 1 reject; 2 bad usage or the target failed.
    #[command(verbatim_doc_comment)]
    Volume {
        /// The machine: sim, sim-pty, serial:PATH@BAUD, tcp:ADDR.
        #[arg(long, default_value = "sim")]
        target: String,
        /// Ballot positions (presses) at most; the test may decide before.
        #[arg(long, default_value_t = evm_conformance::volume::DEFAULT_POSITIONS, conflicts_with_all = ["hours", "rate"])]
        positions: u64,
        /// Frames dropped or corrupted on the link, as a fraction 0 to 0.5 (wire targets).
        #[arg(long, value_name = "RATE", default_value_t = 0.0)]
        link_faults: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Endurance: hours of voting (with --rate).
        #[arg(long, requires = "rate")]
        hours: Option<u32>,
        /// Endurance: ballots an hour (with --hours).
        #[arg(long, requires = "hours")]
        rate: Option<u32>,
        /// A seeded defect the test-mode target carries (repeatable).
        #[arg(long = "defect", value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(evm_sim::Defect::ALL.map(|defect| defect.name())))]
        defects: Vec<String>,
        /// The machine profile.
        #[arg(long, default_value = "M2", value_parser = profile_parser())]
        profile: evm_sim::ProfileName,
        /// Write the JSON report here.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Send the fuzz corpora to a board on its wire (raw bytes; a
    /// board_bytes file as the stream it builds), in pieces, and require a
    /// HELLO reply after every file and nothing but well-formed reply frames:
    /// nothing a line delivers may stop a board or garble its answers.
    /// The corpora carry real inputs: never on a board holding a poll's votes.
    ///
    /// Examples:
    ///   evm-conformance hostile-bytes --target sim-pty fuzz/corpus/board_bytes fuzz/corpus/frame_decoder
    ///   evm-conformance hostile-bytes --target serial:/dev/ttyUSB0@115200 --json h.json fuzz/corpus/message_parser
    ///
    /// Exit status: 0 the board answered after every file, in well-formed
    /// frames; 1 it stopped answering or sent a malformed frame (the file is
    /// named); 2 bad usage, no corpus, no board.
    #[command(verbatim_doc_comment)]
    HostileBytes {
        /// The board: sim-pty, serial:PATH@BAUD, tcp:ADDR (a wire: not sim).
        #[arg(long)]
        target: String,
        /// Write the JSON report here.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Corpus files or folders.
        #[arg(required = true, value_name = "CORPUS")]
        paths: Vec<PathBuf>,
    },
    /// Measure, never assert: performance figures beside a floor measured in the same run.
    #[command(verbatim_doc_comment)]
    Bench {
        #[command(subcommand)]
        bench: BenchCommand,
    },
    /// Replay traces (files or folders) and compare each verdict with the
    /// expected-verdict file beside it.
    ///
    /// Examples:
    ///   evm-conformance run --target sim --json r.json --junit r.xml traces/conformance
    ///   evm-conformance run --only SEALED-RESULT traces/conformance
    ///
    /// Exit status: 0 every trace that ran gave its expected verdict; 1 a
    /// verdict differs; 2 bad usage, a missing or unreadable input, a
    /// malformed trace, no trace found; 3 none differs but one could not be
    /// judged (inconclusive: the board, the link or the harness failed); 130
    /// interrupted.
    #[command(verbatim_doc_comment)]
    Run {
        /// The machine: sim (in process, the default), sim-pty (spawns evm-sim serve --pty), serial:PATH@BAUD, tcp:ADDR.
        /// Repeat it for a lab: the boards run traces at once, each trace on a board that can run it.
        #[arg(long)]
        target: Vec<String>,
        /// A lab file: its boards join the lab (TOML, one [[board]] each: name,
        /// serial and baud or tcp, optional profile and serial_number).
        #[arg(long, value_name = "FILE")]
        lab: Option<PathBuf>,
        /// Only the traces that break this property (an id such as ONE-VOTE,
        /// or a rule such as 39W); repeatable.
        #[arg(long, value_name = "PROPERTY|RULE")]
        only: Vec<String>,
        /// Write the JSON report here.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Write a JUnit XML report here.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Record every frame on the wire here (pcap; serial, tcp and sim-pty targets).
        #[arg(long, value_name = "FILE")]
        capture: Option<PathBuf>,
        #[command(flatten)]
        field: FieldArguments,
        /// Trace files (*.jsonl) or folders of them.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
}

/// How traces run on a board without test mode (`run`, `certify`).
#[derive(clap::Args)]
pub struct FieldArguments {
    /// Field mode (a board without test mode, paced by its own clock):
    /// the most real time one trace may take (150s, 2m30s, 10m); a trace
    /// that needs more is not run, and says how much it needs.
    #[arg(long, value_name = "DURATION", default_value = "2m30s", value_parser = evm_conformance::cli::parse_duration)]
    pub real_time_budget: std::time::Duration,
    /// Field mode: run the traces that open the case, after every other
    /// trace on their board, which they leave fail-safe until its factory
    /// clears it (otherwise they are not applicable).
    #[arg(long)]
    pub allow_fail_safe: bool,
    /// Field mode, masked as parallel testing on poll day (--masked or
    /// --masked=SEED): every gap as a person takes it, drawn from SEED
    /// (default 1), instead of the fastest schedule; no test-mode message
    /// even to a board that offers test mode. Give a budget to match.
    #[arg(long, value_name = "SEED", num_args = 0..=1, require_equals = true, default_missing_value = "1")]
    pub masked: Option<u64>,
}

impl FieldArguments {
    pub fn options(&self) -> evm_conformance::target::FieldOptions {
        evm_conformance::target::FieldOptions {
            real_time_budget: self.real_time_budget,
            allow_fail_safe: self.allow_fail_safe,
            masked: self.masked,
        }
    }
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// A lab's throughput: the traces on 1, 2, 4 … simulated boards at once
    /// (separate evm-sim processes), traces a minute beside the floor of the
    /// same run (one board's, times the boards).
    ///
    /// Example: evm-conformance bench lab --boards 1 --boards 2 --boards 4 traces/conformance
    /// Example: evm-conformance bench lab --field --real-time-budget 10s --boards 1 --boards 4 traces/conformance
    /// Example: evm-conformance bench lab --lab lab.toml --boards 1 --boards 2 traces/conformance
    #[command(verbatim_doc_comment)]
    Lab {
        /// Boards in the lab; repeatable (one board is always measured, for the floor).
        #[arg(long, value_name = "N", default_values_t = [1, 2, 4], value_parser = clap::value_parser!(u16).range(1..=64))]
        boards: Vec<u16>,
        /// Spawn field boards (evm-sim serve --pty without test mode, paced in real time) instead of test-mode ones.
        #[arg(long)]
        field: bool,
        /// A real lab's board instead of spawned ones (repeatable): a lab of N
        /// boards is the first N given.
        #[arg(long)]
        target: Vec<String>,
        /// A lab file's boards instead of spawned ones (after any --target).
        #[arg(long, value_name = "FILE")]
        lab: Option<PathBuf>,
        #[command(flatten)]
        field_options: FieldArguments,
        /// Write the rows as JSON here.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Trace files (*.jsonl) or folders of them.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Result-readout latency: READ_RESULT to the complete reply on the host,
    /// p50/p95/p99/max beside the wire floor of the bytes exchanged.
    ///
    /// Example: evm-conformance bench readout --target sim-pty --baud 115200 --candidates 64 --samples 1000 --json readout.json --svg readout.svg
    /// Example: evm-conformance bench readout --target serial:/dev/ttyUSB0@115200 --baud 115200
    #[command(verbatim_doc_comment)]
    Readout {
        /// sim (in process), sim-pty (spawns a paced evm-sim serve; --baud 0: unpaced), serial:PATH[@BAUD], tcp:ADDR.
        #[arg(long)]
        target: String,
        /// The line's baud rate (8N1), for pacing and the floor.
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
        /// Candidates on the ballot (M2 up to 63, M3 above; 384: a full M3 without NOTA).
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=i64::from(evm_conformance::bench::readout::MAX_CANDIDATES)))]
        candidates: u16,
        /// Samples measured (after 5 thrown away).
        #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        samples: u32,
        /// Write the figures here as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Write an SVG histogram here.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
    /// Generate and replay N synthetic stations on every core with every check on.
    ///
    /// Each day is judged line by line as it is generated. Beside it, the floor:
    /// every machine input of the same days (the first 500) stepped through a
    /// bare unit on one thread, no check; the ratio is stations/s over the floor
    /// times the workers.
    ///
    /// Example: evm-conformance bench replay --stations 100000 --seed 1 --json replay.json
    #[command(verbatim_doc_comment)]
    Replay {
        /// Synthetic polling stations to generate and replay (a nation: 1,052,664).
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=2_000_000))]
        stations: u32,
        /// The seed of the synthetic election (the same seed, the same stations).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The machine profile of every station.
        #[arg(long, default_value = "M2", value_parser = profile_parser())]
        profile: evm_sim::ProfileName,
        /// Worker threads (0: one per core).
        #[arg(long, default_value_t = 0)]
        workers: usize,
        /// Write the figures here as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
}

/// `--profile`: M2 or M3, listed by `--help` and completions.
pub fn profile_parser() -> impl clap::builder::TypedValueParser<Value = evm_sim::ProfileName> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["M2", "M3"]).map(|name| {
        if name == "M3" {
            evm_sim::ProfileName::M3
        } else {
            evm_sim::ProfileName::M2
        }
    })
}

//! A lab: several boards driven at once (`--target` given more than once).
//!
//! Every board is opened and greeted concurrently; then each good board is
//! a task on the harness's tokio runtime that leases the next trace its
//! class can run ([`scheduler`]), checks the board's health (`HELLO`, twice
//! before giving up on it), replays the trace on a blocking thread (the
//! replay is synchronous; the board's port is served by tokio, see
//! `target::link`) and hands the verdict back. A board that fails its
//! health check twice, or that cannot be brought back to a new machine
//! between poll days, leaves the lab with its reason, and its trace goes to
//! another board. The report keeps the order of the traces given, whoever
//! ran them, and names each trace's board and mode; the boards' states go
//! in the report too. A signal stops the lab: traces in flight stop at
//! their next line and are `interrupted`, like those not started.

pub mod file;
pub mod scheduler;

pub use file::{read_lab_file, LabBoard};

use crate::report::{self, RunReport, TraceReport, TraceStatus};
use crate::runner::Progress;
use crate::target::link::runtime;
use crate::target::{FailureCause, FieldOptions, Target, TargetSpec, WireTarget};
use crate::trace::{ExpectedVerdict, Trace};
use crate::verdict::TraceOutcome;
use scheduler::{Ended, Job, Lease, Scheduler};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a board with nothing to do waits before asking again (a signal
/// is noticed within it).
const IDLE_POLL: Duration = Duration::from_millis(100);
/// Between a failed health check and the second try.
const HEALTH_RETRY_AFTER: Duration = Duration::from_millis(500);

/// One piece of work: a trace file (or ward manifest), or a trace built in
/// memory (a built-in scenario of `certify`).
#[derive(Clone, Debug)]
pub enum Work {
    File(PathBuf),
    Scenario(Box<(Trace, ExpectedVerdict)>),
}

impl Work {
    fn path(&self) -> String {
        match self {
            Work::File(path) => path.to_string_lossy().into_owned(),
            Work::Scenario(scenario) => scenario.0.path.to_string_lossy().into_owned(),
        }
    }

    fn opens_the_case(&self) -> bool {
        match self {
            Work::File(path) => {
                crate::trace::parse_trace_file(path).map(|trace| crate::replay::opens_the_case(&trace)).unwrap_or(false)
            }
            Work::Scenario(scenario) => crate::replay::opens_the_case(&scenario.0),
        }
    }

    /// Replays it on `target` and judges it; a signal during it makes it
    /// `interrupted`.
    fn run_on(&self, target: &mut dyn Target) -> TraceReport {
        let report = match self {
            Work::File(path) if crate::ward::is_ward_manifest(path) => crate::ward::run_ward(path, target),
            Work::File(path) => crate::runner::run_trace(path, target),
            Work::Scenario(scenario) => crate::runner::run_trace_in_memory(&scenario.0, &scenario.1, target),
        };
        if crate::interrupt::requested() {
            report::interrupted(&self.path())
        } else {
            report
        }
    }
}

/// A board's standing in the lab, as labs keep it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoardState {
    /// Answering and usable (at the end of a run: released).
    Good,
    /// Out of the lab: `reason` says why.
    Bad,
}

/// One board of a lab, in the run report.
#[derive(Clone, Debug, Serialize)]
pub struct BoardRecord {
    /// The lab file's name for it, or the target as given.
    pub name: String,
    /// The target (`serial:/dev/ttyUSB0@115200`, `tcp:lab-host:7433`).
    pub port: String,
    /// As its `HELLO_REPLY` gave it (empty if it never answered).
    pub serial_number: String,
    /// `test` or `field`; absent if it never answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<crate::target::BoardMode>,
    /// The machine it announced, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    pub state: BoardState,
    /// Why it left the lab.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// It was unusable from the start (not there, busy, another protocol):
    /// the configuration names a board the lab does not have (exit 2).
    pub unusable_from_the_start: bool,
    /// Traces it ran to a verdict (not counting those not applicable to it).
    pub traces_judged: usize,
}

impl BoardState {
    pub const fn as_str(self) -> &'static str {
        match self {
            BoardState::Good => "good",
            BoardState::Bad => "bad",
        }
    }
}

impl BoardRecord {
    fn bad(&mut self, reason: String) {
        tracing::warn!(board = %self.name, %reason, "board leaves the lab");
        self.state = BoardState::Bad;
        self.reason = Some(reason);
    }
}

/// Why a lab cannot be set up at all.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("the lab names {0} twice")]
    Duplicate(String),
    #[error("{0} runs in process: a lab takes boards on a wire (sim-pty, serial:PATH@BAUD, tcp:ADDR)")]
    InProcess(String),
}

/// Checks a lab's boards before anything is opened: wire targets only, no
/// port twice (a serial device under two names counts once).
pub fn check_targets(boards: &[LabBoard]) -> Result<(), LabError> {
    let mut seen: Vec<String> = Vec::new();
    for board in boards {
        let spec = &board.spec;
        let key = match spec {
            TargetSpec::InProcess => return Err(LabError::InProcess(spec.to_string())),
            // Each `sim-pty` spawns a board of its own.
            TargetSpec::SimulatedPty => continue,
            TargetSpec::Serial { path, .. } => std::fs::canonicalize(path)
                .map(|path| format!("serial:{}", path.display()))
                .unwrap_or_else(|_| format!("serial:{path}")),
            TargetSpec::Tcp { address } => format!("tcp:{address}"),
        };
        if seen.contains(&key) {
            return Err(LabError::Duplicate(spec.to_string()));
        }
        seen.push(key);
    }
    Ok(())
}

/// Runs `work` on `boards` (checked with [`check_targets`]) and builds the
/// report, in the order of `work`. `progress` is called on this
/// thread as traces finish.
pub fn run(
    boards: &[LabBoard],
    work: Vec<Work>,
    field: FieldOptions,
    mut progress: impl FnMut(Progress<'_>),
) -> RunReport {
    let name = format!(
        "lab of {} boards ({})",
        boards.len(),
        boards.iter().map(|board| board.name.clone()).collect::<Vec<_>>().join(", ")
    );
    let total = work.len();
    let (finished_sender, finished) = std::sync::mpsc::channel::<String>();
    let (result_sender, result) = std::sync::mpsc::sync_channel(1);
    let boards = boards.to_vec();
    runtime().spawn(async move {
        let outcome = drive_lab(boards, work, field, finished_sender).await;
        let _ = result_sender.send(outcome);
    });
    progress(Progress { done: 0, total, current: "" });
    // The lab's task drops its sender when it ends.
    for (done, path) in finished.into_iter().enumerate() {
        progress(Progress { done: done + 1, total, current: &path });
    }
    let (traces, boards) = result.recv().expect("the lab's task sends its result before it ends");
    let mut report = report::summarize(name, traces);
    report.boards = boards;
    report
}

/// The report of a trace no board left in the lab could run: not judged
/// (`inconclusive`, the boards' fault), with the lab's boards named.
fn no_board_left(path: &str, boards: &str) -> TraceReport {
    let reason = format!("not run: no board of the lab that could run it is left ({boards})");
    let mut report =
        report::judge(path, TraceOutcome::inconclusive(FailureCause::Board, reason.clone()), Err(String::new()));
    report.reason = Some(reason);
    report
}

/// What the board tasks share.
struct Shared {
    scheduler: Mutex<Scheduler>,
    wake: tokio::sync::Notify,
    work: Vec<Work>,
    reports: Mutex<Vec<Option<TraceReport>>>,
    /// The last `not_applicable` report of each trace, kept until every
    /// class has tried it.
    not_applicable: Mutex<Vec<Option<TraceReport>>>,
    finished: Mutex<std::sync::mpsc::Sender<String>>,
}

impl Shared {
    fn finish(&self, index: usize, report: TraceReport) {
        let path = report.path.clone();
        if let Some(slot) = self.reports.lock().expect("reports").get_mut(index) {
            *slot = Some(report);
        }
        let _ = self.finished.lock().expect("progress").send(path);
    }

    /// Turns jobs the scheduler has ended into reports.
    fn collect_ended(&self, boards: &str) {
        let ended = self.scheduler.lock().expect("scheduler").take_ended();
        for ended in ended {
            match ended {
                Ended::Final(_) => {}
                Ended::NotApplicableEverywhere { index, reasons } => {
                    let kept = self.not_applicable.lock().expect("kept").get_mut(index).and_then(Option::take);
                    if let Some(mut report) = kept {
                        report.reason = Some(reasons.join("; "));
                        report.board = None;
                        self.finish(index, report);
                    }
                }
                Ended::NoBoardLeft(index) => self.finish(index, no_board_left(&self.work[index].path(), boards)),
            }
        }
    }
}

async fn drive_lab(
    specs: Vec<LabBoard>,
    work: Vec<Work>,
    field: FieldOptions,
    finished: std::sync::mpsc::Sender<String>,
) -> (Vec<TraceReport>, Vec<BoardRecord>) {
    let opened = open_boards(&specs, field).await;
    let mut records = Vec::new();
    let mut boards = Vec::new();
    for (record, target) in opened {
        if let Some(target) = target {
            boards.push((records.len(), target));
        }
        records.push(record);
    }
    let classes: Vec<String> = boards.iter().map(|(_, target)| class_of(target)).collect();
    // Only with --allow-fail-safe does a case-opening trace run on a field
    // board (else it is not applicable at once): only then is its place
    // worth a second parse of every trace.
    let jobs = work.iter().enumerate().map(|(index, work)| Job {
        index,
        opens_the_case: field.allow_fail_safe && work.opens_the_case(),
        not_applicable: Vec::new(),
    });
    let count = work.len();
    let shared = Arc::new(Shared {
        scheduler: Mutex::new(Scheduler::new(jobs.collect::<Vec<_>>(), classes)),
        wake: tokio::sync::Notify::new(),
        work,
        reports: Mutex::new(vec![None; count]),
        not_applicable: Mutex::new(vec![None; count]),
        finished: Mutex::new(finished),
    });
    let board_names = Arc::new(records.iter().map(|record| record.name.clone()).collect::<Vec<_>>().join(", "));
    let mut tasks = Vec::new();
    for (position, target) in boards {
        let record = records[position].clone();
        let shared = Arc::clone(&shared);
        let names = Arc::clone(&board_names);
        tasks.push((position, tokio::spawn(drive_board(target, record, shared, names))));
    }
    for (position, task) in tasks {
        match task.await {
            Ok(record) => records[position] = record,
            Err(error) => records[position].bad(format!("the harness's task for the board failed: {error}")),
        }
    }
    // Whatever is still waiting: stopped by a signal, or no board is left.
    let waiting = shared.scheduler.lock().expect("scheduler").drain_waiting();
    for job in waiting {
        let path = shared.work[job.index].path();
        let report =
            if crate::interrupt::requested() { report::interrupted(&path) } else { no_board_left(&path, &board_names) };
        shared.finish(job.index, report);
    }
    shared.collect_ended(&board_names);
    let reports = std::mem::take(&mut *shared.reports.lock().expect("reports"));
    let traces = reports
        .into_iter()
        .enumerate()
        .map(|(index, report)| report.unwrap_or_else(|| report::interrupted(&shared.work[index].path())))
        .collect();
    (traces, records)
}

/// Every board opened and greeted at once; a board that cannot be is in
/// the lab's records, bad, with the reason.
async fn open_boards(specs: &[LabBoard], field: FieldOptions) -> Vec<(BoardRecord, Option<WireTarget>)> {
    let opening: Vec<_> = specs
        .iter()
        .map(|board| {
            let spec = board.spec.clone();
            tokio::task::spawn_blocking(move || spec.open_wire(None))
        })
        .collect();
    let mut boards = Vec::new();
    for (task, board) in opening.into_iter().zip(specs) {
        let opened = match task.await {
            Ok(opened) => opened,
            Err(error) => {
                Err(crate::target::TargetError::new(board.name.clone(), FailureCause::Harness, error.to_string()))
            }
        };
        let mut record = BoardRecord {
            name: board.name.clone(),
            port: board.spec.to_string(),
            serial_number: String::new(),
            mode: None,
            machine: None,
            state: BoardState::Good,
            reason: None,
            unusable_from_the_start: false,
            traces_judged: 0,
        };
        match opened {
            Ok(mut target) => {
                target.set_field_options(field);
                // A masked run sends no test-mode message, whatever the board offers.
                target.force_field_mode(field.masked.is_some());
                if let Some(identity) = target.identity() {
                    record.serial_number = identity.serial_number;
                    record.mode = Some(identity.mode);
                }
                record.machine = Some(target.board_profile().describe());
                if let Some(why) = board.unexpected(target.board_profile().name, &record.serial_number) {
                    // Not the board the lab file describes: never judged on.
                    record.unusable_from_the_start = true;
                    record.bad(format!("{}: {why}", board.name));
                    boards.push((record, None));
                    continue;
                }
                boards.push((record, Some(target)));
            }
            Err(error) => {
                record.unusable_from_the_start = true;
                record.bad(error.to_string());
                boards.push((record, None));
            }
        }
    }
    boards
}

/// Boards of one class give a trace the same verdict.
fn class_of(target: &WireTarget) -> String {
    format!(
        "test mode {}, seeded defects {}, {}",
        target.offers_test_mode(),
        target.can_carry_defects(),
        target.board_profile().describe()
    )
}

/// Health check: `HELLO`, and once more after a pause if it fails.
async fn healthy(target: WireTarget) -> (WireTarget, Result<(), String>) {
    let (mut target, first) = blocking(target, |target| target.health_check()).await;
    if first.is_ok() {
        return (target, Ok(()));
    }
    tokio::time::sleep(HEALTH_RETRY_AFTER).await;
    let second;
    (target, second) = blocking(target, |target| target.health_check()).await;
    let reason = second.err().map(|error| format!("failed its health check twice: {error}"));
    (target, reason.map_or(Ok(()), Err))
}

/// Runs `call` on the board on a blocking thread (the replay and the
/// protocol's pump are synchronous).
async fn blocking<T: Send + 'static>(
    mut target: WireTarget,
    call: impl FnOnce(&mut WireTarget) -> T + Send + 'static,
) -> (WireTarget, T) {
    tokio::task::spawn_blocking(move || {
        let outcome = call(&mut target);
        (target, outcome)
    })
    .await
    .expect("a board's blocking call returns (a panic in the replay is a harness defect)")
}

async fn drive_board(
    mut target: WireTarget,
    mut record: BoardRecord,
    shared: Arc<Shared>,
    board_names: Arc<String>,
) -> BoardRecord {
    let class = class_of(&target);
    let field = !target.offers_test_mode();
    loop {
        if crate::interrupt::requested() {
            break;
        }
        let lease = shared.scheduler.lock().expect("scheduler").lease(&class, field);
        let job = match lease {
            Lease::Done => break,
            Lease::Wait => {
                let _ = tokio::time::timeout(IDLE_POLL, shared.wake.notified()).await;
                continue;
            }
            Lease::Run(job) => job,
        };
        let health;
        (target, health) = healthy(target).await;
        if let Err(reason) = health {
            leave(&shared, &mut record, job, &class, reason, &board_names);
            break;
        }
        let work = shared.work[job.index].clone();
        let report;
        (target, report) = blocking(target, move |target| work.run_on(target)).await;
        if let Some(reason) = target.unusable().map(str::to_owned) {
            // Not the trace's verdict: the board could not give it a new machine.
            leave(&shared, &mut record, job, &class, reason, &board_names);
            break;
        }
        if report.status == TraceStatus::NotRun {
            let reason = report.reason.clone().unwrap_or_default();
            shared.not_applicable.lock().expect("kept")[job.index] = Some(report);
            shared.scheduler.lock().expect("scheduler").not_applicable(job, &class, reason);
        } else {
            if matches!(report.status, TraceStatus::AsExpected | TraceStatus::Differs) {
                record.traces_judged += 1;
            }
            let index = job.index;
            shared.scheduler.lock().expect("scheduler").finished(job);
            shared.finish(index, report);
        }
        shared.collect_ended(&board_names);
        shared.wake.notify_waiters();
    }
    record
}

/// The board leaves the lab: its job goes back, untried, to the others.
fn leave(shared: &Shared, record: &mut BoardRecord, job: Job, class: &str, reason: String, board_names: &str) {
    record.bad(reason);
    {
        let mut scheduler = shared.scheduler.lock().expect("scheduler");
        scheduler.give_back(job);
        scheduler.board_left(class);
    }
    shared.collect_ended(board_names);
    shared.wake.notify_waiters();
}

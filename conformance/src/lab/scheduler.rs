//! Which trace a free board takes next: a queue of jobs leased to boards by
//! their *class* (test mode or not, seeded defects or not, the machine they
//! announce). A job a board's class cannot run (`not_applicable`) goes back
//! to the queue for a class that has not tried it; it is reported
//! `not_applicable` only when every class still in the lab has said why.
//! A board that fails (its health check, the procedure between poll days)
//! gives its job back untried. Jobs that leave a field board fail-safe go
//! after every other job. Pure bookkeeping: no clock, no port.

use std::collections::VecDeque;

/// What sets boards apart for the traces they can run: every board of a
/// class gives a trace the same verdict.
pub type Class = String;

/// A job waiting or running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Its place in the run (the report's order).
    pub index: usize,
    /// It opens the case: on a field board it goes last.
    pub opens_the_case: bool,
    /// Classes that found it not applicable, with their reasons.
    pub not_applicable: Vec<(Class, String)>,
}

/// What a free board is told.
#[derive(Debug, PartialEq, Eq)]
pub enum Lease {
    Run(Job),
    /// Nothing for this class now; a job in flight may still come back.
    Wait,
    /// Nothing left this class could run.
    Done,
}

/// How a job ended, as the scheduler keeps it.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// Judged (or interrupted, or inconclusive): final.
    Final(usize),
    /// Not applicable on every class still in the lab: the reasons, in the
    /// order the classes gave them.
    NotApplicableEverywhere { index: usize, reasons: Vec<String> },
    /// No board that could run it is left, and none said why not.
    NoBoardLeft(usize),
}

#[derive(Debug, Default)]
pub struct Scheduler {
    waiting: VecDeque<Job>,
    in_flight: usize,
    /// Boards still in the lab, by class.
    alive: Vec<(Class, usize)>,
    ended: Vec<Ended>,
}

impl Scheduler {
    /// `jobs` in the run's order; `boards` the class of each board in the lab.
    pub fn new(jobs: impl IntoIterator<Item = Job>, boards: impl IntoIterator<Item = Class>) -> Scheduler {
        let mut scheduler = Scheduler { waiting: jobs.into_iter().collect(), ..Scheduler::default() };
        for class in boards {
            scheduler.board_joined(&class);
        }
        scheduler
    }

    fn board_joined(&mut self, class: &str) {
        match self.alive.iter_mut().find(|(alive, _)| alive == class) {
            Some((_, count)) => *count += 1,
            None => self.alive.push((class.to_owned(), 1)),
        }
    }

    /// The next job for a board of `class` (and `field`: a board without
    /// test mode, where a job opening the case goes last).
    pub fn lease(&mut self, class: &str, field: bool) -> Lease {
        let untried = |job: &Job| job.not_applicable.iter().all(|(tried, _)| tried != class);
        let position = self
            .waiting
            .iter()
            .position(|job| untried(job) && !(field && job.opens_the_case))
            .or_else(|| self.waiting.iter().position(untried));
        if let Some(position) = position {
            // A field board takes a job opening the case only when it has
            // nothing else, nor will: no job in flight can come back to it.
            let job = &self.waiting[position];
            if field && job.opens_the_case && self.in_flight > 0 {
                return Lease::Wait;
            }
            self.in_flight += 1;
            return Lease::Run(self.waiting.remove(position).expect("the position found"));
        }
        if self.in_flight > 0 {
            Lease::Wait
        } else {
            Lease::Done
        }
    }

    /// The job ran to a verdict (or was stopped): final.
    pub fn finished(&mut self, job: Job) {
        self.in_flight -= 1;
        self.ended.push(Ended::Final(job.index));
    }

    /// The job is not applicable on `class`, for `reason`: it waits for a
    /// class that has not tried it, or ends not applicable everywhere.
    pub fn not_applicable(&mut self, mut job: Job, class: &str, reason: String) {
        self.in_flight -= 1;
        job.not_applicable.push((class.to_owned(), reason));
        self.requeue_or_end(job);
    }

    /// The board could not run the job (it failed before a verdict): the
    /// job waits for another board, untried.
    pub fn give_back(&mut self, job: Job) {
        self.in_flight -= 1;
        self.waiting.push_front(job);
    }

    /// A board of `class` has left the lab: jobs only it could take end.
    pub fn board_left(&mut self, class: &str) {
        if let Some((_, count)) = self.alive.iter_mut().find(|(alive, _)| alive == class) {
            *count = count.saturating_sub(1);
        }
        let waiting = std::mem::take(&mut self.waiting);
        for job in waiting {
            self.requeue_or_end(job);
        }
    }

    fn requeue_or_end(&mut self, job: Job) {
        let someone_can_try = self
            .alive
            .iter()
            .any(|(class, count)| *count > 0 && job.not_applicable.iter().all(|(tried, _)| tried != class));
        if someone_can_try {
            self.waiting.push_back(job);
        } else if job.not_applicable.is_empty() {
            self.ended.push(Ended::NoBoardLeft(job.index));
        } else {
            let mut reasons: Vec<String> = Vec::new();
            for (_, reason) in job.not_applicable {
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
            self.ended.push(Ended::NotApplicableEverywhere { index: job.index, reasons });
        }
    }

    /// Every job still waiting (the run stopped, or no board is left).
    pub fn drain_waiting(&mut self) -> Vec<Job> {
        self.waiting.drain(..).collect()
    }

    /// Jobs that ended since the last call.
    pub fn take_ended(&mut self) -> Vec<Ended> {
        std::mem::take(&mut self.ended)
    }

    /// Whether any class of board is left.
    pub fn any_board_left(&self) -> bool {
        self.alive.iter().any(|(_, count)| *count > 0)
    }

    #[cfg(test)]
    fn alive(&self, class: &str) -> bool {
        self.alive.iter().any(|(alive, count)| alive == class && *count > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs(count: usize) -> Vec<Job> {
        (0..count).map(|index| Job { index, opens_the_case: false, not_applicable: Vec::new() }).collect()
    }

    fn run(lease: Lease) -> Job {
        match lease {
            Lease::Run(job) => job,
            other => panic!("expected a job, got {other:?}"),
        }
    }

    #[test]
    fn a_job_one_class_cannot_run_goes_to_the_other() {
        let mut scheduler = Scheduler::new(jobs(1), ["M2".to_owned(), "M3".to_owned()]);
        let job = run(scheduler.lease("M2", true));
        assert_eq!(scheduler.lease("M3", true), Lease::Wait, "the job is in flight");
        scheduler.not_applicable(job, "M2", "needs an M3".into());
        assert_eq!(scheduler.lease("M2", true), Lease::Done, "M2 has tried it");
        let job = run(scheduler.lease("M3", true));
        scheduler.finished(job);
        assert_eq!(scheduler.take_ended(), [Ended::Final(0)]);
    }

    #[test]
    fn not_applicable_on_every_class_gives_every_reason_once() {
        let mut scheduler = Scheduler::new(jobs(1), ["A".to_owned(), "B".to_owned(), "B".to_owned()]);
        let job = run(scheduler.lease("A", true));
        scheduler.not_applicable(job, "A", "needs a seeded defect".into());
        let job = run(scheduler.lease("B", true));
        scheduler.not_applicable(job, "B", "needs a seeded defect".into());
        assert_eq!(
            scheduler.take_ended(),
            [Ended::NotApplicableEverywhere { index: 0, reasons: vec!["needs a seeded defect".into()] }]
        );
        assert_eq!(scheduler.lease("B", true), Lease::Done);
    }

    #[test]
    fn a_failed_board_gives_its_job_back_and_the_last_board_of_a_class_ends_its_jobs() {
        let mut scheduler = Scheduler::new(jobs(2), ["M2".to_owned(), "M3".to_owned()]);
        let first = run(scheduler.lease("M3", true));
        scheduler.give_back(first);
        scheduler.board_left("M3");
        assert!(!scheduler.alive("M3"));
        let first = run(scheduler.lease("M2", true));
        assert_eq!(first.index, 0, "given back to the front, untried");
        scheduler.not_applicable(first, "M2", "needs an M3".into());
        assert_eq!(
            scheduler.take_ended(),
            [Ended::NotApplicableEverywhere { index: 0, reasons: vec!["needs an M3".into()] }],
            "no M3 is left to try it"
        );
        let second = run(scheduler.lease("M2", true));
        scheduler.give_back(second);
        scheduler.board_left("M2");
        assert_eq!(scheduler.take_ended(), [Ended::NoBoardLeft(1)]);
        assert!(!scheduler.any_board_left());
    }

    #[test]
    fn a_job_that_opens_the_case_runs_last_on_a_field_board() {
        let mut all = jobs(3);
        all[0].opens_the_case = true;
        let mut scheduler = Scheduler::new(all, ["field".to_owned()]);
        let first = run(scheduler.lease("field", true));
        assert_eq!(first.index, 1);
        assert_eq!(run(scheduler.lease("field", true)).index, 2, "two boards of the class may run at once");
        assert_eq!(scheduler.lease("field", true), Lease::Wait, "not while others are in flight");
        scheduler.finished(first);
        scheduler.finished(Job { index: 2, opens_the_case: false, not_applicable: Vec::new() });
        assert_eq!(run(scheduler.lease("field", true)).index, 0);
    }
}

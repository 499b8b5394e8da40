//! The labs' volume test (issue 19): a conforming board through a faulty
//! link loses and doubles nothing; a board that drops a vote now and then
//! is rejected, with the day and press where it first erred; endurance
//! reports ballots between failures. Each over a real pseudo-terminal to a
//! separate `evm-sim serve` where the link matters.

use evm_conformance::target::SimTarget;
use evm_conformance::target::WireTarget;
use evm_conformance::volume::{run_volume, Decision, VolumeOptions, DEFAULT_POSITIONS};
use evm_sim::{Defect, Defects, MachineProfile};

fn options(positions: u64) -> VolumeOptions {
    VolumeOptions {
        positions,
        link_faults: 0.0,
        seed: 11,
        ballots_per_hour: None,
        defects: Defects::NONE,
        profile: MachineProfile::m2(),
    }
}

#[test]
fn a_conforming_board_through_a_faulty_link_loses_and_doubles_nothing() {
    let mut board = WireTarget::spawn_simulated_board(None).expect("evm-sim serve --pty starts");
    let report =
        run_volume(&mut board, &VolumeOptions { link_faults: 0.01, ..options(6_000) }, |_| {}).expect("the link holds");
    assert_eq!((report.positions, report.errors, report.lost, report.doubled), (6_000, 0, 0, 0));
    assert!(report.retransmissions > 0, "the faults must have struck");
    assert_eq!(report.poll_days, 3, "2,000 votes a day");
    assert_eq!(report.decision, Decision::Continue, "6,000 clean positions decide nothing yet");
}

#[test]
fn a_board_that_drops_a_vote_now_and_then_is_rejected_where_it_first_erred() {
    let defect: Defects = [Defect::DropsVoteNowAndThen].into_iter().collect();
    let mut board = WireTarget::spawn_simulated_board(None).expect("evm-sim serve --pty starts");
    let report = run_volume(
        &mut board,
        &VolumeOptions { link_faults: 0.01, defects: defect, ..options(DEFAULT_POSITIONS) },
        |_| {},
    )
    .expect("runs");
    assert_eq!(report.decision, Decision::Reject);
    let first = report.first_error.expect("where");
    assert_eq!((first.day, first.press), (1, 41));
    assert_eq!((report.lost, report.positions), (1, 41));
    // The same board in process: the same verdict, the same place.
    let in_process =
        run_volume(&mut SimTarget::new(), &VolumeOptions { defects: defect, ..options(DEFAULT_POSITIONS) }, |_| {})
            .unwrap();
    assert_eq!(in_process.first_error.map(|first| (first.day, first.press)), Some((1, 41)));
}

#[test]
fn endurance_reports_ballots_between_failures() {
    let report =
        run_volume(&mut SimTarget::new(), &VolumeOptions { ballots_per_hour: Some(100), ..options(163 * 100) }, |_| {})
            .unwrap();
    assert_eq!((report.positions, report.errors), (16_300, 0));
    assert_eq!(report.ballots_between_failures, Some(16_300.0));
    assert_eq!(report.poll_days, 9, "2,000 ballots a day");
}

#[test]
fn link_faults_need_a_link() {
    let error = run_volume(&mut SimTarget::new(), &VolumeOptions { link_faults: 0.01, ..options(10) }, |_| {})
        .expect_err("no link in process");
    assert!(error.message.contains("--link-faults needs a target with a link"), "{error}");
}

/// A day's result is explained only by that day's lost and doubled presses:
/// a press lost on day 15 (past 28,000 positions one error no longer
/// rejects at once) never hides a vote too many in day 16's result.
#[test]
fn each_days_result_is_judged_by_that_days_presses() {
    use evm_conformance::target::{Observation, Readout, Target, TargetError};
    use evm_sim::unit::Input;
    use evm_sim::Timestamp;
    struct Faulty {
        inner: SimTarget,
        day: u32,
        presses: u32,
        /// Votes counted but reported as not: taken off every total after.
        hidden: u32,
    }
    impl Target for Faulty {
        fn name(&self) -> String {
            "faulty".into()
        }
        fn can_carry_defects(&self) -> bool {
            true
        }
        fn start_machine(&mut self, profile: MachineProfile, defects: Defects) -> Result<(), TargetError> {
            self.day += 1;
            self.presses = 0;
            self.hidden = 0;
            self.inner.start_machine(profile, defects)
        }
        fn step(&mut self, now: Timestamp, input: Input) -> Result<Observation, TargetError> {
            let mut observation = self.inner.step(now, input)?;
            if matches!(input, Input::PressButton { .. }) {
                self.presses += 1;
                if self.day == 15 && self.presses == 5 {
                    // Reported as not counted (the unit did count it).
                    self.hidden = 1;
                }
            }
            observation.total = observation.total.saturating_sub(self.hidden);
            Ok(observation)
        }
        fn result_readout(&mut self) -> Result<Option<Readout>, TargetError> {
            let mut readout = self.inner.result_readout()?;
            if let (16, Some(readout)) = (self.day, readout.as_mut()) {
                readout.counts[0] += 1;
                readout.total += 1;
            }
            Ok(readout)
        }
    }
    let mut target = Faulty { inner: SimTarget::new(), day: 0, presses: 0, hidden: 0 };
    let report = run_volume(&mut target, &options(32_000), |_| {}).unwrap();
    assert_eq!(report.first_error.as_ref().map(|first| (first.day, first.press)), Some((15, 5)));
    assert_eq!((report.lost, report.doubled), (1, 0));
    assert_eq!(report.poll_days, 16);
    assert!(report.result_errors >= 1, "day 16's extra vote is an error of its own: {report:?}");
    assert_eq!(report.decision, Decision::Reject);
}

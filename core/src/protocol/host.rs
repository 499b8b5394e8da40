//! The host side of the protocol, sans-IO like the board's: [`HostSession`]
//! numbers requests, builds their frames, and sorts the frames received
//! into replies (by request id) and unsolicited events; [`HostConnection`]
//! decides, given `now`, every send and resend (the *same bytes*, same
//! request id, so that the board's de-duplication window makes every press
//! happen exactly once), when to wake and when the link is down. The driver
//! only moves bytes and reads its clock.

use super::board::request_frame;
use super::frame::{Feed, FrameAccumulator, FrameError};
use super::message::{MessageError, NackReason, Reply, Request};
use crate::prelude::*;
use core::time::Duration;

/// What arrived from the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// A reply to request `request_id`.
    Reply { request_id: u16, reply: Reply },
    /// A frame that was not a message (bad CRC, broken stuffing, wrong
    /// version, unknown kind, malformed payload).
    ProtocolError(String),
}

/// The host's half of a session.
pub struct HostSession {
    next_request_id: u16,
    accumulator: FrameAccumulator,
}

impl Default for HostSession {
    fn default() -> Self {
        Self::new()
    }
}

impl HostSession {
    pub fn new() -> Self {
        HostSession { next_request_id: 1, accumulator: FrameAccumulator::new() }
    }

    /// A new request: its id (never 0, which marks unsolicited frames) and
    /// the wire bytes to send — and to resend, unchanged, on a timeout.
    pub fn request(&mut self, request: &Request) -> (u16, Vec<u8>) {
        let request_id = self.next_request_id;
        self.next_request_id = self.next_request_id.wrapping_add(1).max(1);
        (request_id, request_frame(request_id, request))
    }

    /// Feeds received bytes; appends what they completed to `received`.
    pub fn receive(&mut self, mut bytes: &[u8], received: &mut Vec<Received>) {
        loop {
            match self.accumulator.feed(bytes) {
                Feed::NeedMore => return,
                Feed::Frame { frame, rest } => {
                    received.push(match Reply::parse(frame.kind(), frame.payload()) {
                        Ok(reply) => Received::Reply { request_id: frame.request_id(), reply },
                        Err(MessageError::UnknownKind(kind)) => {
                            Received::ProtocolError(format!("unknown reply kind 0x{kind:02x}"))
                        }
                        Err(error) => Received::ProtocolError(error.to_string()),
                    });
                    bytes = rest;
                }
                Feed::Corrupt { error: FrameError::Version { version, .. }, rest } => {
                    received.push(Received::ProtocolError(format!("the board speaks protocol version {version}")));
                    bytes = rest;
                }
                Feed::Corrupt { error, rest } => {
                    received.push(Received::ProtocolError(error.to_string()));
                    bytes = rest;
                }
                Feed::Overfull { rest } => {
                    received.push(Received::ProtocolError("more bytes than any frame holds".to_owned()));
                    bytes = rest;
                }
            }
        }
    }
}

/// How long to wait for a reply before resending the request: the
/// retransmission timeout's ceiling, and what the long `RESULT_REPLY`
/// always waits.
pub const REPLY_TIMEOUT: Duration = Duration::from_millis(250);
/// The least retransmission timeout the estimator may reach.
pub const MIN_RETRANSMISSION_TIMEOUT: Duration = Duration::from_millis(3);
/// The granularity a driver wakes at: added to the estimator's variation.
pub const TIMER_GRANULARITY: Duration = Duration::from_millis(1);
/// Sends of one request before the link is declared down.
pub const MAX_ATTEMPTS: u32 = 12;

/// The retransmission timeout, adapted to the link (RFC 6298's estimator):
/// RTO = SRTT + 4 RTTVAR from the replies to requests sent once (Karn: a
/// resent request's reply is not sampled), doubled at each timeout of one
/// request, within [`MIN_RETRANSMISSION_TIMEOUT`] and [`REPLY_TIMEOUT`]. It
/// starts at [`REPLY_TIMEOUT`], so a slow link is never taken for a dead one.
#[derive(Clone, Copy, Debug)]
pub struct RetransmissionTimer {
    smoothed: Option<Duration>,
    variation: Duration,
    timeout: Duration,
}

impl Default for RetransmissionTimer {
    fn default() -> Self {
        RetransmissionTimer { smoothed: None, variation: Duration::ZERO, timeout: REPLY_TIMEOUT }
    }
}

impl RetransmissionTimer {
    /// The timeout for the next send.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A reply came `round_trip` after a request sent once.
    pub fn sample(&mut self, round_trip: Duration) {
        match self.smoothed {
            None => {
                self.smoothed = Some(round_trip);
                self.variation = round_trip / 2;
            }
            Some(smoothed) => {
                let difference = smoothed.abs_diff(round_trip);
                self.variation = (self.variation * 3 + difference) / 4;
                self.smoothed = Some((smoothed * 7 + round_trip) / 8);
            }
        }
        let smoothed = self.smoothed.unwrap_or(round_trip);
        self.timeout =
            (smoothed + (self.variation * 4).max(TIMER_GRANULARITY)).clamp(MIN_RETRANSMISSION_TIMEOUT, REPLY_TIMEOUT);
    }

    /// The request timed out: back off.
    pub fn back_off(&mut self) {
        self.timeout = (self.timeout * 2).min(REPLY_TIMEOUT);
    }
}

/// Why a call ended without its reply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("no answer after {attempts} attempts (the last waited {last_wait_milliseconds} ms): the link is down or the board does not speak the protocol")]
    LinkDown { attempts: u32, last_wait_milliseconds: u128 },
    #[error("the board does not speak this protocol version")]
    UnsupportedVersion,
}

/// One request in flight.
#[derive(Clone, Debug)]
struct Call {
    request_id: u16,
    wire: Vec<u8>,
    /// `READ_RESULT`: its reply is long (up to 384 counts), so it waits the
    /// full [`REPLY_TIMEOUT`] and is never sampled as a round trip.
    long_reply: bool,
    /// Sends so far.
    attempts: u32,
    /// The bytes are due to be sent (first send, or a resend).
    transmit_due: bool,
    /// The last send, and when it gives up waiting.
    sent_at: Duration,
    deadline: Duration,
}

/// The host's side of a session with its calls, sans-IO like the board
/// (quinn's connection shape): the driver passes `now` (any monotonic
/// clock, as a [`Duration`] from an epoch of its choosing) and pumps bytes.
///
/// # Call contract
///
/// - [`call`](Self::call)`(now, request)` starts a call (one at a time).
/// - [`poll_transmit`](Self::poll_transmit)`(now)`: bytes to send now (the
///   request, or the *same bytes* again: the board's de-duplication window
///   makes every press happen exactly once).
/// - [`poll_timeout`](Self::poll_timeout): when to wake the session if no
///   byte comes; then [`handle_timeout`](Self::handle_timeout)`(now)`.
/// - [`handle_input`](Self::handle_input)`(now, bytes)` for every byte read.
/// - [`poll_outcome`](Self::poll_outcome): the call's reply, or why it failed.
///
/// A corrupt-frame NACK or a frame that is no message resends at once; a
/// timeout backs the timer off and resends; after [`MAX_ATTEMPTS`] sends
/// the link is down.
#[derive(Default)]
pub struct HostConnection {
    session: HostSession,
    timer: RetransmissionTimer,
    call: Option<Call>,
    outcome: Option<Result<Reply, CallError>>,
    received: Vec<Received>,
    /// Requests resent after a timeout or a corrupt reply.
    pub retransmissions: u64,
    /// Frames received that were no message.
    pub protocol_errors: u64,
}

impl HostConnection {
    pub fn new() -> Self {
        Self::default()
    }

    /// The retransmission timer as the link has taught it.
    pub fn timer(&self) -> &RetransmissionTimer {
        &self.timer
    }

    /// Starts a call of `request`; its bytes are due at once. Returns its
    /// request id. A call still in flight is abandoned.
    pub fn call(&mut self, now: Duration, request: &Request) -> u16 {
        let (request_id, wire) = self.session.request(request);
        self.outcome = None;
        self.call = Some(Call {
            request_id,
            wire,
            long_reply: matches!(request, Request::ReadResult),
            attempts: 0,
            transmit_due: true,
            sent_at: now,
            deadline: now,
        });
        request_id
    }

    /// The bytes to send now, if any: they are taken as sent at `now`.
    pub fn poll_transmit(&mut self, now: Duration) -> Option<Vec<u8>> {
        self.fail_when_out_of_attempts();
        let timeout = self.timer.timeout();
        let call = self.call.as_mut().filter(|call| call.transmit_due)?;
        if call.attempts > 0 {
            self.retransmissions += 1;
        }
        call.attempts += 1;
        call.transmit_due = false;
        call.sent_at = now;
        call.deadline = now + if call.long_reply { REPLY_TIMEOUT } else { timeout };
        Some(call.wire.clone())
    }

    /// When the session wants to be woken if no byte comes.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.call.as_ref().filter(|call| !call.transmit_due).map(|call| call.deadline)
    }

    /// Wakes the session: a call past its deadline backs the timer off and
    /// is due again (or fails, past [`MAX_ATTEMPTS`]).
    pub fn handle_timeout(&mut self, now: Duration) {
        if let Some(call) = self.call.as_mut().filter(|call| !call.transmit_due && now >= call.deadline) {
            call.transmit_due = true;
            self.timer.back_off();
            self.fail_when_out_of_attempts();
        }
    }

    /// Past the last attempt, a due call fails without another send.
    fn fail_when_out_of_attempts(&mut self) {
        if let Some(call) = self.call.as_ref().filter(|call| call.transmit_due && call.attempts >= MAX_ATTEMPTS) {
            self.outcome = Some(Err(CallError::LinkDown {
                attempts: call.attempts,
                last_wait_milliseconds: self.timer.timeout().as_millis(),
            }));
            self.call = None;
        }
    }

    /// Feeds bytes read from the link at `now`.
    pub fn handle_input(&mut self, now: Duration, bytes: &[u8]) {
        let mut received = core::mem::take(&mut self.received);
        self.session.receive(bytes, &mut received);
        for item in received.drain(..) {
            let Some(call) = self.call.as_mut() else {
                continue;
            };
            match item {
                Received::Reply { request_id: 0, reply: Reply::Nack(NackReason::CorruptFrame) } => {
                    call.transmit_due = true;
                }
                Received::Reply { request_id: 0, reply: Reply::Nack(NackReason::UnsupportedVersion) } => {
                    self.outcome = Some(Err(CallError::UnsupportedVersion));
                    self.call = None;
                }
                Received::Reply { request_id, reply } if request_id == call.request_id => {
                    if call.attempts == 1 && !call.long_reply {
                        self.timer.sample(now.saturating_sub(call.sent_at));
                    }
                    self.outcome = Some(Ok(reply));
                    self.call = None;
                }
                // A late reply to an earlier send, or an unsolicited frame.
                Received::Reply { .. } => {}
                Received::ProtocolError(_) => {
                    self.protocol_errors += 1;
                    call.transmit_due = true;
                }
            }
        }
        self.received = received;
        self.fail_when_out_of_attempts();
    }

    /// The call's reply, or why it ended without one, once it has ended.
    pub fn poll_outcome(&mut self) -> Option<Result<Reply, CallError>> {
        self.outcome.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::board::reply_frame;

    fn milliseconds(value: u64) -> Duration {
        Duration::from_millis(value)
    }

    #[test]
    fn a_reply_ends_the_call_and_teaches_the_timer() {
        let mut connection = HostConnection::new();
        let id = connection.call(milliseconds(0), &Request::ReadState);
        let wire = connection.poll_transmit(milliseconds(0)).expect("the request is due");
        assert_eq!(connection.poll_transmit(milliseconds(0)), None, "sent once");
        assert_eq!(connection.poll_timeout(), Some(REPLY_TIMEOUT), "the first wait is the ceiling");
        connection.handle_input(milliseconds(4), &reply_frame(id, &Reply::Ok));
        assert_eq!(connection.poll_outcome(), Some(Ok(Reply::Ok)));
        assert_eq!(connection.poll_timeout(), None);
        assert!(connection.timer().timeout() < REPLY_TIMEOUT, "a 4 ms round trip shortens the wait");
        assert!(!wire.is_empty());
        assert_eq!(connection.retransmissions, 0);
    }

    #[test]
    fn a_timeout_resends_the_same_bytes_and_backs_off() {
        let mut connection = HostConnection::new();
        let id = connection.call(milliseconds(0), &Request::ReadState);
        let first = connection.poll_transmit(milliseconds(0)).unwrap();
        connection.handle_input(milliseconds(1), &reply_frame(id, &Reply::Ok));
        connection.poll_outcome();
        let before = connection.timer().timeout();
        let id = connection.call(milliseconds(10), &Request::ReadState);
        let sent = connection.poll_transmit(milliseconds(10)).unwrap();
        let deadline = connection.poll_timeout().unwrap();
        connection.handle_timeout(deadline - milliseconds(1));
        assert_eq!(connection.poll_transmit(deadline - milliseconds(1)), None, "not yet");
        connection.handle_timeout(deadline);
        assert_eq!(connection.poll_transmit(deadline), Some(sent.clone()), "the same bytes again");
        assert_eq!(connection.timer().timeout(), (before * 2).min(REPLY_TIMEOUT), "backed off");
        assert_eq!(connection.retransmissions, 1);
        // The reply to the resent request is not sampled (Karn).
        let timer_before = connection.timer().timeout();
        connection.handle_input(deadline + milliseconds(1), &reply_frame(id, &Reply::Ok));
        assert_eq!(connection.poll_outcome(), Some(Ok(Reply::Ok)));
        assert_eq!(connection.timer().timeout(), timer_before);
        assert_ne!(first, sent, "a new call has a new request id");
    }

    #[test]
    fn a_corrupt_frame_notice_resends_at_once_without_backing_off() {
        let mut connection = HostConnection::new();
        connection.call(milliseconds(0), &Request::ReadState);
        let sent = connection.poll_transmit(milliseconds(0)).unwrap();
        let timeout = connection.timer().timeout();
        connection.handle_input(milliseconds(2), &reply_frame(0, &Reply::Nack(NackReason::CorruptFrame)));
        assert_eq!(connection.poll_transmit(milliseconds(2)), Some(sent));
        assert_eq!(connection.timer().timeout(), timeout);
        connection.handle_input(milliseconds(3), &[0x55, 0x66, 0x00]);
        assert!(connection.poll_transmit(milliseconds(3)).is_some(), "a frame that is no message resends too");
        assert_eq!((connection.retransmissions, connection.protocol_errors), (2, 1));
    }

    #[test]
    fn the_link_is_down_after_the_last_attempt() {
        let mut connection = HostConnection::new();
        connection.call(milliseconds(0), &Request::ReadState);
        let mut now = milliseconds(0);
        let mut sends = 0;
        loop {
            if let Some(outcome) = connection.poll_outcome() {
                assert_eq!(
                    outcome,
                    Err(CallError::LinkDown {
                        attempts: MAX_ATTEMPTS,
                        last_wait_milliseconds: REPLY_TIMEOUT.as_millis()
                    })
                );
                break;
            }
            if connection.poll_transmit(now).is_some() {
                sends += 1;
                continue;
            }
            now = connection.poll_timeout().expect("waiting for a reply");
            connection.handle_timeout(now);
        }
        assert_eq!(sends, MAX_ATTEMPTS);
        assert_eq!(connection.poll_timeout(), None);
    }

    #[test]
    fn a_board_of_another_version_ends_the_call() {
        let mut connection = HostConnection::new();
        connection.call(milliseconds(0), &Request::Hello { highest_version: 1 });
        connection.poll_transmit(milliseconds(0));
        connection.handle_input(milliseconds(1), &reply_frame(0, &Reply::Nack(NackReason::UnsupportedVersion)));
        assert_eq!(connection.poll_outcome(), Some(Err(CallError::UnsupportedVersion)));
    }
}

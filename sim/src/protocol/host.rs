//! The host side of the protocol, sans-IO: numbers requests, builds their
//! frames, and sorts the frames received into replies (by request id) and
//! unsolicited events. Retransmission policy belongs to the driver, which
//! knows time: it resends the *same bytes* (same request id), so that the
//! board's de-duplication window makes every press happen exactly once.

use super::board::request_frame;
use super::frame::{Feed, FrameAccumulator, FrameError};
use super::message::{MessageError, Reply, Request};

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

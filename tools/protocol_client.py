#!/usr/bin/env python3
"""A host for the EVM serial protocol, version 1, written from docs/PROTOCOL.md
alone (plus docs/TRACE_FORMAT.md for refusal codes and defect names).

Standard library only.  `python3 tools/protocol_client.py` checks every golden
vector of docs/protocol-vectors.txt, then starts `evm-sim serve --tcp
127.0.0.1:0 --test-mode`, runs a short poll day through the protocol and
prints one line per check.  Exit status 0 when every check passed, else 1.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECTORS = os.path.join(ROOT, "docs", "protocol-vectors.txt")
# The simulated board: EVM_SIM_BINARY, else cargo's debug build (CARGO_TARGET_DIR honoured).
SIM = os.environ.get("EVM_SIM_BINARY") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "debug", "evm-sim")

PROTOCOL_VERSION = 1
MAX_PAYLOAD = 2048
MAX_FRAME = 6 + MAX_PAYLOAD + 4            # 2,058
MAX_STUFFED = MAX_FRAME + MAX_FRAME // 254 + 1  # 2,067 (delimiter excluded)
RETRY_TIMEOUT_S = 0.25                     # the harness's timeout (section 1)


class ProtocolError(Exception):
    """A frame or payload that breaks docs/PROTOCOL.md."""


# --------------------------------------------------------------------------
# CRC-32 (section 2.1) and COBS (section 2.2)
# --------------------------------------------------------------------------

def crc32(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


def cobs_encode(data: bytes) -> bytes:
    """COBS-stuff `data` (no delimiter).  A block of 254 non-zero bytes gets
    code 255 and no implied zero; the last block's implied zero is dropped.
    When the data ends exactly after a 255-block we emit nothing more (the
    document allows both that and a trailing empty `01` block)."""
    out = bytearray()
    i, n = 0, len(data)
    while True:
        j = i
        while j < n and data[j] != 0 and j - i < 254:
            j += 1
        run = data[i:j]
        if j - i == 254:
            out.append(255)
            out += run
            i = j
            if i == n:
                break
            continue
        out.append(len(run) + 1)
        out += run
        if j >= n:      # last block: its implied zero is dropped
            break
        i = j + 1       # skip the zero this block stands for
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    """Un-stuff one block (no delimiter).  Raises ProtocolError on broken
    stuffing (a zero byte inside, or a code pointing past the end)."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c == 0:
            raise ProtocolError("zero byte inside a stuffed frame")
        if i + c > n:
            raise ProtocolError(f"COBS code {c} at {i} points past the end ({n})")
        chunk = data[i + 1:i + c]
        if 0 in chunk:
            raise ProtocolError("zero byte inside a stuffed block")
        out += chunk
        i += c
        if c < 255 and i < n:
            out.append(0)
    return bytes(out)


# --------------------------------------------------------------------------
# Frames (section 2.1)
# --------------------------------------------------------------------------

HEADER = struct.Struct("<BBHH")


def build_frame(kind: int, request_id: int, payload: bytes, version: int = PROTOCOL_VERSION) -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError("payload too long")
    head = HEADER.pack(version, kind, request_id, len(payload)) + payload
    return head + struct.pack("<I", crc32(head))


def to_wire(frame: bytes) -> bytes:
    return cobs_encode(frame) + b"\x00"


@dataclass
class Frame:
    version: int
    kind: int
    request_id: int
    payload: bytes
    raw: bytes          # the un-stuffed frame


def parse_frame(raw: bytes) -> Frame:
    """Section 2.3 steps 4-5 on an un-stuffed frame."""
    if len(raw) < 10:
        raise ProtocolError(f"frame of {len(raw)} bytes (< 10)")
    version, kind, rid, length = HEADER.unpack_from(raw, 0)
    if length != len(raw) - 10:
        raise ProtocolError(f"length field {length} but {len(raw) - 10} payload bytes")
    (crc,) = struct.unpack_from("<I", raw, len(raw) - 4)
    if crc != crc32(raw[:-4]):
        raise ProtocolError(f"bad CRC {crc:08x}, computed {crc32(raw[:-4]):08x}")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"wrong version {version}")
    return Frame(version, kind, rid, raw[6:-4], raw)


def unwire(wire: bytes) -> Frame:
    """Decode one wire block, delimiter included."""
    if not wire.endswith(b"\x00") or 0 in wire[:-1]:
        raise ProtocolError("wire block must contain exactly one 0x00, at its end")
    if len(wire) - 1 > MAX_STUFFED:
        raise ProtocolError("overfull")
    return parse_frame(cobs_decode(wire[:-1]))


# --------------------------------------------------------------------------
# Codes (sections 3, 3.2, 3.7, 3.8, 3.9; TRACE_FORMAT 4 and 7)
# --------------------------------------------------------------------------

K_HELLO, K_INPUT, K_READ_STATE, K_READ_RESULT, K_TEST_START = 0x01, 0x02, 0x03, 0x04, 0x10
K_HELLO_REPLY, K_INPUT_REPLY, K_STATE_REPLY, K_RESULT_REPLY = 0x81, 0x82, 0x83, 0x84
K_OK, K_EVENT, K_NACK = 0x90, 0xE0, 0xFF

KIND_NAMES = {
    K_HELLO: "HELLO", K_INPUT: "INPUT", K_READ_STATE: "READ_STATE", K_READ_RESULT: "READ_RESULT",
    K_TEST_START: "TEST_START_MACHINE", K_HELLO_REPLY: "HELLO_REPLY", K_INPUT_REPLY: "INPUT_REPLY",
    K_STATE_REPLY: "STATE_REPLY", K_RESULT_REPLY: "RESULT_REPLY", K_OK: "OK", K_EVENT: "EVENT",
    K_NACK: "NACK",
}

# input code -> (name, struct format of its arguments)
INPUTS = {
    0x01: ("cand_set", "<H"),
    0x02: ("seal_candidate_set_section", ""),
    0x03: ("ballot", ""),
    0x04: ("total", ""),
    0x05: ("close", ""),
    0x06: ("result", ""),
    0x07: ("clear", ""),
    0x08: ("fix_result_seal", ""),
    0x09: ("break_result_seal", ""),
    0x0A: ("attach_balloting_unit", "<B"),
    0x0B: ("detach_balloting_unit", "<B"),
    0x0C: ("press", "<BB"),
    0x0D: ("press_two", "<BBBB"),
    0x0E: ("power_off", ""),
    0x0F: ("power_on", "<BBB"),
    0x10: ("battery_level", "<B"),
    0x11: ("open_case", ""),
    0x12: ("first_level_check", ""),
}
INPUT_CODES = {name: code for code, (name, _) in INPUTS.items()}

REFUSALS = [
    "accepted", "powered_off", "fail_safe", "candidate_set_sealed", "too_many_candidates",
    "no_candidates", "candidates_exceed_attached_units", "candidates_not_set",
    "candidate_set_not_sealed", "balloting_unit_set_mismatch", "position_taken",
    "position_out_of_range", "balloting_unit_not_attached", "ballot_already_enabled",
    "ballot_not_enabled", "masked_button", "two_buttons_at_once", "button_held_at_power_on",
    "closed", "already_closed", "result_seal_intact", "result_before_close",
    "clear_before_result", "seal_already_fixed", "no_intact_seal", "memory_full",
    "rate_limited", "battery_exhausted", "already_on", "votes_in_memory",
    "memory_inconsistent",
]
REFUSAL_CODES = {name: i for i, name in enumerate(REFUSALS)}

EVENTS = {1: "vote_recorded", 2: "long_beep", 3: "display_changed", 4: "refused"}
EVENT_CODES = {v: k for k, v in EVENTS.items()}

NACKS = {1: "malformed", 2: "unknown_kind", 3: "unsupported_version", 4: "not_in_test_mode",
         5: "result_refused", 6: "no_machine", 7: "corrupt_frame", 8: "memory_fault"}
NACK_CODES = {v: k for k, v in NACKS.items()}

# PROTOCOL.md section 3.5 (and the `bit` column of TRACE_FORMAT.md section 7).
DEFECTS = [
    "double_vote_on_two_buttons", "vote_without_ballot", "ballot_stays_enabled",
    "result_while_sealed", "result_before_close",
    "total_shows_breakdown", "vote_after_close", "close_keeps_ballot_enabled", "enable_survives_power_cycle",
    "power_loss_erases_votes", "result_erases_votes", "clear_leaves_vote",
    "candidate_set_changes_after_seal", "total_misses_last_button", "event_names_candidate",
    "drops_vote_now_and_then",
]

SEAL_STATES = {0: "not_fixed", 1: "intact", 2: "broken"}


# --------------------------------------------------------------------------
# Payload pieces
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Profile:          # section 3.5
    name: int                       # 2 (M2) or 3 (M3)
    balloting_units_max: int
    vote_capacity: int
    rate_limit_votes_per_minute: int  # 0: no limit (bits 0-4 of byte 6)
    none_of_the_above: int
    minimum_interval: int = 0         # bit 7 of byte 6: 1 the minimum-interval rule, 0 the sliding window

    FMT = struct.Struct("<BBIBB")

    def pack(self) -> bytes:
        rate = self.rate_limit_votes_per_minute | (0x80 if self.minimum_interval else 0)
        return self.FMT.pack(self.name, self.balloting_units_max, self.vote_capacity, rate, self.none_of_the_above)

    @classmethod
    def unpack(cls, b: bytes) -> "Profile":
        name, units, capacity, rate, nota = cls.FMT.unpack(b)
        return cls(name, units, capacity, rate & 0x1F, nota, rate >> 7)


@dataclass(frozen=True)
class Refusal:          # section 3.9
    code: int = 0
    a: int = 0
    b: int = 0

    @property
    def name(self) -> str:
        return REFUSALS[self.code] if self.code < len(REFUSALS) else f"unknown_refusal_{self.code}"

    @property
    def accepted(self) -> bool:
        return self.code == 0

    def pack(self) -> bytes:
        return struct.pack("<BHH", self.code, self.a, self.b)

    @classmethod
    def unpack(cls, b: bytes) -> "Refusal":
        return cls(*struct.unpack("<BHH", b))

    @classmethod
    def make(cls, name: str, *args: int) -> "Refusal":
        if name == "memory_full":       # capacity: low 16 bits, then high 16 bits
            (cap,) = args
            return cls(REFUSAL_CODES[name], cap & 0xFFFF, cap >> 16)
        args = list(args) + [0, 0]
        return cls(REFUSAL_CODES[name], args[0], args[1])

    def __str__(self) -> str:
        if self.code == REFUSAL_CODES["memory_full"]:
            return f"memory_full(capacity={self.a | self.b << 16})"
        return self.name + (f"({self.a},{self.b})" if self.a or self.b else "")


@dataclass(frozen=True)
class Lamps:
    on: bool = False
    busy: bool = False
    ready: bool = False

    def pack(self) -> int:
        return int(self.on) | int(self.busy) << 1 | int(self.ready) << 2

    @classmethod
    def unpack(cls, v: int) -> "Lamps":
        if v & ~0x07:
            raise ProtocolError(f"unknown lamp bits {v:#x}")
        return cls(bool(v & 1), bool(v & 2), bool(v & 4))

    def __str__(self) -> str:
        return "+".join(n for n, v in (("On", self.on), ("Busy", self.busy), ("Ready", self.ready)) if v) or "none"


def pack_text(text: str, limit: int = 255) -> bytes:
    b = text.encode("ascii")
    if len(b) > limit:
        raise ProtocolError("display text too long")
    return bytes([len(b)]) + b


def unpack_text(payload: bytes, off: int, limit: int) -> str:
    if off >= len(payload):
        raise ProtocolError("display length missing")
    n = payload[off]
    if n > limit:
        raise ProtocolError(f"display length {n} > {limit}")
    if len(payload) != off + 1 + n:
        raise ProtocolError(f"display length {n} but {len(payload) - off - 1} bytes follow")
    return payload[off + 1:].decode("ascii")


# --------------------------------------------------------------------------
# Messages (section 3)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Hello:
    highest_version: int = PROTOCOL_VERSION
    KIND = K_HELLO

    def payload(self) -> bytes:
        return bytes([self.highest_version])

    @classmethod
    def decode(cls, p: bytes) -> "Hello":
        _need(p, 1)
        return cls(p[0])


@dataclass(frozen=True)
class Input:
    at_ms: int
    code: int
    args: tuple = ()
    KIND = K_INPUT

    @classmethod
    def of(cls, at_ms: int, name: str, *args: int) -> "Input":
        return cls(at_ms, INPUT_CODES[name], tuple(args))

    @property
    def name(self) -> str:
        return INPUTS[self.code][0] if self.code in INPUTS else f"unknown_input_{self.code:#x}"

    def payload(self) -> bytes:
        fmt = INPUTS[self.code][1]
        return struct.pack("<QB", self.at_ms, self.code) + (struct.pack(fmt, *self.args) if fmt else b"")

    @classmethod
    def decode(cls, p: bytes) -> "Input":
        if len(p) < 9:
            raise ProtocolError("INPUT payload shorter than 9 bytes")
        at_ms, code = struct.unpack_from("<QB", p, 0)
        if code not in INPUTS:
            raise ProtocolError(f"unknown input code {code:#x}")
        fmt = INPUTS[code][1]
        _need(p, 9 + (struct.calcsize(fmt) if fmt else 0))
        return cls(at_ms, code, struct.unpack(fmt, p[9:]) if fmt else ())


@dataclass(frozen=True)
class ReadState:
    KIND = K_READ_STATE

    def payload(self) -> bytes:
        return b""

    @classmethod
    def decode(cls, p: bytes) -> "ReadState":
        _need(p, 0)
        return cls()


@dataclass(frozen=True)
class ReadResult:
    KIND = K_READ_RESULT

    def payload(self) -> bytes:
        return b""

    @classmethod
    def decode(cls, p: bytes) -> "ReadResult":
        _need(p, 0)
        return cls()


@dataclass(frozen=True)
class TestStartMachine:
    profile: Profile
    defects: int = 0
    KIND = K_TEST_START

    def payload(self) -> bytes:
        return self.profile.pack() + struct.pack("<I", self.defects)

    @classmethod
    def decode(cls, p: bytes) -> "TestStartMachine":
        _need(p, 12)
        return cls(Profile.unpack(p[:8]), struct.unpack_from("<I", p, 8)[0])


@dataclass(frozen=True)
class HelloReply:
    version: int
    profile: Profile
    capabilities: int
    serial_number: bytes
    KIND = K_HELLO_REPLY

    def payload(self) -> bytes:
        assert len(self.serial_number) == 16
        return bytes([self.version]) + self.profile.pack() + bytes([self.capabilities]) + self.serial_number

    @classmethod
    def decode(cls, p: bytes) -> "HelloReply":
        _need(p, 26)
        return cls(p[0], Profile.unpack(p[1:9]), p[9], p[10:26])


@dataclass(frozen=True)
class InputReply:
    refusal: Refusal
    votes_recorded: int
    candidate_disclosed: int
    lamps: Lamps
    total: int
    display: str
    KIND = K_INPUT_REPLY

    def payload(self) -> bytes:
        return (self.refusal.pack() + bytes([self.votes_recorded, self.candidate_disclosed, self.lamps.pack()])
                + struct.pack("<I", self.total) + pack_text(self.display, 48))

    @classmethod
    def decode(cls, p: bytes) -> "InputReply":
        if len(p) < 13:
            raise ProtocolError("INPUT_REPLY shorter than 13 bytes")
        return cls(Refusal.unpack(p[:5]), p[5], p[6], Lamps.unpack(p[7]),
                   struct.unpack_from("<I", p, 8)[0], unpack_text(p, 12, 48))

    def __str__(self) -> str:
        return (f"{'accepted' if self.refusal.accepted else 'refused ' + str(self.refusal)}, "
                f"votes {self.votes_recorded}, lamps {self.lamps}, total {self.total}, {self.display!r}")


@dataclass(frozen=True)
class StateReply:
    lamps: Lamps
    powered: bool
    closed: bool
    ballot_enabled: bool
    fail_safe: bool
    seal: int           # 0 not fixed, 1 intact, 2 broken
    memory_inconsistent: bool   # flag bit 6 (section 3.4)
    candidates: int
    total: int
    display: str
    KIND = K_STATE_REPLY

    def payload(self) -> bytes:
        flags = (int(self.powered) | int(self.closed) << 1 | int(self.ballot_enabled) << 2
                 | int(self.fail_safe) << 3 | self.seal << 4 | int(self.memory_inconsistent) << 6)
        return (bytes([self.lamps.pack(), flags]) + struct.pack("<HI", self.candidates, self.total)
                + pack_text(self.display))

    @classmethod
    def decode(cls, p: bytes) -> "StateReply":
        if len(p) < 9:
            raise ProtocolError("STATE_REPLY shorter than 9 bytes")
        flags = p[1]
        if flags & 0x80 or (flags >> 4) & 3 == 3:
            raise ProtocolError(f"unknown state flags {flags:#x}")
        cands, total = struct.unpack_from("<HI", p, 2)
        return cls(Lamps.unpack(p[0]), bool(flags & 1), bool(flags & 2), bool(flags & 4), bool(flags & 8),
                   (flags >> 4) & 3, bool(flags & 0x40), cands, total, unpack_text(p, 8, 255))

    def __str__(self) -> str:
        fl = [n for n, v in (("powered", self.powered), ("closed", self.closed),
                             ("ballot_enabled", self.ballot_enabled), ("fail_safe", self.fail_safe),
                             ("memory_inconsistent", self.memory_inconsistent)) if v]
        return (f"lamps {self.lamps}, {'+'.join(fl) or 'no flags'}, seal {SEAL_STATES[self.seal]}, "
                f"candidates {self.candidates}, total {self.total}, {self.display!r}")


@dataclass(frozen=True)
class ResultReply:
    total: int
    counts: tuple
    KIND = K_RESULT_REPLY

    def payload(self) -> bytes:
        return struct.pack("<IH", self.total, len(self.counts)) + b"".join(struct.pack("<I", c) for c in self.counts)

    @classmethod
    def decode(cls, p: bytes) -> "ResultReply":
        if len(p) < 6:
            raise ProtocolError("RESULT_REPLY shorter than 6 bytes")
        total, entries = struct.unpack_from("<IH", p, 0)
        if entries > 384:
            raise ProtocolError(f"{entries} entries > 384")
        _need(p, 6 + 4 * entries)
        return cls(total, struct.unpack_from(f"<{entries}I", p, 6))


@dataclass(frozen=True)
class Ok:
    KIND = K_OK

    def payload(self) -> bytes:
        return b""

    @classmethod
    def decode(cls, p: bytes) -> "Ok":
        _need(p, 0)
        return cls()


@dataclass(frozen=True)
class Event:
    code: int
    refusal: Optional[Refusal] = None
    KIND = K_EVENT

    @property
    def name(self) -> str:
        return EVENTS.get(self.code, f"unknown_event_{self.code}")

    def payload(self) -> bytes:
        return bytes([self.code]) + (self.refusal.pack() if self.code == 4 else b"")

    @classmethod
    def decode(cls, p: bytes) -> "Event":
        if not p:
            raise ProtocolError("empty EVENT")
        if p[0] not in EVENTS:
            raise ProtocolError(f"unknown event code {p[0]}")
        if p[0] == 4:
            _need(p, 6)
            return cls(4, Refusal.unpack(p[1:6]))
        _need(p, 1)
        return cls(p[0])

    def __str__(self) -> str:
        return self.name + (f"({self.refusal})" if self.refusal else "")


@dataclass(frozen=True)
class Nack:
    code: int
    refusal: Optional[Refusal] = None
    KIND = K_NACK

    @property
    def name(self) -> str:
        return NACKS.get(self.code, f"unknown_nack_{self.code}")

    def payload(self) -> bytes:
        return bytes([self.code]) + (self.refusal.pack() if self.code == 5 else b"")

    @classmethod
    def decode(cls, p: bytes) -> "Nack":
        if not p:
            raise ProtocolError("empty NACK")
        if p[0] not in NACKS:
            raise ProtocolError(f"unknown NACK code {p[0]}")
        if p[0] == 5:
            _need(p, 6)
            return cls(5, Refusal.unpack(p[1:6]))
        _need(p, 1)
        return cls(p[0])

    def __str__(self) -> str:
        return "NACK " + self.name + (f"({self.refusal})" if self.refusal else "")


def _need(p: bytes, n: int) -> None:
    if len(p) != n:
        raise ProtocolError(f"payload of {len(p)} bytes, layout wants {n}")


MESSAGE_TYPES = {cls.KIND: cls for cls in (Hello, Input, ReadState, ReadResult, TestStartMachine, HelloReply,
                                           InputReply, StateReply, ResultReply, Ok, Event, Nack)}


def encode_frame(msg, request_id: int) -> bytes:
    return build_frame(msg.KIND, request_id, msg.payload())


def decode_message(fr: Frame):
    cls = MESSAGE_TYPES.get(fr.kind)
    if cls is None:
        raise ProtocolError(f"unknown kind {fr.kind:#04x}")
    return cls.decode(fr.payload)


# --------------------------------------------------------------------------
# Transport and the stop-and-wait, exactly-once request loop (section 1)
# --------------------------------------------------------------------------

@dataclass
class Reply:
    request_id: int
    msg: object
    frame: bytes        # the reply's un-stuffed frame
    sent_wire: bytes    # what we sent (the same bytes on every try)
    tries: int
    events_before: list = field(default_factory=list)


class Link:
    """Splits the byte stream at 0x00 and decodes frames (section 2.3)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()
        self.dropped: list[str] = []

    def send(self, wire: bytes) -> None:
        self.sock.sendall(wire)

    def recv_frame(self, deadline: float):
        """Next good frame as (Frame, message) or None at the deadline.
        Corrupt frames are dropped (section 2.3: 'A host drops corrupt frames
        and waits')."""
        while True:
            while b"\x00" in self.buf:
                i = self.buf.index(0)
                block = bytes(self.buf[:i])
                del self.buf[:i + 1]
                if not block:
                    continue                    # empty block: skipped silently
                if len(block) > MAX_STUFFED:
                    self.dropped.append(f"overfull block of {len(block)} bytes")
                    continue
                try:
                    fr = parse_frame(cobs_decode(block))
                    return fr, decode_message(fr)
                except ProtocolError as e:
                    self.dropped.append(f"{e}: {block.hex(' ')}")
                    continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not data:
                raise ConnectionError("board closed the connection")
            self.buf += data


class Client:
    def __init__(self, link: Link, timeout: float = RETRY_TIMEOUT_S, max_tries: int = 20):
        self.link = link
        self.timeout = timeout
        self.max_tries = max_tries
        self.next_id = 1
        self.events: list[Event] = []
        self.unsolicited: list[object] = []   # id-0 frames other than events and corrupt_frame
        self.stale: list[tuple] = []          # replies for ids we are not waiting for

    def alloc_id(self) -> int:
        rid = self.next_id
        self.next_id = 1 if rid == 65535 else rid + 1
        return rid

    def request(self, msg) -> Reply:
        rid = self.alloc_id()
        return self.send_and_wait(rid, to_wire(encode_frame(msg, rid)))

    def send_and_wait(self, rid: int, wire: bytes, first_send: Optional[bytes] = None) -> Reply:
        """Send `wire` and wait for the reply carrying `rid`, resending the
        very same bytes on timeout or on NACK corrupt_frame.  `first_send`
        (tests only) replaces the bytes of the first try."""
        tries = 0
        events: list[Event] = []
        while tries < self.max_tries:
            self.link.send(first_send if (tries == 0 and first_send is not None) else wire)
            tries += 1
            deadline = time.monotonic() + self.timeout
            while True:
                got = self.link.recv_frame(deadline)
                if got is None:
                    break                                   # timeout: resend
                fr, msg = got
                if fr.request_id == 0:
                    if isinstance(msg, Event):
                        self.events.append(msg)
                        events.append(msg)
                        continue
                    if isinstance(msg, Nack) and msg.code == NACK_CODES["corrupt_frame"]:
                        break                               # resend at once
                    self.unsolicited.append(msg)
                    continue
                if fr.request_id != rid:
                    self.stale.append((fr.request_id, msg))
                    continue
                return Reply(rid, msg, fr.raw, wire, tries, events)
        raise TimeoutError(f"no reply to request {rid} after {tries} tries")

    def drain(self, wait: float = 0.1) -> list:
        """Collect what the board sends within `wait` seconds without a request."""
        got_all = []
        deadline = time.monotonic() + wait
        while True:
            got = self.link.recv_frame(deadline)
            if got is None:
                return got_all
            fr, msg = got
            if fr.request_id == 0 and isinstance(msg, Event):
                self.events.append(msg)
            got_all.append((fr.request_id, msg))


# --------------------------------------------------------------------------
# Checks bookkeeping
# --------------------------------------------------------------------------

class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"  -- {detail}" if detail else ""), flush=True)
        return ok

    def info(self, name: str, detail: str) -> None:
        print(f"INFO  {name}  -- {detail}", flush=True)


# --------------------------------------------------------------------------
# Part (a): the golden vectors
# --------------------------------------------------------------------------

def parse_vectors(path: str) -> list[dict]:
    vectors, cur = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            key, _, value = line.partition(": ")
            if key == "name":
                cur = {"name": value}
                vectors.append(cur)
            elif cur is not None:
                cur[key] = value
            else:
                raise ValueError(f"vector field before any name: {line}")
    return vectors


def hexbytes(s: str) -> bytes:
    return bytes.fromhex(s.replace(" ", ""))


# A small parser for the `meaning` lines (Rust's Debug notation):
#   Name { field: value, ... }   Name(value, ...)   Name   [v, ...]   123   "text"   true
TOKEN = re.compile(r'\s*(?:(?P<num>\d+)|(?P<id>[A-Za-z_][A-Za-z0-9_]*)|(?P<str>"(?:[^"\\]|\\.)*")|(?P<p>[{}()\[\],:]))')


class MeaningParser:
    def __init__(self, text: str):
        self.toks, pos = [], 0
        text = text.strip()
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if not m:
                raise ValueError(f"cannot tokenize meaning at {text[pos:]!r}")
            pos = m.end()
            kind = m.lastgroup
            self.toks.append((kind, m.group(kind)))
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, want=None):
        tok = self.peek()
        if want is not None and tok[1] != want:
            raise ValueError(f"expected {want!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def parse(self):
        v = self.value()
        if self.i != len(self.toks):
            raise ValueError("trailing tokens in meaning")
        return v

    def value(self):
        kind, tok = self.take()
        if kind == "num":
            return int(tok)
        if kind == "str":
            return bytes(tok[1:-1], "utf-8").decode("unicode_escape")
        if tok == "[":
            items = []
            while self.peek()[1] != "]":
                items.append(self.value())
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("]")
            return items
        if kind != "id":
            raise ValueError(f"unexpected {tok!r}")
        if tok in ("true", "false"):
            return tok == "true"
        if tok == "None":
            return None
        nxt = self.peek()[1]
        if nxt == "{":
            self.take("{")
            fields = {"_": tok}
            while self.peek()[1] != "}":
                _, fname = self.take()
                self.take(":")
                fields[fname] = self.value()
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("}")
            return fields
        if nxt == "(":
            self.take("(")
            args = []
            while self.peek()[1] != ")":
                args.append(self.value())
                if self.peek()[1] == ",":
                    self.take(",")
            self.take(")")
            if tok == "Some":
                return args[0]
            return {"_": tok, "args": args}
        return {"_": tok}


def snake(camel: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()


# Debug names of the implementation's inputs -> the document's input names.
MEANING_INPUTS = {
    "CandSet": "cand_set", "SealCandidateSetSection": "seal_candidate_set_section", "Ballot": "ballot",
    "Total": "total", "Close": "close", "Result": "result", "Clear": "clear",
    "FixResultSeal": "fix_result_seal", "BreakResultSeal": "break_result_seal",
    "AttachBallotingUnit": "attach_balloting_unit", "DetachBallotingUnit": "detach_balloting_unit",
    "PressButton": "press", "PressTwoButtons": "press_two", "PowerOff": "power_off",
    "PowerOn": "power_on", "BatteryLevel": "battery_level", "OpenCase": "open_case",
    "FirstLevelCheck": "first_level_check",
}
MEANING_SEAL = {"NotFixed": 0, "Intact": 1, "Broken": 2}


def m_profile(p: dict) -> Profile:
    return Profile(int(p["name"]["_"][1:]), p["balloting_units_max"], p["vote_capacity"],
                   p["rate_limit_votes_per_minute"] or 0, int(p["none_of_the_above"]),
                   int(p["rate_rule"]["_"] == "MinimumInterval"))


def m_refusal(r) -> Refusal:
    if r is None:
        return Refusal()
    name = snake(r["_"])
    args = [v for k, v in r.items() if k != "_"] if "args" not in r else r["args"]
    return Refusal.make(name, *args)


def m_button(b: dict) -> tuple:
    return (b["balloting_unit"], b["button"])


def message_from_meaning(m: dict, direction: str):
    """Reconstruct a message from a vector's `meaning`; raises on anything
    the document does not let us map."""
    tag = m["_"]
    if direction == "host -> board":
        if tag == "Hello":
            return Hello(m["highest_version"])
        if tag == "ReadState":
            return ReadState()
        if tag == "ReadResult":
            return ReadResult()
        if tag == "TestStartMachine":
            return TestStartMachine(m_profile(m["profile"]), m["defects"]["bits"])
        if tag == "Input":
            at = m["at"]["milliseconds"]
            inp = m["input"]
            name = MEANING_INPUTS[inp["_"]]
            if name == "cand_set":
                args = (inp["candidates"],)
            elif name in ("attach_balloting_unit", "detach_balloting_unit"):
                args = (inp["position"],)
            elif name == "press":
                args = m_button(inp["address"])
            elif name == "press_two":
                args = m_button(inp["first"]) + m_button(inp["second"])
            elif name == "power_on":
                held = inp["held_button"]
                args = (0, 0, 0) if held is None else (1,) + m_button(held)
            elif name == "battery_level":
                args = (inp["percent"],)
            else:
                if len(inp) != 1:
                    raise ValueError(f"unexpected arguments for {name}")
                args = ()
            return Input.of(at, name, *args)
    else:
        if tag == "Hello":
            return HelloReply(m["version"], m_profile(m["profile"]), m["capabilities"], bytes(m["serial_number"]))
        if tag == "Ok":
            return Ok()
        if tag == "Input":
            o = m["args"][0]
            lamps = Lamps(o["lamps"]["on"], o["lamps"]["busy"], o["lamps"]["ready"])
            return InputReply(m_refusal(o["refusal"]), o["votes_recorded"], int(o["candidate_disclosed"]),
                              lamps, o["total"], o["display"])
        if tag == "State":
            s = m["args"][0]
            lamps = Lamps(s["lamps"]["on"], s["lamps"]["busy"], s["lamps"]["ready"])
            return StateReply(lamps, s["powered"], s["closed"], s["ballot_enabled"], s["fail_safe"],
                              MEANING_SEAL[s["result_seal"]["_"]], s["memory_inconsistent"], s["candidates"],
                              s["total"], s["display"])
        if tag == "Result":
            return ResultReply(m["total"], tuple(m["counts"]))
        if tag == "Nack":
            n = m["args"][0]
            name = snake(n["_"])
            if name == "result_refused":
                return Nack(5, m_refusal(n["args"][0]))
            return Nack(NACK_CODES[name])
        if tag == "Event":
            e = m["args"][0]
            name = snake(e["_"])
            if name == "refused":
                return Event(4, m_refusal(e["args"][0]))
            return Event(EVENT_CODES[name])
    raise ValueError(f"no mapping for {tag} ({direction})")


def check_vectors(c: Checks) -> None:
    # Section 2.1 and 2.2's own examples first.
    c.check("crc32(b'123456789') = 0xCBF43926", crc32(b"123456789") == 0xCBF43926)
    ex_frame = hexbytes("01 01 01 00 01 00 01 7e 74 e2 bb")
    ex_wire = hexbytes("04 01 01 01 02 01 06 01 7e 74 e2 bb 00")
    c.check("section 2.2 example stuffs as documented", to_wire(ex_frame) == ex_wire)
    c.check("section 2.2 example is HELLO id 1 built by us", to_wire(encode_frame(Hello(1), 1)) == ex_wire)
    # COBS self-consistency on the edge cases (254-byte runs, trailing zero).
    edge_ok = all(cobs_decode(cobs_encode(d)) == d for d in (
        b"", b"\x00", b"\x00\x00", b"\x01" * 253, b"\x01" * 254, b"\x01" * 255, b"\x01" * 254 + b"\x00",
        b"\x01" * 508, bytes(range(1, 256)) * 9, b"\x01\x00" * 1030))
    c.check("COBS round-trips edge cases", edge_ok)
    c.check("COBS accepts both endings after a 255-block",
            cobs_decode(b"\xff" + b"\x01" * 254) == cobs_decode(b"\xff" + b"\x01" * 254 + b"\x01"))

    vectors = parse_vectors(VECTORS)
    c.info("vectors", f"{len(vectors)} in {os.path.relpath(VECTORS, ROOT)}")
    for n, v in enumerate(vectors, 1):
        label = f"vector {n:2d} [{v['name']}] id {v['request_id']}"
        problems = []
        try:
            wire, frame, rid = hexbytes(v["wire"]), hexbytes(v["frame"]), int(v["request_id"])
            if not wire.endswith(b"\x00") or 0 in wire[:-1]:
                problems.append("wire is not one 0x00-terminated block")
            unstuffed = cobs_decode(wire[:-1])
            if unstuffed != frame:
                problems.append(f"un-stuffed wire {unstuffed.hex(' ')} != frame")
            fr = parse_frame(unstuffed)      # length + CRC + version
            if fr.request_id != rid:
                problems.append(f"request id {fr.request_id} != {rid}")
            msg = decode_message(fr)
            to_board = fr.kind < 0x80
            if (v["direction"] == "host -> board") != to_board:
                problems.append(f"kind {fr.kind:#x} in the wrong direction")
            # Re-encode what we decoded.
            if to_wire(encode_frame(msg, rid)) != wire:
                problems.append("re-encoding the decoded message differs")
            # Rebuild from the printed meaning, independently of the bytes.
            try:
                meant = message_from_meaning(MeaningParser(v["meaning"]).parse(), v["direction"])
            except (KeyError, ValueError) as e:
                meant = None
                problems.append(f"meaning not reconstructible: {e!r}")
            if meant is not None:
                if meant != msg:
                    problems.append(f"decoded {msg} but meaning says {meant}")
                if encode_frame(meant, rid) != frame:
                    problems.append(f"frame from meaning {encode_frame(meant, rid).hex(' ')} != frame")
                if to_wire(encode_frame(meant, rid)) != wire:
                    problems.append("wire from meaning differs")
            c.check(label, not problems, "; ".join(problems) or f"{KIND_NAMES[fr.kind]} {msg}")
            # The vector's *name* against TRACE_FORMAT 7's defect table.
            md = re.search(r"defect (\w+)", v["name"])
            if md and isinstance(msg, TestStartMachine):
                named = md.group(1)
                bit = DEFECTS.index(named)
                c.check(f"vector {n:2d} name vs TRACE_FORMAT.md section 7: defect {named} is bit {bit}",
                        msg.defects == 1 << bit,
                        f"vector carries defects = {msg.defects} (bit {msg.defects.bit_length() - 1} = "
                        f"{DEFECTS[msg.defects.bit_length() - 1]} in the table), table order gives {1 << bit}")
        except (ProtocolError, KeyError, ValueError) as e:
            c.check(label, False, f"{type(e).__name__}: {e}")


# --------------------------------------------------------------------------
# Part (b): a poll day against evm-sim
# --------------------------------------------------------------------------

def hms(h: int, m: int = 0, s: int = 0, ms: int = 0) -> int:
    return ((h * 60 + m) * 60 + s) * 1000 + ms


def hms_text(at_ms: int) -> str:
    s = at_ms // 1000
    return f"{s // 3600:02d}-{s // 60 % 60:02d}-{s % 60:02d}"


M2 = Profile(name=2, balloting_units_max=4, vote_capacity=2000, rate_limit_votes_per_minute=5, none_of_the_above=1)


class Sim:
    def __init__(self):
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([SIM, "serve", "--tcp", "127.0.0.1:0", "--test-mode"],
                                     stdout=subprocess.PIPE, stderr=self.err, stdin=subprocess.DEVNULL)
        first = self.proc.stdout.readline().decode().strip()
        self.rest: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        m = re.fullmatch(r"(?:tcp:)?(\S+):(\d+)", first)
        if not m:
            self.stop()
            raise RuntimeError(f"unexpected first line from evm-sim: {first!r}; stderr: {self.stderr()}")
        self.address = (m.group(1), int(m.group(2)))
        self.first_line = first

    def _drain(self):
        for line in self.proc.stdout:
            self.rest.append(line.decode(errors="replace").rstrip())

    def stderr(self) -> str:
        self.err.seek(0)
        return self.err.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_session(c: Checks) -> None:
    if not os.access(SIM, os.X_OK):
        c.check("evm-sim binary present", False, SIM)
        return
    sim = Sim()
    c.check("evm-sim prints its bound address alone on the first line", True, sim.first_line)
    try:
        sock = socket.create_connection(sim.address, timeout=5)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client = Client(Link(sock))
        poll_day(c, client)
        extras(c, client)
        if client.link.dropped:
            c.info("frames dropped by the host", "; ".join(client.link.dropped[:5]))
        if client.unsolicited:
            c.info("other unsolicited frames", ", ".join(map(str, client.unsolicited[:10])))
        if client.stale:
            c.info("stale replies (ids not awaited)", str(client.stale[:10]))
        sock.close()
    except (OSError, TimeoutError, ConnectionError, ProtocolError) as e:
        c.check("session ran to the end", False, f"{type(e).__name__}: {e}; sim stderr: {sim.stderr()[-2000:]}")
    finally:
        sim.stop()


def expect_input(c: Checks, client: Client, label: str, inp: Input, *, refusal: Optional[str] = None,
                 args: tuple = (), display: Optional[str] = None, total: Optional[int] = None,
                 votes: Optional[int] = None, lamps: Optional[Lamps] = None) -> Reply:
    r = client.request(inp)
    m = r.msg
    problems = []
    if not isinstance(m, InputReply):
        problems.append(f"expected INPUT_REPLY, got {m}")
    else:
        want = Refusal() if refusal is None else Refusal.make(refusal, *args)
        if refusal is None and not m.refusal.accepted:
            problems.append(f"refused {m.refusal}")
        elif refusal is not None and (m.refusal.code != want.code or (args and m.refusal != want)):
            problems.append(f"refusal {m.refusal}, expected {want}")
        if display is not None and m.display != display:
            problems.append(f"display {m.display!r}, expected {display!r}")
        if total is not None and m.total != total:
            problems.append(f"total {m.total}, expected {total}")
        if votes is not None and m.votes_recorded != votes:
            problems.append(f"votes_recorded {m.votes_recorded}, expected {votes}")
        if lamps is not None and m.lamps != lamps:
            problems.append(f"lamps {m.lamps}, expected {lamps}")
        if m.candidate_disclosed:
            problems.append("candidate_disclosed set")
    c.check(f"{label} [id {r.request_id}]", not problems, "; ".join(problems) or str(m))
    return r


def read_state(client: Client) -> StateReply:
    r = client.request(ReadState())
    if not isinstance(r.msg, StateReply):
        raise ProtocolError(f"READ_STATE answered {r.msg}")
    return r.msg


def poll_day(c: Checks, client: Client) -> None:
    ON = Lamps(on=True)
    ENABLED = Lamps(on=True, busy=True, ready=True)

    r = client.request(Hello(1))
    m = r.msg
    c.check(f"HELLO -> HELLO_REPLY version 1, test mode [id {r.request_id}]",
            isinstance(m, HelloReply) and m.version == 1 and bool(m.capabilities & 1),
            f"{m}" if not isinstance(m, HelloReply) else
            f"version {m.version}, {m.profile}, capabilities {m.capabilities:#x}, serial {m.serial_number!r}")

    r = client.request(TestStartMachine(M2, 0))
    c.check(f"TEST_START_MACHINE M2, no defects -> OK [id {r.request_id}]", isinstance(r.msg, Ok), str(r.msg))
    st = read_state(client)
    c.check("new machine is switched off, total 0, seal not fixed",
            not st.powered and st.total == 0 and st.seal == 0 and not st.closed, str(st))

    expect_input(c, client, "attach balloting unit 1", Input.of(hms(6), "attach_balloting_unit", 1))
    expect_input(c, client, "power on", Input.of(hms(6, 0, 1), "power_on", 0, 0, 0),
                 display="EVM IS READY", lamps=ON)
    expect_input(c, client, "Cand Set 4", Input.of(hms(6, 0, 2), "cand_set", 4), display="CANDIDATES 04")
    expect_input(c, client, "seal the candidate set section", Input.of(hms(6, 0, 3), "seal_candidate_set_section"),
                 display="CANDIDATES 04")
    expect_input(c, client, "fix the result seal", Input.of(hms(6, 0, 4), "fix_result_seal"))
    expect_input(c, client, "Total shows TOTAL 0000", Input.of(hms(6, 0, 5), "total"),
                 display="TOTAL 0000", total=0)
    expect_input(c, client, "press with no ballot refused", Input.of(hms(6, 59), "press", 1, 1),
                 refusal="ballot_not_enabled", votes=0, total=0)

    # Seven votes, one every 13 s (the mock poll's pace): 5 a minute holds.
    buttons = [1, 2, 3, 5, 1, 4, 5]          # button 5 = NOTA after 4 candidates
    counts = [0] * 5
    start = hms(7)
    last_press = None
    for i, b in enumerate(buttons):
        t = start + 13_000 * i
        if i == 5:
            # Extra: a 6th ballot less than 60 s after the oldest of the last 5 votes.
            expect_input(c, client, "extra: ballot 53 s after the 5th-last vote is rate limited",
                         Input.of(start + 55_000, "ballot"), refusal="rate_limited", args=(5,), total=5)
        expect_input(c, client, f"vote {i + 1}: Ballot at {hms_text(t)}", Input.of(t, "ballot"),
                     display="BUSY", lamps=ENABLED, total=i)
        counts[b - 1] += 1
        last_press = expect_input(c, client, f"vote {i + 1}: press unit 1 button {b}",
                                  Input.of(t + 2_000, "press", 1, b), votes=1, total=i + 1,
                                  display="EVM IS READY", lamps=ON)
        if i == 0:
            evs = [e.name for rid, e in client.drain(0.2) if isinstance(e, Event)]
            c.check("events after the first vote (section 4)",
                    evs[:3] == ["vote_recorded", "long_beep", "display_changed"], str(evs))

    # Retransmission of an already-answered INPUT: same id, same bytes.
    client.drain(0.1)
    r2 = client.send_and_wait(last_press.request_id, last_press.sent_wire)
    c.check(f"retransmitted press [id {r2.request_id}] answered with the same reply frame",
            r2.frame == last_press.frame, f"{r2.msg}")
    evs = [str(e) for rid, e in client.drain(0.2) if isinstance(e, Event)]
    c.info("events after the retransmission", str(evs))
    st = read_state(client)
    c.check("READ_STATE total still 7 after the retransmission", st.total == 7, str(st))

    # Before Close AND with the seal intact, both refusals of section 3.6 apply;
    # the document does not say which one wins (TRACE_FORMAT 4: "When several
    # refusals apply, a unit may give any of them"), so either is conformant.
    # The seal-intact refusal alone is checked after Close, below.
    r = client.request(ReadResult())
    m = r.msg
    ok = isinstance(m, Nack) and m.code == 5 and m.refusal in (Refusal.make("result_seal_intact"),
                                                                Refusal.make("result_before_close"))
    c.check(f"READ_RESULT before Close, seal intact -> NACK result_refused [id {r.request_id}]", ok, str(m))
    if ok and m.refusal.name != "result_seal_intact":
        c.info("READ_RESULT before Close", f"board chose {m.refusal.name}; PROTOCOL.md 3.6 does not say which of "
                                           "result_seal_intact / result_before_close comes first")

    # A deliberately corrupted frame: one CRC bit flipped.
    rid = client.alloc_id()
    bad = bytearray(encode_frame(ReadState(), rid))
    bad[-4] ^= 0x01
    client.link.send(to_wire(bytes(bad)))
    got, deadline = None, time.monotonic() + 1.0
    while True:
        g = client.link.recv_frame(deadline)
        if g is None:
            break
        if isinstance(g[1], Event):
            continue
        got = g
        break
    c.check(f"frame with a flipped CRC bit (id {rid}) -> NACK corrupt_frame with request id 0",
            got is not None and got[0].request_id == 0 and got[1] == Nack(7),
            "no answer" if got is None else f"id {got[0].request_id}, {got[1]}")

    close_at = hms(17)
    expect_input(c, client, "Close", Input.of(close_at, "close"),
                 display=f"PST {hms_text(start)} PET {hms_text(close_at)} TOTAL 0007", total=7)
    r = client.request(ReadResult())
    c.check(f"extra: READ_RESULT after Close, seal intact -> still result_seal_intact [id {r.request_id}]",
            r.msg == Nack(5, Refusal.make("result_seal_intact")), str(r.msg))
    expect_input(c, client, "break the paper seal", Input.of(hms(18), "break_result_seal"))
    expect_input(c, client, "Result", Input.of(hms(18, 0, 1), "result"), display="RESULT TOTAL 0007", total=7)
    r = client.request(ReadResult())
    c.check(f"READ_RESULT: total 7, counts {counts} (NOTA last) [id {r.request_id}]",
            r.msg == ResultReply(7, tuple(counts)), str(r.msg))
    st = read_state(client)
    c.check("READ_STATE after Result: powered, closed, seal broken, 4 candidates, total 7",
            st.powered and st.closed and st.seal == 2 and st.candidates == 4 and st.total == 7
            and not st.ballot_enabled, str(st))


def setup_machine(client: Client, defects: int) -> None:
    for msg in (TestStartMachine(M2, defects), Input.of(hms(6), "attach_balloting_unit", 1),
                Input.of(hms(6, 0, 1), "power_on", 0, 0, 0), Input.of(hms(6, 0, 2), "cand_set", 4),
                Input.of(hms(6, 0, 3), "seal_candidate_set_section")):
        r = client.request(msg)
        if not (isinstance(r.msg, Ok) or (isinstance(r.msg, InputReply) and r.msg.refusal.accepted)):
            raise ProtocolError(f"setting up a machine: {msg} answered {r.msg}")


def extras(c: Checks, client: Client) -> None:
    """Further claims of the document, beyond the brief's list."""
    # The retransmission loop: the first try loses its delimiter, so the board
    # sees garbage+frame (corrupt), NACKs it, and the host resends the bytes.
    setup_machine(client, 0)
    rid = client.alloc_id()
    wire = to_wire(encode_frame(Input.of(hms(7), "ballot"), rid))
    r = client.send_and_wait(rid, wire, first_send=wire[:-1])
    c.check(f"extra: retransmission loop recovers from a lost delimiter [id {rid}]",
            isinstance(r.msg, InputReply) and r.msg.refusal.accepted and r.tries >= 2,
            f"{r.tries} tries, {r.msg}")

    # Unknown kind, malformed payload, unsupported version.
    rid = client.alloc_id()
    r = client.send_and_wait(rid, to_wire(build_frame(0x05, rid, b"")))
    c.check(f"extra: unknown kind 0x05 -> NACK unknown_kind [id {rid}]", r.msg == Nack(2), str(r.msg))
    rid = client.alloc_id()
    r = client.send_and_wait(rid, to_wire(build_frame(K_READ_STATE, rid, b"\x00")))
    c.check(f"extra: READ_STATE with a 1-byte payload -> NACK malformed [id {rid}]", r.msg == Nack(1), str(r.msg))
    rid = client.alloc_id()
    r = client.send_and_wait(rid, to_wire(build_frame(K_TEST_START, rid, M2.pack() + struct.pack("<I", 1 << 31))))
    c.check(f"extra: TEST_START_MACHINE with an unknown defect bit -> NACK malformed [id {rid}]",
            r.msg == Nack(1), str(r.msg))
    rid = client.alloc_id()
    client.link.send(to_wire(build_frame(K_READ_STATE, rid, b"", version=2)))
    g = client.link.recv_frame(time.monotonic() + 1.0)
    while g is not None and isinstance(g[1], Event):
        g = client.link.recv_frame(time.monotonic() + 1.0)
    c.check(f"extra: frame with version 2 (id {rid}) -> NACK unsupported_version with the frame's id (section 2.3)",
            g is not None and g[0].request_id == rid and g[1] == Nack(3),
            "no answer" if g is None else f"id {g[0].request_id}, {g[1]}")
    r = client.request(Hello(0))
    c.check(f"extra: HELLO highest_version 0 -> NACK unsupported_version [id {r.request_id}]",
            r.msg == Nack(3), str(r.msg))

    # A new request on an id still in the window: section 1 keys the window
    # by (request id, CRC of the request frame), so a different frame is new.
    setup_machine(client, 0)
    rid = client.alloc_id()
    client.send_and_wait(rid, to_wire(encode_frame(Input.of(hms(7), "ballot"), rid)))
    r = client.send_and_wait(rid, to_wire(encode_frame(ReadState(), rid)))
    c.check(f"extra: a remembered id with a different frame (READ_STATE after INPUT, id {rid}) is executed, "
            f"not answered from memory (section 1: key = id + CRC)", isinstance(r.msg, StateReply),
            f"answered {KIND_NAMES[r.msg.KIND]} {r.msg}")

    defect_bit_map(c, client)


def defect_symptoms(client: Client, bits: int) -> list[str]:
    """Run one small scenario per defect of TRACE_FORMAT 7 on fresh machines
    carrying `bits`; return the defects whose symptom showed."""
    T = hms(7)

    def I(t, name, *a):
        m = client.request(Input.of(t, name, *a)).msg
        if not isinstance(m, InputReply):
            raise ProtocolError(f"{name} answered {m}")
        return m

    def fresh():
        setup_machine(client, bits)

    def s_double():
        fresh(); I(T, "ballot"); return I(T + 1000, "press_two", 1, 1, 1, 2).votes_recorded == 2

    def s_no_ballot():
        fresh(); return I(T, "press", 1, 1).votes_recorded == 1

    def s_stays():
        fresh(); I(T, "ballot"); I(T + 1000, "press", 1, 1); return I(T + 2000, "press", 1, 2).votes_recorded == 1

    def s_power_cycle():
        fresh(); I(T, "ballot"); I(T + 1000, "power_off"); I(T + 2000, "power_on", 0, 0, 0)
        return I(T + 3000, "press", 1, 1).votes_recorded == 1

    def s_result_sealed():
        fresh(); I(T - 1000, "fix_result_seal"); I(T, "close"); return I(T + 1000, "result").refusal.accepted

    def s_result_before_close():
        fresh(); I(T - 2000, "fix_result_seal"); I(T - 1000, "break_result_seal")
        return I(T, "result").refusal.accepted

    def s_breakdown():
        fresh(); I(T, "ballot"); I(T + 1000, "press", 1, 1)
        return not re.fullmatch(r"TOTAL \d{4,}", I(T + 2000, "total").display)

    def s_after_close():
        fresh(); I(T, "close"); return I(T + 1000, "press", 1, 1).votes_recorded == 1

    def s_close_keeps():
        fresh(); I(T, "ballot"); I(T + 1000, "close"); return I(T + 2000, "press", 1, 1).votes_recorded == 1

    def s_power_erases():
        fresh(); I(T, "ballot"); I(T + 1000, "press", 1, 1); return I(T + 2000, "power_off").total == 0

    def s_result_erases():
        fresh(); I(T - 1000, "fix_result_seal"); I(T, "ballot"); I(T + 1000, "press", 1, 1); I(T + 2000, "close")
        I(T + 3000, "break_result_seal"); I(T + 4000, "result"); return read_state(client).total == 0

    def s_clear_leaves():
        fresh(); I(T, "close"); I(T + 1000, "result"); I(T + 2000, "clear"); return read_state(client).total == 1

    def s_candset():
        fresh(); return I(T, "cand_set", 3).refusal.accepted

    def s_nota():
        fresh(); I(T, "ballot"); r = I(T + 1000, "press", 1, 5); return r.votes_recorded == 1 and r.total == 0

    def s_disclose():
        fresh(); I(T, "ballot"); return bool(I(T + 1000, "press", 1, 1).candidate_disclosed)

    def s_drops():
        # The 41st vote of the poll is beeped but not kept (no rate limit in M2 test? 13 s apart).
        fresh()
        for n in range(41):
            I(T + 13_000 * 2 * n, "ballot")
            r = I(T + 13_000 * (2 * n + 1), "press", 1, 1)
        return r.votes_recorded == 1 and r.total == 40

    scenarios = [s_double, s_no_ballot, s_stays, s_result_sealed, s_result_before_close,
                 s_breakdown, s_after_close, s_close_keeps, s_power_cycle, s_power_erases, s_result_erases, s_clear_leaves,
                 s_candset, s_nota, s_disclose, s_drops]          # in DEFECTS order
    return [DEFECTS[i] for i, f in enumerate(scenarios) if f()]


def defect_bit_map(c: Checks, client: Client) -> None:
    """PROTOCOL 3.5: bit i of `defects` = defect i of TRACE_FORMAT 7, in that
    table's order from 0.  Check each bit against the symptom of its defect."""
    base = defect_symptoms(client, 0)
    c.check("extra: no defect symptom shows with defects = 0", not base, str(base))
    for bit, name in enumerate(DEFECTS):
        shown = defect_symptoms(client, 1 << bit)
        c.check(f"extra: defect bit {bit:2d} shows {name} (PROTOCOL.md 3.5)", name in shown,
                f"symptoms seen: {', '.join(shown) or 'none'}")
    rid = client.alloc_id()
    r = client.send_and_wait(rid, to_wire(build_frame(K_TEST_START, rid, M2.pack() + struct.pack("<I", 1 << len(DEFECTS)))))
    c.check(f"extra: defect bit {len(DEFECTS)} (beyond the table) -> NACK malformed", r.msg == Nack(1), str(r.msg))


def main() -> int:
    c = Checks()
    print("== (a) golden vectors ==", flush=True)
    check_vectors(c)
    print("== (b) poll day against evm-sim ==", flush=True)
    run_session(c)
    print(f"== {c.passed} passed, {c.failed} failed ==", flush=True)
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

//! The frame codec, bytes per second: encoding (message → payload → frame
//! with CRC-32 → COBS → delimiter) and decoding (the accumulator fed in the
//! chunkings a host sees, then the typed parse), for an `INPUT` request (a
//! button press) and `RESULT_REPLY`s of 64 and 384 entries.
//!
//! Chunkings: one byte at a time (a UART interrupt per byte), 62 bytes (an
//! FTDI adapter's USB packet: 64 bytes less 2 status bytes), and the whole
//! frame at once (a pseudo-terminal or TCP read).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use evm_sim::protocol::board::{reply_frame, request_frame};
use evm_sim::protocol::cobs;
use evm_sim::protocol::frame::{encode_frame, Feed, FrameAccumulator};
use evm_sim::protocol::host::HostSession;
use evm_sim::protocol::message::{Reply, Request};
use evm_sim::unit::{ButtonAddress, Input};
use evm_sim::Timestamp;

/// Chunk sizes the accumulator is fed in; `usize::MAX` is the whole frame.
const CHUNKINGS: [(&str, usize); 3] = [("byte_at_a_time", 1), ("ftdi_62_bytes", 62), ("whole_frame", usize::MAX)];

fn press_request() -> Request {
    Request::Input {
        at: Timestamp::from_clock(11, 42, 7),
        input: Input::PressButton { address: ButtonAddress { balloting_unit: 2, button: 7 } },
    }
}

/// A result as a poll day leaves it: 1,500 votes spread over the entries.
fn result_reply(entries: usize) -> Reply {
    let mut counts = vec![0u32; entries];
    for vote in 0..1_500usize {
        counts[(vote * 7_919) % entries] += 1;
    }
    Reply::Result { total: 1_500, counts }
}

/// Feeds `wire` in `chunk`-byte pieces; the frames completed.
fn accumulate(accumulator: &mut FrameAccumulator, wire: &[u8], chunk: usize) -> usize {
    let mut frames = 0;
    for piece in wire.chunks(chunk.min(wire.len())) {
        let mut input = piece;
        loop {
            match accumulator.feed(input) {
                Feed::NeedMore => break,
                Feed::Frame { frame, rest } => {
                    black_box(frame.payload());
                    frames += 1;
                    input = rest;
                }
                Feed::Corrupt { rest, .. } | Feed::Overfull { rest } => input = rest,
            }
        }
    }
    frames
}

// Longer than 70 lines on purpose: one benchmark a frame kind, in one group so criterion reports
// them side by side.
fn codec(criterion: &mut Criterion) {
    let request = press_request();
    let messages: [(&str, Vec<u8>, Option<Reply>); 3] = [
        ("input_request", request_frame(1, &request), None),
        ("result_reply_64", reply_frame(1, &result_reply(64)), Some(result_reply(64))),
        ("result_reply_384", reply_frame(1, &result_reply(384)), Some(result_reply(384))),
    ];
    for (name, wire, reply) in &messages {
        let mut group = criterion.benchmark_group(format!("codec/{name}"));
        group.throughput(Throughput::Bytes(wire.len() as u64));
        eprintln!("codec/{name}: {} bytes on the wire", wire.len());
        // Encoding: the typed message to its wire bytes.
        match reply {
            None => group.bench_function("encode", |bencher| {
                bencher.iter(|| black_box(request_frame(black_box(1), black_box(&request))))
            }),
            Some(reply) => group.bench_function("encode", |bencher| {
                bencher.iter(|| black_box(reply_frame(black_box(1), black_box(reply))))
            }),
        };
        // The frame layer alone: CRC-32 + COBS of a ready payload.
        let (kind, payload) = match reply {
            None => request.encode(),
            Some(reply) => reply.encode(),
        };
        group.bench_function("encode_frame_only", |bencher| {
            bencher.iter(|| black_box(encode_frame(kind, 1, black_box(&payload))))
        });
        // COBS alone on the unstuffed frame, beside the textbook byte-by-byte
        // encoder (the one this crate had first) measured in the same run.
        let mut frame = Vec::new();
        cobs::decode(&wire[..wire.len() - 1], &mut frame).expect("a stuffed frame");
        let mut stuffed = Vec::with_capacity(wire.len());
        group.bench_function("cobs_encode", |bencher| {
            bencher.iter(|| {
                stuffed.clear();
                cobs::encode(black_box(&frame), &mut stuffed);
                black_box(stuffed.len())
            })
        });
        group.bench_function("cobs_encode_textbook_byte_by_byte", |bencher| {
            bencher.iter(|| {
                stuffed.clear();
                evm_sim::protocol::cobs::encode_textbook(black_box(&frame), &mut stuffed);
                black_box(stuffed.len())
            })
        });
        let mut accumulator = FrameAccumulator::new();
        for (chunking, chunk) in CHUNKINGS {
            group.bench_function(format!("accumulate/{chunking}"), |bencher| {
                bencher.iter(|| {
                    let frames = accumulate(&mut accumulator, black_box(wire), chunk);
                    assert_eq!(frames, 1);
                })
            });
        }
        // The typed parse of a checked frame's payload.
        match reply {
            None => group.bench_function("parse_message", |bencher| {
                bencher.iter(|| black_box(Request::parse(kind, black_box(&payload)).expect("a request")))
            }),
            Some(_) => group.bench_function("parse_message", |bencher| {
                bencher.iter(|| black_box(Reply::parse(kind, black_box(&payload)).expect("a reply")))
            }),
        };
        // What a host does with the bytes of a reply: accumulate and parse.
        if reply.is_some() {
            let mut host = HostSession::new();
            let mut received = Vec::with_capacity(1);
            group.bench_function("decode_host_whole_frame", |bencher| {
                bencher.iter(|| {
                    received.clear();
                    host.receive(black_box(wire), &mut received);
                    assert_eq!(received.len(), 1);
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, codec);
criterion_main!(benches);

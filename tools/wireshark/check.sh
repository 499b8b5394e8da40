#!/usr/bin/env bash
# Checks the Wireshark dissector tools/wireshark/evm_protocol.lua with tshark.
#
#   check.sh [--without-hello] CAPTURE.pcap
#       A capture from `evm-conformance run --capture FILE`: every packet must
#       decode as `evm` with a good CRC (evm.crc_ok) and status ok, with no Lua
#       error, no malformed-packet or error expert info, and the capture must
#       hold at least one HELLO, HELLO_REPLY, INPUT, INPUT_REPLY and
#       RESULT_REPLY. --without-hello drops HELLO and HELLO_REPLY from that
#       list (the harness sends its HELLO before it opens the capture file).
#
#   check.sh --crafted [--crafted-out FILE] [CAPTURE.pcap ...]
#       Also writes a hand-made capture (python3): every golden vector of
#       docs/protocol-vectors.txt, a frame with a bad CRC, one with a wrong
#       version, broken stuffing, a length mismatch, a malformed payload, an
#       unknown kind and input code, an empty block, NACKs, and a 1,044-byte RESULT_REPLY whose stuffing ends
#       on a 255-block, with and without the optional trailing 01 block; each
#       packet must get its expected status (the bad ones flagged corrupt,
#       wrong_version, ..., never a Lua error).
#
# Exit status 0 when every check passed; 1 with the reasons otherwise; 2 for
# bad usage. Without tshark it prints "tshark absent: skipping" and exits 0.
set -u

case "${BASH_SOURCE[0]}" in */*) here=${BASH_SOURCE[0]%/*} ;; *) here=. ;; esac
here=$(cd "$here" && pwd)
root=$(cd "$here/../.." && pwd)
dissector=${EVM_DISSECTOR:-$here/evm_protocol.lua}  # EVM_DISSECTOR: another copy, to test this script
vectors="$root/docs/protocol-vectors.txt"

usage() {
    echo "usage: $0 [--without-hello] [--crafted [--crafted-out FILE]] [CAPTURE.pcap ...]" >&2
    exit 2
}

crafted=0
crafted_out=""
without_hello=0
captures=()
while [ $# -gt 0 ]; do
    case "$1" in
        --crafted) crafted=1 ;;
        --crafted-out) [ $# -ge 2 ] || usage; crafted_out=$2; crafted=1; shift ;;
        --without-hello) without_hello=1 ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        -*) usage ;;
        *) captures+=("$1") ;;
    esac
    shift
done
[ "$crafted" = 1 ] || [ ${#captures[@]} -gt 0 ] || usage

if ! command -v tshark >/dev/null 2>&1; then
    echo "tshark absent: skipping"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# tshark with the dissector; stdout to $2, stderr to $2.err.
run_tshark() { # capture output [tshark options...]
    local capture=$1 output=$2
    shift 2
    tshark -X "lua_script:$dissector" -r "$capture" "$@" >"$output" 2>"$output.err"
    local status=$?
    # tshark says this on stderr whenever it runs as root: not a problem.
    grep -v 'Running as user "root"' "$output.err" >"$output.err2" || true
    mv "$output.err2" "$output.err"
    if [ $status -ne 0 ]; then
        fail "tshark exited $status on $capture: $(head -c 500 "$output.err")"
    fi
}

# Fails on Lua errors and on the dissector's own internal-error expert info.
check_no_lua_errors() { # capture verbose-output
    if grep -qi 'lua' "$2.err"; then
        fail "$1: tshark reported a Lua problem: $(grep -i lua "$2.err" | head -3)"
    fi
    if grep -qiE 'Lua Error|evm dissector internal error' "$2"; then
        fail "$1: Lua error while dissecting: $(grep -iE 'Lua Error|internal error' "$2" | head -3)"
    fi
    if grep -q 'Malformed Packet' "$2"; then
        fail "$1: Wireshark reports a malformed packet (an exception in the dissector): $(grep -m3 -n 'Malformed Packet' "$2")"
    fi
}

check_capture() { # capture
    local capture=$1
    echo "== $capture"
    if [ ! -r "$capture" ]; then
        fail "cannot read $capture"
        return
    fi
    local verbose="$work/verbose.txt" fields="$work/fields.txt"
    run_tshark "$capture" "$verbose" -V
    run_tshark "$capture" "$fields" -T fields -E separator=/t \
        -e frame.number -e evm.kind -e evm.crc_ok -e evm.status
    check_no_lua_errors "$capture" "$verbose"
    if grep -qE 'Expert Info \([A-Za-z]+/Malformed\)|Expert Info \(Error/' "$verbose"; then
        fail "$capture: malformed or error expert info: $(grep -m3 -E 'Expert Info \([A-Za-z]+/Malformed\)|Expert Info \(Error/' "$verbose" | sed 's/^ *//' | paste -sd ';' -)"
    fi
    local packets
    packets=$(wc -l <"$fields")
    if [ "$packets" -eq 0 ]; then
        fail "$capture: no packets"
        return
    fi
    # Every packet: evm present, each frame's crc_ok true and status 0 (ok).
    local bad
    bad=$(awk -F'\t' '
        function good(list, want,   n, i, v, parts) {
            if (list == "") return 0
            n = split(list, parts, ",")
            for (i = 1; i <= n; i++) { v = tolower(parts[i]); if (!(v in want)) return 0 }
            return 1
        }
        BEGIN { t["1"]; t["true"]; z["0"] }
        {
            if ($2 == "") { print "packet " $1 ": not decoded as evm"; next }
            if (!good($3, t)) { print "packet " $1 ": crc_ok is \"" $3 "\", not true"; next }
            if (!good($4, z)) { print "packet " $1 ": status " $4 " (1 corrupt, 2 wrong_version, 3 overfull, 4 malformed_payload, 5 unknown_kind_or_code)" }
        }' "$fields")
    if [ -n "$bad" ]; then
        fail "$capture: $(echo "$bad" | head -5 | paste -sd ';' -) ($(echo "$bad" | wc -l) packet(s))"
    fi
    local required="0x02:INPUT 0x82:INPUT_REPLY 0x84:RESULT_REPLY"
    [ "$without_hello" = 1 ] || required="0x01:HELLO 0x81:HELLO_REPLY $required"
    local entry code name count
    for entry in $required; do
        code=${entry%%:*}
        name=${entry#*:}
        count=$(cut -f2 "$fields" | tr ',' '\n' | grep -cx "$code")
        if [ "$count" -eq 0 ]; then
            fail "$capture: no $name frame"
        fi
    done
    echo "$capture: $packets packet(s) checked; kinds: $(cut -f2 "$fields" | tr ',' '\n' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')"
}

check_crafted() {
    echo "== crafted capture"
    if ! command -v python3 >/dev/null 2>&1; then
        fail "--crafted needs python3"
        return
    fi
    local pcap=${crafted_out:-$work/crafted.pcap}
    local expected="$work/crafted.expected"
    if ! python3 - "$pcap" "$vectors" >"$expected" <<'PYTHON'
import struct, sys, zlib, os

out_path, vectors_path = sys.argv[1], sys.argv[2]

def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF

def frame(kind, request_id, payload, version=1, length=None, crc=None):
    body = struct.pack("<BBHH", version, kind, request_id, len(payload) if length is None else length) + payload
    return body + struct.pack("<I", crc32(body) if crc is None else crc)

def cobs(data, trailing_01=False):
    out, i, n = bytearray(), 0, len(data)
    ended_on_255 = False
    while True:
        j = i
        while j < n and data[j] != 0 and j - i < 254:
            j += 1
        if j - i == 254:
            out.append(255); out += data[i:j]; i = j
            if i == n:
                ended_on_255 = True
                if trailing_01:
                    out.append(1)
                break
            continue
        out.append(j - i + 1); out += data[i:j]
        if j >= n:
            break
        i = j + 1
    return bytes(out), ended_on_255

packets = []  # (direction, wire, expected status, expected crc_ok, description)
def add(direction, wire, status, crc_ok, what):
    packets.append((direction, wire, status, crc_ok, what))

# Every golden vector must decode with status ok (0).
if os.path.exists(vectors_path):
    name = direction = None
    for line in open(vectors_path):
        if line.startswith("name: "):
            name = line[6:].strip()
        elif line.startswith("direction: "):
            direction = 0 if "host -> board" in line else 1
        elif line.startswith("wire: "):
            add(direction, bytes.fromhex(line[6:]), "0", "1", "vector: " + name)
else:
    # Without the vectors file, a few of them inline.
    add(0, bytes.fromhex("04 01 01 01 02 01 06 01 7e 74 e2 bb 00"), "0", "1", "HELLO")
    add(1, bytes.fromhex("04 01 81 01 02 1a 06 01 02 04 d0 07 01 18 05 01 03 45 56 4d 2d 53 49 4d"
                         " 2d 30 30 30 31 20 20 20 20 31 78 79 a0 00"), "0", "1", "HELLO_REPLY")

hello = frame(0x01, 5, b"\x01")
# A bad CRC: the HELLO with its CRC's last byte flipped.
bad_crc = hello[:-1] + bytes([hello[-1] ^ 0x5A])
add(0, cobs(bad_crc)[0] + b"\0", "1", "0", "bad CRC")
# A wrong version with a good CRC.
add(0, cobs(frame(0x01, 6, b"\x01", version=2))[0] + b"\0", "2", "1", "wrong version 2")
# Broken stuffing: a code pointing past the end.
add(0, bytes.fromhex("05010200"), "1", "", "broken COBS stuffing")
# Too short to be a frame.
add(1, cobs(bytes.fromhex("0190020000"))[0] + b"\0", "1", "", "frame of 5 bytes")
# length field says 2, one payload byte; CRC good.
add(0, cobs(frame(0x01, 7, b"\x01", length=2))[0] + b"\0", "1", "1", "length mismatch")
# HELLO with a 2-byte payload: good frame, malformed payload.
add(0, cobs(frame(0x01, 8, b"\x01\x01"))[0] + b"\0", "4", "1", "HELLO with 2-byte payload")
# An INPUT_REPLY whose refusal argument marked '-' is not zero.
add(1, cobs(frame(0x82, 9, bytes([16, 1, 0, 0, 0, 0, 0, 7, 1, 0, 0, 0, 0])))[0] + b"\0", "4", "1",
    "two_buttons_at_once refusal with an argument")
# An unknown kind with a good CRC.
add(1, cobs(frame(0x85, 10, b""))[0] + b"\0", "5", "1", "unknown kind 0x85")
# An INPUT with an input code this version does not define (0x13).
add(0, cobs(frame(0x02, 13, struct.pack("<Q", 25213000) + b"\x13"))[0] + b"\0", "5", "1", "unknown input code")
# An empty block (a lone 0x00): no frame.
add(1, b"\0", "", "", "empty block")
# NACKs: result_refused (result_before_close) and corrupt_frame, both good.
add(1, cobs(frame(0xFF, 11, bytes([5, 21, 0, 0, 0, 0])))[0] + b"\0", "0", "1", "NACK result_refused result_before_close")
add(1, cobs(frame(0xFF, 0, bytes([7])))[0] + b"\0", "0", "1", "NACK corrupt_frame")
add(1, cobs(frame(0xFF, 12, bytes([8])))[0] + b"\0", "0", "1", "NACK memory_fault")
# A RESULT_REPLY of 257 entries (1,044 bytes) whose last zero is 255 bytes
# before the end: its stuffing ends right after a 255-block; sent with and
# without the optional trailing 01 block.
for x in range(1, 256):
    counts = [0x01010101] * 257
    counts[194] = 0x01010000 | x  # bytes x, 00, 01, 01: the zero at frame offset 789
    payload = struct.pack("<IH", 0x01010101, 257) + b"".join(struct.pack("<I", c) for c in counts)
    big = frame(0x84, 0x0101, payload)
    stuffed, ended = cobs(big)
    if ended and 0 not in big[-4:] and big.count(0) == 1:
        break
else:
    sys.exit("could not craft the 255-block frame")
assert cobs(big, True)[0] == stuffed + b"\x01"
add(1, stuffed + b"\0", "0", "1", "RESULT_REPLY ending on a 255-block, no trailing 01")
add(1, cobs(big, True)[0] + b"\0", "0", "1", "RESULT_REPLY ending on a 255-block, trailing 01")

with open(out_path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 147))
    for number, (direction, wire, *_rest) in enumerate(packets):
        record = bytes([direction]) + wire
        f.write(struct.pack("<IIII", 0, number * 1000, len(record), len(record)) + record)
for number, (_d, _w, status, crc_ok, what) in enumerate(packets, 1):
    print(f"{number}\t{status}\t{crc_ok}\t{what}")
PYTHON
    then
        fail "could not write the crafted capture"
        return
    fi
    local verbose="$work/crafted-verbose.txt" fields="$work/crafted-fields.txt"
    run_tshark "$pcap" "$verbose" -V
    run_tshark "$pcap" "$fields" -T fields -E separator=/t -e frame.number -e evm.status -e evm.crc_ok
    check_no_lua_errors "crafted capture" "$verbose"
    local bad
    bad=$(awk -F'\t' '
        NR == FNR { status[$1] = $2; crc[$1] = $3; what[$1] = $4; n++; next }
        {
            seen[$1] = 1
            got_crc = tolower($3); if (got_crc == "true") got_crc = "1"; if (got_crc == "false") got_crc = "0"
            if ($2 != status[$1] || got_crc != crc[$1])
                printf "packet %s (%s): status \"%s\" crc_ok \"%s\", expected status %s crc_ok \"%s\"\n",
                    $1, what[$1], $2, $3, status[$1], crc[$1]
        }
        END { for (i = 1; i <= n; i++) if (!(i in seen)) print "packet " i " missing" }' "$expected" "$fields")
    if [ -n "$bad" ]; then
        fail "crafted capture: $(echo "$bad" | head -8 | paste -sd ';' -)"
    fi
    # The flagged frames carry their expert infos.
    local text
    for text in 'Bad CRC-32' 'Wrong protocol version 2' 'Broken COBS stuffing' 'shorter than 10' \
        'length field says 2' 'malformed payload' 'Unknown kind 0x85' 'unknown input code 0x13' \
        'Empty block (two 0x00 in a row)' 'Trailing empty block 01'; do
        grep -q "$text" "$verbose" || fail "crafted capture: no \"$text\" in the decoded output"
    done
    echo "crafted capture: $(wc -l <"$expected") packet(s) checked${crafted_out:+, written to $crafted_out}"
}

[ "$crafted" = 1 ] && check_crafted
for capture in "${captures[@]}"; do
    check_capture "$capture"
done

echo "tshark: $(tshark --version 2>/dev/null | head -1)"
if [ "$failures" -gt 0 ]; then
    echo "check.sh: $failures check(s) failed"
    exit 1
fi
echo "check.sh: all checks passed"

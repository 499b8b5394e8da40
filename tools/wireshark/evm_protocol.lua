-- Wireshark dissector for the EVM serial protocol, version 1 (docs/PROTOCOL.md),
-- as recorded by `evm-conformance run --capture FILE`: classic pcap, link type
-- 147 (DLT_USER0); each packet is one direction byte (0 host -> board,
-- 1 board -> host) followed by the frame's COBS-stuffed wire bytes and the
-- 0x00 delimiter (conformance/src/target/capture.rs).
--
-- Use:   tshark -X lua_script:tools/wireshark/evm_protocol.lua -r FILE.pcap -V
-- or copy this file to ~/.local/lib/wireshark/plugins/ (see README.md).
--
-- Works with the Lua 5.2 of Wireshark 3.x/4.0 (bit32) and with Lua 5.3/5.4
-- (native bit operators). Every error in a frame is reported as expert info;
-- the per-frame decoding runs under pcall so that a bug here shows as the
-- expert info `evm.expert.internal`, never as a Lua error.

local evm = Proto("evm", "EVM serial protocol")

----------------------------------------------------------------------------
-- Bit operations: bit32 (Lua 5.2), else native operators (Lua 5.3+), else
-- LuaBitOp's `bit` (signed results, normalised).
----------------------------------------------------------------------------
local band, bxor, rshift
if bit32 then
    band, bxor, rshift = bit32.band, bit32.bxor, bit32.rshift
else
    local chunk = load and load([[
        return function(a, b) return a & b end,
               function(a, b) return a ~ b end,
               function(a, n) return a >> n end
    ]])
    if chunk then
        band, bxor, rshift = chunk()
    elseif bit then
        band = function(a, b) return bit.band(a, b) % 4294967296 end
        bxor = function(a, b) return bit.bxor(a, b) % 4294967296 end
        rshift = function(a, n) return bit.rshift(a, n) % 4294967296 end
    else
        error("evm_protocol.lua: no bit operations in this Lua")
    end
end

local function bitset(value, bit_index)
    return math.floor(value / 2 ^ bit_index) % 2 == 1
end

-- CRC-32/ISO-HDLC (zlib): reflected 0xEDB88320, init and final XOR 0xFFFFFFFF.
local CRC_TABLE = {}
for n = 0, 255 do
    local c = n
    for _ = 1, 8 do
        if c % 2 == 1 then
            c = bxor(rshift(c, 1), 0xEDB88320)
        else
            c = rshift(c, 1)
        end
    end
    CRC_TABLE[n] = c
end

-- CRC-32 of bytes[first .. last] (a Lua array of byte values, 1-based).
local function crc32(bytes, first, last)
    local crc = 0xFFFFFFFF
    for i = first, last do
        crc = bxor(CRC_TABLE[band(bxor(crc, bytes[i]), 0xFF)], rshift(crc, 8))
    end
    return bxor(crc, 0xFFFFFFFF)
end

----------------------------------------------------------------------------
-- Protocol constants (docs/PROTOCOL.md)
----------------------------------------------------------------------------
local PROTOCOL_VERSION = 1
local MAX_PAYLOAD = 2048
local MAX_FRAME = 6 + MAX_PAYLOAD + 4                          -- 2,058
local MAX_STUFFED = MAX_FRAME + math.floor(MAX_FRAME / 254) + 1 -- 2,067
local MAX_DISPLAY = 48
local MAX_ENTRIES = 384

local DIRECTIONS = { [0] = "host → board", [1] = "board → host" }
local DIRECTION_SHORT = { [0] = "host→board", [1] = "board→host" }

local KINDS = {
    [0x01] = "HELLO", [0x02] = "INPUT", [0x03] = "READ_STATE", [0x04] = "READ_RESULT",
    [0x10] = "TEST_START_MACHINE",
    [0x81] = "HELLO_REPLY", [0x82] = "INPUT_REPLY", [0x83] = "STATE_REPLY", [0x84] = "RESULT_REPLY",
    [0x90] = "OK", [0xE0] = "EVENT", [0xFF] = "NACK",
}

-- Input codes (3.2), named as the trace format's events (docs/TRACE_FORMAT.md 3).
local INPUTS = {
    [0x01] = "cand_set", [0x02] = "seal_candidate_set_section", [0x03] = "ballot",
    [0x04] = "total", [0x05] = "close", [0x06] = "result", [0x07] = "clear",
    [0x08] = "fix_result_seal", [0x09] = "break_result_seal",
    [0x0A] = "attach_balloting_unit", [0x0B] = "detach_balloting_unit",
    [0x0C] = "press", [0x0D] = "press_two", [0x0E] = "power_off", [0x0F] = "power_on",
    [0x10] = "battery_level", [0x11] = "open_case", [0x12] = "first_level_check",
}
-- Argument bytes after the input code.
local INPUT_ARGS = { [0x01] = 2, [0x0A] = 1, [0x0B] = 1, [0x0C] = 2, [0x0D] = 4, [0x0F] = 3, [0x10] = 1 }

local REFUSALS = {
    [0] = "accepted", "powered_off", "fail_safe", "candidate_set_sealed", "too_many_candidates",
    "no_candidates", "candidates_exceed_attached_units", "candidates_not_set",
    "candidate_set_not_sealed", "balloting_unit_set_mismatch", "position_taken",
    "position_out_of_range", "balloting_unit_not_attached", "ballot_already_enabled",
    "ballot_not_enabled", "masked_button", "two_buttons_at_once", "button_held_at_power_on",
    "closed", "already_closed", "result_seal_intact", "result_before_close",
    "clear_before_result", "seal_already_fixed", "no_intact_seal", "memory_full",
    "rate_limited", "battery_exhausted", "already_on", "votes_in_memory",
    "memory_inconsistent",
}
-- The names of a refusal's two u16 arguments (3.9); absent = must be zero.
local REFUSAL_ARGS = {
    [4] = { "candidates", "maximum" },
    [6] = { "candidates", "units needed" },
    [10] = { "position" }, [11] = { "position" }, [12] = { "position" },
    [15] = { "position", "button" },
    [25] = { "capacity (low 16 bits)", "capacity (high 16 bits)" },
    [26] = { "votes per minute" },
}

local EVENTS = { [1] = "vote_recorded", [2] = "long_beep", [3] = "display_changed", [4] = "refused" }

local NACKS = {
    [1] = "malformed", [2] = "unknown_kind", [3] = "unsupported_version", [4] = "not_in_test_mode",
    [5] = "result_refused", [6] = "no_machine", [7] = "corrupt_frame", [8] = "memory_fault",
}

local DEFECTS = {
    [0] = "double_vote_on_two_buttons", "vote_without_ballot", "ballot_stays_enabled",
    "result_while_sealed", "result_before_close", "total_shows_breakdown", "vote_after_close",
    "close_keeps_ballot_enabled", "enable_survives_power_cycle", "power_loss_erases_votes",
    "result_erases_votes", "clear_leaves_vote", "candidate_set_changes_after_seal",
    "total_misses_last_button", "event_names_candidate", "drops_vote_now_and_then",
}

local PROFILE_NAMES = { [2] = "M2", [3] = "M3" }
local SEAL_STATES = { [0] = "not fixed", [1] = "intact", [2] = "broken", [3] = "(invalid)" }

local STATUS_OK, STATUS_CORRUPT, STATUS_WRONG_VERSION, STATUS_OVERFULL, STATUS_MALFORMED, STATUS_UNKNOWN =
    0, 1, 2, 3, 4, 5
local STATUSES = {
    [0] = "ok", "corrupt", "wrong_version", "overfull", "malformed_payload", "unknown_kind_or_code",
}

----------------------------------------------------------------------------
-- Fields
----------------------------------------------------------------------------
local F = {
    direction = ProtoField.uint8("evm.direction", "Direction", base.DEC, DIRECTIONS),
    wire_length = ProtoField.uint32("evm.wire_length", "Stuffed length", base.DEC, nil, nil,
        "COBS-stuffed bytes of the frame, delimiter excluded"),
    status = ProtoField.uint8("evm.status", "Status", base.DEC, STATUSES),
    version = ProtoField.uint8("evm.version", "Version", base.DEC),
    kind = ProtoField.uint8("evm.kind", "Kind", base.HEX, KINDS),
    request_id = ProtoField.uint16("evm.request_id", "Request id", base.DEC),
    length = ProtoField.uint16("evm.length", "Payload length", base.DEC),
    payload = ProtoField.bytes("evm.payload", "Payload"),
    crc = ProtoField.uint32("evm.crc", "CRC-32", base.HEX),
    crc_computed = ProtoField.uint32("evm.crc_computed", "CRC-32 computed", base.HEX),
    crc_ok = ProtoField.bool("evm.crc_ok", "CRC OK"),
    request_in = ProtoField.framenum("evm.request_in", "Request in", base.NONE,
        frametype and frametype.REQUEST),
    response_in = ProtoField.framenum("evm.response_in", "Reply in", base.NONE,
        frametype and frametype.RESPONSE),
    retransmission = ProtoField.framenum("evm.retransmission_of", "Retransmission of", base.NONE,
        frametype and frametype.RETRANS_PREV),

    -- HELLO / HELLO_REPLY
    highest_version = ProtoField.uint8("evm.hello.highest_version", "Highest version", base.DEC),
    reply_version = ProtoField.uint8("evm.hello_reply.version", "Version spoken", base.DEC),
    capabilities = ProtoField.uint8("evm.capabilities", "Capabilities", base.HEX),
    cap_test_mode = ProtoField.bool("evm.capabilities.test_mode", "Test mode", 8, nil, 0x01),
    cap_defects = ProtoField.bool("evm.capabilities.seeded_defects", "Seeded defects", 8, nil, 0x02),
    serial_number = ProtoField.string("evm.serial_number", "Serial number"),

    -- Profile (3.5)
    profile_name = ProtoField.uint8("evm.profile.name", "Name", base.DEC, PROFILE_NAMES),
    profile_units = ProtoField.uint8("evm.profile.balloting_units_max", "Balloting units max", base.DEC),
    profile_capacity = ProtoField.uint32("evm.profile.vote_capacity", "Vote capacity", base.DEC),
    profile_rate = ProtoField.uint8("evm.profile.rate_limit_votes_per_minute",
        "Rate limit (votes per minute, 0 none)", base.DEC, nil, 0x1F),
    profile_rate_rule = ProtoField.uint8("evm.profile.rate_rule", "Rate rule", base.DEC,
        { [0] = "sliding window", [1] = "minimum interval" }, 0x80),
    profile_nota = ProtoField.uint8("evm.profile.none_of_the_above", "None of the above", base.DEC),
    defects = ProtoField.uint32("evm.defects", "Defects", base.HEX),

    -- INPUT
    at_ms = ProtoField.uint64("evm.at_ms", "At (ms since midnight)", base.DEC),
    at = ProtoField.string("evm.at", "At"),
    input = ProtoField.uint8("evm.input", "Input", base.HEX, INPUTS),
    candidates = ProtoField.uint16("evm.candidates", "Candidates", base.DEC),
    position = ProtoField.uint8("evm.position", "Position", base.DEC),
    balloting_unit = ProtoField.uint8("evm.balloting_unit", "Balloting unit", base.DEC),
    button = ProtoField.uint8("evm.button", "Button", base.DEC),
    held = ProtoField.uint8("evm.held", "Button held at power-on", base.DEC),
    percent = ProtoField.uint8("evm.battery_percent", "Battery percent", base.DEC),
    input_args = ProtoField.bytes("evm.input_args", "Arguments"),

    -- Refusal (3.9)
    refusal = ProtoField.uint8("evm.refusal", "Refusal", base.DEC, REFUSALS),
    refusal_arg1 = ProtoField.uint16("evm.refusal.arg1", "Argument 1", base.DEC),
    refusal_arg2 = ProtoField.uint16("evm.refusal.arg2", "Argument 2", base.DEC),
    refusal_capacity = ProtoField.uint32("evm.refusal.capacity", "Capacity", base.DEC),

    -- INPUT_REPLY / STATE_REPLY
    votes_recorded = ProtoField.uint8("evm.votes_recorded", "Votes recorded", base.DEC),
    candidate_disclosed = ProtoField.uint8("evm.candidate_disclosed", "Candidate disclosed", base.DEC),
    lamps = ProtoField.uint8("evm.lamps", "Lamps", base.HEX),
    lamp_on = ProtoField.bool("evm.lamps.on", "On", 8, nil, 0x01),
    lamp_busy = ProtoField.bool("evm.lamps.busy", "Busy", 8, nil, 0x02),
    lamp_ready = ProtoField.bool("evm.lamps.ready", "Ready", 8, nil, 0x04),
    flags = ProtoField.uint8("evm.flags", "Flags", base.HEX),
    flag_powered = ProtoField.bool("evm.flags.powered", "Powered", 8, nil, 0x01),
    flag_closed = ProtoField.bool("evm.flags.closed", "Closed", 8, nil, 0x02),
    flag_ballot = ProtoField.bool("evm.flags.ballot_enabled", "Ballot enabled", 8, nil, 0x04),
    flag_fail_safe = ProtoField.bool("evm.flags.fail_safe", "Fail-safe", 8, nil, 0x08),
    flag_seal = ProtoField.uint8("evm.flags.seal", "Paper seal", base.DEC, SEAL_STATES, 0x30),
    flag_memory_inconsistent = ProtoField.bool("evm.flags.memory_inconsistent", "Memory inconsistent", 8, nil, 0x40),
    total = ProtoField.uint32("evm.total", "Total", base.DEC),
    display_length = ProtoField.uint8("evm.display_length", "Display length", base.DEC),
    display = ProtoField.string("evm.display", "Display"),

    -- RESULT_REPLY
    entries = ProtoField.uint16("evm.entries", "Entries", base.DEC),
    count = ProtoField.uint32("evm.count", "Count", base.DEC),

    -- EVENT / NACK
    event = ProtoField.uint8("evm.event", "Event", base.DEC, EVENTS),
    nack = ProtoField.uint8("evm.nack", "NACK reason", base.DEC, NACKS),
}

local defect_fields = {}
for i = 0, 15 do
    defect_fields[i] = ProtoField.bool("evm.defects." .. DEFECTS[i], DEFECTS[i], 32, nil, 2 ^ i)
end

local field_list = {}
for _, field in pairs(F) do field_list[#field_list + 1] = field end
for i = 0, 15 do field_list[#field_list + 1] = defect_fields[i] end
evm.fields = field_list

local E = {
    cobs = ProtoExpert.new("evm.expert.cobs", "Broken COBS stuffing (corrupt frame)",
        expert.group.MALFORMED, expert.severity.ERROR),
    short = ProtoExpert.new("evm.expert.short", "Frame shorter than 10 bytes (corrupt frame)",
        expert.group.MALFORMED, expert.severity.ERROR),
    length = ProtoExpert.new("evm.expert.length", "length field disagrees with the frame (corrupt frame)",
        expert.group.MALFORMED, expert.severity.ERROR),
    bad_crc = ProtoExpert.new("evm.expert.bad_crc", "Bad CRC-32 (corrupt frame)",
        expert.group.CHECKSUM, expert.severity.ERROR),
    wrong_version = ProtoExpert.new("evm.expert.wrong_version", "Wrong protocol version",
        expert.group.PROTOCOL, expert.severity.ERROR),
    overfull = ProtoExpert.new("evm.expert.overfull", "Overfull block: more than 2,067 bytes before a 0x00",
        expert.group.MALFORMED, expert.severity.ERROR),
    payload = ProtoExpert.new("evm.expert.payload", "Payload does not fit its kind's layout (malformed)",
        expert.group.MALFORMED, expert.severity.ERROR),
    unknown = ProtoExpert.new("evm.expert.unknown", "Unknown kind or code",
        expert.group.UNDECODED, expert.severity.WARN),
    no_delimiter = ProtoExpert.new("evm.expert.no_delimiter", "Frame not ended by a 0x00 delimiter",
        expert.group.MALFORMED, expert.severity.WARN),
    empty_block = ProtoExpert.new("evm.expert.empty_block", "Empty block (two 0x00 in a row), skipped",
        expert.group.PROTOCOL, expert.severity.NOTE),
    direction = ProtoExpert.new("evm.expert.direction", "Unexpected direction or request id for this kind",
        expert.group.PROTOCOL, expert.severity.WARN),
    disclosed = ProtoExpert.new("evm.expert.disclosed", "The unit disclosed a vote's candidate",
        expert.group.SECURITY, expert.severity.WARN),
    retransmission = ProtoExpert.new("evm.expert.retransmission", "Request resent (same bytes, same id)",
        expert.group.SEQUENCE, expert.severity.NOTE),
    internal = ProtoExpert.new("evm.expert.internal", "EVM dissector internal error",
        expert.group.UNDECODED, expert.severity.ERROR),
}
evm.experts = { E.cobs, E.short, E.length, E.bad_crc, E.wrong_version, E.overfull, E.payload, E.unknown,
    E.no_delimiter, E.empty_block, E.direction, E.disclosed, E.retransmission, E.internal }

----------------------------------------------------------------------------
-- Helpers
----------------------------------------------------------------------------

-- COBS-decodes raw[first .. last] (1-based byte values, no 0x00 inside).
-- Returns the decoded byte array, whether the data ended with the optional
-- empty `01` block after a 255-block, or nil and an error message.
local function cobs_decode(raw, first, last)
    local out, n = {}, 0
    local i = first
    local trailing_01 = false
    local previous_code = nil
    while i <= last do
        local code = raw[i]
        if code == 0 then
            return nil, string.format("zero byte at stuffed offset %d", i - first)
        end
        local block_end = i + code -- exclusive
        if block_end > last + 1 then
            return nil, string.format("code 0x%02x at stuffed offset %d points %d byte(s) past the end",
                code, i - first, block_end - (last + 1))
        end
        for j = i + 1, block_end - 1 do
            n = n + 1
            out[n] = raw[j]
        end
        if code == 1 and block_end == last + 1 and previous_code == 0xFF then
            trailing_01 = true
        end
        previous_code = code
        i = block_end
        if code ~= 0xFF and i <= last then
            n = n + 1
            out[n] = 0
        end
    end
    return out, trailing_01
end

local function le16(bytes, offset) -- offset 0-based into a 1-based array
    return bytes[offset + 1] + 256 * bytes[offset + 2]
end

local function le32(bytes, offset)
    return bytes[offset + 1] + 256 * bytes[offset + 2] + 65536 * bytes[offset + 3] + 16777216 * bytes[offset + 4]
end

local function clock_text(ms)
    if ms >= 2 ^ 53 then return "(beyond a double)" end
    local hours = math.floor(ms / 3600000)
    local minutes = math.floor(ms / 60000) % 60
    local seconds = math.floor(ms / 1000) % 60
    return string.format("%02d:%02d:%02d.%03d", hours, minutes, seconds, ms % 1000)
end

local function lamp_text(lamps)
    local on = {}
    if bitset(lamps, 0) then on[#on + 1] = "On" end
    if bitset(lamps, 1) then on[#on + 1] = "Busy" end
    if bitset(lamps, 2) then on[#on + 1] = "Ready" end
    if #on == 0 then return "none" end
    return table.concat(on, "+")
end

local function ascii_ok(bytes, offset, length)
    for i = offset + 1, offset + length do
        if bytes[i] < 0x20 or bytes[i] > 0x7E then return false end
    end
    return true
end

----------------------------------------------------------------------------
-- Payload decoders. Each gets a context `c` with:
--   c.t      the unstuffed frame as a Tvb; c.b its bytes (1-based array)
--   c.tree   the payload subtree; c.off the payload's offset (6); c.len N
--   c.bad(msg, range)     marks the payload malformed (expert info)
--   c.unknown(msg, range) marks an unknown code
-- and returns a short summary for the Info column.
----------------------------------------------------------------------------

local function want_length(c, expected, what)
    if c.len ~= expected then
        c.bad(string.format("%s payload is %d byte(s), expected %d", what, c.len, expected))
        return false
    end
    return true
end

-- A refusal (3.9) of 5 bytes at payload offset `at`; returns its summary.
local function dissect_refusal(c, tree, at)
    local o = c.off + at
    local code = c.b[o + 1]
    local name = REFUSALS[code]
    local sub = tree:add(c.t(o, 5), string.format("Refusal (5 bytes): %s", name or "unknown"))
    local a1, a2 = le16(c.b, o + 1), le16(c.b, o + 3)
    local args = REFUSAL_ARGS[code]
    sub:add(F.refusal, c.t(o, 1), code)
    local i1 = sub:add_le(F.refusal_arg1, c.t(o + 1, 2))
    local i2 = sub:add_le(F.refusal_arg2, c.t(o + 3, 2))
    if args and args[1] then i1:append_text(" (" .. args[1] .. ")") end
    if args and args[2] then i2:append_text(" (" .. args[2] .. ")") end
    if not name then
        c.unknown(string.format("unknown refusal code %d", code), sub)
        return string.format("refusal %d", code)
    end
    if (not (args and args[1]) and a1 ~= 0) or (not (args and args[2]) and a2 ~= 0) then
        c.bad("refusal argument marked '—' is not zero", sub)
    end
    if code == 25 then
        local capacity = a1 + 65536 * a2
        sub:add(F.refusal_capacity, c.t(o + 1, 4), capacity):set_generated()
        return string.format("%s(capacity=%d)", name, capacity)
    end
    if code == 0 then return "accepted" end
    if args and args[2] then return string.format("%s(%d,%d)", name, a1, a2) end
    if args and args[1] then return string.format("%s(%d)", name, a1) end
    return name
end

local function dissect_profile(c, tree, at)
    local o = c.off + at
    local b = c.b
    local name, units, capacity, rate_byte, nota = b[o + 1], b[o + 2], le32(b, o + 2), b[o + 7], b[o + 8]
    -- Byte 6: bits 0-4 votes a minute (0: no limit), bit 7 the minimum-interval rule.
    local rate = rate_byte % 32
    local minimum_interval = rate_byte >= 128
    local rule = minimum_interval and " (minimum interval)" or " (sliding window)"
    local sub = tree:add(c.t(o, 8), string.format("Profile: %s, %d balloting units, capacity %d, rate limit %s, NOTA %s",
        PROFILE_NAMES[name] or ("?" .. name), units, capacity,
        rate == 0 and "none" or (tostring(rate) .. "/min" .. rule), nota == 1 and "yes" or (nota == 0 and "no" or "?")))
    sub:add(F.profile_name, c.t(o, 1))
    sub:add(F.profile_units, c.t(o + 1, 1))
    sub:add_le(F.profile_capacity, c.t(o + 2, 4))
    sub:add(F.profile_rate, c.t(o + 6, 1))
    sub:add(F.profile_rate_rule, c.t(o + 6, 1))
    sub:add(F.profile_nota, c.t(o + 7, 1))
    if not PROFILE_NAMES[name] then c.bad("profile name is neither 2 (M2) nor 3 (M3)", sub) end
    if units < 1 or units > 24 then c.bad("balloting_units_max outside 1–24", sub) end
    if capacity < 1 or capacity > 3840 then c.bad("vote_capacity outside 1–3,840", sub) end
    if rate > 16 then c.bad("rate limit above 16 votes per minute", sub) end
    if math.floor(rate_byte / 32) % 4 ~= 0 then c.bad("rate byte bits 5-6 are not zero", sub) end
    if minimum_interval and rate == 0 then c.bad("the minimum-interval rule with no limit", sub) end
    if nota > 1 then c.bad("none_of_the_above is neither 0 nor 1", sub) end
    return PROFILE_NAMES[name] or ("profile " .. name)
end

local function dissect_display(c, tree, at)
    local o = c.off + at
    local length = c.b[o + 1]
    tree:add(F.display_length, c.t(o, 1))
    if length > MAX_DISPLAY then c.bad(string.format("display length %d above 48", length)) end
    if c.len ~= at + 1 + length then
        c.bad(string.format("payload is %d bytes, its display length says %d", c.len, at + 1 + length))
        return ""
    end
    local text = ""
    if length > 0 then
        text = c.t(o + 1, length):string()
        local item = tree:add(F.display, c.t(o + 1, length))
        if not ascii_ok(c.b, o + 1, length) then c.bad("display text is not printable ASCII", item) end
    else
        tree:add(F.display, c.t(o, 1), ""):set_generated()
    end
    return text
end

local function add_lamps(c, tree, o)
    local lamps = c.b[o + 1]
    local item = tree:add(F.lamps, c.t(o, 1))
    item:append_text(" (" .. lamp_text(lamps) .. ")")
    item:add(F.lamp_on, c.t(o, 1))
    item:add(F.lamp_busy, c.t(o, 1))
    item:add(F.lamp_ready, c.t(o, 1))
    if lamps > 7 then c.bad("lamp bits 3–7 are not zero", item) end
    return lamps
end

local P = {}

P[0x01] = function(c) -- HELLO
    if not want_length(c, 1, "HELLO") then return "" end
    c.tree:add(F.highest_version, c.t(c.off, 1))
    return "highest_version=" .. c.b[c.off + 1]
end

P[0x02] = function(c) -- INPUT
    if c.len < 9 then
        c.bad(string.format("INPUT payload is %d byte(s), at least 9 expected", c.len))
        return ""
    end
    local o, b, t, tree = c.off, c.b, c.t, c.tree
    local ms_item = tree:add_le(F.at_ms, t(o, 8))
    local ms = t(o, 8):le_uint64():tonumber()
    local clock = clock_text(ms)
    tree:add(F.at, t(o, 8), clock):set_generated()
    ms_item:append_text(" (" .. clock .. ")")
    local code = b[o + 9]
    local name = INPUTS[code]
    tree:add(F.input, t(o + 8, 1))
    local args = c.len - 9
    if not name then
        if args > 0 then tree:add(F.input_args, t(o + 9, args)) end
        c.unknown(string.format("unknown input code 0x%02x", code))
        return string.format("input 0x%02x at %s", code, clock)
    end
    if args ~= (INPUT_ARGS[code] or 0) then
        c.bad(string.format("input %s takes %d argument byte(s), payload has %d", name,
            INPUT_ARGS[code] or 0, args))
        if args > 0 then tree:add(F.input_args, t(o + 9, args)) end
        return name .. " at " .. clock
    end
    local a = o + 9 -- arguments' offset
    local text = name
    -- A balloting unit or position is 1 to 24, a button 1 to 16 (3.2, 3.5).
    local function check_unit(offset, what)
        local v = b[offset + 1]
        if v < 1 or v > 24 then c.bad(string.format("%s %d is not 1 to 24", what, v)) end
    end
    local function check_button(offset)
        local v = b[offset + 1]
        if v < 1 or v > 16 then c.bad(string.format("button %d is not 1 to 16", v)) end
    end
    if code == 0x01 then
        tree:add_le(F.candidates, t(a, 2))
        text = string.format("cand_set candidates=%d", le16(b, a))
    elseif code == 0x0A or code == 0x0B then
        tree:add(F.position, t(a, 1))
        check_unit(a, "position")
        text = string.format("%s position=%d", name, b[a + 1])
    elseif code == 0x0C then
        tree:add(F.balloting_unit, t(a, 1))
        tree:add(F.button, t(a + 1, 1))
        check_unit(a, "balloting unit")
        check_button(a + 1)
        text = string.format("press BU%d button %d", b[a + 1], b[a + 2])
    elseif code == 0x0D then
        tree:add(F.balloting_unit, t(a, 1))
        tree:add(F.button, t(a + 1, 1))
        tree:add(F.balloting_unit, t(a + 2, 1))
        tree:add(F.button, t(a + 3, 1))
        check_unit(a, "balloting unit")
        check_button(a + 1)
        check_unit(a + 2, "balloting unit")
        check_button(a + 3)
        text = string.format("press_two BU%d button %d + BU%d button %d", b[a + 1], b[a + 2], b[a + 3], b[a + 4])
    elseif code == 0x0F then
        local held_item = tree:add(F.held, t(a, 1))
        tree:add(F.balloting_unit, t(a + 1, 1))
        tree:add(F.button, t(a + 2, 1))
        if b[a + 1] == 1 then
            check_unit(a + 1, "balloting unit")
            check_button(a + 2)
            text = string.format("power_on holding BU%d button %d", b[a + 2], b[a + 3])
        elseif b[a + 1] == 0 then
            if b[a + 2] ~= 0 or b[a + 3] ~= 0 then c.bad("power_on with held = 0 names a button", held_item) end
        else
            c.bad("held is neither 0 nor 1", held_item)
        end
    elseif code == 0x10 then
        local item = tree:add(F.percent, t(a, 1))
        if b[a + 1] > 100 then c.bad("battery level above 100 %", item) end
        text = string.format("battery_level %d%%", b[a + 1])
    end
    return text .. " at " .. clock
end

P[0x03] = function(c)
    want_length(c, 0, "READ_STATE")
    return ""
end

P[0x04] = function(c)
    want_length(c, 0, "READ_RESULT")
    return ""
end

P[0x10] = function(c) -- TEST_START_MACHINE
    if not want_length(c, 12, "TEST_START_MACHINE") then return "" end
    local profile = dissect_profile(c, c.tree, 0)
    local o = c.off + 8
    local bits = le32(c.b, o)
    local item = c.tree:add_le(F.defects, c.t(o, 4))
    local names = {}
    for i = 0, 15 do
        item:add_le(defect_fields[i], c.t(o, 4))
        if bitset(bits, i) then names[#names + 1] = DEFECTS[i] end
    end
    if bits >= 2 ^ 16 then c.bad("defect bits 16–31 are not zero", item) end
    item:append_text(" (" .. (#names > 0 and table.concat(names, ", ") or "none") .. ")")
    return profile .. " defects=" .. (#names > 0 and table.concat(names, ",") or "none")
end

P[0x81] = function(c) -- HELLO_REPLY
    if not want_length(c, 26, "HELLO_REPLY") then return "" end
    local o, t, tree = c.off, c.t, c.tree
    tree:add(F.reply_version, t(o, 1))
    local profile = dissect_profile(c, tree, 1)
    local caps = tree:add(F.capabilities, t(o + 9, 1))
    caps:add(F.cap_test_mode, t(o + 9, 1))
    caps:add(F.cap_defects, t(o + 9, 1))
    if c.b[o + 10] > 3 then c.bad("capability bits 2–7 are not zero", caps) end
    local serial = t(o + 10, 16):string()
    local item = tree:add(F.serial_number, t(o + 10, 16))
    if not ascii_ok(c.b, o + 10, 16) then c.bad("serial number is not printable ASCII", item) end
    return string.format("v%d %s caps=0x%02x serial=%s", c.b[o + 1], profile, c.b[o + 10],
        (serial:gsub("%s+$", "")))
end

P[0x82] = function(c) -- INPUT_REPLY
    if c.len < 13 then
        c.bad(string.format("INPUT_REPLY payload is %d byte(s), at least 13 expected", c.len))
        return ""
    end
    local o, b, t, tree = c.off, c.b, c.t, c.tree
    local refusal = dissect_refusal(c, tree, 0)
    tree:add(F.votes_recorded, t(o + 5, 1))
    local disclosed = tree:add(F.candidate_disclosed, t(o + 6, 1))
    if b[o + 7] == 1 then
        disclosed:add_proto_expert_info(E.disclosed)
    elseif b[o + 7] > 1 then
        c.bad("candidate_disclosed is neither 0 nor 1", disclosed)
    end
    add_lamps(c, tree, o + 7)
    tree:add_le(F.total, t(o + 8, 4))
    local display = dissect_display(c, tree, 12)
    return string.format("%s votes=%d total=%d lamps=%s display=\"%s\"", refusal, b[o + 6], le32(b, o + 8),
        lamp_text(b[o + 8]), display)
end

P[0x83] = function(c) -- STATE_REPLY
    if c.len < 9 then
        c.bad(string.format("STATE_REPLY payload is %d byte(s), at least 9 expected", c.len))
        return ""
    end
    local o, b, t, tree = c.off, c.b, c.t, c.tree
    add_lamps(c, tree, o)
    local flags = b[o + 2]
    local item = tree:add(F.flags, t(o + 1, 1))
    item:add(F.flag_powered, t(o + 1, 1))
    item:add(F.flag_closed, t(o + 1, 1))
    item:add(F.flag_ballot, t(o + 1, 1))
    item:add(F.flag_fail_safe, t(o + 1, 1))
    item:add(F.flag_seal, t(o + 1, 1))
    item:add(F.flag_memory_inconsistent, t(o + 1, 1))
    local seal = math.floor(flags / 16) % 4
    if flags >= 128 then c.bad("state flag bit 7 is not zero", item) end
    if seal == 3 then c.bad("paper seal state 3 is undefined", item) end
    local words = {}
    if bitset(flags, 0) then words[#words + 1] = "powered" end
    if bitset(flags, 1) then words[#words + 1] = "closed" end
    if bitset(flags, 2) then words[#words + 1] = "ballot_enabled" end
    if bitset(flags, 3) then words[#words + 1] = "fail_safe" end
    if bitset(flags, 6) then words[#words + 1] = "memory_inconsistent" end
    words[#words + 1] = "seal " .. SEAL_STATES[seal]
    item:append_text(" (" .. table.concat(words, ", ") .. ")")
    tree:add_le(F.candidates, t(o + 2, 2))
    tree:add_le(F.total, t(o + 4, 4))
    local display = dissect_display(c, tree, 8)
    return string.format("lamps=%s %s candidates=%d total=%d display=\"%s\"", lamp_text(b[o + 1]),
        table.concat(words, ","), le16(b, o + 2), le32(b, o + 4), display)
end

P[0x84] = function(c) -- RESULT_REPLY
    if c.len < 6 then
        c.bad(string.format("RESULT_REPLY payload is %d byte(s), at least 6 expected", c.len))
        return ""
    end
    local o, b, t, tree = c.off, c.b, c.t, c.tree
    tree:add_le(F.total, t(o, 4))
    local entries = le16(b, o + 4)
    local item = tree:add_le(F.entries, t(o + 4, 2))
    if entries > MAX_ENTRIES then c.bad("more than 384 entries", item) end
    if c.len ~= 6 + 4 * entries then
        c.bad(string.format("payload is %d bytes, %d entries need %d", c.len, entries, 6 + 4 * entries), item)
        return string.format("total=%d entries=%d", le32(b, o), entries)
    end
    local counts, sum = {}, 0
    for i = 1, entries do
        local at = o + 6 + 4 * (i - 1)
        local count = le32(b, at)
        sum = sum + count
        counts[i] = tostring(count)
        tree:add_le(F.count, t(at, 4)):set_text(string.format("Entry %d: %d", i, count))
    end
    local list = table.concat(counts, ",")
    if #list > 60 then list = list:sub(1, 57) .. "..." end
    return string.format("total=%d entries=%d counts=[%s]", le32(b, o), entries, list)
end

P[0x90] = function(c)
    want_length(c, 0, "OK")
    return ""
end

P[0xE0] = function(c) -- EVENT
    if c.len < 1 then
        c.bad("EVENT payload is empty")
        return ""
    end
    local code = c.b[c.off + 1]
    c.tree:add(F.event, c.t(c.off, 1))
    if not EVENTS[code] then
        c.unknown(string.format("unknown event code %d", code))
        return "event " .. code
    end
    if code == 4 then
        if not want_length(c, 6, "EVENT refused") then return "refused" end
        return "refused " .. dissect_refusal(c, c.tree, 1)
    end
    want_length(c, 1, "EVENT")
    return EVENTS[code]
end

P[0xFF] = function(c) -- NACK
    if c.len < 1 then
        c.bad("NACK payload is empty")
        return ""
    end
    local code = c.b[c.off + 1]
    c.tree:add(F.nack, c.t(c.off, 1))
    if not NACKS[code] then
        c.unknown(string.format("unknown NACK reason %d", code))
        return "reason " .. code
    end
    if code == 5 then
        if not want_length(c, 6, "NACK result_refused") then return "result_refused" end
        return "result_refused " .. dissect_refusal(c, c.tree, 1)
    end
    want_length(c, 1, "NACK")
    return NACKS[code]
end

----------------------------------------------------------------------------
-- Request/reply tracking (filled on the first pass over the capture)
----------------------------------------------------------------------------
local last_request = {}   -- request id -> { frame, crc, answered }
local request_of = {}     -- reply frame -> request frame
local reply_of = {}       -- request frame -> reply frame
local resent_of = {}      -- request frame -> the earlier frame it repeats

function evm.init()
    last_request, request_of, reply_of, resent_of = {}, {}, {}, {}
end

local function track(pinfo, direction, id, crc)
    if pinfo.visited or id == 0 then return end
    local number = pinfo.number
    if direction == 0 then
        local previous = last_request[id]
        if previous and previous.crc == crc and not previous.answered then
            resent_of[number] = previous.frame
        end
        last_request[id] = { frame = number, crc = crc, answered = false }
    else
        local request = last_request[id]
        if request and not request.answered then
            request.answered = true
            request_of[number] = request.frame
            reply_of[request.frame] = number
            local first = resent_of[request.frame]
            while first do
                reply_of[first] = number
                first = resent_of[first]
            end
        end
    end
end

----------------------------------------------------------------------------
-- One frame: the block at tvb[start .. start+count-1] (no delimiter)
----------------------------------------------------------------------------
local function dissect_frame(tvb, pinfo, tree, raw, first, last, direction, has_delimiter, index, frames)
    local start = first - 1 -- 0-based offset of the block in tvb
    local count = last - first + 1
    local dir_text = DIRECTION_SHORT[direction] or "?→?"
    local block_len = count + (has_delimiter and 1 or 0)
    local ftree = tree
    if frames > 1 then
        ftree = tree:add(tvb(start, block_len), string.format("Frame %d of %d in this packet", index, frames))
    end
    ftree:add(F.wire_length, tvb(start, count), count)

    local function status_item(status)
        ftree:add(F.status, tvb(start, count), status):set_generated()
    end

    if not has_delimiter then
        ftree:add_proto_expert_info(E.no_delimiter)
    end
    if count > MAX_STUFFED then
        ftree:add_proto_expert_info(E.overfull,
            string.format("Overfull block: %d bytes before a 0x00 (at most %d)", count, MAX_STUFFED))
        status_item(STATUS_OVERFULL)
        return dir_text .. " OVERFULL block"
    end

    local bytes, trailing = cobs_decode(raw, first, last)
    if not bytes then
        ftree:add_proto_expert_info(E.cobs, "Broken COBS stuffing: " .. trailing .. " (corrupt frame)")
        status_item(STATUS_CORRUPT)
        return dir_text .. " CORRUPT (broken stuffing)"
    end
    local n = #bytes
    if trailing then
        ftree:add(tvb(last - 1, 1), "Trailing empty block 01 after a 255-block (stands for nothing)")
    end
    if n < 10 then
        ftree:add_proto_expert_info(E.short,
            string.format("Frame of %d byte(s), shorter than 10 (corrupt frame)", n))
        status_item(STATUS_CORRUPT)
        return string.format("%s CORRUPT (frame of %d bytes)", dir_text, n)
    end

    local array = ByteArray.new()
    array:set_size(n)
    for i = 1, n do array:set_index(i - 1, bytes[i]) end
    local t = array:tvb("Unstuffed EVM frame")

    local version, kind, id, length = bytes[1], bytes[2], le16(bytes, 2), le16(bytes, 4)
    local crc_received = le32(bytes, n - 4)
    local crc_computed = crc32(bytes, 1, n - 4)
    local kind_name = KINDS[kind] or string.format("kind 0x%02x", kind)

    ftree:add(F.version, t(0, 1))
    local kind_item = ftree:add(F.kind, t(1, 1))
    ftree:add_le(F.request_id, t(2, 2))
    local length_item = ftree:add_le(F.length, t(4, 2))
    local payload_tree = nil
    if n > 10 then
        payload_tree = ftree:add(F.payload, t(6, n - 10))
        payload_tree:set_text(string.format("Payload (%d byte%s)", n - 10, n == 11 and "" or "s"))
    end
    local crc_item = ftree:add_le(F.crc, t(n - 4, 4))
    ftree:add(F.crc_computed, t(n - 4, 4), crc_computed):set_generated()
    local crc_ok = crc_received == crc_computed
    ftree:add(F.crc_ok, t(n - 4, 4), crc_ok):set_generated()

    local prefix = string.format("%s %s id=%d", dir_text, kind_name, id)
    if length ~= n - 10 then
        length_item:add_proto_expert_info(E.length,
            string.format("length field says %d, the frame carries %d payload byte(s) (corrupt frame)",
                length, n - 10))
        status_item(STATUS_CORRUPT)
        return prefix .. " CORRUPT (length mismatch)"
    end
    if not crc_ok then
        crc_item:append_text(" [incorrect, should be " .. string.format("0x%08x", crc_computed) .. "]")
        crc_item:add_proto_expert_info(E.bad_crc,
            string.format("Bad CRC-32: 0x%08x received, 0x%08x computed (corrupt frame)", crc_received, crc_computed))
        status_item(STATUS_CORRUPT)
        return prefix .. " CORRUPT (bad CRC)"
    end
    crc_item:append_text(" [correct]")
    if version ~= PROTOCOL_VERSION then
        ftree:add_proto_expert_info(E.wrong_version,
            string.format("Wrong protocol version %d (this dissector speaks %d); payload not decoded",
                version, PROTOCOL_VERSION))
        status_item(STATUS_WRONG_VERSION)
        return string.format("%s WRONG VERSION %d", prefix, version)
    end

    track(pinfo, direction, id, crc_received)
    if request_of[pinfo.number] then
        ftree:add(F.request_in, t(2, 2), request_of[pinfo.number]):set_generated()
    end
    if direction == 0 and reply_of[pinfo.number] then
        ftree:add(F.response_in, t(2, 2), reply_of[pinfo.number]):set_generated()
    end
    if resent_of[pinfo.number] then
        local item = ftree:add(F.retransmission, t(2, 2), resent_of[pinfo.number])
        item:set_generated()
        item:add_proto_expert_info(E.retransmission)
    end

    local decoder = P[kind]
    if not decoder then
        kind_item:add_proto_expert_info(E.unknown, string.format("Unknown kind 0x%02x", kind))
        status_item(STATUS_UNKNOWN)
        return prefix
    end
    -- Direction and id rules: host kinds are below 0x80, board kinds above;
    -- hosts never use id 0; EVENT always has id 0.
    local host_kind = kind < 0x80
    if direction == 0 or direction == 1 then
        if host_kind ~= (direction == 0) then
            kind_item:add_proto_expert_info(E.direction,
                string.format("%s sent %s", DIRECTIONS[direction], host_kind and "host → board" or "board → host"))
        end
    end
    if host_kind and id == 0 then
        kind_item:add_proto_expert_info(E.direction, "Host request with the reserved request id 0")
    end
    if kind == 0xE0 and id ~= 0 then
        kind_item:add_proto_expert_info(E.direction, "EVENT with a request id other than 0")
    end

    local malformed, unknown = false, false
    local c = {
        t = t, b = bytes, off = 6, len = n - 10,
        tree = payload_tree or ftree,
    }
    c.bad = function(message, item)
        malformed = true
        local where = item or payload_tree or ftree
        where:add_proto_expert_info(E.payload, message .. " (malformed payload)")
    end
    c.unknown = function(message, item)
        unknown = true
        local where = item or payload_tree or ftree
        where:add_proto_expert_info(E.unknown, message)
    end
    local summary = decoder(c) or ""
    status_item(malformed and STATUS_MALFORMED or (unknown and STATUS_UNKNOWN or STATUS_OK))
    if summary ~= "" then prefix = prefix .. " " .. summary end
    if malformed then prefix = prefix .. " [MALFORMED]" end
    if unknown and not malformed then prefix = prefix .. " [UNKNOWN CODE]" end
    return prefix
end

----------------------------------------------------------------------------
-- The packet: direction byte, then blocks each ended by 0x00
----------------------------------------------------------------------------
function evm.dissector(tvb, pinfo, tree)
    local total = tvb:len()
    pinfo.cols.protocol:set("EVM")
    local root = tree:add(evm, tvb(), "EVM serial protocol")
    if total < 1 then
        root:add_proto_expert_info(E.short, "Empty packet: no direction byte")
        pinfo.cols.info:set("empty packet")
        return 0
    end
    local direction = tvb(0, 1):uint()
    local dir_item = root:add(F.direction, tvb(0, 1))
    if direction == 0 then
        pinfo.cols.src:set("host")
        pinfo.cols.dst:set("board")
    elseif direction == 1 then
        pinfo.cols.src:set("board")
        pinfo.cols.dst:set("host")
    end
    if direction > 1 then
        dir_item:add_proto_expert_info(E.direction, "Direction byte is neither 0 nor 1")
    end

    local ok, result = pcall(function()
        local raw = {}
        local ba = tvb:bytes(1, total - 1)
        for i = 1, total - 1 do raw[i + 1] = ba:get_index(i - 1) end -- raw[k] = tvb byte at offset k-1
        -- Split into blocks at each 0x00.
        local blocks = {}
        local first = 2
        for k = 2, total do
            if raw[k] == 0 then
                blocks[#blocks + 1] = { first, k - 1, true }
                first = k + 1
            end
        end
        if first <= total then blocks[#blocks + 1] = { first, total, false } end
        local frames = {}
        for _, block in ipairs(blocks) do
            if block[2] >= block[1] then
                frames[#frames + 1] = block
            else
                root:add(tvb(block[2], 1), "Empty block"):add_proto_expert_info(E.empty_block)
            end
        end
        local infos = {}
        for index, block in ipairs(frames) do
            infos[#infos + 1] = dissect_frame(tvb, pinfo, root, raw, block[1], block[2], direction, block[3],
                index, #frames)
        end
        if #frames == 0 then
            infos[1] = (DIRECTION_SHORT[direction] or "?") .. " no frame"
        end
        return table.concat(infos, " | ")
    end)
    if ok then
        pinfo.cols.info:set(result)
        root:set_text("EVM serial protocol, " .. result)
    else
        root:add_proto_expert_info(E.internal, "EVM dissector internal error: " .. tostring(result))
        pinfo.cols.info:set("EVM dissector internal error")
    end
    return total
end

----------------------------------------------------------------------------
-- Registration: DLT_USER0 (pcap link type 147) is Wireshark's encapsulation
-- WTAP_ENCAP_USER0 (45 in Wireshark 3.x and 4.x).
----------------------------------------------------------------------------
local USER0 = (wtap_encaps and wtap_encaps.USER0) or (wtap and wtap.USER0) or 45
DissectorTable.get("wtap_encap"):add(USER0, evm)

// Fuzzes the holder's part of a certificate QR (docs/spec/selective-disclosure.md §3, §4):
// the strict reader Disclosures(decoding:), the commitment a verifier recomputes from it,
// the holder's reduction withholding(_:) (and CertificateQR.withholding(_:), by field id);
// and the same input read as a whole QR payload, CertificateQR(bytes:) (payload.md §2, with
// the disclosures length D), whose disclosures, when it has some, go through the same checks.
//
// Invariants (a failure is a crash):
// - one byte form: accepted disclosures re-encode to exactly the input bytes, and those are
//   the array head, each entry's bytes (a shown unit's `bytes`, which its leaf hashes, or
//   A0), and the node string; 1 … 16 entries, 16-byte nodes, as many as the pattern needs;
// - the commitment is computable and 16 bytes;
// - for every subset of the shown entries (a deterministic sample beyond `exhaustiveLimit`
//   shown entries, see below), withholding(subset) yields disclosures that encode, decode
//   back to the same value, have the same commitment, have the subset (and what was withheld
//   before) withheld and every other entry unchanged; withholding the same subset again
//   changes nothing, and withholding the rest afterwards is withholding everything at once;
// - size: the reduction's length is exactly the input's, minus (|U| − 1) per newly withheld
//   unit, plus 16 per node gained, plus the node string head's growth; so a reduction is
//   never longer than the input when each newly withheld unit's bytes U are ≥ 18 bytes
//   (≥ 17 as selective-disclosure.md §3.1 says falls one byte short, Findings 4);
// - CertificateQR.withholding([id]) withholds exactly the unit of that id (when no id is in
//   two entries; for the first `qrChecks` shown entries and the last), keeps the envelope and proof, gives no longer a payload under the same
//   bound, and withholding nothing is the identity;
// - a payload accepted by CertificateQR(bytes:) is its own `bytes` (minimal uvarints,
//   version 2, non-empty envelope and proof, D bytes of disclosures) and reads back equal.
import Certificates
import FuzzSupport

/// Up to this many shown entries every subset is tried (2^n reductions, 32 at most); with
/// more, the empty and full subsets, every subset of one entry, and 8 subsets drawn from a
/// hash of the input (deterministic, so a crash reproduces). The shipped kinds have at most
/// 4 units. Each reduction allocates much, which ASan makes slow: every subset of 10 shown
/// entries took 0.5 s per input, and with 66 subsets of 16 the run averaged 347 exec/s.
let exhaustiveLimit = 5
let sampledSubsets = 8
/// CertificateQR.withholding(_:) is checked with one field of each of the first few shown
/// entries and of the last.
let qrChecks = 3

/// A reduction is never longer than the input when each newly withheld unit has at least
/// this many bytes. Not 17, as selective-disclosure.md §3.1 says: withholding a 17-byte unit
/// saves 16 bytes and costs a 16-byte node, and when the node string grows from 16 to 32
/// bytes (or from 240 to 256) its CBOR head grows by a byte (docs/fuzzing.md, Findings 4;
/// Tests/fuzz/crashes/disclosures-17-byte-*.bin break the bound of 17).
let sizeBound = 18

/// The length of a CBOR head for argument n.
func headLength(_ n: Int) -> Int { n < 24 ? 1 : n < 256 ? 2 : n < 65_536 ? 3 : 5 }

func head(_ major: UInt8, _ n: Int) -> [UInt8] {
    switch n {
    case ..<24: return [major << 5 | UInt8(n)]
    case ..<256: return [major << 5 | 24, UInt8(n)]
    default: return [major << 5 | 25, UInt8(n >> 8), UInt8(n & 0xff)]
    }
}

/// How many nodes a pattern of shown (true) / withheld (false) entries needs (§3).
func nodeCount(_ shown: [Bool]) -> Int {
    stride(from: 0, to: shown.count, by: 2).reduce(0) { k, j in
        let pair = shown[j..<min(j + 2, shown.count)]
        let withheld = pair.filter { !$0 }.count
        return k + (withheld == 0 || withheld == pair.count ? 1 : 2)
    }
}

/// FNV-1a, then splitmix64: a fixed-seed stream (Swift's Hasher is seeded per process).
struct Stream {
    var state: UInt64
    init(_ bytes: [UInt8]) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        state = h
    }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// The subsets of `shown` to withhold, as bit masks over its positions.
func subsets(of n: Int, input: [UInt8]) -> [UInt32] {
    if n <= exhaustiveLimit { return Array(0..<(UInt32(1) << n)) }
    let all = (UInt32(1) << n) - 1
    var out: [UInt32] = [0, all]
    for i in 0..<n { out.append(1 << i) }
    var stream = Stream(input)
    for _ in 0..<sampledSubsets { out.append(UInt32(truncatingIfNeeded: stream.next()) & all) }
    return out
}

func checkDisclosures(_ input: [UInt8]) {
    guard let d = try? Disclosures(decoding: input) else { return }
    let m = d.entries.count
    let shownBefore = d.entries.map { $0 != .withheld }

    // One byte form, and a shown unit's bytes are the entry's bytes as received.
    require(d.encoded == input, "accepted disclosures do not re-encode to the input bytes")
    require((1...Disclosures.maxUnits).contains(m), "\(m) unit entries")
    require(d.nodes.allSatisfy { $0.count == Disclosures.nodeByteCount }, "a node that is not 16 bytes")
    require(d.nodes.count == nodeCount(shownBefore), "\(d.nodes.count) nodes for a pattern that needs \(nodeCount(shownBefore))")
    var layout = head(4, m + 1)
    for entry in d.entries { layout += entry.unit?.bytes ?? [0xA0] }
    layout += head(2, 16 * d.nodes.count) + d.nodes.flatMap { $0 }
    require(layout == input, "the input is not the array head, the entries' bytes and the node string")
    for case .shown(let unit) in d.entries {
        require(!unit.fields.isEmpty, "a shown unit without fields")
        require(unit.bytes.first.map { $0 >> 5 == 5 && $0 != 0xA0 } ?? false, "a shown unit's bytes are not a non-empty map")
    }

    let commitment = d.commitment
    require(commitment.count == 16, "the commitment is \(commitment.count) bytes")
    require(d.commitment == commitment, "the commitment is not deterministic")

    let shown = d.entries.indices.filter { shownBefore[$0] }
    let all = Set(shown)
    let everything = d.withholding(all)
    require(everything.entries.allSatisfy { $0 == .withheld }, "withholding every shown entry leaves one shown")
    for mask in subsets(of: shown.count, input: input) {
        let subset = Set(shown.indices.filter { mask & (1 << $0) != 0 }.map { shown[$0] })
        let r = d.withholding(subset)
        let bytes = r.encoded
        guard let back = try? Disclosures(decoding: bytes) else {
            fatalError("fuzz invariant broken: withholding \(subset.sorted()) gives disclosures that do not decode")
        }
        require(back == r, "withholding \(subset.sorted()): the encoding reads back to other disclosures")
        require(back.encoded == bytes, "withholding \(subset.sorted()): the encoding is not stable")
        require(r.commitment == commitment, "withholding \(subset.sorted()) changes the commitment")
        require(r.entries.count == m, "withholding changes the number of entries")
        for i in 0..<m {
            if subset.contains(i) || !shownBefore[i] {
                require(r.entries[i] == .withheld, "withholding \(subset.sorted()) leaves entry \(i) shown")
            } else {
                require(r.entries[i] == d.entries[i], "withholding \(subset.sorted()) changes entry \(i), which it keeps")
            }
        }
        require(r.withholding(subset) == r, "withholding \(subset.sorted()) twice is not withholding it once")
        require(r.withholding(all.subtracting(subset)) == everything, "withholding in two steps differs from withholding at once")

        // Size (§3.1): exact accounting, and the bound.
        let units = subset.map { d.entries[$0].unit!.bytes.count }
        let k = d.nodes.count, k2 = r.nodes.count
        let expected = input.count - units.reduce(0) { $0 + $1 - 1 } + 16 * (k2 - k) + headLength(16 * k2) - headLength(16 * k)
        require(bytes.count == expected, "withholding \(subset.sorted()): \(bytes.count) bytes where the accounting gives \(expected)")
        if units.allSatisfy({ $0 >= sizeBound }) {
            require(
                bytes.count <= input.count,
                "withholding \(subset.sorted()) (units of ≥ \(sizeBound) bytes) makes the disclosures longer: \(input.count) → \(bytes.count)")
        }
    }

    // The same through the QR, by field id (the envelope is not read unless an id is unknown).
    let qr = CertificateQR(envelope: [0xA0], disclosures: input, proof: [0x00])
    guard let same = try? qr.withholding([]) else { fatalError("fuzz invariant broken: withholding no field of decodable disclosures fails") }
    require(same.qr == qr && same.withheld.isEmpty, "withholding no field changes the QR")
    let ids = d.entries.compactMap(\.unit).flatMap { $0.fields.map { Array($0.id.utf8) } }
    guard Set(ids).count == ids.count else { return }
    for i in Set(shown.prefix(qrChecks) + shown.suffix(1)).sorted() {
        let unitIDs = d.entries[i].unit!.fields.map(\.id)
        guard let reduced = try? qr.withholding([unitIDs[0]]) else {
            fatalError("fuzz invariant broken: withholding the shown field '\(unitIDs[0])' fails")
        }
        require(reduced.qr.envelope == qr.envelope && reduced.qr.proof == qr.proof, "withholding a field changes the envelope or the proof")
        require(reduced.qr.disclosures == d.withholding([i]).encoded, "withholding a field by id is not withholding its unit")
        require(reduced.withheld.map { Array($0.utf8) } == unitIDs.map { Array($0.utf8) }, "withholding '\(unitIDs[0])' reports other withheld fields")
        require(
            reduced.withheldAlongside.map { Array($0.utf8) } == unitIDs.dropFirst().map { Array($0.utf8) },
            "withholding '\(unitIDs[0])' reports other fields alongside")
        if d.entries[i].unit!.bytes.count >= sizeBound {
            require(reduced.qr.bytes.count <= qr.bytes.count, "withholding '\(unitIDs[0])' makes the QR payload longer")
        }
    }
}

func checkPayload(_ input: [UInt8]) {
    guard let qr = try? CertificateQR(bytes: input) else { return }
    require(qr.bytes == input, "an accepted QR payload is not its own bytes (version, minimal uvarints, envelope, disclosures, proof)")
    require(!qr.envelope.isEmpty && !qr.proof.isEmpty, "an accepted payload has an empty envelope or proof")
    require(
        CertificateQR.byteCount(envelope: qr.envelope.count, disclosures: qr.disclosures.count, proof: qr.proof.count) == input.count,
        "CertificateQR.byteCount is not the payload's length")
    guard let again = try? CertificateQR(bytes: qr.bytes) else { fatalError("fuzz invariant broken: the QR payload bytes do not read back") }
    require(again == qr, "the QR payload bytes read back to another value")
    guard let text = try? CertificateQR(text: qr.text(verifierURL: nil)) else { fatalError("fuzz invariant broken: the QR text does not read back") }
    require(text == qr, "the QR text reads back to another value")
    if qr.disclosures.isEmpty {
        require((try? qr.withholding([])) == nil, "a QR without disclosures can be reduced")
    } else {
        checkDisclosures(qr.disclosures)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    checkDisclosures(input)
    checkPayload(input)
    return 0
}

import TransparencyLog

/// The body of `POST <submission prefix>/add-checkpoint` (c2sp.org/tlog-witness):
///
///     old <size>\n
///     <base64 consistency proof hash>\n      (0…63 lines)
///     \n
///     <signed checkpoint note>
///
/// Parsing is strict: `old` with one space and a decimal without leading
/// zeros, canonical base64 of exactly 32 bytes per proof line, a valid signed
/// note carrying a valid checkpoint. Anything else is a 400.
public struct AddCheckpointRequest: Hashable, Sendable {
    /// A client MUST NOT send more; a witness answers 400 when it does.
    public static let maxProofLines = 63
    /// Sizes are stored as SQLite integers (signed 64-bit), as other witnesses do.
    public static let maxTreeSize = UInt64(Int64.max)

    public let oldSize: UInt64
    public let proof: [[UInt8]]
    public let checkpoint: SignedCheckpoint

    public init(oldSize: UInt64, proof: [[UInt8]], checkpoint: SignedCheckpoint) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    /// The request as sent on the wire.
    public var body: [UInt8] {
        var text = "old \(oldSize)\n"
        for hash in proof { text += hash.base64String + "\n" }
        text += "\n" + checkpoint.serialized
        return Array(text.utf8)
    }

    public init(parsing body: [UInt8]) throws(WitnessError) {
        func bad(_ reason: String) -> WitnessError { WitnessError(.badRequest, reason) }
        var position = 0
        /// The next line without its newline; nil at the end of the body.
        func nextLine() throws(WitnessError) -> ArraySlice<UInt8> {
            guard position < body.count else { throw bad("the body ends before the empty line that precedes the checkpoint") }
            guard let end = body[position...].firstIndex(of: 0x0a) else {
                throw bad("every line of the request must end with a newline")
            }
            defer { position = end + 1 }
            return body[position..<end]
        }

        let oldLine = try nextLine()
        guard oldLine.starts(with: Array("old ".utf8)) else {
            throw bad("the first line must be 'old <size>'")
        }
        let digits = oldLine.dropFirst(4)
        guard let oldSize = Self.parseDecimal(digits) else {
            throw bad("the old size must be a decimal number without leading zeros (got '\(String(decoding: digits.prefix(30), as: UTF8.self))')")
        }

        var proof: [[UInt8]] = []
        while true {
            let line = try nextLine()
            if line.isEmpty { break }
            guard proof.count < Self.maxProofLines else {
                throw bad("the consistency proof has more than \(Self.maxProofLines) lines")
            }
            guard line.count <= 44, let hash = [UInt8](base64String: String(decoding: line, as: UTF8.self)), hash.count == 32 else {
                throw bad("consistency proof line \(proof.count + 1) is not the base64 of a 32-byte hash")
            }
            proof.append(hash)
        }

        guard let noteText = String(validating: body[position...], as: UTF8.self) else {
            throw bad("the checkpoint is not valid UTF-8")
        }
        let checkpoint: SignedCheckpoint
        do {
            checkpoint = try SignedCheckpoint(parsing: noteText)
        } catch {
            throw bad("the checkpoint is not a valid signed note: \(error.reason)")
        }
        guard oldSize <= Self.maxTreeSize, checkpoint.checkpoint.size <= Self.maxTreeSize else {
            throw bad("tree sizes above 2^63-1 are not supported")
        }
        self.init(oldSize: oldSize, proof: proof, checkpoint: checkpoint)
    }

    /// ASCII decimal, no sign, no leading zeros (except "0" itself), fits in UInt64.
    static func parseDecimal(_ digits: some Collection<UInt8>) -> UInt64? {
        guard let first = digits.first, digits.count <= 20 else { return nil }
        guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard first != 0x30 || digits.count == 1 else { return nil }
        return UInt64(String(decoding: digits, as: UTF8.self))
    }
}

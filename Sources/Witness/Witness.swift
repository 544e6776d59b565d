import Foundation
import Logging
import TransparencyLog

/// A C2SP transparency log witness (c2sp.org/tlog-witness, add-checkpoint):
/// checks that each checkpoint a log submits is signed by the log and
/// consistent with the last one it cosigned, records it, and returns a
/// cosignature/v1 (c2sp.org/tlog-cosignature) with its Ed25519 key.
public struct Witness: Sendable {
    public let state: WitnessState
    public let signer: CosignatureV1Signer
    let clock: @Sendable () -> UInt64
    let logger: Logger

    /// The witness's key name, e.g. `kaga.example/witness`.
    public var name: String { signer.name }
    /// Its vkey (type 0x04) for logs' and verifiers' policies.
    public var verifierKey: VerifierKey { signer.verifierKey }

    /// - Parameter clock: POSIX seconds for cosignature timestamps.
    public init(
        state: WitnessState, signer: CosignatureV1Signer, logger: Logger = Logger(label: "akashi.witness"),
        clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }
    ) {
        self.state = state
        self.signer = signer
        self.logger = logger
        self.clock = clock
    }

    /// Handles an add-checkpoint request body; returns the response body (the
    /// cosignature line, ending in a newline).
    public func addCheckpoint(body: [UInt8]) throws(WitnessError) -> String {
        let signatures = try addCheckpoint(AddCheckpointRequest(parsing: body))
        return signatures.map { $0.line + "\n" }.joined()
    }

    /// ``addCheckpoint(body:)`` without blocking a thread on the database writer.
    public func addCheckpoint(body: [UInt8]) async throws(WitnessError) -> String {
        let signatures = try await addCheckpoint(AddCheckpointRequest(parsing: body))
        return signatures.map { $0.line + "\n" }.joined()
    }

    /// Verifies, records and cosigns; returns the cosignature(s).
    public func addCheckpoint(_ request: AddCheckpointRequest) throws(WitnessError) -> [SignedNote.Signature] {
        let verified = try precheck(request)
        let decide = decision(for: request, verifiedSignatures: verified)
        let stored = try state.advance(origin: request.checkpoint.checkpoint.origin, expectedSize: request.oldSize, decide)
        return try cosignatures(in: stored)
    }

    public func addCheckpoint(_ request: AddCheckpointRequest) async throws(WitnessError) -> [SignedNote.Signature] {
        let verified = try precheck(request)
        let decide = decision(for: request, verifiedSignatures: verified)
        let stored = try await state.advance(origin: request.checkpoint.checkpoint.origin, expectedSize: request.oldSize, decide)
        return try cosignatures(in: stored)
    }

    /// The checks that need no state beyond the log's keys, in the order the
    /// specification gives them: unknown origin 404, no trusted signature 403,
    /// old size above the checkpoint's 400. Returns the log signatures that verified.
    func precheck(_ request: AddCheckpointRequest) throws(WitnessError) -> [SignedNote.Signature] {
        let signed = request.checkpoint
        let checkpoint = signed.checkpoint
        let keys = try state.keys(origin: checkpoint.origin)
        guard !keys.isEmpty else {
            logger.debug("add-checkpoint: unknown log", metadata: ["origin": "\(checkpoint.origin)"])
            throw WitnessError(.unknownLog, "this witness does not follow the log '\(checkpoint.origin)'")
        }
        let verifiers = keys.map(\.verifier)
        do {
            // Unknown keys are ignored; a known key's failing signature, or
            // no known key at all, rejects the note.
            _ = try signed.note.verify(verifiers)
        } catch {
            logger.info("add-checkpoint: signature refused", metadata: ["origin": "\(checkpoint.origin)", "reason": "\(error.reason)"])
            throw WitnessError(.badSignature, "the checkpoint is not signed by a key this witness trusts for '\(checkpoint.origin)': \(error.reason)")
        }
        guard request.oldSize <= checkpoint.size else {
            throw WitnessError(.badRequest, "the old size \(request.oldSize) is larger than the checkpoint's size \(checkpoint.size)")
        }
        return signed.note.signatures.filter { signature in
            keys.contains { $0.name == signature.name && $0.keyID == signature.keyID }
        }
    }

    /// The state-dependent checks, run inside the write transaction with the
    /// stored state whose size already equals the request's old size.
    func decision(for request: AddCheckpointRequest, verifiedSignatures: [SignedNote.Signature]) -> @Sendable (WitnessedLog) -> WitnessState.Decision {
        let signer = self.signer
        let clock = self.clock
        let logger = self.logger
        return { stored in
            let signed = request.checkpoint
            let new = signed.checkpoint
            let oldRoot = stored.rootHash ?? Merkle.emptyRoot
            func refuse(_ code: WitnessError.Code, _ reason: String, evidence: Bool) -> WitnessState.Decision {
                if evidence {
                    logger.error(
                        "add-checkpoint: the log signed a checkpoint inconsistent with the one this witness cosigned",
                        metadata: ["origin": "\(new.origin)", "cosigned": "\(stored.size)", "submitted": "\(new.size)", "reason": "\(reason)"])
                }
                return .refuse(
                    WitnessError(code, reason),
                    evidence: evidence ? .init(reason: reason, checkpoint: signed, proof: request.proof, oldSize: request.oldSize) : nil)
            }
            if new.size == 0 && new.rootHash != Merkle.emptyRoot {
                return refuse(.inconsistent, "a checkpoint of size 0 must carry the empty tree's root hash", evidence: true)
            }
            if request.oldSize == 0 {
                // Nothing cosigned yet (or a size-0 tree): the first checkpoint is trusted on first use.
                guard request.proof.isEmpty else {
                    return refuse(.inconsistent, "the consistency proof must be empty when the old size is 0", evidence: false)
                }
            } else if request.oldSize == new.size {
                guard new.rootHash == oldRoot else {
                    return refuse(
                        .conflict, "the checkpoint has the size of the one this witness cosigned (\(new.size)) but another root hash: the log forked",
                        evidence: true)
                }
                guard request.proof.isEmpty else {
                    return refuse(.inconsistent, "a consistency proof between trees of the same size must be empty", evidence: false)
                }
            } else {
                do throws(ProofError) {
                    try Merkle.verifyConsistency(size1: request.oldSize, size2: new.size, proof: request.proof, root1: oldRoot, root2: new.rootHash)
                } catch {
                    return refuse(
                        .inconsistent, "the consistency proof from \(request.oldSize) to \(new.size) does not verify: \(error.reason)", evidence: true)
                }
            }
            // Cosign now, inside the transaction, so what is stored is exactly
            // what is returned: the log's verified signatures plus ours.
            let time = clock()
            let cosignature = signer.cosign(checkpointText: signed.note.text, timestamp: time)
            let record = SignedNote(text: signed.note.text, signatures: verifiedSignatures + [cosignature])
            return .accept(size: new.size, rootHash: new.rootHash, checkpoint: record.serialized, cosignedAt: time)
        }
    }

    /// This witness's cosignature line(s) in the stored checkpoint.
    func cosignatures(in stored: WitnessedLog) throws(WitnessError) -> [SignedNote.Signature] {
        let mine = stored.checkpoint.flatMap { try? SignedNote(parsing: $0) }?.signatures.filter {
            $0.name == signer.name && $0.keyID == signer.verifierKey.keyID
        }
        guard let mine, !mine.isEmpty else {
            throw WitnessError(.storage, "the stored checkpoint for \(stored.origin) lacks this witness's cosignature")
        }
        return mine
    }
}

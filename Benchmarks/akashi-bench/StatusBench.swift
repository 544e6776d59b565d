import AkashiCrypto
import ArgumentParser
import COSE
import Certificates
import Foundation
import TransparencyLog

/// Status lists at scale: size, build and verify time, lookup cost — for a
/// million certificates with 1% and 10% revoked or superseded.
struct StatusScale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Measure status-list size, build/sign time, verify/decode time and lookups at 10^6 certificates.")

    @Option(help: "Certificates in the log.") var certificates = 1_000_000
    @Option(help: "Comma-separated percentages of revoked or superseded certificates.") var percents = "1,10"

    func run() async throws {
        let key = try P256.PrivateKey()
        for percent in percents.split(separator: ",").compactMap({ Double($0) }) {
            var generator = SystemRandomNumberGenerator()
            let count = Int(Double(certificates) * percent / 100)
            var entries: [UInt64: CertificateState] = [:]
            entries.reserveCapacity(count)
            let issuedAt: Int64 = 1_764_000_000
            while entries.count < count {
                let index = UInt64.random(in: 0..<UInt64(certificates), using: &generator)
                // Nine in ten are revocations (moves dominate), one in ten a reissue.
                if Int.random(in: 0..<10, using: &generator) == 0 {
                    entries[index] = .superseded(
                        successor: Serial.text(Serial.random()), successorIndex: UInt64(certificates) + UInt64(entries.count),
                        at: issuedAt - Int64.random(in: 0..<31_536_000, using: &generator))
                } else {
                    entries[index] = .revoked(
                        reason: [.moved, .moved, .ended, .error, .other].randomElement(using: &generator)!,
                        at: issuedAt - Int64.random(in: 0..<31_536_000, using: &generator))
                }
            }
            let list = StatusList(issuer: "402052", issuedAt: issuedAt, checkpoint: "bench", entries: entries)
            let t0 = now()
            let signed = try list.signed(with: key)
            let t1 = now()
            // What a verifier does: check the signature, then decompress and index.
            let envelope = try COSESign1(decoding: signed)
            precondition(envelope.isValidSignature(publicKey: key.publicKey))
            let decoded = try StatusList(decodingPayload: envelope.payload)
            let t2 = now()
            precondition(decoded.entries.count == entries.count)
            let probes = (0..<1_000_000).map { _ in UInt64.random(in: 0..<UInt64(certificates), using: &generator) }
            var hits = 0
            let t3 = now()
            for p in probes where decoded.entries[p] != nil { hits += 1 }
            let t4 = now()
            print(
                String(
                    format:
                        "%d certificates, %.0f%% (%d) revoked/superseded: %d bytes signed (%.2f bytes/entry); build+compress+sign %.0f ms; verify+decode %.0f ms; lookup %.0f ns (%d hits)",
                    certificates, percent, count, signed.count, Double(signed.count) / Double(max(count, 1)), (t1 - t0) * 1000, (t2 - t1) * 1000,
                    (t4 - t3) / Double(probes.count) * 1e9, hits))
        }
    }

}

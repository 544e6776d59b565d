import Certificates
import ConformanceVectors
import Foundation
import QRScan
import Testing

/// The checked-in vectors (vectors/) are what other implementations test
/// against: the Swift verifier must give exactly the expected answer on each,
/// from the text and from the PNG.
@Suite struct PublishedVectorsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let folder = root.appendingPathComponent("vectors")

    @Test func everyPublishedVectorGetsItsExpectedVerdict() throws {
        let index = try ConformanceIndex.decode(Data(contentsOf: Self.folder.appendingPathComponent("index.json")))
        #expect(index.format == ConformanceIndex.currentFormat)
        #expect(index.vectors.count >= 20)
        #expect(index.vectors.filter(\.expected.valid).count >= 4, "a valid vector for each kind")
        for vector in index.vectors {
            let trust = try TrustFile.decode(Data(contentsOf: Self.folder.appendingPathComponent(vector.trust)))
            let status = try vector.status.map { Array(try Data(contentsOf: Self.folder.appendingPathComponent($0))) }
            #expect(VectorGenerator.verify(vector, trust: trust, statusBytes: status) == vector.expected, "\(vector.id)")
            let png = try Data(contentsOf: Self.folder.appendingPathComponent(vector.png))
            #expect(try QRScanner.decode(imageData: Array(png)) == [vector.qr], "\(vector.id): the PNG carries the QR text")
            let text = try String(contentsOf: Self.folder.appendingPathComponent("\(vector.id).txt"), encoding: .utf8)
            #expect(text == vector.qr + "\n")
        }
    }

    @Test func everyReasonCodeIsCovered() throws {
        let index = try ConformanceIndex.decode(Data(contentsOf: Self.folder.appendingPathComponent("index.json")))
        let codes = Set(index.vectors.flatMap(\.expected.codes))
        for code in [
            "undecodable", "unknownKey", "keyCompromised", "keyNotValidAtIssue", "badSignature", "kindNotAllowed", "kindVersion", "invalidFields",
            "notYetValid", "expired", "inclusionFailed", "checkpointUntrusted", "revoked", "superseded", "statusMissing", "statusStale", "statusUnknown",
        ] {
            #expect(codes.contains(code), "no vector for \(code)")
        }
    }

    @Test func witnessPoliciesAreCovered() throws {
        let index = try ConformanceIndex.decode(Data(contentsOf: Self.folder.appendingPathComponent("index.json")))
        // Genuine (unconfirmed: these carry no status list) or invalid; a bad cosignature counts as absent.
        let expected = [
            "witness-quorum-met": true, "witness-quorum-not-met": false, "witness-group-policy": true, "witness-bad-cosignature": true,
            "witness-bad-cosignature-short": false,
        ]
        for (id, genuine) in expected {
            let vector = try #require(index.vectors.first { $0.id == id }, "no vector \(id)")
            #expect(vector.expected.verdict == (genuine ? "unconfirmed" : "invalid"), "\(id)")
            if !genuine { #expect(vector.expected.codes == ["checkpointUntrusted"], "\(id)") }
            let trust = try TrustFile.decode(Data(contentsOf: Self.folder.appendingPathComponent(vector.trust)))
            let log = trust.authorities[0].log
            #expect(log.policy.contains("witness "), "\(id): the trust file carries a tlog-policy with witnesses")
            #expect(try log.tlogPolicy().witnesses.count >= 3, "\(id)")
        }
    }

    @Test func theGeneratorRegeneratesASelfConsistentSet() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-vectors-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let registry = try KindRegistry(directory: Self.root.appendingPathComponent("certs"))
        let index = try await VectorGenerator(registry: registry).generate(certsDirectory: Self.root.appendingPathComponent("certs"), out: out)
        let published = try ConformanceIndex.decode(Data(contentsOf: Self.folder.appendingPathComponent("index.json")))
        #expect(index.vectors.map(\.id) == published.vectors.map(\.id), "regenerate vectors/ with `akashi vectors --out vectors` after changing the generator")
        #expect(index.vectors.map(\.expected) == published.vectors.map(\.expected))
    }
}

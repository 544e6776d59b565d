import AkashiCrypto
import CBOR
import Certificates
import Foundation
import Issuance
import QRCode
import QRScan
import Testing

/// Holder-side selective disclosure (docs/spec/selective-disclosure.md): the
/// resident withholds fields offline; every reduced copy verifies, none is
/// larger than the full one, and each forgery of the disclosures is refused
/// with its own code.
@Suite struct SelectiveDisclosureTests {
    typealias Authority = EndToEndTests.Authority

    /// A residence certificate issued with every field, 本籍・筆頭者 included.
    static func fullResidence(_ authority: Authority) async throws -> IssuedCertificate {
        var input = try EndToEndTests.example("residence")
        input["domicileHead"] = .string("飯塚 太郎")
        return try await authority.issuer.issue(kind: "residence", input: input, include: ["domicile", "domicileHead"])
    }

    @Test func fullPresentationVerifiesWithEveryField() async throws {
        let authority = try await EndToEndTests.makeAuthority()
        let issued = try await Self.fullResidence(authority)
        #expect(issued.claims.fields["birthDate"] == nil, "withholdable fields are not in the signed map")
        #expect(issued.claims.commitment?.count == 16)
        #expect(issued.claims.serial == Array(issued.claims.commitment!.prefix(10)), "the serial is the commitment's first 10 bytes")
        let report = CertificateVerifier(trust: authority.trust).verify(text: issued.qrText)
        #expect(report.isGenuine, "\(report.reasons.map { $0.message?.en ?? "" })")
        #expect(report.withheld == [])
        #expect(report.claims?.allFields == issued.claims.allFields)
        #expect(report.claims?.allFields["domicileHead"] == .text("飯塚 太郎"))
    }

    /// The issue's done-when: reduce to name + address, read the reduced QR
    /// from an image with the real decoder, verify — valid, withheld named.
    @Test func reducedToNameAndAddressVerifiesFromAnImage() async throws {
        let authority = try await EndToEndTests.makeAuthority()
        let issued = try await Self.fullResidence(authority)
        let full = try CertificateQR(text: issued.qrText)
        let hide = ["birthDate", "householder", "relationship", "domicile", "domicileHead"]
        let reduced = try full.withholding(hide)
        let text = reduced.qr.text(verifierURL: authority.directory.configuration.verifierURL)
        let image = try QRCode.encode(text, level: .medium).pngData(scale: 4, quietZone: 4)
        let scanned = try QRScanner.decode(imageData: image)
        #expect(scanned == [text])
        let report = CertificateVerifier(trust: authority.trust).verify(text: scanned[0])
        #expect(report.isGenuine, "\(report.reasons.map { $0.message?.en ?? "" })")
        #expect(report.withheld == hide, "kind order")
        #expect(Set(report.claims?.allFields.keys ?? [:].keys) == ["name", "kana", "sex", "address", "residentSince"])
        #expect(reduced.qr.bytes.count < full.bytes.count)
        // Nothing of a withheld value is in the text.
        for value in ["飯塚市立岩1番地", "1990-04-01", "妻"] {
            #expect(Self.find(Array(value.utf8), in: reduced.qr.bytes) == false, "\(value) leaked")
        }
        // The seeds of the full presentation are gone.
        let fullNodes = try Disclosures(decoding: full.disclosures).nodes
        let reducedBytes = reduced.qr.disclosures
        for seed in fullNodes { #expect(!Self.find(seed, in: reducedBytes)) }
    }

    /// Every subset of the residence units: the copy verifies, lists exactly
    /// those fields as withheld, and is never larger than the full copy.
    @Test func everyReductionVerifiesAndIsNeverLarger() async throws {
        let authority = try await EndToEndTests.makeAuthority()
        let issued = try await Self.fullResidence(authority)
        let verifier = CertificateVerifier(trust: authority.trust)
        let full = try CertificateQR(text: issued.qrText)
        let units = issued.kind.withholdingUnits
        #expect(units == [["birthDate"], ["householder"], ["relationship"], ["domicile", "domicileHead"]])
        for subset in 0..<(1 << units.count) {
            let hide = units.indices.filter { subset & (1 << $0) != 0 }.flatMap { units[$0] }
            let reduced = hide.isEmpty ? full : try full.withholding(hide).qr
            #expect(reduced.bytes.count <= full.bytes.count, "hiding \(hide) made the copy larger")
            let report = verifier.verify(reduced)
            #expect(report.isGenuine, "hiding \(hide): \(report.reasons.map { $0.code ?? "" })")
            #expect(report.withheld == hide)
            // Reducing in two steps gives the same bytes as in one.
            let chosen = units.indices.filter { subset & (1 << $0) != 0 }
            if chosen.count >= 2 {
                let twice = try full.withholding(units[chosen[0]]).qr.withholding(chosen.dropFirst().flatMap { units[$0] }).qr
                #expect(twice == reduced)
            }
        }
    }

    @Test func forgedDisclosuresAreRefusedWithTheirOwnCodes() async throws {
        let authority = try await EndToEndTests.makeAuthority()
        let verifier = CertificateVerifier(trust: authority.trust)
        let issued = try await Self.fullResidence(authority)
        let other = try await Self.fullResidence(authority)
        let qr = try CertificateQR(text: issued.qrText)
        func codes(_ q: CertificateQR) -> [String] { verifier.verify(q).reasons.compactMap(\.code) }
        func edit(_ change: (inout [CBOR]) -> Void) throws -> CertificateQR {
            guard case .array(var items) = try CBOR(decoding: qr.disclosures, options: .akashi(tags: [1004, 30000, 30001])) else { throw CancellationError() }
            change(&items)
            return CertificateQR(envelope: qr.envelope, disclosures: try CBOR.array(items).encoded(), proof: qr.proof)
        }
        func addToFirstUnit(_ id: String, _ value: CBOR) -> (inout [CBOR]) -> Void {
            { items in
                guard case .map(var entries) = items[0] else { return }
                entries.append((.textString(id), value))
                entries.sort { try! $0.key.encoded().lexicographicallyPrecedes(try! $1.key.encoded()) }
                items[0] = .map(entries)
            }
        }
        // An altered value: same structure, other bytes.
        let altered = try edit { items in items[2] = .map([(.textString("relationship"), .textString("夫"))]) }
        #expect(codes(altered) == ["disclosureMismatch"])
        #expect(codes(try edit(addToFirstUnit("myNumber", .textString("123456789012")))) == ["disclosureUnknownField"])
        #expect(codes(try edit(addToFirstUnit("name", .textString("飯塚 花美")))) == ["notWithholdable"])
        let foreign = CertificateQR(envelope: qr.envelope, disclosures: try CertificateQR(text: other.qrText).disclosures, proof: qr.proof)
        #expect(codes(foreign) == ["disclosureMismatch"], "another certificate's disclosures")
        #expect(codes(CertificateQR(envelope: qr.envelope, proof: qr.proof)) == ["disclosureMismatch"], "disclosures removed")
        // A withheld unit's leaf replaced by chance bytes.
        var split = try qr.withholding(["birthDate"]).qr
        var nodes = try Disclosures(decoding: split.disclosures).encoded
        nodes[nodes.count - 20] ^= 0x01
        split = CertificateQR(envelope: split.envelope, disclosures: nodes, proof: split.proof)
        #expect(codes(split) == ["disclosureMismatch"])
        // Structure: one node byte short is undecodable before anything else.
        let short = try edit { items in
            if case .byteString(let b) = items[items.count - 1] { items[items.count - 1] = .byteString(Array(b.dropLast())) }
        }
        #expect(codes(short) == ["undecodable"])
        // After a failed disclosure check, nothing further is claimed.
        let report = verifier.verify(altered)
        #expect(report.withheld == nil)
        #expect(report.checks.filter { $0.status == .skipped }.map(\.name) == [.validityPeriod, .subject, .logEntry, .inclusion, .checkpoint, .status])
    }

    @Test func theHolderCannotWithholdSignedOrMissingFields() async throws {
        let authority = try await EndToEndTests.makeAuthority()
        let issued = try await Self.fullResidence(authority)
        let qr = try CertificateQR(text: issued.qrText)
        #expect(throws: CertificateError.self) { try qr.withholding(["name"]) }
        #expect(throws: CertificateError.self) { try qr.withholding(["myNumber"]) }
        let energy = try await authority.issuer.issue(kind: "energy-origin", input: EndToEndTests.example("energy-origin"))
        #expect(try CertificateQR(text: energy.qrText).disclosures.isEmpty, "a kind without withholdable fields has no disclosures")
        #expect(throws: CertificateError.self) { try CertificateQR(text: energy.qrText).withholding(["generatedKWh"]) }
        // Hiding one field of a group hides the group, and says so.
        let reduced = try qr.withholding(["domicileHead"])
        #expect(reduced.withheld == ["domicile", "domicileHead"])
        #expect(reduced.withheldAlongside == ["domicile"])
    }

    @Test func issuerOmissionIsNotHolderWithholding() async throws {
        let authority = try await EndToEndTests.makeAuthority()
        // 本籍・筆頭者 omitted by the clerk (the default): not present, not withheld.
        let issued = try await authority.issuer.issue(kind: "residence", input: EndToEndTests.example("residence"))
        let qr = try CertificateQR(text: issued.qrText).withholding(["birthDate"]).qr
        let report = CertificateVerifier(trust: authority.trust).verify(qr)
        #expect(report.isGenuine)
        #expect(report.withheld == ["birthDate"])
        #expect(report.claims?.allFields["domicile"] == nil)
    }

    @Test func aReprintIsTheSameQR() async throws {
        let authority = try await EndToEndTests.makeAuthority()
        let issued = try await Self.fullResidence(authority)
        let archive = try CertificateArchive(
            log: authority.issuer.log, registry: authority.issuer.registry, verifierURL: authority.directory.configuration.verifierURL)
        let stored = try await #require(try archive.certificate(serial: issued.claims.serialText))
        let again = try await archive.reissued(stored)
        #expect(again.qrText == issued.qrText)
        #expect(again.claims.allFields == issued.claims.allFields)
    }

    @Test func kindRulesForWithholding() throws {
        let registry = try KindRegistry(directory: EndToEndTests.root.appendingPathComponent("certs"))
        var kind = try #require(registry.kind("residence"))
        kind.fields[0].withholdGroup = "x"  // name: not withholdable
        #expect(throws: CertificateError.self) { try KindRegistry(kinds: [kind]) }
        kind = try #require(registry.kind("energy-origin"))
        var many = kind
        many.fields = (0..<17).map { i in
            var f = kind.fields.first { $0.type == .text }!
            f.id = "f\(i)"
            f.required = false
            f.withholdable = true
            return f
        }
        #expect(throws: CertificateError.self) { try KindRegistry(kinds: [many]) }
        many.fields.removeLast()
        #expect(throws: Never.self) { try KindRegistry(kinds: [many]) }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}

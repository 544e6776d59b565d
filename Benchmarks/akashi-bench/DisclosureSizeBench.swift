import ArgumentParser
import Certificates
import Foundation
import QRCode
import QRPayload
import TransparencyLog

/// What holder-side selective disclosure costs in the QR and what a reduced
/// copy saves (docs/spec/selective-disclosure.md §7): for every kind, the
/// certificate issued without the feature (its kind with no field
/// withholdable), the full presentation, and typical reductions — payload
/// bytes and QR version (i) at level M at each tree size, with 0 and 2
/// witness cosignatures (worst-case proof: ⌈log2 n⌉ hashes, the largest index).
struct DisclosureSizeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disclosure",
        abstract: "QR sizes of full and reduced presentations per kind, against the same certificate without selective disclosure.")

    @OptionGroup var certsOptions: CertsOptions
    @Option(help: "Comma-separated tree sizes.") var sizes = "1000,1000000"
    @Option(help: "Where to create the scratch authorities (removed afterwards).") var scratch = NSTemporaryDirectory()

    /// The reductions reported per kind (besides the full copy and hiding everything).
    static let typical: [String: [[String]]] = [
        "residence": [["domicile"], ["birthDate"], ["relationship"], ["domicile", "relationship", "householder"]],
        "partnership": [["partner1BirthDate"]],
    ]

    func run() async throws {
        let registry = try certsOptions.registry()
        let plainKinds = registry.kinds.map { kind -> CertificateKind in
            var k = kind
            for i in k.fields.indices { k.fields[i].withholdable = nil; k.fields[i].withholdGroup = nil }
            return k
        }
        let withFeature = try await ScratchAuthority(scratch: scratch + "/sd", registry: registry)
        let without = try await ScratchAuthority(scratch: scratch + "/plain", registry: try KindRegistry(kinds: plainKinds))
        defer { withFeature.remove(); without.remove() }
        let verifier = CertificateVerifier(trust: try TrustFile.export(directory: withFeature.directory, registry: registry))
        let treeSizes = sizes.split(separator: ",").compactMap { UInt64($0) }
        print(
            "kind\tpresentation\tenvelope B\tdisclosures B\tpayload B (Δ vs without)\t"
                + treeSizes.flatMap { ["V n=\($0) c=0", "V n=\($0) c=2"] }.joined(separator: "\t"))
        for kind in registry.kinds {
            let input = try certsOptions.examples(kind: kind.id, csv: false)[0]
            let every = Set(kind.fields.filter(\.isOmittedByDefault).map(\.id))
            let plain = try CertificateQR(text: try await without.issuer.issue(kind: kind.id, input: input, include: every).qrText)
            let full = try CertificateQR(text: try await withFeature.issuer.issue(kind: kind.id, input: input, include: every).qrText)
            var rows: [(String, CertificateQR)] = [("without the feature", plain), ("full", full)]
            let withholdable = kind.withholdableFields.map(\.id)
            if !withholdable.isEmpty {
                for hide in Self.typical[kind.id] ?? [] { rows.append(("hide " + hide.joined(separator: "+"), try full.withholding(hide).qr)) }
                rows.append(("hide all withholdable", try full.withholding(withholdable).qr))
            }
            for (label, qr) in rows {
                if label != "without the feature" {
                    guard verifier.verify(qr).isGenuine else { throw BenchFailure("\(kind.id) \(label) does not verify") }
                }
                let cells = try treeSizes.flatMap { n in try [0, 2].map { c in String(try version(qr, treeSize: n, cosignatures: c)) } }
                print(
                    "\(kind.id)\t\(label)\t\(qr.envelope.count)\t\(qr.disclosures.count)\t\(payload(qr, treeSize: treeSizes.first ?? 1000, cosignatures: 0)) (\(qr.bytes.count - plain.bytes.count >= 0 ? "+" : "")\(qr.bytes.count - plain.bytes.count))\t"
                        + cells.joined(separator: "\t"))
            }
        }
    }

    func payload(_ qr: CertificateQR, treeSize n: UInt64, cosignatures c: Int) -> Int {
        func uvarint(_ v: UInt64) -> Int { var b: [UInt8] = []; CompactProof.appendUvarint(v, to: &b); return b.count }
        let hashes = n <= 1 ? 0 : 64 - (n - 1).leadingZeroBitCount
        let proof = uvarint(n - 1) + uvarint(n) + 32 * hashes + 69 + 77 * c
        return CertificateQR.byteCount(envelope: qr.envelope.count, disclosures: qr.disclosures.count, proof: proof)
    }

    /// Only the payload's length decides the version.
    func version(_ qr: CertificateQR, treeSize n: UInt64, cosignatures c: Int) throws -> Int {
        let text =
            demoVerifierURL + "#" + CertificateQR.prefix + NumericCodec.encode([UInt8](repeating: 0xFF, count: payload(qr, treeSize: n, cosignatures: c)))
        return try QRCode.encode(text, level: .medium).version
    }
}

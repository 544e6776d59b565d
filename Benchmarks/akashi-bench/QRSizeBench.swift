import AkashiCrypto
import ArgumentParser
import Certificates
import Foundation
import Issuance
import QRCode
import QRPayload
import TransparencyLog

struct QRSizeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr",
        abstract: "Grow a scratch log to each size, issue one certificate of every kind, report payload sizes and QR versions at level M.",
        discussion: """
            A certificate's proof has as many hashes as its path in the tree at the checkpoint it carries: few for \
            the last entry of a checkpoint (how a lone certificate is issued), ⌈log2 size⌉ for most entries (issued \
            mid-batch, or reprinted against a later checkpoint). Sizes and versions are reported for that full \
            proof; only the hash count differs, so the full form is the as-issued proof padded with hashes. \
            Text forms: (i) numeric after the authority's verifier URL, (ii) numeric after --short-url, (iii) \
            numeric alone, (iv) base45 (alphanumeric mode), (v) base64url in one byte-mode segment; each after AK2. \
            Then the table of every kind at --table-sizes with 0–3 witness cosignatures (worst-case proof: ⌈log2 n⌉ hashes, \
            the largest index), which depends only on the payload length and so needs no log of that size.
            """)

    @OptionGroup var certsOptions: CertsOptions
    @Option(help: "Comma-separated tree sizes, ascending.") var sizes = "1000,1000000"
    @Option(help: "Concurrent appenders while growing the log.") var concurrency = 256
    @Option(help: "The short verifier URL for (ii); the QR text adds '#'.") var shortURL = "https://akashi.jp/v"
    @Option(help: "The QR version the certificates must fit at level M.") var target = 27
    @Option(help: "Residence certificates issued concurrently to see as-issued proof lengths.") var batch = 64
    @Option(help: "Where to create the scratch authority (removed afterwards).") var scratch = NSTemporaryDirectory()
    @Option(help: "Comma-separated tree sizes for the computed table.") var tableSizes = "1000,1000000,10000000"

    func validate() throws {
        guard concurrency > 0, batch > 0 else { throw ValidationError("--concurrency and --batch must be positive") }
    }

    func run() async throws {
        let registry = try certsOptions.registry()
        let authority = try await ScratchAuthority(scratch: scratch, registry: registry)
        defer { authority.remove() }
        let log = authority.issuer.log
        let verifier = CertificateVerifier(trust: try TrustFile.export(directory: authority.directory, registry: registry))
        print("verifier URL (i): \(demoVerifierURL)#   short URL (ii): \(shortURL)#")
        var envelopes: [(kind: String, bytes: Int, disclosures: Int)] = []
        defer { reportTable(envelopes) }
        for size in sizes.split(separator: ",").compactMap({ Int($0) }) {
            let grow = size - registry.kinds.count - Int(await log.size)
            guard grow >= 0 else { continue }
            let seconds = try await appendLoad(log: log, count: grow, concurrency: concurrency, acks: false)
            print(String(format: "\n== log size %d (grown by %d entries in %.1f s, %.0f appends/s)", size, grow, seconds, Double(grow) / max(seconds, 1e-9)))
            print(
                "kind\tenvelope B\tproof B issued (hashes)\tproof B full (hashes)\tpayload B\ttext (i) chars\tV(i) issued\tV(i)\tV(ii)\tV(iii)\tV(iv) b45\tV(v) b64 byte\tmodule mm (i) at 62 mm"
            )
            var residence: CertificateQR?
            for kind in registry.kinds {
                let inputs = try certsOptions.examples(kind: kind.id, csv: false)
                let certificate = try await authority.issuer.issue(kind: kind.id, input: inputs[0])
                guard verifier.verify(text: certificate.qrText).isGenuine else {
                    throw BenchFailure("the \(kind.id) certificate does not verify")
                }
                envelopes.append((kind.id, certificate.envelope.encoded.count, try CertificateQR(text: certificate.qrText).disclosures.count))
                let issued = certificate.receipt.tlogProof
                let treeSize = issued.checkpoint.checkpoint.size
                let fullHashes = treeSize <= 1 ? 0 : 64 - (treeSize - 1).leadingZeroBitCount
                // The full path's length: the as-issued proof with the missing
                // hashes' bytes added (only the length decides the version).
                let issuedCompact = try CompactProof.encode(issued)
                let extra = 32 * max(0, fullHashes - issued.inclusionProof.count)
                var fullProof = issuedCompact
                fullProof.insert(contentsOf: SecureRandom.bytes(extra), at: 2)
                let full = (hashes: issued.inclusionProof.count + extra / 32, bytes: fullProof)
                let issuedQR = try CertificateQR(text: certificate.qrText)
                let qr = CertificateQR(envelope: issuedQR.envelope, disclosures: issuedQR.disclosures, proof: full.bytes)
                if kind.id == "residence" { residence = qr }
                let v = try versions(qr)
                let asIssued = try QRCode.encode(certificate.qrText, level: .medium).version
                let texti = qr.text(verifierURL: demoVerifierURL)
                print(
                    String(
                        format: "%@\t%d\t%d (%d)\t%d (%d)\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.2f",
                        kind.id, qr.envelope.count, issuedCompact.count, issued.inclusionProof.count,
                        qr.proof.count, full.hashes, qr.bytes.count, texti.count, asIssued,
                        v[0], v[1], v[2], v[3], v[4], 62.0 / Double(17 + 4 * v[0] + 8)))
            }
            if let residence { try reportHeadroom(residence) }
            if registry.kind("residence") != nil {
                try await reportBatch(authority: authority, inputs: try certsOptions.examples(kind: "residence", csv: false), count: batch)
            }
        }
    }

    /// Every kind's QR version (i) at level M for each table size and 0–3
    /// cosignatures, computed from the real envelope length: the payload's
    /// length is exact (docs/spec/compact-proof.md), and the version depends
    /// on nothing else.
    func reportTable(_ envelopes: [(kind: String, bytes: Int, disclosures: Int)]) {
        func uvarint(_ v: UInt64) -> Int { var b: [UInt8] = []; CompactProof.appendUvarint(v, to: &b); return b.count }
        let sizes = tableSizes.split(separator: ",").compactMap { UInt64($0) }
        print("\n== QR version (i) at level M, worst-case proof (⌈log2 n⌉ hashes), by cosignatures 0/1/2/3; payload bytes in ()")
        print("kind\tenvelope B\t" + sizes.map { "n=\($0)" }.joined(separator: "\t"))
        for (kind, envelope, disclosures) in envelopes {
            var cells: [String] = []
            for n in sizes {
                let hashes = n <= 1 ? 0 : 64 - (n - 1).leadingZeroBitCount
                let proof = uvarint(n - 1) + uvarint(n) + 32 * hashes + 69
                let versions = (0...3).map { c -> String in
                    let payload = CertificateQR.byteCount(envelope: envelope, disclosures: disclosures, proof: proof + 77 * c)
                    let text = demoVerifierURL + "#" + CertificateQR.prefix + NumericCodec.encode([UInt8](repeating: 0xFF, count: payload))
                    let v = (try? QRCode.encode(text, level: .medium).version).map(String.init) ?? ">40"
                    return c == 0 ? "\(v) (\(payload))" : v
                }
                cells.append(versions.joined(separator: "/"))
            }
            print("\(kind)\t\(envelope)\t" + cells.joined(separator: "\t"))
        }
    }

    /// QR versions at level M of the five text forms (see the discussion).
    func versions(_ qr: CertificateQR) throws -> [Int] {
        let bytes = qr.bytes
        return [
            try QRCode.encode(qr.text(verifierURL: demoVerifierURL), level: .medium).version,
            try QRCode.encode(qr.text(verifierURL: shortURL), level: .medium).version,
            try QRCode.encode(qr.text(verifierURL: nil), level: .medium).version,
            try QRCode.encode(CertificateQR.prefix + Base45.encode(bytes), level: .medium).version,
            try QRCode.encode(bytes: Array((CertificateQR.prefix + Base64URL.encode(bytes)).utf8), level: .medium).version,
        ]
    }

    /// How many payload bytes the residence certificate has to spare (or too
    /// many) for the target version, what witness cosignatures (77 bytes each
    /// in the compact proof: key ID, length, timestamp and Ed25519 signature)
    /// would do to it, and its version at level L.
    func reportHeadroom(_ qr: CertificateQR) throws {
        // Only the length matters for the version: pad the proof, or cut it.
        func text(extra: Int, url: String?) -> String {
            let proof = extra >= 0 ? qr.proof + [UInt8](repeating: 0xA5, count: extra) : Array(qr.proof.dropLast(-extra))
            return CertificateQR(envelope: qr.envelope, disclosures: qr.disclosures, proof: proof).text(verifierURL: url)
        }
        for (label, url) in [("(i)", demoVerifierURL), ("(ii)", shortURL), ("(iii)", nil)] {
            var best = -qr.proof.count - 1
            var low = -qr.proof.count
            var high = 2_000
            while low <= high {
                let mid = (low + high) / 2
                if (try? QRCode.encode(text(extra: mid, url: url), level: .medium)).map({ $0.version <= target }) == true {
                    best = mid
                    low = mid + 1
                } else {
                    high = mid - 1
                }
            }
            let witnesses = try (1...3).map { try QRCode.encode(text(extra: 77 * $0, url: url), level: .medium).version }
            let levelL = try QRCode.encode(text(extra: 0, url: url), level: .low).version
            print(
                "residence \(label): \(best >= 0 ? "\(best) bytes to spare" : "\(-best) bytes too many") for version \(target)-M; "
                    + "with 1/2/3 witness cosignatures: version \(witnesses.map(String.init).joined(separator: "/")); at level L: version \(levelL)")
        }
    }

    /// Certificates issued together share their batch's checkpoint, so their
    /// proofs are longer than a lone certificate's and shorter than the full
    /// path: issue a batch as a busy service would and report the spread.
    func reportBatch(authority: ScratchAuthority, inputs: [[String: InputValue]], count: Int) async throws {
        let texts = try await issueLoad(
            issuer: authority.issuer, kind: "residence", inputs: inputs, count: count, concurrency: count, withQR: false
        ).texts
        let logKey = try authority.directory.logVerifierKey()
        let hashes = try texts.map { try CompactProof(decoding: CertificateQR(text: $0).proof).hashes.count }.sorted()
        let versions = try texts.map { try QRCode.encode($0, level: .medium).version }.sorted()
        print(
            "residence, \(count) issued concurrently: proof hashes min/median/max \(hashes[0])/\(hashes[hashes.count / 2])/\(hashes[hashes.count - 1]), "
                + "version (i) min/median/max \(versions[0])/\(versions[versions.count / 2])/\(versions[versions.count - 1])")
    }
}

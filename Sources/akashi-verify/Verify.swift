import ArgumentParser
import Certificates
import Foundation
import QRScan
import TransparencyLog

#if canImport(Glibc)
    import Glibc
#endif

/// `akashi-verify` — the offline verifier for companies that check
/// certificates. Depends only on the verification core and a QR reader: no
/// server, no database, no network.
@main
struct AkashiVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "akashi-verify",
        abstract: "Verify Akashi certificates offline: signature, kind, validity and log inclusion.",
        discussion: """
            INPUT is a PNG/JPEG image of the QR code (photo or scan), a file holding the QR text, or '-' \
            to read QR texts from stdin, one per line (a blank line is an input too: undecodable). \
            Each input gets a verdict: valid; invalid (something is proven wrong — do not accept); or \
            unconfirmed (genuine, but whether it was revoked is not confirmed: no, a stale, or an older \
            status list). Exit 0 when every input is valid; 1 when any is invalid; else 2 when any is \
            unconfirmed; 64 usage; 65 the trust file or status list is invalid; 66 an input or the trust \
            file cannot be read, or there is no input. \
            --json prints one object per input and line (docs/spec/verification.md §5.3): verdict, valid, \
            checks[{name,status,code}], reasons[{check,code,message}], and when verified that far envelope, \
            kind, issuer, serial, issuedAt, expiresAt, fields, log{origin,index,treeSize,entry,leafHash,\
            inclusionProof,rootHash,checkpoint}, tlogProof, statusAsOf.
            """,
        version: "0.1.0")

    @Option(help: ArgumentHelp("The trust file (akashi trust export).", valueName: "FILE"))
    var trust: String

    @Option(help: ArgumentHelp("Verify as of this time (YYYY-MM-DD or ISO 8601; default now).", valueName: "DATE"))
    var at: String?

    @Option(help: ArgumentHelp("A signed status list (akashi status export) to check revocation and supersession.", valueName: "FILE"))
    var status: String?

    @Option(help: ArgumentHelp("A status list older than this many days leaves the verdict unconfirmed (default 7).", valueName: "DAYS"))
    var maxStatusAge: Double = 7

    @Flag(help: "Print JSON, one object per input.")
    var json = false

    @Option(help: "Language of messages: ja or en.")
    var lang: String = "ja"

    @Argument(help: ArgumentHelp("Images, text files, or '-' for stdin.", valueName: "INPUT"))
    var inputs: [String]

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one INPUT (an image, a text file, or -)") }
        guard lang == "ja" || lang == "en" else { throw ValidationError("--lang is ja or en") }
        if let at, CivilDate.argument(at) == nil { throw ValidationError("--at '\(at)' is not a date (YYYY-MM-DD or ISO 8601)") }
    }

    func run() throws {
        let language: Language = lang == "en" ? .en : .ja
        guard let trustData = FileManager.default.contents(atPath: trust) else {
            fail(66, "cannot read the trust file \(trust)")
        }
        let trustFile: TrustFile
        do { trustFile = try TrustFile.decode(trustData) } catch { fail(65, "\(trust): \(error)") }
        var statusList: VerifiedStatusList? = nil
        if let status {
            guard let data = FileManager.default.contents(atPath: status) else { fail(66, "cannot read the status list \(status)") }
            // A status list that does not verify is refused outright: never
            // fall back to "valid" without the revocation check that was asked for.
            do { statusList = try VerifiedStatusList(signed: [UInt8](data), trust: trustFile) } catch {
                fail(65, "\(status): 失効情報を検証できません / the status list does not verify: \(error)")
            }
        }
        let verifier = CertificateVerifier(trust: trustFile, status: statusList, maxStatusAge: maxStatusAge * 86_400)
        let date = at.flatMap(CivilDate.argument) ?? Date()

        // Each input is raw bytes: the QR text rule works on bytes (and
        // refuses invalid UTF-8) rather than on a decoded, repaired string.
        var texts: [(source: String, bytes: [UInt8]?)] = []
        for input in inputs {
            if input == "-" {
                let all = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
                var lines = all.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
                if all.isEmpty || all.last == 0x0A { lines.removeLast() }  // a final LF ends the last line; nothing is no line
                for line in lines { texts.append(("stdin", line)) }
                continue
            }
            guard let data = FileManager.default.contents(atPath: input) else { fail(66, "cannot read \(input)") }
            let bytes = [UInt8](data)
            if bytes.starts(with: [0x89, 0x50, 0x4e, 0x47]) || bytes.starts(with: [0xff, 0xd8, 0xff]) {
                do {
                    let found = try QRScanner.decode(imageData: bytes)
                    if found.isEmpty { texts.append((input, nil)) }
                    for text in found { texts.append((input, Array(text.utf8))) }
                } catch {
                    texts.append((input, nil))
                }
            } else {
                texts.append((input, bytes))
            }
        }

        // "Nothing verified" must never look like success (an empty stdin).
        guard !texts.isEmpty else { fail(66, "no QR text to verify: the input was empty / 検証するQRテキストがありません（入力が空です）") }
        let start = Date()
        var verdicts = Set<VerificationReport.Verdict>()
        // --json lines go out through one buffer, written in large pieces.
        var out = JSONLine(reservingCapacity: 1 << 17)
        for (source, bytes) in texts {
            let report = verifier.verify(utf8: bytes ?? [], at: date)
            verdicts.insert(report.verdict)
            if json {
                writeJSONLine(report, source: source, language: language, noQR: bytes == nil, to: &out)
                out.newline()
                if out.bytes.count >= 1 << 16 { writeStandardOutput(&out) }
            } else {
                printHuman(report, source: source, language: language, noQR: bytes == nil)
            }
        }
        writeStandardOutput(&out)
        if texts.count > 1 {
            let seconds = Date().timeIntervalSince(start)
            FileHandle.standardError.write(
                Data(
                    String(format: "%d 件検証 / %d verified in %.3f s (%.0f/s)\n", texts.count, texts.count, seconds, Double(texts.count) / max(seconds, 1e-6))
                        .utf8))
        }
        if verdicts.contains(.invalid) { throw ExitCode(1) }
        if verdicts.contains(.unconfirmed) { throw ExitCode(2) }
    }

    func printHuman(_ report: VerificationReport, source: String, language: Language, noQR: Bool) {
        let ja = language == .ja
        switch report.verdict {
        case .valid:
            let asOf = report.statusAsOf.map { day($0) } ?? ""
            print(ja ? "✔ 有効な証明書です（\(asOf)時点の失効情報で確認、\(source)）" : "✔ VALID certificate, as of the status list of \(asOf) (\(source))")
        case .unconfirmed:
            print(ja ? "？ 本物の証明書ですが、失効していないことは確認できていません（\(source)）" : "? GENUINE certificate, but whether it was revoked is not confirmed (\(source))")
            if let reason = report.unconfirmedReason?.message { print("  " + reason.text(language)) }
        case .invalid:
            print(ja ? "✘ 無効です — 受け付けないでください（\(source)）" : "✘ NOT VALID — do not accept (\(source))")
        }
        if noQR { print(ja ? "  画像からQRコードを読み取れませんでした" : "  no QR code could be read from the image") }
        for check in report.checks {
            let mark = check.status == .passed ? "✔" : check.status == .failed ? "✘" : "–"
            var line = "  \(mark) \(check.name.label.text(language))"
            if let message = check.message { line += ": " + message.text(language) + " [\(check.code ?? "")]" }
            print(line)
        }
        if let claims = report.claims {
            if let kind = report.kind { print("  \(ja ? "種類" : "Kind"): \(kind.label.text(language))") }
            print("  \(ja ? "発行元" : "Issuer"): \(report.authority?.name ?? claims.issuer) (\(claims.issuer))")
            print("  \(ja ? "証明書番号" : "Serial"): \(claims.serialText)")
            print("  \(ja ? "発行日時" : "Issued"): \(iso(claims.issuedAt))")
            if let exp = claims.expiresAt { print("  \(ja ? "有効期限" : "Expires"): \(iso(exp))") }
            if let proof = report.proof {
                print("  \(ja ? "台帳" : "Log"): #\(proof.index) / \(proof.checkpoint.checkpoint.size) (\(proof.checkpoint.checkpoint.origin))")
            }
            let fields = claims.allFields
            let withheld = report.withheld ?? []
            let order = (report.kind?.fields.map(\.id) ?? []) + fields.keys.sorted()
            var shown = Set<String>()
            for key in order where shown.insert(key).inserted {
                let field = report.kind?.field(key)
                let label = field?.label.text(language) ?? key
                if withheld.contains(key) {
                    print("    \(label): \(ja ? "本人の意思で非開示" : "Withheld by the holder")")
                    continue
                }
                guard let value = fields[key] else { continue }
                print("    \(label): \(field.map { value.display($0, language) } ?? "\(value.jsonValue)")")
            }
        }
    }

    /// Writes the `--json` line of one report (without its LF) into `json`.
    func writeJSONLine(_ report: VerificationReport, source: String, language: Language, noQR: Bool, to json: inout JSONLine) {
        var reasons = report.checks.filter { $0.code != nil }.map {
            VerificationLine.Reason(code: $0.code ?? "", check: $0.name.rawValue, message: $0.message?.text(language) ?? "")
        }
        if noQR {
            reasons = [.init(code: "undecodable", check: "decode", message: language == .ja ? "画像からQRコードを読み取れません" : "no QR code found in the image")]
        }
        var log: VerificationLine.Log? = nil, tlogProof: String? = nil
        if let proof = report.proof, let entry = report.entry {
            let c = proof.checkpoint.checkpoint
            log = .init(
                origin: c.origin, index: proof.index, treeSize: c.size, entry: entry, leafHash: report.leafHash ?? Merkle.leafHash(entry),
                inclusionProof: proof.inclusionProof, rootHash: c.rootHash, checkpoint: proof.checkpoint.serialized)
            tlogProof = TlogProof(extra: entry, index: proof.index, inclusionProof: proof.inclusionProof, checkpoint: proof.checkpoint).text
        }
        let line = VerificationLine(
            input: source, verdict: report.verdict.rawValue, valid: report.isValid, reasons: reasons,
            checks: report.checks.map { .init(name: $0.name.rawValue, status: $0.status.rawValue, code: $0.code) },
            envelope: report.checks.first?.status == .passed ? report.envelope : nil,
            statusAsOf: report.statusAsOf.map { iso(Int64($0.timeIntervalSince1970)) },
            claims: report.claims.map { claims in
                .init(
                    kind: claims.kind, issuer: claims.issuer, serial: claims.serialText, issuedAt: iso(claims.issuedAt),
                    expiresAt: claims.expiresAt.map(iso), fields: claims.allFields, withheld: report.withheld)
            },
            log: log, tlogProof: tlogProof)
        line.write(to: &json)
    }

    /// Writes the buffer's bytes to standard output, whole, and empties it.
    func writeStandardOutput(_ out: inout JSONLine) {
        guard !out.bytes.isEmpty else { return }
        fflush(nil)  // anything print() buffered goes first
        out.bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }  // as print() does: output that cannot be written is dropped
                offset += n
            }
        }
        out.removeAll()
    }

    func day(_ date: Date) -> String { CivilDate.japanISODate(Int64(date.timeIntervalSince1970.rounded(.down))) }

    func iso(_ seconds: Int64) -> String { CivilDate.japanISO8601(seconds) }

    func fail(_ code: Int32, _ message: String) -> Never {
        FileHandle.standardError.write(Data("akashi-verify: \(message)\n".utf8))
        Foundation.exit(code)
    }
}

import ArgumentParser
import Certificates
import Foundation
import QRCode
import QRScan

/// `akashi present`: the holder's tool. Reads a certificate's QR (text or
/// image), withholds fields, and writes the reduced QR — offline, with no data
/// directory, no key and no trust file (docs/spec/selective-disclosure.md §4).
struct Present: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Withhold fields from a certificate's QR (the holder's reduced copy), offline.",
        discussion: """
            INPUT is a QR text file, a PNG or JPEG image of the QR, or - for standard input. Writes the reduced \
            QR text to --out (default: standard output) and, with --png, its QR image. Hiding a field hides the \
            fields grouped with it (本籍 with 筆頭者), and says so on standard error. A field that is signed \
            (not withholdable) or not in the certificate is refused: exit 64. Unreadable input: 65; missing: 66.
            """)

    @Option(help: ArgumentHelp("Fields to withhold, by id, comma-separated (birthDate,householder).", valueName: "FIELD[,FIELD...]"))
    var hide: String

    @Option(help: ArgumentHelp("Write the reduced QR text here instead of standard output.", valueName: "FILE"))
    var out: String?

    @Option(help: ArgumentHelp("Also write the reduced QR as a PNG image.", valueName: "FILE"))
    var png: String?

    @Argument(help: "The QR text file, the QR image, or - for standard input.")
    var input: String

    func run() throws {
        let fields = hide.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !fields.isEmpty else { throw fail(Exit.usage, "--hide needs at least one field id / --hide に項目を指定してください") }
        let bytes: [UInt8]
        if input == "-" {
            bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        } else {
            guard let data = FileManager.default.contents(atPath: input) else {
                throw fail(Exit.noInput, "\(input) \(FileManager.default.fileExists(atPath: input) ? "cannot be read" : "does not exist")")
            }
            bytes = [UInt8](data)
        }
        let text: [UInt8]
        if bytes.starts(with: [0x89, 0x50, 0x4e, 0x47]) || bytes.starts(with: [0xff, 0xd8, 0xff]) {
            guard let found = try? QRScanner.decode(imageData: bytes), found.count == 1 else {
                throw fail(Exit.dataError, "\(input): expected exactly one readable QR code in the image / 画像から QR コードを1つ読み取れません")
            }
            text = Array(found[0].utf8)
        } else {
            text = bytes
        }
        let qr: CertificateQR
        do { qr = try CertificateQR(utf8: text) } catch {
            throw fail(Exit.dataError, "\(input): not an Akashi certificate QR: \(error.reason) / 証明書の QR ではありません")
        }
        let reduced: ReducedPresentation
        do { reduced = try qr.withholding(fields) } catch {
            throw fail(error.code == .notWithholdable ? Exit.usage : Exit.dataError, error.reason)
        }
        if !reduced.withheldAlongside.isEmpty {
            printError("同じまとまりの項目も隠しました / also withheld, as they go together: \(reduced.withheldAlongside.joined(separator: ", "))")
        }
        // The verifier URL, if any, is kept: the link still opens the same page.
        let raw = String(decoding: text, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n"))
        let url = raw.firstIndex(of: "#").map { String(raw[..<$0]) }
        let reducedText = reduced.qr.text(verifierURL: url)
        if let out {
            try Data((reducedText + "\n").utf8).write(to: URL(fileURLWithPath: out))
        } else {
            print(reducedText)
        }
        if let png {
            let code = try QRCode.encode(reducedText, level: .medium)
            try Data(code.pngData(scale: 4, quietZone: 4)).write(to: URL(fileURLWithPath: png))
        }
    }

    private func fail(_ code: Int32, _ message: String) -> ExitCode {
        printError(message)
        return ExitCode(code)
    }
}

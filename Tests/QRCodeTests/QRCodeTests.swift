import Foundation
import QRCode
import QRPayload
import QRScan
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// A URL of about 100 characters, the kind a short link would be.
let shortURL = "https://iizuka.example/akashi/v#1:" + String(repeating: "0123456789", count: 6) + "ABCDEFG"

/// A URL with a NumericCodec payload of `bytes` random bytes.
func numericURL(bytes: Int, seed: UInt64 = 7) -> String {
    var rng = SeededGenerator(seed: seed)
    return urlPrefix + NumericCodec.encode(rng.bytes(bytes))
}

@Suite struct QRCodeEncodingTests {
    @Test func symbolShape() throws {
        let code = try QRCode.encode(shortURL)
        #expect(code.level == .medium)
        #expect(code.width == 17 + 4 * code.version)
        #expect(code.modules.count == code.width * code.width)
        // Finder pattern: dark 7×7 ring with a dark 3×3 centre, light between.
        #expect(code[0, 0] && code[0, 6] && code[6, 0] && code[6, 6] && code[3, 3])
        #expect(!code[1, 1] && !code[5, 5] && !code[7, 7])
        // Higher levels need at least as large a version.
        let high = try QRCode.encode(shortURL, level: .high)
        #expect(high.level == .high && high.version > code.version)
    }

    @Test func longNumericPayloadFitsVersion30() throws {
        let text = numericURL(bytes: 1_057)
        #expect((2_590...2_610).contains(text.count))
        let code = try QRCode.encode(text)
        #expect(code.version <= 30)
    }

    /// Versions from docs/MEASURED.md (libqrencode, URL prefix + payload, level M),
    /// reproduced with a 24-character prefix. Base45 needs one version more than
    /// the table at 376 B and 1,084 B with any byte-mode URL prefix longer than a
    /// few characters (the table's base45 column is optimistic there).
    @Test(arguments: [(376, 15, 15, 18), (764, 23, 23, 26), (1_084, 27, 27, 32), (1_236, 30, 30, 34)])
    func versionsMatchMeasuredTable(bytes: Int, numeric: Int, base45: Int, base64: Int) throws {
        let prefix = "https://iizuka.example/#"
        var rng = SeededGenerator(seed: UInt64(bytes))
        let payload = rng.bytes(bytes)
        let numericCode = try QRCode.encode(prefix + NumericCodec.encode(payload))
        let base45Code = try QRCode.encode(prefix + Base45.encode(payload))
        let base64Code = try QRCode.encode(prefix + Base64URL.encode(payload))
        #expect(numericCode.version <= numeric)
        #expect(base45Code.version <= base45 + 1)
        #expect(base64Code.version <= base64)
        // The reason numeric mode exists: clearly better than base64url in byte mode.
        #expect(numericCode.version + 2 < base64Code.version)
    }

    /// With the full 34-character prefix the numeric payload costs one version
    /// more than the table at 376 B (v16) and 1,084 B (v28): about 8 bytes of
    /// URL is enough to cross a version boundary there. Pinned so that a change
    /// in libqrencode's mode split (or in the prefix) is noticed.
    @Test(arguments: [(376, 16), (764, 23), (1_084, 28), (1_236, 30)])
    func versionsWithFullPrefix(bytes: Int, version: Int) throws {
        var rng = SeededGenerator(seed: UInt64(bytes))
        let text = urlPrefix + NumericCodec.encode(rng.bytes(bytes))
        #expect(try QRCode.encode(text).version == version)
    }

    @Test func oversizedInputIsRejected() throws {
        let digits = try #require(throws: QRCodeError.self) {
            try QRCode.encode(String(repeating: "7", count: 5_597))
        }
        #expect(digits.code == .dataTooLarge)
        #expect(digits.reason.contains("5596 digits"))
        #expect(try QRCode.encode(String(repeating: "7", count: 5_596)).version == 40)

        let text = try #require(throws: QRCodeError.self) {
            try QRCode.encode(String(repeating: "a", count: 2_332))
        }
        #expect(text.code == .dataTooLarge)
        let bytes = try #require(throws: QRCodeError.self) {
            try QRCode.encode(bytes: [UInt8](repeating: 0x80, count: 2_332))
        }
        #expect(bytes.code == .dataTooLarge)
        #expect(bytes.reason.contains("2331 bytes"))
        #expect(try QRCode.encode(bytes: [UInt8](repeating: 0x80, count: 2_331)).version == 40)
        let quartile = try #require(throws: QRCodeError.self) {
            try QRCode.encode(bytes: [UInt8](repeating: 0x80, count: 1_664), level: .quartile)
        }
        #expect(quartile.code == .dataTooLarge)
    }

    @Test func invalidInputIsRejected() {
        let nul = #expect(throws: QRCodeError.self) { try QRCode.encode("a\u{0}b") }
        #expect(nul?.code == .invalidInput)
        let empty = #expect(throws: QRCodeError.self) { try QRCode.encode(bytes: []) }
        #expect(empty?.code == .invalidInput)
    }
}

@Suite struct QRCodeRenderingTests {
    /// Every pixel of the PNG is exactly the colour of its module: crisp,
    /// integer scale, and a white quiet zone of the requested width.
    @Test(arguments: [(4, 4), (1, 0), (3, 2)])
    func pngIsPixelExact(scale: Int, quietZone: Int) throws {
        let code = try QRCode.encode(shortURL)
        let png = try code.pngData(scale: scale, quietZone: quietZone)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let image = try GrayImage(imageData: png)
        let side = (code.width + 2 * quietZone) * scale
        #expect(image.width == side && image.height == side)
        var mismatches = 0
        for y in 0..<side {
            for x in 0..<side {
                let row = y / scale - quietZone
                let column = x / scale - quietZone
                let dark = (0..<code.width).contains(row) && (0..<code.width).contains(column) && code[row, column]
                if image[x, y] != (dark ? 0 : 255) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func pngIsSmallAndRefusesHugeImages() throws {
        let code = try QRCode.encode(numericURL(bytes: 1_236))
        let png = try code.pngData()
        #expect(png.count < 16_000)  // 1-bit: a v30 code at 4 px/module
        let error = #expect(throws: QRCodeError.self) { try code.pngData(scale: 200) }
        #expect(error?.code == .imageTooLarge)
    }

    @Test func svgIsWellFormedAndMatchesModules() throws {
        let code = try QRCode.encode(shortURL)
        let svg = code.svg(quietZone: 4, width: "40mm", height: "40mm")
        let parsed = try #require(SVGSummary(svg))
        let side = code.width + 8
        #expect(parsed.root == "svg")
        #expect(parsed.attributes["viewBox"] == "0 0 \(side) \(side)")
        #expect(parsed.attributes["width"] == "40mm" && parsed.attributes["height"] == "40mm")
        #expect(parsed.attributes["shape-rendering"] == "crispEdges")
        #expect(parsed.paths.count == 1)
        // Paint the path's rectangles and compare with the modules.
        var painted = [Bool](repeating: false, count: side * side)
        for (x, y, run) in try #require(parseRuns(parsed.paths[0])) {
            for column in x..<(x + run) {
                #expect(!painted[y * side + column], "overlapping run")
                painted[y * side + column] = true
            }
        }
        for y in 0..<side {
            for x in 0..<side {
                let inside = (4..<(4 + code.width)).contains(x) && (4..<(4 + code.width)).contains(y)
                #expect(painted[y * side + x] == (inside && code[y - 4, x - 4]), "module \(x),\(y)")
            }
        }
        // Without size attributes, and with an attribute value needing escapes.
        let bare = try #require(SVGSummary(code.svg(quietZone: 0)))
        #expect(bare.attributes["width"] == nil)
        #expect(bare.attributes["viewBox"] == "0 0 \(code.width) \(code.width)")
        let escaped = try #require(SVGSummary(code.svg(width: "1\"<&")))
        #expect(escaped.attributes["width"] == "1\"<&")
    }
}

/// Runs "M x y h n v1 h-n z" from the SVG path.
func parseRuns(_ d: String) -> [(Int, Int, Int)]? {
    var runs: [(Int, Int, Int)] = []
    for piece in d.split(separator: "M") {
        let parts = piece.split(whereSeparator: { $0 == " " || $0 == "h" || $0 == "v" || $0 == "z" })
        guard parts.count == 5, let x = Int(parts[0]), let y = Int(parts[1]), let run = Int(parts[2]),
            parts[3] == "1", Int(parts[4]) == -run, run > 0
        else { return nil }
        runs.append((x, y, run))
    }
    return runs
}

/// The root element, its attributes and every path's `d`, from Foundation's XML parser.
final class SVGSummary: NSObject, XMLParserDelegate {
    var root: String?
    var attributes: [String: String] = [:]
    var paths: [String] = []

    init?(_ svg: String) {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        guard parser.parse() else { return nil }
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if root == nil {
            root = name
            self.attributes = attributes
        }
        if name == "path", let d = attributes["d"] { paths.append(d) }
    }
}

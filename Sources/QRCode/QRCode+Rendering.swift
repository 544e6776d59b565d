internal import PNGImage

extension QRCode {
    /// Largest PNG side we render, in pixels. A QR code wider than this is a
    /// mistake (a version-40 code at 100 px per module is 18,500 px), and
    /// refusing it keeps a bad parameter from allocating gigabytes.
    public static let maximumImageSide = 20_000

    /// A PNG of the symbol: 1-bit grayscale, each module exactly `scale` ×
    /// `scale` pixels, black on white, no anti-aliasing.
    ///
    /// Why 1-bit and integer scaling: scanners threshold the image anyway, and
    /// sharp module edges at whole pixels are what they read best; 1-bit also
    /// keeps the file a few kilobytes for the largest codes we make.
    ///
    /// - Parameters:
    ///   - scale: pixels per module, at least 1.
    ///   - quietZone: white border in modules; the standard asks for 4.
    /// - Throws: `.imageTooLarge` when a side would exceed `maximumImageSide`,
    ///   `.libraryFailure` if libpng fails (out of memory).
    public func pngData(scale: Int = 4, quietZone: Int = 4) throws(QRCodeError) -> [UInt8] {
        precondition(scale >= 1, "scale must be at least 1 pixel per module")
        precondition(quietZone >= 0, "quiet zone must not be negative")
        let modulesPerSide = width + 2 * quietZone
        let (side, overflow) = modulesPerSide.multipliedReportingOverflow(by: scale)
        guard !overflow, side <= Self.maximumImageSide else {
            throw QRCodeError(
                .imageTooLarge,
                "a \(modulesPerSide)-module image at \(scale) px per module exceeds \(Self.maximumImageSide) px per side")
        }
        // One packed row per module row (bit set = white), repeated `scale` times.
        let rowBytes = (side + 7) / 8
        var rows = [UInt8](repeating: 0xFF, count: modulesPerSide * rowBytes)
        for row in 0..<width {
            let base = (row + quietZone) * rowBytes
            for column in 0..<width where modules[row * width + column] {
                let firstPixel = (column + quietZone) * scale
                for pixel in firstPixel..<(firstPixel + scale) {
                    rows[base + pixel >> 3] &= ~(0x80 >> UInt8(pixel & 7))
                }
            }
        }
        let lineRows = (0..<side).map { $0 / scale }
        do throws(PNGError) {
            return try PNGEncoder.gray(
                width: side, height: side, bitDepth: 1, rowBytes: rowBytes, rows: rows, rowForLine: lineRows)
        } catch {
            throw QRCodeError(.libraryFailure, error.reason)
        }
    }

    /// An SVG of the symbol: a white background and one `<path>` of dark
    /// unit squares, horizontal runs merged, coordinates in modules.
    ///
    /// Why this shape: a single path scales to any print size without seams
    /// between modules (`shape-rendering="crispEdges"`), and merged runs keep
    /// a version-30 code to tens of kilobytes.
    ///
    /// - Parameters:
    ///   - quietZone: white border in modules, included in the `viewBox`.
    ///   - width, height: optional `width`/`height` attributes, e.g. `"40mm"`;
    ///     without them the SVG fills whatever box it is placed in.
    public func svg(quietZone: Int = 4, width svgWidth: String? = nil, height svgHeight: String? = nil) -> String {
        precondition(quietZone >= 0, "quiet zone must not be negative")
        let side = width + 2 * quietZone
        var path = ""
        for row in 0..<width {
            var column = 0
            while column < width {
                guard modules[row * width + column] else {
                    column += 1
                    continue
                }
                let start = column
                while column < width && modules[row * width + column] {
                    column += 1
                }
                let run = column - start
                path += "M\(start + quietZone) \(row + quietZone)h\(run)v1h-\(run)z"
            }
        }
        var size = ""
        if let svgWidth { size += " width=\"\(Self.escapeAttribute(svgWidth))\"" }
        if let svgHeight { size += " height=\"\(Self.escapeAttribute(svgHeight))\"" }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 \(side) \(side)\"\(size)"
            + " shape-rendering=\"crispEdges\"><rect width=\"\(side)\" height=\"\(side)\" fill=\"#fff\"/>"
            + "<path fill=\"#000\" d=\"\(path)\"/></svg>\n"
    }

    private static func escapeAttribute(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}

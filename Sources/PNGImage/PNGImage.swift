/// A PNG file being read: its header is decoded, its pixels are not yet.
///
/// Why two steps: a small, highly compressed PNG can declare gigapixels. The
/// caller sees ``width`` and ``height`` first and refuses a size before
/// anything is allocated for it; only then does ``grayPixels()`` decode.
/// `~Copyable` and `consuming` because libpng's reader can finish only once.
///
/// The one libpng reader of the project (QR images in `QRScan`); libpng itself
/// is touched only in `PNGImage_png.swift`.
public struct PNGDecoder: ~Copyable {
    private let image: LibPNGReadImage
    /// Pixels per row, at least 1.
    public let width: Int
    /// Rows, at least 1.
    public let height: Int

    /// Reads the PNG header of `data`.
    ///
    /// - Throws: `.unreadableImage` when libpng cannot read the header.
    public init(_ data: [UInt8]) throws(PNGError) {
        let image = LibPNGReadImage(data)
        guard image.beginRead() else {
            throw PNGError(.unreadableImage, "libpng could not read the PNG header: \(image.message)")
        }
        self.image = image
        (width, height) = image.size
    }

    /// The image as 8-bit gray, `width × height` samples row by row from the
    /// top: every PNG variant (palette, 1–16 bits, RGB, alpha, interlaced,
    /// gAMA/sRGB) is converted by libpng, transparency composited on white.
    ///
    /// - Throws: `.unreadableImage` when the image data is damaged or cut off.
    public consuming func grayPixels() throws(PNGError) -> [UInt8] {
        guard let pixels = image.finishReadGray(width: width, height: height) else {
            throw PNGError(.unreadableImage, "libpng could not decode the \(width)×\(height) PNG: \(image.message)")
        }
        return pixels
    }
}

/// PNG files written by libpng: grayscale, non-interlaced, from packed rows.
///
/// The one libpng writer of the project (QR codes in `QRCode`, test and
/// vector images in `QRScan`).
public enum PNGEncoder {
    /// A grayscale PNG of `bitDepth` bits (1, 2, 4, 8 or 16). `rows` holds
    /// distinct packed rows of `rowBytes` bytes each; line `y` of the image is
    /// row `rowForLine[y]`, so a QR code stores one row per module row, not
    /// one per pixel row.
    ///
    /// - Throws: `.libraryFailure` when libpng runs out of memory or fails.
    public static func gray(
        width: Int, height: Int, bitDepth: Int, rowBytes: Int, rows: [UInt8], rowForLine: [Int]
    ) throws(PNGError) -> [UInt8] {
        precondition(width >= 1 && height >= 1, "a PNG has at least one pixel")
        precondition([1, 2, 4, 8, 16].contains(bitDepth), "gray PNGs have 1, 2, 4, 8 or 16 bits per sample")
        precondition(rowBytes >= (width * bitDepth + 7) / 8 && rows.count % rowBytes == 0, "rows must be whole rows")
        precondition(rowForLine.count == height && rowForLine.allSatisfy { $0 >= 0 && $0 < rows.count / rowBytes })
        return try LibPNG.writeGray(
            width: width, height: height, bitDepth: bitDepth, rowBytes: rowBytes, rows: rows, rowForLine: rowForLine)
    }

    /// An 8-bit grayscale PNG of `pixels` (`width × height`, row by row), lossless.
    public static func gray(width: Int, height: Int, pixels: [UInt8]) throws(PNGError) -> [UInt8] {
        precondition(pixels.count == width * height, "pixels must be width × height")
        return try gray(
            width: width, height: height, bitDepth: 8, rowBytes: width, rows: pixels, rowForLine: Array(0..<height))
    }
}

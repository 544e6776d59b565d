/// An 8-bit grayscale image, row-major, 0 = black, 255 = white.
///
/// Why a type of our own: it is the one format zbar scans (Y800), the one
/// every PNG and JPEG is reduced to before scanning, and a simple place for
/// the degradations (`scaled`, `blurred`, `withNoise`) that tests and
/// conformance vectors use to imitate camera photos of printed codes.
public struct GrayImage: Sendable, Hashable {
    /// The largest image we decode or scan: 100 megapixels (≈ 100 MB of gray
    /// pixels). Larger inputs are refused before any allocation so that a
    /// small, highly compressed file cannot exhaust memory.
    public static let maximumPixelCount = 100_000_000

    public let width: Int
    public let height: Int
    /// `width × height` samples, row by row from the top.
    public let pixels: [UInt8]

    /// - Throws: `.invalidImage` unless `width, height ≥ 1` and
    ///   `pixels.count == width × height`; `.imageTooLarge` past `maximumPixelCount`.
    public init(width: Int, height: Int, pixels: [UInt8]) throws(QRScanError) {
        try Self.validate(width: width, height: height)
        guard pixels.count == width * height else {
            throw QRScanError(.invalidImage, "a \(width)×\(height) image needs \(width * height) pixels, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one value.
    public init(width: Int, height: Int, value: UInt8 = 255) throws(QRScanError) {
        try Self.validate(width: width, height: height)
        self.init(unchecked: width, height, [UInt8](repeating: value, count: width * height))
    }

    init(unchecked width: Int, _ height: Int, _ pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    static func validate(width: Int, height: Int) throws(QRScanError) {
        guard width >= 1, height >= 1 else {
            throw QRScanError(.invalidImage, "image dimensions must be positive, got \(width)×\(height)")
        }
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, count <= maximumPixelCount, width <= 1 << 20, height <= 1 << 20 else {
            throw QRScanError(
                .imageTooLarge,
                "a \(width)×\(height) image exceeds the limit of \(maximumPixelCount) pixels (and 2^20 per side)")
        }
    }

    /// The sample at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> UInt8 {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel out of range")
        return pixels[y * width + x]
    }

    // MARK: - Imitating photos

    /// Resampled by `factor` (e.g. 1.7, or 0.6 to shrink) with bilinear
    /// interpolation, so module edges become gray ramps as in a photo.
    /// No prefilter: shrinking far below 1 aliases, as a cheap camera would.
    /// The result is at least 1×1.
    public func scaled(by factor: Double) -> GrayImage {
        precondition(factor > 0 && factor.isFinite, "scale factor must be positive")
        let newWidth = max(1, Int((Double(width) * factor).rounded()))
        let newHeight = max(1, Int((Double(height) * factor).rounded()))
        precondition(newWidth * newHeight <= Self.maximumPixelCount, "scaled image too large")
        // Sample at pixel centres: output x maps to input (x + 0.5)/f − 0.5.
        func taps(_ count: Int, _ inputCount: Int, _ scale: Double) -> [(Int, Int, Double)] {
            (0..<count).map { index in
                let position = min(max((Double(index) + 0.5) * scale - 0.5, 0), Double(inputCount - 1))
                let lower = Int(position)
                return (lower, min(lower + 1, inputCount - 1), position - Double(lower))
            }
        }
        let xTaps = taps(newWidth, width, Double(width) / Double(newWidth))
        let yTaps = taps(newHeight, height, Double(height) / Double(newHeight))
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        for (y, (y0, y1, fy)) in yTaps.enumerated() {
            let row0 = y0 * width
            let row1 = y1 * width
            for (x, (x0, x1, fx)) in xTaps.enumerated() {
                let top = Double(pixels[row0 + x0]) * (1 - fx) + Double(pixels[row0 + x1]) * fx
                let bottom = Double(pixels[row1 + x0]) * (1 - fx) + Double(pixels[row1 + x1]) * fx
                out[y * newWidth + x] = UInt8(min(255, max(0, (top * (1 - fy) + bottom * fy).rounded())))
            }
        }
        return GrayImage(unchecked: newWidth, newHeight, out)
    }

    /// Box-blurred with a `(2·radius + 1)²` kernel (edges clamped): defocus.
    public func blurred(radius: Int) -> GrayImage {
        precondition(radius >= 0, "radius must not be negative")
        guard radius > 0 else { return self }
        func pass(_ source: [UInt8], along horizontal: Bool) -> [UInt8] {
            var out = source
            let (lines, length) = horizontal ? (height, width) : (width, height)
            let span = 2 * radius + 1
            for line in 0..<lines {
                func index(_ i: Int) -> Int {
                    let i = min(max(i, 0), length - 1)
                    return horizontal ? line * width + i : i * width + line
                }
                var sum = 0
                for i in -radius...radius { sum += Int(source[index(i)]) }
                for i in 0..<length {
                    out[index(i)] = UInt8((sum + span / 2) / span)
                    sum += Int(source[index(i + radius + 1)]) - Int(source[index(i - radius)])
                }
            }
            return out
        }
        return GrayImage(unchecked: width, height, pass(pass(pixels, along: true), along: false))
    }

    /// With uniform noise in `-amplitude...amplitude` added to each pixel
    /// (clamped), from a seeded generator so that test vectors are reproducible.
    public func withNoise(amplitude: Int, seed: UInt64) -> GrayImage {
        precondition(amplitude >= 0 && amplitude <= 255, "amplitude must be 0...255")
        var state = seed
        let span = UInt64(2 * amplitude + 1)
        let out = pixels.map { pixel -> UInt8 in
            // SplitMix64: tiny, seedable, and the same on every platform.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let delta = Int(z % span) - amplitude
            return UInt8(min(255, max(0, Int(pixel) + delta)))
        }
        return GrayImage(unchecked: width, height, out)
    }

    /// Black and white swapped (a "dark mode" screen).
    public func inverted() -> GrayImage {
        GrayImage(unchecked: width, height, pixels.map { 255 - $0 })
    }
}

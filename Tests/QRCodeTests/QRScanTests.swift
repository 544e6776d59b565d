import QRCode
import QRPayload
import QRScan
import Testing

@Suite struct QRScanRoundTripTests {
    @Test(arguments: [100, 1_057])
    func viaPNG(payloadBytes: Int) throws {
        let text = payloadBytes == 100 ? shortURL : numericURL(bytes: payloadBytes)
        let png = try QRCode.encode(text).pngData()
        #expect(try QRScanner.decode(imageData: png) == [text])
    }

    @Test func viaJPEG() throws {
        let text = numericURL(bytes: 1_057)
        let gray = try GrayImage(imageData: QRCode.encode(text).pngData())
        let jpeg = try gray.jpegData(quality: 75)
        #expect(Array(jpeg.prefix(3)) == [0xFF, 0xD8, 0xFF])
        #expect(try QRScanner.decode(imageData: jpeg) == [text])
    }

    @Test func viaBilinearScaling() throws {
        let text = numericURL(bytes: 1_057)
        let gray = try GrayImage(imageData: QRCode.encode(text).pngData())
        let scaled = gray.scaled(by: 1.7)
        #expect(scaled.width == Int((Double(gray.width) * 1.7).rounded()))
        #expect(scaled.pixels.contains { $0 != 0 && $0 != 255 })  // edges are now gray ramps
        #expect(try QRScanner.decode(gray: scaled) == [text])
    }

    /// A photo-like chain: resample, defocus, sensor noise, JPEG.
    @Test func viaPhotoLikeDegradation() throws {
        let text = numericURL(bytes: 764)
        let gray = try GrayImage(imageData: QRCode.encode(text).pngData(scale: 3))
        let photo = gray.scaled(by: 1.45).blurred(radius: 1).withNoise(amplitude: 30, seed: 9)
        #expect(try QRScanner.decode(imageData: photo.jpegData(quality: 70)) == [text])
    }

    @Test func invertedImage() throws {
        let gray = try GrayImage(imageData: QRCode.encode(shortURL).pngData())
        #expect(try QRScanner.decode(gray: gray.inverted()) == [shortURL])
    }

    /// Byte mode with every byte value: zbar must return the bytes unconverted.
    @Test func binaryBytesRoundTrip() throws {
        let bytes = (0...255).map { UInt8($0) } + (0...255).reversed().map { UInt8($0) }
        let png = try QRCode.encode(bytes: bytes).pngData()
        #expect(try QRScanner.decodeBytes(imageData: png) == [bytes])
    }

    @Test func twoCodesInOneImage() throws {
        let first = try GrayImage(imageData: QRCode.encode(shortURL).pngData())
        let secondText = numericURL(bytes: 100, seed: 3)
        let second = try GrayImage(imageData: QRCode.encode(secondText).pngData())
        let height = max(first.height, second.height)
        var pixels = [UInt8](repeating: 255, count: (first.width + second.width) * height)
        let width = first.width + second.width
        for y in 0..<height {
            for x in 0..<first.width where y < first.height { pixels[y * width + x] = first[x, y] }
            for x in 0..<second.width where y < second.height { pixels[y * width + first.width + x] = second[x, y] }
        }
        let both = try QRScanner.decode(gray: GrayImage(width: width, height: height, pixels: pixels))
        #expect(Set(both) == [shortURL, secondText])
        #expect(both.count == 2)
    }
}

@Suite struct ImageCodecTests {
    @Test func grayPNGRoundTripIsLossless() throws {
        var rng = SeededGenerator(seed: 11)
        let image = try GrayImage(width: 37, height: 23, pixels: rng.bytes(37 * 23))
        let png = try image.pngData()
        #expect(GrayImage.FileFormat(detecting: png) == .png)
        #expect(try GrayImage(imageData: png) == image)
    }

    @Test func grayJPEGRoundTripIsClose() throws {
        let pixels = (0..<(64 * 48)).map { UInt8(($0 % 64) * 4) }  // smooth ramp
        let image = try GrayImage(width: 64, height: 48, pixels: pixels)
        let decoded = try GrayImage(imageData: image.jpegData(quality: 90))
        #expect(decoded.width == 64 && decoded.height == 48)
        let worst = zip(decoded.pixels, pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 12)
    }

    /// PNGs not of our making: RGBA with transparency (composited on white),
    /// 16-bit gray, 1-bit palette.
    @Test func otherPNGVariantsBecome8BitGray() throws {
        let rgba = try GrayImage(imageData: PNGFixtures.rgba2x2)
        #expect(rgba.width == 2 && rgba.height == 2)
        #expect(rgba[1, 0] == 255)  // transparent → white background
        #expect(rgba[0, 1] == 255 && rgba[1, 1] == 0)
        #expect(rgba[0, 0] > 20 && rgba[0, 0] < 200)  // red → mid gray
        #expect(try GrayImage(imageData: PNGFixtures.gray16).pixels == [0, 255])
        #expect(try GrayImage(imageData: PNGFixtures.palette1).pixels == [0, 255, 0, 255, 0, 255, 0, 255])
    }

    @Test func errors() throws {
        let garbage = #expect(throws: QRScanError.self) { try QRScanner.decode(imageData: Array("GIF89a....".utf8)) }
        #expect(garbage?.code == .unsupportedFormat)
        let empty = #expect(throws: QRScanError.self) { try QRScanner.decode(imageData: []) }
        #expect(empty?.code == .unsupportedFormat)

        let png = try QRCode.encode(shortURL).pngData()
        let truncatedPNG = #expect(throws: QRScanError.self) { try QRScanner.decode(imageData: Array(png.prefix(60))) }
        #expect(truncatedPNG?.code == .unreadableImage)
        var corrupt = png
        corrupt[40] ^= 0xFF  // inside IHDR/IDAT: CRC mismatch
        let corrupted = #expect(throws: QRScanError.self) { try QRScanner.decode(imageData: corrupt) }
        #expect(corrupted?.code == .unreadableImage)

        let jpeg = try GrayImage(width: 16, height: 16).jpegData()
        let truncatedJPEG = #expect(throws: QRScanError.self) { try QRScanner.decode(imageData: Array(jpeg.prefix(20))) }
        #expect(truncatedJPEG?.code == .unreadableImage)

        let blank = #expect(throws: QRScanError.self) { try QRScanner.decode(gray: GrayImage(width: 200, height: 200)) }
        #expect(blank?.code == .noQRCode)
        let blankJPEG = #expect(throws: QRScanError.self) { try QRScanner.decode(imageData: jpeg) }
        #expect(blankJPEG?.code == .noQRCode)

        let size = #expect(throws: QRScanError.self) { try GrayImage(width: 3, height: 3, pixels: [0]) }
        #expect(size?.code == .invalidImage)
        let zero = #expect(throws: QRScanError.self) { try GrayImage(width: 0, height: 3, pixels: []) }
        #expect(zero?.code == .invalidImage)
        let huge = #expect(throws: QRScanError.self) { try GrayImage(width: 20_000, height: 20_000) }
        #expect(huge?.code == .imageTooLarge)
    }
}

/// Damaged files (bytes changed, cut short, inserted) must end in a typed
/// error or a correct read — never a crash, a hang or a different text. The C
/// decoders' longjmp error paths are exercised here.
@Suite struct DamagedImageTests {
    @Test func damagedFilesFailCleanly() throws {
        let png = try QRCode.encode(shortURL).pngData()
        let jpeg = try GrayImage(imageData: png).jpegData()
        let expected: Set<QRScanError.Code> = [.unreadableImage, .noQRCode, .unsupportedFormat]
        var rng = SeededGenerator(seed: 99)
        var failures = 0
        for round in 0..<120 {
            var data = round.isMultiple(of: 2) ? png : jpeg
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let at = Int.random(in: 0..<data.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: data[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: data = Array(data.prefix(at + 1))
                default: data.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                }
            }
            do {
                #expect(try QRScanner.decode(imageData: data) == [shortURL])
            } catch {
                #expect(expected.contains(error.code), "\(error)")
                failures += 1
            }
        }
        #expect(failures > 60)  // most damage is detected, so the loop did test error paths
    }
}

enum PNGFixtures {
    /// 2×2 RGBA: opaque red, fully transparent black / opaque white, opaque black.
    static let rgba2x2: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0x00, 0x00, 0x00, 0x72, 0xB6, 0x0D, 0x24, 0x00, 0x00, 0x00, 0x13, 0x49, 0x44, 0x41,
        0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0x00, 0x44, 0x40, 0xF0, 0x1F, 0x08, 0x40, 0x14, 0x00, 0x39, 0xD8, 0x06, 0xFA,
        0x29, 0x0A, 0x3D, 0x3B, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
    /// 2×1 16-bit gray: 0x0000, 0xFFFF.
    static let gray16: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x81, 0xD9, 0xFC, 0x15, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41,
        0x54, 0x78, 0x9C, 0x63, 0x60, 0x60, 0xF8, 0xFF, 0x1F, 0x00, 0x03, 0x02, 0x01, 0xFF, 0xE6, 0x77, 0x0B, 0xAE, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
    /// 8×1 1-bit palette [white, black], indices 1 0 1 0 1 0 1 0.
    static let palette1: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x08,
        0x00, 0x00, 0x00, 0x01, 0x01, 0x03, 0x00, 0x00, 0x00, 0xD9, 0xCE, 0x7D, 0x00, 0x00, 0x00, 0x00, 0x06, 0x50, 0x4C, 0x54,
        0x45, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x55, 0xC2, 0xD3, 0x7E, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78,
        0x9C, 0x63, 0x58, 0x05, 0x00, 0x00, 0xAC, 0x00, 0xAB, 0x66, 0x0B, 0xE4, 0x6B, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
        0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
}

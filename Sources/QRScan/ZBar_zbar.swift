internal import CZBar

/// Owns one zbar image scanner, configured for QR codes only, and frees it.
final class ZBarImageScanner: @unchecked Sendable {
    // Used by one scan at a time, never shared.
    let scanner: OpaquePointer

    init?() {
        guard let scanner = zbar_image_scanner_create() else { return nil }
        self.scanner = scanner
        // Only QR: the linear symbologies cost time and can misread module
        // patterns as 1-D barcodes.
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        // Return the exact bytes of the symbol. Without this zbar guesses a
        // character set for byte-mode segments (UTF-8, Shift-JIS, ISO 8859-1)
        // and converts to UTF-8; ASCII survives that, but binary data would not.
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1)
        // Also try the inverted image when nothing is found (dark-mode screens).
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_TEST_INVERTED, 1)
    }

    deinit {
        zbar_image_scanner_destroy(scanner)
    }
}

/// Owns one zbar image together with the copy of the pixels it points at,
/// and frees both (the image first), so the pixels outlive every scan.
final class ZBarImage: @unchecked Sendable {
    // Used by one scan at a time, never shared.
    let image: OpaquePointer
    private let pixels: UnsafeMutableBufferPointer<UInt8>

    /// "Y800": 8-bit gray, one byte per pixel, as a zbar fourcc.
    private static let y800: UInt = 0x3030_3859  // 'Y' | '8' << 8 | '0' << 16 | '0' << 24

    init?(_ gray: GrayImage) {
        guard let image = zbar_image_create() else { return nil }
        let pixels = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: gray.pixels.count)
        _ = pixels.initialize(from: gray.pixels)
        self.image = image
        self.pixels = pixels
        zbar_image_set_format(image, Self.y800)
        zbar_image_set_size(image, UInt32(gray.width), UInt32(gray.height))
        // No cleanup handler: this object frees the pixels after destroying the image.
        zbar_image_set_data(image, pixels.baseAddress, UInt(pixels.count), nil)
    }

    deinit {
        zbar_image_destroy(image)
        pixels.deallocate()
    }
}

enum ZBarScan {
    /// The data of every QR symbol zbar finds, in zbar's order.
    static func scan(_ gray: GrayImage) throws(QRScanError) -> [[UInt8]] {
        guard let scanner = ZBarImageScanner(), let image = ZBarImage(gray) else {
            throw QRScanError(.libraryFailure, "zbar could not create a scanner or image (out of memory?)")
        }
        let found = zbar_scan_image(scanner.scanner, image.image)
        guard found >= 0 else {
            throw QRScanError(.libraryFailure, "zbar failed scanning a \(gray.width)×\(gray.height) image")
        }
        var results: [[UInt8]] = []
        var symbol = zbar_image_first_symbol(image.image)
        while let current = symbol {
            if zbar_symbol_get_type(current) == ZBAR_QRCODE, let data = zbar_symbol_get_data(current) {
                let count = Int(zbar_symbol_get_data_length(current))
                results.append(
                    data.withMemoryRebound(to: UInt8.self, capacity: count) {
                        Array(UnsafeBufferPointer(start: $0, count: count))
                    })
            }
            symbol = zbar_symbol_next(current)
        }
        withExtendedLifetime((scanner, image)) {}
        return results
    }
}

internal import CPNG

/// Owns one libpng write struct, its info struct and the buffer its error
/// handler writes messages into, and frees all three.
final class PNGWriteStruct: @unchecked Sendable {
    // Used by one call at a time, never shared.
    let png: OpaquePointer
    let info: OpaquePointer
    private let error: UnsafeMutablePointer<akashi_png_error>

    init?() {
        let error = UnsafeMutablePointer<akashi_png_error>.allocate(capacity: 1)
        error.initialize(to: akashi_png_error())
        guard let png = akashi_png_create_write_struct(error) else {
            error.deallocate()
            return nil
        }
        guard let info = png_create_info_struct(png) else {
            var pngOrNil: OpaquePointer? = png
            png_destroy_write_struct(&pngOrNil, nil)
            error.deallocate()
            return nil
        }
        self.png = png
        self.info = info
        self.error = error
    }

    deinit {
        var pngOrNil: OpaquePointer? = png
        var infoOrNil: OpaquePointer? = info
        png_destroy_write_struct(&pngOrNil, &infoOrNil)
        error.deallocate()
    }

    var message: String {
        withUnsafeBytes(of: error.pointee.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// Collects what libpng writes; reached from the write callback through libpng's io pointer.
private final class PNGByteSink {
    var bytes: [UInt8] = []
}

enum PNGWriter {
    /// Writes a grayscale PNG to memory. `rows` holds distinct packed rows of
    /// `rowBytes` bytes each; line `y` of the image is row `rowForLine[y]`
    /// (so a QR code stores one row per module row, not per pixel row).
    static func writeGray(
        width: Int, height: Int, bitDepth: Int, rowBytes: Int, rows: [UInt8], rowForLine: [Int]
    ) throws(QRCodeError) -> [UInt8] {
        precondition(rowForLine.count == height && rows.count % rowBytes == 0)
        guard let handle = PNGWriteStruct() else {
            throw QRCodeError(.libraryFailure, "libpng could not create a write struct (out of memory?)")
        }
        let sink = PNGByteSink()
        sink.bytes.reserveCapacity(rows.count / 4 + 1024)
        let ok = withExtendedLifetime(sink) { () -> Bool in
            png_set_write_fn(
                handle.png, Unmanaged.passUnretained(sink).toOpaque(),
                { png, data, count in
                    guard let data, let io = png_get_io_ptr(png) else { return }
                    Unmanaged<PNGByteSink>.fromOpaque(io).takeUnretainedValue().bytes
                        .append(contentsOf: UnsafeBufferPointer(start: data, count: count))
                },
                { _ in })
            var rows = rows
            return rows.withUnsafeMutableBufferPointer { buffer -> Bool in
                let base = buffer.baseAddress!
                var pointers: [UnsafeMutablePointer<png_byte>?] = rowForLine.map { base + $0 * rowBytes }
                return pointers.withUnsafeMutableBufferPointer {
                    akashi_png_write_image(
                        handle.png, handle.info, UInt32(width), UInt32(height), Int32(bitDepth),
                        PNG_COLOR_TYPE_GRAY, $0.baseAddress) == 1
                }
            }
        }
        guard ok else {
            throw QRCodeError(.libraryFailure, "libpng failed writing a \(width)×\(height) image: \(handle.message)")
        }
        return sink.bytes
    }
}

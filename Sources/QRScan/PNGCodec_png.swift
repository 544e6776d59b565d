internal import CPNG

/// Owns one `png_image` of libpng's simplified read API (and the decoder
/// state libpng hangs off it) and frees both.
///
/// Why the simplified API for reading: it converts every PNG variant
/// (palette, 1–16-bit, RGB, alpha, interlaced, gAMA/sRGB) to 8-bit gray
/// itself and reports errors by return value, so no longjmp is involved.
final class PNGReadImage: @unchecked Sendable {
    // Used by one call at a time, never shared.
    let image: UnsafeMutablePointer<png_image>

    init() {
        image = .allocate(capacity: 1)
        image.initialize(to: png_image())
        image.pointee.version = UInt32(PNG_IMAGE_VERSION)
    }

    deinit {
        png_image_free(image)  // safe if libpng already freed it
        image.deallocate()
    }

    var message: String {
        withUnsafeBytes(of: image.pointee.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

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

enum PNGCodec {
    static func decodeGray(_ data: [UInt8]) throws(QRScanError) -> GrayImage {
        let reader = PNGReadImage()
        let result = data.withUnsafeBytes { raw -> Result<GrayImage, QRScanError> in
            guard png_image_begin_read_from_memory(reader.image, raw.baseAddress, raw.count) != 0 else {
                return .failure(QRScanError(.unreadableImage, "libpng could not read the PNG header: \(reader.message)"))
            }
            let width = Int(reader.image.pointee.width)
            let height = Int(reader.image.pointee.height)
            do throws(QRScanError) {
                try GrayImage.validate(width: width, height: height)
            } catch {
                return .failure(error)
            }
            reader.image.pointee.format = UInt32(PNG_FORMAT_GRAY)
            var pixels = [UInt8](repeating: 255, count: width * height)
            var white = png_color(red: 255, green: 255, blue: 255)
            let ok = pixels.withUnsafeMutableBytes {
                png_image_finish_read(reader.image, &white, $0.baseAddress, Int32(width), nil) != 0
            }
            guard ok else {
                return .failure(QRScanError(.unreadableImage, "libpng could not decode the \(width)×\(height) PNG: \(reader.message)"))
            }
            return .success(GrayImage(unchecked: width, height, pixels))
        }
        return try result.get()
    }

    static func encodeGray(_ image: GrayImage) throws(QRScanError) -> [UInt8] {
        guard let handle = PNGWriteStruct() else {
            throw QRScanError(.libraryFailure, "libpng could not create a write struct (out of memory?)")
        }
        let sink = PNGByteSink()
        let ok = withExtendedLifetime(sink) { () -> Bool in
            png_set_write_fn(
                handle.png, Unmanaged.passUnretained(sink).toOpaque(),
                { png, data, count in
                    guard let data, let io = png_get_io_ptr(png) else { return }
                    Unmanaged<PNGByteSink>.fromOpaque(io).takeUnretainedValue().bytes
                        .append(contentsOf: UnsafeBufferPointer(start: data, count: count))
                },
                { _ in })
            var pixels = image.pixels
            return pixels.withUnsafeMutableBufferPointer { buffer -> Bool in
                let base = buffer.baseAddress!
                var rows: [UnsafeMutablePointer<png_byte>?] = (0..<image.height).map { base + $0 * image.width }
                return rows.withUnsafeMutableBufferPointer {
                    akashi_png_write_image(
                        handle.png, handle.info, UInt32(image.width), UInt32(image.height), 8,
                        PNG_COLOR_TYPE_GRAY, $0.baseAddress) == 1
                }
            }
        }
        guard ok else {
            throw QRScanError(.libraryFailure, "libpng failed writing a \(image.width)×\(image.height) image: \(handle.message)")
        }
        return sink.bytes
    }
}

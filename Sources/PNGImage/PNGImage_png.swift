internal import CPNG

/// Owns one `png_image` of libpng's simplified read API (and the decoder
/// state libpng hangs off it) together with the copy of the file it reads,
/// and frees them.
///
/// Why the simplified API for reading: it converts every PNG variant to 8-bit
/// gray itself and reports errors by return value, so no longjmp is involved.
/// Why a copy of the bytes: `png_image_begin_read_from_memory` keeps the
/// pointer and reads through it again in `png_image_finish_read`, so the bytes
/// must live as long as the image, which a Swift array does not promise.
final class LibPNGReadImage: @unchecked Sendable {
    // Used by one call at a time, never shared.
    private let image: UnsafeMutablePointer<png_image>
    private let bytes: UnsafeMutableRawBufferPointer

    init(_ data: [UInt8]) {
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: data.count, alignment: 1)
        data.withUnsafeBytes { bytes.copyMemory(from: $0) }
        self.bytes = bytes
        image = .allocate(capacity: 1)
        image.initialize(to: png_image())
        image.pointee.version = UInt32(PNG_IMAGE_VERSION)
    }

    deinit {
        png_image_free(image)  // safe if libpng already freed it
        image.deallocate()
        bytes.deallocate()
    }

    /// Reads the header; false on error (see ``message``).
    func beginRead() -> Bool {
        png_image_begin_read_from_memory(image, bytes.baseAddress, bytes.count) != 0
    }

    /// Width and height from the header (libpng refuses zero).
    var size: (width: Int, height: Int) {
        (Int(image.pointee.width), Int(image.pointee.height))
    }

    /// Decodes to 8-bit gray on white; nil on error (see ``message``). Once only.
    func finishReadGray(width: Int, height: Int) -> [UInt8]? {
        image.pointee.format = UInt32(PNG_FORMAT_GRAY)
        var pixels = [UInt8](repeating: 255, count: width * height)
        var white = png_color(red: 255, green: 255, blue: 255)
        let ok = pixels.withUnsafeMutableBytes {
            png_image_finish_read(image, &white, $0.baseAddress, Int32(width), nil) != 0
        }
        return ok ? pixels : nil
    }

    var message: String {
        withUnsafeBytes(of: image.pointee.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// Owns one libpng write struct, its info struct and the buffer its error
/// handler writes messages into, and frees all three.
final class LibPNGWriteStruct: @unchecked Sendable {
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

/// The one place PNG writing touches libpng.
enum LibPNG {
    /// See ``PNGEncoder/gray(width:height:bitDepth:rowBytes:rows:rowForLine:)``; arguments already checked.
    static func writeGray(
        width: Int, height: Int, bitDepth: Int, rowBytes: Int, rows: [UInt8], rowForLine: [Int]
    ) throws(PNGError) -> [UInt8] {
        guard let handle = LibPNGWriteStruct() else {
            throw PNGError(.libraryFailure, "libpng could not create a write struct (out of memory?)")
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
            throw PNGError(.libraryFailure, "libpng failed writing a \(width)×\(height) image: \(handle.message)")
        }
        return sink.bytes
    }
}

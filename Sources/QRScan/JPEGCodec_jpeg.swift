internal import CJPEG

/// Owns one libjpeg decompressor (with its error manager) and frees it.
final class JPEGDecoder: @unchecked Sendable {
    // Used by one call at a time, never shared.
    let decoder: UnsafeMutablePointer<akashi_jpeg_decoder>

    init?() {
        guard let decoder = akashi_jpeg_decoder_create() else { return nil }
        self.decoder = decoder
    }

    deinit {
        akashi_jpeg_decoder_destroy(decoder)
    }

    var message: String {
        withUnsafeBytes(of: decoder.pointee.error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// Owns one libjpeg compressor (with its error manager and output buffer) and frees it.
final class JPEGEncoder: @unchecked Sendable {
    // Used by one call at a time, never shared.
    let encoder: UnsafeMutablePointer<akashi_jpeg_encoder>

    init?() {
        guard let encoder = akashi_jpeg_encoder_create() else { return nil }
        self.encoder = encoder
    }

    deinit {
        akashi_jpeg_encoder_destroy(encoder)
    }

    var message: String {
        withUnsafeBytes(of: encoder.pointee.error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

enum JPEGCodec {
    static func decodeGray(_ data: [UInt8]) throws(QRScanError) -> GrayImage {
        guard let jpeg = JPEGDecoder() else {
            throw QRScanError(.libraryFailure, "libjpeg could not create a decompressor (out of memory?)")
        }
        // libjpeg reads straight from `data`, so everything happens inside this closure.
        let result = data.withUnsafeBufferPointer { bytes -> Result<GrayImage, QRScanError> in
            guard akashi_jpeg_decoder_read_header(jpeg.decoder, bytes.baseAddress, UInt(bytes.count)) == 1 else {
                return .failure(QRScanError(.unreadableImage, "libjpeg could not read the JPEG header: \(jpeg.message)"))
            }
            let width = Int(jpeg.decoder.pointee.info.image_width)
            let height = Int(jpeg.decoder.pointee.info.image_height)
            do throws(QRScanError) {
                try GrayImage.validate(width: width, height: height)
            } catch {
                return .failure(error)
            }
            jpeg.decoder.pointee.info.out_color_space = JCS_GRAYSCALE
            guard akashi_jpeg_decoder_start(jpeg.decoder) == 1 else {
                return .failure(QRScanError(.unreadableImage, "libjpeg could not decode the \(width)×\(height) JPEG: \(jpeg.message)"))
            }
            guard Int(jpeg.decoder.pointee.info.output_width) == width,
                Int(jpeg.decoder.pointee.info.output_height) == height,
                jpeg.decoder.pointee.info.output_components == 1
            else {
                return .failure(QRScanError(.libraryFailure, "libjpeg did not produce one 8-bit gray channel"))
            }
            var pixels = [UInt8](repeating: 255, count: width * height)
            let failed = pixels.withUnsafeMutableBufferPointer { buffer -> Bool in
                var row = 0
                while row < height {
                    var pointer: JSAMPROW? = buffer.baseAddress! + row * width
                    let read = akashi_jpeg_decoder_read_rows(jpeg.decoder, &pointer, 1)
                    guard read > 0 else { return true }
                    row += read
                }
                return false
            }
            guard !failed, akashi_jpeg_decoder_finish(jpeg.decoder) == 1 else {
                return .failure(QRScanError(.unreadableImage, "libjpeg failed decoding the \(width)×\(height) JPEG: \(jpeg.message)"))
            }
            return .success(GrayImage(unchecked: width, height, pixels))
        }
        return try result.get()
    }

    static func encodeGray(_ image: GrayImage, quality: Int) throws(QRScanError) -> [UInt8] {
        guard image.width <= 65_500, image.height <= 65_500 else {
            throw QRScanError(.imageTooLarge, "JPEG allows at most 65,500 pixels per side, got \(image.width)×\(image.height)")
        }
        guard let jpeg = JPEGEncoder() else {
            throw QRScanError(.libraryFailure, "libjpeg could not create a compressor (out of memory?)")
        }
        guard akashi_jpeg_encoder_start_gray(jpeg.encoder, UInt32(image.width), UInt32(image.height), Int32(quality)) == 1 else {
            throw QRScanError(.libraryFailure, "libjpeg could not start compressing: \(jpeg.message)")
        }
        var pixels = image.pixels
        let ok = pixels.withUnsafeMutableBufferPointer { buffer -> Bool in
            var rows: [JSAMPROW?] = (0..<image.height).map { buffer.baseAddress! + $0 * image.width }
            return rows.withUnsafeMutableBufferPointer { rows -> Bool in
                var written = 0
                while written < image.height {
                    let count = akashi_jpeg_encoder_write_rows(
                        jpeg.encoder, rows.baseAddress! + written, UInt32(image.height - written))
                    guard count > 0 else { return false }
                    written += count
                }
                return true
            }
        }
        guard ok, akashi_jpeg_encoder_finish(jpeg.encoder) == 1 else {
            throw QRScanError(.libraryFailure, "libjpeg failed compressing: \(jpeg.message)")
        }
        return Array(UnsafeBufferPointer(start: jpeg.encoder.pointee.output, count: jpeg.encoder.pointee.output_count))
    }
}

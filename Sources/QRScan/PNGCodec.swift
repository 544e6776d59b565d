internal import PNGImage

/// PNG in and out for ``GrayImage``, through the project's one libpng wrapper
/// (`PNGImage`); this file only applies the size limit and maps the errors.
enum PNGCodec {
    static func decodeGray(_ data: [UInt8]) throws(QRScanError) -> GrayImage {
        let decoder: PNGDecoder
        do throws(PNGError) { decoder = try PNGDecoder(data) } catch { throw QRScanError(error) }
        let (width, height) = (decoder.width, decoder.height)
        // Before any pixel is allocated: see GrayImage.maximumPixelCount.
        try GrayImage.validate(width: width, height: height)
        let pixels: [UInt8]
        do throws(PNGError) { pixels = try decoder.grayPixels() } catch { throw QRScanError(error) }
        return GrayImage(unchecked: width, height, pixels)
    }

    static func encodeGray(_ image: GrayImage) throws(QRScanError) -> [UInt8] {
        do throws(PNGError) {
            return try PNGEncoder.gray(width: image.width, height: image.height, pixels: image.pixels)
        } catch {
            throw QRScanError(error)
        }
    }
}

extension QRScanError {
    /// The same failure in this module's terms (the codes share their names).
    init(_ png: PNGError) {
        self.init(png.code == .unreadableImage ? .unreadableImage : .libraryFailure, png.reason)
    }
}

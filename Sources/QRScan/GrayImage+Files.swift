extension GrayImage {
    /// The image file formats we read, recognised by their first bytes.
    public enum FileFormat: String, Sendable, Hashable {
        case png, jpeg

        /// The format whose signature `data` starts with, or nil.
        public init?(detecting data: [UInt8]) {
            if data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
                self = .png
            } else if data.starts(with: [0xFF, 0xD8, 0xFF]) {
                self = .jpeg
            } else {
                return nil
            }
        }
    }

    /// Decodes a PNG (any color type, bit depth, interlacing, transparency —
    /// composited on white) or a JPEG (converted to grayscale by libjpeg) to
    /// 8-bit gray. The format is taken from the magic bytes, not a name or
    /// MIME type, because uploads and camera apps mislabel files.
    public init(imageData data: [UInt8]) throws(QRScanError) {
        switch FileFormat(detecting: data) {
        case .png: self = try PNGCodec.decodeGray(data)
        case .jpeg: self = try JPEGCodec.decodeGray(data)
        case nil:
            let head = data.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
            throw QRScanError(
                .unsupportedFormat,
                data.isEmpty
                    ? "the image data is empty"
                    : "the image is neither PNG nor JPEG (first bytes: \(head))")
        }
    }

    /// An 8-bit grayscale PNG of the image, lossless.
    public func pngData() throws(QRScanError) -> [UInt8] {
        try PNGCodec.encodeGray(self)
    }

    /// A baseline grayscale JPEG at `quality` 1...100 (75 is a typical
    /// camera/messaging setting); lossy, with the ringing around module edges
    /// that real photos of QR codes have.
    public func jpegData(quality: Int = 75) throws(QRScanError) -> [UInt8] {
        precondition((1...100).contains(quality), "JPEG quality must be 1...100")
        return try JPEGCodec.encodeGray(self, quality: quality)
    }
}

/// Why an image could not be read or held no QR code.
public struct QRScanError: Error, Hashable, CustomStringConvertible {
    /// The kind of failure; extensible.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Neither PNG nor JPEG, judged by the first bytes.
        public static let unsupportedFormat = Code("unsupported-format")
        /// A PNG or JPEG that its library could not decode (corrupt,
        /// truncated, or a variant it does not support); the reason has the
        /// library's message.
        public static let unreadableImage = Code("unreadable-image")
        /// Dimensions or pixel counts that do not describe an image.
        public static let invalidImage = Code("invalid-image")
        /// More pixels than `GrayImage.maximumPixelCount`.
        public static let imageTooLarge = Code("image-too-large")
        /// The image was read but no QR code was found in it.
        public static let noQRCode = Code("no-qr-code")
        /// The C library ran out of memory or failed unexpectedly.
        public static let libraryFailure = Code("library-failure")
    }

    public let code: Code
    /// A sentence for humans: what failed and why.
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}

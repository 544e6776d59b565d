/// Finds and reads QR codes in images, with zbar.
///
/// Why this exists: verifiers receive certificates as photos or scans of
/// paper, or screenshots of phones. The service and the conformance tests
/// must read them the way a verifier would: any PNG or JPEG, any size, gray
/// or color, and more than one code per image.
public enum QRScanner {
    /// The text of every QR code in a PNG or JPEG.
    ///
    /// Symbols are returned as zbar reports them (exact bytes, no character
    /// set conversion) decoded as UTF-8; ASCII payloads — our URLs — come back
    /// exactly as encoded. Bytes that are not UTF-8 become U+FFFD; use
    /// `decodeBytes` for binary payloads.
    ///
    /// - Throws: `.unsupportedFormat` / `.unreadableImage` / `.imageTooLarge`
    ///   when the image cannot be decoded, `.noQRCode` when it has no readable QR code.
    public static func decode(imageData: [UInt8]) throws(QRScanError) -> [String] {
        try decode(gray: GrayImage(imageData: imageData))
    }

    /// The text of every QR code in a grayscale image; see `decode(imageData:)`.
    public static func decode(gray: GrayImage) throws(QRScanError) -> [String] {
        try decodeBytes(gray: gray).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The exact bytes of every QR code in a PNG or JPEG.
    public static func decodeBytes(imageData: [UInt8]) throws(QRScanError) -> [[UInt8]] {
        try decodeBytes(gray: GrayImage(imageData: imageData))
    }

    /// The exact bytes of every QR code in a grayscale image.
    public static func decodeBytes(gray: GrayImage) throws(QRScanError) -> [[UInt8]] {
        let symbols = try ZBarScan.scan(gray)
        guard !symbols.isEmpty else {
            throw QRScanError(
                .noQRCode,
                "no readable QR code in the \(gray.width)×\(gray.height) image (missing, cut off, too blurred, or too small per module)")
        }
        return symbols
    }
}

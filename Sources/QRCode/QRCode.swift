/// A QR code symbol: its version and its modules, nothing else.
///
/// Why a plain value: symbols are made once (off the signing path — the mask
/// search costs milliseconds, see docs/MEASURED.md) and then rendered as PNG
/// or SVG any number of times, from any thread. No C types escape; libqrencode
/// lives in `Encoder_qrencode.swift`, libpng behind the `PNGImage` module.
public struct QRCode: Sendable, Hashable {
    /// How much of the symbol may be damaged and still read. Higher levels
    /// need larger versions for the same data. M is our default: it survives
    /// creases and glare on paper without pushing certificates with a proof
    /// past version 30.
    public enum ErrorCorrectionLevel: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// About 7 % of codewords can be restored.
        case low = "L"
        /// About 15 %.
        case medium = "M"
        /// About 25 %.
        case quartile = "Q"
        /// About 30 %.
        case high = "H"

        public var description: String { rawValue }

        /// What a version-40 symbol holds at this level, for error messages
        /// and capacity planning: (bytes in byte mode, alphanumeric characters, digits).
        public var maximumCapacity: (bytes: Int, alphanumeric: Int, digits: Int) {
            switch self {
            case .low: (2953, 4296, 7089)
            case .medium: (2331, 3391, 5596)
            case .quartile: (1663, 2420, 3993)
            case .high: (1273, 1852, 3057)
            }
        }
    }

    /// The largest QR code version.
    public static let maximumVersion = 40

    /// 1...40; the symbol is `17 + 4·version` modules wide.
    public let version: Int
    public let level: ErrorCorrectionLevel
    /// Modules per side.
    public let width: Int
    /// Row-major, `true` = dark; `width × width` entries, quiet zone not included.
    public let modules: [Bool]

    /// Builds a symbol from its modules; `modules.count` must be `width²`.
    public init(version: Int, level: ErrorCorrectionLevel, width: Int, modules: [Bool]) {
        precondition(width > 0 && modules.count == width * width, "modules must be width × width")
        self.version = version
        self.level = level
        self.width = width
        self.modules = modules
    }

    /// Whether the module at (`row`, `column`) is dark; both 0..<width.
    public subscript(row: Int, column: Int) -> Bool {
        precondition(row >= 0 && row < width && column >= 0 && column < width, "module out of range")
        return modules[row * width + column]
    }

    /// Encodes text in the smallest version that holds it.
    ///
    /// libqrencode splits the text into numeric, alphanumeric and byte segments
    /// by itself, case-sensitively, so a URL followed by a long run of digits
    /// (`NumericCodec`) costs 10 bits per 3 digits for the run. Text is encoded
    /// as UTF-8 with no ECI header; our payloads are ASCII.
    ///
    /// - Throws: `.dataTooLarge` when even version 40 is too small (the reason
    ///   says the capacity), `.invalidInput` when the text contains NUL (use
    ///   `encode(bytes:level:)`).
    public static func encode(_ text: String, level: ErrorCorrectionLevel = .medium) throws(QRCodeError) -> QRCode {
        guard !text.utf8.contains(0) else {
            throw QRCodeError(.invalidInput, "text contains a NUL character, which libqrencode's text mode cannot carry; use encode(bytes:)")
        }
        return try QREncoder.encode(text: text, level: level)
    }

    /// Encodes bytes in a single byte-mode segment, in the smallest version that holds them.
    ///
    /// - Throws: `.dataTooLarge` when more than `level.maximumCapacity.bytes`
    ///   bytes are given, or `.invalidInput` for no bytes at all.
    public static func encode(bytes: [UInt8], level: ErrorCorrectionLevel = .medium) throws(QRCodeError) -> QRCode {
        guard !bytes.isEmpty else {
            throw QRCodeError(.invalidInput, "cannot encode zero bytes")
        }
        guard bytes.count <= level.maximumCapacity.bytes else {
            throw QRCodeError(.dataTooLarge, tooLargeReason(level: level, size: "\(bytes.count) bytes"))
        }
        return try QREncoder.encode(bytes: bytes, level: level)
    }

    static func tooLargeReason(level: ErrorCorrectionLevel, size: String) -> String {
        let capacity = level.maximumCapacity
        return "\(size) do not fit in a QR code at level \(level): version 40 holds at most "
            + "\(capacity.bytes) bytes, \(capacity.alphanumeric) alphanumeric characters or \(capacity.digits) digits"
    }
}

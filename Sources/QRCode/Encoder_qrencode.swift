internal import CQREncode

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Owns one `QRcode` from libqrencode and frees it.
final class QRencodeSymbol: @unchecked Sendable {
    // Immutable after init, only read: safe to share.
    private let pointer: UnsafeMutablePointer<QRcode>

    init(_ pointer: UnsafeMutablePointer<QRcode>) {
        self.pointer = pointer
    }

    deinit {
        QRcode_free(pointer)
    }

    /// Copies the symbol out; bit 0 of each libqrencode byte is "dark".
    func value(level: QRCode.ErrorCorrectionLevel) -> QRCode {
        let width = Int(pointer.pointee.width)
        let data = UnsafeBufferPointer(start: pointer.pointee.data, count: width * width)
        return QRCode(
            version: Int(pointer.pointee.version), level: level, width: width,
            modules: data.map { $0 & 1 == 1 })
    }
}

enum QREncoder {
    static func encode(text: String, level: QRCode.ErrorCorrectionLevel) throws(QRCodeError) -> QRCode {
        errno = 0
        // version 0: the smallest that fits; QR_MODE_8 hint + case-sensitive:
        // automatic numeric/alphanumeric/byte split, lower case kept.
        let symbol = QRcode_encodeString(text, 0, level.qrencode, QR_MODE_8, 1)
        guard let symbol else {
            throw failure(errno: errno, level: level, size: "\(text.utf8.count) bytes of text")
        }
        return QRencodeSymbol(symbol).value(level: level)
    }

    static func encode(bytes: [UInt8], level: QRCode.ErrorCorrectionLevel) throws(QRCodeError) -> QRCode {
        errno = 0
        let symbol = bytes.withUnsafeBufferPointer {
            QRcode_encodeData(Int32($0.count), $0.baseAddress, 0, level.qrencode)
        }
        guard let symbol else {
            throw failure(errno: errno, level: level, size: "\(bytes.count) bytes")
        }
        return QRencodeSymbol(symbol).value(level: level)
    }

    private static func failure(errno code: Int32, level: QRCode.ErrorCorrectionLevel, size: String) -> QRCodeError {
        switch code {
        case ERANGE:
            QRCodeError(.dataTooLarge, QRCode.tooLargeReason(level: level, size: size))
        case EINVAL:
            QRCodeError(.invalidInput, "libqrencode rejected the input as invalid (\(size))")
        case ENOMEM:
            QRCodeError(.libraryFailure, "libqrencode ran out of memory encoding \(size)")
        default:
            QRCodeError(.libraryFailure, "libqrencode failed encoding \(size) (errno \(code))")
        }
    }
}

extension QRCode.ErrorCorrectionLevel {
    fileprivate var qrencode: QRecLevel {
        switch self {
        case .low: QR_ECLEVEL_L
        case .medium: QR_ECLEVEL_M
        case .quartile: QR_ECLEVEL_Q
        case .high: QR_ECLEVEL_H
        }
    }
}

import CBOR

/// Bytes from hex, ignoring spaces. Traps on bad input: test data only.
func hex(_ string: String) -> [UInt8] {
    let digits = string.filter { !$0.isWhitespace }.map { UInt8(String($0), radix: 16)! }
    precondition(digits.count % 2 == 0, "odd hex length")
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}

extension Array where Element == UInt8 {
    var hexString: String {
        map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// Decodes, expecting a specific error code; returns the error for more checks.
@discardableResult
func decodeError(_ bytes: [UInt8], _ options: CBORDecodingOptions = .strict) -> CBORError? {
    do {
        _ = try CBOR(decoding: bytes, options: options)
        return nil
    } catch {
        return error
    }
}

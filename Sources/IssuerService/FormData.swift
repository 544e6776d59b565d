import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body or a query string, in order.
/// The issue form's fields come from the kind's definition, so they are read
/// by name rather than decoded into a fixed type.
public struct FormData: Sendable {
    public private(set) var pairs: [(name: String, value: String)] = []

    public init(_ encoded: String) {
        for part in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(kv[0])
            let value = kv.count > 1 ? Self.decode(kv[1]) : ""
            pairs.append((name, value))
        }
    }

    public subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    public func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    private static func decode(_ s: Substring) -> String {
        let plus = s.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }

    /// Reads a form body, refusing anything larger than `limit` bytes.
    static func read(_ request: Request, limit: Int = 256 * 1024) async throws -> FormData {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        return FormData(String(buffer: buffer))
    }

    static func query(_ request: Request) -> FormData { FormData(request.uri.query ?? "") }
}

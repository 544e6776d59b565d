import CZlib

/// zlib (RFC 1950) compression through the system zlib — the format a
/// browser's `DecompressionStream("deflate")` reads, so the web verifier can
/// open what the issuer compresses.
public enum Deflate {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    public static func compress(_ bytes: [UInt8], level: Int32 = 9) -> [UInt8] {
        var capacity = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(capacity))
        let status = out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { i in compress2(o.baseAddress, &capacity, i.baseAddress, uLong(i.count), level) }
        }
        precondition(status == Z_OK, "zlib compress2 failed with \(status) (out of memory)")
        return Array(out.prefix(Int(capacity)))
    }

    /// Decompresses, refusing output larger than `limit` bytes (a small input
    /// must not be able to make the verifier allocate gigabytes).
    public static func decompress(_ bytes: [UInt8], limit: Int) throws(Error) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Error(description: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = bytes
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { i in
            stream.next_in = i.baseAddress
            stream.avail_in = uInt(i.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { c in
                    stream.next_out = c.baseAddress
                    stream.avail_out = uInt(c.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    out.append(contentsOf: c.prefix(c.count - Int(stream.avail_out)))
                }
            } while status == Z_OK && out.count <= limit
        }
        guard out.count <= limit else { throw Error(description: "the compressed data expands beyond \(limit) bytes") }
        guard status == Z_STREAM_END, stream.avail_in == 0 else {
            throw Error(description: "the compressed data is damaged or truncated (zlib status \(status))")
        }
        return out
    }
}

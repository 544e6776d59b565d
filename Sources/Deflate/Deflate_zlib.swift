internal import CZlib

/// The one place compression touches zlib.
enum Zlib {
    /// One-shot `compress2`: no stream state to own.
    static func compress(_ bytes: [UInt8], level: Int32) -> [UInt8] {
        var capacity = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(capacity))
        let status = out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { i in compress2(o.baseAddress, &capacity, i.baseAddress, uLong(i.count), level) }
        }
        precondition(status == Z_OK, "zlib compress2 failed with \(status) (out of memory)")
        return Array(out.prefix(Int(capacity)))
    }
}

/// Owns one `z_stream` set up for inflating and ends it.
///
/// Why on the heap, in a class: zlib keeps a pointer back to the `z_stream`
/// in its internal state and refuses a stream that has moved
/// (`inflateStateCheck`), and a Swift `var` passed with `&` has no fixed
/// address; `deinit` runs `inflateEnd` on every path, thrown or not.
final class ZlibInflateStream: @unchecked Sendable {
    // Used by one call at a time, never shared.
    private let stream: UnsafeMutablePointer<z_stream>

    enum Outcome {
        case complete([UInt8])
        /// More than the limit came out; decoding stopped there.
        case tooLarge
        /// The input is not exactly one whole zlib stream; zlib's last status.
        case damaged(status: Int32)
    }

    /// nil when zlib cannot start (out of memory).
    init?() {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard inflateInit_(stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            return nil
        }
        self.stream = stream
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Inflates all of `bytes` in 64 KiB steps, stopping once more than `limit` bytes came out.
    func inflate(_ bytes: [UInt8], limit: Int) -> Outcome {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = bytes
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { i in
            stream.pointee.next_in = i.baseAddress
            stream.pointee.avail_in = uInt(i.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { c in
                    stream.pointee.next_out = c.baseAddress
                    stream.pointee.avail_out = uInt(c.count)
                    status = CZlib.inflate(stream, Z_NO_FLUSH)
                    out.append(contentsOf: c.prefix(c.count - Int(stream.pointee.avail_out)))
                }
            } while status == Z_OK && out.count <= limit
        }
        // The buffers die with their closures: leave no dangling pointer in the stream.
        let unread = stream.pointee.avail_in
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        guard out.count <= limit else { return .tooLarge }
        guard status == Z_STREAM_END, unread == 0 else { return .damaged(status: status) }
        return .complete(out)
    }
}

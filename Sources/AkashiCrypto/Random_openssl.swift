internal import CLibCrypto

enum OpenSSLRandom {
    static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        // A CSPRNG that fails must stop the program: a predictable key or salt is worse.
        precondition(ok == 1, "RAND_bytes failed: \(openSSLErrorText())")
        return out
    }
}

import AkashiCrypto
import Foundation
import Testing

@testable import TransparencyLog

/// Paths to the third-party test fixtures copied into the repository
/// (`Tests/Fixtures/`, each folder with its licence and origin), found
/// relative to this source file so a fresh clone needs nothing beside it.
enum Vectors {
    /// The package root: this file is `<root>/Tests/TransparencyLogTests/TestSupport.swift`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TransparencyLogTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root

    static let root: URL =
        packageRoot
        .appendingPathComponent("Tests")
        .appendingPathComponent("Fixtures")

    static func url(_ relative: String) -> URL {
        root.appendingPathComponent(relative)
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(relative)))
    }

    static func text(_ relative: String) throws -> String {
        let data = try Data(contentsOf: url(relative))
        return try #require(String(data: data, encoding: .utf8), "\(relative) is not UTF-8")
    }

    /// Every `.json` file below `relative`, as paths relative to the vectors root, sorted.
    static func jsonFiles(under relative: String) -> [String] {
        let base = url(relative)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        var out: [String] = []
        let prefix = root.standardizedFileURL.path + "/"
        for case let file as URL in walker where file.pathExtension == "json" {
            let path = file.standardizedFileURL.path
            out.append(path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path)
        }
        return out.sorted()
    }
}

/// Lenient base64 for test vectors that deliberately contain empty or
/// wrong-length values: anything Foundation cannot decode becomes its UTF-8
/// bytes, which can never be a valid 32-byte hash.
func lenientBase64(_ text: String) -> [UInt8] {
    if let data = Data(base64Encoded: text) { return [UInt8](data) }
    return Array(text.utf8)
}

func hex(_ text: String) -> [UInt8] {
    guard let bytes = [UInt8](hexString: text) else { fatalError("bad hex literal in a test: \(text)") }
    return bytes
}

/// A small deterministic generator (SplitMix64), so a failing randomized
/// case reproduces from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count + 7)
        while out.count < count {
            withUnsafeBytes(of: next().littleEndian) { out.append(contentsOf: $0) }
        }
        out.removeLast(out.count - count)
        return out
    }
}

/// A fresh Ed25519 key from a deterministic seed.
func testKey(_ label: String) -> Ed25519.PrivateKey {
    try! Ed25519.PrivateKey(seed: SHA256.hash(Array("akashi test key \(label)".utf8)))
}

extension Array where Element == UInt8 {
    /// A copy with bit `bit` (0 = least significant bit of byte 0) inverted.
    func flippingBit(_ bit: Int) -> [UInt8] {
        var copy = self
        copy[bit / 8] ^= 1 << UInt8(bit % 8)
        return copy
    }
}

extension Result where Failure == any Error {
    var succeeded: Bool {
        if case .success = self { return true }
        return false
    }
}

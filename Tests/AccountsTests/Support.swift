import Accounts
import AkashiCrypto
import Foundation
import Store

/// The authority the tests' stores belong to.
let testAuthority = "131016"

/// A fresh temporary directory, removed by the caller's `defer`.
struct TemporaryDirectory: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("akashi-accounts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String = "akashi.sqlite") -> String { url.appendingPathComponent(name).path }

    /// The authority's SQLite file, opened the way the CLI opens it: created on
    /// first use (`akashi init`), opened again after that.
    func store(_ name: String = "akashi.sqlite") throws -> SQLiteStore {
        let path = path(name)
        if FileManager.default.fileExists(atPath: path) { return try SQLiteStore.open(path: path, authority: testAuthority) }
        return try SQLiteStore.create(path: path, authority: testAuthority)
    }

    /// Every byte the store keeps in `name` and its WAL (what a copy of the
    /// directory would hold).
    func storedBytes(_ name: String = "akashi.sqlite") throws -> [UInt8] {
        var bytes: [UInt8] = []
        for suffix in ["", "-wal", "-journal"] where FileManager.default.fileExists(atPath: path(name) + suffix) {
            bytes += try Array(Data(contentsOf: URL(fileURLWithPath: path(name) + suffix)))
        }
        return bytes
    }
}

/// bcrypt cost 4 keeps the tests fast. The account store and the store under it.
func makeStore(_ store: (any AuthorityStore)? = nil) throws -> (AccountStore, any AuthorityStore) {
    let store = try store ?? SQLiteStore.inMemory(authority: testAuthority)
    return (AccountStore(store: store, bcryptCost: 4), store)
}

let goodPassword = "correct horse battery"

extension Array where Element == UInt8 {
    /// Whether `needle` occurs anywhere in these bytes.
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        let first = needle[0]
        var i = 0
        while i <= count - needle.count {
            if self[i] == first, self[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}

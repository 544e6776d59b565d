import Certificates
import Foundation
import LogStore
import Store

/// The authority's private register of residents' subject keys
/// (docs/spec/subject-transparency.md §6): a resident's reference (宛名番号 or
/// whatever the town files them under) → their X25519 public key. Only public
/// keys: the secret stays with the resident. Replacing a key keeps the old
/// one, marked replaced. Nothing of it reaches the log.
public struct SubjectRegistry: Sendable {
    public let store: any AuthorityStore

    public struct Registration: Sendable, Hashable {
        public let reference: String
        public let publicKey: [UInt8]
        public let registeredAt: Date
        public let replacedAt: Date?
    }

    public init(store: any AuthorityStore) {
        self.store = store
    }

    /// Registers `key` for `reference`, replacing its current key if any.
    /// `audit` commits with it. Returns whether an earlier key was replaced.
    @discardableResult
    public func register(reference: String, key: [UInt8], at date: Date = Date(), audit: AuditNote? = nil) async throws -> Bool {
        try Self.checkReference(reference)
        return try await store.registerSubjectKey(reference: reference, key: key, at: Int64(date.timeIntervalSince1970), audit: audit)
    }

    public func key(reference: String) async throws -> [UInt8]? {
        try await store.currentSubjectKey(reference: reference)
    }

    public func history(reference: String) async throws -> [Registration] {
        try await store.subjectKeyHistory(reference: reference).map { record in
            Registration(
                reference: record.reference, publicKey: record.publicKey, registeredAt: Date(timeIntervalSince1970: TimeInterval(record.registeredAt)),
                replacedAt: record.replacedAt.map { Date(timeIntervalSince1970: TimeInterval($0)) })
        }
    }

    static func checkReference(_ reference: String) throws {
        guard (1...100).contains(reference.count),
            reference.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) })
        else {
            throw CertificateError(.invalidInput, "住民の参照番号は空白・制御文字を含まない1〜100文字です / a resident reference is 1 to 100 characters without spaces or controls")
        }
    }
}

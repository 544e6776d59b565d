import Certificates
import Foundation
import Synchronization

/// Subject secrets made at issuance for residents who brought no key
/// (docs/spec/subject-transparency.md §6), held in memory only until the
/// certificate's first print shows them — once — on their own sheet. Never
/// written anywhere; gone after ten minutes or a restart (the resident then
/// registers a key at the counter instead).
public final class FreshSubjectSecrets: Sendable {
    static let lifetime: TimeInterval = 600
    private let state = Mutex<[String: (at: Date, login: String, secrets: [SubjectSecret])]>([:])

    public init() {}

    /// Only the clerk who issued (`login`) gets them on the print.
    func put(serial: String, _ secrets: [SubjectSecret], login: String, at now: Date = Date()) {
        guard !secrets.isEmpty else { return }
        state.withLock { table in
            table = table.filter { now.timeIntervalSince($0.value.at) < Self.lifetime }
            table[serial] = (now, login, secrets)
        }
    }

    /// The secrets of `serial`, removed: a second print does not show them.
    func take(serial: String, login: String, at now: Date = Date()) -> [SubjectSecret] {
        state.withLock { table in
            guard let entry = table[serial], entry.login == login else { return [] }
            table.removeValue(forKey: serial)
            guard now.timeIntervalSince(entry.at) < Self.lifetime else { return [] }
            return entry.secrets
        }
    }
}

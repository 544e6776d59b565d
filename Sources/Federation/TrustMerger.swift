import Certificates
import Foundation
import TransparencyLog

extension FederatedTrustList {
    /// One trust file for verifiers from verified lists and plain trust files.
    ///
    /// Lists with the same name are versions of one list: only the newest
    /// counts (two different lists with the same name and version are a
    /// conflict). Authorities are then combined by issuer id as
    /// ``TrustMerger`` describes; the result does not depend on the order of
    /// the inputs, and the same issuer with different keys is an error.
    public static func merge(_ lists: [FederatedTrustList], trustFiles: [TrustFile] = [], generatedAt: Date = Date()) throws(FederationError) -> TrustFile {
        var newest: [String: FederatedTrustList] = [:]
        for list in lists {
            guard let seen = newest[list.name] else {
                newest[list.name] = list
                continue
            }
            if list.version > seen.version {
                newest[list.name] = list
            } else if list.version == seen.version,
                try TrustMerger.normalized(list.authorities) != TrustMerger.normalized(seen.authorities) || list.expiresAt != seen.expiresAt
            {
                throw FederationError(.conflict, "two different lists are both '\(list.name)' version \(list.version); the federation must not reuse a version")
            }
        }
        var sources = newest.values.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            .map { (label: "list '\($0.name)' v\($0.version)", authorities: $0.authorities) }
        sources += trustFiles.enumerated().map { (label: "trust file \($0.offset + 1)", authorities: $0.element.authorities) }
        return TrustFile(generatedAt: generatedAt, authorities: try TrustMerger.merge(sources))
    }
}

extension TrustFile {
    /// Several trust files as one (e.g. Iizuka's and Kaga's `trust.json`),
    /// combined as ``TrustMerger`` describes.
    public static func merged(_ files: [TrustFile], generatedAt: Date = Date()) throws(FederationError) -> TrustFile {
        TrustFile(
            generatedAt: generatedAt, authorities: try TrustMerger.merge(files.enumerated().map { ("trust file \($0.offset + 1)", $0.element.authorities) }))
    }
}

/// Combines authorities from several sources into one entry per issuer id.
///
/// The same issuer in two sources must agree on its name, verifier URL, log
/// (origin, vkey, the set of witnesses, quorum) and issuer keys (the same key
/// ids, each with the same key, validity and status) — otherwise the merge
/// fails with `conflict`, naming both sources: a stale list still showing a
/// key as active that a newer one declares compromised must not be papered
/// over by picking one. Kinds are the union by id (the same id must have the
/// same definition). Authorities come out sorted by issuer id; a combined
/// one has its keys sorted by (notBefore, kid) and kinds by id — so the
/// result is the same whatever the order of the sources.
public enum TrustMerger {
    public static func merge(_ sources: [(label: String, authorities: [TrustedAuthority])]) throws(FederationError) -> [TrustedAuthority] {
        var byIssuer: [String: (label: String, authority: TrustedAuthority)] = [:]
        for (label, authorities) in sources {
            for authority in try normalized(authorities) {
                try check(authority)
                if let (seenLabel, seen) = byIssuer[authority.issuer] {
                    byIssuer[authority.issuer] = (seenLabel, try combine(seen, seenLabel, authority, label))
                } else {
                    byIssuer[authority.issuer] = (label, authority)
                }
            }
        }
        return byIssuer.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { byIssuer[$0]!.authority }
    }

    /// Whether an authority can be trusted as written: an issuer id, at least
    /// one issuer key (each matching its kid, no kid twice), distinct kind
    /// ids, an Ed25519 log vkey, and a witness rule that is a valid
    /// c2sp.org/tlog-policy (the log key's name is the origin; no duplicate
    /// witnesses; a quorum no larger than the witnesses).
    public static func check(_ authority: TrustedAuthority) throws(FederationError) {
        let who = "authority \(authority.issuer) (\(authority.name))"
        guard !authority.issuer.isEmpty else { throw FederationError(.invalid, "an authority has an empty issuer id") }
        guard !authority.keys.isEmpty else { throw FederationError(.invalid, "\(who) has no issuer keys") }
        var kids: Set<String> = []
        for key in authority.keys {
            do { _ = try key.publicKey() } catch {
                throw FederationError(.invalid, "\(who): issuer key \(key.kid) is invalid: \(error)")
            }
            guard kids.insert(key.kid).inserted else { throw FederationError(.invalid, "\(who): issuer key \(key.kid) is listed twice") }
        }
        var kinds: Set<String> = []
        for kind in authority.kinds where !kinds.insert(kind.id).inserted {
            throw FederationError(.invalid, "\(who): kind \(kind.id) is listed twice")
        }
        let logKey: VerifierKey
        do { logKey = try authority.log.verifierKey() } catch {
            throw FederationError(.invalid, "\(who): the log vkey is invalid: \(error)")
        }
        guard logKey.type == .ed25519 else {
            throw FederationError(.invalid, "\(who): the log vkey is a cosignature key, not a log's Ed25519 key")
        }
        do { _ = try authority.log.tlogPolicy() } catch {
            throw FederationError(.invalid, "\(who): the log's witness policy is invalid: \(error)")
        }
    }

    /// Authorities as their JSON says them (dates in whole seconds), so values
    /// from memory and from files compare equal.
    static func normalized(_ authorities: [TrustedAuthority]) throws(FederationError) -> [TrustedAuthority] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode([TrustedAuthority].self, from: encoder.encode(authorities))
        } catch {
            throw FederationError(.invalid, "the authorities cannot be encoded as JSON: \(error)")
        }
    }

    /// One issuer's log in a canonical form: its tlog-policy as the canonical text.
    static func canonical(_ log: LogTrust) -> LogTrust {
        LogTrust(origin: log.origin, vkey: log.vkey, policy: (try? log.tlogPolicy())?.text ?? log.policy)
    }

    static func combine(_ a: TrustedAuthority, _ aLabel: String, _ b: TrustedAuthority, _ bLabel: String) throws(FederationError) -> TrustedAuthority {
        let who = "issuer \(a.issuer)"
        func conflict(_ what: String) -> FederationError {
            FederationError(.conflict, "\(who): \(aLabel) and \(bLabel) disagree on \(what); refusing to pick one — fix or drop the stale source")
        }
        guard a.name == b.name else { throw conflict("its name ('\(a.name)' / '\(b.name)')") }
        guard a.verifierURL == b.verifierURL else { throw conflict("its verifier URL") }
        let log = canonical(a.log)
        guard log == canonical(b.log) else {
            throw conflict(a.log.origin != b.log.origin || a.log.vkey != b.log.vkey ? "its log (origin or vkey)" : "its log's witnesses or quorum")
        }
        let aKeys = Dictionary(a.keys.map { ($0.kid, $0) }, uniquingKeysWith: { x, _ in x })
        let bKeys = Dictionary(b.keys.map { ($0.kid, $0) }, uniquingKeysWith: { x, _ in x })
        if let only = aKeys.keys.sorted().first(where: { bKeys[$0] == nil }) {
            throw conflict("its issuer keys (key \(only) is only in \(aLabel))")
        }
        if let only = bKeys.keys.sorted().first(where: { aKeys[$0] == nil }) {
            throw conflict("its issuer keys (key \(only) is only in \(bLabel))")
        }
        if let differing = aKeys.keys.sorted().first(where: { aKeys[$0] != bKeys[$0] }) {
            throw conflict("issuer key \(differing) (its status or validity: \(aKeys[differing]!.status) / \(bKeys[differing]!.status))")
        }
        var kinds = Dictionary(a.kinds.map { ($0.id, $0) }, uniquingKeysWith: { x, _ in x })
        for kind in b.kinds {
            if let existing = kinds[kind.id] {
                guard existing == kind else { throw conflict("the definition of kind \(kind.id) (version \(existing.version) / \(kind.version))") }
            } else {
                kinds[kind.id] = kind
            }
        }
        let keys = a.keys.sorted { ($0.notBefore, $0.kid) < ($1.notBefore, $1.kid) }
        return TrustedAuthority(
            issuer: a.issuer, name: a.name, verifierURL: a.verifierURL, keys: keys,
            kinds: kinds.keys.sorted().map { kinds[$0]! }, log: log)
    }
}

/// A transparency log trust policy, c2sp.org/tlog-policy: the logs a verifier
/// accepts, the witnesses it knows, and the quorum of witness cosignatures a
/// checkpoint needs.
///
/// ```
/// log <vkey> [<url>]
/// witness <name> <vkey> [<url>]
/// group <name> all|any|<k> <name>...
/// quorum <name>|none
/// ```
///
/// The text is read as octets: only tab, newline, 0x20–0x7E and 0x80–0xFF may
/// appear; items are separated by spaces and tabs only; every line ends in a
/// newline; empty lines and lines whose first item starts with `#` are
/// ignored. Names and URLs are opaque octet strings (``Token``): "K" and the
/// Kelvin sign are different names, whatever Unicode says.
///
/// Decisions where the specification leaves room (each is tested):
/// - A file whose last line does not end in a newline is refused
///   (`missingNewline`): the specification says every line is terminated by one.
/// - "Each defined name can be listed as a group member at most once" is read
///   across the whole file, so every witness reaches the quorum by one path only
///   (`duplicateMember` for a repeat inside one group or a name already used by
///   an earlier group).
/// - A numeric threshold is ASCII digits only; leading zeros are decimal too.
/// - Log keys must be Ed25519 (type 0x01) and witness keys cosignature/v1
///   (type 0x04); other well-formed vkey types are refused as unsupported.
/// - Limits: 1 MiB of text and at most ``maxEntries`` logs, witnesses and
///   groups each (the specification recommends supporting at least 32).
///
/// A checkpoint is valid (``verify(_:)``) when a listed log whose key name is
/// the checkpoint's origin signed it, and the listed witnesses that cosigned it
/// (cosignature/v1, each counted once however many lines it has) satisfy the
/// quorum. Signatures by keys the policy does not list are ignored; a
/// signature by a listed key (name and key ID match) that does not verify
/// rejects the checkpoint, as c2sp.org/signed-note recommends.
public struct TlogPolicy: Hashable, Sendable, CustomStringConvertible {
    /// An item of a policy line: a name or URL, kept as the exact octets.
    public struct Token: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        public let bytes: [UInt8]

        public init(_ bytes: [UInt8]) { self.bytes = bytes }
        public init(_ string: String) { self.bytes = Array(string.utf8) }
        public init(stringLiteral value: String) { self.init(value) }

        /// The octets as text (invalid UTF-8 is shown as U+FFFD).
        public var description: String { String(decoding: bytes, as: UTF8.self) }

        /// Non-empty, no whitespace (space, tab, newline) and no control characters.
        public var isValid: Bool {
            !bytes.isEmpty && bytes.allSatisfy { ($0 > 0x20 && $0 != 0x7f) }
        }
    }

    public typealias Name = Token

    /// The predefined name: `quorum none` needs no cosignatures.
    public static let none: Name = "none"
    /// Largest policy text accepted.
    public static let maxSize = 1 << 20
    /// Most logs, witnesses and groups (each) accepted.
    public static let maxEntries = 1024

    public struct Log: Hashable, Sendable {
        /// An Ed25519 (type 0x01) key whose name is the log's origin.
        public let key: VerifierKey
        public let url: Token?

        public init(key: VerifierKey, url: Token? = nil) {
            self.key = key
            self.url = url
        }
    }

    public struct Witness: Hashable, Sendable {
        public let name: Name
        /// A cosignature/v1 (type 0x04) key.
        public let key: VerifierKey
        public let url: Token?

        public init(name: Name, key: VerifierKey, url: Token? = nil) {
            self.name = name
            self.key = key
            self.url = url
        }
    }

    public enum Threshold: Hashable, Sendable {
        case any
        case all
        /// At least k members (1 ≤ k ≤ n).
        case atLeast(Int)

        /// How many of `n` members must have witnessed.
        public func required(of n: Int) -> Int {
            switch self {
            case .any: 1
            case .all: n
            case .atLeast(let k): k
            }
        }

        var token: String {
            switch self {
            case .any: "any"
            case .all: "all"
            case .atLeast(let k): String(k)
            }
        }
    }

    public struct Group: Hashable, Sendable {
        public let name: Name
        public let threshold: Threshold
        public let members: [Name]

        public init(name: Name, threshold: Threshold, members: [Name]) {
            self.name = name
            self.threshold = threshold
            self.members = members
        }

        /// How many members must have witnessed for the group to have.
        public var required: Int { threshold.required(of: members.count) }
    }

    /// A named definition, in the order it appears.
    public enum Definition: Hashable, Sendable {
        case witness(Witness)
        case group(Group)

        public var name: Name {
            switch self {
            case .witness(let w): w.name
            case .group(let g): g.name
            }
        }
    }

    public let logs: [Log]
    /// Witnesses and groups, each after every name it refers to.
    public let definitions: [Definition]
    /// A witness, a group, or ``none``.
    public let quorum: Name

    public var witnesses: [Witness] {
        definitions.compactMap { if case .witness(let w) = $0 { w } else { nil } }
    }

    public var groups: [Group] {
        definitions.compactMap { if case .group(let g) = $0 { g } else { nil } }
    }

    /// A policy from its parts, checked exactly as a parsed one is.
    public init(logs: [Log], definitions: [Definition], quorum: Name) throws(TlogPolicyError) {
        var builder = Builder()
        for log in logs {
            if let url = log.url { try builder.checkToken(url, what: "log URL", line: nil) }
            try builder.addLog(log.key, url: log.url, line: nil)
        }
        for definition in definitions {
            switch definition {
            case .witness(let w):
                try builder.checkToken(w.name, what: "witness name", line: nil)
                if let url = w.url { try builder.checkToken(url, what: "witness URL", line: nil) }
                try builder.addWitness(w.name, key: w.key, url: w.url, line: nil)
            case .group(let g):
                try builder.checkToken(g.name, what: "group name", line: nil)
                for member in g.members { try builder.checkToken(member, what: "group member", line: nil) }
                try builder.addGroup(g.name, threshold: g.threshold, members: g.members, line: nil)
            }
        }
        try builder.checkToken(quorum, what: "quorum name", line: nil)
        try builder.setQuorum(quorum, line: nil)
        self = try builder.finish()
    }

    fileprivate init(validated logs: [Log], definitions: [Definition], quorum: Name) {
        self.logs = logs
        self.definitions = definitions
        self.quorum = quorum
    }

    // MARK: Text

    public init(parsing text: String) throws(TlogPolicyError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses a policy file's octets strictly.
    public init(parsing bytes: [UInt8]) throws(TlogPolicyError) {
        guard bytes.count <= Self.maxSize else {
            throw TlogPolicyError(.tooLarge, line: nil, "the policy is larger than \(Self.maxSize) bytes")
        }
        var builder = Builder()
        var start = 0
        var lineNumber = 0
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: 0x0a)
            let line = bytes[start..<(end ?? bytes.count)]
            for byte in line where !(byte == 0x09 || (byte >= 0x20 && byte != 0x7f)) {
                throw TlogPolicyError(
                    .invalidCharacter, line: lineNumber,
                    "octet 0x\([byte].hexString) is not allowed (only tab, newline, 0x20-0x7E and 0x80-0xFF are)")
            }
            guard let end else {
                throw TlogPolicyError(.missingNewline, line: lineNumber, "the last line does not end with a newline")
            }
            start = end + 1
            let items = line.split(omittingEmptySubsequences: true) { $0 == 0x20 || $0 == 0x09 }.map { Token(Array($0)) }
            guard let keyword = items.first, keyword.bytes.first != 0x23 else { continue }  // 0x23: a "#" comment line
            let args = Array(items.dropFirst())
            switch keyword.description {
            case "log":
                guard (1...2).contains(args.count) else {
                    throw TlogPolicyError(.wrongArgumentCount, line: lineNumber, "a log line is 'log <vkey> [<url>]'; it has \(args.count) items after 'log'")
                }
                try builder.addLog(try Self.parseKey(args[0], line: lineNumber), url: args.count == 2 ? args[1] : nil, line: lineNumber)
            case "witness":
                guard (2...3).contains(args.count) else {
                    throw TlogPolicyError(
                        .wrongArgumentCount, line: lineNumber, "a witness line is 'witness <name> <vkey> [<url>]'; it has \(args.count) items after 'witness'")
                }
                try builder.addWitness(args[0], key: try Self.parseKey(args[1], line: lineNumber), url: args.count == 3 ? args[2] : nil, line: lineNumber)
            case "group":
                guard args.count >= 2 else {
                    throw TlogPolicyError(.wrongArgumentCount, line: lineNumber, "a group line is 'group <name> all|any|<k> <name>...'")
                }
                guard args.count >= 3 else {
                    throw TlogPolicyError(.emptyGroup, line: lineNumber, "group '\(args[0])' lists no members; a group needs at least one")
                }
                let threshold = try Self.parseThreshold(args[1], group: args[0], line: lineNumber)
                try builder.addGroup(args[0], threshold: threshold, members: Array(args.dropFirst(2)), line: lineNumber)
            case "quorum":
                guard args.count == 1 else {
                    throw TlogPolicyError(.wrongArgumentCount, line: lineNumber, "a quorum line is 'quorum <name>'; it has \(args.count) items after 'quorum'")
                }
                try builder.setQuorum(args[0], line: lineNumber)
            default:
                throw TlogPolicyError(.unknownKeyword, line: lineNumber, "unknown keyword '\(keyword)' (expected log, witness, group or quorum)")
            }
        }
        self = try builder.finish()
    }

    /// The policy as a file: logs, then witnesses and groups in their order, then the quorum.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        func line(_ items: [[UInt8]]) {
            out += items.joined(separator: [0x20])
            out.append(0x0a)
        }
        for log in logs {
            line([Array("log".utf8), Array(log.key.description.utf8)] + (log.url.map { [$0.bytes] } ?? []))
        }
        for definition in definitions {
            switch definition {
            case .witness(let w):
                line([Array("witness".utf8), w.name.bytes, Array(w.key.description.utf8)] + (w.url.map { [$0.bytes] } ?? []))
            case .group(let g):
                line([Array("group".utf8), g.name.bytes, Array(g.threshold.token.utf8)] + g.members.map(\.bytes))
            }
        }
        line([Array("quorum".utf8), quorum.bytes])
        return out
    }

    /// ``bytes`` as text (names or URLs that are not UTF-8 show as U+FFFD).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { text }

    static func parseKey(_ token: Token, line: Int) throws(TlogPolicyError) -> VerifierKey {
        guard let text = String(validating: token.bytes, as: UTF8.self) else {
            throw TlogPolicyError(.invalidKey, line: line, "the vkey '\(token)' is not UTF-8")
        }
        // A well-formed vkey of a type this implementation does not verify is
        // "unsupported", not "malformed".
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count == 3, let blob = [UInt8](base64String: parts[2]), let type = blob.first, NoteSignatureType(rawValue: type) == nil {
            throw TlogPolicyError(
                .unsupportedKeyType, line: line,
                "vkey '\(parts[0])' has signature type 0x\([type].hexString); this implementation verifies Ed25519 (0x01) logs and cosignature/v1 (0x04) witnesses"
            )
        }
        do {
            return try VerifierKey(parsing: text)
        } catch {
            throw TlogPolicyError(.invalidKey, line: line, "'\(token.description.prefix(80))' is not a valid vkey: \(error.reason)")
        }
    }

    /// all, any, or decimal digits (a value beyond Int becomes Int.max: out of range anyway).
    static func parseThreshold(_ token: Token, group: Name, line: Int) throws(TlogPolicyError) -> Threshold {
        switch token.description {
        case "any": return .any
        case "all": return .all
        default:
            guard token.bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw TlogPolicyError(.invalidThreshold, line: line, "the threshold of group '\(group)' is '\(token)'; it must be all, any or a decimal number")
            }
            var k = 0
            for digit in token.bytes {
                let (times, o1) = k.multipliedReportingOverflow(by: 10)
                let (plus, o2) = times.addingReportingOverflow(Int(digit - 0x30))
                guard !o1, !o2 else { return .atLeast(Int.max) }
                k = plus
            }
            return .atLeast(k)
        }
    }

    // MARK: Verifying

    /// A listed witness that cosigned a checkpoint.
    public struct Cosigner: Hashable, Sendable {
        /// The witness's name in the policy.
        public let name: Name
        public let key: VerifierKey
        /// The latest cosignature time (seconds since 1970) among its lines.
        public let timestamp: UInt64
    }

    /// A checkpoint that satisfied the policy, with who signed it.
    public struct Verified: Hashable, Sendable {
        public let checkpoint: Checkpoint
        /// The listed log whose signature verified.
        public let log: VerifierKey
        /// Listed witnesses whose cosignatures verified, in policy order.
        public let cosigners: [Cosigner]
    }

    /// Checks that a listed log (key name = origin) signed the checkpoint and
    /// that the witnesses that cosigned it satisfy the quorum.
    public func verify(_ signed: SignedCheckpoint) throws(NoteError) -> Verified {
        try witnessed(signed, signedBy: logSigner(of: signed))
    }

    /// The listed log key whose signature on the checkpoint verifies (the
    /// first step of ``verify(_:)``). Throws when no listed log for the
    /// checkpoint's origin signed it, or when a line of a listed log key does
    /// not verify (the checkpoint was altered).
    public func logSigner(of signed: SignedCheckpoint) throws(NoteError) -> VerifierKey {
        let origin = Array(signed.checkpoint.origin.utf8)
        let candidates = logs.filter { Array($0.key.name.utf8) == origin }
        guard !candidates.isEmpty else {
            throw NoteError(
                .unverified,
                logs.isEmpty
                    ? "the policy lists no logs"
                    : "the checkpoint is from log '\(signed.checkpoint.origin)', which the policy does not list")
        }
        let message = Array(signed.note.text.utf8)
        var signer: VerifierKey? = nil
        for log in candidates {
            let verifier = Ed25519NoteVerifier(key: log.key)
            for line in Self.lines(of: log.key, in: signed) {
                guard verifier.verify(message: message, signature: line.bytes) else {
                    throw NoteError(.badSignature, "the signature by log \(log.key.name) does not verify: the checkpoint was altered or signed by another key")
                }
                if signer == nil { signer = log.key }
            }
        }
        guard let signer else {
            throw NoteError(.unverified, "the checkpoint carries no signature by a listed log key for '\(signed.checkpoint.origin)'")
        }
        return signer
    }

    /// The second step of ``verify(_:)``, for a checkpoint whose log
    /// signature ``logSigner(of:)`` has verified: the listed witnesses whose
    /// cosignatures verify, and whether they satisfy the quorum.
    public func witnessed(_ signed: SignedCheckpoint, signedBy signer: VerifierKey) throws(NoteError) -> Verified {
        let message = Array(signed.note.text.utf8)
        var cosigners: [Cosigner] = []
        for witness in witnesses {
            let verifier = CosignatureV1Verifier(key: witness.key)
            var latest: UInt64? = nil
            // A cosignature that does not verify counts as absent, never as a
            // veto: whoever holds the note could as well drop it or change its
            // key ID (docs/spec/compact-proof.md §4.1). Only valid ones count.
            for line in Self.lines(of: witness.key, in: signed) {
                guard verifier.verify(message: message, signature: line.bytes), let time = CosignatureV1.timestamp(of: line.bytes) else { continue }
                latest = max(latest ?? 0, time)
            }
            if let latest { cosigners.append(Cosigner(name: witness.name, key: witness.key, timestamp: latest)) }
        }
        guard isSatisfied(byWitnesses: Set(cosigners.map(\.name))) else {
            let who = cosigners.isEmpty ? "none of the listed witnesses" : cosigners.map(\.name.description).joined(separator: ", ")
            throw NoteError(.unverified, "the witness quorum '\(quorum)' is not satisfied: cosigned by \(who)")
        }
        return Verified(checkpoint: signed.checkpoint, log: signer, cosigners: cosigners)
    }

    /// The signature lines of `key` (same key ID and key name) in the note.
    static func lines(of key: VerifierKey, in signed: SignedCheckpoint) -> [SignedNote.Signature] {
        let name = Array(key.name.utf8)
        return signed.note.signatures.filter { $0.keyID == key.keyID && Array($0.name.utf8) == name }
    }

    /// Whether the quorum holds when exactly the named witnesses have cosigned.
    public func isSatisfied(byWitnesses cosigned: Set<Name>) -> Bool {
        if quorum == Self.none { return true }
        var witnessed: [Name: Bool] = [:]
        for definition in definitions {
            switch definition {
            case .witness(let w):
                witnessed[w.name] = cosigned.contains(w.name)
            case .group(let g):
                witnessed[g.name] = g.members.count(where: { witnessed[$0] == true }) >= g.required
            }
        }
        return witnessed[quorum] == true
    }

    // MARK: One log, k of n witnesses

    /// The policy "this log, and any `quorum` of these witnesses" — what a
    /// trust file written by `LogTrust.policy(logKey:witnesses:quorum:)`
    /// holds: the one log, each witness under its key name, and — for a
    /// quorum of k — a group `quorum` (renamed if a witness has that name) of
    /// all the witnesses with threshold k; `quorum none` when k is 0 or less
    /// (the witnesses are then listed but not needed). `TlogPolicy(logKey:)`
    /// alone is a log that needs no cosignatures.
    ///
    /// A witness whose key name is taken (by `none`, `quorum` or an earlier
    /// witness) is named `<key name>+<key ID>`, so two keys of one name count
    /// as two witnesses.
    ///
    /// Throws as ``init(logs:definitions:quorum:)`` does: `wrongKeyType` for
    /// a log key that is not Ed25519 or a witness key that is not
    /// cosignature/v1, `duplicateWitness` for a witness key given twice,
    /// `emptyGroup` for k > 0 without witnesses, `thresholdOutOfRange` for k
    /// larger than the number of witnesses.
    public init(logKey: VerifierKey, witnesses witnessKeys: [VerifierKey] = [], quorum k: Int = 0) throws(TlogPolicyError) {
        var taken: Set<Name> = [Self.none]
        var listed: [Witness] = []
        for key in witnessKeys {
            var name = Name(key.name)
            if taken.contains(name) { name = Name("\(key.name)+\(hex8(key.keyID))") }
            var n = 2
            while taken.contains(name) {
                name = Name("\(key.name)+\(hex8(key.keyID))-\(n)")
                n += 1
            }
            taken.insert(name)
            listed.append(Witness(name: name, key: key))
        }
        var definitions = listed.map(Definition.witness)
        var quorum = Self.none
        if k > 0 {
            quorum = "quorum"
            var n = 2
            while taken.contains(quorum) {
                quorum = Name("quorum-\(n)")
                n += 1
            }
            definitions.append(.group(Group(name: quorum, threshold: .atLeast(k), members: listed.map(\.name))))
        }
        try self.init(logs: [Log(key: logKey)], definitions: definitions, quorum: quorum)
    }
}

/// Why a tlog-policy was refused. ``code`` is stable for tests and tools;
/// ``line`` is 1-based (nil for whole-file problems and built policies).
public struct TlogPolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable, CaseIterable {
        /// An octet other than tab, newline, 0x20–0x7E or 0x80–0xFF.
        case invalidCharacter
        /// The last line does not end in a newline.
        case missingNewline
        /// The first item is not log, witness, group or quorum.
        case unknownKeyword
        /// Too few or too many items for the keyword.
        case wrongArgumentCount
        /// Not a vkey (syntax, key ID, key length).
        case invalidKey
        /// A well-formed vkey of a signature type this implementation does not verify.
        case unsupportedKeyType
        /// A cosignature key as a log, or a checkpoint key as a witness.
        case wrongKeyType
        /// Two logs wrap the same public key.
        case duplicateLog
        /// Two witnesses wrap the same public key.
        case duplicateWitness
        /// A witness or group name already defined (including `none`).
        case duplicateName
        /// A member or quorum name not defined on a preceding line.
        case undefinedName
        /// `none` listed as a group member.
        case noneAsMember
        /// A name listed as a group member more than once.
        case duplicateMember
        /// A group with no members.
        case emptyGroup
        /// A threshold that is not all, any or decimal digits.
        case invalidThreshold
        /// A numeric threshold outside 1...n.
        case thresholdOutOfRange
        /// No quorum line.
        case missingQuorum
        /// More than one quorum line.
        case duplicateQuorum
        /// Beyond ``TlogPolicy/maxSize`` or ``TlogPolicy/maxEntries``.
        case tooLarge
        /// A built policy's name or URL is empty or contains whitespace or control characters.
        case invalidToken
    }

    public let code: Code
    public let line: Int?
    public let reason: String

    public init(_ code: Code, line: Int?, _ reason: String) {
        self.code = code
        self.line = line
        self.reason = reason
    }

    public var description: String { line.map { "line \($0): \(reason)" } ?? reason }
}

/// Builds a policy definition by definition, enforcing every rule.
private struct Builder {
    var logs: [TlogPolicy.Log] = []
    var definitions: [TlogPolicy.Definition] = []
    /// Defined names (witnesses, groups and `none`).
    var names: Set<TlogPolicy.Name> = [TlogPolicy.none]
    var members: Set<TlogPolicy.Name> = []
    var logKeys: Set<[UInt8]> = []
    var witnessKeys: Set<[UInt8]> = []
    var groupCount = 0
    var quorum: TlogPolicy.Name?

    func checkToken(_ token: TlogPolicy.Token, what: String, line: Int?) throws(TlogPolicyError) {
        guard token.isValid else {
            throw TlogPolicyError(.invalidToken, line: line, "the \(what) '\(token)' is empty or contains whitespace or control characters")
        }
    }

    mutating func addLog(_ key: VerifierKey, url: TlogPolicy.Token?, line: Int?) throws(TlogPolicyError) {
        guard key.type == .ed25519 else {
            throw TlogPolicyError(
                .wrongKeyType, line: line, "log key \(key.name) is a cosignature/v1 key; a log signs checkpoints with an Ed25519 (type 0x01) key")
        }
        guard logKeys.insert(key.publicKey.rawRepresentation).inserted else {
            throw TlogPolicyError(.duplicateLog, line: line, "log key \(key.name) wraps the same public key as an earlier log")
        }
        guard logs.count < TlogPolicy.maxEntries else {
            throw TlogPolicyError(.tooLarge, line: line, "more than \(TlogPolicy.maxEntries) logs")
        }
        logs.append(TlogPolicy.Log(key: key, url: url))
    }

    mutating func addWitness(_ name: TlogPolicy.Name, key: VerifierKey, url: TlogPolicy.Token?, line: Int?) throws(TlogPolicyError) {
        guard key.type == .cosignatureV1 else {
            throw TlogPolicyError(
                .wrongKeyType, line: line, "witness \(name) has an Ed25519 (type 0x01) key; witnesses cosign with cosignature/v1 (type 0x04) keys")
        }
        try define(name, line: line)
        guard witnessKeys.insert(key.publicKey.rawRepresentation).inserted else {
            throw TlogPolicyError(.duplicateWitness, line: line, "witness \(name) wraps the same public key as an earlier witness")
        }
        guard witnessKeys.count <= TlogPolicy.maxEntries else {
            throw TlogPolicyError(.tooLarge, line: line, "more than \(TlogPolicy.maxEntries) witnesses")
        }
        definitions.append(.witness(TlogPolicy.Witness(name: name, key: key, url: url)))
    }

    mutating func addGroup(_ name: TlogPolicy.Name, threshold: TlogPolicy.Threshold, members list: [TlogPolicy.Name], line: Int?) throws(TlogPolicyError) {
        try define(name, line: line)
        guard !list.isEmpty else {
            throw TlogPolicyError(.emptyGroup, line: line, "group '\(name)' lists no members; a group needs at least one")
        }
        for member in list {
            guard member != TlogPolicy.none else {
                throw TlogPolicyError(.noneAsMember, line: line, "group '\(name)' lists 'none', which cannot be a group member")
            }
            guard names.contains(member), member != name else {
                throw TlogPolicyError(.undefinedName, line: line, "group '\(name)' lists '\(member)', which is not defined on an earlier line")
            }
            guard members.insert(member).inserted else {
                throw TlogPolicyError(
                    .duplicateMember, line: line, "'\(member)' is already a group member (in this or an earlier group); each name can be a member only once")
            }
        }
        if case .atLeast(let k) = threshold, k < 1 || k > list.count {
            throw TlogPolicyError(
                .thresholdOutOfRange, line: line, "group '\(name)' has threshold \(k) with \(list.count) members; it must be from 1 to \(list.count)")
        }
        groupCount += 1
        guard groupCount <= TlogPolicy.maxEntries else {
            throw TlogPolicyError(.tooLarge, line: line, "more than \(TlogPolicy.maxEntries) groups")
        }
        definitions.append(.group(TlogPolicy.Group(name: name, threshold: threshold, members: list)))
    }

    mutating func setQuorum(_ name: TlogPolicy.Name, line: Int?) throws(TlogPolicyError) {
        guard quorum == nil else {
            throw TlogPolicyError(.duplicateQuorum, line: line, "a second quorum line; a policy has exactly one")
        }
        guard names.contains(name) else {
            throw TlogPolicyError(.undefinedName, line: line, "the quorum '\(name)' is not a witness or group defined on an earlier line (or none)")
        }
        quorum = name
    }

    /// Claims a name in the one namespace of witnesses and groups.
    private mutating func define(_ name: TlogPolicy.Name, line: Int?) throws(TlogPolicyError) {
        guard names.insert(name).inserted else {
            throw TlogPolicyError(
                .duplicateName, line: line,
                name == TlogPolicy.none
                    ? "'none' is predefined and cannot name a witness or group"
                    : "the name '\(name)' is already defined")
        }
    }

    func finish() throws(TlogPolicyError) -> TlogPolicy {
        guard let quorum else { throw TlogPolicyError(.missingQuorum, line: nil, "the policy has no quorum line (use 'quorum none' for no witnesses)") }
        return TlogPolicy(validated: logs, definitions: definitions, quorum: quorum)
    }
}

// MARK: Verifying checkpoints

/// What decides whether a signed checkpoint is trusted: a ``TlogPolicy``
/// (its ``TlogPolicy/verify(_:)``), or something that picks one — the
/// mirror's `OriginPolicies` chooses by the checkpoint's origin.
public protocol CheckpointVerifying: Sendable {
    func verify(_ signed: SignedCheckpoint) throws(NoteError) -> TlogPolicy.Verified
}

extension TlogPolicy: CheckpointVerifying {}

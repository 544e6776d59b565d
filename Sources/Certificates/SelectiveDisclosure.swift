import AkashiCrypto
import CBOR
import COSE
import SafeText

/// The holder-side part of a certificate (docs/spec/selective-disclosure.md):
/// the shown withholdable fields, one entry per present unit, and the 16-byte
/// nodes from which a verifier recomputes the commitment that the signed
/// `cti` holds.
///
/// Why one seed per *pair* of units rather than one per certificate: with
/// pairs, withholding a unit costs one node and saves the unit's bytes, so a
/// reduced presentation is never larger than the full one (§3.1); a single
/// seed would make hiding one small field cost two extra nodes.
public struct Disclosures: Hashable, Sendable {
    /// A present unit: shown (its fields and their exact encoding, which is
    /// what its leaf hashes) or withheld by the holder.
    public enum Entry: Hashable, Sendable {
        case shown(Unit)
        case withheld

        public var unit: Unit? {
            if case .shown(let unit) = self { return unit }
            return nil
        }
    }

    /// The fields of one unit, with their deterministic CBOR map encoding.
    public struct Unit: Hashable, Sendable {
        public let fields: [(id: String, value: FieldValue)]
        public let bytes: [UInt8]

        public init(_ fields: [String: FieldValue]) {
            let map = CBOR.map(fields.map { (CBOR.textString($0.key), $0.value.cbor) })
            self.init(fields, bytes: try! map.encoded())
        }

        /// The unit with its map's deterministic encoding given: as read,
        /// which a strict decoder guarantees is that encoding.
        init(_ fields: [String: FieldValue], bytes: [UInt8]) {
            self.bytes = bytes
            // In the encoder's order (RFC 8949 §4.2.1: a text key's head holds
            // its length, so shorter ids first, then bytewise).
            self.fields = fields.sorted { a, b in
                let x = a.key.utf8, y = b.key.utf8
                return x.count != y.count ? x.count < y.count : x.lexicographicallyPrecedes(y)
            }.map { ($0.key, $0.value) }
        }

        public static func == (a: Unit, b: Unit) -> Bool { a.bytes == b.bytes }
        public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
    }

    public static let nodeByteCount = 16
    /// At most 16 withholdable fields per kind, so at most 16 units.
    public static let maxUnits = 16

    public let entries: [Entry]
    /// 16 bytes each, pair by pair (§3).
    public let nodes: [[UInt8]]

    init(entries: [Entry], nodes: [[UInt8]]) {
        self.entries = entries
        self.nodes = nodes
    }

    // MARK: Derivations (§2)

    static func h16(_ prefix: UInt8, _ parts: [UInt8]...) -> [UInt8] {
        var input: [UInt8] = []
        input.reserveCapacity(1 + parts.reduce(0) { $0 + $1.count })
        input.append(prefix)
        for part in parts { input.append(contentsOf: part) }
        var digest = SHA256.hash(input)
        digest.removeLast(SHA256.byteCount - nodeByteCount)
        return digest
    }
    static func salt(seed: [UInt8], second: Bool) -> [UInt8] { h16(0x73, seed, [second ? 0x01 : 0x00]) }
    static func leaf(salt: [UInt8], unit: Unit) -> [UInt8] { h16(0x6C, salt, unit.bytes) }
    static func pair(_ leaves: [[UInt8]]) -> [UInt8] { h16(0x70, leaves.flatMap { $0 }) }
    static func root(_ pairs: [[UInt8]]) -> [UInt8] { h16(0x72, pairs.flatMap { $0 }) }

    /// How many nodes a pair with these shown/withheld units has (§3).
    static func nodeCount(_ pair: ArraySlice<Entry>) -> Int {
        let withheld = pair.filter { $0 == .withheld }.count
        return withheld == 0 || withheld == pair.count ? 1 : 2
    }

    static func pairs(_ entries: [Entry]) -> [ArraySlice<Entry>] {
        stride(from: 0, to: entries.count, by: 2).map { entries[$0..<min($0 + 2, entries.count)] }
    }

    /// What a pair's nodes give: its commitment, and the salt of each shown
    /// unit (nil for a withheld one).
    struct PairMaterial {
        var commitment: [UInt8]
        var salts: [[UInt8]?]
        var leaves: [[UInt8]]?
    }

    /// Each pair's material, from the entries and the nodes — the one place
    /// the table of §3 is read.
    func materials() -> [PairMaterial] {
        var next = 0
        func take() -> [UInt8] {
            defer { next += 1 }
            return nodes[next]
        }
        return Self.pairs(entries).map { pair in
            let units = Array(pair)
            if units.allSatisfy({ $0 == .withheld }) {
                return PairMaterial(commitment: take(), salts: units.map { _ in nil }, leaves: nil)
            }
            if units.allSatisfy({ $0 != .withheld }) {
                let s = take()
                let salts = units.indices.map { Self.salt(seed: s, second: $0 == 1) }
                let leaves = zip(salts, units).map { Self.leaf(salt: $0, unit: $1.unit!) }
                return PairMaterial(commitment: Self.pair(leaves), salts: salts, leaves: leaves)
            }
            // Split: the shown unit's salt and the withheld unit's leaf, in unit order.
            let first = take(), second = take()
            let salts: [[UInt8]?] = units[0] == .withheld ? [nil, second] : [first, nil]
            let leaves =
                units[0] == .withheld
                ? [first, Self.leaf(salt: second, unit: units[1].unit!)]
                : [Self.leaf(salt: first, unit: units[0].unit!), second]
            return PairMaterial(commitment: Self.pair(leaves), salts: salts, leaves: leaves)
        }
    }

    /// R, recomputed from what is shown and the nodes (§2).
    public var commitment: [UInt8] { Self.root(materials().map(\.commitment)) }

    // MARK: Issuing and reducing

    /// The full presentation of freshly issued units, with one random seed per
    /// pair, and its commitment R (the certificate's `cti`).
    public static func issue(units: [[String: FieldValue]]) -> (disclosures: Disclosures, commitment: [UInt8]) {
        precondition((1...maxUnits).contains(units.count), "1 to 16 units")
        let entries = units.map { Entry.shown(Unit($0)) }
        let seeds = pairs(entries).map { _ in SecureRandom.bytes(nodeByteCount) }
        let disclosures = Disclosures(entries: entries, nodes: seeds)
        return (disclosures, disclosures.commitment)
    }

    /// The same certificate with the units at `hide` (indexes into
    /// ``entries``) withheld as well (§4). Withheld units stay withheld; the
    /// commitment is unchanged.
    public func withholding(_ hide: Set<Int>) -> Disclosures {
        let newEntries = entries.indices.map { hide.contains($0) ? Entry.withheld : entries[$0] }
        var newNodes: [[UInt8]] = []
        let materials = materials()
        for (j, pair) in Self.pairs(newEntries).enumerated() {
            let units = Array(pair), m = materials[j]
            if units.allSatisfy({ $0 == .withheld }) {
                newNodes.append(m.commitment)
            } else if units.allSatisfy({ $0 != .withheld }) {
                // Nothing new hidden in this pair, and nothing can be shown again: keep its seed.
                newNodes.append(nodes[nodeOffset(ofPair: j)])
            } else {
                let leaves = m.leaves ?? []
                for (i, unit) in units.enumerated() {
                    newNodes.append(unit == .withheld ? leaves[i] : m.salts[i]!)
                }
            }
        }
        return Disclosures(entries: newEntries, nodes: newNodes)
    }

    private func nodeOffset(ofPair j: Int) -> Int {
        Self.pairs(entries).prefix(j).reduce(0) { $0 + Self.nodeCount($1) }
    }

    // MARK: Bytes (§3)

    public var encoded: [UInt8] {
        var items: [CBOR] = entries.map { entry in
            switch entry {
            case .withheld: return .map([])
            case .shown(let unit): return .map(unit.fields.map { (CBOR.textString($0.id), $0.value.cbor) })
            }
        }
        items.append(.byteString(nodes.flatMap { $0 }))
        return try! CBOR.array(items).encoded()
    }

    /// Reads disclosures strictly (§3, certificate.md §1): one item of
    /// Akashi's CBOR profile, an array of 1 to 16 unit entries and a node
    /// string, each entry a map of field ids to field values (or the empty
    /// map), and exactly as many 16-byte nodes as the entries' pattern needs.
    public init(decoding bytes: [UInt8]) throws(CertificateError) {
        func fail(_ what: String) -> CertificateError { CertificateError(.malformedPayload, "the disclosures \(what)") }
        // Each element with the bytes it was read from: in deterministic
        // CBOR a shown unit's bytes are its map's encoding, which its leaf hashes.
        let elements: [(value: CBOR, range: Range<Int>)]?
        do { elements = try CBOR.decodingArrayElements(bytes, options: fieldValueOptions) } catch {
            throw fail("are not CBOR of Akashi's profile: \(error)")
        }
        guard let elements, (2...(Self.maxUnits + 1)).contains(elements.count), let nodeBytes = elements.last?.value.bytes else {
            throw fail("are not an array of 1 to 16 unit entries and a node byte string")
        }
        var entries: [Entry] = []
        for (item, range) in elements.dropLast() {
            guard let map = item.mapEntries else { throw fail("have a unit entry that is not a map") }
            if map.isEmpty {
                entries.append(.withheld)
                continue
            }
            var fields: [String: FieldValue] = [:]
            for (key, raw) in map {
                guard let id = key.text, let field = FieldValue(cbor: raw) else { throw fail("have a field of an unknown form") }
                // Byte-distinct ids that Swift's String equality would merge
                // (canonical equivalence): not both can be field ids; refuse.
                guard fields[id] == nil else { throw fail("have two field ids that are canonically equivalent") }
                fields[id] = field
            }
            entries.append(.shown(Unit(fields, bytes: Array(bytes[range]))))
        }
        let expected = Self.pairs(entries).reduce(0) { $0 + Self.nodeCount($1) }
        guard nodeBytes.count == expected * Self.nodeByteCount else {
            throw fail("have \(nodeBytes.count) node bytes where the shown and withheld units need \(expected * Self.nodeByteCount)")
        }
        let nodes = stride(from: 0, to: nodeBytes.count, by: Self.nodeByteCount).map { Array(nodeBytes[$0..<($0 + Self.nodeByteCount)]) }
        self.init(entries: entries, nodes: nodes)
    }
}

extension CertificateKind {
    /// The withholdable fields in kind order (selective-disclosure.md §1).
    public var withholdableFields: [FieldDefinition] { fields.filter(\.isWithholdable) }

    /// The units: field ids grouped by `withholdGroup`, ordered by each
    /// unit's first field.
    public var withholdingUnits: [[String]] {
        var units: [[String]] = []
        var groupIndex: [String: Int] = [:]
        for field in withholdableFields {
            guard let group = field.withholdGroup else {
                units.append([field.id])
                continue
            }
            if let i = groupIndex[group] {
                units[i].append(field.id)
            } else {
                groupIndex[group] = units.count
                units.append([field.id])
            }
        }
        return units
    }

    /// The present mask for these issued fields: bit i for the i-th
    /// withholdable field (§1.1); nil when none is present.
    public func presentMask(_ fields: [String: FieldValue]) -> UInt16? {
        var mask: UInt16 = 0
        for (i, field) in withholdableFields.enumerated() where fields[field.id] != nil { mask |= 1 << i }
        return mask == 0 ? nil : mask
    }

    /// The ids of the withholdable fields a mask says were issued.
    public func presentWithholdable(_ mask: UInt16) -> [String] { WithholdingRules(self).presentWithholdable(mask) }

    /// The present units, each as its present fields' ids (§1.1).
    public func presentUnits(_ mask: UInt16) -> [[String]] { WithholdingRules(self).presentUnits(mask) }
}

/// What the disclosure rules read of one kind — its withholdable fields and
/// their units — worked out once: a verifier checks every certificate
/// against the same few kinds.
struct WithholdingRules: Sendable {
    /// The withholdable fields in kind order; bit i of a present mask is the i-th.
    let withholdableFields: [FieldDefinition]
    let withholdableIDs: [String]
    /// ``CertificateKind/withholdingUnits``, each id as its bit number.
    let units: [[Int]]

    init(_ kind: CertificateKind) {
        withholdableFields = kind.withholdableFields
        withholdableIDs = withholdableFields.map(\.id)
        // Field ids are distinct (KindRegistry.check), so an id's bit is its one position.
        let bits = Dictionary(withholdableIDs.enumerated().map { (Array($0.element.utf8), $0.offset) }, uniquingKeysWith: { first, _ in first })
        units = kind.withholdingUnits.map { unit in unit.map { bits[Array($0.utf8)]! } }
    }

    /// The ids of the withholdable fields a mask says were issued.
    func presentWithholdable(_ mask: UInt16) -> [String] {
        withholdableIDs.indices.filter { mask & (1 << $0) != 0 }.map { withholdableIDs[$0] }
    }

    /// The present units, each as its present fields' ids (§1.1).
    func presentUnits(_ mask: UInt16) -> [[String]] {
        units.compactMap { unit in
            let present = unit.filter { mask & (1 << $0) != 0 }.map { withholdableIDs[$0] }
            return present.isEmpty ? nil : present
        }
    }
}

extension CertificateKind {
    /// The kindValid rules of selective-disclosure.md §5 step 3: no mask bit
    /// beyond the kind's withholdable fields, and no withholdable field among
    /// the signed ones.
    func withholdingProblems(signed: [String: FieldValue], mask: UInt16?) -> [FieldProblem] {
        withholdingProblems(signed: signed, mask: mask, rules: WithholdingRules(self))
    }

    func withholdingProblems(signed: [String: FieldValue], mask: UInt16?, rules: WithholdingRules) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        let withholdableFields = rules.withholdableFields
        let count = withholdableFields.count
        if let mask, count < 16, mask >> count != 0 {
            problems.append(
                FieldProblem(
                    field: "presentMask", code: "unknownField",
                    ja: "提示できる項目の記録（present mask）が様式にない項目を含みます", en: "the present mask names withholdable fields the kind does not have"))
        }
        for field in withholdableFields where signed.keys.contains(where: { $0.hasSameBytes(as: field.id) }) {
            problems.append(
                FieldProblem(
                    field: field.id, code: "withholdableSigned",
                    ja: "\(field.label.ja)は本人が隠せる項目ですが、署名された項目に含まれています", en: "\(field.label.en) is withholdable but is among the signed fields"))
        }
        return problems
    }
}

extension CertificateVerifier {
    struct DisclosureFailure: Error {
        let code: String
        let ja: String
        let en: String
    }

    /// The `disclosure` check (selective-disclosure.md §5 step 4): the
    /// shown fields and the withheld field ids, or the first failure.
    static func checkDisclosure(
        _ disclosures: Disclosures?, claims: CertificateClaims, kind: CertificateKind
    ) -> Result<([String: FieldValue], [String]), DisclosureFailure> {
        checkDisclosure(disclosures, claims: claims, kind: kind, rules: WithholdingRules(kind))
    }

    static func checkDisclosure(
        _ disclosures: Disclosures?, claims: CertificateClaims, kind: CertificateKind, rules: WithholdingRules
    ) -> Result<([String: FieldValue], [String]), DisclosureFailure> {
        func mismatch(_ ja: String, _ en: String) -> Result<([String: FieldValue], [String]), DisclosureFailure> {
            .failure(DisclosureFailure(code: "disclosureMismatch", ja: "提示された項目が署名と一致しません（\(ja)）", en: "the shown fields do not match the signature: \(en)"))
        }
        guard let mask = claims.presentMask else {
            return disclosures == nil ? .success(([:], [])) : mismatch("署名されていない開示情報があります", "disclosures without a present mask")
        }
        guard let disclosures, let commitment = claims.commitment else { return mismatch("開示情報がありません", "no disclosures") }
        let units = rules.presentUnits(mask)
        guard disclosures.entries.count == units.count else {
            return mismatch("項目のまとまりの数が違います", "\(disclosures.entries.count) unit entries for \(units.count) present units")
        }
        // Step 3, each rule over all entries before the next: an added field
        // is named as such even when the same entry also breaks another rule.
        let shownUnits = zip(disclosures.entries, units).compactMap { entry, ids in entry.unit.map { ($0, ids) } }
        for (unit, _) in shownUnits {
            for (id, _) in unit.fields where kind.field(id) == nil {
                let shown = SafeText.escaped(id, limit: 40)
                return .failure(
                    DisclosureFailure(
                        code: "disclosureUnknownField", ja: "様式にない項目「\(shown)」が加えられています", en: "a field the kind does not define was added: '\(shown)'"))
            }
        }
        for (unit, _) in shownUnits {
            for (id, _) in unit.fields {
                guard let field = kind.field(id), !field.isWithholdable else { continue }
                return .failure(
                    DisclosureFailure(
                        code: "notWithholdable", ja: "隠すことのできない項目（\(field.label.ja)）が開示情報に含まれています",
                        en: "\(field.label.en), which may not be withheld, is in the withholdable part"))
            }
        }
        for (unit, unitIDs) in shownUnits {
            let ids = unit.fields.map { Array($0.id.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
            guard ids == unitIDs.map({ Array($0.utf8) }).sorted(by: { $0.lexicographicallyPrecedes($1) }) else {
                return mismatch("項目のまとまりが発行時と違います", "a unit's fields differ from those issued")
            }
        }
        guard disclosures.commitment == commitment else {
            return mismatch("値が改ざんされたか、別の証明書のものです", "a value was altered, or the disclosures belong to another certificate")
        }
        var shown: [String: FieldValue] = [:]
        var withheld: [String] = []
        for (entry, unitIDs) in zip(disclosures.entries, units) {
            if let unit = entry.unit {
                for (id, value) in unit.fields { shown[id] = value }
            } else {
                withheld += unitIDs
            }
        }
        let problems = shown.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.compactMap { id, value in
            kind.field(id).flatMap { CertificateKind.problem(value, $0) }
        }
        if !problems.isEmpty {
            return .failure(
                DisclosureFailure(
                    code: "invalidFields", ja: "記載事項が様式に合いません: " + problems.map(\.ja).joined(separator: "、"),
                    en: "fields do not match the kind: " + problems.map(\.en).joined(separator: "; ")))
        }
        let order = rules.withholdableIDs
        withheld.sort { (order.firstIndex(of: $0) ?? 0) < (order.firstIndex(of: $1) ?? 0) }
        return .success((shown, withheld))
    }
}

/// A presentation reduced by its holder (selective-disclosure.md §4).
public struct ReducedPresentation: Sendable {
    public let qr: CertificateQR
    /// The fields this reduction withheld (ids of units withheld before are
    /// not in the text any more), in disclosure order.
    public let withheld: [String]
    /// Fields withheld only because they share a unit with a requested one.
    public let withheldAlongside: [String]
}

extension CertificateQR {
    /// Withholds the units holding `fields` — no key, no trust file, no
    /// network: the QR text alone says which fields are withholdable (those
    /// in the disclosures). A field that is signed, or that this copy does not
    /// show (not in the certificate, or already withheld), is refused by name.
    public func withholding(_ fields: [String]) throws(CertificateError) -> ReducedPresentation {
        guard !disclosures.isEmpty else {
            throw CertificateError(
                .notWithholdable,
                "この証明書には本人が隠せる項目がありません / this certificate has no field its holder may withhold")
        }
        let current = try Disclosures(decoding: disclosures)
        var hide = Set<Int>()
        var alongside: [String] = []
        for id in fields {
            if let i = current.entries.firstIndex(where: { $0.unit?.fields.contains { $0.id.utf8.elementsEqual(id.utf8) } ?? false }) {
                if hide.insert(i).inserted {
                    alongside += current.entries[i].unit!.fields.map(\.id).filter { other in !fields.contains { $0.utf8.elementsEqual(other.utf8) } }
                }
                continue
            }
            let signed: Bool
            if let envelope = try? COSESign1(decodingAkashiEnvelope: envelope), let claims = try? CertificateClaims(decoding: envelope.payload) {
                signed = claims.fields.keys.contains { $0.utf8.elementsEqual(id.utf8) }
            } else {
                signed = false
            }
            let name = SafeText.escaped(id, limit: 40)
            // A field withheld before is not in any entry; a signed one cannot be withheld.
            if signed {
                throw CertificateError(
                    .notWithholdable,
                    "項目「\(name)」は証明の内容そのもの（署名された項目）なので隠せません / field '\(name)' is signed and may not be withheld")
            }
            throw CertificateError(
                .notWithholdable,
                "この証明書に表示中の項目「\(name)」はありません（すでに非開示か、ない項目です） / this copy shows no field '\(name)' (already withheld, or not in the certificate)")
        }
        let reduced = current.withholding(hide)
        let withheldNow = zip(current.entries, reduced.entries).flatMap { old, new in new == .withheld ? (old.unit?.fields.map(\.id) ?? []) : [] }
        return ReducedPresentation(
            qr: CertificateQR(envelope: envelope, disclosures: reduced.encoded, proof: proof), withheld: withheldNow, withheldAlongside: alongside)
    }
}

extension CertificateClaims {
    /// The claims of a new certificate and its full disclosures
    /// (docs/spec/selective-disclosure.md §2): the withholdable fields leave
    /// the signed map for units committed to by the `cti`, with fresh seeds;
    /// a certificate with none of them gets a random serial and no disclosures.
    public static func issuing(
        kind: CertificateKind, fields: [String: FieldValue], issuer: String, issuedAt: Int64
    ) -> (claims: CertificateClaims, disclosures: [UInt8]) {
        let withholdable = Set(kind.withholdableFields.map(\.id))
        let held = fields.filter { withholdable.contains($0.key) }
        var claims = CertificateClaims(
            issuer: issuer, issuedAt: issuedAt, expiresAt: kind.validityDays.map { issuedAt + Int64($0) * 86_400 },
            serial: Serial.random(), kind: kind.id, kindVersion: kind.version, fields: fields.filter { !withholdable.contains($0.key) })
        guard let mask = kind.presentMask(held) else { return (claims, []) }
        let units = kind.presentUnits(mask).map { ids in Dictionary(uniqueKeysWithValues: ids.map { ($0, held[$0]!) }) }
        let (disclosures, commitment) = Disclosures.issue(units: units)
        claims.presentMask = mask
        claims.commitment = commitment
        claims.serial = Array(commitment.prefix(serialByteCount))
        claims.withholdable = held
        return (claims, disclosures.encoded)
    }
}

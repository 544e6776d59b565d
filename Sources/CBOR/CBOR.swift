/// One CBOR data item (RFC 8949), as a plain value.
///
/// Akashi signs certificates as COSE_Sign1 over CWT claims, so the bytes of a
/// CBOR value are what a signature covers. That is why this type is a value
/// with a single *deterministic* encoding (RFC 8949 §4.2.1, see
/// ``encoded()``) and why the decoder is strict by default: a certificate has
/// exactly one valid byte form, and anything else is refused rather than
/// "fixed up".
///
/// The cases follow the CBOR data model rather than the wire format:
/// integers are split the way CBOR splits them (major types 0 and 1) so the full
/// range `-2^64 ... 2^64-1` fits; indefinite-length strings and containers, which
/// the lenient decoder accepts, become ordinary definite values.
///
/// ## Equality
/// `==` is equality of CBOR data items, not of Swift values:
/// - maps are compared as unordered collections of entries, because CBOR maps
///   are unordered (§5.6) and the encoder sorts them anyway;
/// - text strings are compared by their UTF-8 bytes, not by Swift's Unicode
///   canonical equivalence: `"é"` (U+00E9) and `"e\u{301}"` are different
///   CBOR values with different encodings, and a signature over one does not
///   cover the other;
/// - floats are compared by bit pattern, so `-0.0 != 0.0` and a NaN equals the
///   same NaN: each has its own encoding.
///
/// In short, two values are equal exactly when their deterministic encodings
/// are equal.
public enum CBOR: Sendable {
    /// Major type 0: an unsigned integer `0 ... 2^64-1`.
    case unsigned(UInt64)
    /// Major type 1: the negative integer `-1 - n`, so `.negative(0)` is -1 and
    /// `.negative(UInt64.max)` is `-2^64`.
    case negative(UInt64)
    /// Major type 2: a byte string.
    case byteString([UInt8])
    /// Major type 3: a UTF-8 text string.
    case textString(String)
    /// Major type 4: an array.
    case array([CBOR])
    /// Major type 5: a map, as its entries in order.
    ///
    /// The order is kept as built or as read, but it does not matter for `==`
    /// or for the encoding (which sorts keys). Keys must be unique: the
    /// encoder throws ``CBORError/Code/duplicateMapKey`` otherwise.
    case map([(key: CBOR, value: CBOR)])
    /// Major type 6: a tagged data item, e.g. `18(COSE_Sign1)`.
    indirect case tagged(UInt64, CBOR)
    /// Simple values 20 and 21.
    case boolean(Bool)
    /// Simple value 22.
    case null
    /// Simple value 23.
    case undefined
    /// A half, single or double precision float, held as a `Double` (every
    /// half and single value, NaN payloads included, converts exactly). It is
    /// written in the shortest of the three formats that keeps the value.
    case float(Double)
}

// MARK: - Building values

extension CBOR {
    /// The integer `value`, as major type 0 or 1.
    public init(_ value: Int64) {
        self = value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(bitPattern: ~value))
    }

    /// The integer `value`, as major type 0 or 1.
    public init(_ value: Int) { self.init(Int64(value)) }

    /// The unsigned integer `value` (major type 0).
    public init(_ value: UInt64) { self = .unsigned(value) }

    /// A map from a dictionary. The order of a dictionary is arbitrary, which is
    /// fine: the encoding sorts the keys.
    public init(_ dictionary: [CBOR: CBOR]) {
        self = .map(dictionary.map { (key: $0.key, value: $0.value) })
    }
}

extension CBOR: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self.init(value) }
}

extension CBOR: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .textString(value) }
}

extension CBOR: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}

extension CBOR: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .float(value) }
}

extension CBOR: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: CBOR...) { self = .array(elements) }
}

extension CBOR: ExpressibleByDictionaryLiteral {
    /// A map with the entries in the order written (keys must still be unique
    /// for the value to encode).
    public init(dictionaryLiteral elements: (CBOR, CBOR)...) {
        self = .map(elements.map { (key: $0.0, value: $0.1) })
    }
}

// MARK: - Reading values

extension CBOR {
    /// The integer, if this is major type 0 or 1 and fits in `Int64`.
    public var int: Int64? {
        switch self {
        case .unsigned(let n): n <= UInt64(Int64.max) ? Int64(n) : nil
        case .negative(let n): n <= UInt64(Int64.max) ? ~Int64(n) : nil
        default: nil
        }
    }

    /// The unsigned integer, if this is major type 0.
    public var uint: UInt64? {
        if case .unsigned(let n) = self { return n }
        return nil
    }

    /// The bytes, if this is a byte string.
    public var bytes: [UInt8]? {
        if case .byteString(let b) = self { return b }
        return nil
    }

    /// The text, if this is a text string.
    public var text: String? {
        if case .textString(let s) = self { return s }
        return nil
    }

    /// The elements, if this is an array.
    public var array: [CBOR]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The entries, if this is a map.
    public var mapEntries: [(key: CBOR, value: CBOR)]? {
        if case .map(let m) = self { return m }
        return nil
    }

    /// The Boolean, if this is `false` or `true`.
    public var bool: Bool? {
        if case .boolean(let b) = self { return b }
        return nil
    }

    /// The float, if this is a floating-point value (integers are not converted).
    public var double: Double? {
        if case .float(let d) = self { return d }
        return nil
    }

    /// The tag number and content, if this is a tagged item.
    public var tagged: (tag: UInt64, value: CBOR)? {
        if case .tagged(let t, let v) = self { return (t, v) }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value stored under `key` if this is a map that has it; `nil`
    /// otherwise. With literals: `claims[1]`, `header["kid"]`.
    public subscript(key: CBOR) -> CBOR? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }
}

// MARK: - Equality

extension CBOR: Hashable {
    public static func == (lhs: CBOR, rhs: CBOR) -> Bool {
        switch (lhs, rhs) {
        case (.unsigned(let a), .unsigned(let b)): a == b
        case (.negative(let a), .negative(let b)): a == b
        case (.byteString(let a), .byteString(let b)): a == b
        case (.textString(let a), .textString(let b)): a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): a == b
        case (.map(let a), .map(let b)): mapsEqual(a, b)
        case (.tagged(let t, let a), .tagged(let u, let b)): t == u && a == b
        case (.boolean(let a), .boolean(let b)): a == b
        case (.null, .null), (.undefined, .undefined): true
        case (.float(let a), .float(let b)): a.bitPattern == b.bitPattern
        default: false
        }
    }

    /// Maps are equal when they hold the same multiset of entries, whatever the
    /// order. Checks the common case (same order) first.
    private static func mapsEqual(_ a: [(key: CBOR, value: CBOR)], _ b: [(key: CBOR, value: CBOR)]) -> Bool {
        guard a.count == b.count else { return false }
        if zip(a, b).allSatisfy({ $0.key == $1.key && $0.value == $1.value }) { return true }
        var counts: [MapEntry: Int] = [:]
        for entry in a { counts[MapEntry(entry), default: 0] += 1 }
        for entry in b {
            let key = MapEntry(entry)
            guard let n = counts[key], n > 0 else { return false }
            counts[key] = n - 1
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .unsigned(let n):
            hasher.combine(0 as UInt8)
            hasher.combine(n)
        case .negative(let n):
            hasher.combine(1 as UInt8)
            hasher.combine(n)
        case .byteString(let b):
            hasher.combine(2 as UInt8)
            hasher.combine(b)
        case .textString(let s):
            hasher.combine(3 as UInt8)
            hasher.combine(s.utf8.count)
            for byte in s.utf8 { hasher.combine(byte) }
        case .array(let a):
            hasher.combine(4 as UInt8)
            hasher.combine(a)
        case .map(let entries):
            // Order-independent, to agree with `==`: a commutative sum of the
            // entries' own hashes.
            hasher.combine(5 as UInt8)
            hasher.combine(entries.count)
            var sum = 0
            for entry in entries { sum &+= MapEntry(entry).hashValue }
            hasher.combine(sum)
        case .tagged(let tag, let value):
            hasher.combine(6 as UInt8)
            hasher.combine(tag)
            hasher.combine(value)
        case .boolean(let b):
            hasher.combine(7 as UInt8)
            hasher.combine(b)
        case .null:
            hasher.combine(8 as UInt8)
        case .undefined:
            hasher.combine(9 as UInt8)
        case .float(let d):
            hasher.combine(10 as UInt8)
            hasher.combine(d.bitPattern)
        }
    }
}

/// A map entry as one hashable thing, for comparing maps as multisets.
private struct MapEntry: Hashable {
    let key: CBOR
    let value: CBOR
    init(_ entry: (key: CBOR, value: CBOR)) {
        key = entry.key
        value = entry.value
    }
}

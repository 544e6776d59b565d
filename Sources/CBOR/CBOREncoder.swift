/// Writes CBOR in the core deterministic encoding of RFC 8949 §4.2.1.
///
/// The rules, and why Akashi needs each:
/// - every integer, length, count and tag number uses its shortest argument
///   form, and floats the shortest of binary16/32/64 that keeps the value —
///   so there is one byte form per value;
/// - only definite lengths — so the length of everything is known up front
///   and a verifier never has to guess where an item ends;
/// - map keys are sorted by the bytewise lexicographic order of their own
///   deterministic encodings, and duplicate keys are an error — so two
///   issuers building the same claims in a different order produce the same
///   bytes, and no reader can pick "the other" value of a repeated key.
///
/// Most code calls ``CBOR/encoded()``. The appending methods here let a caller
/// write large byte strings (a COSE `Sig_structure` around a payload, say)
/// without first wrapping them in ``CBOR`` values.
public struct CBOREncoder: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends the deterministic encoding of `value`.
    ///
    /// - Throws: ``CBORError/Code/duplicateMapKey`` if a map (at any depth)
    ///   has two equal keys. Nothing useful is left in ``bytes`` then.
    public mutating func append(_ value: CBOR) throws(CBORError) {
        switch value {
        case .unsigned(let n):
            appendHead(major: 0, argument: n)
        case .negative(let n):
            appendHead(major: 1, argument: n)
        case .byteString(let b):
            appendByteString(b)
        case .textString(let s):
            appendTextString(s)
        case .array(let elements):
            appendArrayHeader(count: elements.count)
            for element in elements { try append(element) }
        case .map(let entries):
            try appendMap(entries)
        case .tagged(let tag, let content):
            appendTagHeader(tag)
            try append(content)
        case .boolean(let b):
            bytes.append(b ? 0xf5 : 0xf4)
        case .null:
            bytes.append(0xf6)
        case .undefined:
            bytes.append(0xf7)
        case .float(let d):
            appendFloat(d)
        }
    }

    /// Appends an integer (major type 0 or 1).
    public mutating func appendInteger(_ value: Int64) {
        if value >= 0 {
            appendHead(major: 0, argument: UInt64(value))
        } else {
            appendHead(major: 1, argument: UInt64(bitPattern: ~value))
        }
    }

    /// Appends a byte string (major type 2).
    public mutating func appendByteString<Bytes: Collection<UInt8>>(_ value: Bytes) {
        appendHead(major: 2, argument: UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends a text string (major type 3) as its UTF-8 bytes.
    public mutating func appendTextString(_ value: String) {
        let utf8 = value.utf8
        appendHead(major: 3, argument: UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Appends the head of a definite-length array of `count` elements; the
    /// caller must then append exactly `count` data items.
    public mutating func appendArrayHeader(count: Int) {
        precondition(count >= 0, "negative array count")
        appendHead(major: 4, argument: UInt64(count))
    }

    /// Appends the head of a tag; the caller must then append one data item.
    public mutating func appendTagHeader(_ tag: UInt64) {
        appendHead(major: 6, argument: tag)
    }

    /// Appends a float in the shortest IEEE 754 format that keeps its value
    /// (and, for NaN, its sign and payload).
    public mutating func appendFloat(_ value: Double) {
        if let half = FloatFormats.halfBits(exactly: value) {
            bytes.append(0xf9)
            appendBigEndian(UInt64(half), byteCount: 2)
        } else if let single = FloatFormats.singleBits(exactly: value) {
            bytes.append(0xfa)
            appendBigEndian(UInt64(single), byteCount: 4)
        } else {
            bytes.append(0xfb)
            appendBigEndian(value.bitPattern, byteCount: 8)
        }
    }

    /// Keys are encoded on their own first, because the sort order is defined
    /// on the encoded bytes, not on the values.
    private mutating func appendMap(_ entries: [(key: CBOR, value: CBOR)]) throws(CBORError) {
        var encoded: [(key: [UInt8], value: [UInt8], index: Int)] = []
        encoded.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            var keyEncoder = CBOREncoder()
            try keyEncoder.append(entry.key)
            var valueEncoder = CBOREncoder()
            try valueEncoder.append(entry.value)
            encoded.append((keyEncoder.bytes, valueEncoder.bytes, index))
        }
        encoded.sort { $0.key.lexicographicallyPrecedes($1.key) }
        for i in encoded.indices.dropFirst() where encoded[i].key == encoded[i - 1].key {
            throw CBORError(.duplicateMapKey, "a map has the key \(entries[encoded[i].index].key.abbreviatedDescription) twice")
        }
        appendHead(major: 5, argument: UInt64(encoded.count))
        for entry in encoded {
            bytes.append(contentsOf: entry.key)
            bytes.append(contentsOf: entry.value)
        }
    }

    /// The initial byte and shortest argument (§4.2.1, "preferred serialization").
    mutating func appendHead(major: UInt8, argument: UInt64) {
        let type = major << 5
        switch argument {
        case 0..<24:
            bytes.append(type | UInt8(argument))
        case 24...0xff:
            bytes.append(type | 24)
            bytes.append(UInt8(argument))
        case 0x100...0xffff:
            bytes.append(type | 25)
            appendBigEndian(argument, byteCount: 2)
        case 0x1_0000...0xffff_ffff:
            bytes.append(type | 26)
            appendBigEndian(argument, byteCount: 4)
        default:
            bytes.append(type | 27)
            appendBigEndian(argument, byteCount: 8)
        }
    }

    private mutating func appendBigEndian(_ value: UInt64, byteCount: Int) {
        for shift in stride(from: (byteCount - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}

extension CBOR {
    /// The deterministic encoding (RFC 8949 §4.2.1) of this value.
    ///
    /// - Throws: ``CBORError/Code/duplicateMapKey`` if a map has two equal keys;
    ///   that is the only way encoding fails.
    public func encoded() throws(CBORError) -> [UInt8] {
        var encoder = CBOREncoder()
        try encoder.append(self)
        return encoder.bytes
    }
}

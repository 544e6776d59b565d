/// How strictly to read CBOR, and how deep to go.
public struct CBORDecodingOptions: Hashable, Sendable {
    /// Refuse anything that is not in the core deterministic encoding
    /// (RFC 8949 §4.2.1): non-shortest arguments and floats, indefinite
    /// lengths, unsorted map keys. On for certificates: a signed object with
    /// two byte forms invites "same value, different bytes" confusion between
    /// the component that checks a signature and the one that acts on the data.
    public var requireDeterministic: Bool
    /// The deepest nesting of arrays, maps and tags accepted. Decoding
    /// recurses once per level, so this bounds stack use on hostile input.
    public var maxDepth: Int
    /// Whether major type 7 is read at all: `false`, `true`, `null`,
    /// `undefined` and floats. Off in Akashi's profile, whose data has none
    /// (docs/spec/certificate.md §1 rule 5): a value that cannot occur in a
    /// certificate is refused where it is read, not wherever a caller forgets.
    public var allowsMajorType7: Bool
    /// The tag numbers accepted, anywhere in the item; `nil` accepts every
    /// tag. Which of them may stand *where* is the caller's structure check.
    public var allowedTags: Set<UInt64>?

    public init(requireDeterministic: Bool = true, maxDepth: Int = 64, allowsMajorType7: Bool = true, allowedTags: Set<UInt64>? = nil) {
        self.requireDeterministic = requireDeterministic
        self.maxDepth = maxDepth
        self.allowsMajorType7 = allowsMajorType7
        self.allowedTags = allowedTags
    }

    /// Deterministic encoding only, depth 64. The default.
    public static let strict = CBORDecodingOptions()
    /// Akashi's profile (docs/spec/certificate.md §1): deterministic, no
    /// major type 7, only the given tags (none by default), depth 16 (the
    /// format nests at most 5 levels).
    public static func akashi(tags: Set<UInt64> = []) -> CBORDecodingOptions {
        CBORDecodingOptions(requireDeterministic: true, maxDepth: 16, allowsMajorType7: false, allowedTags: tags)
    }
    /// Any well-formed CBOR whose simple values Akashi knows (depth 64),
    /// including indefinite lengths and non-shortest forms; for reading
    /// other issuers' data. Duplicate map keys, invalid UTF-8 and trailing
    /// bytes are still refused.
    public static let lenient = CBORDecodingOptions(requireDeterministic: false)
}

extension CBOR {
    /// Decodes exactly one data item that must fill `bytes`.
    ///
    /// Safe on hostile input: every length and count is checked against the
    /// bytes that remain before anything is allocated, nesting is limited by
    /// ``CBORDecodingOptions/maxDepth``, and all errors are thrown, never
    /// trapped. With ``CBORDecodingOptions/strict`` (the default), a value that
    /// decodes re-encodes to exactly `bytes`.
    public init(decoding bytes: [UInt8], options: CBORDecodingOptions = .strict) throws(CBORError) {
        var reader = Reader(bytes: bytes, options: options)
        let value = try reader.readItem(depth: 0)
        guard reader.offset == bytes.count else {
            throw CBORError(.trailingBytes, "\(bytes.count - reader.offset) bytes follow the data item", offset: reader.offset)
        }
        self = value
    }

    /// Decodes exactly one data item that must fill `bytes`.
    public init(decoding bytes: ArraySlice<UInt8>, options: CBORDecodingOptions = .strict) throws(CBORError) {
        try self.init(decoding: Array(bytes), options: options)
    }

    /// Decodes exactly one data item that must fill `bytes`, with the same
    /// checks as ``init(decoding:options:)``, and when it is an array of
    /// definite length returns its elements, each with the range of `bytes`
    /// it was read from — under a deterministic profile, exactly that
    /// element's encoding (no re-encoding needed to hash it). Nil for any
    /// other item.
    public static func decodingArrayElements(
        _ bytes: [UInt8], options: CBORDecodingOptions = .strict
    ) throws(CBORError) -> [(value: CBOR, range: Range<Int>)]? {
        var reader = Reader(bytes: bytes, options: options)
        let elements = try reader.readArrayElements()
        guard reader.offset == bytes.count else {
            throw CBORError(.trailingBytes, "\(bytes.count - reader.offset) bytes follow the data item", offset: reader.offset)
        }
        return elements
    }
}

/// A cursor over the input. Offsets in errors are absolute positions in it.
private struct Reader {
    let bytes: [UInt8]
    let options: CBORDecodingOptions
    var offset = 0

    init(bytes: [UInt8], options: CBORDecodingOptions) {
        self.bytes = bytes
        self.options = options
    }

    var remaining: Int { bytes.count - offset }
    var strict: Bool { options.requireDeterministic }

    mutating func readByte() throws(CBORError) -> UInt8 {
        guard offset < bytes.count else {
            throw CBORError(.truncated, "the input ends where a data item should start", offset: offset)
        }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readBigEndian(_ count: Int, itemStart: Int) throws(CBORError) -> UInt64 {
        guard remaining >= count else {
            throw CBORError(.truncated, "the input ends inside a \(count)-byte argument", offset: itemStart)
        }
        var value: UInt64 = 0
        for byte in bytes[offset..<offset + count] { value = value << 8 | UInt64(byte) }
        offset += count
        return value
    }

    /// The argument of a head whose additional information is `info` (< 31).
    mutating func readArgument(_ info: UInt8, itemStart: Int) throws(CBORError) -> UInt64 {
        let value: UInt64
        let smallest: UInt64
        switch info {
        case 0..<24: return UInt64(info)
        case 24: (value, smallest) = (try readBigEndian(1, itemStart: itemStart), 24)
        case 25: (value, smallest) = (try readBigEndian(2, itemStart: itemStart), 0x100)
        case 26: (value, smallest) = (try readBigEndian(4, itemStart: itemStart), 0x1_0000)
        case 27: (value, smallest) = (try readBigEndian(8, itemStart: itemStart), 0x1_0000_0000)
        default:
            throw CBORError(.malformed, "additional information \(info) is reserved", offset: itemStart)
        }
        if strict && value < smallest {
            throw CBORError(.nonShortestArgument, "the argument \(value) is not in its shortest form", offset: itemStart)
        }
        return value
    }

    /// A byte or text string length, or an element count where each element
    /// takes at least `minimumBytesEach` bytes: refused if the input cannot
    /// possibly hold it, before anything is allocated.
    func checkedCount(_ count: UInt64, minimumBytesEach: UInt64, itemStart: Int, what: String) throws(CBORError) -> Int {
        let (needed, overflow) = count.multipliedReportingOverflow(by: minimumBytesEach)
        guard !overflow, needed <= UInt64(remaining) else {
            throw CBORError(.truncated, "\(what) claims \(count) but only \(remaining) bytes remain", offset: itemStart)
        }
        return Int(count)
    }

    func enterContainer(depth: Int, itemStart: Int) throws(CBORError) {
        guard depth < options.maxDepth else {
            throw CBORError(.depthLimitExceeded, "arrays, maps and tags nest deeper than \(options.maxDepth)", offset: itemStart)
        }
    }

    mutating func readItem(depth: Int) throws(CBORError) -> CBOR {
        let start = offset
        let initial = try readByte()
        let major = initial >> 5
        let info = initial & 0x1f
        if major == 7 {
            guard options.allowsMajorType7 else {
                throw CBORError(.majorType7, "major type 7 (false, true, null, undefined, simple values, floats) is not allowed here", offset: start)
            }
            return try readSimpleOrFloat(info, itemStart: start)
        }
        if info == 31 { return try readIndefinite(major: major, depth: depth, itemStart: start) }
        let argument = try readArgument(info, itemStart: start)
        switch major {
        case 0:
            return .unsigned(argument)
        case 1:
            return .negative(argument)
        case 2:
            let count = try checkedCount(argument, minimumBytesEach: 1, itemStart: start, what: "a byte string")
            defer { offset += count }
            return .byteString(Array(bytes[offset..<offset + count]))
        case 3:
            let count = try checkedCount(argument, minimumBytesEach: 1, itemStart: start, what: "a text string")
            defer { offset += count }
            return .textString(try text(bytes[offset..<offset + count], itemStart: start))
        case 4:
            try enterContainer(depth: depth, itemStart: start)
            let count = try checkedCount(argument, minimumBytesEach: 1, itemStart: start, what: "an array")
            var elements: [CBOR] = []
            // Reserve at most a little up front: each element takes one input
            // byte but ~40 bytes of memory, so trust grows with what is read.
            elements.reserveCapacity(min(count, 1024))
            for _ in 0..<count { elements.append(try readItem(depth: depth + 1)) }
            return .array(elements)
        case 5:
            try enterContainer(depth: depth, itemStart: start)
            let count = try checkedCount(argument, minimumBytesEach: 2, itemStart: start, what: "a map")
            var map = MapBuilder(strict: strict, capacity: min(count, 1024))
            for _ in 0..<count {
                let keyStart = offset
                let key = try readItem(depth: depth + 1)
                try map.checkKey(key, encoded: keyStart..<offset, in: bytes)
                map.entries.append((key, try readItem(depth: depth + 1)))
            }
            return .map(map.entries)
        default:  // 6
            if let allowed = options.allowedTags, !allowed.contains(argument) {
                throw CBORError(.tagNotAllowed, "tag \(argument) is not allowed here", offset: start)
            }
            try enterContainer(depth: depth, itemStart: start)
            return .tagged(argument, try readItem(depth: depth + 1))
        }
    }

    /// The top-level item as ``readItem(depth:)`` reads it at depth 0, and
    /// for a definite-length array its elements with their byte ranges.
    mutating func readArrayElements() throws(CBORError) -> [(value: CBOR, range: Range<Int>)]? {
        let start = offset
        let initial = try readByte()
        guard initial >> 5 == 4, initial & 0x1f != 31 else {
            offset = start
            _ = try readItem(depth: 0)
            return nil
        }
        // readItem's case 4, keeping each element's range.
        let argument = try readArgument(initial & 0x1f, itemStart: start)
        try enterContainer(depth: 0, itemStart: start)
        let count = try checkedCount(argument, minimumBytesEach: 1, itemStart: start, what: "an array")
        var elements: [(value: CBOR, range: Range<Int>)] = []
        elements.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            let elementStart = offset
            let element = try readItem(depth: 1)
            elements.append((element, elementStart..<offset))
        }
        return elements
    }

    func text(_ utf8: ArraySlice<UInt8>, itemStart: Int) throws(CBORError) -> String {
        guard let string = String(validating: utf8, as: UTF8.self) else {
            throw CBORError(.invalidUTF8, "a text string is not valid UTF-8", offset: itemStart)
        }
        return string
    }

    mutating func readSimpleOrFloat(_ info: UInt8, itemStart: Int) throws(CBORError) -> CBOR {
        switch info {
        case 20: return .boolean(false)
        case 21: return .boolean(true)
        case 22: return .null
        case 23: return .undefined
        case 24:
            let value = try readBigEndian(1, itemStart: itemStart)
            guard value >= 32 else {
                throw CBORError(.malformed, "simple value \(value) must use the one-byte form", offset: itemStart)
            }
            throw CBORError(.unsupportedSimpleValue, "simple value \(value) is not supported", offset: itemStart)
        case 25:
            return .float(FloatFormats.double(fromHalf: UInt16(try readBigEndian(2, itemStart: itemStart))))
        case 26:
            let value = FloatFormats.double(fromSingle: UInt32(try readBigEndian(4, itemStart: itemStart)))
            if strict && FloatFormats.halfBits(exactly: value) != nil {
                throw CBORError(.nonShortestFloat, "the single-precision float \(value) fits in half precision", offset: itemStart)
            }
            return .float(value)
        case 27:
            let value = Double(bitPattern: try readBigEndian(8, itemStart: itemStart))
            if strict && FloatFormats.singleBits(exactly: value) != nil {
                throw CBORError(.nonShortestFloat, "the double-precision float \(value) fits in a shorter format", offset: itemStart)
            }
            return .float(value)
        case 28...30:
            throw CBORError(.malformed, "additional information \(info) is reserved", offset: itemStart)
        case 31:
            throw CBORError(.malformed, "a \"break\" outside an indefinite-length item", offset: itemStart)
        default:
            throw CBORError(.unsupportedSimpleValue, "simple value \(info) is not supported", offset: itemStart)
        }
    }

    // MARK: Indefinite lengths (lenient mode only)

    mutating func readIndefinite(major: UInt8, depth: Int, itemStart: Int) throws(CBORError) -> CBOR {
        guard major >= 2 && major <= 5 else {
            throw CBORError(.malformed, "major type \(major) has no indefinite-length form", offset: itemStart)
        }
        if strict {
            throw CBORError(.indefiniteLength, "indefinite lengths are not deterministic", offset: itemStart)
        }
        switch major {
        case 2, 3:
            var joined: [UInt8] = []
            while try !atBreak() {
                let chunkStart = offset
                let initial = try readByte()
                guard initial >> 5 == major, initial & 0x1f != 31 else {
                    throw CBORError(.malformed, "a chunk of an indefinite-length string must be a definite string of the same type", offset: chunkStart)
                }
                let length = try readArgument(initial & 0x1f, itemStart: chunkStart)
                let count = try checkedCount(length, minimumBytesEach: 1, itemStart: chunkStart, what: "a string chunk")
                let chunk = bytes[offset..<offset + count]
                if major == 3 { _ = try text(chunk, itemStart: chunkStart) }  // each chunk is valid UTF-8 alone
                joined.append(contentsOf: chunk)
                offset += count
            }
            if major == 2 { return .byteString(joined) }
            return .textString(try text(joined[...], itemStart: itemStart))
        case 4:
            try enterContainer(depth: depth, itemStart: itemStart)
            var elements: [CBOR] = []
            while try !atBreak() { elements.append(try readItem(depth: depth + 1)) }
            return .array(elements)
        default:
            try enterContainer(depth: depth, itemStart: itemStart)
            var map = MapBuilder(strict: false, capacity: 0)
            while try !atBreak() {
                let keyStart = offset
                let key = try readItem(depth: depth + 1)
                try map.checkKey(key, encoded: keyStart..<offset, in: bytes)
                if offset < bytes.count && bytes[offset] == 0xff {
                    throw CBORError(.malformed, "a map ends between a key and its value", offset: offset)
                }
                map.entries.append((key, try readItem(depth: depth + 1)))
            }
            return .map(map.entries)
        }
    }

    /// Consumes a "break" (0xff) if one is next.
    mutating func atBreak() throws(CBORError) -> Bool {
        guard offset < bytes.count else {
            throw CBORError(.truncated, "the input ends inside an indefinite-length item", offset: offset)
        }
        guard bytes[offset] == 0xff else { return false }
        offset += 1
        return true
    }
}

/// Collects map entries and checks each key as it arrives.
///
/// Strict mode compares each key's bytes with the previous key's: in
/// deterministic input those bytes *are* the key's deterministic encoding, so
/// one comparison checks both the order and uniqueness. Lenient mode only
/// checks uniqueness, by value — compared as each key's deterministic
/// re-encoding, one linear pass per key: hashing and comparing the values
/// themselves took time exponential in the nesting of maps used as keys
/// (found by fuzzing: 1.5 kB of nested map keys took seconds).
private struct MapBuilder {
    let strict: Bool
    var entries: [(key: CBOR, value: CBOR)] = []
    var previousKey: Range<Int>? = nil
    var seen: Set<[UInt8]> = []

    init(strict: Bool, capacity: Int) {
        self.strict = strict
        entries.reserveCapacity(capacity)
    }

    mutating func checkKey(_ key: CBOR, encoded range: Range<Int>, in bytes: [UInt8]) throws(CBORError) {
        if strict {
            if let previous = previousKey {
                let a = bytes[previous], b = bytes[range]
                if a.elementsEqual(b) {
                    throw CBORError(.duplicateMapKey, "the key \(key.abbreviatedDescription) appears twice in a map", offset: range.lowerBound)
                }
                if !a.lexicographicallyPrecedes(b) {
                    throw CBORError(
                        .unsortedMapKeys, "the key \(key.abbreviatedDescription) is out of order (keys sort by their encoded bytes)", offset: range.lowerBound)
                }
            }
            previousKey = range
        } else if !seen.insert((try? key.encoded()) ?? Array(bytes[range])).inserted {
            throw CBORError(.duplicateMapKey, "the key \(key.abbreviatedDescription) appears twice in a map", offset: range.lowerBound)
        }
    }
}

import FuzzSupport
// Fuzzes what a mirror or monitor reads from a log's server (c2sp.org/tlog-tiles): hash
// tiles, ExpandedTile(bytes:); entry bundles, Tiles.parseEntryBundle; and the request
// paths the log serves, Tiles.parseRequest. The same input is given to all three.
//
// Invariants (a failure is a crash):
// - a tile is its hashes (bytes == input), 1…256 of them, with every complete interior
//   node equal to the hash of its two children;
// - a parsed bundle re-bundles to the input;
// - a request path is canonical: the path built from the parsed request is the input.
import TransparencyLog

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))

    if let tile = ExpandedTile(bytes: input) {
        require(tile.bytes == input && (1...Tiles.width).contains(tile.width), "a tile is not its hashes")
        var height = 1
        while tile.node(height: height, index: 0) != nil {
            var i = 0
            while let node = tile.node(height: height, index: i) {
                require(
                    node == Merkle.nodeHash(tile.node(height: height - 1, index: 2 * i)!, tile.node(height: height - 1, index: 2 * i + 1)!),
                    "a tile node is not the hash of its children")
                i += 1
            }
            height += 1
        }
        if tile.width == Tiles.width { _ = tile.rootHash }
    }

    if let entries = Tiles.parseEntryBundle(input) {
        require(Tiles.entryBundle(entries) == input, "an entry bundle does not re-bundle to its bytes")
    }

    let path = String(decoding: input, as: UTF8.self)
    if let request = Tiles.parseRequest(path) {
        require((1...Tiles.width).contains(request.width), "request width out of range")
        let rebuilt: String
        if let level = request.level {
            require((0..<64).contains(level), "request level out of range")
            rebuilt = Tiles.tilePath(level: level, index: request.index, width: request.width)
        } else {
            rebuilt = Tiles.entriesPath(index: request.index, width: request.width)
        }
        require(Array(rebuilt.utf8) == Array("tile/".utf8) + input, "a tile request path is not canonical: \(path.debugDescription) → \(rebuilt)")
    }
    return 0
}

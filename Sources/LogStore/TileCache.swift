import TransparencyLog

/// A bounded cache of full tiles. Full tiles never change, so a cached one is
/// never stale; eviction is by insertion order (cheap, and the access pattern
/// — recent tiles for new proofs — makes it close to LRU).
struct TileCache {
    private struct Key: Hashable {
        let level: Int
        let index: UInt64
    }
    private var tiles: [Key: ExpandedTile] = [:]
    private var order: [Key] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func get(level: Int, index: UInt64) -> ExpandedTile? { tiles[Key(level: level, index: index)] }

    mutating func insert(level: Int, index: UInt64, tile: ExpandedTile) {
        let key = Key(level: level, index: index)
        guard tiles.updateValue(tile, forKey: key) == nil else { return }
        order.append(key)
        if order.count - head > capacity {
            tiles[order[head]] = nil
            head += 1
            if head > capacity {
                order.removeFirst(head)
                head = 0
            }
        }
    }
}

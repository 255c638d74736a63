import Foundation

/// Rendered page fragments keyed by what they show, each valid for one store state stamp
/// (`DatasetStore.reviewStateStamp()`): a decision, a new flag run or a new derived image
/// changes the stamp and so invalidates every entry. Bounded; thread-safe.
final class PageCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (stamp: String, value: String)] = [:]
    private let capacity: Int

    init(capacity: Int = 512) { self.capacity = capacity }

    /// The cached value for `key` at `stamp`, else `make()`'s (then cached).
    func value(_ key: String, stamp: String, make: () throws -> String) rethrows -> String {
        lock.lock()
        let hit = entries[key]
        lock.unlock()
        if let hit, hit.stamp == stamp { return hit.value }
        let value = try make()
        lock.lock()
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = (stamp, value)
        lock.unlock()
        return value
    }
}

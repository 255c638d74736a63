import Crypto
import Foundation
import GRDB
import KaryoCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The versioned dataset store of a Karyo project: `.karyo/` with `store.sqlite` (SQLite in WAL
/// mode through a GRDB `DatabasePool`), content-addressed `blobs/`, `tmp/` and `secret.key`.
///
/// Durability: every transaction is durable when it returns (`PRAGMA synchronous = FULL`, so each
/// commit fsyncs the WAL), blobs are fsynced and renamed into place before the rows that name them
/// are written, and a version's rows (the version, its delta and the HEAD pointer) are written in
/// one transaction. A process killed at any moment leaves at most orphan blobs and temp files.
///
/// Concurrency: one instance can be used from many threads; several processes can use one store
/// (SQLite locking, writes wait up to 5 s for the write lock, then fail with `.io`).
public final class DatasetStore: Sendable {
    public static let folderName = ".karyo"
    static let databaseFileName = "store.sqlite"
    static let secretFileName = "secret.key"
    static let secretLength = 32

    public let projectRoot: URL
    /// `projectRoot/.karyo`
    public let storeDirectory: URL
    let blobsDirectory: URL
    let tmpDirectory: URL
    let pool: DatabasePool
    let identity: IdentityKeys
    let clock: StoreClock
    let tempFilesCleanedAtOpen: Int

    private init(
        projectRoot: URL, pool: DatabasePool, secret: Data, clock: StoreClock, tempFilesCleanedAtOpen: Int
    ) {
        self.projectRoot = projectRoot
        storeDirectory = projectRoot.appendingPathComponent(Self.folderName, isDirectory: true)
        blobsDirectory = storeDirectory.appendingPathComponent("blobs", isDirectory: true)
        tmpDirectory = storeDirectory.appendingPathComponent("tmp", isDirectory: true)
        self.pool = pool
        identity = IdentityKeys(secret: secret)
        self.clock = clock
        self.tempFilesCleanedAtOpen = tempFilesCleanedAtOpen
    }

    // MARK: - Create, open, locate

    /// Creates `.karyo` in `projectRoot` (created if missing). Fails with `.alreadyExists` if there
    /// is one. The folder is assembled under a temporary name and renamed into place, so an
    /// interrupted init leaves no half-made `.karyo`.
    public static func create(at projectRoot: URL, splitPolicy: SplitPolicy, clock: StoreClock = .system) throws
        -> DatasetStore
    {
        do {
            try splitPolicy.validate()
        } catch {
            throw StoreError(.invalidInput, "invalid split policy: \(error.message)")
        }
        let root = projectRoot.standardizedFileURL
        let fm = FileManager.default
        let target = root.appendingPathComponent(folderName, isDirectory: true)
        do {
            try fm.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, "cannot create the project folder \(root.path): \(error.localizedDescription)")
        }
        if fm.fileExists(atPath: target.path) {
            throw StoreError(.alreadyExists, "a Karyo project already exists at \(root.path) (found \(folderName))")
        }
        let staging = root.appendingPathComponent(".karyo-init-\(UUID().uuidString.lowercased())", isDirectory: true)
        var moved = false
        defer { if !moved { try? fm.removeItem(at: staging) } }

        try FileIO.makeDirectory(staging)
        try FileIO.makeDirectory(staging.appendingPathComponent("blobs", isDirectory: true))
        try FileIO.makeDirectory(staging.appendingPathComponent("tmp", isDirectory: true))
        try writeSecret(to: staging.appendingPathComponent(secretFileName))

        let policyJSON = try encodePolicy(splitPolicy)
        let now = Timestamp.format(clock.now())
        try storeGuarded("creating the store database") {
            let pool = try DatabasePool(
                path: staging.appendingPathComponent(databaseFileName).path, configuration: makeConfiguration())
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA application_id = \(StoreSchema.applicationID)")
            }
            try StoreSchema.migrator.migrate(pool)
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO config(key, value) VALUES ('store_format', ?), ('split_policy', ?), ('created_at', ?)",
                    arguments: [String(StoreSchema.formatVersion), policyJSON, now])
            }
            try pool.close()
        }
        try FileIO.fsyncDirectory(staging)
        if fm.fileExists(atPath: target.path) {
            throw StoreError(.alreadyExists, "a Karyo project already exists at \(root.path) (found \(folderName))")
        }
        guard rename(staging.path, target.path) == 0 else {
            if errno == EEXIST || errno == ENOTEMPTY {
                throw StoreError(.alreadyExists, "a Karyo project already exists at \(root.path) (found \(folderName))")
            }
            throw StoreError(.io, FileIO.errnoMessage("cannot create", target.path))
        }
        moved = true
        try FileIO.fsyncDirectory(root)
        return try open(at: root, clock: clock)
    }

    /// Opens the store of the project at `projectRoot`, applying pending migrations and removing
    /// stale temp files. Refuses a store written by a newer Karyo (`.newerSchema`).
    public static func open(at projectRoot: URL, clock: StoreClock = .system) throws -> DatasetStore {
        let root = projectRoot.standardizedFileURL
        let dir = root.appendingPathComponent(folderName, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError(.notAProject, "no Karyo project at \(root.path) (no \(folderName) folder); run karyo init")
        }
        let dbPath = dir.appendingPathComponent(databaseFileName).path
        guard FileManager.default.fileExists(atPath: dbPath) else {
            throw StoreError(.corrupt, "\(dir.path) has no \(databaseFileName); the project is incomplete or damaged")
        }
        let secretURL = dir.appendingPathComponent(secretFileName)
        guard let secret = try? Data(contentsOf: secretURL), secret.count == secretLength else {
            throw StoreError(
                .corrupt,
                "\(secretURL.path) is missing or not \(secretLength) bytes; without it re-imports cannot find existing patients")
        }
        let tmp = dir.appendingPathComponent("tmp", isDirectory: true)
        try FileIO.makeDirectory(dir.appendingPathComponent("blobs", isDirectory: true))
        try FileIO.makeDirectory(tmp)
        let cleaned = FileIO.cleanTempDirectory(tmp)

        let pool = try storeGuarded("opening \(dbPath)") {
            try DatabasePool(path: dbPath, configuration: makeConfiguration())
        }
        let migrator = StoreSchema.migrator
        let (applicationID, unknown) = try storeGuarded("opening \(dbPath)") {
            try pool.read { db -> (Int32, [String]) in
                let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let known = Set(migrator.migrations)
                let unknown = try migrator.appliedIdentifiers(db).filter { !known.contains($0) }.sorted()
                return (id, unknown)
            }
        }
        guard applicationID == StoreSchema.applicationID else {
            throw StoreError(.notAProject, "\(dbPath) is not a Karyo store")
        }
        guard unknown.isEmpty else {
            throw StoreError(
                .newerSchema,
                "this store was written by a newer version of karyo (unknown schema migrations: "
                    + unknown.joined(separator: ", ") + "); upgrade karyo to use it")
        }
        try storeGuarded("migrating the store schema") { try migrator.migrate(pool) }
        let format = try storeGuarded("reading the store format") {
            try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM config WHERE key = 'store_format'") }
        }
        guard let format, let formatNumber = Int(format) else {
            throw StoreError(.corrupt, "the store has no valid store_format setting")
        }
        guard formatNumber <= StoreSchema.formatVersion else {
            throw StoreError(
                .newerSchema,
                "this store has format \(formatNumber), newer than this karyo understands (\(StoreSchema.formatVersion)); upgrade karyo")
        }
        return DatasetStore(projectRoot: root, pool: pool, secret: secret, clock: clock, tempFilesCleanedAtOpen: cleaned)
    }

    /// Walks up from `directory` to the nearest folder that holds a `.karyo` folder.
    public static func locate(from directory: URL) -> URL? {
        var current = directory.absoluteURL.standardizedFileURL
        while true {
            var isDirectory: ObjCBool = false
            let candidate = current.appendingPathComponent(folderName, isDirectory: true)
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return current
            }
            let parent = current.deletingLastPathComponent().standardizedFileURL
            if parent.path == current.path || current.path == "/" || current.path.isEmpty { return nil }
            current = parent
        }
    }

    static func makeConfiguration() -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(5)
        config.label = "KaryoStore"
        config.prepareDatabase { db in
            // WAL + FULL: each committed transaction is on disk when commit returns.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if !db.configuration.readonly {
                // The writer gets a 32 MiB page cache (allocated as used): bulk imports insert at
                // random positions of the hash and token indexes.
                try db.execute(sql: "PRAGMA cache_size = -32768")
            }
        }
        return config
    }

    private static func writeSecret(to url: URL) throws {
        try FileIO.writeNewFile(Data(FileIO.randomBytes(secretLength)), to: url, mode: 0o600)
    }

    static func encodePolicy(_ policy: SplitPolicy) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(policy) else {
            throw StoreError(.invalidInput, "cannot encode the split policy")
        }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - Configuration

    /// The project's split policy (fixed at `karyo init`).
    public var splitPolicy: SplitPolicy {
        get throws {
            try storeGuarded("reading the split policy") {
                try pool.read { db in try Self.readPolicy(db) }
            }
        }
    }

    static func readPolicy(_ db: Database) throws -> SplitPolicy {
        guard let json = try String.fetchOne(db, sql: "SELECT value FROM config WHERE key = 'split_policy'") else {
            throw StoreError(.corrupt, "the store has no split policy")
        }
        do {
            return try JSONDecoder().decode(SplitPolicy.self, from: Data(json.utf8))
        } catch {
            throw StoreError(.corrupt, "the stored split policy is unreadable: \(error)")
        }
    }

    var now: String { Timestamp.format(clock.now()) }

    // MARK: - Status

    public func status() throws -> StoreStatus {
        try storeGuarded("reading the store status") {
            try pool.read { db in
                func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
                var labels = LabelCounts()
                var unlabelled = 0
                let rows = try Row.fetchAll(db, sql: "SELECT current_label, COUNT(*) FROM samples GROUP BY current_label")
                for row in rows {
                    let n: Int = row[1]
                    if let raw: String = row[0], let label = SampleLabel(rawValue: raw) {
                        labels[label] = n
                    } else {
                        unlabelled += n
                    }
                }
                let head = try VersionRow.head(db)
                let changes = try self.workingChanges(db, head: head)
                var uncommitted = UncommittedCounts(added: 0, removed: 0, labelChanged: 0)
                for change in changes {
                    switch (change.old, change.new) {
                    case (nil, .some): uncommitted.added += 1
                    case (.some, nil): uncommitted.removed += 1
                    case (.some, .some): uncommitted.labelChanged += 1
                    case (nil, nil): break
                    }
                }
                return StoreStatus(
                    labs: try count("SELECT COUNT(*) FROM labs"),
                    patients: try count("SELECT COUNT(*) FROM patients"),
                    cases: try count("SELECT COUNT(*) FROM cases"),
                    cells: try count("SELECT COUNT(*) FROM cells"),
                    samples: try count("SELECT COUNT(*) FROM samples"),
                    derivedImages: try count("SELECT COUNT(*) FROM derived_images"),
                    blobs: try count("SELECT COUNT(*) FROM blobs"),
                    labelCounts: labels,
                    unlabelled: unlabelled,
                    versions: try count("SELECT COUNT(*) FROM versions"),
                    tags: try count("SELECT COUNT(*) FROM tags"),
                    head: head?.id,
                    uncommitted: uncommitted)
            }
        }
    }
}

// MARK: - Test support

extension DatasetStore {
    /// Runs raw SQL outside any transaction (tests use it to tamper with a store).
    @_spi(Testing) public func _executeRawSQL(_ sql: String) throws {
        try pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    /// Fetches the first column of a raw query as strings (tests).
    @_spi(Testing) public func _queryStrings(_ sql: String) throws -> [String?] {
        try pool.read { db in try Optional<String>.fetchAll(db, sql: sql) }
    }

    /// Fetches a single integer (tests).
    @_spi(Testing) public func _queryInt(_ sql: String) throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    /// Closes the database connections (tests that reopen or tamper with the files).
    @_spi(Testing) public func _close() throws {
        try pool.close()
    }
}

import GRDB

/// Registers the embedded migrations (copies of schema/*.sql) with GRDB's migrator.
enum StoreSchema {
    /// `PRAGMA application_id` of every Karyo store ("KRYO").
    static let applicationID: Int32 = 0x4B52_594F
    /// The store format this code writes and understands (config key `store_format`).
    static let formatVersion = 1

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in embeddedMigrations {
            let sql = migration.sql
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: sql)
            }
        }
        return migrator
    }

    static var migrationNames: [String] { embeddedMigrations.map(\.name) }
}

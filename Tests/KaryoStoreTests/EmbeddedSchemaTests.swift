import Foundation
@_spi(Testing) import KaryoStore
import Testing
import KaryoTestSupport

/// The repository's schema/ folder, found from this file's path (Tests/KaryoStoreTests/...).
private let schemaDirectory = TestPaths.repository("schema")

@Suite struct EmbeddedSchemaTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: schemaDirectory.path), "schema/ not found next to the tests"))
    func embeddedMigrationsEqualSchemaFiles() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: schemaDirectory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        let embedded = DatasetStore._embeddedMigrations
        #expect(!names.isEmpty)
        #expect(embedded.map(\.name) == names.map { String($0.dropLast(4)) }, "run tools/embed-schema")
        for (name, migration) in zip(names, embedded) {
            let file = try Data(contentsOf: schemaDirectory.appendingPathComponent(name))
            #expect(Array(file) == Array(migration.sql.utf8), "\(name) differs from its embedded copy: run tools/embed-schema")
        }
    }

    @Test func migrationsAreNumberedInOrder() {
        let names = DatasetStore._embeddedMigrations.map(\.name)
        for (index, name) in names.enumerated() {
            #expect(name.hasPrefix(String(format: "%04d_", index + 1)))
        }
    }
}

import Foundation
import KaryoStore

/// Finds and opens the Karyo project a command works on.
public enum Project {
    /// The environment variable that names a project folder.
    public static let environmentVariable = "KARYO_PROJECT"

    /// Opens the project at `explicitPath`, else at `$KARYO_PROJECT`, else the nearest folder at or
    /// above the current directory that holds a `.karyo` store.
    public static func open(explicitPath: String?) throws -> DatasetStore {
        if let path = explicitPath ?? ProcessInfo.processInfo.environment[environmentVariable], !path.isEmpty {
            return try DatasetStore.open(at: URL(fileURLWithPath: path))
        }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        guard let root = DatasetStore.locate(from: cwd) else {
            throw StoreError(
                .notAProject,
                "not inside a Karyo project (no \(DatasetStore.folderName) here or above); run `karyo init` or pass --project")
        }
        return try DatasetStore.open(at: root)
    }

    /// Creates a new project at `path` with the given split policy.
    public static func create(at path: String, splitPolicy: SplitPolicy) throws -> DatasetStore {
        try splitPolicy.validate()
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return try DatasetStore.create(at: url, splitPolicy: splitPolicy)
    }

    /// The name recorded as author of label events and versions when none is given:
    /// `$KARYO_AUTHOR`, else `$USER`, else "unknown".
    public static var defaultAuthor: String {
        let env = ProcessInfo.processInfo.environment
        return env["KARYO_AUTHOR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? env["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
    }
}

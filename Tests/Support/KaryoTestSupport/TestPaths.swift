import Foundation

/// Where the tests find the repository and the shared data, from this file's own path (symlinks
/// resolved): Tests/Support/KaryoTestSupport/TestPaths.swift, three folders below the root.
public enum TestPaths {
    /// The repository root.
    public static let repository: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/data` beside the repository: real chromosome images with their ground truth.
    public static let sharedData: URL = repository.deletingLastPathComponent().appendingPathComponent("shared/data")

    /// Whether `../shared/data` is there (tests on real data skip cleanly when it is not).
    public static var hasSharedData: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: sharedData.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// A file or folder of the shared data.
    public static func shared(_ relative: String) -> URL { sharedData.appendingPathComponent(relative) }

    /// Whether a file or folder of the shared data exists.
    public static func sharedExists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: shared(relative).path) }

    /// A file or folder of the repository.
    public static func repository(_ relative: String) -> URL { repository.appendingPathComponent(relative) }

    /// Why a test on the shared data did not run.
    public static let sharedDataMissing = "../shared/data is absent (expected beside the repository): test on real data skipped"
}

import Foundation
import KaryoTestSupport

/// Runs the built `karyo` executable, as a user would.
struct KaryoBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `karyo` executable next to the test bundle (both are built into the same products folder).
    static let url: URL = {
        if let path = ProcessInfo.processInfo.environment["KARYO_BINARY"] { return URL(fileURLWithPath: path) }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = exe.deletingLastPathComponent()
        // On Linux the test runner is PRODUCTS/KaryoPackageTests.xctest; on macOS it lives deeper in a bundle.
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("karyo")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return exe.deletingLastPathComponent().appendingPathComponent("karyo")
    }()

    /// Starts `karyo ARGS` in `directory` without waiting; its output goes to the given files.
    static func start(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], stdout: URL? = nil, stderr: URL? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["KARYO_AUTHOR"] = "cli-test"
        env.removeValue(forKey: "KARYO_PROJECT")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = try stdout.map(handle(for:)) ?? FileHandle.nullDevice
        process.standardError = try stderr.map(handle(for:)) ?? FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    private static func handle(for url: URL) throws -> FileHandle {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return try FileHandle(forWritingTo: url)
    }

    /// Runs `karyo ARGS` in `directory` and waits for it.
    @discardableResult
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Result {
        let id = UUID().uuidString
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-out-\(id)")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-err-\(id)")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        let process = try start(arguments, in: directory, environment: environment, stdout: out, stderr: err)
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// A temporary folder removed when the value is deinitialised.
final class TemporaryFolder: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ component: String) -> URL { url.appendingPathComponent(component) }
}

/// The repository's folders.
enum Repository {
    static let root = TestPaths.repository
    static let samples = root.appendingPathComponent("samples")
    static let sharedData = TestPaths.sharedData
}

/// Copies the bundled samples into `folder` (tests never write into the repository).
func copySamples(to folder: URL) throws -> URL {
    let target = folder.appendingPathComponent("samples")
    try FileManager.default.copyItem(at: Repository.samples, to: target)
    return target
}

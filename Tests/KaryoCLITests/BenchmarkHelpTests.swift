import Foundation
import Testing

/// Runs a built executable of this package (`karyo-bench`, `karyo`) with its output collected.
private enum BuiltExecutable {
    struct Result {
        var status: Int32
        var output: String
    }

    /// `karyo-bench`, built into the same products folder as `karyo` (or $KARYO_BENCH_BINARY).
    static let bench: URL = {
        if let path = ProcessInfo.processInfo.environment["KARYO_BENCH_BINARY"] { return URL(fileURLWithPath: path) }
        return KaryoBinary.url.deletingLastPathComponent().appendingPathComponent("karyo-bench")
    }()

    /// Runs `executable ARGS` in a temporary folder and waits; standard output and error together.
    static func run(_ executable: URL, _ arguments: [String]) throws -> Result {
        let folder = try TemporaryFolder()
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder.url
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}

/// `karyo-bench` (every benchmark, one subcommand each) and `karyo classifier` answer --help.
@Suite("benchmark and classifier --help")
struct BenchmarkHelpTests {
    /// The top-level subcommands of `karyo-bench`.
    static let benchmarks = ["import", "commit", "deid", "t922-cells", "extract", "metaphase", "loop", "engine", "serve"]

    /// Every subcommand of `karyo-bench`, nested ones as "parent child".
    static let subcommands = benchmarks + [
        "metaphase segment", "metaphase adir", "metaphase pairs", "metaphase lab-adapt", "metaphase montage",
        "metaphase cell-shape", "engine train", "engine infer", "engine infer-bf16", "engine accuracy",
        "engine gradients", "serve build-store",
    ]

    @Test("karyo-bench --help lists every benchmark")
    func benchHelp() throws {
        let bench = BuiltExecutable.bench
        try #require(FileManager.default.isExecutableFile(atPath: bench.path),
                     "karyo-bench not found at \(bench.path): build it with `swift build --build-tests`")
        let result = try BuiltExecutable.run(bench, ["--help"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("USAGE: karyo-bench"), "\(result.output)")
        for name in Self.benchmarks {
            #expect(result.output.contains(name), "karyo-bench --help does not name \(name):\n\(result.output)")
        }
    }

    @Test("karyo-bench <subcommand> --help", arguments: subcommands)
    func subcommandHelp(subcommand: String) throws {
        let bench = BuiltExecutable.bench
        try #require(FileManager.default.isExecutableFile(atPath: bench.path),
                     "karyo-bench not found at \(bench.path): build it with `swift build --build-tests`")
        let words = subcommand.split(separator: " ").map(String.init)
        let result = try BuiltExecutable.run(bench, words + ["--help"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("USAGE: karyo-bench \(subcommand)"), "\(result.output)")
        #expect(result.output.contains("OVERVIEW:"), "no abstract in:\n\(result.output)")
    }

    @Test("karyo classifier <subcommand> --help", arguments: ["classifier", "classifier train", "classifier evaluate"])
    func classifierHelp(command: String) throws {
        let words = command.split(separator: " ").map(String.init)
        let result = try BuiltExecutable.run(KaryoBinary.url, words + ["--help"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("USAGE: karyo \(command)"), "\(result.output)")
    }

    @Test("karyo --help lists classifier")
    func karyoHelpListsClassifier() throws {
        let result = try BuiltExecutable.run(KaryoBinary.url, ["--help"])
        #expect(result.status == 0)
        #expect(result.output.contains("classifier"), "\(result.output)")
    }
}

import Foundation
import KaryoCore
import Testing
@_spi(Testing) import KaryoStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGKILL during imports and commits: the test re-runs this test binary as a child that imports
/// and commits in a loop, kills it at a random moment, and checks that the store opens, verifies
/// healthy and still has every version the child saw committed.
@Suite struct CrashTests {
    static let childStoreVariable = "KARYO_STORE_CRASH_CHILD"
    static let childStore = ProcessInfo.processInfo.environment[childStoreVariable]

    /// The child's loop (runs only inside the child process).
    @Test(.enabled(if: childStore != nil, "runs only as the child of killedImportsAndCommitsLeaveAHealthyStore"))
    func crashChildLoop() throws {
        let root = URL(fileURLWithPath: Self.childStore!)
        let store = try DatasetStore.open(at: root)
        let committed = root.appendingPathComponent("committed-\(getpid()).txt")
        _ = FileManager.default.createFile(atPath: committed.path, contents: nil)
        let log = try FileHandle(forWritingTo: committed)
        var round = 0
        while true {
            let batch = (0..<4).map { newSample("crash \(getpid()) \(round) \($0)", patient: "P\(round % 5)", label: .negative) }
            let results = try store.addSamples(batch)
            try store.relabel(results[0].sampleToken, round % 2 == 0 ? .positive : .unsure)
            _ = try store.addSample(newSample("crash single \(getpid()) \(round)", label: .positive))
            if let version = try? store.commit(message: "round \(round)", author: "child") {
                log.write(Data("\(version.id)\n".utf8))
            }
            round += 1
        }
    }

    @Test func killedImportsAndCommitsLeaveAHealthyStore() throws {
        guard Self.childStore == nil else { return }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        guard FileManager.default.isExecutableFile(atPath: executable.path), executable.path.hasSuffix(".xctest") else {
            print("CrashTests: cannot re-run the test binary (\(executable.path)); skipped")
            return
        }
        let project = try TempProject()
        defer { project.cleanup() }
        _ = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)

        var seenVersions: [String] = []
        for round in 0..<3 {
            let child = Process()
            child.executableURL = executable
            child.arguments = ["--testing-library", "swift-testing", "--filter", "crashChildLoop"]
            var environment = ProcessInfo.processInfo.environment
            environment[Self.childStoreVariable] = project.root.path
            child.environment = environment
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            defer { if child.isRunning { _ = kill(child.processIdentifier, SIGKILL) } }
            let committed = project.root.appendingPathComponent("committed-\(child.processIdentifier).txt")
            // Wait until the child has committed at least once, then kill it a little later.
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, ((try? String(contentsOf: committed, encoding: .utf8)) ?? "").isEmpty {
                usleep(20_000)
            }
            usleep(UInt32.random(in: 20_000...250_000) + UInt32(round) * 37_000)
            _ = kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            let ids = ((try? String(contentsOf: committed, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            #expect(!ids.isEmpty, "the child never committed")
            #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)
            seenVersions += ids

            let store = try DatasetStore.open(at: project.root)
            let report = try store.verify(progress: nil)
            #expect(report.isHealthy, "after kill \(round): \(report)")
            let log = Set(try store.log().map(\.id))
            #expect(seenVersions.allSatisfy(log.contains), "a committed version is missing after kill \(round)")
        }
    }
}

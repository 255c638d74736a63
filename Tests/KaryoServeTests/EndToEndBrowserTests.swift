import Foundation
import KaryoCore
import KaryoServe
import KaryoStore
import KaryoTestSupport
import Testing

/// Starts the real `karyo serve` on 127.0.0.1 (a free port) and drives headless Chromium through
/// it with tools/e2e-browser (selenium); then checks the store. Screenshots are kept in
/// $KARYO_TEST_ARTIFACTS/e2e-browser (default .build/test-artifacts/e2e-browser).
@Suite("End to end: karyo serve in headless Chromium")
struct EndToEndBrowserTests {
    static let repository = TestPaths.repository

    static let chromiumInstalled: Bool = {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        func found(_ name: String) -> Bool {
            paths.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
        }
        return (found("chromium") || found("chromium-browser")) && found("chromedriver")
    }()

    static var karyoBinary: URL {
        if let path = ProcessInfo.processInfo.environment["KARYO_BINARY"] { return URL(fileURLWithPath: path) }
        var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("karyo")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("karyo")
    }

    static var artifacts: URL {
        let base = ProcessInfo.processInfo.environment["KARYO_TEST_ARTIFACTS"].map { URL(fileURLWithPath: $0) }
            ?? repository.appendingPathComponent(".build/test-artifacts")
        return base.appendingPathComponent("e2e-browser")
    }

    /// Runs a command, feeding `input` on standard input; returns (status, stdout, stderr).
    static func run(_ executable: URL, _ arguments: [String], input: String = "", environment: [String: String] = [:])
        throws -> (Int32, String, String)
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    @Test(
        "login, review three items (one relabel), logout; then the same without JavaScript",
        .enabled(if: chromiumInstalled, "chromium and chromium-driver are not installed: run tools/install-deps.sh"),
        .timeLimit(.minutes(5)))
    func browserFlow() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            let store = try DatasetStore.create(at: folder, splitPolicy: SplitPolicy(validationFraction: 0.2, seed: 5))
            try DemoStore.populate(store, samples: 12, queueItems: 6)
        }
        // Accounts through the CLI, passwords on standard input.
        for (name, role) in [("rex", "reviewer"), ("rita", "reviewer")] {
            let (status, _, err) = try Self.run(
                Self.karyoBinary, ["user", "add", name, "--role", role, "--project", folder.path, "--bcrypt-cost", "4"],
                input: "password-\(name)\n")
            #expect(status == 0, "karyo user add failed: \(err)")
        }
        let (tooShort, _, shortErr) = try Self.run(
            Self.karyoBinary, ["user", "add", "shorty", "--project", folder.path], input: "short\n")
        #expect(tooShort == 64 && shortErr.contains("at least"))

        // karyo serve on a free port of 127.0.0.1.
        let server = Process()
        server.executableURL = Self.karyoBinary
        server.arguments = ["serve", "--project", folder.path, "--port", "0", "--bcrypt-cost", "4"]
        let output = Pipe()
        server.standardOutput = output
        server.standardError = FileHandle.standardError
        server.standardInput = FileHandle.nullDevice
        try server.run()
        defer {
            if server.isRunning {
                server.terminate()
                server.waitUntilExit()
            }
        }
        let url = try Self.readListeningURL(output.fileHandleForReading)
        #expect(url.hasPrefix("http://127.0.0.1:"))

        try? FileManager.default.removeItem(at: Self.artifacts)
        let (status, out, err) = try Self.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "bash", Self.repository.appendingPathComponent("tools/e2e-browser").path, "--url", url, "--user", "rex",
                "--second-user", "rita", "--artifacts", Self.artifacts.path,
            ],
            environment: ["KARYO_E2E_PASSWORD": "password-rex", "KARYO_E2E_SECOND_PASSWORD": "password-rita"])
        try #require(status == 0, "tools/e2e-browser failed (\(status)): \(err)\n\(out)")

        // Stop the server (SIGTERM) and check that it shuts down cleanly.
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationReason == .exit || server.terminationStatus == SIGTERM)

        struct Summary: Decodable {
            struct Decision: Decodable {
                var sample: String
                var decision: String
                var label: String
                var user: String
                var comment: String?
            }
            var decisions: [Decision]
        }
        let line = try #require(out.split(separator: "\n").last { $0.hasPrefix("{") })
        let summary = try JSONDecoder().decode(Summary.self, from: Data(line.utf8))
        #expect(summary.decisions.count == 4)
        #expect(summary.decisions.filter { $0.decision == "relabel" }.count == 1)
        #expect(Set(summary.decisions.map(\.sample)).count == 4)

        let store = try DatasetStore.open(at: folder)
        for decision in summary.decisions {
            let events = try store.labelHistory(sample: decision.sample).filter { $0.source == .reviewer }
            let event = try #require(events.last, "no reviewer label event for \(decision.sample)")
            #expect(events.count == 1)
            #expect(event.author == decision.user)
            #expect(event.label?.rawValue == decision.label)
            if let comment = decision.comment { #expect(event.reason?.contains(comment) == true) }
            if decision.decision == "relabel" {
                let before = try store.labelHistory(sample: decision.sample).first { $0.source != .reviewer }
                #expect(before?.label != event.label, "the relabel changed the label")
            }
        }
        #expect(try store.uncommittedChanges().labelChanges.count == 2, "one relabel and one unsure")
        for name in ["queue.png", "item.png", "item-no-js.png"] {
            let file = Self.artifacts.appendingPathComponent(name)
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            #expect(size > 10_000, "screenshot \(name) missing or empty")
        }
    }

    /// Reads the server's stdout until it prints its address (30 s at most).
    static func readListeningURL(_ handle: FileHandle) throws -> String {
        let deadline = Date().addingTimeInterval(30)
        var text = ""
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: "listening on ") {
                let rest = text[range.upperBound...]
                if let end = rest.firstIndex(of: "\n") {
                    return String(rest[..<end]).trimmingCharacters(in: CharacterSet(charactersIn: "/ "))
                }
            }
        }
        throw ServeError(.internalServerError, "karyo serve did not report its address: \(text)")
    }
}

import Crypto
import Foundation

/// The report of one folder run, written to `OUT/deid-report.json`. No file names, no identity.
public struct DeidBatchReport: Sendable, Codable, Equatable {
    public struct File: Sendable, Codable, Equatable {
        /// Position of the file in walk order, from 1; the output is `<index>.png`.
        public let index: Int
        /// "clean" or "quarantined".
        public let outcome: String
        /// The output file name (clean files only).
        public let output: String?
        /// Why it was quarantined.
        public let reason: String?
        public let provenance: DeidProvenance
    }

    public let profileVersion: String
    public let files: [File]
    public var cleanCount: Int { files.filter { $0.outcome == "clean" }.count }
    public var quarantinedCount: Int { files.filter { $0.outcome == "quarantined" }.count }

    enum CodingKeys: String, CodingKey { case profileVersion, files, clean, quarantined }

    public init(profileVersion: String, files: [File]) {
        self.profileVersion = profileVersion
        self.files = files
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        profileVersion = try c.decode(String.self, forKey: .profileVersion)
        files = try c.decode([File].self, forKey: .files)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(profileVersion, forKey: .profileVersion)
        try c.encode(cleanCount, forKey: .clean)
        try c.encode(quarantinedCount, forKey: .quarantined)
        try c.encode(files, forKey: .files)
    }
}

/// One entry of `OUT/quarantine/quarantine.json`: which input (by walk-order index and the
/// SHA-256 of its bytes, so a person can find it with `sha256sum`) and why. No file name.
public struct DeidQuarantineEntry: Sendable, Codable, Equatable {
    public let index: Int
    public let sourceSHA256: String
    public let reason: String
}

/// A batch failure. Messages never contain paths or file names.
public struct DeidBatchError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case noInput, outputExists, io }
    public let description: String
    public let kind: Kind
}

/// `karyo deid IN OUT` as a library call.
public enum DeidBatch {
    /// The report's file name inside OUT.
    public static let reportFileName = "deid-report.json"
    /// The quarantine list, relative to OUT.
    public static let quarantineListPath = "quarantine/quarantine.json"

    /// De-identifies every file under `input` (walked recursively, hidden files skipped, sorted
    /// by relative path) into `output` as `<n>.png`, n the walk position from 1. Quarantined
    /// files get no image; they are listed in `quarantine/quarantine.json`. Writes
    /// `deid-report.json`. Files are processed concurrently, one OCR engine per core.
    ///
    /// - Parameters:
    ///   - output: must not exist, or be an empty folder; must not lie inside `input`.
    ///   - knownIdentifiers: identifiers to mask and to search the outputs for (e.g. the lab's
    ///     patient and case ids).
    ///   - progress: called with (done, total) from worker threads.
    /// - Throws: ``DeidBatchError`` when the input is missing, the output is not empty, or writing fails.
    public static func run(input: URL, output: URL, profile: DeidProfile, lab: String, knownIdentifiers: [String] = [],
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> DeidBatchReport {
        let deidentifier = try Deidentifier(profile: profile)
        return try run(input: input, output: output, deidentifier: deidentifier, lab: lab,
                       knownIdentifiers: knownIdentifiers, progress: progress)
    }

    /// As above with a prepared ``Deidentifier``.
    public static func run(input: URL, output: URL, deidentifier: Deidentifier, lab: String, knownIdentifiers: [String] = [],
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> DeidBatchReport {
        let fm = FileManager.default
        let inPath = input.standardizedFileURL.resolvingSymlinksInPath().path
        let outPath = output.standardizedFileURL.resolvingSymlinksInPath().path
        if outPath == inPath || outPath.hasPrefix(inPath.hasSuffix("/") ? inPath : inPath + "/") {
            throw DeidBatchError(description: "the output folder must not be inside the input folder", kind: .outputExists)
        }
        let files = try FolderWalk.files(under: input)
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: output.path, isDirectory: &isDirectory) {
            let contents = (try? fm.contentsOfDirectory(atPath: output.path)) ?? ["?"]
            if !isDirectory.boolValue || !contents.isEmpty {
                throw DeidBatchError(description: "the output exists and is not an empty folder", kind: .outputExists)
            }
        }
        do {
            try fm.createDirectory(at: output, withIntermediateDirectories: true)
            try fm.createDirectory(at: output.appendingPathComponent("quarantine"), withIntermediateDirectories: true)
        } catch {
            throw DeidBatchError(description: "cannot create the output folder", kind: .io)
        }

        let total = files.count
        let state = BatchState(count: total)
        DispatchQueue.concurrentPerform(iterations: total) { i in
            let index = i + 1
            let entry: (DeidBatchReport.File, DeidQuarantineEntry?)
            let data: Data
            do {
                data = try Data(contentsOf: files[i].url)
            } catch {
                let provenance = DeidProvenance(methodCodes: [], optionsApplied: [], maskedRegions: 0, ocrWordsSeen: 0, verifier: .notRun)
                let reason = "file could not be read"
                state.finish(i, (DeidBatchReport.File(index: index, outcome: "quarantined", output: nil, reason: reason, provenance: provenance),
                                 DeidQuarantineEntry(index: index, sourceSHA256: "", reason: reason)), progress: progress, total: total)
                return
            }
            switch deidentifier.deidentify(fileData: data, lab: lab, knownIdentifiers: knownIdentifiers) {
            case .clean(let result):
                let name = "\(index).png"
                do {
                    try result.png.write(to: output.appendingPathComponent(name), options: .withoutOverwriting)
                    entry = (DeidBatchReport.File(index: index, outcome: "clean", output: name, reason: nil, provenance: result.provenance), nil)
                } catch {
                    state.fail("cannot write output \(name)")
                    entry = (DeidBatchReport.File(index: index, outcome: "quarantined", output: nil,
                                                  reason: "output could not be written", provenance: result.provenance), nil)
                }
            case .quarantined(let q):
                let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
                entry = (DeidBatchReport.File(index: index, outcome: "quarantined", output: nil, reason: q.reason, provenance: q.provenance),
                         DeidQuarantineEntry(index: index, sourceSHA256: digest, reason: q.reason))
            }
            state.finish(i, entry, progress: progress, total: total)
        }
        if let failure = state.failure { throw DeidBatchError(description: failure, kind: .io) }

        let report = DeidBatchReport(profileVersion: DeidProfile.version, files: state.files.compactMap { $0 })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(report).write(to: output.appendingPathComponent(reportFileName))
            try encoder.encode(state.quarantine.compactMap { $0 }).write(to: output.appendingPathComponent(quarantineListPath))
        } catch {
            throw DeidBatchError(description: "cannot write the report", kind: .io)
        }
        return report
    }
}

/// Results of the concurrent workers, in walk order.
private final class BatchState: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var files: [DeidBatchReport.File?]
    private(set) var quarantine: [DeidQuarantineEntry?]
    private(set) var failure: String?
    private var done = 0

    init(count: Int) {
        files = Array(repeating: nil, count: count)
        quarantine = Array(repeating: nil, count: count)
    }

    func finish(_ i: Int, _ entry: (DeidBatchReport.File, DeidQuarantineEntry?), progress: (@Sendable (Int, Int) -> Void)?, total: Int) {
        lock.lock()
        files[i] = entry.0
        quarantine[i] = entry.1
        done += 1
        let n = done
        lock.unlock()
        progress?(n, total)
    }

    func fail(_ message: String) {
        lock.lock()
        if failure == nil { failure = message }
        lock.unlock()
    }
}

import Foundation
import KaryoCodecs
import KaryoTestSupport
import Testing

/// Where the shared real-image data lives: `../shared/data` beside the repository root.
enum SharedData {
    /// The repository root: this file is Tests/KaryoImageTests/TestSupport.swift (symlinks
    /// resolved, so the dev package that links these sources finds the same root).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let root: URL = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

    static var available: Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir) && isDir.boolValue
    }

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: url(relative).path) }

    static let skipMessage: Comment = "../shared/data is absent (expected beside the repository); real-file tests skipped"
}

/// A fixed-seed generator so "random" corruption is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Decodes and returns the error, or nil when the decode succeeded.
func decodeError(_ data: Data, fileName: String = "<memory>", options: DecodeOptions = .init()) -> ImageDecodeError? {
    do {
        _ = try ImageCodec.decode(data, fileName: fileName, options: options)
        return nil
    } catch {
        return error
    }
}


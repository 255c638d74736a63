import Foundation
import KaryoCodecs
import KaryoCore
import KaryoTestSupport
import Testing

/// Where the shared real-image data lives: `../shared/data` beside the repository root.
enum SharedData {
    static let root = TestPaths.sharedData
    static var available: Bool { TestPaths.hasSharedData }
    static func url(_ relative: String) -> URL { TestPaths.shared(relative) }
    static func exists(_ relative: String) -> Bool { TestPaths.sharedExists(relative) }
    static let skipMessage = Comment(rawValue: TestPaths.sharedDataMissing)
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


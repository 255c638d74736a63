import Foundation
import KaryoCore

/// Regular files under a folder, recursively, hidden files and folders skipped, sorted by their
/// relative path (byte order): the "walk order" that numbers `karyo deid` outputs.
enum FolderWalk {
    struct File {
        let url: URL
        let relativePath: String
    }

    static func files(under root: URL) throws -> [File] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw DeidBatchError(description: "the input does not exist", kind: .noInput)
        }
        guard isDirectory.boolValue else {
            return [File(url: root, relativePath: root.lastPathComponent)]
        }
        guard let files = FileTree.files(under: root) else {
            throw DeidBatchError(description: "the input folder cannot be read", kind: .io)
        }
        return files.map { File(url: $0.url, relativePath: $0.relativePath) }
    }
}

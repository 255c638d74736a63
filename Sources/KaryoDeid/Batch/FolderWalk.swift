import Foundation

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
        let base = root.standardizedFileURL.resolvingSymlinksInPath().path
        guard let walker = fm.enumerator(at: URL(fileURLWithPath: base), includingPropertiesForKeys: [.isRegularFileKey],
                                         options: [.skipsHiddenFiles]) else {
            throw DeidBatchError(description: "the input folder cannot be read", kind: .io)
        }
        var files: [File] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            var relative = path.hasPrefix(base) ? String(path.dropFirst(base.count)) : url.lastPathComponent
            while relative.hasPrefix("/") { relative.removeFirst() }
            files.append(File(url: url, relativePath: relative))
        }
        return files.sorted { Array($0.relativePath.utf8).lexicographicallyPrecedes(Array($1.relativePath.utf8)) }
    }
}

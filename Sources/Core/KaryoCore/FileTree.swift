import Foundation

/// The regular files under a folder, the one walk every batch command shares (import, de-identify,
/// extract): recursive, hidden files and folders skipped, sorted by relative path in byte order so
/// the order, and any numbering taken from it, is the same on every machine.
public enum FileTree {
    /// One file found.
    public struct File: Sendable, Equatable {
        /// The file, its symbolic links resolved.
        public let url: URL
        /// Its path below the walked folder, `/`-separated.
        public let relativePath: String
    }

    /// The regular files under `folder`, or `nil` when the folder cannot be read.
    public static func files(under folder: URL) -> [File]? {
        let base = folder.standardizedFileURL.resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(
            at: URL(fileURLWithPath: base), includingPropertiesForKeys: [.isRegularFileKey],
            options: [.skipsHiddenFiles, .skipsPackageDescendants])
        else { return nil }
        var files: [File] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            var relative = path.hasPrefix(base) ? String(path.dropFirst(base.count)) : url.lastPathComponent
            while relative.hasPrefix("/") { relative.removeFirst() }
            files.append(File(url: URL(fileURLWithPath: path), relativePath: relative))
        }
        return files.sorted { Array($0.relativePath.utf8).lexicographicallyPrecedes(Array($1.relativePath.utf8)) }
    }
}

import Foundation
import KaryoCodecs
import KaryoCore

/// Lists the image files under the paths a user gave to `karyo import`.
enum ImageFileWalker {
    /// File name extensions taken as images without looking inside.
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "jpe", "jfif", "tif", "tiff", "bmp", "dib"]

    /// Files found: images (by extension or magic bytes) and other files that were passed over.
    struct Listing {
        var images: [URL] = []
        var skipped: [(url: URL, reason: String)] = []
        var missing: [String] = []
    }

    /// Walks `paths` (files or folders, recursively), in a stable sorted order, skipping hidden
    /// files and folders. A file named explicitly is always taken; a file found in a folder is taken
    /// when its extension is an image extension or its first bytes are an image signature.
    static func list(_ paths: [String]) -> Listing {
        var listing = Listing()
        var seen = Set<String>()
        let fm = FileManager.default
        for path in paths {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                listing.missing.append(path)
                continue
            }
            if !isDirectory.boolValue {
                if seen.insert(url.resolvingSymlinksInPath().path).inserted { listing.images.append(url) }
                continue
            }
            let found = (FileTree.files(under: url) ?? []).map(\.url)
            for file in found where seen.insert(file.path).inserted {
                if imageExtensions.contains(file.pathExtension.lowercased()) || hasImageSignature(file) {
                    listing.images.append(file)
                } else {
                    listing.skipped.append((file, "not an image"))
                }
            }
        }
        return listing
    }

    static func hasImageSignature(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 16) else { return false }
        return ImageCodec.sniff(head) != nil
    }
}

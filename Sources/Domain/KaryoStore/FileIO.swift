import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Low-level file operations with explicit durability (POSIX calls, so fsync really happens).
enum FileIO {
    static func errnoMessage(_ what: String, _ path: String) -> String {
        "\(what) \(path): \(String(cString: strerror(errno)))"
    }

    /// fsyncs a directory so that renames and creations inside it are durable.
    static func fsyncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC | O_DIRECTORY)
        guard fd >= 0 else { throw StoreError(.io, errnoMessage("cannot open directory", url.path)) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StoreError(.io, errnoMessage("cannot fsync directory", url.path)) }
    }

    /// Creates a directory if needed; returns true when it was created.
    @discardableResult
    static func makeDirectory(_ url: URL) throws -> Bool {
        if mkdir(url.path, 0o755) == 0 { return true }
        if errno == EEXIST {
            var info = stat()
            if stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { return false }
            throw StoreError(.io, "\(url.path) exists and is not a directory")
        }
        throw StoreError(.io, errnoMessage("cannot create directory", url.path))
    }

    /// The size of a regular file, or nil if there is none.
    static func fileSize(_ url: URL) -> Int? {
        var info = stat()
        guard stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw StoreError(.io, errnoMessage("cannot write", path))
                }
                offset += written
            }
        }
    }

    /// Writes `data` to `destination` atomically: a locked temp file in `tmpDir`, written, fsynced
    /// (if durable), renamed into place. The caller fsyncs the destination's directory.
    ///
    /// The temp file is flock-ed while it exists so that `cleanTempDirectory` (run by another
    /// process opening the store) never removes a file that is being written.
    static func writeAtomically(_ data: Data, to destination: URL, tmpDir: URL, mode: mode_t, durable: Bool) throws {
        while true {
            let tempPath = tmpDir.appendingPathComponent("w-\(UUID().uuidString.lowercased()).tmp").path
            let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            guard fd >= 0 else { throw StoreError(.io, errnoMessage("cannot create temporary file", tempPath)) }
            var closed = false
            defer { if !closed { close(fd) } }
            guard flock(fd, LOCK_EX) == 0 else { throw StoreError(.io, errnoMessage("cannot lock", tempPath)) }
            // A cleaner may have removed the file between open and flock: start over.
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw StoreError(.io, errnoMessage("cannot stat", tempPath)) }
            if info.st_nlink == 0 { continue }
            do {
                try writeAll(fd, data, path: tempPath)
                if durable, fsync(fd) != 0 { throw StoreError(.io, errnoMessage("cannot fsync", tempPath)) }
                guard rename(tempPath, destination.path) == 0 else {
                    throw StoreError(.io, errnoMessage("cannot move into place", destination.path))
                }
            } catch {
                unlink(tempPath)
                throw error
            }
            closed = true
            close(fd)
            return
        }
    }

    /// Removes temp files no live writer holds (leftovers of killed processes); returns how many.
    static func cleanTempDirectory(_ tmpDir: URL) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: tmpDir.path) else { return 0 }
        var removed = 0
        for name in names {
            let path = tmpDir.appendingPathComponent(name).path
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            if fd < 0 {
                // A symlink or something unreadable: not ours to keep.
                if errno == ELOOP, unlink(path) == 0 { removed += 1 }
                continue
            }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            // Held by a live writer: leave it alone.
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            // Unlink while holding the lock, so a writer that locks after us sees st_nlink == 0.
            if unlink(path) == 0 { removed += 1 }
        }
        return removed
    }

    /// Creates a new file (failing if it exists) with exactly `mode`, writes and fsyncs it.
    static func writeNewFile(_ data: Data, to url: URL, mode: mode_t) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw StoreError(.io, errnoMessage("cannot create", url.path)) }
        defer { close(fd) }
        try writeAll(fd, data, path: url.path)
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else {
            throw StoreError(.io, errnoMessage("cannot write", url.path))
        }
    }

    /// Random bytes from the system's secure generator.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}

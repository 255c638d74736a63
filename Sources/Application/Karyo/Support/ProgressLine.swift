import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress display on standard error, redrawn in place; silent when standard error is
/// not a terminal (scripts, CI, pipes), so logs stay clean.
public final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool
    private let label: String
    private var lastDraw = Date.distantPast
    private var drawn = false
    private let started = Date()

    /// Creates a progress line; `enabled` defaults to whether standard error is a terminal.
    public init(label: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.enabled = enabled
    }

    /// Shows `done` of `total`, at most ten times a second (always for the last item).
    public func update(_ done: Int, of total: Int, detail: String = "") {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let percent = total > 0 ? 100 * done / total : 100
        var line = "\(label) \(done)/\(total) (\(percent)%)"
        if rate > 0 { line += String(format: " %.1f/s", rate) }
        if done < total, rate > 0 { line += String(format: ", %.0f s left", Double(total - done) / rate) }
        if !detail.isEmpty { line += " " + detail }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        drawn = true
    }

    /// Clears the line so the next output starts on a clean line.
    public func finish() {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }
}

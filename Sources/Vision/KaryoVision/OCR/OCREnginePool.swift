import Foundation

/// Hands out ``TesseractEngine``s so that concurrent callers never share one.
///
/// Thread-safety: the pool is safe to use from any thread. Each ``withEngine(_:)`` call borrows
/// an engine for the duration of the closure (creating one, at most `maxEngines` in all, when none
/// is idle) and returns it afterwards; a caller finding all engines busy waits. A `TessBaseAPI`
/// holds about 20-40 MB, so `maxEngines` defaults to the number of active cores.
package final class OCREnginePool: @unchecked Sendable {
    private let condition = NSCondition()
    private var idle: [TesseractEngine] = []
    private var created = 0
    private let maxEngines: Int
    package let tessdataDirectory: String

    package init(tessdataDirectory: String, maxEngines: Int = ProcessInfo.processInfo.activeProcessorCount) throws(OCRSetupError) {
        self.tessdataDirectory = tessdataDirectory
        self.maxEngines = max(1, maxEngines)
        // Create the first engine now so that a missing model fails at setup, not mid-batch.
        idle.append(try TesseractEngine(tessdataDirectory: tessdataDirectory))
        created = 1
    }

    package func withEngine<T>(_ body: (TesseractEngine) throws -> T) throws -> T {
        let engine = try checkOut()
        defer { checkIn(engine) }
        return try body(engine)
    }

    private func checkOut() throws -> TesseractEngine {
        condition.lock()
        while true {
            if let engine = idle.popLast() {
                condition.unlock()
                return engine
            }
            if created < maxEngines {
                created += 1
                condition.unlock()
                do {
                    return try TesseractEngine(tessdataDirectory: tessdataDirectory)
                } catch {
                    condition.lock()
                    created -= 1
                    condition.unlock()
                    throw error
                }
            }
            condition.wait()
        }
    }

    private func checkIn(_ engine: TesseractEngine) {
        condition.lock()
        idle.append(engine)
        condition.signal()
        condition.unlock()
    }

    /// One pool per tessdata folder for the whole process (a model loads in about 0.1-0.3 s).
    package static func shared(tessdataDirectory: String) throws(OCRSetupError) -> OCREnginePool {
        registryLock.lock()
        defer { registryLock.unlock() }
        if let pool = registry[tessdataDirectory] { return pool }
        let pool = try OCREnginePool(tessdataDirectory: tessdataDirectory)
        registry[tessdataDirectory] = pool
        return pool
    }

    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var registry: [String: OCREnginePool] = [:]
}

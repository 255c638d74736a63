import Foundation
import GRDB

/// An error from the dataset store. `message` is meant for the user; `code` for programs.
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    public let code: Code
    public let message: String

    public enum Code: String, Sendable, Codable {
        /// No `.karyo` folder (or not a Karyo store).
        case notAProject
        /// Something that must be new exists already (a project, a tag).
        case alreadyExists
        /// The store was written by a newer version of Karyo (unknown schema migrations).
        case newerSchema
        /// No such sample, version, tag, batch or blob.
        case notFound
        /// A version prefix matches more than one version.
        case ambiguous
        /// The working state equals HEAD or an earlier version.
        case nothingToCommit
        /// A constraint or a concurrent change prevents the operation.
        case conflict
        /// Bad input (empty author, malformed JSON, bad hash, not a PNG...).
        case invalidInput
        /// The store is damaged (missing secret key, bad blob bytes, corrupt database).
        case corrupt
        /// A file system or database I/O failure (including a store busy for too long).
        case io
    }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension StoreError: LocalizedError {
    public var errorDescription: String? { message }
}

/// Runs `body`, turning GRDB and other errors into `StoreError`s.
func storeGuarded<T>(_ what: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as StoreError {
        throw error
    } catch let error as DatabaseError {
        throw StoreError.from(error, while: what)
    } catch {
        throw StoreError(.io, "\(what) failed: \(error)")
    }
}

extension StoreError {
    static func from(_ error: DatabaseError, while what: String) -> StoreError {
        let detail = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.io, "\(what) failed: the store is busy (another karyo process is writing); try again")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return StoreError(.corrupt, "\(what) failed: the database is damaged (\(detail)); run karyo verify")
        case .SQLITE_CONSTRAINT:
            return StoreError(.conflict, "\(what) failed: \(detail)")
        case .SQLITE_FULL:
            return StoreError(.io, "\(what) failed: the disk is full")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return StoreError(.io, "\(what) failed: cannot write the store (\(detail))")
        default:
            return StoreError(.io, "\(what) failed: \(detail)")
        }
    }
}

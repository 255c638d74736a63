import Hummingbird
import KaryoStore

/// An error a page reports to the browser with a status and a message (shown as an HTML page).
public struct ServeError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code) \(message)" }

    /// The one place store errors become HTTP statuses.
    static func from(_ error: any Error) -> ServeError {
        if let error = error as? ServeError { return error }
        if let error = error as? StoreError {
            switch error.code {
            case .notFound: return ServeError(.notFound, error.message)
            case .invalidInput, .ambiguous: return ServeError(.badRequest, error.message)
            case .conflict, .alreadyExists, .nothingToCommit: return ServeError(.conflict, error.message)
            case .notAProject, .newerSchema, .corrupt, .io:
                return ServeError(.internalServerError, "the store failed: \(error.message)")
            }
        }
        if let error = error as? HTTPError {
            return ServeError(error.status, error.body ?? error.status.reasonPhrase)
        }
        return ServeError(.internalServerError, "internal error")
    }
}

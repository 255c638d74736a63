import Hummingbird
import KaryoStore

/// The per-request context: who is asking (peer address, session) and the parsed form of a POST.
public struct ServeContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address ("unknown" when there is none, as in router tests).
    public let client: String
    /// The signed-in session, set by the session middleware.
    public internal(set) var session: WebSession?
    /// The fields of an `application/x-www-form-urlencoded` POST body (first value of each name).
    public internal(set) var form: [String: String] = [:]

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        client = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Forms are small; larger bodies are refused (413).
    public var maxUploadSize: Int { 64 * 1024 }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import KaryoServe
import KaryoStore
import KaryoTestSupport
import Testing

/// A temporary project with demo data and four accounts (passwords `password` + name).
final class Fixture: @unchecked Sendable {
    let folder: URL
    let store: DatasetStore
    let app: ReviewApp
    let summary: DemoStoreSummary

    static let accounts: [(String, AccountRole)] = [
        ("ada", .admin), ("cora", .curator), ("rex", .reviewer), ("rita", .reviewer), ("ravi", .reviewer),
    ]

    static func password(_ name: String) -> String { "password-\(name)" }

    init(samples: Int = 8, queue: Int = 5, configuration: ServeConfiguration = ServeConfiguration(bcryptCost: 4)) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-serve-\(UUID().uuidString)")
        store = try DatasetStore.create(at: folder, splitPolicy: SplitPolicy(validationFraction: 0.2, seed: 3))
        summary = try DemoStore.populate(store, samples: samples, queueItems: queue)
        for (name, role) in Self.accounts {
            try await AccountSetup.addAccount(to: store, name: name, role: role, password: Self.password(name), cost: 4)
        }
        app = await ReviewApp(store: store, configuration: configuration)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Runs `body` against the router, without sockets.
    func withClient<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let application = Application(router: app.buildRouter())
        return try await application.test(.router, body)
    }

    /// Reviewer label events (newest last).
    func reviewerEvents(_ token: String) throws -> [LabelEvent] {
        try store.labelHistory(sample: token).filter { $0.source == .reviewer }
    }
}

/// A cookie jar over a test client: sends cookies back like a browser and parses CSRF tokens.
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]

    init(_ client: any TestClientProtocol) { self.client = client }

    func request(_ uri: String, method: HTTPRequest.Method, body: String? = nil, headers extra: HTTPFields = [:])
        async throws -> TestResponse
    {
        var headers = extra
        if !cookies.isEmpty {
            headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await client.executeRequest(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        for field in response.headers[values: .setCookie] {
            let pair = field.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if field.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return response
    }

    func get(_ uri: String) async throws -> TestResponse { try await request(uri, method: .get) }

    func post(_ uri: String, _ form: [String: String], headers: HTTPFields = [:]) async throws -> TestResponse {
        let body = form.sorted { $0.key < $1.key }.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }
            .joined(separator: "&")
        return try await request(uri, method: .post, body: body, headers: headers)
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// Signs in through the login form; returns the POST's response.
    @discardableResult
    func login(_ name: String, password: String? = nil) async throws -> TestResponse {
        let page = try await get("/login")
        let token = try #require(Self.csrf(in: page))
        return try await post("/login", ["csrf": token, "name": name, "password": password ?? Fixture.password(name)])
    }

    var sessionID: String? { cookies["__Host-karyo-session"] }

    static func html(_ response: TestResponse) -> String { String(buffer: response.body) }

    /// The value of the first hidden `csrf` field of a page.
    static func csrf(in response: TestResponse) -> String? { field("csrf", in: html(response)) }

    static func field(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

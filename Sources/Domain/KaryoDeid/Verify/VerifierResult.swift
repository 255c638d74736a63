/// The verdict of ``DeidVerifier`` on one output. Problems name checks and positions, never
/// the content found (a forbidden string is named by its position in the list).
public struct VerifierResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case passed, failed
        /// Not verified (the image was quarantined before an output was written).
        case notRun = "not-run"
    }

    public let status: Status
    /// The checks that ran, e.g. "png-structure", "forbidden-bytes", "ocr".
    public let checks: [String]
    /// What failed, empty when passed.
    public let problems: [String]

    public init(status: Status, checks: [String], problems: [String]) {
        self.status = status
        self.checks = checks
        self.problems = problems
    }

    public var passed: Bool { status == .passed }

    public static let notRun = VerifierResult(status: .notRun, checks: [], problems: [])
}

import Foundation
import KaryoCore
import Testing
@_spi(Testing) import KaryoStore

/// Commit and diff cost must follow the number of changes, not the store's size. Opt-in (slow):
/// `KARYO_STORE_BENCH=10000,100000 swift test --filter StoreBenchmarkTests`
@Suite struct StoreBenchmarkTests {
    static let sizes: [Int] = (ProcessInfo.processInfo.environment["KARYO_STORE_BENCH"] ?? "")
        .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }

    @Test(.enabled(if: !sizes.isEmpty, "set KARYO_STORE_BENCH=10000,100000 to run"))
    func commitAndDiffWithTenChanges() throws {
        for size in Self.sizes {
            let project = try TempProject()
            defer { project.cleanup() }
            let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
            let clock = ContinuousClock()
            var tokens: [String] = []
            let fill = try clock.measure {
                var start = 0
                while start < size {
                    let end = min(size, start + 5_000)
                    let batch = (start..<end).map { newSample("bench \($0)", patient: "P\($0 / 4)", label: .negative) }
                    tokens += try store.addSamples(batch, durableBlobs: false).map(\.sampleToken)
                    start = end
                }
            }
            var first: VersionInfo?
            let initialCommit = try clock.measure { first = try store.commit(message: "all", author: "bench") }
            for token in tokens.prefix(10) { try store.relabel(token, .positive) }
            var second: VersionInfo?
            let commit = try clock.measure { second = try store.commit(message: "ten", author: "bench") }
            var diff: VersionDiff?
            let diffTime = try clock.measure { diff = try store.diff(from: "HEAD~1", to: "HEAD") }
            let status = try clock.measure { _ = try store.status() }
            let members = try clock.measure { _ = try store.members(of: "HEAD") }
            #expect(first?.memberCount == size && second?.updated == 10 && diff?.labelChanges.count == 10)
            #expect(try store.changeRowCount(second!.id) == 10)
            print("bench size=\(size) fill=\(fill) initialCommit=\(initialCommit) commit10=\(commit) diff10=\(diffTime) status=\(status) members=\(members)")
        }
    }
}

import Foundation
import KaryoCore
import Testing
@_spi(Testing) import KaryoStore

@Suite struct VersionTests {
    /// A store with `count` samples of `patients` patients, all labelled negative.
    func makeStore(_ project: TempProject, count: Int, patients: Int = 7) throws -> (DatasetStore, [String]) {
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let results = try store.addSamples(
            (0..<count).map { newSample("v\($0)", patient: "P\($0 % patients)", label: .negative) }, durableBlobs: false)
        return (store, results.map(\.sampleToken))
    }

    @Test func commitRecordsMembersCountsAndSplits() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, tokens) = try makeStore(project, count: 20)
        try store.relabel(tokens[0], .positive)
        try store.relabel(tokens[1], .unsure)
        let unlabelled = try store.addNew(newSample("unlabelled"))
        let v1 = try store.commit(message: "first", author: "me")
        #expect(v1.id.hasPrefix("v-") && v1.id.count == 22)
        #expect(v1.parent == nil && v1.message == "first" && v1.author == "me")
        #expect(v1.memberCount == 20 && v1.added == 20 && v1.removed == 0 && v1.updated == 0)
        #expect(v1.labelCounts == LabelCounts(positive: 1, negative: 18, unsure: 1))
        #expect(v1.splitCounts.total == 20 && v1.counts.total == 20)

        let members = try store.members(of: v1.id)
        #expect(members.map(\.sampleToken) == members.map(\.sampleToken).sorted())
        #expect(Set(members.map(\.sampleToken)) == Set(tokens))
        #expect(!members.contains { $0.sampleToken == unlabelled })
        for member in members {
            let info = try store.sample(token: member.sampleToken)
            #expect(member.patientToken == info.patientToken && member.blobHash == info.blobHash)
            #expect(member.caseToken == info.caseToken && member.cellToken == info.cellToken)
            #expect(member.width == 640 && member.height == 480 && member.lab == "Lab A")
        }
        // Splits follow patients: one patient never spans two splits.
        let splitsPerPatient = Dictionary(grouping: members, by: \.patientToken).mapValues { Set($0.map(\.split)) }
        #expect(splitsPerPatient.values.allSatisfy { $0.count == 1 })
        #expect(DatasetStore.versionID(members: members) == v1.id)
        #expect(try store.status().head == v1.id)
        #expect(try store.status().uncommitted.total == 0)
        #expect(try store.log() == [v1])
    }

    @Test func idsAreContentDerived() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, tokens) = try makeStore(project, count: 6)
        let v1 = try store.commit(message: "v1", author: "me")

        // Changing one label changes the id.
        try store.relabel(tokens[2], .positive)
        let v2 = try store.commit(message: "v2", author: "me")
        #expect(v2.id != v1.id && v2.parent == v1.id)

        // Flipping it back gives v1's content: refused, naming v1.
        try store.relabel(tokens[2], .negative)
        #expect(try store.status().uncommitted.labelChanged == 1)
        do {
            _ = try store.commit(message: "back", author: "me")
            Issue.record("committed a state identical to an earlier version")
        } catch let error as StoreError {
            #expect(error.code == .nothingToCommit)
            #expect(error.message == "the working state is identical to earlier version \(v1.id); tag it instead")
        }

        // Another route to v2's content: positive via an intermediate unsure, and a no-op relabel.
        try store.relabel(tokens[2], .unsure)
        try store.relabel(tokens[2], .positive)
        try store.relabel(tokens[4], .positive)
        try store.relabel(tokens[4], .negative)
        do {
            _ = try store.commit(message: "same again", author: "me")
            Issue.record("committed HEAD's state again")
        } catch let error as StoreError {
            #expect(error.code == .nothingToCommit)
            #expect(error.message == "the working state is identical to version \(v2.id) (HEAD); nothing to commit")
        }

        // The id is a function of membership only: recomputing from the members gives it back.
        #expect(DatasetStore.versionID(members: try store.members(of: v1.id)) == v1.id)
        #expect(DatasetStore.versionID(members: try store.members(of: v2.id)) == v2.id)
        #expect(DatasetStore.versionID(members: try store.members(of: v2.id).reversed()) == v2.id)

        // Reaching v1's state via a third version, from another direction, also finds v1.
        try store.relabel(tokens[0], .unsure)
        let v3 = try store.commit(message: "v3", author: "me")
        try store.relabel(tokens[0], .negative)
        try store.relabel(tokens[2], .negative)
        do {
            _ = try store.commit(message: "v1 again", author: "me")
            Issue.record("committed v1's state again")
        } catch let error as StoreError {
            #expect(error.message.contains(v1.id))
        }
        #expect(try store.log().map(\.id) == [v3.id, v2.id, v1.id])
    }

    @Test func sameMembershipInTwoStoresGivesTheSameID() throws {
        // Tokens are random per store, so compare through the documented id function: members
        // built in a different order and with different (irrelevant) fields give the same id.
        let a = VersionMember(
            sampleToken: "s-aaaa", patientToken: "p-1", caseToken: "c-1", cellToken: "m-1", lab: "L", label: .positive,
            split: .train, blobHash: "h", width: 1, height: 1, kind: .unknown)
        var b = a
        b.sampleToken = "s-bbbb"
        b.label = .negative
        var c = a
        c.sampleToken = "s-cccc"
        c.split = .validation
        let id = DatasetStore.versionID(members: [a, b, c])
        #expect(DatasetStore.versionID(members: [c, a, b]) == id)
        var differentMetadata = a
        differentMetadata.blobHash = "other"
        differentMetadata.width = 99
        #expect(DatasetStore.versionID(members: [differentMetadata, b, c]) == id)
        var flipped = a
        flipped.label = .unsure
        #expect(DatasetStore.versionID(members: [flipped, b, c]) != id)
        var moved = a
        moved.split = .test
        #expect(DatasetStore.versionID(members: [moved, b, c]) != id)
        #expect(DatasetStore.versionID(members: [a, b]) != id)
    }

    @Test func commitWritesOnlyTheDelta() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, tokens) = try makeStore(project, count: 300)
        let v1 = try store.commit(message: "all", author: "me")
        #expect(try store.changeRowCount(v1.id) == 300)

        for token in tokens[10..<20] { try store.relabel(token, .positive) }
        try store.relabel(tokens[10], .unsure)  // two events, one change
        let newToken = try store.addNew(newSample("late", label: .positive))
        try store.withdrawLabel(sample: tokens[299], author: "r", reason: "wrong image")
        #expect(try store.status().uncommitted == UncommittedCounts(added: 1, removed: 1, labelChanged: 10))
        let v2 = try store.commit(message: "delta", author: "me")
        #expect(try store.changeRowCount(v2.id) == 12)
        #expect(v2.added == 1 && v2.removed == 1 && v2.updated == 10)
        #expect(v2.memberCount == 300)
        #expect(v2.labelCounts == LabelCounts(positive: 10, negative: 289, unsure: 1))
        #expect(try store._queryInt("SELECT COUNT(*) FROM version_changes") == 312)
        let members = try store.members(of: "HEAD")
        #expect(members.count == 300)
        #expect(members.contains { $0.sampleToken == newToken })
        #expect(!members.contains { $0.sampleToken == tokens[299] })
    }

    @Test func oldVersionsKeepTheirMembers() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, tokens) = try makeStore(project, count: 12)
        let v1 = try store.commit(message: "v1", author: "me")
        let before = try store.members(of: v1.id)
        let infoBefore = try store.resolveVersion(v1.id)

        try store.relabel(tokens[0], .positive)
        try store.withdrawLabel(sample: tokens[1], author: "r", reason: "blurred")
        try store.addNew(newSample("extra", label: .unsure))
        _ = try store.commit(message: "v2", author: "me")
        try store.relabel(tokens[0], .unsure)
        try store.relabel(tokens[1], .positive)
        _ = try store.commit(message: "v3", author: "me")

        #expect(try store.members(of: v1.id) == before)
        #expect(try store.resolveVersion(v1.id) == infoBefore)
        #expect(before.allSatisfy { $0.label == .negative })
        #expect(try store.verify(progress: nil).isHealthy)
    }

    @Test func diffFastPathAndGeneralPathAgree() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, tokens) = try makeStore(project, count: 10)
        let v1 = try store.commit(message: "v1", author: "me")
        try store.relabel(tokens[0], .positive)
        try store.relabel(tokens[1], .unsure)
        try store.withdrawLabel(sample: tokens[2], author: "r", reason: "duplicate cell")
        let added = try store.addNew(newSample("new one", patient: "P1", label: .positive))
        let v2 = try store.commit(message: "v2", author: "me")
        try store.relabel(tokens[1], .negative)  // back to v1's label
        try store.relabel(tokens[3], .positive)
        let v3 = try store.commit(message: "v3", author: "me")

        let d12 = try store.diff(from: v1.id, to: v2.id)
        #expect(d12.from == v1.id && d12.to == v2.id)
        #expect(d12.added.map(\.sampleToken) == [added] && d12.added[0].label == .positive)
        #expect(d12.removed.map(\.sampleToken) == [tokens[2]] && d12.removed[0].label == .negative)
        #expect(Set(d12.labelChanges.map(\.sampleToken)) == [tokens[0], tokens[1]])
        #expect(d12.labelChanges.first { $0.sampleToken == tokens[1] } == LabelChange(sampleToken: tokens[1], old: .negative, new: .unsure))
        #expect(d12.splitChanges.isEmpty)

        // Across two versions: tokens[1] went negative -> unsure -> negative, so it is no change.
        let d13 = try store.diff(from: v1.id, to: v3.id)
        #expect(Set(d13.labelChanges.map(\.sampleToken)) == [tokens[0], tokens[3]])
        #expect(d13.added.count == 1 && d13.removed.count == 1)

        for (a, b) in [(v1, v2), (v1, v3), (v2, v3), (v3, v3)] {
            let fast = try store.diff(from: a.id, to: b.id)
            let general = try store.diff(from: a.id, to: b.id, forceGeneral: true)
            #expect(fast == general)
            // The reverse direction takes the general path and mirrors the forward diff.
            let reverse = try store.diff(from: b.id, to: a.id)
            #expect(reverse.added == fast.removed && reverse.removed == fast.added)
            #expect(reverse.labelChanges == fast.labelChanges.map { LabelChange(sampleToken: $0.sampleToken, old: $0.new, new: $0.old) })
        }
        #expect(try store.diff(from: "HEAD", to: "HEAD").isEmpty)

        // Uncommitted changes use the same shape.
        try store.relabel(tokens[4], .unsure)
        let working = try store.uncommittedChanges()
        #expect(working.from == v3.id && working.to == "WORKING")
        #expect(working.labelChanges == [LabelChange(sampleToken: tokens[4], old: .negative, new: .unsure)])
    }

    @Test func resolveVersionReferences() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, tokens) = try makeStore(project, count: 3)
        do {
            _ = try store.resolveVersion("HEAD")
            Issue.record("resolved HEAD without versions")
        } catch let error as StoreError {
            #expect(error.code == .notFound)
        }
        var versions: [VersionInfo] = []
        for (i, label) in [SampleLabel.positive, .unsure, .positive, .unsure, .positive].enumerated() {
            try store.relabel(tokens[i % 3], label)
            versions.append(try store.commit(message: "c\(i)", author: "me"))
        }
        let last = versions[4]
        #expect(try store.resolveVersion("HEAD").id == last.id)
        #expect(try store.resolveVersion("HEAD~1").id == versions[3].id)
        #expect(try store.resolveVersion("HEAD^").id == versions[3].id)
        #expect(try store.resolveVersion("HEAD~4").id == versions[0].id)
        #expect(try store.resolveVersion("HEAD~0").id == last.id)
        #expect(throws: StoreError.self) { try store.resolveVersion("HEAD~5") }
        #expect(try store.resolveVersion(last.id).id == last.id)
        let hex = String(last.id.dropFirst(2))
        // A prefix long enough to be unique among 5 ids (8 hex chars: collisions are ~1e-8).
        #expect(try store.resolveVersion(String(hex.prefix(8))).id == last.id)
        #expect(try store.resolveVersion("v-" + hex.prefix(8)).id == last.id)
        #expect(try store.resolveVersion(hex.prefix(8).uppercased()).id == last.id)
        do {
            _ = try store.resolveVersion(String(hex.prefix(3)))
            Issue.record("resolved a 3-character prefix")
        } catch let error as StoreError {
            #expect(error.code == .notFound)
        }

        try store.tag("release-1", version: "HEAD~2")
        #expect(try store.resolveVersion("release-1").id == versions[2].id)
        #expect(try store.resolveVersion("release-1~1").id == versions[1].id)
        #expect(try store.resolveVersion("release-1").tags == ["release-1"])
        try store.tag("release-1", version: versions[2].id)  // same version: no-op
        do {
            try store.tag("release-1", version: "HEAD")
            Issue.record("moved a tag silently")
        } catch let error as StoreError {
            #expect(error.code == .alreadyExists)
        }
        for bad in ["HEAD", "v-abc", "", "has space", "-dash", "a/b"] {
            #expect(throws: StoreError.self, "tag name \(bad)") { try store.tag(bad, version: "HEAD") }
        }
        try store.tag("latest", version: "HEAD")
        #expect(try store.tags().map(\.name) == ["latest", "release-1"])
        #expect(try store.tags().map(\.version) == [last.id, versions[2].id])
        #expect(try store.log().first?.tags == ["latest"])
        try store.deleteTag("latest")
        #expect(try store.tags().map(\.name) == ["release-1"])
        do {
            try store.deleteTag("latest")
            Issue.record("deleted a missing tag")
        } catch let error as StoreError {
            #expect(error.code == .notFound)
        }
        #expect(throws: StoreError.self) { try store.resolveVersion("no-such-tag") }
    }

    @Test func ambiguousPrefixIsReported() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let (store, _) = try makeStore(project, count: 2)
        let v1 = try store.commit(message: "v1", author: "me")
        // Plant a second version whose id shares v1's first 6 hex chars (raw SQL; the id is not
        // content-derived, which is fine for this test of prefix resolution).
        let twin = String(v1.id.prefix(8)) + String(repeating: "0", count: 14)
        try store._executeRawSQL("""
            INSERT INTO versions(id, parent_id, message, author, created_at,
                train_positive, train_negative, train_unsure, validation_positive, validation_negative,
                validation_unsure, test_positive, test_negative, test_unsure, added_count, removed_count,
                updated_count, member_count, content_sum, max_label_event_id, max_sample_id)
            VALUES ('\(twin)', '\(v1.id)', 'twin', 'me', '2025-01-01T00:00:00.000Z',
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, zeroblob(32), 0, 0)
            """)
        do {
            _ = try store.resolveVersion(String(v1.id.dropFirst(2).prefix(6)))
            Issue.record("resolved an ambiguous prefix")
        } catch let error as StoreError {
            #expect(error.code == .ambiguous)
            #expect(error.message.contains(v1.id) && error.message.contains(twin))
        }
        #expect(try store.resolveVersion(v1.id).id == v1.id)
    }
}

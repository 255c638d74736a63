import Foundation
import KaryoCore
import KaryoStore
import Testing

@_spi(Testing) import KaryoStore

@Suite("Patient splits")
struct SplitTests {
    /// Adds `positives` + `negatives` patients with two labelled samples each.
    func addPatients(_ store: DatasetStore, positives: Int, negatives: Int, prefix: String) throws {
        var samples: [NewSample] = []
        for i in 0..<(positives + negatives) {
            let label: SampleLabel = i < positives ? .positive : .negative
            for cell in 0..<2 {
                samples.append(newSample("\(prefix)-\(i)-\(cell)", patient: "\(prefix)\(i)", cell: "\(cell)", label: label))
            }
        }
        _ = try store.addSamples(samples, durableBlobs: false)
    }

    /// Patients per (label, split) in a version.
    func patientCounts(_ store: DatasetStore, _ version: String) throws -> [String: Int] {
        var patients: [String: Set<String>] = [:]
        for m in try store.members(of: version) { patients["\(m.label.rawValue)/\(m.split.rawValue)", default: []].insert(m.patientToken) }
        return patients.mapValues(\.count)
    }

    @Test func eachClassIsSplitInThePolicyProportionsAndNobodyMoves() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(
            at: project.root, splitPolicy: SplitPolicy(validationFraction: 0.3, testFraction: 0.1, seed: 3))
        try addPatients(store, positives: 10, negatives: 20, prefix: "A")
        let v1 = try store.commit(message: "first", author: "t")
        var counts = try patientCounts(store, v1.id)
        #expect(counts["positive/validation"] == 3 && counts["positive/test"] == 1 && counts["positive/train"] == 6)
        #expect(counts["negative/validation"] == 6 && counts["negative/test"] == 2 && counts["negative/train"] == 12)

        // New patients join in the same proportions; every earlier member keeps its split.
        try addPatients(store, positives: 10, negatives: 20, prefix: "B")
        let v2 = try store.commit(message: "more", author: "t")
        counts = try patientCounts(store, v2.id)
        #expect(counts["positive/validation"] == 6 && counts["negative/validation"] == 12)
        #expect(counts["positive/test"] == 2 && counts["negative/test"] == 4)
        let before = Dictionary(uniqueKeysWithValues: try store.members(of: v1.id).map { ($0.sampleToken, $0.split) })
        for m in try store.members(of: v2.id) where before[m.sampleToken] != nil {
            #expect(before[m.sampleToken] == m.split)
        }

        // A later sample of a known patient, and a relabel, never move the patient.
        let known = try store.members(of: v1.id)[0]
        let info = try store.sample(token: known.sampleToken)
        try store.relabel(known.sampleToken, .unsure)
        let extra = try store.addNew(newSample("late", patient: "A0", cell: "9", label: .positive))
        let v3 = try store.commit(message: "late", author: "t")
        let members3 = try store.members(of: v3.id)
        let patientOfExtra = try store.sample(token: extra).patientToken
        let splitOfPatient = Set(members3.filter { $0.patientToken == patientOfExtra }.map(\.split))
        #expect(splitOfPatient.count == 1)
        #expect(members3.first { $0.sampleToken == known.sampleToken }?.split == known.split)
        #expect(info.patientToken == known.patientToken)
        #expect(try store.verify().isHealthy)
    }

    @Test func patientSplitsAreImmutable() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        try addPatients(store, positives: 2, negatives: 2, prefix: "P")
        _ = try store.commit(message: "first", author: "t")
        #expect(throws: (any Error).self) { try store._executeRawSQL("UPDATE patient_splits SET split = 'test'") }
        #expect(throws: (any Error).self) { try store._executeRawSQL("DELETE FROM patient_splits") }
    }
}

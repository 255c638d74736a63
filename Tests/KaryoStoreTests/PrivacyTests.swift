import Foundation
import KaryoCore
import Testing
@_spi(Testing) import KaryoStore

@Suite struct PrivacyTests {
    @Test func reimportingTheSameLabPatientReusesTokens() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let first = try store.sample(token: store.addNew(newSample("1", patient: "MRN-1", caseID: "K1", cell: "c1")))
        let sameCell = try store.sample(token: store.addNew(newSample("2", patient: " MRN-1 ", caseID: "K1", cell: "c1")))
        let otherCell = try store.sample(token: store.addNew(newSample("3", patient: "MRN-1", caseID: "K1", cell: "c2")))
        let otherCase = try store.sample(token: store.addNew(newSample("4", patient: "MRN-1", caseID: "K2", cell: "c1")))
        let noCase = try store.sample(token: store.addNew(newSample("5", patient: "MRN-1")))
        let noCaseAgain = try store.sample(token: store.addNew(newSample("6", patient: "MRN-1", caseID: "")))
        #expect(sameCell.patientToken == first.patientToken && sameCell.caseToken == first.caseToken)
        #expect(sameCell.cellToken == first.cellToken)
        #expect(otherCell.patientToken == first.patientToken && otherCell.caseToken == first.caseToken)
        #expect(otherCell.cellToken != first.cellToken)
        #expect(otherCase.patientToken == first.patientToken && otherCase.caseToken != first.caseToken)
        #expect(otherCase.cellToken != first.cellToken)
        // No case id: the patient's one unspecified case; no cell id: a fresh cell each time.
        #expect(noCase.patientToken == first.patientToken && noCaseAgain.caseToken == noCase.caseToken)
        #expect(noCase.caseToken != first.caseToken && noCaseAgain.cellToken != noCase.cellToken)

        // Same identifier at another lab: another patient.
        let otherLab = try store.sample(token: store.addNew(newSample("7", lab: "Lab B", patient: "MRN-1", caseID: "K1", cell: "c1")))
        #expect(otherLab.patientToken != first.patientToken && otherLab.caseToken != first.caseToken)

        // No patient id: a fresh anonymous patient per sample.
        let anon1 = try store.sample(token: store.addNew(newSample("8")))
        let anon2 = try store.sample(token: store.addNew(newSample("9")))
        #expect(anon1.patientToken != anon2.patientToken)

        // Survives reopening (the key is the project's secret, not the process).
        try store._close()
        let reopened = try DatasetStore.open(at: project.root)
        let later = try reopened.sample(token: reopened.addNew(newSample("10", patient: "MRN-1", caseID: "K1", cell: "c1")))
        #expect(later.patientToken == first.patientToken && later.cellToken == first.cellToken)
        #expect(try reopened.status().patients == 4)
    }

    @Test func noRawIdentifierReachesAnyFile() throws {
        let project = try TempProject()
        defer { project.cleanup() }
        let store = try DatasetStore.create(at: project.root, splitPolicy: testPolicy)
        let patient = "ZQXJ-PATIENT-8675309"
        let caseID = "ZQXJ-CASE-1122334455"
        let cellID = "ZQXJ-CELL-99887766"
        let batch = try store.beginImportBatch(lab: "Lab A")
        let token = try store.addNew(newSample("secret", patient: patient, caseID: caseID, cell: cellID, label: .positive, batch: batch))
        try store.addNew(newSample("secret 2", patient: patient, caseID: caseID, cell: cellID))
        try store.finishImportBatch(batch, imported: 2, duplicates: 0, failed: 0)
        try store.relabel(token, .negative)
        _ = try store.commit(message: "v1", author: "me")

        func assertClean(_ when: String) throws {
            let files = project.allStoreFiles()
            #expect(files.contains { $0.lastPathComponent == "store.sqlite" })
            for file in files {
                let bytes = try Data(contentsOf: file)
                for needle in [patient, caseID, cellID, "ZQXJ"] {
                    #expect(bytes.range(of: Data(needle.utf8)) == nil, "\(needle) found in \(file.lastPathComponent) \(when)")
                }
            }
        }
        // While open (the WAL holds the recent writes) and after closing (checkpointed).
        #expect(project.allStoreFiles().contains { $0.lastPathComponent == "store.sqlite-wal" })
        try assertClean("while open")
        try store._close()
        try assertClean("after close")
        // The keys that find the patient again are 64-hex HMACs, nothing else.
        let reopened = try DatasetStore.open(at: project.root)
        let keys = try reopened._queryStrings("SELECT lookup_key FROM identity_keys")
        #expect(keys.count == 3 && keys.allSatisfy { $0?.count == 64 })
    }
}

import Foundation
import KaryoCodecs
import KaryoCore
@testable import KaryoDeid
import Testing

@Suite struct IdentifierRulesTests {
    let rules = IdentifierRules(knownIdentifiers: ["DOE, JANE (FAKE)", "000-FAKE-12345", "8675309", "CASE-22"])

    @Test func keepsChromosomeNumbersAndISCN() {
        for word in ["1", "9", "22", "X", "Y", "13.", "46,XY,t(9;22)(q34;q11.2)[20]", "t(9;22)(q34;q11)", "der(22)t(9;22)"] {
            #expect(rules.classify(word) == .karyogramLabel, "\(word)")
        }
        #expect(rules.classify("46,XY,12345678") != .karyogramLabel)
    }

    @Test func matchesKnownIdentifiersInAnySpelling() {
        for word in ["DOE,", "jane", "DOE_JANE", "000-FAKE-12345", "12345", "8675309", "867-5309", "MRN00012345"] {
            #expect(rules.classify(word) == .knownIdentifier, "\(word)")
        }
        // the short token "22" of CASE-22 is never used alone: it is a chromosome number
        #expect(rules.classify("22") == .karyogramLabel)
    }

    @Test func findsIdentifierShapes() {
        #expect(rules.classify("55567890") == .longNumber)
        #expect(rules.classify("555-67-890") == .longNumber)
        #expect(rules.classify("03/04/1961") == .longNumber || rules.classify("03/04/1961") == .date)
        #expect(rules.classify("4-Mar-61") == .date)
        #expect(rules.classify("MRN:") == .identifierLabel)
        #expect(rules.classify("DOB") == .identifierLabel)
        #expect(rules.classify("Smith") == .possibleName)
        #expect(rules.classify("=") == .otherText)
    }
}

@Suite struct VerifierTests {
    func png(_ image: GrayImage) throws -> Data { try ImageCodec.encodePNG(image) }

    func chunk(_ type: String, _ payload: [UInt8]) -> Data {
        var d = Data()
        var len = UInt32(payload.count).bigEndian
        d.append(Data(bytes: &len, count: 4))
        let body = Array(type.utf8) + payload
        d.append(contentsOf: body)
        var crc = CRC32.checksum(body[...]).bigEndian
        d.append(Data(bytes: &crc, count: 4))
        return d
    }

    @Test func acceptsFreshPNG() throws {
        let image = GrayImage(width: 64, height: 32, fill: 200)
        let r = DeidVerifier.verify(png: try png(image), image: image, forbidden: ["DOE, JANE (FAKE)"])
        #expect(r.passed, "\(r.problems)")
    }

    @Test func rejectsTextChunksTrailersAndForbiddenBytes() throws {
        let image = GrayImage(width: 64, height: 32, fill: 200)
        let clean = try png(image)
        // a tEXt chunk inserted after IHDR
        var withText = clean.prefix(33)
        withText.append(chunk("tEXt", Array("Author\u{0}DOE, JANE (FAKE)".utf8)))
        withText.append(clean.dropFirst(33))
        let r1 = DeidVerifier.verify(png: Data(withText), image: nil, forbidden: ["doe, jane (fake)"])
        #expect(!r1.passed)
        #expect(r1.problems.contains { $0.contains("non-structural chunk tEXt") })
        #expect(r1.problems.contains { $0.contains("forbidden string number 1") })
        #expect(!r1.problems.joined().lowercased().contains("doe"))
        // data after IEND
        let r2 = DeidVerifier.verify(png: clean + Data("8675309".utf8), image: nil, forbidden: ["8675309"])
        #expect(r2.problems.contains { $0.contains("after IEND") })
        // a different image
        let r3 = DeidVerifier.verify(png: clean, image: GrayImage(width: 64, height: 32, fill: 10), forbidden: [])
        #expect(!r3.passed)
    }
}

@Suite struct FailClosedTests {
    @Test func quarantinesPagesAndHiddenAlpha() throws {
        let image = GrayImage(width: 10, height: 10, fill: 255)
        let d = try Deidentifier(profile: { var p = DeidProfile(); p.ocr = false; return p }())
        let pages = DecodedImage(image: image, format: .tiff, sourceBitDepth: 8, sourceColorModel: "gray", pageCount: 2)
        let alpha = DecodedImage(image: image, format: .png, sourceBitDepth: 8, sourceColorModel: "rgba", hadAlpha: true, alphaWasUsed: true)
        for decoded in [pages, alpha] {
            guard case .quarantined(let q) = d.deidentify(decoded, lab: "lab-a", knownIdentifiers: []) else {
                Issue.record("not quarantined"); continue
            }
            #expect(!q.reason.isEmpty)
            #expect(q.provenance.verifier.status == .notRun)
        }
        guard case .quarantined(let q) = d.deidentify(fileData: Data("DOE, JANE (FAKE)".utf8), lab: "x", knownIdentifiers: []) else {
            Issue.record("text file not quarantined"); return
        }
        #expect(q.reason.contains("format not understood"))
        #expect(!q.reason.contains("DOE"))
    }
}

@Suite struct ProfileAndTemplateTests {
    @Test func loadsConfigAndRejectsUnknownKeys() throws {
        let json = #"{"ocr": false, "templates": [{"lab": "Lab-A", "width": 100, "height": 50, "regions": [{"x": 0, "y": 0, "width": 100, "height": 10}]}]}"#
        let p = try DeidProfile.decode(Data(json.utf8))
        #expect(p.ocr == false && p.templates.count == 1 && p.maskConfidence == 80)
        #expect(throws: DeidConfigError.self) { try DeidProfile.decode(Data(#"{"ocrr": true}"#.utf8)) }
        #expect(throws: DeidConfigError.self) { try DeidProfile.decode(Data(#"{"maskConfidence": 120}"#.utf8)) }
    }

    @Test func templateBlanksOnlyItsRegionAndRecordsCleanPixelData() throws {
        var p = DeidProfile()
        p.ocr = false
        p.templates = [RegionTemplate(lab: "lab-a", width: 100, height: 50, regions: [PixelBox(x: 0, y: 0, width: 100, height: 10)])]
        var pixels = [UInt8](repeating: 230, count: 100 * 50)
        for i in 0..<(100 * 10) { pixels[i] = UInt8(i % 7 * 30) }  // "label" in the top band
        for i in (100 * 20)..<(100 * 30) { pixels[i] = 40 }        // a "chromosome"
        let image = GrayImage(width: 100, height: 50, pixels: pixels)
        let decoded = DecodedImage(image: image, format: .png, sourceBitDepth: 8, sourceColorModel: "gray")
        let d = try Deidentifier(profile: p)
        guard case .clean(let r) = d.deidentify(decoded, lab: "LAB-A", knownIdentifiers: []) else { Issue.record("quarantined"); return }
        #expect(Array(r.image.pixels[0..<1000]).allSatisfy { $0 == r.image.pixels[0] })
        #expect(Array(r.image.pixels[1000...]) == Array(image.pixels[1000...]))
        #expect(r.provenance.methodCodes == ["113100", "113101"])
        #expect(r.provenance.maskedRegions == 1)
        #expect(r.provenance.verifier.passed)
        // another lab: no template, no Clean Pixel Data claim
        guard case .clean(let r2) = d.deidentify(decoded, lab: "lab-b", knownIdentifiers: []) else { Issue.record("quarantined"); return }
        #expect(r2.image == image && r2.provenance.methodCodes == ["113100"])
    }
}

import Foundation
import KaryoCore
import KaryoStore
import Testing

@testable import KaryoServe

@Suite("Boxes from the recorded extraction parameters")
struct SampleImagesTests {
    /// A sample record as the store lists it (decoded, since the store makes them).
    static let sample = try! JSONDecoder().decode(SampleInfo.self, from: Data("""
        {"token":"s-test","lab":"L","patientToken":"p-1","caseToken":"c-1","cellToken":"m-1","blobHash":"h0","byteSize":1,
         "width":200,"height":100,"sourceFormat":"png","sourceBitDepth":8,"sourceColorModel":"gray","kind":"karyogram",
         "importedAt":0,"provenance":"{}"}
        """.utf8))

    static func derived(_ step: DerivedStep, _ parameters: String, id: Int64 = 1) -> DerivedImageInfo {
        // Decoded, as SampleInfo: the store makes these records.
        struct Record: Encodable {
            var id: Int64, sampleToken = "s-test", blobHash: String, step: DerivedStep, parameters: String
            var inputHash = "i", codeVersion = "test", createdAt = Date(timeIntervalSince1970: 0)
        }
        let data = try! JSONEncoder().encode(Record(id: id, blobHash: "h\(id)", step: step, parameters: parameters))
        return try! JSONDecoder().decode(DerivedImageInfo.self, from: data)
    }

    @Test("the chromosome records give the boxes, in the keyed form and in the array form earlier versions stored")
    func shapes() {
        let keyed = DerivationParameters.chromosome(ChromosomeDerivation(
            label: "22", homolog: 1, box: PixelBox(x: 5, y: 6, width: 7, height: 8), imageKind: .karyogram,
            polarity: .darkOnLight, confidence: 1, length: 8)).json
        let legacy = #"{"box":[1,2,3,4],"confidence":1,"homolog":1,"image_kind":"karyogram","label":"9","length":4,"polarity":"dark-on-light"}"#
        let legacy2 = #"{"box":[9,10,11,12],"confidence":0.8,"homolog":2,"image_kind":"metaphase","label":"22","length":12,"polarity":"bright-on-dark","rotation_degrees":12.5,"flipped":true}"#
        let images = SampleImages(sample: Self.sample, derived: [
            Self.derived(.extractChromosome, legacy, id: 1), Self.derived(.extractChromosome, keyed, id: 2),
            Self.derived(.extractChromosome, legacy2, id: 3), Self.derived(.normalizeT922, #"{"size":90}"#, id: 4),
        ])
        #expect(images.boxes.count == 3)
        #expect(
            Set(images.boxes.map { "\($0.label):\($0.box.x),\($0.box.y),\($0.box.width),\($0.box.height)" })
                == ["9:1,2,3,4", "22:5,6,7,8", "22:9,10,11,12"])
        #expect(SampleImages.box(of: Self.derived(.extractChromosome, legacy)) == LabelledBox(
            label: "9", box: PixelBox(x: 1, y: 2, width: 3, height: 4)))
        #expect(images.normalized?.id == 4 && images.chromosomes.count == 3)
    }

    @Test("no boxes from the composite, from malformed parameters, or from empty boxes")
    func none() {
        #expect(SampleImages.box(of: Self.derived(.normalizeT922, #"{"size":90}"#)) == nil)
        #expect(SampleImages.box(of: Self.derived(.extractChromosome, "not json")) == nil)
        let empty = #"{"box":[1,2,0,5],"confidence":1,"homolog":1,"image_kind":"karyogram","label":"9","length":4,"polarity":"dark-on-light"}"#
        #expect(SampleImages.box(of: Self.derived(.extractChromosome, empty)) == nil)
        let short = #"{"box":[1,2],"confidence":1,"homolog":1,"image_kind":"karyogram","label":"9","length":4,"polarity":"dark-on-light"}"#
        #expect(SampleImages.box(of: Self.derived(.extractChromosome, short)) == nil)
    }
}

import Foundation
@testable import Karyo
import KaryoCodecs
import KaryoCore
import KaryoExtract
import KaryoTestSupport
import Testing


/// Karyogram slots named by the class numbers printed under them (tesseract), on the real
/// CytoVision-style karyograms of ../shared/data/metaphase-karyogram-pairs.
@Suite struct SlotNumberOCRTests {
    static let karyograms = TestPaths.shared("metaphase-karyogram-pairs/cabinh-8129A/karyogram")
    static let hasKaryograms = FileManager.default.fileExists(atPath: karyograms.appendingPathComponent("8129A.001.K.TIF").path)
    static let ocr = SlotNumberOCR.loadIfAvailable()

    static func karyogram(_ id: String) throws -> GrayImage {
        try ImageCodec.decode(contentsOf: karyograms.appendingPathComponent("8129A.\(id).K.TIF")).image
    }

    static func boxes(_ r: ExtractionResult) -> [String: [PixelBox]] {
        Dictionary(grouping: r.chromosomes, by: \.label).mapValues { $0.map(\.box) }
    }

    @Test(.enabled(if: hasKaryograms && ocr != nil, "needs ../shared/data and tesseract-ocr-eng"))
    func printedNumbersAgreeWithTheStandardPositions() throws {
        for id in ["001", "013", "045"] {
            let image = try Self.karyogram(id)
            let read = ChromosomeExtractor(printedLabelReader: Self.ocr).extract(image)
            let byPosition = ChromosomeExtractor().extract(image)
            let layout = try #require(read.layout, "\(id): no layout")
            #expect(layout.naming == .printedNumbers, "\(id)")
            #expect((layout.printedNumbersRead ?? 0) >= 22, "\(id): \(layout.printedNumbersRead ?? 0) of 24 numbers read")
            #expect(!read.issues.contains { $0.message.contains("printed slot number") }, "\(id): \(read.issues)")
            #expect(byPosition.layout?.naming == .positions)
            #expect(Self.boxes(read) == Self.boxes(byPosition), "\(id)")
            #expect(read.chromosomes("9").count == 2 && read.chromosomes("22").count == 2, "\(id)")
        }
    }

    /// The rows stacked in another order (19-22,X,Y on top): by position the image is no standard
    /// karyogram; by the printed numbers the 9s and 22s are found where they moved.
    @Test(.enabled(if: hasKaryograms && ocr != nil, "needs ../shared/data and tesseract-ocr-eng"))
    func rearrangedRowsAreNamedByTheirPrintedNumbers() throws {
        let image = try Self.karyogram("001")
        let original = ChromosomeExtractor().extract(image)
        let layout = try #require(original.layout)
        #expect(layout.rowSlotCounts == [5, 7, 6, 6])
        // Cut the image into bands below each row's printed numbers and restack them 4, 2, 1, 3.
        func isBlank(_ y: Int) -> Bool { image.pixels[(y * image.width)..<((y + 1) * image.width)].allSatisfy { $0 > 200 } }
        var cuts = [0]
        var k = 0
        for n in layout.rowSlotCounts.dropLast() {
            var y = layout.slots[k..<(k + n)].map(\.region.maxY).max()! + 2
            while isBlank(y) { y += 1 }   // down to the numbers
            while !isBlank(y) { y += 1 }  // past them
            cuts.append(y)
            k += n
        }
        cuts.append(image.height)
        let bands = (0..<4).map { cuts[$0]..<cuts[$0 + 1] }
        let order = [3, 1, 0, 2]
        var pixels: [UInt8] = []
        var newTop: [Int: Int] = [:]
        for b in order {
            newTop[b] = pixels.count / image.width
            for y in bands[b] { pixels += image.pixels[(y * image.width)..<((y + 1) * image.width)] }
        }
        let rearranged = GrayImage(width: image.width, height: image.height, pixels: pixels)

        let byPosition = ChromosomeExtractor().extract(rearranged)
        #expect(byPosition.kind != .karyogram || Self.boxes(byPosition)["9"] != Self.boxes(original)["9"])

        let read = ChromosomeExtractor(printedLabelReader: Self.ocr).extract(rearranged)
        #expect(read.kind == .karyogram)
        #expect(read.layout?.naming == .printedNumbers)
        #expect(read.layout?.rowSlotCounts == [6, 7, 5, 6])
        #expect(read.issues.contains { $0.message.contains("rows hold 6/7/5/6 slots") }, "\(read.issues)")
        for label in ["9", "22"] {
            let moved = original.chromosomes(label).map { c -> PixelBox in
                let band = bands.firstIndex { $0.contains(c.box.y) }!
                return PixelBox(x: c.box.x, y: c.box.y - bands[band].lowerBound + newTop[band]!, width: c.box.width, height: c.box.height)
            }
            #expect(Self.boxes(read)[label] == moved, "chr\(label)")
        }
    }
}

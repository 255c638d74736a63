import Foundation
import KaryoCodecs
import KaryoCore
import KaryoISCN
import KaryoManifest
@testable import KaryoSynth
import KaryoTestSupport
import Testing

/// `../shared/data` seen from this file (Tests/KaryoSynthTests -> repository -> ..).
let sharedData = TestPaths.sharedData

func temporaryFolder() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("karyo-synth-\(UUID().uuidString)")
}

func smallOptions(_ count: Int = 4, kind: SynthOptions.Images = .karyogram, seed: UInt64 = 7) -> SynthOptions {
    var o = SynthOptions()
    o.count = count
    o.kind = kind
    o.seed = seed
    o.width = 500
    o.height = 450
    o.cellsPerCase = 2
    return o
}

// MARK: - Band tables

@Test(.enabled(if: FileManager.default.fileExists(atPath: sharedData.appendingPathComponent("cytoband/ncbi-iscn").path)))
func embeddedBandsMatchTheNCBITables() throws {
    for level in [BandLevel.bands400, .bands550, .bands850] {
        let url = sharedData.appendingPathComponent("cytoband/ncbi-iscn/ideogram_9606_GCF_000001305.14_\(level.rawValue)_V1.tsv")
        let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        let table = BandTable.embedded(level)
        var next: [String: Int] = [:]
        for row in rows {
            let f = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let i = next[f[0], default: 0]
            next[f[0]] = i + 1
            let band = try #require(table.chromosomes[f[0]]?.bands[i], "level \(level.rawValue) chr \(f[0]) band \(i)")
            #expect(band.name == f[1] + f[2])
            #expect(band.iscnStart == Double(f[3]) && band.iscnStop == Double(f[4]))
            #expect(band.bpStart == Int(f[5]) && band.bpStop == Int(f[6]))
            let stain: Stain = switch f[7] {
            case "gneg": .gneg
            case "gpos": .gpos(Int(f[8]) ?? 100)
            case "acen": .acen
            case "gvar": .gvar
            default: .stalk
            }
            #expect(band.stain == stain, "\(f[0])\(band.name)")
        }
        #expect(next.values.reduce(0, +) == table.chromosomes.values.reduce(0) { $0 + $1.bands.count })
    }
}

@Test func the300LevelMergesSubBandsOfThe400Level() {
    let t300 = BandTable.embedded(.bands300), t400 = BandTable.embedded(.bands400)
    var total300 = 0, total400 = 0
    for name in BandTable.names {
        let a = t300[name], b = t400[name]
        total300 += a.bands.count; total400 += b.bands.count
        #expect(a.length == b.length)
        let cuts400 = Set(b.bands.map(\.iscnStart))
        for band in a.bands { #expect(cuts400.contains(band.iscnStart), "\(name)\(band.name)") }
        #expect(a.centromere == b.centromere)
    }
    #expect(total300 < total400)
    #expect(t300["1"].bands.contains { $0.name == "p36" })
}

// MARK: - Translocation geometry

/// Expected derivative lengths from the band table (ISCN units), computed independently.
func expectedLengths(_ table: BandTable) -> (n9: Double, n22: Double, der9: Double, der22: Double) {
    func iscn(_ chr: String, _ bp: Int) -> Double {
        let band = table[chr].bands.first { bp >= $0.bpStart && bp <= $0.bpStop }!
        return band.iscnStart + Double(bp - band.bpStart) / Double(band.bpStop - band.bpStart) * (band.iscnStop - band.iscnStart)
    }
    let n9 = table["9"].length, n22 = table["22"].length
    let b9 = iscn("9", 130_714_000), b22 = iscn("22", 23_290_000)
    return (n9, n22, b9 + (n22 - b22), b22 + (n9 - b9))
}

@Test(arguments: [BandLevel.bands300, .bands400, .bands550])
func derivativeLengthsFollowTheBandTable(level: BandLevel) throws {
    let table = BandTable.embedded(level)
    let e = expectedLengths(table)
    #expect(e.der22 < e.n22 && e.der9 > e.n9)
    // Breakpoints lie in the named bands: 9q34 and 22q11.2 (or their sub-bands).
    #expect(table["9"].band(at: table["9"].iscnPosition(bp: 130_714_000)).name.hasPrefix("q34"))
    #expect(table["22"].band(at: table["22"].iscnPosition(bp: 23_290_000)).name.hasPrefix("q11.2"))
    let specs = CellBuilder.chromosomes(sex: .male, abnormality: .t922, table: table)
    #expect(specs.count == 46)
    let der9 = try #require(specs.first { $0.role == .der9 }), der22 = try #require(specs.first { $0.role == .der22 })
    #expect(abs(der9.length - e.der9) < 1e-6 && abs(der22.length - e.der22) < 1e-6)
    #expect(der22.composition(table: table).hasPrefix("22pter->22q11.2"))
    #expect(der22.composition(table: table).hasSuffix("9qter"))

    // Rendered upright and straight, the label map's height is the axis length at the image's scale.
    var style = IdeogramStyle(scale: 0.02, width: 20)
    style.lengthJitter = 0
    var rng = SeededGenerator(seed: 1)
    func renderedHeight(_ spec: ChromosomeSpec) -> Int {
        let body = IdeogramBody(spec: spec, table: table, style: style, rng: &rng)
        var canvas = Canvas(width: 80, height: 260)
        _ = body.draw(into: &canvas, at: Placement(centerX: 40, centerY: 130), id: 1)
        let rows = (0..<canvas.height).filter { y in (0..<canvas.width).contains { canvas.labels[y * 80 + $0] == 1 } }
        return rows.count
    }
    let normal9 = specs.first { $0.chromosomeClass == "9" && $0.role == .normal }!
    let normal22 = specs.first { $0.chromosomeClass == "22" && $0.role == .normal }!
    for (spec, expected) in [(normal9, e.n9), (normal22, e.n22), (der9, e.der9), (der22, e.der22)] {
        let px = Double(renderedHeight(spec))
        #expect(abs(px - expected * 0.02) <= 2.0, "\(spec.role) \(px) px vs \(expected * 0.02)")
    }
    let d22 = Double(renderedHeight(der22)), n22 = Double(renderedHeight(normal22))
    let d9 = Double(renderedHeight(der9)), n9 = Double(renderedHeight(normal9))
    #expect(abs((n22 - d22) - (e.n22 - e.der22) * 0.02) <= 3)
    #expect(abs((d9 - n9) - (e.der9 - e.n9) * 0.02) <= 3)
}

@Test func derivativesInAKaryogramHaveTheTableRatios() throws {
    var o = smallOptions(2)
    o.positiveFraction = 1
    o.width = 1000; o.height = 900
    let cell = try #require(CellPlanner.plan(o).first)
    #expect(cell.abnormality == .t922)
    let job = SynthGenerator(options: o).jobs([cell])[0]
    let made = try SynthGenerator.make(job, options: o, library: nil)
    let e = expectedLengths(BandTable.embedded(o.bandLevel))
    func axis(_ cls: String, _ role: ChromosomeRole) throws -> Double {
        try #require(made.truth.objects.first { $0.chromosomeClass == cls && $0.role == role }).axisLength
    }
    let r22 = try axis("22", .der22) / axis("22", .normal), r9 = try axis("9", .der9) / axis("9", .normal)
    // Homologs vary by up to 3% each in length.
    #expect(abs(r22 - e.der22 / e.n22) < 0.07, "der(22)/22 = \(r22), table \(e.der22 / e.n22)")
    #expect(abs(r9 - e.der9 / e.n9) < 0.07, "der(9)/9 = \(r9), table \(e.der9 / e.n9)")
    // The derivative stands right of its normal homolog in the same slot.
    let n22 = made.truth.objects.first { $0.chromosomeClass == "22" && $0.role == .normal }!
    let d22 = made.truth.objects.first { $0.role == .der22 }!
    #expect(d22.box.x > n22.box.x && abs((d22.box.y + d22.box.height) - (n22.box.y + n22.box.height)) < 8)
}

// MARK: - Ground truth against pixels

@Test(arguments: [true, false])
func boxesAndMasksMatchTheRenderedPixels(karyogram: Bool) throws {
    var o = smallOptions(1, kind: karyogram ? .karyogram : .metaphase)
    o.positiveFraction = 1
    o.cellsPerCase = 1
    let job = SynthGenerator(options: o).jobs(CellPlanner.plan(o))[0]
    let made = try SynthGenerator.make(job, options: o, library: nil)
    #expect(made.truth.objects.count == 46)
    let W = made.image.width
    var covered = [Bool](repeating: false, count: W * made.image.height)
    for obj in made.truth.objects {
        let b = obj.box
        #expect(b.width > 2 && b.height > 2)
        for y in b.y..<(b.y + b.height) { for x in b.x..<(b.x + b.width) { covered[y * W + x] = true } }
        // Every mask pixel of the object lies in its box, and the mask is not empty.
        var maskPixels = 0
        for (i, v) in made.labels.pixels.enumerated() where Int(v) == obj.id {
            maskPixels += 1
            let x = i % W, y = i / W
            #expect(x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height)
            if !(x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height) { return }
        }
        #expect(maskPixels > 0 || !karyogram)
        if karyogram {
            // Tight: each edge of the box touches a clearly darkened pixel within 2 pixels.
            func darkIn(_ xs: Range<Int>, _ ys: Range<Int>) -> Bool {
                ys.contains { y in xs.contains { x in made.image[x, y] < 248 } }
            }
            #expect(darkIn(b.x..<(b.x + 2), b.y..<(b.y + b.height)), "left edge of \(obj.chromosomeClass)")
            #expect(darkIn((b.x + b.width - 2)..<(b.x + b.width), b.y..<(b.y + b.height)))
            #expect(darkIn(b.x..<(b.x + b.width), b.y..<(b.y + 2)))
            #expect(darkIn(b.x..<(b.x + b.width), (b.y + b.height - 2)..<(b.y + b.height)))
        }
    }
    if karyogram {
        // Outside the boxes, the underlines and the numbers, the karyogram is white.
        let H = made.image.height
        let textRows = KaryogramLayout.rowBaselines.map { Int($0 * Float(H)) }
        var stray = 0
        for y in 0..<H where !textRows.contains(where: { y >= $0 - 1 && y <= $0 + Int(0.016 * Float(H)) + 16 }) {
            for x in 0..<W where !covered[y * W + x] && made.image[x, y] < 250 { stray += 1 }
        }
        #expect(stray == 0)
    }
}

// MARK: - Determinism, manifest, ISCN

@Test func batchesAreDeterministicWhateverTheThreads() throws {
    var a = smallOptions(4, kind: .both)
    a.format = .mixed
    a.threads = 2
    var b = a
    b.threads = 1
    let fa = temporaryFolder(), fb = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: fa); try? FileManager.default.removeItem(at: fb) }
    let ra = try SynthGenerator(options: a).generate(into: fa)
    _ = try SynthGenerator(options: b).generate(into: fb)
    let files = try FileManager.default.subpathsOfDirectory(atPath: fa.path).sorted()
    #expect(files == (try FileManager.default.subpathsOfDirectory(atPath: fb.path).sorted()))
    #expect(ra.images == 8 && files.count > 16)
    for f in files where !f.hasSuffix("truth") {
        let da = try Data(contentsOf: fa.appendingPathComponent(f)), db = try Data(contentsOf: fb.appendingPathComponent(f))
        #expect(da == db, "\(f) differs")
    }
    // Another seed gives other pixels.
    var c = a
    c.seed = 8
    let fc = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: fc) }
    _ = try SynthGenerator(options: c).generate(into: fc)
    let first = ra.files[0]
    #expect(try Data(contentsOf: fa.appendingPathComponent(first)) != Data(contentsOf: fc.appendingPathComponent(first)))
}

@Test func theManifestReadsAsALabManifest() throws {
    var o = smallOptions(6, kind: .both)
    o.format = .mixed
    o.cellsPerCase = 3
    o.positiveFraction = 0.5
    o.hardNegativeFraction = 1
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let report = try SynthGenerator(options: o).generate(into: folder)
    let manifest = try ManifestReader.read(folder.appendingPathComponent("manifest.csv"))
    #expect(manifest.problems.isEmpty, "\(manifest.problems)")
    #expect(manifest.rows.count == report.images)
    #expect(report.positiveCases == 1 && report.cases == 2)
    for row in manifest.rows {
        let karyotype = try #require(row.karyotype)
        #expect(row.label == karyotype.t922Label)
        #expect(row.patientID.hasPrefix("SYN-"))
        #expect(row.file.contains(".K.") || row.file.contains(".A."))
        let truthData = try Data(contentsOf: folder.appendingPathComponent("truth/\(row.file).json"))
        let truth = try JSONDecoder().decode(ImageTruth.self, from: truthData)
        #expect(truth.synthetic && truth.label == row.label?.rawValue && truth.karyotype == row.karyotypeText)
        #expect(try ISCN.parse(truth.caseKaryotype).t922Label == row.label)
        // The images decode with the importer's codecs at the asked size.
        let decoded = try ImageCodec.decode(contentsOf: row.fileURL)
        #expect(decoded.image.width == 500 && decoded.image.height == 450)
        let mask = try ImageCodec.decode(contentsOf: folder.appendingPathComponent(truth.mask))
        #expect(Set(mask.image.pixels).count == truth.objects.count + 1 || truth.kind == .metaphase)
    }
}

@Test func everyScenarioWritesISCNWhoseLabelIsTheLabelWritten() throws {
    var scenarios: [CellAbnormality] = [.none, .t922, .maskedPh]
    scenarios += Breakpoint.variantPartners.map { .variant($0) }
    scenarios += Breakpoint.hardNegatives.map { .other($0.0, $0.1) }
    let table = BandTable.embedded(.bands400)
    for a in scenarios {
        for sex in [Sex.male, .female] {
            let text = CellBuilder.karyotype(sex: sex, abnormality: a)
            let k = try ISCN.parse(text)
            #expect(k.t922Label == (a.isT922 ? .positive : .negative), "\(text)")
            let specs = CellBuilder.chromosomes(sex: sex, abnormality: a, table: table)
            #expect(specs.count == 46)
            // The cell keeps its total length (a balanced rearrangement).
            let total = specs.reduce(0) { $0 + $1.length }
            let normal = CellBuilder.chromosomes(sex: sex, abnormality: .none, table: table).reduce(0) { $0 + $1.length }
            #expect(abs(total - normal) < 1e-6)
        }
        let mosaic = CellPlanner.caseKaryotype(sex: .male, cells: [a, a, .none])
        #expect(try ISCN.parse(mosaic).t922Label == (a.isT922 ? .positive : .negative), "\(mosaic)")
    }
}

@Test func positiveCasesHaveAtLeastTwoPositiveCells() {
    var o = smallOptions(30)
    o.cellsPerCase = 3
    o.positiveFraction = 0.4
    o.variantFraction = 0.3
    o.maskedPhFraction = 0.2
    let cells = CellPlanner.plan(o)
    let byCase = Dictionary(grouping: cells, by: \.caseID)
    #expect(byCase.count == 10)
    let positive = byCase.values.filter { $0.contains { $0.abnormality.isT922 } }
    #expect(positive.count == 4)
    for c in positive { #expect(c.filter { $0.abnormality.isT922 }.count >= 2) }
}

// MARK: - Encoders and fake identities

@Test func jpegAndTiffEncodersRoundTripWithMetadata() throws {
    var pixels = [UInt8](repeating: 0, count: 64 * 48)
    for i in pixels.indices { pixels[i] = UInt8((i * 7) % 256) }
    let image = GrayImage(width: 64, height: 48, pixels: pixels)
    for c in ImageCodec.TIFFCompression.allCases {
        let tiff = try ImageCodec.encodeTIFF(image, compression: c, description: "MRN 000-FAKE-12345", artist: "DOE, JANE (FAKE)")
        #expect(try ImageCodec.decode(tiff).image == image)
        #expect(tiff.range(of: Data("000-FAKE-12345".utf8)) != nil && tiff.range(of: Data("DOE, JANE".utf8)) != nil)
    }
    let smooth = GrayImage(width: 64, height: 48, pixels: (0..<(64 * 48)).map { UInt8(($0 % 64) * 3) })
    let exif = ImageWriter.exif(description: "DOB 01/02/1901", artist: "ROE (FAKE)")
    let jpeg = try ImageCodec.encodeJPEG(smooth, quality: 95, comment: "MRN 000-FAKE-12345", app1: exif)
    let decoded = try ImageCodec.decode(jpeg).image
    #expect(decoded.width == 64 && decoded.height == 48)
    #expect(zip(decoded.pixels, smooth.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 6 })
    #expect(jpeg.range(of: Data("000-FAKE-12345".utf8)) != nil && jpeg.range(of: Data("Exif\0\0II".utf8)) != nil)
    let png = ImageWriter.insertPNGText(try ImageCodec.encodePNG(smooth), ["Author": "DOE, JANE (FAKE)", "Description": "x"])
    #expect(try ImageCodec.decode(png).image == smooth)
    #expect(png.range(of: Data("tEXtAuthor\0DOE, JANE (FAKE)".utf8)) != nil && png.range(of: Data("iTXt".utf8)) != nil)
}

@Test func fakeIdentitiesAreBurnedInAndPlainlyFake() throws {
    var o = smallOptions(2, kind: .karyogram)
    o.fakeIdentities = true
    o.cellsPerCase = 1
    o.format = .mixed
    let folder = temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    _ = try SynthGenerator(options: o).generate(into: folder)
    let manifest = try ManifestReader.read(folder.appendingPathComponent("manifest.csv"))
    #expect(manifest.rows.count == 2 && manifest.problems.isEmpty)
    for row in manifest.rows {
        #expect(row.patientID.contains("FAKE"))
        let truth = try JSONDecoder().decode(ImageTruth.self, from: Data(contentsOf: folder.appendingPathComponent("truth/\(row.file).json")))
        let burned = try #require(truth.burnedText)
        #expect(Set(burned.map(\.style)) == ["header", "corner", "vertical", "faint"])
        #expect(burned.contains { $0.text.contains("(FAKE)") } && burned.contains { $0.text.contains(row.patientID) })
        let image = try ImageCodec.decode(contentsOf: row.fileURL).image
        let header = try #require(burned.first { $0.style == "header" })
        // White text on a dark strip.
        let b = header.box
        let values = (b.y..<(b.y + b.height)).flatMap { y in (b.x..<(b.x + b.width)).map { image[$0, y] } }
        #expect(values.contains { $0 > 200 } && values.contains { $0 < 60 })
        let vertical = try #require(burned.first { $0.style == "vertical" })
        #expect(vertical.box.height > vertical.box.width)
        let bytes = try Data(contentsOf: row.fileURL)
        #expect(bytes.range(of: Data(row.patientID.utf8)) != nil || bytes.range(of: Data("(FAKE)".utf8)) != nil)
    }
}

// MARK: - Semi-synthetic from real crops

@Test(.enabled(if: FileManager.default.fileExists(atPath: sharedData.appendingPathComponent("bioimlab-qband/labels.csv").path)))
func semiSyntheticKaryogramsUseRealCropsAndRecordTheirSource() throws {
    var o = smallOptions(2, kind: .both)
    o.positiveFraction = 1
    o.realChromosomes = sharedData.appendingPathComponent("bioimlab-qband")
    let job = SynthGenerator(options: o).jobs(CellPlanner.plan(o))[0]
    let library = try RealChromosomeLibrary(folder: o.realChromosomes!, keepQBandPolarity: false)
    let made = try SynthGenerator.make(job, options: o, library: library)
    #expect(made.truth.objects.count == 46)
    for obj in made.truth.objects {
        #expect(obj.source.allSatisfy { $0.hasPrefix("bioimlab-qband:images/") && $0.hasSuffix(".bmp") })
    }
    let der22 = try #require(made.truth.objects.first { $0.role == .der22 })
    #expect(der22.source.count == 2 && der22.source[0].contains(" 22") && der22.source[1].contains(" 9"))
    let normal22 = try #require(made.truth.objects.first { $0.chromosomeClass == "22" && $0.role == .normal })
    #expect(der22.axisLength < normal22.axisLength)
    // Crops come out upright (longer than wide).
    let sprite = try library.load(try #require(library.paths["1"]?.first))
    #expect(sprite.length > sprite.width)
}

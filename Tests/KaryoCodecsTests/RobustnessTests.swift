import Foundation
import KaryoCodecs
import KaryoCore
import KaryoTestSupport
import Testing

/// Small valid files of every format, used as the base for corruption tests.
enum Samples {
    static let w = 24, h = 16
    static let gray = testPattern(width: w, height: h)

    static func all() throws -> [(name: String, data: Data)] {
        let rgb = gray.flatMap { [$0, UInt8(255 - Int($0)), $0 / 2] }
        var pal: [(UInt8, UInt8, UInt8)] = []
        for i in 0..<256 { pal.append((UInt8(i), UInt8(i), UInt8(i))) }
        return [
            ("sample.png", try ImageCodec.encodePNG(GrayImage(width: w, height: h, pixels: gray))),
            ("rgba16.png", try makePNG(width: w, height: h, bitDepth: 16, colorType: 6,
                                       samples: gray.flatMap { [UInt16($0) * 257, 1000, 2000, 60000] })),
            ("palette-interlaced.png", try makePNG(width: w, height: h, bitDepth: 8, colorType: 3,
                                                   samples: gray.map { UInt16($0) }, interlace: true, palette: pal,
                                                   paletteAlpha: [0, 128])),
            ("baseline.jpg", try makeJPEG(width: w, height: h, components: 3, pixels: rgb)),
            ("progressive.jpg", try makeJPEG(width: w, height: h, components: 1, pixels: gray, progressive: true)),
            ("cmyk.jpg", try makeJPEG(width: w, height: h, components: 4, pixels: gray.flatMap { [$0, $0, 0, 9] })),
            ("lzw.tif", try makeTIFF(TIFFSpec(width: w, height: h, compression: 5, rowsPerStrip: 5,
                                              samples: gray.map(UInt16.init)))),
            ("tiled16.tif", try makeTIFF(TIFFSpec(width: w, height: h, bits: 16, compression: 8, predictor: 2,
                                                  tileWidth: 16, tileLength: 16, samples: gray.map { UInt16($0) * 257 }))),
            ("rgb-planar.tif", try makeTIFF(TIFFSpec(width: w, height: h, samplesPerPixel: 3, photometric: 2, planar: 2,
                                                     compression: 32773, samples: rgb.map(UInt16.init)))),
            ("ycbcr-jpeg.tif", try makeTIFF(TIFFSpec(width: w, height: h, samplesPerPixel: 3, photometric: 6, compression: 7,
                                                     rowsPerStrip: 16, samples: rgb.map(UInt16.init)))),
            ("gray.bmp", BMPBuilder(width: w - 1, height: h, bitsPerPixel: 8, palette: pal,
                                    values: (0..<((w - 1) * h)).map { UInt32($0 % 256) }).build()),
            ("rgb.bmp", BMPBuilder(width: w - 3, height: h, bitsPerPixel: 24, topDown: true,
                                   values: (0..<((w - 3) * h)).map { UInt32($0 * 997) & 0xFFFFFF }).build()),
        ]
    }
}

@Suite("Untrusted input")
struct RobustnessTests {
    @Test func samplesDecode() throws {
        for (name, data) in try Samples.all() {
            let d = try ImageCodec.decode(data, fileName: name)
            #expect(d.image.width > 0, "\(name)")
        }
    }

    @Test func emptyInput() {
        let e = decodeError(Data(), fileName: "scans/empty.png")
        #expect(e?.kind == .empty)
        #expect(e?.file == "scans/empty.png")
        #expect(e?.description == "scans/empty.png: empty file: the file has 0 bytes")
    }

    @Test func garbageIsUnknownFormat() {
        var rng = SeededGenerator(seed: 3)
        for length in [1, 2, 3, 7, 100, 5000] {
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes[0] = 0x00   // no magic starts with 0
            let e = decodeError(Data(bytes), fileName: "junk.tif")
            #expect(e?.kind == .unknownFormat)
            #expect(e?.description.hasPrefix("junk.tif: unknown image format: ") == true)
        }
        #expect(decodeError(Data("hello, world".utf8))?.kind == .unknownFormat)
    }

    @Test func otherFormatsAreNamed() {
        let gif = decodeError(Data("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8), fileName: "a.gif")
        #expect(gif?.kind == .unsupported)
        #expect(gif?.detail.contains("GIF") == true)
        var dicom = [UInt8](repeating: 0, count: 200)
        dicom.replaceSubrange(128..<132, with: Array("DICM".utf8))
        #expect(decodeError(Data(dicom))?.detail.contains("DICOM") == true)
    }

    @Test func misnamedFileDecodesWithWarning() throws {
        let jpg = try makeJPEG(width: 8, height: 8, components: 1, pixels: [UInt8](repeating: 90, count: 64))
        let d = try ImageCodec.decode(jpg, fileName: "/labs/x.png")
        #expect(d.format == .jpeg)
        #expect(d.warnings.contains("extension .png but content is JPEG"))
        let t = try ImageCodec.decode(try makeTIFF(TIFFSpec(width: 2, height: 1, samples: [1, 2])), fileName: "scan.BMP")
        #expect(t.warnings.contains("extension .BMP but content is TIFF"))
        #expect(try ImageCodec.decode(jpg, fileName: "x.dat").warnings.isEmpty)
        #expect(try ImageCodec.decode(jpg, fileName: "x.JPEG").warnings.isEmpty)
        #expect(ImageCodec.sniff(jpg) == .jpeg)
    }

    @Test func sniffing() throws {
        for (name, data) in try Samples.all() {
            let expected: ImageFormat = name.hasSuffix(".png") ? .png : name.hasSuffix(".jpg") ? .jpeg
                : name.hasSuffix(".tif") ? .tiff : .bmp
            #expect(ImageCodec.sniff(data) == expected)
        }
        #expect(ImageCodec.sniff(Data()) == nil)
        #expect(ImageCodec.sniff(Data([0x4D, 0x4D, 0x00, 0x2A])) == .tiff)
        #expect(ImageCodec.sniff(Data([0x49, 0x49, 0x2B, 0x00])) == .tiff)   // BigTIFF
        #expect(ImageCodec.sniff(Data("BMxx".utf8)) == .bmp)                 // too short to check the header size
    }

    // MARK: Decompression bombs

    static let bombDetail = "image is 100000x100000 = 10000000000 pixels, limit 200000000"

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }

    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let td = Array(type.utf8) + data
        return be32(UInt32(data.count)) + td + be32(crc32(td))
    }

    static func pngBomb() -> Data {
        let ihdr = be32(100_000) + be32(100_000) + [8, 0, 0, 0, 0]
        let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", ihdr) + pngChunk("IDAT", idat)
                    + pngChunk("IEND", []))
    }

    static func tiffBomb() -> Data {
        // II*\0, IFD at 8 with 9 entries, then one byte of "pixel data".
        var b: [UInt8] = [0x49, 0x49, 42, 0] + le32(8)
        let entries: [(UInt16, UInt16, UInt32)] = [
            (256, 4, 100_000), (257, 4, 100_000), (258, 3, 8), (259, 3, 1), (262, 3, 1),
            (273, 4, 8 + 2 + 9 * 12 + 4), (277, 3, 1), (278, 4, 100_000), (279, 4, 1),
        ]
        b += le16(UInt16(entries.count))
        for (tag, type, value) in entries {
            b += le16(tag) + le16(type) + le32(1) + (type == 3 ? le16(UInt16(value)) + [0, 0] : le32(value))
        }
        b += le32(0) + [0x7F]
        return Data(b)
    }

    static func bmpBomb() -> Data {
        var b = [UInt8](BMPBuilder(width: 2, height: 2, bitsPerPixel: 24, values: [0, 0, 0, 0]).build())
        b.replaceSubrange(18..<22, with: le32(100_000))
        b.replaceSubrange(22..<26, with: le32(100_000))
        return Data(b)
    }

    /// JPEG stores sizes in 16 bits and libjpeg accepts at most 65500: the largest claim possible.
    static func jpegBomb() throws -> Data {
        var b = [UInt8](try makeJPEG(width: 16, height: 16, components: 3, pixels: [UInt8](repeating: 7, count: 768)))
        let sof = try #require((0..<(b.count - 1)).first { b[$0] == 0xFF && b[$0 + 1] == 0xC0 })
        b.replaceSubrange((sof + 5)..<(sof + 9), with: [0xFF, 0xDC, 0xFF, 0xDC])
        return Data(b)
    }

    /// The refusal names the size the header declares, so it was decided from the header, before any
    /// pixel buffer existed (no wall-clock check: that would fail on a loaded machine, not on a bug).
    @Test func bombsAreRejectedBeforeAllocation() throws {
        for (name, data) in [("bomb.png", Self.pngBomb()), ("bomb.tif", Self.tiffBomb()), ("bomb.bmp", Self.bmpBomb())] {
            let e = decodeError(data, fileName: name)
            #expect(e?.kind == .tooLarge, "\(name): \(String(describing: e))")
            #expect(e?.detail == Self.bombDetail)
            #expect(e?.description == "\(name): image too large: \(Self.bombDetail)")
        }
        let e = decodeError(try Self.jpegBomb(), fileName: "bomb.jpg")
        #expect(e?.kind == .tooLarge)
        #expect(e?.detail == "image is 65500x65500 = 4290250000 pixels, limit 200000000")
    }

    /// A progressive JPEG whose last scan is repeated 2000 times must fail fast
    /// (scan-count guard / progression check), not grind through every scan.
    @Test func repeatedScansFailFast() throws {
        let b = [UInt8](try makeJPEG(width: 64, height: 64, components: 1, pixels: testPattern(width: 64, height: 64),
                                     progressive: true))
        let sos = (0..<(b.count - 1)).filter { b[$0] == 0xFF && b[$0 + 1] == 0xDA }
        let lastScan = try #require(sos.last)
        let scan = Array(b[lastScan..<(b.count - 2)])
        var bomb = Array(b[..<(b.count - 2)])
        for _ in 0..<2000 { bomb += scan }
        bomb += [0xFF, 0xD9]
        let e = decodeError(Data(bomb), fileName: "scans.jpg")
        #expect(e?.kind == .corrupt, "\(String(describing: e))")
    }

    @Test func customPixelLimit() throws {
        for (name, data) in try Samples.all() {
            let e = decodeError(data, fileName: name, options: DecodeOptions(maxPixels: 100))
            #expect(e?.kind == .tooLarge, "\(name)")
            #expect(e?.detail.hasSuffix("limit 100") == true)
            #expect(decodeError(data, fileName: name, options: DecodeOptions(maxPixels: Samples.w * Samples.h)) == nil)
        }
    }

    // MARK: Truncation and bit flips

    @Test func everyTruncationFailsCleanly() throws {
        for (name, data) in try Samples.all() {
            var kinds: [ImageDecodeError.Kind: Int] = [:]
            var successes: [Int] = []
            for n in 1..<data.count {
                let e = decodeError(data.prefix(n), fileName: name)
                if let e {
                    kinds[e.kind, default: 0] += 1
                    #expect(e.file == name)
                    #expect([.truncated, .corrupt, .unknownFormat, .unsupported].contains(e.kind), "\(name)[..<\(n)]: \(e)")
                } else {
                    successes.append(n)
                }
            }
            // Only cuts in the trailing bytes that hold no pixels may still decode
            // (PNG: IEND; BMP: the last row's padding).
            let slack = name.hasSuffix(".png") ? 12 : name.hasSuffix(".bmp") ? 3 : 0
            #expect(successes.allSatisfy { $0 >= data.count - slack }, "\(name): decoded when cut at \(successes)")
            // A file cut in half says "truncated".
            #expect(decodeError(data.prefix(data.count / 2), fileName: name)?.kind == .truncated, "\(name)")
            let truncated = kinds[.truncated, default: 0]
            print("[Truncation] \(name) (\(data.count) bytes): \(kinds.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")); decoded when cut at \(successes)")
            #expect(truncated * 10 >= (data.count - 1) * 8, "\(name): \(kinds)")
        }
    }

    @Test func seededBitFlipsNeverCrash() throws {
        let options = DecodeOptions(maxPixels: 1 << 22)   // keep garbage headers from decoding huge images
        var rng = SeededGenerator(seed: 0x4B41_5259_4F)
        for (name, data) in try Samples.all() {
            let bytes = [UInt8](data)
            var outcomes: [String: Int] = [:]
            for i in 0..<200 {
                var b = bytes
                // Half the flips hit the first 96 bytes (headers), half anywhere.
                let range = i % 2 == 0 ? 0..<min(96, b.count) : 0..<b.count
                let flips = Int.random(in: 1...3, using: &rng)
                for _ in 0..<flips {
                    let pos = Int.random(in: range, using: &rng)
                    b[pos] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                }
                do {
                    let d = try ImageCodec.decode(Data(b), fileName: name, options: options)
                    #expect(d.image.pixels.count == d.image.width * d.image.height)
                    outcomes["ok", default: 0] += 1
                } catch {
                    #expect(error.file == name)
                    #expect(!error.detail.isEmpty)
                    outcomes[error.kind.rawValue, default: 0] += 1
                }
            }
            #expect(outcomes.values.reduce(0, +) == 200)
            print("[BitFlips] \(name): \(outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        }
    }

    // MARK: Files

    @Test func fileErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("karyo-image-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let missing = dir.appendingPathComponent("missing.png")
        #expect(throws: ImageDecodeError(kind: .unreadable, file: missing.path, detail: "no such file")) {
            try ImageCodec.decode(contentsOf: missing)
        }
        #expect(throws: ImageDecodeError(kind: .unreadable, file: dir.path, detail: "is a directory")) {
            try ImageCodec.decode(contentsOf: dir)
        }
        let empty = dir.appendingPathComponent("empty.tif")
        try Data().write(to: empty)
        do {
            _ = try ImageCodec.decode(contentsOf: empty)
            Issue.record("empty file decoded")
        } catch {
            #expect(error.kind == .empty)
            #expect(error.description.contains(empty.path))
        }
        let good = dir.appendingPathComponent("good.png")
        let img = GrayImage(width: 5, height: 4, pixels: testPattern(width: 5, height: 4))
        try ImageCodec.encodePNG(img).write(to: good)
        #expect(try ImageCodec.decode(contentsOf: good).image == img)
        let cut = dir.appendingPathComponent("cut.png")
        try ImageCodec.encodePNG(img).prefix(40).write(to: cut)
        do {
            _ = try ImageCodec.decode(contentsOf: cut)
            Issue.record("truncated file decoded")
        } catch {
            #expect(error.kind == .truncated)
            #expect(error.description.hasPrefix("\(cut.path): truncated image: PNG: "))
        }
    }

    /// libtiff's handlers are per-handle; decoders share no mutable state.
    @Test func concurrentDecodes() async throws {
        let samples = try Samples.all()
        let reference = try samples.map { try ImageCodec.decode($0.data, fileName: $0.name).image }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for round in 0..<8 {
                group.addTask {
                    for (i, s) in samples.enumerated() {
                        let cut = s.data.prefix(s.data.count - 1 - round)
                        _ = decodeError(cut, fileName: s.name)
                        guard try ImageCodec.decode(s.data, fileName: s.name).image == reference[i] else { return false }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}

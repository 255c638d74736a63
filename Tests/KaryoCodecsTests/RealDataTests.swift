import Foundation
import KaryoCodecs
import KaryoTestSupport
import Testing

/// Decodes the real images in ../shared/data (skipped when the folder is absent).
@Suite("Real files under ../shared/data", .enabled(if: SharedData.available, SharedData.skipMessage))
struct RealDataTests {
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "bmp"]

    /// Every image file (by extension) except pki3-gband's archive; every 20th bioimlab-qband BMP.
    static func imageFiles() -> [String] {
        let root = SharedData.root
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        var all: [String] = []
        for case let url as URL in walker {
            guard imageExtensions.contains(url.pathExtension.lowercased()) else { continue }
            let rel = String(url.resolvingSymlinksInPath().path.dropFirst(root.resolvingSymlinksInPath().path.count + 1))
            all.append(rel)
        }
        all.sort()
        var qbandIndex = 0
        return all.filter { rel in
            guard rel.hasPrefix("bioimlab-qband/") else { return true }
            defer { qbandIndex += 1 }
            return qbandIndex % 20 == 0
        }
    }

    struct Expected: Sendable, CustomTestStringConvertible {
        let path: String
        let width: Int
        let height: Int
        let format: ImageFormat
        let model: String
        var pages = 1
        var testDescription: String { path }
    }

    static let expected: [Expected] = {
        var list: [Expected] = []
        for cell in ["001", "004", "013", "017", "019", "041", "042", "045", "046", "072"] {
            list.append(Expected(path: "metaphase-karyogram-pairs/cabinh-8129A/metaphase/8129A.\(cell).A.TIF",
                                 width: 693, height: 553, format: .tiff, model: "gray"))
            list.append(Expected(path: "metaphase-karyogram-pairs/cabinh-8129A/karyogram/8129A.\(cell).K.TIF",
                                 width: 1016, height: 896, format: .tiff, model: "gray"))
        }
        list.append(Expected(path: "misc-metaphases/A.tif", width: 1600, height: 1200, format: .tiff, model: "gray", pages: 2))
        list.append(Expected(path: "misc-metaphases/raw_chromosome.jpg", width: 558, height: 620, format: .jpeg, model: "rgb"))
        list.append(Expected(path: "wiki-karyograms/NHGRI_human_male_karyotype.png", width: 3084, height: 2417, format: .png,
                             model: "gray"))
        list.append(Expected(path: "wiki-karyograms/karyo1_Mapa_genetico_o_cariograma.jpeg", width: 732, height: 534,
                             format: .jpeg, model: "rgb"))
        list.append(Expected(path: "wiki-karyograms/extracted_from_karyo1/9_1_karyo1.png", width: 46, height: 149,
                             format: .png, model: "rgb"))
        list.append(Expected(path: "adir-mfish-dapi-seg/1im.png", width: 644, height: 516, format: .png, model: "gray"))
        list.append(Expected(path: "adir-mfish-dapi-seg/1gt.png", width: 644, height: 516, format: .png, model: "gray"))
        return list
    }()

    @Test("known sizes", arguments: expected)
    func knownSizes(_ e: Expected) throws {
        let d = try ImageCodec.decode(contentsOf: SharedData.url(e.path))
        #expect(d.image.width == e.width && d.image.height == e.height)
        #expect(d.format == e.format)
        #expect(d.sourceColorModel == e.model)
        #expect(d.sourceBitDepth == 8)
        #expect(d.pageCount == e.pages)
        #expect(!d.alphaWasUsed)
    }

    @Test func yoloKaryogramsAre416Square() throws {
        let dir = SharedData.url("bioimlab-karyograms-yolo/train/images")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".jpg") }.sorted()
        #expect(names.count > 400)
        for name in names.prefix(40) {
            let d = try ImageCodec.decode(contentsOf: dir.appendingPathComponent(name))
            #expect(d.image.width == 416 && d.image.height == 416 && d.sourceColorModel == "rgb", "\(name)")
        }
    }

    /// Karyograms are dark chromosomes on a light background; Q-band singles are bright on black.
    @Test func polarityLooksRight() throws {
        let k = try ImageCodec.decode(contentsOf: SharedData.url("metaphase-karyogram-pairs/cabinh-8129A/karyogram/8129A.001.K.TIF"))
        let kMean = k.image.pixels.reduce(0) { $0 + Int($1) } / k.image.pixels.count
        #expect(kMean > 180, "karyogram mean \(kMean)")
        let n = try ImageCodec.decode(contentsOf: SharedData.url("wiki-karyograms/NHGRI_human_male_karyotype.png"))
        #expect(n.image.pixels.reduce(0) { $0 + Int($1) } / n.image.pixels.count > 180)
        let q = try ImageCodec.decode(contentsOf: SharedData.url("bioimlab-qband/images/1/1 1a.bmp"))
        #expect(q.image[0, 0] < 50)
    }

    /// The 14 RGB (24-bit) BMPs in bioimlab-qband, found by their header.
    @Test func qbandTrueColourBMPs() throws {
        let root = SharedData.url("bioimlab-qband/images")
        var rgb: [URL] = []
        for dir in try FileManager.default.contentsOfDirectory(atPath: root.path) {
            let d = root.appendingPathComponent(dir)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? [] where name.hasSuffix(".bmp") {
                let url = d.appendingPathComponent(name)
                guard let h = FileHandle(forReadingAtPath: url.path) else { continue }
                let head = h.readData(ofLength: 30)
                try? h.close()
                if head.count == 30, head[28] == 24 { rgb.append(url) }
            }
        }
        #expect(rgb.count == 14)
        for url in rgb {
            let d = try ImageCodec.decode(contentsOf: url)
            #expect(d.sourceColorModel == "rgb")
            #expect(d.sourceBitDepth == 8)
        }
    }

    @Test("every image file decodes or fails cleanly")
    func walkAll() throws {
        let files = Self.imageFiles()
        #expect(files.count > 500, "expected the shared data set, found \(files.count) image files")
        var failures: [String] = []
        var byFormat: [ImageFormat: Int] = [:]
        var warned: [String] = []
        for rel in files {
            do {
                let d = try ImageCodec.decode(contentsOf: SharedData.url(rel))
                byFormat[d.format, default: 0] += 1
                #expect(d.image.pixels.count == d.image.width * d.image.height)
                if !d.warnings.isEmpty { warned.append("\(rel): \(d.warnings.joined(separator: " | "))") }
            } catch {
                #expect(error.file.hasSuffix(rel), "error must name the file: \(error)")
                failures.append(error.description)
            }
        }
        print("[RealData] decoded \(files.count - failures.count)/\(files.count) files: "
              + byFormat.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))
        for w in warned.prefix(20) { print("[RealData] warning: \(w)") }
        for f in failures { print("[RealData] failed: \(f)") }
        #expect(failures.isEmpty, "\(failures.count) files failed to decode")
    }
}

/// Opt-in: decodes every file of an extracted pki3-gband archive
/// (`KARYO_PKI3_DIR=/path/to/images swift test --filter PKI3`).
@Suite("pki3-gband (opt-in)", .enabled(if: ProcessInfo.processInfo.environment["KARYO_PKI3_DIR"] != nil,
                                       "set KARYO_PKI3_DIR to an extracted pki3-gband images folder"))
struct PKI3Tests {
    @Test func decodeAll() throws {
        let root = URL(fileURLWithPath: ProcessInfo.processInfo.environment["KARYO_PKI3_DIR"] ?? "/nonexistent")
        let walker = try #require(FileManager.default.enumerator(atPath: root.path))
        var total = 0, alpha = 0
        var models: [String: Int] = [:]
        var failures: [String] = []
        var warnings: [String: Int] = [:]
        for case let rel as String in walker where rel.lowercased().hasSuffix(".tiff") || rel.lowercased().hasSuffix(".tif") {
            // The karyogram folders are named like files ("97002023.12.tiff/").
            if walker.fileAttributes?[.type] as? FileAttributeType == .typeDirectory { continue }
            total += 1
            do {
                let d = try ImageCodec.decode(contentsOf: root.appendingPathComponent(rel))
                models[d.sourceColorModel, default: 0] += 1
                if d.hadAlpha { alpha += 1 }
                for w in d.warnings { warnings[w, default: 0] += 1 }
            } catch {
                failures.append(error.description)
            }
        }
        print("[PKI3] \(total) files, \(failures.count) failed, models \(models), with alpha \(alpha), warnings \(warnings)")
        for f in failures.prefix(20) { print("[PKI3] failed: \(f)") }
        #expect(failures.isEmpty, "\(failures.count) files failed")
    }
}

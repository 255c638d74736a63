import Foundation
import KaryoCodecs
import KaryoCore
@testable import KaryoMetaphase
import KaryoTestSupport
import Testing

let hasCachedWeights = FileManager.default.fileExists(atPath: ChromosomeClassifier.cachedWeightsURL.path)

/// Extracts pki3-gband's images.tar.gz once into ~/.cache/karyo/pki3-gband (outside the repository).
func pki3ImagesRoot() throws -> URL {
    let root = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/karyo/pki3-gband")
    if FileManager.default.fileExists(atPath: root.appendingPathComponent("images").path) { return root }
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    let tar = Process()
    tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
    tar.arguments = ["-xzf", sharedDataFolder.appendingPathComponent("pki3-gband/images.tar.gz").path, "-C", root.path]
    try tar.run()
    tar.waitUntilExit()
    guard tar.terminationStatus == 0 else { throw ChromosomeDatasetError(message: "tar failed extracting pki3-gband") }
    return root
}

@Suite struct SharedDataTests {
    /// Every metaphase, karyogram and crop folder of ../shared/data (large folders sampled; the
    /// whole of it is run by tools/bench-metaphase --segment-all).
    @Test(.enabled(if: hasSharedData, "needs ../shared/data"))
    func noImageInSharedDataCrashesTheSegmenter() throws {
        let exts: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "bmp"]
        let all = FileManager.default.enumerator(atPath: sharedDataFolder.path)!.compactMap { $0 as? String }
            .filter { exts.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        var n = 0
        for (i, f) in all.enumerated() {
            let stride = f.hasPrefix("bioimlab-qband") ? 100 : (f.hasPrefix("bioimlab-karyograms") ? 30 : (f.hasPrefix("adir") ? 8 : 1))
            guard i % stride == 0 else { continue }
            guard let img = try? ImageCodec.decode(contentsOf: sharedDataFolder.appendingPathComponent(f)).image else { continue }
            let seg = MetaphaseSegmenter().segment(img)
            #expect(seg.objects.allSatisfy { $0.box.x >= 0 && $0.box.y >= 0 && $0.box.x + $0.box.width <= img.width
                && $0.box.y + $0.box.height <= img.height && $0.mask.count == $0.area })
            n += 1
        }
        #expect(n > 50)
    }

    /// The bar: ≥ 97% per chromosome on patients of pki3-gband never trained on (same split as
    /// `karyo classifier train`: 15% of cases by a stable hash, seed 0). Uses the cached weights.
    @Test(.enabled(if: hasSharedData && hasCachedWeights,
                   "needs ../shared/data and weights from tools/train-chromosome-classifier"))
    func classifierIsAtLeast97PercentAccurateOnHeldOutPki3Patients() throws {
        let classifier = try ChromosomeClassifier(contentsOf: ChromosomeClassifier.cachedWeightsURL)
        let test = try ChromosomeDataset.pki3(
            labelsCSV: sharedDataFolder.appendingPathComponent("pki3-gband/labels.csv"), imagesRoot: try pki3ImagesRoot(),
            patients: { ChromosomeDataset.isHeldOut(patient: $0, fraction: 0.15) })
        #expect(test.count > 2000)
        let e = try ClassifierTraining.evaluate(classifier, on: test)
        print("pki3 held-out: \(e.count) crops, accuracy \(e.accuracy), after cell assignment \(e.cellAssignedAccuracy)")
        #expect(e.accuracy >= 0.97)
    }

    /// ≥ 90% of the 9s and 22s of the ADIR DAPI metaphases found and classified (truth: label maps).
    @Test(.enabled(if: hasSharedData && hasCachedWeights,
                   "needs ../shared/data and weights from tools/train-chromosome-classifier"))
    func adirNinesAndTwentyTwosAreFound() throws {
        let analyzer = MetaphaseAnalyzer(classifier: try ChromosomeClassifier.load())
        let folder = sharedDataFolder.appendingPathComponent("adir-mfish-dapi-seg")
        var total = MetaphaseScore()
        for n in stride(from: 0, to: 93, by: 3) {
            let img = try ImageCodec.decode(contentsOf: folder.appendingPathComponent("\(n)im.png")).image
            let gt = try ImageCodec.decode(contentsOf: folder.appendingPathComponent("\(n)gt.png")).image
            let a = try analyzer.analyze(img)
            total = total + MetaphaseTruth.score(a, truth: MetaphaseTruth.fromLabelMap(gt), imageWidth: img.width)
        }
        let rate = Double(total.correct9 + total.correct22) / Double(max(total.truth9 + total.truth22, 1))
        print("ADIR 9s and 22s found and classified: \(rate)")
        #expect(rate >= 0.9)
    }

    /// ≥ 90% of the 9s and 22s of the cabinh .A metaphases found and classified (truth derived from
    /// the paired .K karyograms; karyogram 9s and 22s without a matching object count as missed).
    @Test(.enabled(if: hasSharedData && hasCachedWeights,
                   "needs ../shared/data and weights from tools/train-chromosome-classifier"))
    func pairedMetaphaseNinesAndTwentyTwosAreFound() throws {
        let analyzer = MetaphaseAnalyzer(classifier: try ChromosomeClassifier.load())
        let folder = sharedDataFolder.appendingPathComponent("metaphase-karyogram-pairs/cabinh-8129A")
        var total = MetaphaseScore()
        for id in ["001", "004", "013", "017", "019", "041", "042", "045", "046", "072"] {
            let a = try ImageCodec.decode(contentsOf: folder.appendingPathComponent("metaphase/8129A.\(id).A.TIF")).image
            let k = try ImageCodec.decode(contentsOf: folder.appendingPathComponent("karyogram/8129A.\(id).K.TIF")).image
            let analysis = try analyzer.analyze(a)
            let derived = try PairedTruth.derive(metaphase: analysis.segmentation, karyogram: k)
            total = total + derived.score(analysis)
        }
        let rate = Double(total.correct9 + total.correct22) / Double(max(total.truth9 + total.truth22, 1))
        print("cabinh 9s and 22s found and classified: \(rate)")
        #expect(rate >= 0.9)
    }

    @Test(.enabled(if: hasSharedData, "needs ../shared/data"))
    func pairedKaryogramGivesTruthForTheMetaphase() throws {
        let folder = sharedDataFolder.appendingPathComponent("metaphase-karyogram-pairs/cabinh-8129A")
        let a = try ImageCodec.decode(contentsOf: folder.appendingPathComponent("metaphase/8129A.001.A.TIF")).image
        let k = try ImageCodec.decode(contentsOf: folder.appendingPathComponent("karyogram/8129A.001.K.TIF")).image
        #expect(PairedTruth.underlines(k).count == 24)
        let truth = try PairedTruth.derive(metaphase: MetaphaseSegmenter().segment(a), karyogram: k)
        #expect(truth.expected9 == 2 && truth.expected22 == 2)
        #expect(truth.truth.count >= 30)
    }
}

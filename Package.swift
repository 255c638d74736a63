// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Karyo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "karyo", targets: ["KaryoCLI"]),
        .library(name: "Karyo", targets: ["Karyo"]),
        .library(name: "KaryoNet", targets: ["KaryoNet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        // C shims over libjpeg (setjmp error recovery), libtiff (variadic tag API) and libpng.
        .target(
            name: "CKaryoCodecs",
            path: "Sources/CKaryoCodecs",
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg"), .linkedLibrary("tiff"), .linkedLibrary("z")]
        ),
        // Decoding untrusted PNG/JPEG/TIFF/BMP into one 8-bit grayscale type; encoding PNG.
        .target(name: "KaryoImage", dependencies: ["CKaryoCodecs"]),
        // The shared vocabulary: sample labels and label sources.
        .target(name: "KaryoLabels"),
        // ISCN karyotype strings: parsing and the t(9;22) label derived from them.
        .target(name: "KaryoISCN", dependencies: ["KaryoLabels"]),
        // The lab's CSV manifest: parsing and validation.
        .target(name: "KaryoManifest", dependencies: ["KaryoISCN", "KaryoLabels"]),
        // The versioned dataset store: SQLite (GRDB), content-addressed blobs, labels, versions.
        .target(
            name: "KaryoStore",
            dependencies: [
                "KaryoLabels",
                "KaryoSplits",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Patient-grouped, stratified, stable split assignment and class balancing.
        .target(name: "KaryoSplits", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // libtesseract (OCR of burned-in text), found with pkg-config.
        .systemLibrary(name: "CTesseract", path: "Sources/CTesseract", pkgConfig: "tesseract"),
        // De-identification that fails closed: fresh pixels, OCR masking, quarantine, verifier.
        .target(
            name: "KaryoDeid",
            dependencies: ["KaryoImage", "CTesseract", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // oneDNN 2.x C API (Debian libdnnl-dev), for the fast training backend.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        // KaryoNet: tensors, autograd, reference and oneDNN backends, ResNets, training, checkpoints.
        .target(name: "KaryoNet", dependencies: ["CDNNL"]),
        // Synthetic and semi-synthetic karyograms and metaphases with ground truth.
        .target(name: "KaryoSynth", dependencies: ["KaryoImage", "KaryoLabels", "KaryoISCN"]),
        // The application layer: import pipeline, export, reports; what the CLI calls.
        .target(
            name: "Karyo",
            dependencies: [
                "KaryoImage", "KaryoLabels", "KaryoISCN", "KaryoManifest", "KaryoStore", "KaryoSplits", "KaryoDeid",
                "KaryoLoop", "KaryoExtract", "KaryoMetaphase",
            ]
        ),
        // The `karyo` command: argument parsing only; everything else is in the Karyo library.
        .executableTarget(
            name: "KaryoCLI",
            dependencies: [
                "Karyo", "KaryoServe", "KaryoStore", "KaryoSynth", "KaryoDeid", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Extraction of chromosomes 9 and 22 from karyograms and metaphases; 90x90 normalization.
        .target(name: "KaryoExtract", dependencies: ["KaryoImage"]),
        .executableTarget(name: "karyo-extract-bench", dependencies: ["KaryoExtract", "KaryoImage"], path: "Sources/KaryoExtractBench"),
        // Metaphase segmentation, the 24-class chromosome classifier (KaryoNet) and 9/22 picking.
        .target(name: "KaryoMetaphase", dependencies: ["KaryoImage", "KaryoNet"], resources: [.copy("Resources")]),
        .executableTarget(
            name: "karyo-train-classifier",
            dependencies: ["KaryoMetaphase", "KaryoImage", "KaryoNet", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/KaryoTrainClassifier"
        ),
        .executableTarget(
            name: "karyo-metaphase-bench",
            dependencies: ["KaryoMetaphase", "KaryoImage", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/KaryoMetaphaseBench"
        ),
        // Ground-truth cell sets: 90x90 t(9;22) inputs cut from (semi-)synthetic karyograms by their truth.
        .target(name: "KaryoCellSets", dependencies: ["KaryoImage", "KaryoSynth", "KaryoExtract"]),
        // The active-learning loop's core (store-independent): metrics with patient-bootstrap CIs, grouped
        // K-fold, uncertainty, confident learning, review queues, the HTML report.
        .target(name: "KaryoLoop", dependencies: ["KaryoNet", "KaryoImage"]),
        .executableTarget(name: "karyo-loop-bench", dependencies: ["KaryoLoop", "KaryoImage", "KaryoCellSets"], path: "Sources/KaryoLoopBench"),
        .executableTarget(name: "karyonet-bench", dependencies: ["KaryoNet", "KaryoImage", "KaryoCellSets"], path: "Sources/KaryoNetBench"),
        .executableTarget(name: "karyo-bench", dependencies: ["Karyo", "KaryoSynth", "KaryoDeid", "KaryoCellSets"]),
        .testTarget(name: "KaryoLabelsTests", dependencies: ["KaryoLabels"]),
        .testTarget(name: "KaryoImageTests", dependencies: ["KaryoImage"]),
        .testTarget(name: "KaryoISCNTests", dependencies: ["KaryoISCN"]),
        .testTarget(name: "KaryoManifestTests", dependencies: ["KaryoManifest"]),
        .testTarget(name: "KaryoStoreTests", dependencies: ["KaryoStore"]),
        .testTarget(name: "KaryoSplitsTests", dependencies: ["KaryoSplits"]),
        .testTarget(name: "KaryoNetTests", dependencies: ["KaryoNet"], exclude: ["Fixtures"]),
        .testTarget(name: "KaryoDeidTests", dependencies: ["KaryoDeid"]),
        .testTarget(name: "KaryoSynthTests", dependencies: ["KaryoSynth", "KaryoManifest"]),
        .testTarget(name: "KaryoTests", dependencies: ["Karyo"]),
        .testTarget(name: "KaryoExtractTests", dependencies: ["KaryoExtract", "KaryoImage"], exclude: ["Fixtures"]),
        .testTarget(name: "KaryoCellSetsTests", dependencies: ["KaryoCellSets", "KaryoExtract"]),
        .testTarget(name: "KaryoMetaphaseTests", dependencies: ["KaryoMetaphase", "KaryoImage", "KaryoNet"]),
        .testTarget(name: "KaryoLoopTests", dependencies: ["KaryoLoop", "KaryoStore", "KaryoImage"]),
        // The review web app (`karyo serve`, Hummingbird): accounts, sessions, CSRF, queue review,
        // blind double reading, agreement statistics, dataset pages.
        .target(
            name: "KaryoServe",
            dependencies: [
                "Karyo", "KaryoLoop", "KaryoNet", "KaryoStore", "KaryoLabels", "KaryoImage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(name: "karyo-serve-bench", dependencies: ["KaryoServe", "KaryoStore"], path: "Sources/KaryoServeBench"),
        .testTarget(
            name: "KaryoServeTests",
            dependencies: [
                "KaryoServe", "KaryoStore", "KaryoImage", "KaryoCLI",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "KaryoCLITests", dependencies: ["KaryoCLI", "KaryoImage", "KaryoStore"]),
    ],
    swiftLanguageModes: [.v6]
)

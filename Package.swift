// swift-tools-version: 6.0
import PackageDescription

// Karyo's modules in layers; each imports only from the layers below it (README.md, "Layers").
//
//   Interface     KaryoCLI (the `karyo` command), KaryoServe (the review web app)
//   Application   Karyo: import, extraction, labels, export, the loop, presentation
//   Domain        KaryoCodecs, KaryoISCN, KaryoManifest, KaryoDeid, KaryoExtract, KaryoMetaphase,
//                 KaryoSynth, KaryoNet, KaryoLoop, KaryoStore
//   Vision        KaryoVision: image operations, components, thresholds, OCR
//   Core          KaryoCore: the vocabulary every layer shares
//   System        C shims and system libraries (libpng/libjpeg/libtiff, oneDNN, tesseract)
//
// Benchmarks/ and Tests/Support/ sit beside the product: they may use every layer; nothing in
// Sources/ imports them.

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let grdb = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let httpTypes = Target.Dependency.product(name: "HTTPTypes", package: "swift-http-types")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")

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
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        // MARK: System: C shims and system libraries

        // libjpeg (setjmp error recovery), libtiff (variadic tag API) and libpng, for KaryoCodecs.
        .target(
            name: "CKaryoCodecs",
            path: "Sources/System/CKaryoCodecs",
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg"), .linkedLibrary("tiff"), .linkedLibrary("z")]
        ),
        // Batch statistics KaryoNet computes itself (the same on every CPU), optimized in debug too.
        .target(name: "CKaryoNetKernels", path: "Sources/System/CKaryoNetKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // oneDNN 2.x C API (Debian libdnnl-dev), for KaryoNet's fast backend.
        .systemLibrary(name: "CDNNL", path: "Sources/System/CDNNL"),
        // libtesseract (OCR), found with pkg-config, for KaryoVision.
        .systemLibrary(name: "CTesseract", path: "Sources/System/CTesseract", pkgConfig: "tesseract"),

        // MARK: Core

        // The shared vocabulary: labels and their sources, splits, image kinds, derivation steps,
        // the gray image, the pixel box, the seeded generator, the extraction record, the file walk.
        .target(name: "KaryoCore", path: "Sources/Core/KaryoCore"),

        // MARK: Vision

        // Image operations, connected components, thresholds and the OCR engine (tesseract) that
        // de-identification and extraction share.
        .target(name: "KaryoVision", dependencies: ["KaryoCore", "CTesseract"], path: "Sources/Vision/KaryoVision"),

        // MARK: Domain

        // Decoding untrusted PNG/JPEG/TIFF/BMP into the gray image; encoding PNG/JPEG/TIFF.
        .target(name: "KaryoCodecs", dependencies: ["KaryoCore", "CKaryoCodecs"], path: "Sources/Domain/KaryoCodecs"),
        // ISCN karyotype strings: parsing and the t(9;22) label derived from them.
        .target(name: "KaryoISCN", dependencies: ["KaryoCore"], path: "Sources/Domain/KaryoISCN"),
        // The lab's CSV manifest: parsing and validation.
        .target(name: "KaryoManifest", dependencies: ["KaryoCore", "KaryoISCN"], path: "Sources/Domain/KaryoManifest"),
        // De-identification that fails closed: fresh pixels, OCR masking, quarantine, verifier.
        .target(
            name: "KaryoDeid", dependencies: ["KaryoCore", "KaryoVision", "KaryoCodecs", crypto],
            path: "Sources/Domain/KaryoDeid"
        ),
        // Extraction of chromosomes 9 and 22 from karyograms (and, with a finder, metaphases);
        // 90x90 normalization.
        .target(name: "KaryoExtract", dependencies: ["KaryoCore", "KaryoVision", "KaryoCodecs"], path: "Sources/Domain/KaryoExtract"),
        // The training engine: tensors, autograd, reference and oneDNN backends, ResNets,
        // training, checkpoints, inference.
        .target(name: "KaryoNet", dependencies: ["KaryoCore", "CDNNL", "CKaryoNetKernels"], path: "Sources/Domain/KaryoNet"),
        // Metaphase segmentation, the 24-class chromosome classifier (KaryoNet) and 9/22 picking.
        .target(
            name: "KaryoMetaphase", dependencies: ["KaryoCore", "KaryoVision", "KaryoCodecs", "KaryoNet"],
            path: "Sources/Domain/KaryoMetaphase", resources: [.copy("Resources")]
        ),
        // Synthetic and semi-synthetic karyograms and metaphases with ground truth.
        .target(
            name: "KaryoSynth", dependencies: ["KaryoCore", "KaryoCodecs", "KaryoISCN"],
            path: "Sources/Domain/KaryoSynth"
        ),
        // The active-learning loop's core (store-independent): metrics with patient-bootstrap
        // intervals, grouped K-fold, uncertainty, confident learning, review queues, the HTML report.
        .target(
            name: "KaryoLoop", dependencies: ["KaryoCore", "KaryoNet"],
            path: "Sources/Domain/KaryoLoop"
        ),
        // The versioned dataset store: SQLite (GRDB), content-addressed blobs, labels, versions,
        // patient-grouped splits, reviews and accounts.
        .target(name: "KaryoStore", dependencies: ["KaryoCore", grdb, crypto], path: "Sources/Domain/KaryoStore"),

        // MARK: Application

        // Import pipeline, extraction of stored samples, labelling, export, the loop, reports:
        // what the command line and the web app call.
        .target(
            name: "Karyo",
            dependencies: [
                "KaryoCore", "KaryoVision", "KaryoCodecs", "KaryoISCN", "KaryoManifest", "KaryoDeid", "KaryoExtract",
                "KaryoMetaphase", "KaryoLoop", "KaryoStore", crypto,
            ],
            path: "Sources/Application/Karyo"
        ),

        // MARK: Interface

        // The `karyo` command: argument parsing only; everything else is in the layers below.
        .executableTarget(
            name: "KaryoCLI",
            dependencies: [
                "KaryoCore", "KaryoVision", "KaryoCodecs", "KaryoDeid", "KaryoMetaphase", "KaryoLoop", "KaryoStore", "KaryoSynth", "Karyo",
                "KaryoServe", argumentParser,
            ],
            path: "Sources/Interface/KaryoCLI"
        ),
        // The review web app (`karyo serve`, Hummingbird): accounts, sessions, CSRF, queue review,
        // blind double reading, agreement statistics, dataset pages.
        .target(
            name: "KaryoServe",
            dependencies: [
                "KaryoCore", "KaryoLoop", "KaryoStore", "Karyo",
                hummingbird, .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"), httpTypes, logging, crypto,
            ],
            path: "Sources/Interface/KaryoServe"
        ),

        // MARK: Benchmarks (print figures; assert nothing)

        // `karyo-bench <benchmark>`: the store, import, de-identification, extraction, metaphase,
        // loop, engine and review-app benchmarks, one subcommand each (Benchmarks/KaryoBench).
        .executableTarget(
            name: "karyo-bench",
            dependencies: [
                "Karyo", "KaryoCore", "KaryoCodecs", "KaryoDeid", "KaryoExtract", "KaryoMetaphase", "KaryoLoop", "KaryoNet",
                "KaryoStore", "KaryoTestSupport", argumentParser,
            ],
            path: "Benchmarks/KaryoBench"
        ),

        // MARK: Test support (not a product)

        // Test-only encoders that write unusual PNG/JPEG/TIFF variants for the decoder tests.
        .target(
            name: "CKaryoTestCodecs", path: "Tests/Support/CKaryoTestCodecs",
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg"), .linkedLibrary("tiff"), .linkedLibrary("z")]
        ),
        // Demo stores, ground-truth cell sets and the truth matchers the tests and benchmarks score with.
        .target(
            name: "KaryoTestSupport",
            dependencies: [
                "KaryoCore", "KaryoVision", "KaryoCodecs", "KaryoExtract", "KaryoMetaphase", "KaryoSynth", "KaryoStore",
                "CKaryoCodecs", "CKaryoTestCodecs",
            ],
            path: "Tests/Support/KaryoTestSupport"
        ),

        // MARK: Tests

        .testTarget(name: "KaryoCoreTests", dependencies: ["KaryoCore"]),
        .testTarget(name: "KaryoCodecsTests", dependencies: ["KaryoCore", "KaryoCodecs", "CKaryoCodecs", "KaryoTestSupport"]),
        .testTarget(name: "KaryoISCNTests", dependencies: ["KaryoCore", "KaryoISCN"]),
        .testTarget(name: "KaryoManifestTests", dependencies: ["KaryoCore", "KaryoManifest"]),
        .testTarget(name: "KaryoStoreTests", dependencies: ["KaryoCore", "KaryoStore", "KaryoTestSupport"]),
        .testTarget(name: "KaryoNetTests", dependencies: ["KaryoCore", "KaryoNet", "KaryoTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "KaryoDeidTests", dependencies: ["KaryoCore", "KaryoVision", "KaryoCodecs", "KaryoDeid", "KaryoTestSupport"]),
        .testTarget(
            name: "KaryoSynthTests",
            dependencies: ["KaryoCore", "KaryoCodecs", "KaryoISCN", "KaryoSynth", "KaryoManifest", "KaryoTestSupport"]
        ),
        .testTarget(
            name: "KaryoExtractTests", dependencies: ["KaryoCore", "KaryoVision", "KaryoCodecs", "KaryoExtract", "KaryoTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "KaryoMetaphaseTests",
            dependencies: ["KaryoCore", "KaryoCodecs", "KaryoMetaphase", "KaryoTestSupport"]
        ),
        .testTarget(name: "KaryoLoopTests", dependencies: ["KaryoCore", "KaryoCodecs", "KaryoLoop", "KaryoStore"]),
        .testTarget(
            name: "KaryoTests", dependencies: ["KaryoCore", "KaryoCodecs", "KaryoExtract", "Karyo", "KaryoStore", "KaryoTestSupport"]
        ),
        .testTarget(
            name: "KaryoServeTests",
            dependencies: [
                "KaryoCore", "KaryoStore", "KaryoServe", "KaryoCLI", "KaryoTestSupport", hummingbird,
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "KaryoCLITests", dependencies: ["KaryoCore", "KaryoCodecs", "KaryoStore", "KaryoCLI", "KaryoTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

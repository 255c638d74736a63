import KaryoCore

/// One slot of a karyogram layout: the region where the chromosomes of one class sit.
public struct LayoutSlot: Sendable, Codable, Equatable {
    /// "1"..."22", "X", "Y"; "XY" for a shared sex-chromosome group of a row-grouped layout.
    public var label: String
    /// The slot's region in the original image's pixels.
    public var region: PixelBox
    /// Number of chromosome objects found in it.
    public var objectCount: Int
}

/// The layout of a karyogram.
public struct KaryogramLayout: Sendable, Codable, Equatable {
    public var style: LayoutStyle
    /// Slots per row, top to bottom (the standard rows hold 5, 7, 6 and 6 slots).
    public var rowSlotCounts: [Int]
    public var slots: [LayoutSlot]
    /// How the slots got their class names.
    public var naming: SlotNaming = .positions
    /// Slots whose printed class number was read (nil unless the slots were named by them).
    public var printedNumbersRead: Int? = nil

    /// The slot of a class, if found.
    public func slot(_ label: String) -> LayoutSlot? { slots.first { $0.label == label } }
}

/// A chromosome taken out of an image.
public struct ExtractedChromosome: Sendable {
    /// "9" or "22" (any class label in general).
    public var label: String
    /// 1 for the left (or first) homolog, 2 for the second; 3... for extra copies.
    public var homolog: Int
    /// Tight box in the original image's pixels.
    public var box: PixelBox
    /// The chromosome's pixels, dark on light (Q-band inverted), everything that is not this
    /// chromosome set to `background`; the same size as `box`.
    public var image: GrayImage
    /// `true` where the chromosome is, same size as `image` (row-major).
    public var mask: [Bool]
    /// The background gray of the working image.
    public var background: UInt8
    /// How sure the class is: 1 for a layout slot; the classifier's probability for metaphases.
    public var confidence: Double
    /// The chromosome turned upright (long axis vertical, p-arm up); nil until oriented.
    public var oriented: OrientedChromosome?
    /// How it was turned upright.
    public var orientation: ChromosomeOrientation?

    public init(label: String, homolog: Int, box: PixelBox, image: GrayImage, mask: [Bool], background: UInt8,
                confidence: Double, oriented: OrientedChromosome? = nil) {
        self.label = label
        self.homolog = homolog
        self.box = box
        self.image = image
        self.mask = mask
        self.background = background
        self.confidence = confidence
        self.oriented = oriented
    }
}

/// Something the extractor wants a person to know: a missing or extra chromosome, a layout
/// that did not match the standard one, a low-confidence call.
public struct ExtractionIssue: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        case missing, extra, layoutIrregular = "layout-irregular", lowConfidence = "low-confidence"
        case notAnalysable = "not-analysable", metaphaseUnsupported = "metaphase-unsupported"
    }
    public var code: Code
    /// The class concerned ("9", "22"), when there is one.
    public var label: String?
    public var message: String

    public init(_ code: Code, label: String? = nil, _ message: String) {
        self.code = code
        self.label = label
        self.message = message
    }

    public var description: String { message }
}

/// The outcome of extracting chromosomes 9 and 22 from one image.
public struct ExtractionResult: Sendable {
    public var kind: ImageKind
    /// Why the image was called what it was (one short line).
    public var kindReason: String
    public var polarity: StainPolarity
    public var imageWidth: Int
    public var imageHeight: Int
    /// The karyogram layout, for karyograms.
    public var layout: KaryogramLayout?
    /// The 9s then the 22s, left to right within a class.
    public var chromosomes: [ExtractedChromosome]
    public var issues: [ExtractionIssue]

    /// The extracted chromosomes of one class.
    public func chromosomes(_ label: String) -> [ExtractedChromosome] { chromosomes.filter { $0.label == label } }
}

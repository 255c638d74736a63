import Foundation

/// How a stored image was derived from its sample: the step of a derived image's provenance.
public enum DerivedStep: String, Sendable, Codable, CaseIterable {
    /// One chromosome taken out of the image and turned upright.
    case extractChromosome = "extract-chromosome"
    /// The 90x90 model input composed from a cell's chromosomes 9 and 22.
    case normalizeT922 = "normalize-t922"
}

/// A box with the class of what it holds ("9", "22", "X"...): a chromosome found in an image, or
/// one of a truth file.
public struct LabelledBox: Sendable, Hashable, Codable {
    public var label: String
    public var box: PixelBox

    public init(label: String, box: PixelBox) {
        self.label = label
        self.box = box
    }
}

/// What extraction made of one image: what `karyo import` and `karyo extract` report and
/// `karyo extract --json` prints.
public struct ExtractionOutcome: Sendable, Codable, Equatable {
    /// One chromosome found, where it is in the image.
    public struct Chromosome: Sendable, Codable, Equatable {
        public var label: String
        /// 1 for the left (or first) homolog, 2 for the second; 3... for extra copies.
        public var homolog: Int
        /// Tight box in the image's pixels.
        public var box: PixelBox
        /// How sure the class is: 1 for a layout slot, the classifier's probability for metaphases.
        public var confidence: Double

        public init(label: String, homolog: Int, box: PixelBox, confidence: Double) {
            self.label = label
            self.homolog = homolog
            self.box = box
            self.confidence = confidence
        }
    }

    public var kind: ImageKind
    /// Why the image was called what it was (one short line).
    public var kindReason: String
    public var polarity: StainPolarity
    public var layout: LayoutStyle?
    /// How the karyogram's slots were named.
    public var slotNaming: SlotNaming?
    /// Chromosomes found per class ("9": 2, "22": 2).
    public var found: [String: Int]
    /// Missing or extra chromosomes, irregular layouts, low confidence.
    public var issues: [String]
    public var chromosomes: [Chromosome]

    public init(kind: ImageKind, kindReason: String, polarity: StainPolarity, layout: LayoutStyle?, slotNaming: SlotNaming?,
                found: [String: Int], issues: [String], chromosomes: [Chromosome]) {
        self.kind = kind
        self.kindReason = kindReason
        self.polarity = polarity
        self.layout = layout
        self.slotNaming = slotNaming
        self.found = found
        self.issues = issues
        self.chromosomes = chromosomes
    }

    /// One line for reports.
    public var summary: String {
        var s = kind.rawValue
        if kind != .neither {
            s += ": chr9 x\(found["9"] ?? 0), chr22 x\(found["22"] ?? 0)"
            if let layout { s += " (\(layout.rawValue)\(slotNaming == .printedNumbers ? ", printed slot numbers" : ""))" }
        } else {
            s += " (\(kindReason))"
        }
        if !issues.isEmpty { s += "; " + issues.joined(separator: "; ") }
        return s
    }
}

/// The provenance parameters of a derived image, stored with it (`derived_images.parameters`)
/// as JSON with snake_case keys; read back by the web app and the exports.
public enum DerivationParameters: Sendable, Equatable, Encodable {
    case chromosome(ChromosomeDerivation)
    case composite(CompositeDerivation)

    /// Encodes as the parameters object itself.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .chromosome(let p): try p.encode(to: encoder)
        case .composite(let p): try p.encode(to: encoder)
        }
    }

    /// Decodes the parameters stored for a derived image of `step`; nil when they do not parse.
    public init?(step: DerivedStep, json: String) {
        let decoder = JSONDecoder()
        let data = Data(json.utf8)
        switch step {
        case .extractChromosome:
            guard let p = try? decoder.decode(ChromosomeDerivation.self, from: data) else { return nil }
            self = .chromosome(p)
        case .normalizeT922:
            guard let p = try? decoder.decode(CompositeDerivation.self, from: data) else { return nil }
            self = .composite(p)
        }
    }

    /// The JSON stored with the image (keys sorted, so equal parameters give equal text).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// What made a chromosome image (step `extract-chromosome`): where it was in the sample and how
/// it was turned upright.
public struct ChromosomeDerivation: Sendable, Codable, Equatable {
    public var label: String
    public var homolog: Int
    /// Where it was in the sample's image.
    public var box: PixelBox
    public var imageKind: ImageKind
    public var polarity: StainPolarity
    public var confidence: Double
    /// Length along the chromosome's axis, in pixels.
    public var length: Double
    public var layout: LayoutStyle?
    public var slotNaming: SlotNaming?
    /// Rotation applied to stand it upright, in degrees (two decimals).
    public var rotationDegrees: Double?
    public var flipped: Bool?
    /// Bent chromosomes are drawn straight along their centre line.
    public var straightened: Bool?
    /// Median width across the axis, in pixels.
    public var width: Double?
    /// Position of the centromere along the axis, 0 (top) to 1 (three decimals).
    public var centromere: Double?

    public init(label: String, homolog: Int, box: PixelBox, imageKind: ImageKind, polarity: StainPolarity, confidence: Double,
                length: Double, layout: LayoutStyle? = nil, slotNaming: SlotNaming? = nil, rotationDegrees: Double? = nil,
                flipped: Bool? = nil, straightened: Bool? = nil, width: Double? = nil, centromere: Double? = nil) {
        self.label = label
        self.homolog = homolog
        self.box = box
        self.imageKind = imageKind
        self.polarity = polarity
        self.confidence = confidence
        self.length = length
        self.layout = layout
        self.slotNaming = slotNaming
        self.rotationDegrees = rotationDegrees
        self.flipped = flipped
        self.straightened = straightened
        self.width = width
        self.centromere = centromere
    }

    enum CodingKeys: String, CodingKey {
        case label, homolog, box, imageKind = "image_kind", polarity, confidence, length, layout,
            slotNaming = "slot_naming", rotationDegrees = "rotation_degrees", flipped, straightened, width, centromere
    }
}

/// What made a 90x90 model input (step `normalize-t922`).
public struct CompositeDerivation: Sendable, Codable, Equatable {
    public var mode: CompositionMode
    /// Side of the square image, in pixels.
    public var size: Int
    /// Output pixels per source pixel (horizontal and vertical; equal in `sharedScale` mode).
    public var scaleX: Double
    public var scaleY: Double
    /// Source lengths (pixels) in slot order 9, 9, 22, 22; nil where the slot is empty.
    public var lengths: [Double?]
    /// Slots (0...3, in the order 9, 9, 22, 22) with no chromosome.
    public var missingSlots: [Int]
    /// Contrast normalization: source value `contrastLow` maps to black and `contrastHigh` (the
    /// lightest chromosome level) to just darker than the background.
    public var contrastLow: Int
    public var contrastHigh: Int
    /// The class of each slot, left to right: "9", "9", "22", "22".
    public var slots: [String]

    public init(mode: CompositionMode, size: Int, scaleX: Double, scaleY: Double, lengths: [Double?], missingSlots: [Int],
                contrastLow: Int, contrastHigh: Int, slots: [String]) {
        self.mode = mode
        self.size = size
        self.scaleX = scaleX
        self.scaleY = scaleY
        self.lengths = lengths
        self.missingSlots = missingSlots
        self.contrastLow = contrastLow
        self.contrastHigh = contrastHigh
        self.slots = slots
    }

    enum CodingKeys: String, CodingKey {
        case mode, size, scaleX = "scale_x", scaleY = "scale_y", lengths, missingSlots = "missing_slots",
            contrastLow = "contrast_low", contrastHigh = "contrast_high", slots
    }

}

// The words in which extraction describes an image; shared by extraction, the store, the
// application and the web app.

/// What an image shows: as the lab's manifest or file name said, or as extraction found it.
public enum ImageKind: String, Sendable, Codable, CaseIterable {
    /// Chromosomes arranged in numbered slots.
    case karyogram
    /// A raw metaphase spread: chromosomes scattered over the field.
    case metaphase
    /// Neither: a photo, a blank or nearly blank page, a single chromosome, text...
    case neither
    /// Not known: nothing said and nothing found yet.
    case unknown
}

/// How the stain shows chromosomes.
public enum StainPolarity: String, Sendable, Codable {
    /// G-band and similar: dark chromosomes on a light background.
    case darkOnLight = "dark-on-light"
    /// Q-band / DAPI: bright chromosomes on a dark background (inverted before analysis).
    case brightOnDark = "bright-on-dark"
}

/// How the karyogram's slots were found.
public enum LayoutStyle: String, Sendable, Codable {
    /// A grid of framed boxes, one per class (BioImLab).
    case boxGrid = "box-grid"
    /// A short line under each pair with the class number printed below (CytoVision-style).
    case underlines
    /// No printed guides: pairs found as groups of objects in the four standard rows (NHGRI).
    case rowGroups = "row-groups"
}

/// How a karyogram's slots got their class names.
public enum SlotNaming: String, Sendable, Codable {
    /// By their place in the standard rows 1-5 / 6-12 / 13-18 / 19-22, X, Y.
    case positions
    /// By the class numbers printed under them (read by OCR).
    case printedNumbers = "printed-numbers"
}

/// How the 90x90 model input is made from a cell's 9s and 22s.
public enum CompositionMode: String, Sendable, Codable, CaseIterable {
    /// All four chromosomes at ONE scale for the whole cell, so a short der(22) (Ph) stays short
    /// next to its normal homolog and a long der(9) stays long: the size difference is the signal.
    case sharedScale = "shared-scale"
    /// The paper's preprocessing: the composite at its natural size, then resized to fill 90x90
    /// (aspect ratio not kept; relative sizes within the cell kept, absolute size lost).
    case paperResize = "paper-resize"
}

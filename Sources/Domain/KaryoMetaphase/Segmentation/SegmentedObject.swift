import Foundation
import KaryoCore

/// A binary mask relative to a `PixelBox` (row-major, `box.width × box.height`).
public struct ObjectMask: Hashable, Sendable {
    public let width: Int, height: Int
    public var bits: [Bool]
    public init(width: Int, height: Int, bits: [Bool]) { self.width = width; self.height = height; self.bits = bits }
    public subscript(x: Int, y: Int) -> Bool { bits[y * width + x] }
    /// Number of pixels set.
    public var count: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }
}

/// One accepted object of a metaphase segmentation.
public struct SegmentedObject: Hashable, Sendable {
    /// 0-based, in segmentation order.
    public var id: Int
    public var box: PixelBox
    /// Pixels of the object inside `box`.
    public var mask: ObjectMask
    /// Pixel count of the mask.
    public var area: Int
    /// Extent along the principal (long) axis, in pixels.
    public var length: Double
    /// Extent across the long axis, in pixels.
    public var width: Double
    /// Angle of the long axis from the image's vertical, in degrees.
    public var angleDegrees: Double
    /// Probably two or more chromosomes crossing or lying on each other; kept whole, not split.
    public var isOverlap: Bool
    /// Cut out of a cluster of touching chromosomes.
    public var wasSplit: Bool
}

/// Why a connected component was not accepted as a chromosome.
public enum RejectionReason: String, Sendable, Codable {
    /// A large, compact, round object (an interphase nucleus).
    case nucleus
    /// Too small or too faint to be a chromosome.
    case debris
    /// Far larger than a chromosome cluster could be (stain blot, image border, text block).
    case tooLarge
}

/// A connected component that was rejected.
public struct RejectedObject: Hashable, Sendable {
    public var box: PixelBox
    public var area: Int
    public var reason: RejectionReason
}

/// Which way round the image's contrast is.
public enum Polarity: String, Sendable, Codable {
    /// Dark chromosomes on a light background (G-band, brightfield).
    case darkOnLight
    /// Bright chromosomes on a dark background (Q-band, DAPI); inverted before segmentation.
    case brightOnDark
}

/// The result of `MetaphaseSegmenter.segment`.
public struct MetaphaseSegmentation: Sendable {
    public var polarity: Polarity
    /// The image as segmented: dark-on-light (inverted when `polarity` is `.brightOnDark`).
    public var normalized: GrayImage
    /// Estimated local background (same size as the image).
    public var background: GrayImage
    public var objects: [SegmentedObject]
    public var rejected: [RejectedObject]
    /// Threshold on background minus pixel (darkness above the local background).
    public var threshold: Int
    /// Median area of the accepted single objects, in pixels (0 when none).
    public var medianArea: Int
}

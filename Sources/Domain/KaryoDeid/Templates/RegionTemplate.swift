/// Fixed regions of a lab's images to blank, whatever OCR finds (as RSNA CTP's pixel
/// anonymizer does with its "signatures"): e.g. the label bar a capture station burns into
/// every image.
///
/// In the config file:
/// ```json
/// { "lab": "lab-a", "width": 1600, "height": 1200,
///   "regions": [ { "x": 0, "y": 0, "width": 1600, "height": 90 } ] }
/// ```
/// `width` and `height` are optional: a template without them applies to every image of the lab.
public struct RegionTemplate: Sendable, Codable, Equatable {
    /// The lab the template belongs to (compared case-insensitively with the `lab` argument).
    public var lab: String
    /// Only images of exactly this size match (nil: any width / any height).
    public var width: Int?
    public var height: Int?
    /// The rectangles to blank, in image pixels; parts outside the image are ignored.
    public var regions: [PixelBox]

    public init(lab: String, width: Int? = nil, height: Int? = nil, regions: [PixelBox]) {
        self.lab = lab
        self.width = width
        self.height = height
        self.regions = regions
    }

    /// Whether the template applies to an image of this lab and size.
    public func matches(lab other: String, width w: Int, height h: Int) -> Bool {
        lab.caseInsensitiveCompare(other) == .orderedSame && (width ?? w) == w && (height ?? h) == h
    }
}

import Foundation
import KaryoCore

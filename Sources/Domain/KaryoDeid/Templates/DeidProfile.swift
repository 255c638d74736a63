import Foundation

/// How images are de-identified. Loaded from a JSON config file; every key is optional and
/// unknown keys are an error (a misspelt option must not silently fall back to a default).
///
/// ```json
/// { "ocr": true, "orientations": [0, 90, 270], "maskAllText": false,
///   "maskConfidence": 80, "uncertainConfidence": 40, "quarantineOnUncertainOCR": true,
///   "templates": [ { "lab": "lab-a", "width": 1600, "height": 1200,
///                    "regions": [ { "x": 0, "y": 0, "width": 1600, "height": 90 } ] } ] }
/// ```
public struct DeidProfile: Sendable, Codable, Equatable {
    /// Version of the rules; recorded in every provenance record. Bump when a rule changes.
    public static let version = "karyo-deid-1"

    /// Search for burned-in text with OCR and mask it (DICOM Clean Pixel Data option).
    public var ocr = true
    /// Orientations OCR reads in: 0 (horizontal), 90 and 270 (vertical text).
    public var orientations: [TextOrientation] = [.upright, .rotated90, .rotated270]
    /// Mask every confidently recognised word except chromosome numbers and ISCN strings.
    /// Off by default: on karyograms OCR reads some chromosomes as confident short words, and
    /// masking them changed chromosome pixels. When false, only words that look like identifiers
    /// (see ``WordKind``; capitalised words count as possible names) are masked.
    public var maskAllText = false
    /// Words recognised with at least this confidence (0-100) are trusted: a line of such words
    /// is kept when it holds only chromosome numbers or ISCN, and masked when a capitalised word
    /// or identifier label is among them (see ``WordKind``).
    public var maskConfidence: Float = 80
    /// Known identifiers, long numbers and dates read with at least this confidence mask their
    /// line; so do capitalised words and labels in lines of 3 or more glyphs. A line that looks
    /// like text (4 or more glyphs) and is neither masked nor read with `maskConfidence` makes
    /// the OCR "unsure".
    public var uncertainConfidence: Float = 40
    /// Quarantine an image when OCR is unsure about an identifier-like word, for a person to
    /// decide, instead of writing it.
    public var quarantineOnUncertainOCR = true
    /// Pixels added around every masked text line (plus a sixth of the text height).
    public var maskPadding = 3
    /// Run the verifier's own OCR pass on every output (doubles the OCR time).
    public var verifyWithOCR = false
    /// Fixed regions to blank per lab and image size.
    public var templates: [RegionTemplate] = []
    /// Folder holding eng.traineddata (default: $TESSDATA_PREFIX, then the Debian locations).
    public var tessdataDirectory: String?

    public init() {}

    /// The profile in `configFile`, or the defaults when it is nil.
    /// - Throws: ``DeidConfigError`` for unreadable files, bad JSON, unknown keys or bad values.
    public static func load(configFile: URL?) throws -> DeidProfile {
        guard let configFile else { return DeidProfile() }
        let data: Data
        do { data = try Data(contentsOf: configFile) } catch {
            throw DeidConfigError(description: "cannot read the de-identification config file")
        }
        return try decode(data)
    }

    /// The profile in a JSON document.
    public static func decode(_ data: Data) throws -> DeidProfile {
        let profile: DeidProfile
        do { profile = try JSONDecoder().decode(DeidProfile.self, from: data) } catch let error as DeidConfigError {
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            throw DeidConfigError(description: "config file is not valid JSON (\(context.debugDescription))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                let DecodingError.keyNotFound(_, context) {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            throw DeidConfigError(description: "config file: bad value at \(path): \(context.debugDescription)")
        } catch {
            throw DeidConfigError(description: "config file: \(error)")
        }
        try profile.validate()
        return profile
    }

    func validate() throws {
        func fail(_ m: String) -> DeidConfigError { DeidConfigError(description: "config file: \(m)") }
        guard (0...100).contains(maskConfidence), (0...100).contains(uncertainConfidence), uncertainConfidence <= maskConfidence else {
            throw fail("need 0 <= uncertainConfidence <= maskConfidence <= 100")
        }
        guard (0...50).contains(maskPadding) else { throw fail("maskPadding must be 0...50") }
        if ocr && orientations.isEmpty { throw fail("orientations must not be empty when ocr is on") }
        for (i, t) in templates.enumerated() {
            if t.lab.isEmpty { throw fail("templates.\(i): lab must not be empty") }
            if (t.width ?? 1) <= 0 || (t.height ?? 1) <= 0 { throw fail("templates.\(i): width and height must be positive") }
            if t.regions.isEmpty { throw fail("templates.\(i): regions must not be empty") }
            for r in t.regions where r.width <= 0 || r.height <= 0 {
                throw fail("templates.\(i): every region needs a positive width and height")
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case ocr, orientations, maskAllText, maskConfidence, uncertainConfidence, quarantineOnUncertainOCR,
             maskPadding, verifyWithOCR, templates, tessdataDirectory
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let all = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = all.allKeys.map(\.stringValue).filter({ !known.contains($0) }).sorted().first {
            throw DeidConfigError(description: "config file: unknown key \"\(unknown)\"")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DeidProfile()
        ocr = try c.decodeIfPresent(Bool.self, forKey: .ocr) ?? d.ocr
        orientations = try c.decodeIfPresent([TextOrientation].self, forKey: .orientations) ?? d.orientations
        maskAllText = try c.decodeIfPresent(Bool.self, forKey: .maskAllText) ?? d.maskAllText
        maskConfidence = try c.decodeIfPresent(Float.self, forKey: .maskConfidence) ?? d.maskConfidence
        uncertainConfidence = try c.decodeIfPresent(Float.self, forKey: .uncertainConfidence) ?? d.uncertainConfidence
        quarantineOnUncertainOCR = try c.decodeIfPresent(Bool.self, forKey: .quarantineOnUncertainOCR) ?? d.quarantineOnUncertainOCR
        maskPadding = try c.decodeIfPresent(Int.self, forKey: .maskPadding) ?? d.maskPadding
        verifyWithOCR = try c.decodeIfPresent(Bool.self, forKey: .verifyWithOCR) ?? d.verifyWithOCR
        templates = try c.decodeIfPresent([RegionTemplate].self, forKey: .templates) ?? d.templates
        tessdataDirectory = try c.decodeIfPresent(String.self, forKey: .tessdataDirectory)
    }

    /// The templates that apply to an image of this lab and size.
    public func templates(forLab lab: String, width: Int, height: Int) -> [RegionTemplate] {
        templates.filter { $0.matches(lab: lab, width: width, height: height) }
    }
}

/// A problem with the de-identification config. The message names keys and values, never images.
public struct DeidConfigError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

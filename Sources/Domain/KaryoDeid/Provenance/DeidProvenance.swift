/// What was done to one image, with no identity in it: no names, no file names, no OCR text.
public struct DeidProvenance: Sendable, Codable, Equatable {
    /// ``DeidProfile/version`` of the rules applied.
    public let profileVersion: String
    /// DICOM De-identification Method codes (PS3.16 CID 7050, scheme DCM) that describe the
    /// result; see ``DeidMethodCode``.
    public let methodCodes: [String]
    /// The steps applied, as stable keywords (see ``DeidOption``).
    public let optionsApplied: [String]
    /// Rectangles blanked (OCR words and template regions), as a count only.
    public let maskedRegions: Int
    /// Words OCR recognised, kept chromosome numbers included.
    public let ocrWordsSeen: Int
    /// The verifier's result on the written PNG (not run for quarantined images).
    public let verifier: VerifierResult

    public init(profileVersion: String = DeidProfile.version, methodCodes: [String], optionsApplied: [String],
                maskedRegions: Int, ocrWordsSeen: Int, verifier: VerifierResult) {
        self.profileVersion = profileVersion
        self.methodCodes = methodCodes
        self.optionsApplied = optionsApplied
        self.maskedRegions = maskedRegions
        self.ocrWordsSeen = ocrWordsSeen
        self.verifier = verifier
    }
}

/// The DICOM CID 7050 "De-identification Method" codes Karyo records.
///
/// - `113100` Basic Application Confidentiality Profile: always. Nothing of the source file but
///   its pixels is kept (no tags, chunks, segments, names or dates), which is stricter than the
///   profile's per-attribute actions.
/// - `113101` Clean Pixel Data Option: when burned-in text was searched for and masked (OCR) or
///   fixed regions were blanked (templates).
///
/// Not recorded, because Karyo does not do what they mean: 113102 Clean Recognizable Visual
/// Features, 113103 Clean Graphics (no overlay/graphic layer survives to clean, it is dropped),
/// 113104 Clean Structured Content, 113105 Clean Descriptors (descriptors are removed, not
/// cleaned and kept), 113106/113107 Retain Longitudinal Temporal Information (all dates are
/// dropped), 113108 Retain Patient Characteristics, 113109 Retain Device Identity, 113110 Retain
/// UIDs, 113111 Retain Safe Private, 113112 Retain Institution Identity.
public enum DeidMethodCode {
    public static let basicProfile = "113100"
    public static let cleanPixelData = "113101"

    /// The code meanings, for reports.
    public static let meanings: [String: String] = [
        basicProfile: "Basic Application Confidentiality Profile",
        cleanPixelData: "Clean Pixel Data Option",
    ]
}

/// The keywords of ``DeidProvenance/optionsApplied``.
public enum DeidOption {
    /// Decoded to one 8-bit gray buffer and written as a new PNG with IHDR, IDAT, IEND only.
    public static let freshPixelsOnly = "fresh-png-structural-chunks-only"
    /// All metadata of the source dropped: text, EXIF/GPS/XMP/IPTC/ICC, TIFF tags, thumbnails, trailers.
    public static let metadataDropped = "source-metadata-dropped"
    /// All dates of the source dropped (none retained, not even shifted).
    public static let datesDropped = "dates-dropped"
    /// The original file and folder names are not kept.
    public static let namesDropped = "file-names-dropped"
    /// OCR in the given orientation masked burned-in text ("ocr-mask-0", "ocr-mask-90", "ocr-mask-270").
    public static func ocrMask(_ o: TextOrientation) -> String { "ocr-mask-\(o.rawValue)" }
    /// Every confident word except chromosome numbers and ISCN masked (profile maskAllText).
    public static let maskAllText = "mask-all-text-except-karyogram-labels"
    /// Per-lab template regions blanked.
    public static let templateRegions = "template-regions-blanked"
    /// The verifier ran on the output.
    public static let verified = "verified"
    /// The verifier's own OCR pass ran on the output.
    public static let verifiedOCR = "verified-ocr"
}

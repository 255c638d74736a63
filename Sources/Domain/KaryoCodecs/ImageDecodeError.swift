/// Why a file could not be decoded. Always names the file and the problem.
public struct ImageDecodeError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The file has 0 bytes.
        case empty
        /// The content is not PNG, JPEG, TIFF or BMP (and not a format we recognise).
        case unknownFormat
        /// The data ends before the image does.
        case truncated
        /// The data is damaged or inconsistent.
        case corrupt
        /// The header claims more pixels than ``DecodeOptions/maxPixels``, or memory ran out.
        case tooLarge
        /// A valid file using a feature or format that is not supported (RLE BMP, GIF, float TIFF...).
        case unsupported
        /// The file could not be read at all (missing, a directory, no permission).
        case unreadable

        /// Short phrase used in ``ImageDecodeError/description``.
        public var phrase: String {
            switch self {
            case .empty: "empty file"
            case .unknownFormat: "unknown image format"
            case .truncated: "truncated image"
            case .corrupt: "corrupt image"
            case .tooLarge: "image too large"
            case .unsupported: "unsupported image"
            case .unreadable: "unreadable file"
            }
        }
    }

    public let kind: Kind
    /// The name given by the caller (a path), or "<memory>".
    public let file: String
    /// Human-readable cause, e.g. "image is 100000x100000 = 10000000000 pixels, limit 200000000".
    public let detail: String

    public init(kind: Kind, file: String, detail: String) {
        self.kind = kind
        self.file = file
        self.detail = detail
    }

    /// "\(file): \(kind phrase): \(detail)".
    public var description: String { "\(file): \(kind.phrase): \(detail)" }
}

/// Why ``ImageCodec/encodePNG(_:)`` failed.
public struct ImageEncodeError: Error, Sendable, CustomStringConvertible, Equatable {
    public let detail: String
    public init(detail: String) { self.detail = detail }
    public var description: String { "PNG encoding failed: \(detail)" }
}

import Foundation

/// Encodes values as the stable, sorted, pretty JSON that `--json` prints and exports write.
public enum JSONOutput {
    /// A JSON encoder with sorted keys, ISO-8601 dates and no escaped slashes, so output is byte-stable.
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// The JSON text of `value`, ending with a newline.
    public static func string<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
        let data = try encoder(pretty: pretty).encode(value)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

import Crypto
import Foundation

/// Keyed lookup keys for lab identifiers and random pseudonymous tokens.
///
/// Lab identifiers (which may be real patient ids) are never stored: only
/// HMAC-SHA256(secret.key, "karyo-identity-v1" | kind | lab | identifiers...) in hex, so that a
/// re-import of the same lab patient/case/cell finds the existing token. Without the per-project
/// secret the keys cannot be tested against guessed identifiers.
struct IdentityKeys: Sendable {
    /// The raw secret (SymmetricKey is not Sendable, so a key is made per use).
    private let secret: Data

    init(secret: Data) {
        self.secret = secret
    }

    /// Each part is length-prefixed (absent parts get their own marker), so no two different
    /// inputs encode the same way.
    func lookupKey(kind: String, lab: String, parts: [String?]) -> String {
        var input = Data("karyo-identity-v1".utf8)
        func append(_ part: String?) {
            guard let part else {
                input.append(0)
                return
            }
            let bytes = Array(part.utf8)
            input.append(1)
            let count = UInt32(bytes.count)
            input.append(contentsOf: [UInt8(count >> 24), UInt8((count >> 16) & 0xFF), UInt8((count >> 8) & 0xFF), UInt8(count & 0xFF)])
            input.append(contentsOf: bytes)
        }
        append(kind)
        append(lab)
        for part in parts { append(part) }
        return Array(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: secret))).hexString
    }
}

enum Tokens {
    /// Lowercase RFC 4648 base32 alphabet.
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    /// 12 base32 characters: 60 random bits.
    static let randomLength = 12

    static func random(prefix: String) -> String {
        // One 64-bit draw from the system CSPRNG gives the 60 bits (12 x 5) we need.
        var generator = SystemRandomNumberGenerator()
        var bits = generator.next()
        var chars = [UInt8]()
        chars.reserveCapacity(randomLength)
        for _ in 0..<randomLength {
            chars.append(alphabet[Int(bits & 31)])
            bits >>= 5
        }
        return prefix + String(decoding: chars, as: UTF8.self)
    }
}

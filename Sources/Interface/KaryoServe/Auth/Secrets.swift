import Crypto
import Dispatch
import Foundation
import HummingbirdBcrypt

/// Random tokens, hashes and constant-time comparison for sessions and CSRF.
enum Secrets {
    /// 32 random bytes from the system CSPRNG as 64 lowercase hex characters.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        var out = ""
        out.reserveCapacity(64)
        for _ in 0..<4 {
            let word = generator.next()
            out += String(format: "%016llx", word)
        }
        return out
    }

    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares without an early exit, so timing does not reveal how much of a token matched.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// Whether `text` looks like one of our tokens (64 lowercase hex characters).
    static func isToken(_ text: String) -> Bool { isHash(text) }

    /// Whether `text` is 64 lowercase hex characters (a token or a SHA-256 blob hash).
    static func isHash(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// Password hashing with bcrypt (slow on purpose), off the server's threads.
public enum Passwords {
    /// The bcrypt cost for new hashes (2^12 rounds; about a quarter of a second here).
    public static let defaultCost: UInt8 = 12
    /// Shortest accepted password.
    public static let minimumLength = 10

    /// Checks a new password against the policy.
    /// - Throws: `ServeError` (400) naming what is wrong.
    public static func validateNew(_ password: String) throws {
        guard password.count >= minimumLength else {
            throw ServeError(.badRequest, "the password must have at least \(minimumLength) characters")
        }
        guard password.utf8.count <= 72 else {
            throw ServeError(.badRequest, "the password must have at most 72 bytes (bcrypt ignores the rest)")
        }
    }

    /// A bcrypt hash of `password` (computed on a background queue).
    public static func hash(_ password: String, cost: UInt8 = defaultCost) async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Bcrypt.hash(password, cost: cost)) }
        }
    }

    /// Whether `password` matches `hash` (computed on a background queue).
    public static func verify(_ password: String, hash: String) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Bcrypt.verify(password, hash: hash)) }
        }
    }

}

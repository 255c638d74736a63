import Crypto
import Foundation
import KaryoCore

/// How samples are assigned to splits: by a keyed hash of the patient's pseudonymous token.
///
/// Every sample of one patient lands in the same split (a patient never appears in two splits), and
/// the assignment of a patient never changes when other patients are added: it depends only on the
/// patient token, the seed and the fractions. The key is derived from the seed, so another seed
/// gives another, equally stable, partition.
///
/// The hash maps each patient to a number `u` in [0, 1): `u < testFraction` goes to test,
/// `u < testFraction + validationFraction` to validation, the rest to train. Because `u` does not
/// depend on the label, every class is split in the same proportions in expectation (stratified in
/// expectation); the exporter reports the per-class counts each split actually received, and warns
/// when a class is missing from a split. Exact per-class quotas would need ranking patients against
/// each other, and then adding one patient could move another: stability wins here.
public struct SplitPolicy: Sendable, Codable, Equatable {
    /// Fraction of patients in the validation split, in [0, 1).
    public var validationFraction: Double
    /// Fraction of patients in the test split, in [0, 1); 0 means no test split.
    public var testFraction: Double
    /// The seed from which the hash key is derived.
    public var seed: UInt64

    /// Creates a policy; fractions are validated by ``validate()``.
    public init(validationFraction: Double = 0.2, testFraction: Double = 0, seed: UInt64) {
        self.validationFraction = validationFraction
        self.testFraction = testFraction
        self.seed = seed
    }

    /// Throws when the fractions are out of range or leave no training data.
    public func validate() throws(SplitPolicyError) {
        guard validationFraction.isFinite, testFraction.isFinite,
            validationFraction >= 0, testFraction >= 0, validationFraction + testFraction < 1
        else {
            throw SplitPolicyError(
                message: "split fractions must be >= 0 and leave room for training data "
                    + "(validation \(validationFraction), test \(testFraction))")
        }
    }

    /// The split of every sample of the patient (or other group) with this token.
    public func assign(groupToken: String) -> Split {
        let u = unitHash(groupToken)
        if u < testFraction { return .test }
        if u < testFraction + validationFraction { return .validation }
        return .train
    }

    /// A number in [0, 1) from the keyed hash of `token` (HMAC-SHA256 keyed by the seed).
    public func unitHash(_ token: String) -> Double {
        Self.unitHash(token, key: splitKey)
    }

    var splitKey: SymmetricKey {
        SymmetricKey(data: Data("karyo-split-v1:\(seed)".utf8))
    }

    static func unitHash(_ token: String, key: SymmetricKey) -> Double {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: key)
        var value: UInt64 = 0
        for byte in mac.prefix(8) { value = value << 8 | UInt64(byte) }
        // 53 bits give an exactly representable double in [0, 1).
        return Double(value >> 11) / Double(UInt64(1) << 53)
    }
}

/// A split policy that cannot be used.
public struct SplitPolicyError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

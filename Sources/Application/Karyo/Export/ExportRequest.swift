import Foundation
import KaryoStore

/// What `karyo export` is asked to write.
public struct ExportRequest: Sendable, Codable, Equatable {
    /// The version to export (id, prefix, tag, HEAD).
    public var version: String
    /// Seed for balancing (and for re-splitting when `resplit` is set).
    public var seed: UInt64
    /// How the training split is balanced.
    public var balance: BalanceStrategy
    /// When set, patients are assigned to splits again with these fractions and `seed`, instead
    /// of using the split recorded in the version.
    public var resplit: Resplit?

    /// Fractions for re-splitting at export time.
    public struct Resplit: Sendable, Codable, Equatable {
        public var validationFraction: Double
        public var testFraction: Double

        public init(validationFraction: Double, testFraction: Double) {
            self.validationFraction = validationFraction
            self.testFraction = testFraction
        }
    }

    public init(version: String, seed: UInt64 = 0, balance: BalanceStrategy = .none, resplit: Resplit? = nil) {
        self.version = version
        self.seed = seed
        self.balance = balance
        self.resplit = resplit
    }
}

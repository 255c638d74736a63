import Crypto
import Foundation
import KaryoCore

/// An unsigned 256-bit integer, enough for the order-independent sum of member digests.
struct UInt256: Equatable, Sendable {
    /// Little-endian 64-bit limbs: `limbs[0]` is the least significant.
    var limbs: [UInt64]

    static let zero = UInt256(limbs: [0, 0, 0, 0])

    init(limbs: [UInt64]) {
        precondition(limbs.count == 4)
        self.limbs = limbs
    }

    /// Reads 32 bytes as a little-endian number.
    init?(littleEndianBytes bytes: some Sequence<UInt8>) {
        let array = Array(bytes)
        guard array.count == 32 else { return nil }
        var limbs = [UInt64](repeating: 0, count: 4)
        for limb in 0..<4 {
            var value: UInt64 = 0
            for byte in (0..<8).reversed() {
                value = value << 8 | UInt64(array[limb * 8 + byte])
            }
            limbs[limb] = value
        }
        self.limbs = limbs
    }

    var littleEndianBytes: [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for limb in limbs {
            for shift in stride(from: 0, to: 64, by: 8) {
                bytes.append(UInt8(truncatingIfNeeded: limb >> UInt64(shift)))
            }
        }
        return bytes
    }

    /// Addition modulo 2^256.
    static func &+ (lhs: UInt256, rhs: UInt256) -> UInt256 {
        var result = [UInt64](repeating: 0, count: 4)
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (partial, overflow1) = lhs.limbs[i].addingReportingOverflow(rhs.limbs[i])
            let (sum, overflow2) = partial.addingReportingOverflow(carry)
            result[i] = sum
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        return UInt256(limbs: result)
    }

    /// Subtraction modulo 2^256.
    static func &- (lhs: UInt256, rhs: UInt256) -> UInt256 {
        var result = [UInt64](repeating: 0, count: 4)
        var borrow: UInt64 = 0
        for i in 0..<4 {
            let (partial, overflow1) = lhs.limbs[i].subtractingReportingOverflow(rhs.limbs[i])
            let (difference, overflow2) = partial.subtractingReportingOverflow(borrow)
            result[i] = difference
            borrow = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        return UInt256(limbs: result)
    }
}

/// The content-derived version id scheme.
///
/// member digest d = SHA-256("karyo-member-v1\0" + sampleToken + "\0" + label + "\0" + split),
/// read as a little-endian 256-bit number; content_sum = the sum of all member digests modulo
/// 2^256 (so it can be updated incrementally: subtract a member's old digest, add its new one);
/// id = "v-" + the first 20 lowercase hex chars of SHA-256("karyo-version-v1\0" + the 32
/// little-endian bytes of content_sum).
///
/// Accidental collisions are negligible (80-bit ids; 256-bit sums). The sum is not meant to resist
/// a deliberate attacker (sums of hashes admit generalized-birthday attacks); `verify` recomputes
/// every version's sum from its stored members.
enum VersionDigest {
    static let idHexLength = 20

    static func memberDigest(sampleToken: String, label: SampleLabel, split: Split) -> UInt256 {
        var input = Data("karyo-member-v1\u{0}".utf8)
        input.append(contentsOf: Array(sampleToken.utf8))
        input.append(0)
        input.append(contentsOf: Array(label.rawValue.utf8))
        input.append(0)
        input.append(contentsOf: Array(split.rawValue.utf8))
        return UInt256(littleEndianBytes: SHA256.hash(data: input))!
    }

    static func versionID(contentSum: UInt256) -> String {
        var input = Data("karyo-version-v1\u{0}".utf8)
        input.append(contentsOf: contentSum.littleEndianBytes)
        let hex = SHA256.hash(data: input).hexString
        return "v-" + hex.prefix(idHexLength)
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

enum Hashing {
    static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).hexString
    }

    static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}

extension DatasetStore {
    /// The version id that a set of members has, computed from scratch (the same scheme a commit
    /// computes incrementally). Lets an exported manifest be checked against its version id.
    public static func versionID(members: some Sequence<VersionMember>) -> String {
        var sum = UInt256.zero
        for member in members {
            sum = sum &+ VersionDigest.memberDigest(sampleToken: member.sampleToken, label: member.label, split: member.split)
        }
        return VersionDigest.versionID(contentSum: sum)
    }

    /// The embedded migrations (tests compare them with schema/*.sql).
    @_spi(Testing) public static var _embeddedMigrations: [(name: String, sql: String)] { embeddedMigrations }
}

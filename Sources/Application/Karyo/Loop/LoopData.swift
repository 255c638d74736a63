import Foundation
import KaryoCodecs
import KaryoCore
import KaryoLoop
import KaryoStore

/// A dataset version as the loop sees it: the members that have a model input, and a count of
/// every member left out with the reason (never dropped silently).
public struct LoopDataset: Sendable {
    public var version: VersionInfo
    /// Members with a positive or negative label and a 90x90 `normalize-t922` image.
    public var samples: [LoopSample]
    /// Members left out, by reason.
    public var skipped: [String: Int]

    public var train: [LoopSample] { samples.filter { $0.split == .train } }
    public var validation: [LoopSample] { samples.filter { $0.split == .validation } }
    public var skippedTotal: Int { skipped.values.reduce(0, +) }
}

/// Reads a version's members and their model inputs from the store.
public enum LoopData {
    /// The derivation step whose image the t(9;22) model sees (made by `karyo extract` / import).
    public static let inputStep = DerivedStep.normalizeT922
    public static let noImage = "without a \(inputStep.rawValue) image"
    public static let unsureLabel = "labelled unsure"
    public static let wrongSize = "with a \(inputStep.rawValue) image that is not 90x90"
    public static let unreadable = "with an unreadable \(inputStep.rawValue) image"

    /// Loads the members of `version` (a reference: id, prefix, tag, HEAD).
    /// - Throws: `StoreError` for an unknown version or a damaged blob.
    public static func load(store: DatasetStore, version ref: String, inputSize: Int = 90) throws -> LoopDataset {
        let version = try store.resolveVersion(ref)
        let members = try store.members(of: version.id)
        let hashes = try store.derivedImageHashes(step: inputStep, samples: members.map(\.sampleToken))
        var samples: [LoopSample] = []
        var skipped: [String: Int] = [:]
        for m in members {
            guard m.label != .unsure else {
                skipped[unsureLabel, default: 0] += 1
                continue
            }
            guard let hash = hashes[m.sampleToken] else {
                skipped[noImage, default: 0] += 1
                continue
            }
            let image: GrayImage
            do {
                image = try ImageCodec.decode(store.readBlob(hash)).image
            } catch let error as StoreError {
                throw error
            } catch {
                skipped[unreadable, default: 0] += 1
                continue
            }
            guard image.width == inputSize, image.height == inputSize else {
                skipped[wrongSize, default: 0] += 1
                continue
            }
            samples.append(
                LoopSample(
                    id: m.sampleToken, patient: m.patientToken, caseID: m.caseToken, image: image,
                    positive: m.label == .positive, split: LoopSplit(rawValue: m.split.rawValue) ?? .train))
        }
        return LoopDataset(version: version, samples: samples, skipped: skipped)
    }
}

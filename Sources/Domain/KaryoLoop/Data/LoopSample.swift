import KaryoCore

/// The split a sample belongs to, as the loop sees it.
public enum LoopSplit: String, Sendable, Codable, CaseIterable {
    case train
    case validation
    case test
}

/// One labelled model input: a 90x90 8-bit image of one cell's chromosomes 9 and 22.
public struct LoopSample: Sendable {
    /// The sample's id (a store token or a file name); unique in a data set.
    public var id: String
    /// The patient's pseudonym: folds and bootstrap resample whole patients.
    public var patient: String
    /// The case (one patient's sample set): case metrics aggregate its cells.
    public var caseID: String
    public var image: GrayImage
    /// The given label: true = t(9;22)-positive.
    public var positive: Bool
    public var split: LoopSplit

    public init(id: String, patient: String, caseID: String, image: GrayImage, positive: Bool, split: LoopSplit) {
        self.id = id
        self.patient = patient
        self.caseID = caseID
        self.image = image
        self.positive = positive
        self.split = split
    }
}

/// An error of the loop with a message for the user.
public struct LoopError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

import KaryoStore

/// A sample with its label history, as `karyo history --json` prints it.
public struct SampleHistory: Sendable, Codable {
    public var sample: SampleInfo
    public var events: [LabelEvent]

    public init(sample: SampleInfo, events: [LabelEvent]) {
        self.sample = sample
        self.events = events
    }
}

/// A version with its members, as `karyo show --json` prints it.
public struct VersionDetail: Sendable, Codable {
    public var version: VersionInfo
    public var members: [VersionMember]

    public init(version: VersionInfo, members: [VersionMember]) {
        self.version = version
        self.members = members
    }
}

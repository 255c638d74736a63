/// A `karyo label` request that cannot be carried out.
public struct LabelCommandError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

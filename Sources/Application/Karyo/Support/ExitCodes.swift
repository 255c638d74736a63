import KaryoCodecs
import KaryoISCN
import KaryoStore

/// The exit status of `karyo` for each kind of failure, decided in this one place.
///
/// - 0: success.
/// - 1: the command failed (nothing to commit, a conflict, an unexpected error).
/// - 2: partial success: some files of a batch were not imported, or `verify` found damage.
/// - 64: bad usage (unknown option, bad argument), as argument-parser reports it.
/// - 65: bad input data (a manifest, an ISCN string, an image).
/// - 66: no such project, version, tag, sample or export.
/// - 73: cannot create the output (an export folder that is not empty, a project that exists).
/// - 74: an I/O error, or a store that is damaged or of a newer schema.
public enum ExitCodes {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let partial: Int32 = 2
    public static let dataError: Int32 = 65
    public static let notFound: Int32 = 66
    public static let cannotCreate: Int32 = 73
    public static let ioError: Int32 = 74

    /// The exit status for `error`.
    public static func code(for error: Error) -> Int32 {
        switch error {
        case let error as StoreError:
            switch error.code {
            case .notAProject, .notFound, .ambiguous: return notFound
            case .alreadyExists: return cannotCreate
            case .invalidInput: return dataError
            case .newerSchema, .corrupt, .io: return ioError
            case .nothingToCommit, .conflict: return failure
            }
        case is ImageDecodeError, is ISCNParseError, is ImportError, is SplitPolicyError: return dataError
        case let error as ExportError:
            switch error {
            case .notEmpty: return cannotCreate
            case .unknownExport: return notFound
            case .notReproduced: return failure
            }
        case is LabelCommandError: return dataError
        default: return failure
        }
    }
}

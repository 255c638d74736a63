/// The version of Karyo's code, recorded in the provenance of everything it derives.
public enum KaryoVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}

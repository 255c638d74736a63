import ArgumentParser
import Foundation
import Karyo

struct Commit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Snapshot the current samples, labels and splits as a new immutable version.",
        discussion: """
            A version's id is a hash of its member samples, their labels and their split, so the same \
            content always has the same id. Only what changed since the last version is written.
            """)

    @OptionGroup var options: ProjectOptions

    @Option(name: .shortAndLong, help: "What this version is.")
    var message: String

    @Option(help: "Who commits (default: $KARYO_AUTHOR or $USER).")
    var author: String?

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let version = try store.commit(message: message, author: author ?? Project.defaultAuthor)
            if options.json { try printJSON(version) } else { print(TextReport.committed(version), terminator: "") }
        }
    }
}

struct Log: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List dataset versions, newest first.")

    @OptionGroup var options: ProjectOptions

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let versions = try store.log()
            let tags = try store.tags()
            if options.json { try printJSON(versions) } else { print(TextReport.log(versions, tags: tags), terminator: "") }
        }
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one version: its metadata, counts and (with --members) its samples.")

    @OptionGroup var options: ProjectOptions

    @Argument(help: "A version id, unique prefix, tag, HEAD or HEAD~N.")
    var version: String = "HEAD"

    @Flag(help: "List every member sample with its label and split.")
    var members = false

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let info = try store.resolveVersion(version)
            let list = members || options.json ? try store.members(of: info.id) : []
            if options.json {
                try printJSON(VersionDetail(version: info, members: list))
            } else {
                print(TextReport.version(info, members: members ? list : nil), terminator: "")
            }
        }
    }
}

struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compare two versions: samples added and removed, label flips, split changes.")

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The older version.")
    var from: String

    @Argument(help: "The newer version (default: HEAD).")
    var to: String = "HEAD"

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let diff = try store.diff(from: from, to: to)
            if options.json { try printJSON(diff) } else { print(TextReport.diff(diff), terminator: "") }
        }
    }
}

struct Tag: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Name a version (e.g. paper-2026), list tags, or delete one.",
        discussion: "karyo tag NAME [VERSION] | karyo tag --list | karyo tag --delete NAME")

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The tag name.")
    var name: String?

    @Argument(help: "The version to tag (default: HEAD).")
    var version: String = "HEAD"

    @Flag(help: "List tags.")
    var list = false

    @Flag(name: [.customShort("d"), .long], help: "Delete the tag NAME.")
    var delete = false

    func validate() throws {
        if !list && name == nil { throw ValidationError("give a tag name, or --list") }
        if list && delete { throw ValidationError("--list and --delete exclude each other") }
    }

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            if let name, !list {
                if delete {
                    try store.deleteTag(name)
                    if !options.json { print("Deleted tag \(name)") }
                } else {
                    try store.tag(name, version: version)
                    if !options.json { print("Tagged \(try store.resolveVersion(name).id) as \(name)") }
                }
            }
            let tags = try store.tags()
            if options.json { try printJSON(tags) } else if list { print(TextReport.tags(tags), terminator: "") }
        }
    }
}

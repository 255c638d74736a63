import ArgumentParser
import Karyo

@main
struct KaryoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "karyo",
        abstract: "Curate karyotype image datasets for t(9;22) detection, with a model in the loop.",
        discussion: """
            A project is a folder holding a .karyo store. Commands find it from the current \
            directory upwards, or take --project PATH, or read $KARYO_PROJECT.
            """,
        version: KaryoVersion.current,
        subcommands: [
            Init.self, Import.self, Status.self, Samples.self, Label.self, History.self, Commit.self, Log.self,
            Show.self, Diff.self, Tag.self, Verify.self, Export.self, Synth.self, Deid.self, Extract.self,
            TrainCommand.self, FlagCommand.self, ReviewCommand.self, ReportCommand.self, LoopCommand.self,
            ServeCommand.self, UserCommand.self, ClassifierCommand.self,
        ]
    )
}

/// Options every command that works on a project takes.
struct ProjectOptions: ParsableArguments {
    @Option(name: .long, help: "The project folder (default: the nearest folder above holding .karyo, or $KARYO_PROJECT).")
    var project: String?

    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false
}

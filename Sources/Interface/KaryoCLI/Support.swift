import ArgumentParser
import Foundation
import Karyo

/// Runs `body`, turning any error into a message on standard error and an exit code, in one place.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        printError("karyo: error: \(error)")
        throw ExitCode(ExitCodes.code(for: error))
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

func printJSON<T: Encodable>(_ value: T) throws {
    print(try JSONOutput.string(value), terminator: "")
}

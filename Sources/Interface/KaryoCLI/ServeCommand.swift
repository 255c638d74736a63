import ArgumentParser
import Foundation
import Karyo
import KaryoServe
import KaryoStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the review web app (queue review, blind double reading, agreement, datasets).",
        discussion: """
            Binds to 127.0.0.1 by default, so only this machine can connect; put a TLS proxy in front \
            to serve a network. Every page but the sign-in page needs an account: create the first with \
            `karyo user add NAME --role admin` (the password is read from standard input), or with \
            --create-admin NAME here. Stops on Ctrl-C or SIGTERM.
            """)

    @Option(name: .long, help: "The project folder (default: the nearest folder above holding .karyo, or $KARYO_PROJECT).")
    var project: String?

    @Option(help: "The address to bind.")
    var host = "127.0.0.1"

    @Option(help: "The TCP port (0: any free port; the chosen one is printed).")
    var port = 8080

    @Flag(help: "Send cookies without the Secure attribute (only for plain HTTP on a host name other than localhost).")
    var insecureCookies = false

    @Option(help: "Create an admin account NAME first, reading its password from standard input.")
    var createAdmin: String?

    @Option(help: .hidden)
    var bcryptCost: UInt8 = Passwords.defaultCost

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard (4...31).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be 4...31") }
    }

    func run() async throws {
        try await runReportingErrors {
            let store = try Project.open(explicitPath: project)
            if let name = createAdmin {
                let password = try readNewPassword(for: name)
                _ = try await addAccountReportingPolicy(store: store, name: name, role: .admin, password: password, cost: bcryptCost)
                printError("karyo serve: created admin account \(name)")
            }
            if try store.accounts().isEmpty {
                printError("karyo serve: no accounts yet; create one with `karyo user add NAME --role admin`")
            }
            let config = ServeConfiguration(
                host: host, port: port, secureCookies: !insecureCookies, bcryptCost: bcryptCost)
            let app = await ReviewApp(store: store, configuration: config)
            let host = self.host
            try await app.run { port in
                // Unbuffered, so a script reading the pipe sees it at once.
                let line = "karyo serve: listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)/\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage the accounts of the review web app.",
        subcommands: [UserAdd.self, UserList.self, UserSet.self])
}

struct UserAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create an account; the password is read from standard input (never from the command line).")

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The account name (1-64 characters of A-Z a-z 0-9 . _ -).")
    var name: String

    @Option(help: "admin, curator or reviewer.")
    var role: String = "reviewer"

    @Option(help: .hidden)
    var bcryptCost: UInt8 = Passwords.defaultCost

    func run() async throws {
        guard let role = AccountRole(rawValue: role) else {
            throw ValidationError("--role must be admin, curator or reviewer")
        }
        guard (4...31).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be 4...31") }
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            let password = try readNewPassword(for: name)
            let account = try await addAccountReportingPolicy(
                store: store, name: name, role: role, password: password, cost: bcryptCost)
            if options.json { try printJSON(account) } else { print("Created \(account.role.rawValue) account \(account.name)") }
        }
    }
}

struct UserList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts.")

    @OptionGroup var options: ProjectOptions

    func run() async throws {
        try await runReportingErrors {
            let accounts = try Project.open(explicitPath: options.project).accounts()
            if options.json { try printJSON(accounts); return }
            if accounts.isEmpty { print("No accounts.") }
            for account in accounts {
                print("\(account.name)\t\(account.role.rawValue)\(account.disabled ? "\tdisabled" : "")")
            }
        }
    }
}

struct UserSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change an account's role, disable or enable it, or set a new password (read from standard input).")

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The account name.")
    var name: String

    @Option(help: "admin, curator or reviewer.")
    var role: String?

    @Flag(help: "Disable the account (its sessions end).")
    var disable = false

    @Flag(help: "Enable the account.")
    var enable = false

    @Flag(help: "Read a new password from standard input.")
    var password = false

    @Option(help: .hidden)
    var bcryptCost: UInt8 = Passwords.defaultCost

    func run() async throws {
        let newRole = try role.map { text -> AccountRole in
            guard let r = AccountRole(rawValue: text) else { throw ValidationError("--role must be admin, curator or reviewer") }
            return r
        }
        guard !(disable && enable) else { throw ValidationError("--disable and --enable exclude each other") }
        guard newRole != nil || disable || enable || password else {
            throw ValidationError("nothing to change: give --role, --disable, --enable or --password")
        }
        try await runReportingErrors {
            let store = try Project.open(explicitPath: options.project)
            try store.updateAccount(name: name, role: newRole, disabled: disable ? true : enable ? false : nil)
            if password {
                let text = try readNewPassword(for: name)
                do {
                    try await AccountSetup.setPassword(in: store, name: name, password: text, cost: bcryptCost)
                } catch let error as ServeError {
                    throw ValidationError(error.message)
                }
            }
            if !options.json { print("Updated account \(name)") } else if let account = try store.account(named: name) {
                try printJSON(account)
            }
        }
    }
}

private func addAccountReportingPolicy(
    store: DatasetStore, name: String, role: AccountRole, password: String, cost: UInt8
) async throws -> Account {
    do {
        return try await AccountSetup.addAccount(to: store, name: name, role: role, password: password, cost: cost)
    } catch let error as ServeError {
        throw ValidationError(error.message)
    }
}

/// Reads a new password from standard input: on a terminal it asks twice without echo; otherwise
/// it reads the first line.
private func readNewPassword(for name: String) throws -> String {
    if isatty(STDIN_FILENO) == 1 {
        let first = try readHidden("Password for \(name): ")
        let second = try readHidden("Repeat the password: ")
        guard first == second else { throw ValidationError("the two passwords differ") }
        return first
    }
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw ValidationError("no password on standard input (give it as the first line)")
    }
    return line
}

private func readHidden(_ prompt: String) throws -> String {
    FileHandle.standardError.write(Data(prompt.utf8))
    var saved = termios()
    tcgetattr(STDIN_FILENO, &saved)
    var quiet = saved
    quiet.c_lflag &= ~tcflag_t(ECHO)
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
    defer {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved)
        FileHandle.standardError.write(Data("\n".utf8))
    }
    guard let line = readLine(strippingNewline: true) else { throw ValidationError("no password given") }
    return line
}

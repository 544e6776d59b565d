import Accounts
import ArgumentParser
import Authority
import Certificates
import Foundation
import Store
import TransparencyLog

#if canImport(Glibc)
    import Glibc
#endif

// `akashi user …`, `akashi token …`, `akashi audit …`: the administrator's
// commands for clerk accounts, API tokens and the audit trail. They open the
// authority's akashi.sqlite directly (WAL, 10 s busy timeout) without the log
// writer's lock, so they work while `akashi serve` runs. Every change is
// recorded in the audit trail, in the same transaction, as `cli:<unix user>`.

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Clerk accounts: add, list, disable, enable, change role or password.",
        discussion: """
            Roles: clerk (窓口職員: issue, print, search), supervisor (管理職員: also batches and \
            accounts), auditor (監査担当: reads the audit trail only), admin (システム管理者: everything, \
            including API tokens). Passwords are read from the first line of standard input: \
            12 characters or more, at most 72 bytes of UTF-8.
            """,
        subcommands: [UserAdd.self, UserList.self, UserDisable.self, UserEnable.self, UserRole.self, UserPasswd.self])
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "API tokens for scripts and other systems: create, list, revoke.",
        subcommands: [TokenCreate.self, TokenList.self, TokenRevoke.self])
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The hash-chained audit trail: verify it, export it as CSV.",
        subcommands: [AuditVerify.self, AuditExport.self])
}

// MARK: user

struct UserAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a user; the password is the first line of standard input.",
        discussion: "Example: printf '%s\\n' \"$PASSWORD\" | akashi user add --data DIR --login tanaka.h --role clerk --name '田中 花子'")

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("1–64 of a-z, 0-9, '.', '_', '-'.", valueName: "NAME"))
    var login: String

    @Option(help: ArgumentHelp("clerk, supervisor, auditor or admin.", valueName: "ROLE"))
    var role: String

    @Option(name: .customLong("name"), help: ArgumentHelp("The name shown in the UI (default: the login).", valueName: "DISPLAY"))
    var displayName: String?

    func run() async throws {
        try await reportingAccountErrors {
            let role = try parseRole(role)
            let password = try readPasswordLine()
            let database = try await AdminDatabase(options)
            let user = try await database.accounts.addUser(login: login, displayName: displayName, role: role, password: password, audit: cliActor())
            print("added \(user.login) (\(user.role.rawValue), \(user.role.label.ja)): \(user.displayName)")
        }
    }
}

struct UserList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List users: login, role, active|disabled, created (UTC), display name; tab-separated.")

    @OptionGroup var options: DataOptions

    func run() async throws {
        try await reportingAccountErrors {
            for user in try await AdminDatabase(options).accounts.users() {
                print(
                    [user.login, user.role.rawValue, user.disabled ? "disabled" : "active", isoDate(user.createdAt), user.displayName]
                        .joined(separator: "\t"))
            }
        }
    }
}

struct UserDisable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Disable a user: they cannot sign in, and their sessions end now.")

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The user's login.", valueName: "NAME"))
    var login: String

    func run() async throws {
        try await reportingAccountErrors {
            try await AdminDatabase(options).accounts.setDisabled(login: login, true, audit: cliActor())
            print("disabled \(login); their sessions have ended")
        }
    }
}

struct UserEnable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a disabled user again.")

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The user's login.", valueName: "NAME"))
    var login: String

    func run() async throws {
        try await reportingAccountErrors {
            try await AdminDatabase(options).accounts.setDisabled(login: login, false, audit: cliActor())
            print("enabled \(login)")
        }
    }
}

struct UserRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role", abstract: "Change a user's role (applies to their open sessions at once).")

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The user's login.", valueName: "NAME"))
    var login: String

    @Option(help: ArgumentHelp("clerk, supervisor, auditor or admin.", valueName: "ROLE"))
    var role: String

    func run() async throws {
        try await reportingAccountErrors {
            let role = try parseRole(role)
            try await AdminDatabase(options).accounts.setRole(login: login, role: role, audit: cliActor())
            print("\(login) is now \(role.rawValue) (\(role.label.ja))")
        }
    }
}

struct UserPasswd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd", abstract: "Set a user's password from the first line of standard input.")

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The user's login.", valueName: "NAME"))
    var login: String

    func run() async throws {
        try await reportingAccountErrors {
            let password = try readPasswordLine()
            try await AdminDatabase(options).accounts.setPassword(login: login, password: password, audit: cliActor())
            print("password changed for \(login)")
        }
    }
}

// MARK: token

struct TokenCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create an API token and print its secret once.",
        discussion: """
            Standard output is the secret alone on one line (akashi_…), so a script can capture it: \
            SECRET=$(akashi token create --data DIR --name juki-sync --role clerk). Only its SHA-256 \
            is stored; it cannot be shown again. Send it as `Authorization: Bearer <secret>`.
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("What the token is for (1–100 characters).", valueName: "NAME"))
    var name: String

    @Option(help: ArgumentHelp("clerk, supervisor, auditor or admin.", valueName: "ROLE"))
    var role: String

    func run() async throws {
        try await reportingAccountErrors {
            let role = try parseRole(role)
            let (secret, token) = try await AdminDatabase(options).accounts.createToken(name: name, role: role, audit: cliActor())
            print(secret)
            printError(
                "created API token \(token.id) '\(token.name)' (\(token.role.rawValue)). このシークレットは二度と表示できません。今すぐ安全に保管してください / the secret above cannot be shown again: store it safely now"
            )
        }
    }
}

struct TokenList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List API tokens: id, name, role, created (UTC), active|revoked <time>; tab-separated. Secrets are never shown.")

    @OptionGroup var options: DataOptions

    func run() async throws {
        try await reportingAccountErrors {
            for token in try await AdminDatabase(options).accounts.tokens() {
                let status = token.revokedAt.map { "revoked \(isoDate($0))" } ?? "active"
                print([String(token.id), token.name, token.role.rawValue, isoDate(token.createdAt), status].joined(separator: "\t"))
            }
        }
    }
}

struct TokenRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an API token for good.")

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("The token's id (see `akashi token list`).", valueName: "N"))
    var id: Int64

    func run() async throws {
        try await reportingAccountErrors {
            try await AdminDatabase(options).accounts.revokeToken(id: id, audit: cliActor())
            print("revoked API token \(id)")
        }
    }
}

// MARK: audit

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Recompute the audit trail's hash chain.",
        discussion: """
            Exit 0 when every row chains to the one before it (prints the number of events and the \
            head hash; keep a copy of the head elsewhere to detect removal of the newest rows), 1 \
            with the first broken row's seq when a row was edited or deleted.
            """)

    @OptionGroup var options: DataOptions

    func run() async throws {
        try await reportingAccountErrors {
            let report = try await AdminDatabase(options).audit.verify()
            if let broken = report.firstBrokenSeq {
                throw CommandFailure(
                    exitCode: Exit.verificationFailed,
                    message:
                        "検証失敗 / verification failed: the audit trail is broken at seq \(broken) (a row was edited or deleted); \(report.events) events checked")
            }
            print("検証成功 / verified: \(report.events) audit events, head \(report.head.hexString)")
        }
    }
}

struct AuditExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export the audit trail as CSV (RFC 4180, oldest first).",
        discussion: """
            Columns: seq,at,actor,role,action,target,detail,address,previous_hash,hash; times ISO 8601 \
            UTC. Cells starting with = + - @ get a leading ' so spreadsheets do not run them. With \
            --out the file is created with mode 0600 (it names clerks) and never overwritten.
            """)

    @OptionGroup var options: DataOptions

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "FILE"))
    var out: String?

    @Option(help: ArgumentHelp("Only events at or after this time (ISO 8601, e.g. 2025-04-01 or 2025-04-01T09:00:00+09:00).", valueName: "TIME"))
    var since: String?

    @Option(help: ArgumentHelp("Only events before this time (ISO 8601).", valueName: "TIME"))
    var until: String?

    func run() async throws {
        try await reportingAccountErrors {
            let since = try since.map { try parseTime($0, option: "--since") }
            let until = try until.map { try parseTime($0, option: "--until") }
            let csv = try await AdminDatabase(options).audit.csv(since: since, until: until)
            if let out {
                try AuthorityDirectory.writeSecret(csv, to: URL(fileURLWithPath: out))
                printError("wrote \(out)")
            } else {
                print(csv, terminator: "")
            }
        }
    }
}

// MARK: Support

/// The account store and audit trail on an authority's akashi.sqlite.
private struct AdminDatabase {
    let accounts: AccountStore
    let audit: AuditTrail

    init(_ options: DataOptions) async throws {
        let directory = try await options.open()
        if case .file = directory.location {
            let path = directory.databaseURL.path
            guard FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure(
                    exitCode: Exit.noInput, message: "\(path) is missing; the data directory is incomplete (create authorities with `akashi init`)")
            }
        }
        let store = try directory.openStore()
        accounts = AccountStore(store: store)
        audit = AuditTrail(store: store)
    }
}

/// `reportingErrors`, knowing also the account store's errors.
private func reportingAccountErrors(_ body: () async throws -> Void) async throws {
    try await reportingErrors {
        do {
            try await body()
        } catch let error as AccountError {
            throw CommandFailure(exitCode: error.code == .duplicateLogin ? Exit.cannotCreate : Exit.dataError, message: error.description)
        } catch let error where AccountStore.isBusy(error) {
            throw CommandFailure(exitCode: Exit.busy, message: "the database is busy (another akashi held it for 10 s); try again: \(error)")
        }
    }
}

/// Who runs this command, for the audit trail: `cli:<login name>`.
func cliActor() -> AuditActor {
    var name: String?
    if let login = getlogin() { name = String(cString: login) }
    if name?.isEmpty ?? true, let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { name = user }
    if name?.isEmpty ?? true, let entry = getpwuid(geteuid()) { name = String(cString: entry.pointee.pw_name) }
    return AuditActor("cli:" + (name.flatMap { $0.isEmpty ? nil : $0 } ?? "uid\(geteuid())"), address: "local")
}

private func parseRole(_ text: String) throws -> Role {
    guard let role = Role(rawValue: text) else {
        throw CommandFailure(
            exitCode: Exit.usage,
            message: "役割「\(text)」はありません / unknown role '\(text)'; choose one of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return role
}

/// The first line of standard input, without its line end.
private func readPasswordLine() throws -> String {
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw CommandFailure(
            exitCode: Exit.noInput,
            message: "標準入力の1行目にパスワードを渡してください / give the password on the first line of standard input, e.g. printf '%s\\n' \"$PASSWORD\" | akashi user ...")
    }
    return line
}

private func parseTime(_ text: String, option: String) throws -> Date {
    if let date = CivilDate.argument(text) { return date }
    throw CommandFailure(
        exitCode: Exit.usage, message: "\(option) '\(text)' is not a date or time; write 2025-04-01 (midnight, Japan time) or 2025-04-01T09:00:00+09:00")
}

private func isoDate(_ date: Date) -> String {
    ISO8601DateFormatter().string(from: date)
}

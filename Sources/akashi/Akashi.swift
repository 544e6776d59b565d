import ArgumentParser

/// `akashi` — the issuer's command line: create an authority, run its
/// transparency log, (later) issue certificates.
@main
struct Akashi: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "akashi",
        abstract: "Akashi (証): signed municipal certificates anchored in a transparency log.",
        discussion: """
            Exit codes: 0 ok; 1 verification failed; 64 usage; 65 bad data; 66 missing input;
            73 refused to overwrite; 75 data directory busy (another akashi is writing); 77 key file
            readable by others; 70 internal error.
            """,
        version: "0.1.0",
        subcommands: [Init.self, Issue.self, Present.self, SubjectCommand.self, Trust.self, LogCommand.self, Serve.self, UserCommand.self, TokenCommand.self, AuditCommand.self, Vectors.self, Site.self, Revoke.self, Reissue.self, Status.self, Key.self, FederationCommand.self, WitnessCommand.self, MirrorCommand.self, MonitorCommand.self]
    )
}

/// Options every command that works on an authority takes.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The authority's data directory.", valueName: "DIR"))
    var data: String
}

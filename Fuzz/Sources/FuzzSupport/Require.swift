// What every harness shares: how a broken invariant becomes a crash libFuzzer reports.

/// Like precondition, but the message survives -O (it names the invariant in the crash log).
public func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) {
    if !condition { fatalError("fuzz invariant broken: " + message(), file: file, line: line) }
}

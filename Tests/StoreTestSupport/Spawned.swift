import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid`, its
/// standard output and error in files. Not Foundation's `Process`: with the
/// suite's tests running in parallel its reaping was seen to stall (an exited
/// `sh` stayed a zombie and `isRunning` true), which hung the suite.
public final class Spawned: @unchecked Sendable {
    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String
    private let lock = NSLock()
    private var waitStatus: Int32?

    public init(_ executable: String, _ arguments: [String], stdout stdoutPath: String = "/dev/null", stderr stderrPath: String = "/dev/null") throws {
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        #if canImport(Glibc)
            var actions = posix_spawn_file_actions_t()
        #else
            var actions: posix_spawn_file_actions_t? = nil
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard result == 0 else { throw SetupFailure("cannot start \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    /// The raw wait status once the process ended (-1 if someone else reaped it), nil while it runs.
    public func poll() -> Int32? {
        lock.withLock {
            if let waitStatus { return waitStatus }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                waitStatus = status
            } else if result == -1 && errno != EINTR {
                waitStatus = -1
            }
            return waitStatus
        }
    }

    public var isRunning: Bool { poll() == nil }

    @discardableResult
    public func wait() async -> Int32 {
        while true {
            if let status = poll() { return status }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// The signal that ended it, if one did.
    public var terminatingSignal: Int32? {
        guard let status = poll(), status != -1, status & 0x7f != 0, status & 0x7f != 0x7f else { return nil }
        return status & 0x7f
    }

    /// Its exit status, if it exited.
    public var exitStatus: Int32? {
        guard let status = poll(), status != -1, status & 0x7f == 0 else { return nil }
        return (status >> 8) & 0xff
    }

    public func sendKill() { if isRunning { _ = kill(pid, SIGKILL) } }

    public var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    deinit {
        if waitStatus == nil {
            _ = kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }
}

/// Runs `/bin/sh -c command` to completion; its exit status and output.
public func runShell(_ command: String) async throws -> (status: Int32, stdout: String, stderr: String) {
    let scratch = try Scratch()
    let child = try Spawned("/bin/sh", ["-c", command], stdout: scratch.path("out"), stderr: scratch.path("err"))
    await child.wait()
    return (child.exitStatus ?? -1, child.stdout, child.stderr)
}

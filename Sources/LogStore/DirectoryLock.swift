import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive advisory lock (`flock`) held for the life of the value, so two
/// processes never append to one log: the in-memory tree edge would go stale.
/// The kernel drops the lock when the process dies, even by `kill -9`.
final class DirectoryLock: @unchecked Sendable {
    private let fd: Int32

    init(path: String) throws {
        fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LogStoreError(.io, "cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            throw LogStoreError(.locked, "another process is writing this log (\(path) is locked); stop it or wait for it to finish")
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        Glibc.close(fd)
    }
}

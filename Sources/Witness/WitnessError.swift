import GRDB

/// Why a witness refused a checkpoint, with the HTTP status c2sp.org/tlog-witness prescribes.
public struct WitnessError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// 404: the witness does not follow this origin.
        case unknownLog
        /// 403: no signature verifies with the log's trusted keys.
        case badSignature
        /// 400: malformed request, or old size larger than the checkpoint.
        case badRequest
        /// 409: the old size is not the last cosigned size, or same size with another root.
        case conflict
        /// 422: the consistency proof does not verify.
        case inconsistent
        /// 500: the witness's own state could not be read or written (nothing was cosigned).
        case storage
        /// 500: the witness's state is held by another process (SQLite still
        /// busy after its timeout); nothing was cosigned, try again later.
        case locked
    }

    public let code: Code
    public let reason: String
    /// For a 409: the size of the latest checkpoint the witness cosigned.
    public let latestSize: UInt64?

    public init(_ code: Code, _ reason: String, latestSize: UInt64? = nil) {
        self.code = code
        self.reason = reason
        self.latestSize = latestSize
    }

    public var httpStatus: Int {
        switch code {
        case .unknownLog: 404
        case .badSignature: 403
        case .badRequest: 400
        case .conflict: 409
        case .inconsistent: 422
        case .storage, .locked: 500
        }
    }

    public var description: String { reason }

    /// An error of the witness's own state as ``Code/storage``, or
    /// ``Code/locked`` when SQLite gave up waiting for another process.
    static func storage(_ error: any Error, _ what: String) -> WitnessError {
        if let error = error as? WitnessError { return error }
        let busy = (error as? DatabaseError).map { $0.resultCode == .SQLITE_BUSY || $0.resultCode == .SQLITE_LOCKED } ?? false
        return WitnessError(busy ? .locked : .storage, "\(what): \(error)")
    }
}

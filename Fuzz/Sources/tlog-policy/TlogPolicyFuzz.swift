import FuzzSupport
// Fuzzes the c2sp.org/tlog-policy reader, TlogPolicy(parsing:) (bytes), the policy a trust
// file gives each log (docs/spec/trust-file.md), then asks the parsed policy the questions
// a verifier asks (quorum satisfaction for every subset of up to 8 witnesses).
//
// Invariants (a failure is a crash):
// - a policy's own rendering (bytes) reads back to an equal policy, and rendering is
//   stable (a fixed point);
// - only tab/LF/0x20–0x7E/0x80–0xFF octets appear in the rendering.
import TransparencyLog

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let policy = try? TlogPolicy(parsing: input) else { return 0 }

    let rendered = policy.bytes
    require(rendered.allSatisfy { $0 == 0x09 || $0 == 0x0a || ($0 >= 0x20 && $0 != 0x7f) }, "the rendering has a forbidden octet")
    do {
        let again = try TlogPolicy(parsing: rendered)
        require(again == policy, "a policy's rendering reads back to another policy")
        require(again.bytes == rendered, "rendering a policy is not a fixed point")
    } catch {
        fatalError("fuzz invariant broken: a policy's rendering does not read back: \(error)")
    }

    let names = policy.witnesses.prefix(8).map(\.name)
    for mask in 0..<(1 << names.count) {
        let subset = Set(names.indices.filter { mask & (1 << $0) != 0 }.map { names[$0] })
        _ = policy.isSatisfied(byWitnesses: subset)
    }
    return 0
}

// swift-tools-version:5.4
// libFuzzer harnesses for every parser of Akashi that reads bytes from outside.
// Tools version 5.4, not newer: from 5.5 on SwiftPM renames an executable's entry point
// (<module>_main) for testable executables and links main to it, which a libFuzzer harness
// (no main of its own, -parse-as-library) does not have.
// Not part of the main build: scripts/fuzz.sh builds it with
//   swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz
// See docs/fuzzing.md.
import PackageDescription

/// harness name (Tests/fuzz/corpus/<name>/, binary fuzz-<name>) → the main package's libraries it uses.
let harnesses: [(String, [String])] = [
    ("qr-text", ["Certificates", "COSE", "TransparencyLog"]),
    ("cbor", ["CBOR"]),
    ("cose", ["COSE", "CBOR"]),
    ("cwt-claims", ["Certificates", "COSE", "CBOR"]),
    ("disclosures", ["Certificates"]),
    ("compact-proof", ["TransparencyLog"]),
    ("signed-note", ["TransparencyLog"]),
    ("checkpoint", ["TransparencyLog"]),
    ("tlog-policy", ["TransparencyLog"]),
    ("tlog-proof", ["TransparencyLog"]),
    ("tiles", ["TransparencyLog"]),
    ("log-entry", ["TransparencyLog"]),
    ("trust-file", ["Certificates"]),
    ("status-list", ["Certificates", "COSE", "TransparencyLog"]),
    ("verify", ["Certificates"]),
]

let package = Package(
    name: "AkashiFuzz",
    dependencies: [.package(name: "Akashi", path: "..")],
    targets: [
        // How a broken invariant becomes a crash (require), for every harness.
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
        // The embedded vectors (trust file, status list, valid QR texts) shared by the harnesses.
        .target(name: "FuzzVectors", path: "Sources/FuzzVectors"),
    ] + harnesses.map { name, libraries in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: libraries.map { .product(name: $0, package: "Akashi") } + ["FuzzSupport"] + (["status-list", "verify"].contains(name) ? ["FuzzVectors"] : []),
            path: "Sources/\(name)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)

// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Akashi",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "akashi", targets: ["akashi"]),
        .library(name: "TransparencyLog", targets: ["TransparencyLog"]),
        .library(name: "LogStore", targets: ["LogStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // The system OpenSSL libcrypto. Only `*_openssl.swift` files import it.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // Hashes, Ed25519 and ECDSA P-256 behind a small Swift API with no C types.
        .target(name: "AkashiCrypto", dependencies: ["CLibCrypto"]),
        // RFC 9162 Merkle trees and the C2SP formats (signed notes, checkpoints,
        // cosignatures, tlog-proof, tiles). Pure: no storage, no network.
        .target(name: "TransparencyLog", dependencies: ["AkashiCrypto"]),
        // The log's embedded SQLite store, group-commit sequencer and tile writer.
        .target(
            name: "LogStore",
            dependencies: [
                "TransparencyLog", "AkashiCrypto",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "akashi",
            dependencies: [
                "LogStore", "TransparencyLog", "AkashiCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "AkashiCryptoTests", dependencies: ["AkashiCrypto"]),
        .testTarget(name: "TransparencyLogTests", dependencies: ["TransparencyLog", "AkashiCrypto"]),
        .testTarget(name: "LogStoreTests", dependencies: ["LogStore", "TransparencyLog", "AkashiCrypto"]),
    ]
)

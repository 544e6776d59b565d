// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Akashi",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "akashi", targets: ["akashi"]),
        .executable(name: "akashi-verify", targets: ["akashi-verify"]),
        .library(name: "TransparencyLog", targets: ["TransparencyLog"]),
        .library(name: "LogStore", targets: ["LogStore"]),
        // For the fuzz harnesses in Fuzz/ (a separate package that depends on this one by path).
        .library(name: "CBOR", targets: ["CBOR"]),
        .library(name: "COSE", targets: ["COSE"]),
        .library(name: "Certificates", targets: ["Certificates"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // NIOCore (ByteBuffer in IssuerService and the service tests) and HTTPTypes (the tests'
        // requests) are imported directly, so they are declared, not taken through Hummingbird.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The system OpenSSL libcrypto. Only `*_openssl.swift` files import it.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // The one rule for text from outside (requests, CSV cells, arguments): which
        // characters are refused before anything is stored, hashed or signed.
        .target(name: "SafeText"),
        .target(name: "StrictJSON"),
        // Hashes, Ed25519 and ECDSA P-256 behind a small Swift API with no C types.
        .target(name: "AkashiCrypto", dependencies: ["CLibCrypto"]),
        // RFC 9162 Merkle trees and the C2SP formats (signed notes, checkpoints,
        // cosignatures, tlog-proof, tiles). Pure: no storage, no network.
        .target(name: "TransparencyLog", dependencies: ["AkashiCrypto"]),
        // The log's group-commit sequencer and tile writer over an authority's Store; LogReplica (mirrors, restore) on its own SQLite file.
        .target(
            name: "LogStore",
            dependencies: [
                "TransparencyLog", "AkashiCrypto", "Store",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Certificate kinds (data in certs/), the signed envelope, the QR payload and
        // the one verification core shared by the CLI, the server and the web vectors.
        .target(
            name: "Certificates",
            dependencies: ["CBOR", "COSE", "TransparencyLog", "QRPayload", "AkashiCrypto", "Deflate", "SafeText", "StrictJSON"]
        ),
        // Issuing: signing, logging and rendering certificates for an authority.
        .target(
            name: "Issuance",
            dependencies: [
                "Certificates", "Authority", "LogStore", "Store", "TransparencyLog", "QRCode", "QRPayload", "COSE", "CBOR", "AkashiCrypto",
            ]
        ),
        // The offline verifier: the verification core and a QR image reader, nothing else.
        .executableTarget(
            name: "akashi-verify",
            dependencies: [
                "Certificates", "TransparencyLog", "QRScan",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // An authority's data directory: configuration, keys (0600) and its store.
        .target(
            name: "Authority",
            dependencies: [
                "LogStore", "Store", "TransparencyLog", "AkashiCrypto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Clerk accounts, roles, sessions, API tokens and the hash-chained audit trail
        // (private tables next to the log; never published).
        .target(
            name: "Accounts",
            dependencies: [
                "AkashiCrypto", "SafeText", "Store",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
        // The issuer service: clerk web UI, JSON API and the public log endpoints.
        .target(
            name: "IssuerService",
            dependencies: [
                "Accounts", "Authority", "Issuance", "Certificates", "LogStore", "Store", "TransparencyLog", "QRCode", "AkashiCrypto", "SafeText", "StrictJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A C2SP tlog-witness: verifies consistency, persists state, cosigns (cosignature/v1).
        .target(
            name: "Witness",
            dependencies: [
                "TransparencyLog", "LogStore", "AkashiCrypto", "HTTPFetch",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // HTTP with a size limit and a deadline, for untrusted servers (logs' tiles, witnesses).
        .target(name: "HTTPFetch"),
        // Mirrors and monitors: follow a log over its tiles (c2sp.org/tlog-tiles), verify
        // every step, keep and serve a full copy, restore a lost log, detect split views.
        .target(
            name: "Mirror",
            dependencies: [
                "TransparencyLog", "LogStore", "AkashiCrypto", "HTTPFetch", "Witness",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Federated trust lists: authorities signed together by a federation key (a prefecture).
        .target(name: "Federation", dependencies: ["Certificates", "TransparencyLog", "AkashiCrypto", "HTTPFetch"]),
        // The published conformance vectors (valid certificates and every forgery class).
        .target(
            name: "ConformanceVectors",
            dependencies: ["CBOR", "Certificates", "Issuance", "Authority", "QRCode", "TransparencyLog", "AkashiCrypto", "QRPayload"]
        ),
        .executableTarget(
            name: "akashi",
            dependencies: [
                "Accounts", "IssuerService", "ConformanceVectors", "Witness", "Federation", "Mirror",
                "Authority", "Issuance", "Certificates", "LogStore", "Store", "TransparencyLog", "AkashiCrypto", "QRCode", "QRScan", "SubjectScan",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A resident's search of a log for their certificates (docs/spec/subject-transparency.md §5).
        .target(name: "SubjectScan", dependencies: ["Certificates", "Mirror", "TransparencyLog", "AkashiCrypto"]),
        // The persistence boundary of an authority: typed transactional operations
        // on its log, records, staff and audit chain; SQLite (GRDB) or PostgreSQL (postgres-nio).
        .target(
            name: "Store",
            dependencies: [
                "AkashiCrypto", "SafeText",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Deterministic CBOR (RFC 8949 §4.2) and COSE_Sign1 (RFC 9052) for certificates.
        .target(name: "CBOR"),
        .target(name: "COSE", dependencies: ["CBOR", "AkashiCrypto"]),
        // QR codes: libqrencode to make them, libzbar to read them, libpng/libjpeg for images.
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CZBar", pkgConfig: "zbar", providers: [.apt(["libzbar-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        // zlib for status lists (what a browser's DecompressionStream("deflate") reads).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Deflate", dependencies: ["CZlib"]),
        // Dense text encodings of binary payloads for QR codes (numeric, base45, base64url).
        .target(name: "QRPayload"),
        // The one libpng wrapper: the QR writer and the reader share it. Only `*_png.swift` imports CPNG.
        .target(name: "PNGImage", dependencies: ["CPNG"]),
        .target(name: "QRCode", dependencies: ["CQREncode", "PNGImage"]),
        .target(name: "QRScan", dependencies: ["CZBar", "PNGImage", "CJPEG"]),
        // Benchmarks and the load generator the crash test drives (not a product).
        .executableTarget(
            name: "akashi-bench",
            dependencies: [
                "Authority", "LogStore", "TransparencyLog", "AkashiCrypto",
                "Issuance", "Certificates", "QRCode", "QRScan", "QRPayload", "COSE",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/akashi-bench"
        ),
        // The child process Tests/StoreTests' crash tests kill -9 (it commits log batches and says so).
        .executableTarget(name: "store-crash-child", dependencies: ["Store"], path: "Tests/StoreCrashChild"),
        .testTarget(name: "AkashiCryptoTests", dependencies: ["AkashiCrypto"]),
        .testTarget(name: "SafeTextTests", dependencies: ["SafeText"]),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"]),
        .testTarget(name: "CBORTests", dependencies: ["CBOR"]),
        .testTarget(name: "COSETests", dependencies: ["COSE", "CBOR", "AkashiCrypto"]),
        .testTarget(name: "QRCodeTests", dependencies: ["QRCode", "QRScan", "QRPayload"]),
        .testTarget(name: "DeflateTests", dependencies: ["Deflate"]),
        .testTarget(name: "TransparencyLogTests", dependencies: ["TransparencyLog", "AkashiCrypto"]),
        // The throw-away PostgreSQL cluster and child processes the store, log and CLI tests share.
        .target(name: "StoreTestSupport", dependencies: ["Store"], path: "Tests/StoreTestSupport"),
        .testTarget(name: "StoreTests", dependencies: ["Store", "StoreTestSupport", "AkashiCrypto"]),
        .testTarget(
            name: "LogStoreTests",
            dependencies: ["LogStore", "Store", "StoreTestSupport", "TransparencyLog", "AkashiCrypto"]
        ),
        .testTarget(
            name: "CertificatesTests",
            dependencies: ["Certificates", "Issuance", "Authority", "LogStore", "QRCode", "QRScan", "SafeText", "COSE", "CBOR", "TransparencyLog", "AkashiCrypto"]
        ),
        .testTarget(name: "IssuanceTests", dependencies: ["Issuance", "Authority", "Certificates", "LogStore", "Store"]),
        // Drives the built binary end to end; the CLI's own logic (exit codes) in process through `@testable import akashi`.
        .testTarget(name: "AkashiCLITests", dependencies: ["akashi", "Authority", "Mirror", "Witness", "LogStore", "Store", "TransparencyLog", "AkashiCrypto"]),
        .testTarget(
            name: "WitnessTests",
            dependencies: [
                "Witness", "LogStore", "TransparencyLog", "AkashiCrypto",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "MirrorTests",
            dependencies: [
                "Mirror", "Witness", "LogStore", "TransparencyLog", "AkashiCrypto",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SubjectScanTests",
            dependencies: [
                "SubjectScan", "Issuance", "Certificates", "Authority", "Mirror", "LogStore", "TransparencyLog", "AkashiCrypto",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "FederationTests", dependencies: ["Federation", "Certificates", "COSE", "TransparencyLog", "AkashiCrypto"]),
        .testTarget(name: "ConformanceVectorsTests", dependencies: ["ConformanceVectors", "Certificates", "QRScan"]),
        .testTarget(name: "AccountsTests", dependencies: ["Accounts", "AkashiCrypto", "Store"]),
        .testTarget(
            name: "IssuerServiceTests",
            dependencies: [
                "IssuerService", "Accounts", "Authority", "Issuance", "Certificates", "LogStore", "TransparencyLog", "QRScan",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "reportgen",
    products: [
        .executable(name: "reportgen", targets: ["reportgen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CCairo",
            path: "Sources/CCairo",
            pkgConfig: "pangocairo",
            providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]
        ),
        .systemLibrary(
            name: "CPNG",
            path: "Sources/CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(
            name: "CCrypto",
            path: "Sources/CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // Debian's libcmark-gfm-dev ships no pkg-config file; the headers are in /usr/include.
        .systemLibrary(
            name: "CCMark",
            path: "Sources/CCMark",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        // fork/exec in C: a new process group and a parent-death signal must be set
        // between fork and exec, which posix_spawn and Foundation.Process cannot do.
        .target(name: "CSpawn", path: "Sources/CSpawn"),
        // The targets below are the architecture (shared/DESIGN.md, "Modules"); each depends
        // only on those above it, and the compiler holds them to it.
        .target(name: "Core", dependencies: ["CCrypto"]),
        .target(name: "Supervision", dependencies: ["Core", "CSpawn"]),
        .target(name: "TOML", dependencies: ["Core"]),
        .target(name: "Definition", dependencies: ["Core", "TOML", "Supervision"]),
        .target(name: "Records", dependencies: ["Core", "Definition", "LoadGen"]),
        .target(name: "Store", dependencies: ["Core", "Definition", "Records", "Supervision", "LoadGen", "CSQLite"]),
        .target(name: "Hosts", dependencies: ["Core", "Definition", "Records", "Supervision", "LoadGen"]),
        .target(name: "Runner", dependencies: ["Core", "Definition", "Records", "Store", "Supervision", "Hosts", "LoadGen"]),
        .target(name: "Report", dependencies: ["Core", "Definition", "Records", "Store", "LoadGen", "CCairo", "CCMark", "CPNG"]),
        .target(
            name: "LoadGen",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "reportgen",
            dependencies: [
                "Core", "Supervision", "Definition", "Records", "Store", "Hosts", "Runner", "Report", "LoadGen",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Records built as the runner builds them, for the tests of both libraries.
        .target(name: "TestFixtures", dependencies: ["Core", "Definition", "Records", "Store", "Runner", "LoadGen"], path: "Tests/TestFixtures"),
        .testTarget(
            name: "ExperimentsTests",
            dependencies: ["Core", "Supervision", "TOML", "Definition", "Records", "Store", "Hosts", "Runner", "LoadGen", "Report", "TestFixtures"]),
        .testTarget(
            name: "ReportTests", dependencies: ["Report", "Core", "Definition", "Records", "Store", "LoadGen", "TestFixtures"],
            // Read by path from the tests, not bundled.
            exclude: ["Golden"]),
        .testTarget(
            name: "LoadGenTests",
            dependencies: [
                "LoadGen",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)

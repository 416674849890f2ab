import Core

/// One named step of the results store's schema. A released migration is never edited;
/// a change is a new migration appended to the list.
struct Migration: Sendable {
    var name: String
    var sql: String
    /// What SQL alone cannot do, run after `sql` in the same transaction.
    var then: (@Sendable (SQLiteDatabase) throws -> Void)? = nil
}

/// The results store's schema: ordered migrations, the version in `PRAGMA user_version`
/// (how many migrations ran), and the `PRAGMA application_id` that marks a file as ours.
enum StoreSchema {
    /// "RPGN" in ASCII: lets reportgen tell its own stores from other SQLite files.
    static let applicationID: Int32 = 0x5250_474E

    /// The schema version this build writes and understands.
    static var currentVersion: Int { migrations.count }

    static let migrations: [Migration] = [
        Migration(name: "create machines, runs, variants, trials and samples", sql: """
            CREATE TABLE machines (
                id INTEGER PRIMARY KEY,
                fingerprint TEXT NOT NULL UNIQUE,
                hostname TEXT NOT NULL,
                cpu_model TEXT NOT NULL,
                cpu_cores INTEGER NOT NULL,
                memory_bytes INTEGER NOT NULL,
                kernel TEXT NOT NULL,
                os TEXT NOT NULL,
                cpu_governor TEXT
            );
            CREATE TABLE runs (
                id INTEGER PRIMARY KEY,
                experiment TEXT NOT NULL,
                definition_hash TEXT NOT NULL,
                definition_text TEXT NOT NULL,
                -- No cascade: removing a machine must not silently remove its results.
                machine_id INTEGER NOT NULL REFERENCES machines(id),
                started_at TEXT NOT NULL,
                finished_at TEXT,
                status TEXT NOT NULL,
                kind TEXT NOT NULL DEFAULT 'measured',
                tool_version TEXT NOT NULL,
                project_commit TEXT,
                -- A UInt64 stored by bit pattern: read it back with Int64(bitPattern:).
                shuffle_seed INTEGER NOT NULL,
                overrides_json TEXT NOT NULL,
                quick INTEGER NOT NULL DEFAULT 0,
                software_json TEXT NOT NULL,
                upstream_command_line TEXT NOT NULL
            );
            CREATE INDEX runs_by_definition ON runs(experiment, definition_hash, machine_id);
            CREATE INDEX runs_by_machine ON runs(machine_id);
            CREATE TABLE variants (
                id INTEGER PRIMARY KEY,
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                position INTEGER NOT NULL,
                config_json TEXT NOT NULL,
                UNIQUE (run_id, name)
            );
            CREATE TABLE trials (
                id INTEGER PRIMARY KEY,
                variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
                trial_index INTEGER NOT NULL,
                run_order INTEGER NOT NULL,
                status TEXT NOT NULL,
                started_at TEXT NOT NULL,
                ended_at TEXT NOT NULL,
                duration_us INTEGER NOT NULL,
                requests INTEGER NOT NULL,
                bytes INTEGER NOT NULL,
                errors_connect INTEGER NOT NULL,
                errors_read INTEGER NOT NULL,
                errors_write INTEGER NOT NULL,
                errors_status INTEGER NOT NULL,
                errors_timeout INTEGER NOT NULL,
                command_line TEXT NOT NULL,
                failure TEXT,
                server_command_line TEXT NOT NULL,
                log_tail TEXT,
                runner_cpu_us INTEGER NOT NULL,
                load_average REAL,
                memory_available_bytes INTEGER,
                UNIQUE (variant_id, trial_index)
            );
            CREATE TABLE latency_samples (
                trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
                latency_us INTEGER NOT NULL,
                count INTEGER NOT NULL
            );
            CREATE INDEX latency_samples_by_trial ON latency_samples(trial_id);
            CREATE TABLE generator_percentiles (
                trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
                percentile REAL NOT NULL,
                latency_us REAL NOT NULL,
                note TEXT NOT NULL,
                PRIMARY KEY (trial_id, percentile)
            );
            CREATE TABLE resource_samples (
                trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
                t_ms INTEGER NOT NULL,
                role TEXT NOT NULL,
                cpu_user_ms INTEGER NOT NULL,
                cpu_system_ms INTEGER NOT NULL,
                rss_bytes INTEGER NOT NULL
            );
            CREATE INDEX resource_samples_by_trial ON resource_samples(trial_id);
            """),
        Migration(name: "flag trials that started on a busy machine", sql: """
            ALTER TABLE trials ADD COLUMN busy INTEGER NOT NULL DEFAULT 0;
            """),
        // SQLite cannot add a UNIQUE or NOT NULL column to a filled table: a unique index
        // enforces the identity, and a trigger gives every new run a random UUID, so run
        // creation needs no change. Runs stored before this migration get an identity derived
        // from their own shuffle seed and start time, not a random one: two copies of the same
        // old store then migrate to the same identities and importing both keeps one copy.
        Migration(name: "stable run identities and published baselines", sql: """
            ALTER TABLE runs ADD COLUMN uid TEXT;
            UPDATE runs SET uid = printf('legacy-%016x-%s', shuffle_seed,
                replace(replace(replace(replace(started_at, '-', ''), ':', ''), '.', ''), 'T', ''));
            CREATE UNIQUE INDEX runs_by_uid ON runs(uid);
            CREATE TRIGGER runs_assign_uid AFTER INSERT ON runs WHEN NEW.uid IS NULL
            BEGIN
                UPDATE runs SET uid = lower(
                    hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
                    || '-' || substr('89AB', 1 + abs(random() % 4), 1) || substr(hex(randomblob(2)), 2)
                    || '-' || hex(randomblob(6)))
                WHERE id = NEW.id;
            END;
            CREATE TABLE published_results (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
                min_ms REAL,
                p50_ms REAL,
                p99_ms REAL,
                p99_9_ms REAL,
                max_ms REAL,
                mean_ms REAL,
                duration_s REAL,
                requests INTEGER NOT NULL,
                PRIMARY KEY (variant_id)
            );
            CREATE INDEX published_results_by_run ON published_results(run_id);
            """),
        // Every request the built-in generator made, in send order: start_us is when the
        // request was due (its scheduled time in an open loop), status is the HTTP status or
        // 0 timed out, 1 read failed, 2 write failed. wrk trials have no rows here.
        Migration(name: "every request of built-in generator trials", sql: """
            CREATE TABLE requests (
                trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
                start_us INTEGER NOT NULL,
                latency_us INTEGER NOT NULL,
                status INTEGER NOT NULL,
                bytes INTEGER NOT NULL,
                connection INTEGER NOT NULL
            );
            CREATE INDEX requests_by_trial ON requests(trial_id);
            """),
        // Samples taken before the measured window (start-up and warm-up) were stored with
        // t_ms counted from the sampler's start, and the window's restarted at 0, so the two
        // series interleaved. Each sample now says which it belongs to; in stored trials the
        // rows before the series restarts (in insertion order) are the earlier ones.
        Migration(name: "resource samples say whether they were taken before or in the window", sql: """
            ALTER TABLE resource_samples ADD COLUMN phase TEXT NOT NULL DEFAULT 'window';
            WITH ordered AS (
                SELECT rowid AS id, trial_id, role, t_ms,
                       LAG(t_ms) OVER (PARTITION BY trial_id, role ORDER BY rowid) AS previous
                FROM resource_samples
            ), restarts AS (
                SELECT trial_id, role, MAX(id) AS first_in_window FROM ordered
                WHERE previous IS NOT NULL AND t_ms < previous GROUP BY trial_id, role
            )
            UPDATE resource_samples SET phase = 'before'
            WHERE rowid < (SELECT first_in_window FROM restarts r
                           WHERE r.trial_id = resource_samples.trial_id AND r.role = resource_samples.role);
            """),
        // The share of requests a trial may lose to errors before it counts as failed; runs
        // stored before had no such limit (NULL).
        Migration(name: "the error limit a run's trials were held to", sql: """
            ALTER TABLE runs ADD COLUMN max_error_rate REAL;
            """),
        // Runs that add trials until each variant's requests/s is known well enough keep
        // the target they were held to; NULL for a fixed number of trials.
        Migration(name: "the precision a run added trials for", sql: """
            ALTER TABLE runs ADD COLUMN precision_target REAL;
            ALTER TABLE runs ADD COLUMN max_trials INTEGER;
            ALTER TABLE runs ADD COLUMN time_budget_us INTEGER;
            """),
        // A swept experiment measures every variant at every level: a variants row is then
        // one cell ("aiohttp @ delay=50ms"), `variant` names the definition's variant it
        // belongs to, and cell_levels holds its levels, one row per swept setting. Outside a
        // sweep `variant` equals `name` and a variant has no levels.
        Migration(name: "cells of swept experiments: each variant row's variant and levels", sql: """
            ALTER TABLE variants ADD COLUMN variant TEXT;
            UPDATE variants SET variant = name;
            CREATE TABLE cell_levels (
                variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
                -- 'upstream.delay', 'load.connections', 'load.rate' or 'app.workers'
                setting TEXT NOT NULL,
                -- seconds for a delay, a count for connections and workers, requests/s for a rate
                value REAL NOT NULL,
                -- as the cell's name writes it: '50ms', '400'
                label TEXT NOT NULL,
                PRIMARY KEY (variant_id, setting)
            );
            """),
        // The write-up (the experiment's report.md) a run was measured with, so that an
        // exported run renders anywhere, without its experiment folder; NULL when the
        // experiment had none (the default write-up) or the run predates this.
        Migration(name: "the write-up a run was measured with", sql: """
            ALTER TABLE runs ADD COLUMN writeup_text TEXT;
            """),
        // Where a run's roles ran: one row per host (this machine is 'local'), with its
        // machine, the roles it ran and the CPUs they were pinned to, its clock's offset
        // from the controlling machine, and on the app's host the round trip from the load
        // generator's host. Runs stored before have no rows: every role ran on the run's
        // machine, unpinned.
        Migration(name: "the hosts a run's roles ran on", sql: """
            CREATE TABLE run_hosts (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                machine_id INTEGER NOT NULL REFERENCES machines(id),
                -- what ssh was given; NULL for the controlling machine
                ssh TEXT,
                address TEXT NOT NULL,
                -- 'upstream', 'app' and/or 'loadgen', comma-separated
                roles TEXT NOT NULL,
                -- {"app": "0-1"}: the CPUs each pinned role was given; NULL when none was
                cpus_json TEXT,
                -- the host's clock minus the controlling machine's, and the probe's round trip
                clock_offset_us INTEGER,
                clock_probe_rtt_us INTEGER,
                -- ping from the load generator's host to this (the app's) host
                load_rtt_min_us INTEGER,
                load_rtt_avg_us INTEGER,
                PRIMARY KEY (run_id, name)
            );
            """),
        // Whose a run is. A store gets a random identity of its own, and every run it
        // measures carries it (runs.store_uid; it travels with an export, as provenance): a
        // run from an identical machine has the same hardware fingerprint, but never this
        // store's identity. Every run an import adds is recorded in run_imports, with the
        // file it came from and when. Runs stored before have no import record and are taken
        // as the store's own, as they were until now.
        Migration(name: "a store's own identity, and where imported runs came from", sql: """
            CREATE TABLE store_identity (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                uid TEXT NOT NULL
            );
            INSERT INTO store_identity (id, uid) VALUES (1, lower(hex(randomblob(16))));
            ALTER TABLE runs ADD COLUMN store_uid TEXT;
            UPDATE runs SET store_uid = (SELECT uid FROM store_identity);
            CREATE TABLE run_imports (
                run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
                -- the file as the import named it
                source TEXT NOT NULL,
                imported_at TEXT NOT NULL
            );
            """),
        // A trial's latency rows packed into one blob (see PackedLatency): derived from the
        // rows, which stay the store's content, and read by a render instead of them. The
        // blobs of the trials stored so far are filled from their rows. Not guarded: rows
        // INSERTed by hand for a stored trial (a trigger per inserted row would make import
        // a third slower); README says to delete the trial's blob then.
        Migration(name: "latency rows packed per trial, for reading", sql: """
            CREATE TABLE latency_histograms (
                trial_id INTEGER PRIMARY KEY REFERENCES trials(id) ON DELETE CASCADE,
                -- how many latency_samples rows the blob holds
                buckets INTEGER NOT NULL,
                -- per row, by ascending latency: varint(latency - previous latency), varint(count)
                packed BLOB NOT NULL
            );
            -- Rows changed or removed outside reportgen (which never does either) take their
            -- trial's blob with them, and the trial is read from its rows again.
            CREATE TRIGGER latency_samples_updated AFTER UPDATE ON latency_samples BEGIN
                DELETE FROM latency_histograms WHERE trial_id IN (OLD.trial_id, NEW.trial_id);
            END;
            CREATE TRIGGER latency_samples_deleted AFTER DELETE ON latency_samples BEGIN
                DELETE FROM latency_histograms WHERE trial_id = OLD.trial_id;
            END;
            """, then: PackedLatency.rebuild),
        // What happened within a trial: its load run's timeline. A trial with a row in
        // trial_timelines had its warm-up on the same connections just before the window (one
        // generator run); trials stored before, and wrk's, ran the warm-up apart and have
        // none. trial_intervals holds what completed in each interval, warm-up included.
        Migration(name: "a timeline per trial", sql: """
            CREATE TABLE trial_timelines (
                trial_id INTEGER PRIMARY KEY REFERENCES trials(id) ON DELETE CASCADE,
                -- the warm-up just before the window in the same generator run (0: none)
                warmup_us INTEGER NOT NULL,
                -- the intervals' length (the warm-up's first and the window's last may be shorter)
                interval_us INTEGER NOT NULL,
                -- requests in flight when the window opened (counted in it when they completed in
                -- it) and when it closed (not counted); NULL when the generator cannot say
                in_flight_start INTEGER,
                in_flight_end INTEGER
            );
            CREATE TABLE trial_intervals (
                trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
                -- from the window's start, negative in the warm-up
                start_us INTEGER NOT NULL,
                length_us INTEGER NOT NULL,
                -- requests that completed in it (answers, read/write failures, timeouts)
                requests INTEGER NOT NULL,
                errors_connect INTEGER NOT NULL,
                errors_read INTEGER NOT NULL,
                errors_write INTEGER NOT NULL,
                errors_status INTEGER NOT NULL,
                errors_timeout INTEGER NOT NULL,
                -- nearest-rank latency percentiles of those requests; NULL without any
                p50_us INTEGER,
                p99_us INTEGER,
                PRIMARY KEY (trial_id, start_us)
            );
            """),
        // A capacity search's probes are trials of their cell, kept apart from the measured
        // trials by a row here: where in the search each ran, the rate it offered (none for
        // the closed-loop start) and whether it kept the target. capacity_searches holds the
        // run's target and what the generator alone could offer.
        Migration(name: "capacity searches", sql: """
            CREATE TABLE capacity_searches (
                run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
                -- as written: "p99 <= 100ms and errors <= 0.1%"
                target TEXT NOT NULL,
                -- requests/s the generator drove against the upstream alone, closed loop; NULL
                -- when it was not measured
                generator_limit_rps REAL
            );
            CREATE TABLE capacity_probes (
                trial_id INTEGER PRIMARY KEY REFERENCES trials(id) ON DELETE CASCADE,
                -- 'start' (closed loop), 'search' (bracketing) or 'confirm' (repeated around it)
                stage TEXT NOT NULL,
                -- requests/s asked of the open loop; NULL for the closed-loop start
                offered_rps REAL,
                -- 1 when the window kept the target, 0 when not; NULL for the start or a failed trial
                held INTEGER
            );
            """),
    ]

    /// The version whose migration added `latency_histograms` (see `PackedLatency`).
    static let packedLatencyVersion = 12

    /// The indexes over the sample tables: a compressed export leaves them out (they are as
    /// large as the rows and rebuilt from them in a second or two), and every snapshot of an
    /// export builds whichever is missing before it is read. Named as migration 1 made them.
    static let sampleIndexNames: Set<String> = ["latency_samples_by_trial", "resource_samples_by_trial"]
    static let sampleIndexes = [
        "CREATE INDEX IF NOT EXISTS latency_samples_by_trial ON latency_samples(trial_id)",
        "CREATE INDEX IF NOT EXISTS resource_samples_by_trial ON resource_samples(trial_id)",
    ]

    /// Applies the migrations `database` lacks, each in its own transaction together with
    /// the version it reaches, so a failure leaves the store at the previous version.
    static func migrate(_ database: SQLiteDatabase) throws {
        try migrate(database, upTo: currentVersion)
    }

    /// Applies the migrations `database` lacks up to version `target`, as `migrate(_:)` does.
    static func migrate(_ database: SQLiteDatabase, upTo target: Int) throws {
        for (offset, migration) in migrations.prefix(target).enumerated() {
            let version = offset + 1
            do {
                try database.transaction {
                    // Read under the write lock: another reportgen may have just migrated.
                    guard try database.integerPragma("user_version") < version else { return }
                    try database.execute(migration.sql)
                    try migration.then?(database)
                    try database.execute("PRAGMA application_id = \(applicationID)")
                    try database.execute("PRAGMA user_version = \(version)")
                }
            } catch var error as SQLiteError {
                error.message = "migration \(version) (\(migration.name)) failed: \(error.message)"
                throw error
            }
        }
    }
}

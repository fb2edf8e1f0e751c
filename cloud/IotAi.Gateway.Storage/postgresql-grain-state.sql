-- IotAi's grain state on PostgreSQL, for Orleans' ADO.NET grain storage. The provider reads its three queries from
-- orleansquery by key and calls them with named parameters (@ServiceId, @GrainTypeHash, @GrainTypeString,
-- @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString, @GrainStateVersion, @PayloadBinary). A silo runs
-- this at start, under an advisory lock, when Storage:CreateSchema is on; every statement can run again.
--
-- One row per grain. The version is the grain's ETag: a write names the version it read, and succeeds only if that
-- is still the row's, so two activations of one grain (a split cluster) cannot both write.

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) PRIMARY KEY,
    querytext text NOT NULL
);

CREATE TABLE IF NOT EXISTS iotai_grain_state
(
    service_id         varchar(150) NOT NULL,
    grain_type_hash    integer      NOT NULL,
    grain_type         varchar(512) NOT NULL,
    grain_id_hash      integer      NOT NULL,
    grain_id_n0        bigint       NOT NULL,
    grain_id_n1        bigint       NOT NULL,
    -- String keys (device ids) are here; '' for grains keyed by number or GUID alone.
    grain_id_extension varchar(512) NOT NULL,
    version            integer      NOT NULL,
    payload            bytea,
    modified_at        timestamptz  NOT NULL,
    PRIMARY KEY (service_id, grain_type_hash, grain_id_hash, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

-- The first write inserts version 1. A later write replaces the payload and moves the version on only when the row
-- holds the version the grain read; otherwise the grain's own version (or nothing) comes back, which the provider
-- reports as a conflict.
INSERT INTO orleansquery (querykey, querytext) VALUES ('WriteToStorageKey', $query$
    WITH written AS (
        INSERT INTO iotai_grain_state AS s
            (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1, grain_id_extension, version, payload, modified_at)
        SELECT @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0, @GrainIdN1,
               COALESCE(CAST(@GrainIdExtensionString AS varchar), ''), 1, @PayloadBinary, now()
        ON CONFLICT (service_id, grain_type_hash, grain_id_hash, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
        DO UPDATE SET payload = EXCLUDED.payload, version = s.version + 1, modified_at = now()
            WHERE s.version = CAST(@GrainStateVersion AS integer)
        RETURNING s.version)
    SELECT COALESCE((SELECT version FROM written), CAST(@GrainStateVersion AS integer)) AS NewGrainStateVersion
$query$)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;

INSERT INTO orleansquery (querykey, querytext) VALUES ('ReadFromStorageKey', $query$
    SELECT payload AS PayloadBinary, version AS Version
    FROM iotai_grain_state
    WHERE service_id = @ServiceId AND grain_type_hash = @GrainTypeHash AND grain_id_hash = @GrainIdHash
      AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension = COALESCE(CAST(@GrainIdExtensionString AS varchar), '')
$query$)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;

-- Clearing keeps the row (and so the version) with no payload.
INSERT INTO orleansquery (querykey, querytext) VALUES ('ClearStorageKey', $query$
    UPDATE iotai_grain_state
    SET payload = NULL, version = version + 1, modified_at = now()
    WHERE service_id = @ServiceId AND grain_type_hash = @GrainTypeHash AND grain_id_hash = @GrainIdHash
      AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension = COALESCE(CAST(@GrainIdExtensionString AS varchar), '')
      AND version = CAST(@GrainStateVersion AS integer)
    RETURNING version AS NewGrainStateVersion
$query$)
ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;

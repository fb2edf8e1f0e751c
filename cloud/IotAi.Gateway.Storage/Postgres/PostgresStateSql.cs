namespace IotAi.Gateway.Storage.Postgres;

/// <summary>
/// The statements on <c>iotai_grain_state</c> (made by <c>postgresql-grain-state.sql</c>), with the meaning of the queries
/// that script gives Orleans' own provider. Parameters: $1 service, $2 state name hash, $3 state name, $4 key hash, $5 and
/// $6 the key's numbers, $7 its string; then what each statement adds.
/// </summary>
internal static class PostgresStateSql
{
    private const string Key = """
        service_id = $1 AND grain_type_hash = $2 AND grain_type = $3 AND grain_id_hash = $4
        AND grain_id_n0 = $5 AND grain_id_n1 = $6 AND grain_id_extension = $7
        """;

    /// <summary>The payload and version of a state, if it has a row.</summary>
    public const string Read = "SELECT payload, version FROM iotai_grain_state WHERE " + Key;

    /// <summary>
    /// Writes payload $8 over version $9 (null: the state has no row yet): the first write inserts version 1; a later one
    /// moves the version on only if the row still holds $9. The new version comes back, or null on a conflict.
    /// </summary>
    public const string Write = """
        WITH written AS (
            INSERT INTO iotai_grain_state AS s
                (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1, grain_id_extension, version, payload, modified_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, now())
            ON CONFLICT (service_id, grain_type_hash, grain_id_hash, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
            DO UPDATE SET payload = EXCLUDED.payload, version = s.version + 1, modified_at = now()
                WHERE s.version = $9
            RETURNING s.version)
        SELECT (SELECT version FROM written)
        """;

    /// <summary>Clears the payload of version $8, keeping the row and moving its version on; no row comes back on a conflict.</summary>
    public const string Clear = "UPDATE iotai_grain_state SET payload = NULL, version = version + 1, modified_at = now() WHERE " + Key
        + " AND version = $8 RETURNING version";
}

//! The PostgreSQL store's queries, and its rows read back.

use super::*;

/// A column as type `T`; a NULL, another type or a value out of `T`'s range
/// is a corrupt row.
pub(super) fn column<'r, T, U>(row: &'r Row, i: usize) -> Result<U, OpError>
where
    T: tokio_postgres::types::FromSql<'r>,
    U: TryFrom<T>,
{
    let v: T = row.try_get(i).map_err(|_| OpError::Corrupt)?;
    U::try_from(v).map_err(|_| OpError::Corrupt)
}

/// A nullable column.
pub(super) fn nullable<'r, T, U>(row: &'r Row, i: usize) -> Result<Option<U>, OpError>
where
    T: tokio_postgres::types::FromSql<'r>,
    U: TryFrom<T>,
{
    let v: Option<T> = row.try_get(i).map_err(|_| OpError::Corrupt)?;
    v.map(|v| U::try_from(v).map_err(|_| OpError::Corrupt))
        .transpose()
}

/// A 32-byte column.
pub(super) fn bytes32(row: &Row, i: usize) -> Result<[u8; 32], OpError> {
    let v: &[u8] = row.try_get(i).map_err(|_| OpError::Corrupt)?;
    v.try_into().map_err(|_| OpError::Corrupt)
}

/// A request's terms and state from the columns `digest, issued_at,
/// expires_at, max_failures, failures, spent` starting at `at`.
pub(super) fn record_at(row: &Row, at: usize) -> Result<RequestRecord, OpError> {
    let record = RequestRecord {
        terms: RequestTerms {
            digest: bytes32(row, at)?,
            issued_at: column::<i64, u64>(row, at + 1)?,
            expires_at: column::<i64, u64>(row, at + 2)?,
            max_failures: column::<i64, u32>(row, at + 3)?,
        },
        failures: column::<i64, u32>(row, at + 4)?,
        spent: column::<bool, bool>(row, at + 5)?,
    };
    Ok(record)
}

/// A transaction from the columns `nonce, digest, issued_at, expires_at,
/// max_failures, failures, spent, cancelled, answered_at, verdict` starting
/// at `at`.
pub(super) fn transaction_at(row: &Row, at: usize) -> Result<Transaction, OpError> {
    Ok(Transaction {
        nonce: bytes32(row, at)?,
        record: record_at(row, at + 1)?,
        cancelled: column::<bool, bool>(row, at + 7)?,
        answered_at: nullable::<i64, u64>(row, at + 8)?,
        verdict: nullable::<String, String>(row, at + 9)?,
    })
}

/// The record of `nonce`, read on `client`.
pub(super) async fn select(
    client: &impl GenericClient,
    nonce: &[u8; 32],
) -> Result<Option<RequestRecord>, OpError> {
    let stmt = client.prepare_cached(SELECT).await?;
    match client.query_opt(&stmt, &[&&nonce[..]]).await? {
        Some(row) => record_at(&row, 0).map(Some),
        None => Ok(None),
    }
}

/// Settles one attempt on `client`: the conditional update, and when it
/// matched no row, a read that tells the final state (spec/wallet.md §8.2
/// step 5).
pub(super) async fn settle_on(
    client: &impl GenericClient,
    nonce: &[u8; 32],
    attempt: Attempt,
    now: i64,
    verdict: Option<&str>,
) -> Result<Settlement, OpError> {
    let satisfied = attempt == Attempt::Satisfied;
    let stmt = client.prepare_cached(SETTLE).await?;
    let updated = client
        .query(&stmt, &[&&nonce[..], &satisfied, &now, &verdict])
        .await?;
    match (updated.as_slice(), attempt) {
        ([], _) => {}
        ([row], Attempt::Satisfied) => {
            return match column::<bool, bool>(row, 1)? {
                true => Ok(Settlement::Spent),
                false => Err(OpError::Corrupt),
            }
        }
        ([row], Attempt::Rejected) => {
            let failures = column::<i64, u32>(row, 0)?;
            return match column::<bool, bool>(row, 1)? {
                false => Ok(Settlement::Counted { failures }),
                true => Err(OpError::Corrupt),
            };
        }
        _ => return Err(OpError::Corrupt),
    }
    // No row was updated: the request is unknown, or in one of its final
    // states, which a read tells apart.
    let Some(r) = select(client, nonce).await? else {
        return Ok(Settlement::Unknown);
    };
    let now = u64::try_from(now).map_err(|_| OpError::Corrupt)?;
    // Open now, so recorded after the update ran: unknown then, and nothing
    // was recorded for this attempt.
    Ok(r.refusal(now).unwrap_or(Settlement::Unknown))
}

/// Inserts a request (under a transaction when `tx` is given);
/// [`OpError::Exists`] when a row with its nonce or transaction hash exists.
pub(super) async fn insert(
    pool: &Pool,
    request: &[u8],
    nonce: &[u8; 32],
    terms: &RequestTerms,
    tx: Option<&TxHash>,
) -> Result<(), OpError> {
    let issued_at = i64::try_from(terms.issued_at).map_err(|_| OpError::OutOfRange("issued_at"))?;
    let expires_at =
        i64::try_from(terms.expires_at).map_err(|_| OpError::OutOfRange("expires_at"))?;
    let max_failures = i64::from(terms.max_failures);
    let tx: Option<&[u8]> = tx.map(|t| &t[..]);
    let client = pool.get().await?;
    let stmt = client.prepare_cached(RECORD).await?;
    let inserted = client
        .execute(
            &stmt,
            &[
                &&nonce[..],
                &&terms.digest[..],
                &request,
                &issued_at,
                &expires_at,
                &max_failures,
                &tx,
            ],
        )
        .await?;
    match inserted {
        0 => Err(OpError::Exists),
        _ => Ok(()),
    }
}

/// The transaction and the request's canonical bytes of the one row `sql`
/// selects by `key`, if any.
pub(super) async fn select_transaction(
    pool: &Pool,
    sql: &'static str,
    key: [u8; 32],
) -> Result<Option<(Transaction, Vec<u8>)>, OpError> {
    let client = pool.get().await?;
    let stmt = client.prepare_cached(sql).await?;
    match client.query_opt(&stmt, &[&&key[..]]).await? {
        Some(row) => Ok(Some((
            transaction_at(&row, 0)?,
            column::<Vec<u8>, Vec<u8>>(&row, 10)?,
        ))),
        None => Ok(None),
    }
}

/// Brings the schema to [`SCHEMA_VERSION`], one migration per transaction,
/// each under the migration lock.
pub(super) async fn migrate(pool: &Pool) -> Result<(), OpError> {
    let mut client = pool.get().await?;
    loop {
        let tx = client.transaction().await?;
        tx.execute(MIGRATION_LOCK, &[]).await?;
        tx.batch_execute(VERSION_TABLE).await?;
        let found: i64 = match tx.query_opt(READ_VERSION, &[]).await? {
            Some(row) => i64::from(column::<i32, i32>(&row, 0)?),
            None => 0,
        };
        let from = usize::try_from(found)
            .ok()
            .filter(|&v| v <= MIGRATIONS.len())
            .ok_or(OpError::SchemaVersion(found))?;
        let Some(migration) = MIGRATIONS.get(from) else {
            return Ok(tx.commit().await?);
        };
        tx.batch_execute(migration).await?;
        let to = i32::try_from(from + 1).map_err(|_| OpError::SchemaVersion(found))?;
        tx.execute(WRITE_VERSION, &[&to]).await?;
        tx.commit().await?;
    }
}

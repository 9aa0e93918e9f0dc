//! Where events go: SQLite (default, one file, WAL) or PostgreSQL, same schema, same tests.
//!
//! Why sqlx: one async API for both drivers (pools, transactions, bound parameters), SQLite
//! bundled (nothing to install for `npm start`) and a pure-Rust PostgreSQL client; only the
//! SQL dialect details below differ.
//!
//! SQLite allows one writer at a time, so it gets a single writer task fed by a channel: the
//! task takes every batch waiting in the channel and writes them in one transaction (group
//! commit; a batch is never split across transactions, and if the group fails each batch is
//! retried alone so one bad batch cannot fail the others). PostgreSQL takes concurrent
//! transactions, so each batch is its own transaction on a pool.

use std::str::FromStr;
use std::time::Duration;

use serde_json::{Map, Value};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Connection, Database, QueryBuilder};
use tokio::sync::{mpsc, oneshot};

use crate::decode::{Batch, EventRow};

/// The default database URL.
pub const DEFAULT_URL: &str = "sqlite://./data/unstuck.db";

/// Rows per INSERT statement (9 parameters each; far below both drivers' limits).
const ROWS_PER_STATEMENT: usize = 500;
/// Batches written in one SQLite transaction at most.
const MAX_GROUP: usize = 256;

const SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS events (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        session TEXT NOT NULL,
        user_id TEXT,
        seq BIGINT NOT NULL,
        t BIGINT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        received_at BIGINT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS events_received_at ON events (received_at)",
    // Events the SDK lost to its own storage bound, as reported by the batch that followed.
    // Keyed by the batch, so a retried batch is counted once.
    "CREATE TABLE IF NOT EXISTS losses (
        batch TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        session TEXT NOT NULL,
        dropped BIGINT NOT NULL,
        received_at BIGINT NOT NULL
    )",
];

/// What storing a batch did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Events new to the store.
    pub stored: u64,
    /// Events already there (same id), left as they were.
    pub duplicates: u64,
}

/// A storage failure (reported to clients as 503, so they retry).
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self(e.to_string())
    }
}

/// Filters for [`Store::export`].
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    /// Only events received at or after this time (ms since the epoch).
    pub since: Option<i64>,
    /// Only this site.
    pub site: Option<String>,
}

/// One stored event, as exported.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEvent {
    /// Event id.
    pub id: String,
    /// Site key.
    pub site: String,
    /// Session.
    pub session: String,
    /// User id, if known.
    pub user: Option<String>,
    /// Per-session counter.
    pub seq: i64,
    /// When it happened.
    pub t: i64,
    /// Event type.
    pub kind: String,
    /// The other fields, as JSON text.
    pub payload: String,
    /// When the server stored it.
    pub received_at: i64,
}

impl StoredEvent {
    /// The JSON line `unstuck export` prints.
    pub fn to_json(&self) -> Value {
        let payload = serde_json::from_str(&self.payload)
            .unwrap_or_else(|_| Value::String(self.payload.clone()));
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("type".into(), self.kind.clone().into());
        m.insert("site".into(), self.site.clone().into());
        m.insert("session".into(), self.session.clone().into());
        m.insert("user".into(), self.user.clone().into());
        m.insert("seq".into(), self.seq.into());
        m.insert("t".into(), self.t.into());
        m.insert("received_at".into(), self.received_at.into());
        m.insert("payload".into(), payload);
        Value::Object(m)
    }
}

type Row = (
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    String,
    String,
    i64,
);

fn stored_event(r: Row) -> StoredEvent {
    StoredEvent {
        id: r.0,
        site: r.1,
        session: r.2,
        user: r.3,
        seq: r.4,
        t: r.5,
        kind: r.6,
        payload: r.7,
        received_at: r.8,
    }
}

struct Insert {
    batch: Batch,
    received_at: i64,
    reply: oneshot::Sender<Result<Outcome, StoreError>>,
}

enum Job {
    Insert(Insert),
    Stop(oneshot::Sender<()>),
}

#[derive(Clone, Debug)]
enum Inner {
    Sqlite {
        jobs: mpsc::Sender<Job>,
        read: SqlitePool,
    },
    Postgres(PgPool),
}

/// A handle on the store; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Inner,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Job::Insert(_) => "Insert",
            Job::Stop(_) => "Stop",
        })
    }
}

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `sqlite:` URLs.
    Sqlite,
    /// `postgres:` or `postgresql:` URLs.
    Postgres,
}

impl Kind {
    /// Reads the scheme of a database URL.
    pub fn of(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://..."
            )))
        }
    }
}

impl Store {
    /// Opens (and on first use creates) the store, and makes sure the schema exists.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, true).await
    }

    /// Opens a store that must already exist (for `unstuck export`: a mistyped SQLite path
    /// is an error, not a new empty database).
    pub async fn open_existing(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, false).await
    }

    async fn open_with(url: &str, create: bool) -> Result<Self, StoreError> {
        match Kind::of(url)? {
            Kind::Sqlite => Self::open_sqlite(url, create).await,
            Kind::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?;
                for sql in SCHEMA {
                    sqlx::query(sql).execute(&pool).await?;
                }
                Ok(Self {
                    inner: Inner::Postgres(pool),
                })
            }
        }
    }

    async fn open_sqlite(url: &str, create: bool) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL survives a crash of the process (what a kill or a panic
            // is); only a power cut can lose the last transactions.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10));
        if !create && !options.get_filename().exists() {
            return Err(StoreError(format!(
                "no database at {}",
                options.get_filename().display()
            )));
        }
        if let Some(dir) = options.get_filename().parent() {
            if create && !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError(format!("cannot create directory {}: {e}", dir.display()))
                })?;
            }
        }
        let mut writer = SqliteConnection::connect_with(&options).await?;
        for sql in SCHEMA {
            sqlx::query(sql).execute(&mut writer).await?;
        }
        let read = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await?;
        let (jobs, rx) = mpsc::channel(1024);
        tokio::spawn(sqlite_writer(writer, rx));
        Ok(Self {
            inner: Inner::Sqlite { jobs, read },
        })
    }

    /// Which database this is.
    pub fn kind(&self) -> Kind {
        match self.inner {
            Inner::Sqlite { .. } => Kind::Sqlite,
            Inner::Postgres(_) => Kind::Postgres,
        }
    }

    /// Stores a batch in one transaction; events whose id is already stored are left alone
    /// and counted as duplicates. Once called, the write completes even if the caller is
    /// dropped (a client that hangs up does not undo what it sent).
    pub async fn insert(&self, batch: Batch, received_at: i64) -> Result<Outcome, StoreError> {
        match &self.inner {
            Inner::Sqlite { jobs, .. } => {
                let (reply, answer) = oneshot::channel();
                jobs.send(Job::Insert(Insert {
                    batch,
                    received_at,
                    reply,
                }))
                .await
                .map_err(|_| StoreError("the store is closed".into()))?;
                answer
                    .await
                    .map_err(|_| StoreError("the writer stopped".into()))?
            }
            Inner::Postgres(pool) => {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let mut attempt = 1;
                    loop {
                        let result = async {
                            let mut tx = pool.begin().await?;
                            let outcome = insert_pg(&mut tx, &batch, received_at).await?;
                            tx.commit().await?;
                            Ok::<_, sqlx::Error>(outcome)
                        }
                        .await;
                        match result {
                            // A deadlock or serialization failure is worth another go.
                            Err(sqlx::Error::Database(e))
                                if attempt < 3
                                    && matches!(e.code().as_deref(), Some("40P01" | "40001")) =>
                            {
                                attempt += 1;
                            }
                            other => return other.map_err(StoreError::from),
                        }
                    }
                })
                .await
                .map_err(|e| StoreError(format!("insert task failed: {e}")))?
            }
        }
    }

    /// A cheap query, for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.inner {
            Inner::Sqlite { read, .. } => {
                sqlx::query("SELECT 1").execute(read).await?;
            }
            Inner::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// How many events are stored.
    pub async fn count(&self) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM events";
        Ok(match &self.inner {
            Inner::Sqlite { read, .. } => sqlx::query_scalar(sql).fetch_one(read).await?,
            Inner::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
        })
    }

    /// Stored events in order of arrival, one page at a time (keyset pagination, so memory
    /// stays bounded however large the table): calls `each` for every event.
    pub async fn export(
        &self,
        filter: &ExportFilter,
        mut each: impl FnMut(StoredEvent),
    ) -> Result<(), StoreError> {
        const PAGE: i64 = 1000;
        let mut after: Option<(i64, String)> = None;
        loop {
            let rows: Vec<Row> = match &self.inner {
                Inner::Sqlite { read, .. } => {
                    export_query::<sqlx::Sqlite>(filter, &after, PAGE)
                        .build_query_as()
                        .fetch_all(read)
                        .await?
                }
                Inner::Postgres(pool) => {
                    export_query::<sqlx::Postgres>(filter, &after, PAGE)
                        .build_query_as()
                        .fetch_all(pool)
                        .await?
                }
            };
            let full = rows.len() as i64 == PAGE;
            for row in rows {
                after = Some((row.8, row.0.clone()));
                each(stored_event(row));
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Losses the SDKs reported: `(site, session, dropped)` per batch, in order of arrival.
    pub async fn losses(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let sql = "SELECT site, session, dropped FROM losses ORDER BY received_at, batch";
        Ok(match &self.inner {
            Inner::Sqlite { read, .. } => sqlx::query_as(sql).fetch_all(read).await?,
            Inner::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await?,
        })
    }

    /// Finishes the writes already queued, then closes the connections.
    pub async fn close(self) {
        match self.inner {
            Inner::Sqlite { jobs, read } => {
                let (ack, done) = oneshot::channel();
                if jobs.send(Job::Stop(ack)).await.is_ok() {
                    let _ = done.await;
                }
                read.close().await;
            }
            Inner::Postgres(pool) => pool.close().await,
        }
    }
}

fn export_query<'a, DB: Database>(
    filter: &ExportFilter,
    after: &Option<(i64, String)>,
    limit: i64,
) -> QueryBuilder<DB>
where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut q = QueryBuilder::new(
        "SELECT id, site, session, user_id, seq, t, type, payload, received_at FROM events WHERE 1=1",
    );
    if let Some(since) = filter.since {
        q.push(" AND received_at >= ").push_bind(since);
    }
    if let Some(site) = &filter.site {
        q.push(" AND site = ").push_bind(site.clone());
    }
    if let Some((at, id)) = after {
        q.push(" AND (received_at > ")
            .push_bind(*at)
            .push(" OR (received_at = ")
            .push_bind(*at)
            .push(" AND id > ")
            .push_bind(id.clone())
            .push("))");
    }
    q.push(" ORDER BY received_at, id LIMIT ").push_bind(limit);
    q
}

/// `INSERT ... VALUES (...), (...) ON CONFLICT (id) DO NOTHING` for up to
/// [`ROWS_PER_STATEMENT`] rows. Both SQLite and PostgreSQL skip a row whose id is taken,
/// including an id repeated within the same statement.
fn insert_events<'a, DB: Database>(
    batch: &Batch,
    rows: &[&EventRow],
    received_at: i64,
) -> QueryBuilder<DB>
where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut q = QueryBuilder::new(
        "INSERT INTO events (id, site, session, user_id, seq, t, type, payload, received_at) ",
    );
    q.push_values(rows, |mut v, e| {
        v.push_bind(e.id.clone())
            .push_bind(batch.site.clone())
            .push_bind(batch.session.clone())
            .push_bind(batch.user.clone())
            .push_bind(e.seq)
            .push_bind(e.t)
            .push_bind(e.kind.clone())
            .push_bind(e.payload.clone())
            .push_bind(received_at);
    });
    q.push(" ON CONFLICT (id) DO NOTHING");
    q
}

fn insert_loss<'a, DB: Database>(batch: &Batch, received_at: i64) -> QueryBuilder<DB>
where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    // A retried batch carries the same first event (or, when empty, the same sent_at).
    let key = match batch.events.first() {
        Some(e) => format!("{}/{}/{}", batch.site, batch.session, e.id),
        None => format!(
            "{}/{}/t{}",
            batch.site,
            batch.session,
            batch.sent_at.unwrap_or(received_at)
        ),
    };
    let mut q =
        QueryBuilder::new("INSERT INTO losses (batch, site, session, dropped, received_at) ");
    q.push_values([()], |mut v, ()| {
        v.push_bind(key.clone())
            .push_bind(batch.site.clone())
            .push_bind(batch.session.clone())
            .push_bind(batch.dropped)
            .push_bind(received_at);
    });
    q.push(" ON CONFLICT (batch) DO NOTHING");
    q
}

fn outcome(total: usize, stored: u64) -> Outcome {
    Outcome {
        stored,
        duplicates: total as u64 - stored,
    }
}

async fn insert_sqlite(
    conn: &mut SqliteConnection,
    batch: &Batch,
    received_at: i64,
) -> Result<Outcome, sqlx::Error> {
    let mut stored = 0;
    let rows: Vec<&EventRow> = batch.events.iter().collect();
    for rows in rows.chunks(ROWS_PER_STATEMENT) {
        stored += insert_events::<sqlx::Sqlite>(batch, rows, received_at)
            .build()
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    if batch.dropped > 0 {
        insert_loss::<sqlx::Sqlite>(batch, received_at)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(outcome(batch.events.len(), stored))
}

async fn insert_pg(
    conn: &mut sqlx::PgConnection,
    batch: &Batch,
    received_at: i64,
) -> Result<Outcome, sqlx::Error> {
    let mut stored = 0;
    // Concurrent transactions that insert the same ids wait on each other's index entries;
    // taking ids in one global order means two overlapping batches cannot deadlock.
    let mut rows: Vec<&EventRow> = batch.events.iter().collect();
    rows.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    for rows in rows.chunks(ROWS_PER_STATEMENT) {
        stored += insert_events::<sqlx::Postgres>(batch, rows, received_at)
            .build()
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    if batch.dropped > 0 {
        insert_loss::<sqlx::Postgres>(batch, received_at)
            .build()
            .execute(&mut *conn)
            .await?;
    }
    Ok(outcome(batch.events.len(), stored))
}

/// The single SQLite writer: group commit of whatever is waiting.
async fn sqlite_writer(mut conn: SqliteConnection, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.recv().await {
        let mut group = Vec::new();
        let mut stop = None;
        match first {
            Job::Insert(i) => group.push(i),
            Job::Stop(ack) => stop = Some(ack),
        }
        while stop.is_none() && group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(Job::Insert(i)) => group.push(i),
                Ok(Job::Stop(ack)) => stop = Some(ack),
                Err(_) => break,
            }
        }
        if !group.is_empty() {
            write_group(&mut conn, group).await;
        }
        if let Some(ack) = stop {
            if let Err(e) = conn.close().await {
                tracing::warn!(error = %e, "closing the SQLite writer");
            }
            let _ = ack.send(());
            return;
        }
    }
}

async fn write_group(conn: &mut SqliteConnection, group: Vec<Insert>) {
    let together = async {
        let mut tx = conn.begin().await?;
        let mut outcomes = Vec::with_capacity(group.len());
        for job in &group {
            outcomes.push(insert_sqlite(&mut tx, &job.batch, job.received_at).await?);
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(outcomes)
    }
    .await;
    match together {
        Ok(outcomes) => {
            for (job, outcome) in group.into_iter().zip(outcomes) {
                let _ = job.reply.send(Ok(outcome));
            }
        }
        Err(e) if group.len() == 1 => {
            let job = group.into_iter().next().expect("one job");
            let _ = job.reply.send(Err(e.into()));
        }
        Err(e) => {
            tracing::warn!(error = %e, batches = group.len(), "group write failed; writing each batch alone");
            for job in group {
                let alone = async {
                    let mut tx = conn.begin().await?;
                    let outcome = insert_sqlite(&mut tx, &job.batch, job.received_at).await?;
                    tx.commit().await?;
                    Ok::<_, sqlx::Error>(outcome)
                }
                .await;
                let _ = job.reply.send(alone.map_err(StoreError::from));
            }
        }
    }
}

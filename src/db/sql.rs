//! SQL text built at run time for the few queries diesel's DSL cannot say on both backends (full-
//! text search, one-statement pages): the text is fixed by the code, every value is bound, and the
//! placeholders follow the connection (`?` on SQLite, `$n` on PostgreSQL).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::backend::Backend;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, BoxedSqlQuery, Query, QueryFragment, QueryId, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Date, HasSqlType, Text, Timestamp, Untyped};
use diesel::sqlite::Sqlite;

use crate::db::DbConnection;

/// The session user's unread notices, counted inside the session query (a correlated subquery
/// diesel's DSL cannot say).
pub(crate) fn unread_notices() -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql(
        "(SELECT COUNT(*) FROM notices WHERE notices.user_id = sessions.user_id AND notices.read_at IS NULL)",
    )
}

/// A value bound to a placeholder.
#[derive(Clone, Debug)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
    Date(NaiveDate),
    Timestamp(NaiveDateTime),
}

/// A statement being written.
pub(crate) struct Sql {
    text: String,
    binds: Vec<Bind>,
    /// Where each bind's placeholder sits in `text` (start, end).
    marks: Vec<(usize, usize)>,
    pub(crate) postgres: bool,
}

impl Sql {
    /// A statement for `conn`'s backend.
    pub(crate) fn for_connection(conn: &DbConnection) -> Self {
        Self::new(matches!(conn, DbConnection::Postgresql(_)))
    }

    pub(crate) fn new(postgres: bool) -> Self {
        Self { text: String::with_capacity(1024), binds: Vec::new(), marks: Vec::new(), postgres }
    }

    /// Appends SQL text. Only text fixed at compile time: a value can reach the statement only as a
    /// bound placeholder ([`Sql::bind`]).
    pub(crate) fn push(&mut self, sql: &'static str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        let start = self.text.len();
        if self.postgres {
            let n = self.binds.len();
            self.text.push('$');
            self.text.push_str(&n.to_string());
        } else {
            self.text.push('?');
        }
        self.marks.push((start, self.text.len()));
        self
    }

    pub(crate) fn sqlite(self) -> BoxedSqlQuery<'static, Sqlite, SqlQuery> {
        let mut query = diesel::sql_query(self.text).into_boxed::<Sqlite>();
        for bind in self.binds {
            query = match bind {
                Bind::Int(v) => query.bind::<BigInt, _>(v),
                Bind::Text(v) => query.bind::<Text, _>(v),
                Bind::Date(v) => query.bind::<Date, _>(v),
                Bind::Timestamp(v) => query.bind::<Timestamp, _>(v),
            };
        }
        query
    }

    pub(crate) fn pg(self) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
        let mut query = diesel::sql_query(self.text).into_boxed::<Pg>();
        for bind in self.binds {
            query = match bind {
                Bind::Int(v) => query.bind::<BigInt, _>(v),
                Bind::Text(v) => query.bind::<Text, _>(v),
                Bind::Date(v) => query.bind::<Date, _>(v),
                Bind::Timestamp(v) => query.bind::<Timestamp, _>(v),
            };
        }
        query
    }

    /// The statement as one the connection prepares once and keeps (diesel's statement cache,
    /// keyed by the SQL text): for statements whose text comes from a small set of shapes, so
    /// that a hot page neither re-prepares (SQLite) nor re-plans (PostgreSQL) it on every request.
    pub(crate) fn prepared(self) -> Prepared {
        Prepared { text: self.text, binds: self.binds, marks: self.marks }
    }

    /// Runs the statement, prepared once per connection (see [`Sql::prepared`]), and loads every
    /// row as `T`.
    pub(crate) fn load<T>(self, conn: &mut DbConnection) -> QueryResult<Vec<T>>
    where
        T: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
    {
        let query = self.prepared();
        match conn {
            DbConnection::Sqlite(c) => query.load(c),
            DbConnection::Postgresql(c) => query.load(c),
        }
    }

    /// Runs the statement, prepared once per connection, and returns its one row, if any.
    pub(crate) fn first<T>(self, conn: &mut DbConnection) -> QueryResult<Option<T>>
    where
        T: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
    {
        let query = self.prepared();
        match conn {
            DbConnection::Sqlite(c) => query.get_result(c).optional(),
            DbConnection::Postgresql(c) => query.get_result(c).optional(),
        }
    }
}

/// A statement built by [`Sql`] that diesel may keep prepared. `diesel::sql_query` marks itself
/// unsafe to cache; this one does not, and has no static query id, so diesel's cache keys it by
/// its SQL text and bind types. Its binds go through diesel's own placeholders.
pub(crate) struct Prepared {
    text: String,
    binds: Vec<Bind>,
    marks: Vec<(usize, usize)>,
}

impl<DB> QueryFragment<DB> for Prepared
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text> + HasSqlType<Date> + HasSqlType<Timestamp>,
    i64: ToSql<BigInt, DB>,
    String: ToSql<Text, DB>,
    NaiveDate: ToSql<Date, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let mut from = 0;
        for (bind, &(start, end)) in self.binds.iter().zip(&self.marks) {
            out.push_sql(&self.text[from..start]);
            match bind {
                Bind::Int(v) => out.push_bind_param::<BigInt, _>(v)?,
                Bind::Text(v) => out.push_bind_param::<Text, _>(v)?,
                Bind::Date(v) => out.push_bind_param::<Date, _>(v)?,
                Bind::Timestamp(v) => out.push_bind_param::<Timestamp, _>(v)?,
            }
            from = end;
        }
        out.push_sql(&self.text[from..]);
        Ok(())
    }
}

impl QueryId for Prepared {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Prepared {
    type SqlType = Untyped;
}

impl<C> RunQueryDsl<C> for Prepared {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        let mut sqlite = Sql::new(false);
        sqlite.push("a = ").bind(Bind::Int(1)).push(" AND b = ").bind(Bind::Text("x".into()));
        assert_eq!(sqlite.text, "a = ? AND b = ?");
        let mut pg = Sql::new(true);
        pg.push("a = ").bind(Bind::Int(1)).push(" AND b = ").bind(Bind::Text("x".into()));
        assert_eq!(pg.text, "a = $1 AND b = $2");
    }

    #[test]
    fn a_prepared_statement_has_diesels_placeholders_and_may_be_cached() {
        for postgres in [false, true] {
            let mut sql = Sql::new(postgres);
            sql.push("SELECT a FROM t WHERE a = ").bind(Bind::Int(1)).push(" AND b = ").bind(Bind::Text("x".into()));
            let prepared = sql.prepared();
            if postgres {
                let shown = diesel::debug_query::<Pg, _>(&prepared).to_string();
                assert!(shown.starts_with("SELECT a FROM t WHERE a = $1 AND b = $2"), "{shown}");
                assert!(QueryFragment::<Pg>::is_safe_to_cache_prepared(&prepared, &Pg).unwrap());
            } else {
                let shown = diesel::debug_query::<Sqlite, _>(&prepared).to_string();
                assert!(shown.starts_with("SELECT a FROM t WHERE a = ? AND b = ?"), "{shown}");
                assert!(QueryFragment::<Sqlite>::is_safe_to_cache_prepared(&prepared, &Sqlite).unwrap());
            }
        }
    }
}

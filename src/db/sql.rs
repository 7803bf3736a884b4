//! SQL text built at run time for the few queries diesel's DSL cannot say on both backends (full-
//! text search, one-statement pages): the text is fixed by the code, every value is bound, and the
//! placeholders follow the connection (`?` on SQLite, `$n` on PostgreSQL).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Date, Text, Timestamp};
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
    pub(crate) postgres: bool,
}

impl Sql {
    /// A statement for `conn`'s backend.
    pub(crate) fn for_connection(conn: &DbConnection) -> Self {
        Self::new(matches!(conn, DbConnection::Postgresql(_)))
    }

    pub(crate) fn new(postgres: bool) -> Self {
        Self { text: String::with_capacity(1024), binds: Vec::new(), postgres }
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
        if self.postgres {
            let n = self.binds.len();
            self.text.push('$');
            self.text.push_str(&n.to_string());
        } else {
            self.text.push('?');
        }
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

    /// Runs the statement and loads every row as `T`.
    pub(crate) fn load<T>(self, conn: &mut DbConnection) -> QueryResult<Vec<T>>
    where
        T: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
    {
        match conn {
            DbConnection::Sqlite(c) => self.sqlite().load(c),
            DbConnection::Postgresql(c) => self.pg().load(c),
        }
    }
}

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
}

//! The shared skill vocabulary. Skills are normalised so that "Postgres", "postgresql" and
//! "PostgreSQL " are one skill: trimmed, spaces collapsed, compared in lower case, and common
//! aliases folded into one canonical name.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::skills;
use crate::error::AppError;

/// A skill in the shared vocabulary.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = skills)]
pub struct Skill {
    pub id: i64,
    pub key: String,
    pub name: String,
}

/// Longest skill name accepted.
pub const MAX_SKILL: usize = 60;
/// Most skills on one record or in one search.
pub const MAX_SKILLS: usize = 40;

/// Aliases folded into one canonical skill: (alias keys, canonical name).
const CANONICAL: &[(&[&str], &str)] = &[
    (&["postgresql", "postgres", "psql", "pg", "postgre sql"], "PostgreSQL"),
    (&["javascript", "js", "java script", "ecmascript"], "JavaScript"),
    (&["typescript", "ts"], "TypeScript"),
    (&["go", "golang"], "Go"),
    (&["kubernetes", "k8s"], "Kubernetes"),
    (&["node.js", "node", "nodejs", "node js"], "Node.js"),
    (&["react", "reactjs", "react.js", "react js"], "React"),
    (&["vue.js", "vue", "vuejs"], "Vue.js"),
    (&["angular", "angularjs", "angular.js"], "Angular"),
    (&["aws", "amazon web services"], "AWS"),
    (&["google cloud", "gcp", "google cloud platform"], "Google Cloud"),
    (&["azure", "microsoft azure"], "Azure"),
    (&["c#", "csharp", "c sharp"], "C#"),
    (&[".net", "dotnet", "dot net", ".net core"], ".NET"),
    (&["c++", "cpp"], "C++"),
    (&["python", "py", "python3"], "Python"),
    (&["machine learning", "ml"], "Machine Learning"),
    (&["sql server", "mssql", "ms sql", "microsoft sql server"], "SQL Server"),
    (&["mysql", "my sql"], "MySQL"),
    (&["mongodb", "mongo"], "MongoDB"),
    (&["ruby on rails", "rails", "ror"], "Ruby on Rails"),
    (&["kafka", "apache kafka"], "Kafka"),
    (&["spark", "apache spark", "pyspark"], "Spark"),
    (&["elasticsearch", "elastic search", "elastic"], "Elasticsearch"),
    (&["ci/cd", "cicd", "ci cd"], "CI/CD"),
    (&["power bi", "powerbi"], "Power BI"),
    (&["airflow", "apache airflow"], "Airflow"),
    (&["spring boot", "springboot"], "Spring Boot"),
    (&["graphql", "graph ql"], "GraphQL"),
    (&["terraform", "tf"], "Terraform"),
    (&["rust", "rust lang", "rustlang"], "Rust"),
    (&["java"], "Java"),
    (&["kotlin"], "Kotlin"),
    (&["scala"], "Scala"),
    (&["ruby"], "Ruby"),
    (&["php"], "PHP"),
    (&["docker"], "Docker"),
    (&["linux"], "Linux"),
    (&["sql"], "SQL"),
    (&["redis"], "Redis"),
    (&["django"], "Django"),
    (&["flask"], "Flask"),
    (&["swift"], "Swift"),
    (&["ios"], "iOS"),
    (&["android"], "Android"),
    (&["devops", "dev ops"], "DevOps"),
    (&["sre", "site reliability engineering"], "SRE"),
    (&["html", "html5"], "HTML"),
    (&["css", "css3"], "CSS"),
    (&["sap"], "SAP"),
    (&["salesforce", "sfdc"], "Salesforce"),
    (&["snowflake"], "Snowflake"),
    (&["dbt"], "dbt"),
    (&["tableau"], "Tableau"),
    (&["jira"], "Jira"),
    (&["scrum"], "Scrum"),
    (&["agile"], "Agile"),
    (&["ansible"], "Ansible"),
    (&["git"], "Git"),
    (&["figma"], "Figma"),
    (&["laravel"], "Laravel"),
    (&["next.js", "nextjs", "next js"], "Next.js"),
];

/// The canonical form of a skill name: (lookup key, display name), or `None` when blank.
pub fn normalize(raw: &str) -> Option<(String, String)> {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = collapsed.trim_matches(|c: char| matches!(c, ',' | ';' | '|' | '"' | '\''));
    if trimmed.is_empty() {
        return None;
    }
    let key = trimmed.to_lowercase();
    for (aliases, name) in CANONICAL {
        if aliases.contains(&key.as_str()) {
            return Some((name.to_lowercase(), (*name).to_string()));
        }
    }
    Some((key, trimmed.to_string()))
}

/// Splits a comma-, semicolon- or line-separated list into normalised skills, without repeats,
/// in the order given. Reports names that are too long and lists of more than [`MAX_SKILLS`].
pub fn parse_list(raw: &str) -> Result<Vec<(String, String)>, String> {
    parse_list_of_at_most(raw, MAX_SKILLS)
}

/// Like [`parse_list`], with a different limit on how many skills.
pub fn parse_list_of_at_most(raw: &str, max: usize) -> Result<Vec<(String, String)>, String> {
    let mut seen = BTreeMap::new();
    let mut out = Vec::new();
    for part in raw.split([',', ';', '\n']) {
        let Some((key, name)) = normalize(part) else { continue };
        if name.chars().count() > MAX_SKILL {
            return Err(format!(
                "\"{}…\" is too long for a skill (at most {MAX_SKILL} characters).",
                name.chars().take(20).collect::<String>()
            ));
        }
        if seen.insert(key.clone(), ()).is_none() {
            out.push((key, name));
        }
    }
    if out.len() > max {
        return Err(format!("Use at most {max} skills (this list has {}).", out.len()));
    }
    Ok(out)
}

impl Skill {
    /// The skills with these keys that exist, in the order given (unknown keys are skipped).
    pub fn find_by_keys(conn: &mut DbConnection, keys: &[String]) -> Result<Vec<Skill>, AppError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<Skill> = skills::table.filter(skills::key.eq_any(keys)).select(Skill::as_select()).load(conn)?;
        Ok(keys.iter().filter_map(|k| found.iter().find(|s| &s.key == k).cloned()).collect())
    }

    /// Finds or adds each normalised skill; returns them in the order given.
    pub fn resolve(
        conn: &mut DbConnection,
        normalized: &[(String, String)],
        now: NaiveDateTime,
    ) -> Result<Vec<Skill>, AppError> {
        if normalized.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = normalized.iter().map(|(k, _)| k.clone()).collect();
        let existing = Self::find_by_keys(conn, &keys)?;
        let missing: Vec<_> = normalized
            .iter()
            .filter(|(key, _)| !existing.iter().any(|s| &s.key == key))
            .map(|(key, name)| (skills::key.eq(key), skills::name.eq(name), skills::created_at.eq(now)))
            .collect();
        if !missing.is_empty() {
            // Another request may add the same skill at the same moment: ignore the clash
            // (a failed INSERT would abort a PostgreSQL transaction).
            match conn {
                DbConnection::Sqlite(c) => diesel::insert_into(skills::table)
                    .values(&missing)
                    .on_conflict(skills::key)
                    .do_nothing()
                    .execute(c)?,
                DbConnection::Postgresql(c) => diesel::insert_into(skills::table)
                    .values(&missing)
                    .on_conflict(skills::key)
                    .do_nothing()
                    .execute(c)?,
            };
        }
        Self::find_by_keys(conn, &keys)
    }

    /// Skill names starting with `prefix` (for suggestions), most common spelling first.
    pub fn suggest(conn: &mut DbConnection, prefix: &str, limit: i64) -> Result<Vec<String>, AppError> {
        let Some((key, _)) = normalize(prefix) else { return Ok(Vec::new()) };
        let pattern = format!("{}%", key.replace(['%', '_'], ""));
        Ok(skills::table
            .filter(skills::key.like(pattern))
            .order(skills::name.asc())
            .limit(limit)
            .select(skills::name)
            .load(conn)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_skill_become_one() {
        for raw in ["Postgres", "postgresql", "PostgreSQL ", "  postgres  ", "PG"] {
            assert_eq!(normalize(raw), Some(("postgresql".into(), "PostgreSQL".into())), "{raw}");
        }
        assert_eq!(normalize("k8s").unwrap().1, "Kubernetes");
        assert_eq!(normalize("Event   Sourcing").unwrap(), ("event sourcing".into(), "Event Sourcing".into()));
        assert_eq!(normalize("  "), None);
    }

    #[test]
    fn a_list_is_split_deduplicated_and_bounded() {
        let parsed = parse_list("Rust, postgres; PostgreSQL\nGo,, golang").unwrap();
        let names: Vec<_> = parsed.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["Rust", "PostgreSQL", "Go"]);
        let many = (0..41).map(|n| format!("skill{n}")).collect::<Vec<_>>().join(",");
        assert!(parse_list(&many).unwrap_err().contains("at most 40 skills"));
        assert!(parse_list(&"x".repeat(61)).is_err());
    }
}

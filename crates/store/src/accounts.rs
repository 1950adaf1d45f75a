//! Accounts, sessions, API tokens and settings in SQLite. Passwords and tokens arrive
//! already hashed: the store never sees a secret.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Result, StoreError};
use crate::types::{ApiToken, Role, Session, User};

pub(crate) fn role_of(s: &str, what: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt {
        what: what.to_string(),
        reason: format!("unknown role '{s}'"),
    })
}

pub(crate) fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            what: format!("{what} '{name}'"),
            reason: "use 1-64 letters, digits, '_', '-', '.' or '@'".into(),
        })
    }
}

pub(crate) fn put_user(
    conn: &Connection,
    name: &str,
    role: Role,
    password_hash: &str,
    now: &str,
) -> Result<()> {
    check_name("user name", name)?;
    conn.prepare_cached(
        "INSERT INTO users(name, role, password_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT(name) DO UPDATE SET role = excluded.role,
            password_hash = excluded.password_hash, updated_at = excluded.updated_at",
    )?
    .execute(params![name, role.as_str(), password_hash, now])?;
    Ok(())
}

fn user_from(row: (String, String, String, String)) -> Result<User> {
    let (name, role, password_hash, created_at) = row;
    Ok(User {
        role: role_of(&role, &format!("users.role of {name}"))?,
        name,
        password_hash,
        created_at,
    })
}

pub(crate) fn user(conn: &Connection, name: &str) -> Result<Option<User>> {
    let row = conn
        .prepare_cached("SELECT name, role, password_hash, created_at FROM users WHERE name = ?1")?
        .query_row([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    row.map(user_from).transpose()
}

pub(crate) fn users(conn: &Connection) -> Result<Vec<User>> {
    let rows = conn
        .prepare_cached("SELECT name, role, password_hash, created_at FROM users ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(user_from).collect()
}

pub(crate) fn create_session(
    conn: &Connection,
    token_hash: &str,
    user: &str,
    csrf: &str,
    expires_at: &str,
    now: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sessions(token_hash, user_name, csrf, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![token_hash, user, csrf, now, expires_at])?;
    Ok(())
}

pub(crate) fn session(conn: &Connection, token_hash: &str, now: &str) -> Result<Option<Session>> {
    let row = conn
        .prepare_cached(
            "SELECT s.user_name, u.role, s.csrf, s.expires_at
             FROM sessions s JOIN users u ON u.name = s.user_name
             WHERE s.token_hash = ?1 AND s.expires_at > ?2",
        )?
        .query_row([token_hash, now], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .optional()?;
    row.map(|(user, role, csrf, expires_at)| {
        Ok(Session {
            role: role_of(&role, &format!("users.role of {user}"))?,
            user,
            csrf,
            expires_at,
        })
    })
    .transpose()
}

pub(crate) fn delete_session(conn: &Connection, token_hash: &str, now: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1 OR expires_at <= ?2")?
        .execute([token_hash, now])?;
    Ok(())
}

pub(crate) fn create_api_token(
    conn: &Connection,
    token_hash: &str,
    name: &str,
    role: Role,
    now: &str,
) -> Result<()> {
    check_name("token name", name)?;
    let exists = conn
        .prepare_cached("SELECT 1 FROM api_tokens WHERE name = ?1")?
        .exists([name])?;
    if exists {
        return Err(StoreError::Invalid {
            what: format!("token name '{name}'"),
            reason: "a token with this name exists".into(),
        });
    }
    conn.prepare_cached(
        "INSERT INTO api_tokens(token_hash, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![token_hash, name, role.as_str(), now])?;
    Ok(())
}

fn token_from(row: (String, String, String)) -> Result<ApiToken> {
    let (name, role, created_at) = row;
    Ok(ApiToken {
        role: role_of(&role, &format!("api_tokens.role of {name}"))?,
        name,
        created_at,
    })
}

pub(crate) fn api_token(conn: &Connection, token_hash: &str) -> Result<Option<ApiToken>> {
    let row = conn
        .prepare_cached("SELECT name, role, created_at FROM api_tokens WHERE token_hash = ?1")?
        .query_row([token_hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    row.map(token_from).transpose()
}

pub(crate) fn api_tokens(conn: &Connection) -> Result<Vec<ApiToken>> {
    let rows = conn
        .prepare_cached("SELECT name, role, created_at FROM api_tokens ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(token_from).collect()
}

pub(crate) fn delete_api_token(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM api_tokens WHERE name = ?1")?
        .execute([name])?
        > 0)
}

pub(crate) fn setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

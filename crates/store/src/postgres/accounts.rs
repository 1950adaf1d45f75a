//! Accounts, sessions, API tokens and settings in PostgreSQL (same rules as SQLite's).

use postgres::Client;

use super::col;
use crate::accounts::{check_name, role_of};
use crate::error::{Result, StoreError};
use crate::types::{ApiToken, Role, Session, User};

pub(super) fn put_user(
    c: &mut Client,
    name: &str,
    role: Role,
    password_hash: &str,
    now: &str,
) -> Result<()> {
    check_name("user name", name)?;
    c.execute(
        "INSERT INTO users(name, role, password_hash, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (name) DO UPDATE SET role = excluded.role,
            password_hash = excluded.password_hash, updated_at = excluded.updated_at",
        &[&name, &role.as_str(), &password_hash, &now],
    )?;
    Ok(())
}

fn user_from(row: &postgres::Row) -> Result<User> {
    let name: String = col(row, 0)?;
    Ok(User {
        role: role_of(&col::<String>(row, 1)?, &format!("users.role of {name}"))?,
        password_hash: col(row, 2)?,
        created_at: col(row, 3)?,
        name,
    })
}

pub(super) fn user(c: &mut Client, name: &str) -> Result<Option<User>> {
    c.query_opt(
        "SELECT name, role, password_hash, created_at FROM users WHERE name = $1",
        &[&name],
    )?
    .as_ref()
    .map(user_from)
    .transpose()
}

pub(super) fn users(c: &mut Client) -> Result<Vec<User>> {
    c.query(
        "SELECT name, role, password_hash, created_at FROM users ORDER BY name",
        &[],
    )?
    .iter()
    .map(user_from)
    .collect()
}

pub(super) fn create_session(
    c: &mut Client,
    token_hash: &str,
    user: &str,
    csrf: &str,
    expires_at: &str,
    now: &str,
) -> Result<()> {
    c.execute(
        "INSERT INTO sessions(token_hash, user_name, csrf, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        &[&token_hash, &user, &csrf, &now, &expires_at],
    )?;
    Ok(())
}

pub(super) fn session(c: &mut Client, token_hash: &str, now: &str) -> Result<Option<Session>> {
    let Some(row) = c.query_opt(
        "SELECT s.user_name, u.role, s.csrf, s.expires_at
         FROM sessions s JOIN users u ON u.name = s.user_name
         WHERE s.token_hash = $1 AND s.expires_at > $2",
        &[&token_hash, &now],
    )?
    else {
        return Ok(None);
    };
    let user: String = col(&row, 0)?;
    Ok(Some(Session {
        role: role_of(&col::<String>(&row, 1)?, &format!("users.role of {user}"))?,
        csrf: col(&row, 2)?,
        expires_at: col(&row, 3)?,
        user,
    }))
}

pub(super) fn delete_session(c: &mut Client, token_hash: &str, now: &str) -> Result<()> {
    c.execute(
        "DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2",
        &[&token_hash, &now],
    )?;
    Ok(())
}

pub(super) fn create_api_token(
    c: &mut Client,
    token_hash: &str,
    name: &str,
    role: Role,
    now: &str,
) -> Result<()> {
    check_name("token name", name)?;
    let n = c.execute(
        "INSERT INTO api_tokens(token_hash, name, role, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO NOTHING",
        &[&token_hash, &name, &role.as_str(), &now],
    )?;
    if n == 0 {
        return Err(StoreError::Invalid {
            what: format!("token name '{name}'"),
            reason: "a token with this name exists".into(),
        });
    }
    Ok(())
}

fn token_from(row: &postgres::Row) -> Result<ApiToken> {
    let name: String = col(row, 0)?;
    Ok(ApiToken {
        role: role_of(
            &col::<String>(row, 1)?,
            &format!("api_tokens.role of {name}"),
        )?,
        created_at: col(row, 2)?,
        name,
    })
}

pub(super) fn api_token(c: &mut Client, token_hash: &str) -> Result<Option<ApiToken>> {
    c.query_opt(
        "SELECT name, role, created_at FROM api_tokens WHERE token_hash = $1",
        &[&token_hash],
    )?
    .as_ref()
    .map(token_from)
    .transpose()
}

pub(super) fn api_tokens(c: &mut Client) -> Result<Vec<ApiToken>> {
    c.query(
        "SELECT name, role, created_at FROM api_tokens ORDER BY name",
        &[],
    )?
    .iter()
    .map(token_from)
    .collect()
}

pub(super) fn delete_api_token(c: &mut Client, name: &str) -> Result<bool> {
    Ok(c.execute("DELETE FROM api_tokens WHERE name = $1", &[&name])? > 0)
}

pub(super) fn setting(c: &mut Client, key: &str) -> Result<Option<String>> {
    match c.query_opt("SELECT value FROM settings WHERE key = $1", &[&key])? {
        Some(row) => Ok(Some(col(&row, 0)?)),
        None => Ok(None),
    }
}

pub(super) fn set_setting(c: &mut Client, key: &str, value: &str) -> Result<()> {
    super::check_text(|| format!("setting {key}"), &[Some(key), Some(value)])?;
    c.execute(
        "INSERT INTO settings(key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&key, &value],
    )?;
    Ok(())
}

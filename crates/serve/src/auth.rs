//! Accounts: argon2 password hashes, random session and API tokens (stored only as
//! SHA-256 hashes), the session cookie, CSRF checks, the login rate limit and the
//! [`Access`] extractor every handler starts from.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use lantern_store::Role;
use rand::RngCore;

use crate::app::Shared;
use crate::error::AppError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "lantern_session";
/// Name of the cookie holding the login form's CSRF token (double submit).
pub const LOGIN_CSRF_COOKIE: &str = "lantern_login_csrf";
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// Hash a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches a PHC hash (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A fresh random token: 32 bytes, hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// The SHA-256 (hex) a token is stored under.
pub fn token_hash(token: &str) -> String {
    lantern_ingest::sha256_hex(token.as_bytes())
}

/// Equality that takes the same time wherever the strings differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure when asked.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Whether cookies must be marked Secure: configured, or the request came through an
/// HTTPS proxy.
pub fn secure(state: &Shared, headers: &HeaderMap) -> bool {
    state.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A signed-in person or an API token.
#[derive(Debug, Clone)]
pub struct Who {
    /// Account name (for a token: `token:NAME`).
    pub name: String,
    /// Role.
    pub role: Role,
    /// The session's CSRF token (empty for API tokens, which need none).
    pub csrf: String,
}

/// What the request may see and do.
#[derive(Debug, Clone)]
pub struct Access {
    /// The signed-in person or token, if any.
    pub who: Option<Who>,
    /// Whether public read-only mode is on.
    pub public: bool,
}

impl Access {
    /// Reading is allowed: signed in, or public mode. Otherwise: go to the login page.
    pub fn read(&self) -> Result<(), AppError> {
        if self.who.is_some() || self.public {
            Ok(())
        } else {
            Err(AppError::login())
        }
    }

    /// Sensitive fields (attribution wording, reviewer names and notes) may be shown.
    pub fn sensitive(&self) -> bool {
        self.who.is_some()
    }

    /// The person must have at least `role`.
    pub fn require(&self, role: Role) -> Result<&Who, AppError> {
        match &self.who {
            None => Err(AppError::login()),
            Some(w) if w.role >= role => Ok(w),
            Some(_) => Err(AppError::forbidden(format!(
                "this needs the {} role",
                role.as_str()
            ))),
        }
    }

    /// The person must have at least `role`, and the form's CSRF token must match the session's.
    pub fn require_form(&self, role: Role, csrf: &str) -> Result<&Who, AppError> {
        let who = self.require(role)?;
        if who.csrf.is_empty() || !same(&who.csrf, csrf) {
            return Err(AppError::forbidden(
                "the form's security token is missing or stale; reload the page and try again",
            ));
        }
        Ok(who)
    }

    /// The CSRF token to put in forms (empty when not signed in).
    pub fn csrf(&self) -> &str {
        self.who.as_ref().map_or("", |w| w.csrf.as_str())
    }
}

impl FromRequestParts<Shared> for Access {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Access, AppError> {
        let public = state.public.load(std::sync::atomic::Ordering::Relaxed);
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| token_hash(t.trim()));
        let session = cookie(&parts.headers, SESSION_COOKIE).map(token_hash);
        if bearer.is_none() && session.is_none() {
            return Ok(Access { who: None, public });
        }
        let who = state
            .pool
            .run(move |store| {
                if let Some(h) = bearer {
                    return Ok(store.api_token(&h)?.map(|t| Who {
                        name: format!("token:{}", t.name),
                        role: t.role,
                        csrf: String::new(),
                    }));
                }
                let Some(h) = session else { return Ok(None) };
                Ok(store.session(&h)?.map(|s| Who {
                    name: s.user,
                    role: s.role,
                    csrf: s.csrf,
                }))
            })
            .await?;
        Ok(Access { who, public })
    }
}

/// Failed logins allowed per window, per account name and per client address.
const MAX_PER_NAME: u32 = 5;
const MAX_PER_ADDR: u32 = 20;
const WINDOW: Duration = Duration::from_secs(60);

/// Counts failed logins in a sliding window.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    fn keys(name: &str, addr: &str) -> [(String, u32); 2] {
        [
            (format!("n:{name}"), MAX_PER_NAME),
            (format!("a:{addr}"), MAX_PER_ADDR),
        ]
    }

    /// Whether another attempt for this name from this address is allowed now.
    pub fn allowed(&self, name: &str, addr: &str) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        Self::keys(name, addr)
            .iter()
            .all(|(k, max)| map.get(k).is_none_or(|(n, _)| n < max))
    }

    /// Record a failed attempt.
    pub fn failed(&self, name: &str, addr: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (k, _) in Self::keys(name, addr) {
            let e = map.entry(k).or_insert((0, Instant::now()));
            e.0 += 1;
        }
    }

    /// Forget the failures of a name after a successful login.
    pub fn succeeded(&self, name: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("n:{name}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn limiter_blocks_after_five_failures_per_name() {
        let l = LoginLimiter::default();
        for _ in 0..5 {
            assert!(l.allowed("ana", "1.2.3.4"));
            l.failed("ana", "1.2.3.4");
        }
        assert!(!l.allowed("ana", "5.6.7.8"));
        assert!(l.allowed("bo", "5.6.7.8"));
        l.succeeded("ana");
        assert!(l.allowed("ana", "5.6.7.8"));
    }

    #[test]
    fn cookies_and_constant_time_compare() {
        let mut h = HeaderMap::new();
        h.insert("cookie", "a=1; lantern_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}

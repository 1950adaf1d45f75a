//! `lantern serve`, `lantern user add`, `lantern token create`: the web app and its
//! accounts.

use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;

use anyhow::Context;
use lantern_serve::auth::{hash_password, random_token, token_hash};
use lantern_store::{Role, StoreSpec};

use crate::store_cmds::open;

/// Parse a role name.
pub fn parse_role(s: &str) -> anyhow::Result<Role> {
    Role::parse(s).ok_or_else(|| anyhow::anyhow!("--role {s:?}: one of viewer, editor, admin"))
}

/// Serve the app from the store in `data` on `addr` until Ctrl-C.
pub fn serve(data: &StoreSpec, addr: &str, secure_cookies: bool) -> anyhow::Result<bool> {
    let addr: SocketAddr = addr
        .parse()
        .with_context(|| format!("--addr {addr:?} is not an address like 127.0.0.1:8080"))?;
    let store = open(data)?;
    if store.users()?.is_empty() {
        eprintln!(
            "note: no accounts yet; create one with `lantern user add NAME --role admin` \
             (only the login page is reachable until then)"
        );
    }
    drop(store);
    let opener = lantern_serve::opener(data.clone());
    let state = lantern_serve::state(opener, secure_cookies)
        .with_context(|| format!("cannot open the store {data}"))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr().context("listener address")?;
        println!("Lantern is serving {} at http://{local}/", data);
        println!("Stop with Ctrl-C.");
        lantern_serve::serve(listener, state)
            .await
            .context("server failed")
    })?;
    Ok(true)
}

/// Read a password: from stdin (one line) with `--password-stdin`, else prompt twice
/// on the terminal without echo.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let ask = |prompt: &str| -> anyhow::Result<String> {
        eprint!("{prompt}");
        std::io::stderr().flush().ok();
        let _ = std::process::Command::new("stty").arg("-echo").status();
        let mut line = String::new();
        let r = stdin.lock().read_line(&mut line);
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
        r.context("cannot read the password")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    };
    let a = ask("Password: ")?;
    let b = ask("Again: ")?;
    if a != b {
        anyhow::bail!("the passwords differ");
    }
    Ok(a)
}

/// `lantern user add NAME --role R`.
pub fn user_add(
    data: &StoreSpec,
    name: &str,
    role: &str,
    password_stdin: bool,
) -> anyhow::Result<bool> {
    let role = parse_role(role)?;
    let password = read_password(password_stdin)?;
    if password.chars().count() < 8 {
        anyhow::bail!("the password needs at least 8 characters");
    }
    let hash = hash_password(&password).map_err(|e| anyhow::anyhow!("cannot hash: {e}"))?;
    let mut store = open(data)?;
    store.put_user(name, role, &hash)?;
    println!("account {name} ({}) saved", role.as_str());
    Ok(true)
}

/// `lantern token create NAME [--role R]`: prints the token once.
pub fn token_create(data: &StoreSpec, name: &str, role: &str) -> anyhow::Result<bool> {
    let role = parse_role(role)?;
    let token = random_token();
    let mut store = open(data)?;
    store.create_api_token(&token_hash(&token), name, role)?;
    eprintln!(
        "token {name} ({}) created; it is shown only now. Use: Authorization: Bearer TOKEN",
        role.as_str()
    );
    println!("{token}");
    Ok(true)
}

/// For `lantern demo`: make sure an admin account exists; returns (name, password) when
/// one was created.
pub fn demo_account(data: &StoreSpec) -> anyhow::Result<Option<(String, String)>> {
    let mut store = open(data)?;
    if !store.users()?.is_empty() {
        return Ok(None);
    }
    let password = random_token()[..16].to_string();
    let hash = hash_password(&password).map_err(|e| anyhow::anyhow!("cannot hash: {e}"))?;
    store.put_user("demo", Role::Admin, &hash)?;
    Ok(Some(("demo".into(), password)))
}

//! The `lantern` commands of the web app: user add, token create, serve, demo --no-serve.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn lantern_stdin(data: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("--data")
        .arg(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run lantern");
    // A command that refuses its arguments exits without reading stdin: a closed pipe
    // here is that command's answer, checked by the caller through its status.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

#[test]
fn user_add_and_token_create() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let o = lantern_stdin(
        &data,
        &["user", "add", "ana", "--role", "admin", "--password-stdin"],
        "a good long password\n",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("account ana (admin) saved"));
    let o = lantern_stdin(
        &data,
        &["user", "add", "bo", "--role", "boss", "--password-stdin"],
        "a good long password\n",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--role \"boss\""));
    let o = lantern_stdin(
        &data,
        &["user", "add", "bo", "--role", "viewer", "--password-stdin"],
        "short\n",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least 8"));
    let o = lantern_stdin(&data, &["token", "create", "bot"], "");
    assert!(o.status.success());
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let o = lantern_stdin(&data, &["token", "create", "bot"], "");
    assert_eq!(o.status.code(), Some(2), "names are unique");
}

#[test]
fn serve_prints_its_url_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("--data")
        .arg(dir.path())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first}"))
        .to_string();
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("Sign in"));
    assert!(resp
        .to_ascii_lowercase()
        .contains("content-security-policy"));
}

#[test]
fn demo_no_serve_only_prints() {
    let dir = tempfile::tempdir().unwrap();
    let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports");
    let o = Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("--data")
        .arg(dir.path())
        .arg("demo")
        .arg("--reports")
        .arg(&reports)
        .arg("--no-serve")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("serving"));
}

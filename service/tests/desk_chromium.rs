//! The verifier's desk in headless Chromium (Debian's `chromium`, driven by
//! Playwright from `service/desk-test/`): a person at the desk creates a
//! request, the test wallet answers it, and the verdict appears on the page;
//! a replay and a presentation for another request are refused.
//!
//! Runs when `CREDENCE_TEST_CHROMIUM=1` (`.ci/run` sets it after installing
//! chromium and running `npm ci` in `service/desk-test/`); says it was
//! skipped otherwise, and fails when `CI` is set. The screenshots go to
//! `CREDENCE_DESK_ARTIFACTS`, by default `<target dir>/desk-test/`, beside
//! the service's log.
//!
//! The service under test is the `credence-verifier` binary, started on
//! 127.0.0.1 with a temporary SQLite store and a configuration that trusts
//! the fixtures' raters.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};


const TOKEN: &str = "desk-test-token-5f0c2a9e";

/// Written straight to the terminal, past the test harness's capture.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn service_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The target directory this test runs from (`<target>/debug/deps/…`).
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// Why the test cannot run here, if it cannot.
fn missing(chromium: &Path) -> Option<String> {
    if std::env::var("CREDENCE_TEST_CHROMIUM").as_deref() != Ok("1") {
        return Some("set CREDENCE_TEST_CHROMIUM=1 (with chromium installed and `npm ci` run in service/desk-test)".into());
    }
    if !chromium.exists() {
        return Some(format!(
            "{} is missing (apt-get install chromium)",
            chromium.display()
        ));
    }
    if !service_dir()
        .join("desk-test/node_modules/playwright-core")
        .exists()
    {
        return Some(
            "service/desk-test/node_modules is missing (npm ci in service/desk-test)".into(),
        );
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not on the PATH".into());
    }
    None
}

/// Builds the test wallet example and returns its path.
fn build_test_wallet() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "credence-verifier",
            "--example",
            "test_wallet",
            "--message-format=json",
        ])
        .current_dir(service_dir())
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "building the test wallet failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "test_wallet")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("the test wallet's executable")
}

/// The service binary, running until dropped.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Starts `bin` on a free port of 127.0.0.1 with a store in `dir`, trusting
/// the descriptors `raters`; its log goes to `log`.
fn start_service(bin: &str, dir: &Path, raters: &[PathBuf], log: &Path) -> (Service, SocketAddr) {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let raters: Vec<String> = raters
        .iter()
        .map(|p| toml_string(&p.display().to_string()))
        .collect();
    let config = format!(
        "listen = \"{addr}\"\npublic_url = \"http://{addr}\"\nstore = {}\ntoken = {}\n\
         verifier_id = \"consulate.example\"\ntrusted_raters = [{}]\n",
        toml_string(&format!(
            "sqlite://{}",
            dir.join("verifier.sqlite").display()
        )),
        toml_string(TOKEN),
        raters.join(", "),
    );
    let config_path = dir.join("verifier.toml");
    std::fs::write(&config_path, config).unwrap();
    let child = Command::new(bin)
        .arg("--config")
        .arg(&config_path)
        .env_remove("CREDENCE_VERIFIER_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let mut service = Service(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = service.0.try_wait().unwrap() {
            panic!(
                "the service stopped ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if healthy(addr) {
            return (service, addr);
        }
        assert!(Instant::now() < deadline, "the service did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn healthy(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    s.write_all(request.as_bytes()).is_ok()
        && s.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.1 200")
}

#[test]
fn the_desk_shows_a_request_and_its_verdict_in_chromium() {
    let chromium = PathBuf::from(std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into()));
    if let Some(why) = missing(&chromium) {
        if std::env::var_os("CI").is_some() {
            panic!("the desk test must run in CI: {why}");
        }
        say(&format!("skipped: {why}"));
        return;
    }
    let artifacts = std::env::var_os("CREDENCE_DESK_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("desk-test"));
    std::fs::create_dir_all(&artifacts).unwrap();

    let wallet = build_test_wallet();
    let tmp = tempfile::tempdir().unwrap();
    let raters = tmp.path().join("raters");
    let status = Command::new(&wallet)
        .arg("raters")
        .arg(&raters)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "test_wallet raters");
    let raters: Vec<PathBuf> = ["bank", "court", "social"]
        .iter()
        .map(|id| raters.join(format!("{id}.pub.json")))
        .collect();
    let log = artifacts.join("service.log");
    let (_service, addr) = start_service(
        env!("CARGO_BIN_EXE_credence-verifier"),
        tmp.path(),
        &raters,
        &log,
    );

    let out = Command::new("node")
        .args(["--test", "--test-reporter=spec", "desk.test.mjs"])
        .current_dir(service_dir().join("desk-test"))
        .env("DESK_URL", format!("http://{addr}"))
        .env("DESK_TOKEN", TOKEN)
        .env("DESK_WALLET", &wallet)
        .env("DESK_ARTIFACTS", &artifacts)
        .env("CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    println!("{}", String::from_utf8_lossy(&out.stderr));
    for line in stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("screenshot: "))
    {
        say(&format!("desk test {}", line.trim()));
    }
    assert!(out.status.success(), "the desk test in Chromium failed");
    if let Ok(log) = std::fs::read_to_string(&log) {
        assert!(!log.contains(TOKEN), "the token is in the service's log");
    }
}

//! The verifier's desk and the browser wallet in headless Chromium (Debian's
//! `chromium`, driven by Playwright from `service/desk-test/`):
//!
//! - `desk.test.mjs`: a person at the desk creates a request, the test wallet
//!   (a native program) answers it, and the verdict appears on the page; a
//!   replay and a presentation for another request are refused. The service
//!   runs without the WebAssembly package: its wallet page answers 503.
//! - `wallet.test.mjs`: the wallet page, in a browser context of its own,
//!   takes credentials from the fixtures' raters through its import boxes,
//!   opens the desk's request link, shows the consent summary, proves in
//!   WebAssembly and posts; the desk shows the verdict. A policy the wallet
//!   cannot meet, a declined request and replays are refused, and nothing
//!   is posted that should not be. It needs the package's web build
//!   (`wasm/pkg/web`, made by `wasm/build.sh`).
//!
//! Each runs when `CREDENCE_TEST_CHROMIUM=1` (`.ci/run` sets it after
//! installing chromium, building the package and running `npm ci` in
//! `service/desk-test/`); says it was skipped otherwise, and fails when `CI`
//! is set. The screenshots go to `CREDENCE_DESK_ARTIFACTS`, by default
//! `<target dir>/desk-test/`, beside the services' logs.
//!
//! The service under test is the `credence-verifier` binary, started on
//! 127.0.0.1 in a temporary directory, with an SQLite store there and a
//! configuration that trusts the fixtures' raters.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const TOKEN: &str = "desk-test-token-5f0c2a9e";

/// One browser at a time: the tests share the machine's cores with builds.
static BROWSER: Mutex<()> = Mutex::new(());

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

/// Starts `bin` on a free port of 127.0.0.1 in `dir` (its working
/// directory, where it finds no WebAssembly package of its own), with a
/// store there, trusting the descriptors `raters`, with the configuration's
/// `extra` lines; its log goes to `log`.
fn start_service(
    bin: &str,
    dir: &Path,
    raters: &[PathBuf],
    extra: &str,
    log: &Path,
) -> (Service, SocketAddr) {
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
         verifier_id = \"consulate.example\"\ntrusted_raters = [{}]\n{extra}",
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
        .current_dir(dir)
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

/// What both browser tests need: the browser, the artifacts' folder, the
/// test wallet, and the fixtures' raters' descriptors in a temporary folder.
struct Setup {
    chromium: PathBuf,
    artifacts: PathBuf,
    wallet: PathBuf,
    tmp: tempfile::TempDir,
    raters: PathBuf,
}

impl Setup {
    /// The setup, or `None` when the test cannot run here (it then says why;
    /// under `CI` it fails). `also` names what else the test needs, if it is
    /// missing.
    fn new(also: Option<String>) -> Option<Self> {
        let chromium =
            PathBuf::from(std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into()));
        if let Some(why) = missing(&chromium).or(also) {
            if std::env::var_os("CI").is_some() {
                panic!("the browser tests must run in CI: {why}");
            }
            say(&format!("skipped: {why}"));
            return None;
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
        Some(Setup {
            chromium,
            artifacts,
            wallet,
            tmp,
            raters,
        })
    }

    fn descriptors(&self) -> Vec<PathBuf> {
        ["bank", "court", "social"]
            .iter()
            .map(|id| self.raters.join(format!("{id}.pub.json")))
            .collect()
    }

    /// Runs `script` (in `service/desk-test/`) against the service at
    /// `addr`, whose log is `log`, and checks that it passed and that the
    /// token never reached the log.
    fn run_node(&self, script: &str, addr: SocketAddr, log: &Path) {
        let out = Command::new("node")
            .env("DESK_LIST", self.tmp.path().join("court.list"))
            .args(["--test", "--test-reporter=spec", script])
            .current_dir(service_dir().join("desk-test"))
            .env("DESK_URL", format!("http://{addr}"))
            .env("DESK_TOKEN", TOKEN)
            .env("DESK_WALLET", &self.wallet)
            .env("DESK_RATERS", &self.raters)
            .env("DESK_ARTIFACTS", &self.artifacts)
            .env("CHROMIUM", &self.chromium)
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
            say(&format!("{script}: {}", line.trim()));
        }
        assert!(out.status.success(), "{script} in Chromium failed");
        if let Ok(log) = std::fs::read_to_string(log) {
            assert!(!log.contains(TOKEN), "the token is in the service's log");
        }
    }
}

#[test]
fn the_desk_shows_a_request_and_its_verdict_in_chromium() {
    let Some(setup) = Setup::new(None) else {
        return;
    };
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let log = setup.artifacts.join("service.log");
    let (_service, addr) = start_service(
        env!("CARGO_BIN_EXE_credence-verifier"),
        setup.tmp.path(),
        &setup.descriptors(),
        "",
        &log,
    );
    setup.run_node("desk.test.mjs", addr, &log);
}

/// The WebAssembly package's web build, as `wasm/build.sh` makes it.
fn wasm_pkg_web() -> PathBuf {
    service_dir().join("../wasm/pkg/web")
}

#[test]
fn the_wallet_page_answers_the_desk_in_chromium() {
    let pkg = wasm_pkg_web();
    let absent = ["credence_wasm.js", "credence_wasm_bg.wasm"]
        .iter()
        .any(|f| !pkg.join(f).exists())
        .then(|| "wasm/pkg/web is missing (build the package: bash wasm/build.sh)".to_owned());
    let Some(setup) = Setup::new(absent) else {
        return;
    };
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let log = setup.artifacts.join("wallet-service.log");
    // The court's epoch 1: a crowd of 1100. The page's test publishes epoch
    // 2, with the page wallet's court credentials, in its place.
    let list = setup.tmp.path().join("court.list");
    let status = Command::new(&setup.wallet)
        .arg("list")
        .arg(&list)
        .args(["1", "1100"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "test_wallet list");
    let (_service, addr) = start_service(
        env!("CARGO_BIN_EXE_credence-verifier"),
        setup.tmp.path(),
        &setup.descriptors(),
        &format!(
            "wallet_pkg = {}\nlists = [{}]\npurge_interval_seconds = 1\n",
            toml_string(&pkg.canonicalize().unwrap().display().to_string()),
            toml_string(&list.display().to_string()),
        ),
        &log,
    );
    setup.run_node("wallet.test.mjs", addr, &log);
}

//! A wallet for tests of the verifier service: it answers a request link with
//! the library's fixtures subject (`credence::fixtures::World`), whose raters'
//! keys come from public seeds. Not a wallet for anyone's real credentials.
//!
//! ```text
//! test_wallet raters DIR
//!     writes the World raters' descriptors (bank.pub.json, court.pub.json,
//!     social.pub.json) into DIR, for the service's trusted raters
//! test_wallet answer REQUEST_URI [--liquidity EUR] [--defaults N]
//!                    [--other-request] [--save FILE] [--expect STATUS]
//!     fetches the request, proves it, posts the presentation to
//!     REQUEST_URI/presentation and prints the HTTP status and the answer;
//!     --other-request proves a copy of the request with another nonce, a
//!     presentation that does not satisfy the request (request_mismatch)
//! test_wallet post REQUEST_URI FILE [--expect STATUS]
//!     posts a saved presentation again (a replay)
//! test_wallet list OUT EPOCH CROWD [ISSUED_FILE...]
//!     writes to OUT the World court's epoch list EPOCH (current from a
//!     minute ago for a day) of the digests of the court credentials in the
//!     ISSUED_FILEs (as `issue` prints them) and CROWD random entries, and
//!     prints its digest (base64url), as a request names it
//! test_wallet issue SCHEMA ISSUANCE_REQUEST_FILE [--count N]
//!                   [--liquidity EUR] [--defaults N]
//!     prints the credentials the World rater of SCHEMA (bank, court or
//!     social) issues in answer to a wallet's issuance request, with the
//!     values `answer` proves with, valid until 2027-12-31 (the issued
//!     credentials' JSON, spec/wallet.md §7, for a browser wallet to add)
//! ```
//!
//! Only `http://` links are followed (the service sits behind a TLS proxy in
//! production; the tests talk to it on 127.0.0.1). Exit status: 0 when the
//! exchange took place (and its status was the expected one), 1 when the
//! status was not the expected one, 2 on any other error.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use credence::files::IssuedCredentialsFile;
use credence::fixtures::{date, World, UNTIL};
use credence::rater::IssuanceRequest;
use credence::{Presentation, ProofRequest, RaterDescriptor};

type Error = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("test_wallet: error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<bool, Error> {
    let (command, rest) = args
        .split_first()
        .ok_or("usage: test_wallet raters|answer|post …")?;
    let mut positional = Vec::new();
    let mut options = Options::default();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--liquidity" => options.liquidity = value()?.parse()?,
            "--defaults" => options.defaults = value()?.parse()?,
            "--other-request" => options.other_request = true,
            "--save" => options.save = Some(PathBuf::from(value()?)),
            "--expect" => options.expect = Some(value()?.parse()?),
            "--count" => options.count = value()?.parse()?,
            s if s.starts_with("--") => return Err(format!("unknown option {s}").into()),
            _ => positional.push(arg.as_str()),
        }
    }
    match (command.as_str(), positional.as_slice()) {
        ("raters", [dir]) => {
            write_raters(Path::new(dir))?;
            Ok(true)
        }
        ("answer", [uri]) => answer(uri, &options),
        ("post", [uri, file]) => {
            let presentation = std::fs::read(file)?;
            post(uri, &presentation, &options)
        }
        ("issue", [schema, file]) => {
            issue(schema, Path::new(file), &options)?;
            Ok(true)
        }
        ("list", [out, epoch, crowd, issued @ ..]) => {
            court_list(Path::new(out), epoch.parse()?, crowd.parse()?, issued)?;
            Ok(true)
        }
        _ => Err(
            "usage: test_wallet raters DIR | answer REQUEST_URI [options] | post REQUEST_URI FILE \
             | issue SCHEMA ISSUANCE_REQUEST_FILE [options] | list OUT EPOCH CROWD [ISSUED_FILE...]"
                .into(),
        ),
    }
}

struct Options {
    liquidity: u64,
    defaults: u64,
    other_request: bool,
    save: Option<PathBuf>,
    expect: Option<u16>,
    count: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            liquidity: 18_250,
            defaults: 0,
            other_request: false,
            save: None,
            expect: None,
            count: 1,
        }
    }
}

/// The World raters' descriptors, as `credence rater init` prints them.
fn write_raters(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir)?;
    let w = World::new();
    for rater in [&w.bank, &w.court, &w.social] {
        let descriptor = RaterDescriptor::new(rater.schema.clone(), rater.public());
        let path = dir.join(format!("{}.pub.json", rater.schema.id()));
        std::fs::write(&path, serde_json::to_vec_pretty(&descriptor)?)?;
        println!("{}", path.display());
    }
    Ok(())
}

/// Writes the World court's list `epoch` of the court credentials in the
/// `issued` files and `crowd` random entries to `out`; prints its digest.
fn court_list(out: &Path, epoch: u64, crowd: usize, issued: &[&str]) -> Result<(), Error> {
    use base64::Engine as _;
    use credence::epoch::{EpochList, EpochWindow};
    use curve25519_dalek::ristretto::RistrettoPoint;
    let mut entries: Vec<_> = (0..crowd)
        .map(|_| RistrettoPoint::random(&mut rand_core::OsRng).compress())
        .collect();
    for path in issued {
        let file = IssuedCredentialsFile::from_json(&std::fs::read(path)?, Path::new(path))?;
        for c in &file.credentials {
            let digest = c.digest().ok_or("a credential without a digest")?;
            entries.push(*digest.point());
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let window = EpochWindow {
        epoch,
        not_before: now - 60,
        not_after: now + 86_400,
    };
    let w = World::new();
    let list = EpochList::sign(&w.court.key, &w.court.schema, window, 4, &entries)?;
    // Whole, or not at all, for a service that reads it when it changes.
    let tmp = out.with_extension("tmp");
    std::fs::write(&tmp, list.to_bytes())?;
    std::fs::rename(&tmp, out)?;
    println!(
        "{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(list.digest())
    );
    Ok(())
}

/// Issues `options.count` credentials of the World rater of `schema` in
/// answer to the issuance request in `file`, with the values of
/// `World::subject`, and prints them.
fn issue(schema: &str, file: &Path, options: &Options) -> Result<(), Error> {
    let w = World::new();
    let until = date(UNTIL).days();
    let (rater, values): (_, Vec<(&str, u64)>) = match schema {
        "bank" => (
            &w.bank,
            vec![
                ("liquidity_eur", options.liquidity),
                ("on_time_payments", 30),
                ("late_payments", 5),
                ("account_digest", 0xdead_beef_cafe_f00d),
                ("valid_until", until),
            ],
        ),
        "court" => (
            &w.court,
            vec![
                ("outstanding_defaults", options.defaults),
                ("valid_until", until),
            ],
        ),
        "social" => (
            &w.social,
            vec![
                ("websites_flagged", 17),
                ("contacts_score", 640),
                ("valid_until", until),
            ],
        ),
        other => return Err(format!("no World rater for schema `{other}`").into()),
    };
    let request: IssuanceRequest = serde_json::from_slice(&std::fs::read(file)?)?;
    let credentials = rater
        .key
        .issue(&rater.schema, &request, &values, options.count)?;
    let out = IssuedCredentialsFile { credentials }.to_json()?;
    std::io::stdout().write_all(&out)?;
    println!();
    Ok(())
}

fn answer(uri: &str, options: &Options) -> Result<bool, Error> {
    let (status, body) = http(uri, "GET", None)?;
    if status != 200 {
        println!("status: {status}");
        println!("{}", String::from_utf8_lossy(&body));
        return Ok(options.expect == Some(status));
    }
    let request: ProofRequest = serde_json::from_slice(&body)?;
    let answered = if options.other_request {
        other_request(&request)?
    } else {
        request
    };
    let w = World::new();
    let (link, credentials) = w.subject(options.liquidity, options.defaults);
    let presentation = Presentation::prove(&answered, &link, &credentials)?;
    let json = serde_json::to_vec(&presentation)?;
    if let Some(path) = &options.save {
        std::fs::write(path, &json)?;
    }
    post(uri, &json, options)
}

/// The same request with another nonce: a presentation for it answers
/// another request.
fn other_request(request: &ProofRequest) -> Result<ProofRequest, Error> {
    let mut builder = ProofRequest::builder(request.verifier_id(), request.date())
        .purpose(request.purpose())
        .predicates(request.predicates().iter().cloned());
    for t in request.trusted() {
        builder = builder.trust(t.schema().clone(), t.keys().to_vec());
    }
    Ok(builder.build()?)
}

fn post(uri: &str, presentation: &[u8], options: &Options) -> Result<bool, Error> {
    let target = format!("{}/presentation", uri.trim_end_matches('/'));
    let (status, body) = http(&target, "POST", Some(presentation))?;
    println!("status: {status}");
    println!("{}", String::from_utf8_lossy(&body));
    Ok(options.expect.is_none_or(|e| e == status))
}

/// One HTTP/1.1 exchange over a fresh connection: the status and the body.
fn http(uri: &str, method: &str, body: Option<&[u8]>) -> Result<(u16, Vec<u8>), Error> {
    let rest = uri
        .strip_prefix("http://")
        .ok_or("only http:// links are followed")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nAccept: application/json\r\nConnection: close\r\n"
    );
    if let Some(b) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if let Some(b) = body {
        stream.write_all(b)?;
    }
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers in the answer")?;
    let head = std::str::from_utf8(&response[..end])?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .ok_or("no status in the answer")?
        .parse()?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let raw = &response[end + 4..];
    let body = if chunked { dechunk(raw)? } else { raw.to_vec() };
    Ok((status, body))
}

fn dechunk(mut raw: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    loop {
        let line_end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunk")?;
        let size_text = std::str::from_utf8(&raw[..line_end])?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(raw.get(..size).ok_or("short chunk")?);
        raw = raw.get(size + 2..).ok_or("short chunk")?;
    }
}

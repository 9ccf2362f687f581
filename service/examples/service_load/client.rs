//! The load's wallets: keep-alive HTTP/1.1 connections (hyper's client),
//! driven as tasks of one client thread.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::Value;

use crate::{Error, TOKEN};

/// A wallet's (or the backend's) keep-alive HTTP/1.1 connection to the
/// service: hyper's client on one connection, with no pool.
pub struct Conn {
    pub send: SendRequest<Full<Bytes>>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Result<Self, Error> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Conn { send })
    }

    /// Sends a request for `path` and returns the status and the JSON body.
    pub async fn call(
        &mut self,
        method: Method,
        path: &str,
        backend: bool,
        body: Option<(&str, Bytes)>,
    ) -> Result<(u16, Value), Error> {
        self.send.ready().await?;
        let mut r = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1");
        if backend {
            r = r.header("authorization", format!("Bearer {TOKEN}"));
        }
        let body = match body {
            Some((content_type, bytes)) => {
                r = r.header("content-type", content_type);
                bytes
            }
            None => Bytes::new(),
        };
        let response = self.send.send_request(r.body(Full::new(body))?).await?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }
}

/// The path of a URI the service gave (`http://host:port/path`).
pub fn path_of(uri: &str) -> Result<String, Error> {
    let rest = uri.strip_prefix("http://").ok_or("not an http URI")?;
    Ok(rest.find('/').map_or("/".into(), |i| rest[i..].to_owned()))
}

/// Runs `f(i, connection)` for `i` in `0..n` on `wallets` concurrent tasks,
/// each with its own connection, on one client thread (so that the wallets
/// take as little as they can of the cores the service runs on); returns
/// the results in order and the wall time.
pub fn on_wallets<T, F, Fut>(
    addr: SocketAddr,
    n: usize,
    wallets: usize,
    f: F,
) -> Result<(Vec<T>, f64), Error>
where
    T: Send + 'static,
    F: Fn(usize, Conn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = (Conn, Result<T, Error>)> + Send + 'static,
{
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    client.block_on(async move {
        let f = Arc::new(f);
        let mut conns = Vec::with_capacity(wallets);
        for _ in 0..wallets {
            conns.push(Conn::open(addr).await?);
        }
        let t = Instant::now();
        let tasks: Vec<_> = conns
            .into_iter()
            .enumerate()
            .map(|(w, mut conn)| {
                let f = Arc::clone(&f);
                tokio::spawn(async move {
                    let mut out = Vec::new();
                    for i in (w..n).step_by(wallets) {
                        let (c, result) = f(i, conn).await;
                        conn = c;
                        out.push((i, result?));
                    }
                    Ok::<_, Error>(out)
                })
            })
            .collect();
        let mut out = Vec::with_capacity(n);
        for task in tasks {
            out.extend(task.await??);
        }
        let secs = t.elapsed().as_secs_f64();
        out.sort_by_key(|(i, _)| *i);
        Ok((out.into_iter().map(|(_, t)| t).collect(), secs))
    })
}

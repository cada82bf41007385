//! A headless Chromium driven over WebDriver (Debian's chromium and chromium-driver), for the
//! dashboard tests. Without them a test is skipped with a message, except under CI=true
//! (`.ci/run` installs them), where it fails.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const DRIVER: &str = "/usr/bin/chromedriver";

/// Whether Chromium and chromedriver are installed; panics under CI=true when they are not.
pub fn available() -> bool {
    if std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(DRIVER).exists() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("chromium and chromedriver are needed under CI=true (.ci/run installs them)");
    }
    eprintln!("SKIPPED: {CHROMIUM} or {DRIVER} missing (apt-get install chromium chromium-driver)");
    false
}

/// One chromedriver with one browser session; dropping it closes the browser (also when the
/// test panicked) and stops the driver.
pub struct Browser {
    driver: Child,
    port: u16,
    sid: String,
    _profile: tempfile::TempDir,
}

async fn call(method: reqwest::Method, url: &str, body: Option<Value>) -> Value {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    r.json().await.unwrap()
}

impl Browser {
    pub async fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(DRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut b = Browser {
            driver,
            port,
            sid: String::new(),
            _profile: tempfile::tempdir().unwrap(),
        };
        let t0 = Instant::now();
        while reqwest::get(format!("{}/status", b.base())).await.is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                         "--window-size=1280,1000",
                         format!("--user-data-dir={}", b._profile.path().display())]
            }
        }}});
        let s = call(
            reqwest::Method::POST,
            &format!("{}/session", b.base()),
            Some(caps),
        )
        .await;
        b.sid = s["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {s}"))
            .to_string();
        b
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn session(&self) -> String {
        format!("{}/session/{}", self.base(), self.sid)
    }

    pub async fn goto(&self, url: &str) {
        call(
            reqwest::Method::POST,
            &format!("{}/url", self.session()),
            Some(json!({ "url": url })),
        )
        .await;
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub async fn exec(&self, script: &str) -> Value {
        let r = call(
            reqwest::Method::POST,
            &format!("{}/execute/sync", self.session()),
            Some(json!({"script": script, "args": []})),
        )
        .await;
        r["value"].clone()
    }

    /// Runs `script` every 250 ms until `done` holds for its value or `limit` passes; returns
    /// the last value either way (the caller asserts on it).
    pub async fn poll(
        &self,
        script: &str,
        limit: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let t0 = Instant::now();
        loop {
            let v = self.exec(script).await;
            if done(&v) || t0.elapsed() > limit {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// A PNG of the window.
    pub async fn screenshot(&self) -> Vec<u8> {
        let shot = call(
            reqwest::Method::GET,
            &format!("{}/screenshot", self.session()),
            None,
        )
        .await;
        base64::engine::general_purpose::STANDARD
            .decode(shot["value"].as_str().unwrap())
            .unwrap()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // DELETE the session so chromedriver closes Chromium (plain blocking HTTP: no runtime
        // is at hand in drop), then stop the driver.
        if !self.sid.is_empty()
            && let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port))
        {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                self.sid
            );
            let _ = s.read_to_end(&mut Vec::new());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Whether a PNG has more than 20 colours (it is not a blank page).
pub fn colourful(png: &[u8]) -> bool {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = &buf[..info.buffer_size()];
    let step = info.color_type.samples();
    let mut colours = std::collections::HashSet::new();
    for p in px.chunks(step).step_by(7) {
        colours.insert(p.to_vec());
        if colours.len() > 20 {
            return true;
        }
    }
    false
}

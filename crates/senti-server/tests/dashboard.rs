//! The dashboard in a real browser: headless Chromium driven over WebDriver (Debian's
//! chromium and chromium-driver) against a running server while known comments arrive, in
//! English and Chinese. Without Chromium the tests are skipped with a message, except under
//! CI=true (`.ci/run` installs Chromium and fonts-noto-cjk), where they fail. The Chinese
//! glyph check fails on a machine without a CJK font (Chinese would be drawn as boxes).

mod common;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::time::{Duration, Instant};

use common::{TestServer, client};
use serde_json::{Value, json};
use webdriver::{Browser, available, colourful};

async fn post_comments(url: &str, comments: Value) {
    let r = client()
        .post(url)
        .header("content-type", "application/json")
        .body(comments.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// The page's state: chart, axes, legend, rate, spike markers, terms, newest comments.
const PROBE: &str = r#"
    function texts(sel) { return Array.from(document.querySelectorAll(sel)).map(function (e) { return e.textContent; }); }
    function area(id) {
      var e = document.getElementById(id), d = e.getAttribute('d') || '', b = e.getBBox();
      return { points: parseInt(e.getAttribute('data-points'), 10),
               pairs: (d.match(/-?\d+(\.\d+)?,-?\d+(\.\d+)?/g) || []).length,
               width: b.width, height: b.height };
    }
    var li = document.querySelector('#comments li');
    var bars = Array.from(document.querySelectorAll('#rate-bars rect')).map(function (r) { return parseInt(r.getAttribute('data-n'), 10); });
    return {
      points: parseInt(document.getElementById('chart').getAttribute('data-points'), 10),
      areas: { pos: area('area-pos'), neu: area('area-neu'), neg: area('area-neg') },
      xticks: texts('#x-axis .x-tick text'), yticks: texts('#y-axis .y-tick text'),
      labels: [texts('#x-label')[0], texts('#y-label')[0], texts('#rate-y-label')[0]],
      legend: texts('#legend li'),
      rate: parseFloat(document.getElementById('rate').textContent),
      bars: bars, rate_yticks: texts('#rate-y-axis .y-tick text'), rate_xticks: texts('#rate-x-axis .x-tick text'),
      spikes: Array.from(document.querySelectorAll('#spike-marks .spike-marker')).map(function (m) {
        return { at: parseInt(m.getAttribute('data-at'), 10), x: parseFloat(m.querySelector('line').getAttribute('x1')),
                 title: m.querySelector('title').textContent }; }),
      spike_list: texts('#spikes li.spike'),
      terms: Array.from(document.querySelectorAll('#terms li')).map(function (t) {
        return { dir: t.getAttribute('data-direction'), cls: t.className, sign: t.querySelector('.sign').textContent,
                 term: t.querySelector('.term-text').textContent, val: t.querySelector('.val').textContent }; }),
      newest: li ? { id: li.getAttribute('data-id'), cls: li.className, text: li.textContent } : null,
      negative: document.querySelectorAll('#comments li.comment.negative').length,
      status: document.getElementById('status').textContent
    };"#;

/// Draws two Han characters of a Chinese comment, and a code point no font has (U+10FFFD,
/// which becomes the tofu box), on canvases in the comment element's computed font. Real
/// glyphs differ from each other and from the box, and are a full em wide; without a CJK
/// font all three are the same box. (`document.fonts.check` says nothing about fallback.)
const GLYPHS: &str = r#"
    var han = /[\u4e00-\u9fff]/;
    var li = Array.from(document.querySelectorAll('#comments li')).find(function (e) { return han.test(e.textContent); });
    if (!li) return null;
    var chars = Array.from(new Set(li.textContent.match(/[\u4e00-\u9fff]/g)));
    var cs = getComputedStyle(li);
    var font = cs.fontStyle + ' ' + cs.fontWeight + ' 48px ' + cs.fontFamily;
    function draw(ch) {
      var c = document.createElement('canvas'); c.width = 72; c.height = 72;
      var g = c.getContext('2d'); g.font = font; g.fillStyle = '#000'; g.fillText(ch, 8, 56);
      var d = g.getImageData(0, 0, 72, 72).data, a = [], ink = 0;
      for (var i = 3; i < d.length; i += 4) { a.push(d[i]); if (d[i] > 127) ink++; }
      return { a: a, ink: ink, width: g.measureText(ch).width };
    }
    function differ(p, q) { var n = 0; for (var i = 0; i < p.a.length; i++) if (Math.abs(p.a[i] - q.a[i]) > 127) n++; return n; }
    var one = draw(chars[0]), two = draw(chars[1]), tofu = draw(String.fromCodePoint(0x10FFFD));
    return { text: li.textContent, chars: chars.slice(0, 2), family: cs.fontFamily,
             ink: [one.ink, two.ink, tofu.ink], widths: [one.width, two.width, tofu.width],
             one_two: differ(one, two), one_tofu: differ(one, tofu), two_tofu: differ(two, tofu) };"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_page_charts_shares_rate_spikes_terms_and_renders_chinese() {
    if !available() {
        return;
    }
    let srv = TestServer::default().await;
    let ingest = format!("{}/v1/rooms/e2e/comments", srv.url);
    // A steady, friendly stream for 24 s (the spike rule's baseline needs at least 10 seconds
    // with comments before the last 10 s), then a negative burst (see senti-rooms spike.rs).
    let steady = [
        "I love this, great job!",
        "你好，主播很好",
        "太棒了，主播最强！",
        "watching from Berlin tonight",
    ];
    let feeder = {
        let ingest = ingest.clone();
        tokio::spawn(async move {
            let t0 = Instant::now();
            let mut i = 0;
            while t0.elapsed() < Duration::from_secs(24) {
                let batch: Vec<Value> = (0..2)
                    .map(|k| json!({"id": format!("s{i}-{k}"), "text": steady[(2 * i + k) % 4]}))
                    .collect();
                post_comments(&ingest, Value::Array(batch)).await;
                i += 1;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    };
    let browser = Browser::start().await;
    browser.goto(&format!("{}/rooms/e2e", srv.url)).await;
    feeder.await.unwrap();

    let burst_at = now_ms();
    let burst: Vec<Value> = (0..40)
        .map(|i| json!({"id": format!("b{i}"), "text": "this is awful"}))
        .collect();
    post_comments(&ingest, Value::Array(burst)).await;
    let burst_done = now_ms();
    // A second later (the sampled stream sends at most 10 comments a second).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    post_comments(
        &ingest,
        json!([{"id": "last", "text": "I love this, great job!"}]),
    )
    .await;

    let state = browser
        .poll(PROBE, Duration::from_secs(15), |s| {
            !s["spikes"].as_array().is_none_or(Vec::is_empty)
                && s["newest"]["id"] == "last"
                && s["terms"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t["dir"] == "negative"))
        })
        .await;
    let snap: Value = client()
        .get(format!("{}/v1/rooms/e2e", srv.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // (b) stacked areas with points, axes with tick labels and axis labels, a legend.
    assert!(state["points"].as_u64().unwrap_or(0) >= 10, "{state}");
    for band in ["pos", "neu", "neg"] {
        let a = &state["areas"][band];
        let n = a["points"].as_u64().unwrap_or(0);
        assert!(n > 1, "{band} area has {n} points: {state}");
        assert_eq!(
            a["pairs"].as_u64(),
            Some(2 * n),
            "top and bottom edges: {a}"
        );
        assert!(a["width"].as_f64().unwrap_or(0.0) > 100.0, "{band}: {a}");
    }
    assert!(
        state["areas"]["pos"]["height"].as_f64().unwrap() > 20.0,
        "{state}"
    );
    assert!(
        state["areas"]["neg"]["height"].as_f64().unwrap() > 20.0,
        "{state}"
    );
    assert_eq!(
        state["yticks"],
        json!(["0%", "25%", "50%", "75%", "100%"]),
        "{state}"
    );
    let clock = |v: &Value| {
        v.as_array().is_some_and(|t| {
            t.len() >= 2
                && t.iter().all(|s| {
                    let s = s.as_str().unwrap_or("");
                    s.split(':').count() == 3 && s.chars().any(|c| c.is_ascii_digit())
                })
        })
    };
    assert!(clock(&state["xticks"]), "time ticks: {state}");
    assert!(clock(&state["rate_xticks"]), "rate time ticks: {state}");
    assert_eq!(
        state["labels"],
        json!(["time (local clock)", "share of comments", "comments / s"])
    );
    let legend = state["legend"].to_string();
    for entry in [
        "positive",
        "neutral",
        "negative",
        "comments per second",
        "spike",
    ] {
        assert!(legend.contains(entry), "legend lacks {entry}: {legend}");
    }

    // (c) a spike marker on the timeline at the burst, with its direction and size.
    let spikes = state["spikes"].as_array().unwrap();
    assert_eq!(
        spikes.len(),
        1,
        "one burst, one marker: {state}; server: {}",
        snap["last_spike"]
    );
    let at = spikes[0]["at"].as_u64().unwrap();
    // Raised by the burst's last comment or, at the latest, by the next 1 s stats tick.
    assert!(
        at >= burst_at && at <= burst_done + 2000,
        "marker at {at}, burst from {burst_at} to {burst_done}"
    );
    let x = spikes[0]["x"].as_f64().unwrap();
    assert!((56.0..=788.0).contains(&x), "marker x {x}");
    let title = spikes[0]["title"].as_str().unwrap();
    assert!(
        title.starts_with("negative spike at") && title.contains("% negative over 10 s"),
        "{title}"
    );
    assert_eq!(state["spike_list"].as_array().map(Vec::len), Some(1));

    // (d) the comment rate: non-zero, one bar per second, the burst's second the tallest.
    assert!(state["rate"].as_f64().unwrap_or(0.0) > 0.0, "rate: {state}");
    let bars: Vec<u64> = state["bars"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert!(bars.len() >= 10, "rate bars: {state}");
    assert!(
        bars.iter().max().copied().unwrap_or(0) >= 40,
        "burst bar: {bars:?}"
    );
    assert!(state["rate_yticks"].as_array().unwrap().len() >= 2);

    // (e) terms with their direction: the burst's term down, the friendly ones up.
    let terms = state["terms"].as_array().unwrap();
    let awful = terms.iter().find(|t| t["term"] == "awful");
    let awful = awful.unwrap_or_else(|| panic!("no 'awful' in {state}"));
    assert_eq!(awful["dir"], "negative");
    assert_eq!(awful["cls"], "term negative");
    assert_eq!(awful["sign"], "\u{2212}");
    assert!(awful["val"].as_str().unwrap().starts_with('\u{2212}'));
    let up = terms.iter().find(|t| t["dir"] == "positive");
    let up = up.unwrap_or_else(|| panic!("no positive term in {state}"));
    assert_eq!(up["sign"], "+");
    assert!(up["val"].as_str().unwrap().starts_with('+'));

    // The newest comments.
    assert_eq!(state["newest"]["id"], "last", "{state}");
    assert_eq!(state["newest"]["cls"], "comment positive", "{state}");
    assert_eq!(state["newest"]["text"], "I love this, great job!");
    assert!(state["negative"].as_u64().unwrap_or(0) >= 1, "{state}");

    // (a) Chinese text is drawn with real glyphs, not boxes.
    let g = browser.exec(GLYPHS).await;
    assert!(g.is_object(), "no Chinese comment on the page: {state}");
    assert!(
        g["family"].as_str().unwrap().contains("Noto Sans CJK SC"),
        "{g}"
    );
    let ink: Vec<u64> = g["ink"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let (d12, d1t, d2t) = (
        g["one_two"].as_u64().unwrap(),
        g["one_tofu"].as_u64().unwrap(),
        g["two_tofu"].as_u64().unwrap(),
    );
    let (g1, g2) = (&g["chars"][0], &g["chars"][1]);
    assert!(
        ink[0] > 50 && ink[1] > 50 && d12 > 50 && d1t > 50 && d2t > 50,
        "{g1} and {g2} are drawn as the same box as U+10FFFD (is a CJK font such as \
         fonts-noto-cjk installed?): pixels differing {d12} between them, {d1t} and {d2t} from \
         the box; ink {ink:?}; font {}",
        g["family"]
    );
    for w in &g["widths"].as_array().unwrap()[..2] {
        let w = w.as_f64().unwrap();
        assert!((44.0..=52.0).contains(&w), "a Han glyph is 1 em wide: {g}");
    }

    let png = browser.screenshot().await;
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png");
    std::fs::write(&out, &png).unwrap();
    assert!(
        colourful(&png),
        "the screenshot ({}) is blank",
        out.display()
    );
}

/// The room list, busiest first (comments per second over 10 s, then total), updating.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_list_sorts_by_activity_and_updates() {
    if !available() {
        return;
    }
    let srv = TestServer::default().await;
    let post = |room: &str, n: usize| {
        let url = format!("{}/v1/rooms/{room}/comments", srv.url);
        let body: Vec<Value> = (0..n)
            .map(|i| json!({"id": format!("{room}-{i}"), "text": "nice stream"}))
            .collect();
        async move { post_comments(&url, Value::Array(body)).await }
    };
    let t0 = Instant::now();
    post("quiet-a", 2).await;
    post("quiet-z", 30).await;
    let browser = Browser::start().await;
    browser.goto(&format!("{}/", srv.url)).await;
    let rows = r#"return Array.from(document.querySelectorAll('#rooms tbody tr')).map(function (r) {
        return [r.getAttribute('data-room'), r.children[1].textContent, r.children[2].textContent]; });"#;
    let first = browser
        .poll(rows, Duration::from_secs(10), |v| {
            v.as_array().is_some_and(|r| r.len() == 2)
        })
        .await;
    let names: Vec<&Value> = first.as_array().unwrap().iter().map(|r| &r[0]).collect();
    assert_eq!(names, ["quiet-z", "quiet-a"], "{first}");
    // Once the quiet rooms' comments are older than 10 s, two new rooms are busier than both.
    tokio::time::sleep(Duration::from_secs(11).saturating_sub(t0.elapsed())).await;
    post("busy", 5).await;
    post("small", 1).await;
    let want = json!([
        ["busy", "0.5", "5"],
        ["small", "0.1", "1"],
        ["quiet-z", "0.0", "30"],
        ["quiet-a", "0.0", "2"]
    ]);
    let got = browser
        .poll(rows, Duration::from_secs(10), |v| *v == want)
        .await;
    assert_eq!(got, want, "not busiest first, or not updated");
}

//! The `--html` page of every simulating command, opened in a real browser.
//!
//! Each test makes one kind of page with a short run, checks that the file
//! fetches nothing (no `http(s)://` in a `src` or `href`, no script, no web
//! font), then opens it in headless Chromium twice: once for a screenshot
//! (it must render something, not a blank page, and log nothing to the
//! console) and once for the DOM (it must hold the verdicts and exactly one
//! `<svg>` per chart the page should have).
//!
//! Chromium is required: without it these tests fail and say to run
//! `.ci/install-chromium`; they never skip silently. Every browser run has
//! a timeout, so a hang fails the test instead of stalling CI.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{
    Out, REPAIRED_SLOS, SIZE_BELOW_ONE_REQUEST, no_count_found, o11sim, squeezed_zones, temp_dir,
};

/// How long one browser run may take.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

fn succeeded(out: &Out) {
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The `chromium` on the PATH; fails the test when there is none.
fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "chromium is not installed, and the HTML tests need a real browser: run .ci/install-chromium (installs Debian's chromium package)"
            )
        })
}

/// What one browser run gave.
struct BrowserRun {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on `page` with `mode` (`--screenshot=PNG` or
/// `--dump-dom`), a fresh profile and console logging on standard error,
/// killed after [`BROWSER_TIMEOUT`].
fn browse(dir: &Path, name: &str, mode: &str, page: &Path) -> BrowserRun {
    let profile = dir.join(format!("profile-{name}"));
    std::fs::create_dir_all(&profile).unwrap();
    let (out_path, err_path) = (
        dir.join(format!("{name}.stdout")),
        dir.join(format!("{name}.stderr")),
    );
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,1600",
            mode,
            &url,
        ])
        .stdin(Stdio::null())
        // Files, not pipes: a chatty browser cannot block on a full pipe.
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .expect("cannot start chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium {mode} {url} did not finish within {BROWSER_TIMEOUT:?}; stderr:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    BrowserRun {
        success: status.success(),
        stdout: std::fs::read_to_string(&out_path).unwrap(),
        stderr: std::fs::read_to_string(&err_path).unwrap(),
    }
}

/// Console messages Chromium logged (`[...:INFO:CONSOLE:1] "msg", source:
/// ...`) and uncaught script errors.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

/// The fraction of a PNG's pixels that differ from its top-left pixel
/// (the page background).
fn non_background_fraction(png_path: &Path) -> f64 {
    let file = std::io::BufReader::new(File::open(png_path).unwrap());
    let mut reader = png::Decoder::new(file)
        .read_info()
        .expect("the screenshot is a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut buf).expect("the screenshot decodes");
    let bytes = &buf[..info.buffer_size()];
    let channels = info.color_type.samples();
    assert_eq!(
        info.bit_depth,
        png::BitDepth::Eight,
        "expected an 8-bit screenshot"
    );
    let pixels: Vec<&[u8]> = bytes.chunks_exact(channels).collect();
    assert!(pixels.len() > 1000, "{} pixels", pixels.len());
    let background = pixels[0];
    let differ = pixels.iter().filter(|p| **p != background).count();
    differ as f64 / pixels.len() as f64
}

/// The values of every `src` and `href` attribute in `html`.
fn links(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    for attr in ["src", "href"] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(attr) {
            let start = from + i;
            from = start + attr.len();
            // An attribute name: preceded by white space, followed by `=`.
            let before = lower[..start].chars().last();
            if !before.is_some_and(char::is_whitespace) {
                continue;
            }
            let rest = lower[from..].trim_start();
            let Some(value) = rest.strip_prefix('=') else {
                continue;
            };
            let value = value.trim_start();
            let v = match value.chars().next() {
                Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
                _ => value
                    .split(|c: char| c.is_whitespace() || c == '>')
                    .next()
                    .unwrap_or(""),
            };
            out.push(v.to_owned());
        }
    }
    out
}

/// Checks a page file and what Chromium makes of it; returns the DOM.
fn check_page(dir: &Path, page: &Path, charts: usize, expected: &[&str]) -> String {
    let html = std::fs::read_to_string(page).unwrap();
    // Self-contained: nothing fetched, no script, no web font.
    for link in links(&html) {
        assert!(
            !(link.starts_with("http://")
                || link.starts_with("https://")
                || link.starts_with("//")),
            "{} links to {link}",
            page.display()
        );
    }
    let lower = html.to_ascii_lowercase();
    for banned in [
        "<script",
        "@font-face",
        "@import",
        "<link",
        "<iframe",
        "<img",
    ] {
        assert!(!lower.contains(banned), "{} has {banned}", page.display());
    }
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..40]);
    assert!(lower.contains("@page"), "no print rules");

    let name = page.file_stem().unwrap().to_str().unwrap();
    // Rendered: a screenshot that is not blank, and a quiet console.
    let png_path = dir.join(format!("{name}.png"));
    let shot = browse(
        dir,
        &format!("{name}-shot"),
        &format!("--screenshot={}", png_path.display()),
        page,
    );
    assert!(
        shot.success,
        "chromium --screenshot failed:\n{}",
        shot.stderr
    );
    assert!(
        console_lines(&shot.stderr).is_empty(),
        "console messages: {:?}",
        console_lines(&shot.stderr)
    );
    let drawn = non_background_fraction(&png_path);
    assert!(
        drawn >= 0.01,
        "{}: only {:.3}% of the screenshot differs from the background",
        page.display(),
        drawn * 100.0
    );
    // The DOM: verdicts and one <svg> per chart.
    let dom = browse(dir, &format!("{name}-dom"), "--dump-dom", page);
    assert!(dom.success, "chromium --dump-dom failed:\n{}", dom.stderr);
    assert!(
        console_lines(&dom.stderr).is_empty(),
        "console messages: {:?}",
        console_lines(&dom.stderr)
    );
    for text in expected {
        assert!(
            dom.stdout.contains(text),
            "{}: the DOM lacks {text:?}",
            page.display()
        );
    }
    assert_eq!(
        dom.stdout.matches("<svg").count(),
        charts,
        "{}: charts drawn",
        page.display()
    );
    assert!(dom.stdout.contains("<details"), "no scenario block");
    dom.stdout
}

const QUICK: [&str; 6] = ["--replications", "2", "--duration", "1m", "--warmup", "10s"];

/// The bottleneck lines of a text report (the indented lines under its
/// "Bottlenecks" heading), as a browser's DOM serializes them.
fn bottleneck_lines(report: &str) -> Vec<String> {
    let head = report
        .find("\nBottlenecks (")
        .unwrap_or_else(|| panic!("no bottleneck lines in:\n{report}"));
    let lines: Vec<String> = report[head + 1..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            l.trim()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        })
        .collect();
    assert!(!lines.is_empty(), "{report}");
    lines
}

/// The items of the page's bottleneck list, in order.
fn page_bottlenecks(dom: &str) -> Vec<String> {
    let start = dom
        .find("<ul class=\"bottlenecks\">")
        .unwrap_or_else(|| panic!("the page has no bottleneck list"));
    let list = &dom[start..start + dom[start..].find("</ul>").unwrap()];
    list.split("<li>")
        .skip(1)
        .map(|item| item.split("</li>").next().unwrap().trim().to_owned())
        .collect()
}

/// `o11sim ARGS --html DIR/NAME.html` with the quick run settings; the
/// page's path.
fn page(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, Out) {
    let path = dir.join(format!("{name}.html"));
    let mut all = args.to_vec();
    all.extend_from_slice(&QUICK);
    all.extend_from_slice(&["--html", s(&path)]);
    let out = o11sim(&all);
    (path, out)
}

#[test]
fn the_console_check_sees_what_a_page_logs() {
    // Guards the checks below against passing vacuously: a page that logs
    // is caught on this machine's Chromium.
    let dir = temp_dir("html-console");
    let page = dir.join("logs.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>x</p><script>console.log('o11sim-probe')</script></body></html>",
    )
    .unwrap();
    let run = browse(&dir, "logs", "--dump-dom", &page);
    assert!(run.success, "{}", run.stderr);
    let lines = console_lines(&run.stderr);
    assert!(
        lines.iter().any(|l| l.contains("o11sim-probe")),
        "chromium did not log the console message; stderr:\n{}",
        run.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_page_states_the_question_and_the_slo_verdicts() {
    let dir = temp_dir("html-run");
    let json = dir.join("run.json");
    let (path, out) = page(
        &dir,
        "run",
        &[
            "run",
            "prod",
            "--set",
            "front_ends=4",
            "--set",
            "failures=[{front_end=\"main.1\", at=\"30s\", duration=\"10s\"}]",
            "--json",
            s(&json),
        ],
    );
    succeeded(&out);
    assert!(out.stdout.contains("run.html"), "{}", out.stdout);
    let dom = check_page(
        &dir,
        &path,
        2,
        &[
            "Verdicts",
            "SLO portal p95",
            "met",
            "no class is saturated",
            "o11sim run prod --set front_ends=4",
            "scenario fingerprint",
            "0.1.0",
        ],
    );
    // The scenario text is the one simulated: after the override.
    let scenario = &dom[dom.find("<details").unwrap()..];
    assert!(scenario.contains("front_ends = 4"), "{scenario}");
    // The file says 10 replications; the run made 2 and the text says so.
    assert!(
        scenario.contains("# Run with --replications 2 on the command line"),
        "{scenario}"
    );
    // What losing main.1 for 10 s cost, per class, as in the JSON.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let costs = table_after(&dom, "failure-costs");
    let classes = doc["variants"][0]["failures"][0]["classes"]
        .as_array()
        .unwrap();
    assert_eq!(costs.len(), classes.len(), "{costs:?}");
    for (row, class) in costs.iter().zip(classes) {
        assert_eq!(row[0], "1: front-end main.1 0:00:30-0:00:40");
        assert_eq!(row[1], class["name"].as_str().unwrap());
        assert_eq!(row[2], count_text(&class["errors"], false), "{row:?}");
        assert_eq!(row[3], count_text(&class["failed"], false), "{row:?}");
    }
    // A quarter of the capacity gone for 10 s: the portal's requests
    // routed to it before the balancer noticed failed.
    assert!(classes[0]["errors"]["ci_low"].as_f64().unwrap() > 0.0);
    // Each class's bottleneck line, word for word as in the terminal.
    let lines = bottleneck_lines(&out.stdout);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("portal: "), "{lines:?}");
    assert_eq!(page_bottlenecks(&dom), lines);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The cells of each row of the table following `id="ID"` in a DOM.
fn table_after(dom: &str, id: &str) -> Vec<Vec<String>> {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &dom[start..];
    let body = &rest[rest.find("<tbody>").unwrap()..rest.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    let text = &cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()];
                    text.to_owned()
                })
                .collect()
        })
        .collect()
}

/// An estimate of a JSON document as the page shows a count: `6575 ± 340`
/// (`−5409 ± 492` for a difference).
fn count_text(e: &serde_json::Value, signed: bool) -> String {
    let (mean, lo, hi) = (
        e["mean"].as_f64().unwrap(),
        e["ci_low"].as_f64().unwrap(),
        e["ci_high"].as_f64().unwrap(),
    );
    let m = format!("{mean:.0}");
    let m = match m.strip_prefix('-') {
        Some(digits) if signed => format!("\u{2212}{digits}"),
        _ if signed && m != "0" => format!("+{m}"),
        _ => m,
    };
    format!("{m} ± {:.0}", (hi - lo) / 2.0)
}

#[test]
fn compare_page_shows_both_verdicts_and_the_differences() {
    let dir = temp_dir("html-compare");
    let csv = dir.join("fe.csv");
    let json = dir.join("fe.json");
    // Losing main.1 for 15 s: all the service of one front-end, a third
    // of that of three.
    let (path, out) = page(
        &dir,
        "compare",
        &[
            "compare",
            "prod",
            "--front-ends",
            "1,3",
            "--set",
            "failures=[{front_end=\"main.1\", at=\"30s\", duration=\"15s\"}]",
            "--csv",
            s(&csv),
            "--json",
            s(&json),
        ],
    );
    succeeded(&out);
    // Written with the command's other outputs.
    assert!(csv.is_file() && dir.join("fe-resources.csv").is_file());
    let dom = check_page(
        &dir,
        &path,
        2,
        &[
            "missed",
            "met",
            "saturated",
            "front_ends=3",
            "Paired differences",
            "What each scheduled failure costs",
            "Bottlenecks",
        ],
    );
    // Each variant's lines as in the terminal: one front-end is the
    // limit, with three the front-ends are not.
    let lines = bottleneck_lines(&out.stdout);
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        lines[0].starts_with("front_ends=1: portal: bottleneck the front-ends"),
        "{lines:?}"
    );
    assert_eq!(page_bottlenecks(&dom), lines);
    // The failure-cost tables hold the figures of the JSON: per variant
    // and class the errors caused, and the paired difference.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let costs = table_after(&dom, "failure-costs");
    assert_eq!(costs.len(), 4, "2 variants × 2 classes: {costs:?}");
    for (v, name) in ["front_ends=1", "front_ends=3"].iter().enumerate() {
        for class in &doc["variants"][v]["failures"][0]["classes"]
            .as_array()
            .unwrap()[..]
        {
            let c = class["name"].as_str().unwrap();
            let row = costs
                .iter()
                .find(|r| r[0] == *name && r[2] == c)
                .unwrap_or_else(|| panic!("no row for {name} {c}: {costs:?}"));
            assert_eq!(row[1], "1: front-end main.1 0:00:30-0:00:45");
            assert_eq!(row[3], count_text(&class["errors"], false), "{row:?}");
            assert_eq!(row[4], count_text(&class["failed"], false), "{row:?}");
            assert_eq!(row[6], count_text(&class["rejected"], false), "{row:?}");
        }
    }
    let diffs = table_after(&dom, "failure-differences");
    let portal = diffs
        .iter()
        .find(|r| r[0] == "front_ends=3" && r[2] == "portal")
        .unwrap_or_else(|| panic!("{diffs:?}"));
    let d = &doc["variants"][1]["failures"][0]["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "portal")
        .unwrap()["difference"];
    assert_eq!(portal[3], count_text(&d["errors"], true), "{portal:?}");
    // Three front-ends lose far fewer requests: the CI is clear of 0.
    assert!(d["errors"]["ci_high"].as_f64().unwrap() < 0.0, "{d}");
    assert_eq!(portal[8], "yes");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sweep_page_draws_the_figure_asked_for() {
    let dir = temp_dir("html-sweep");
    let (path, out) = page(
        &dir,
        "sweep",
        &[
            "sweep",
            "prod",
            "--vary",
            "front_ends=2,3",
            "--plot-figure",
            "p99",
        ],
    );
    succeeded(&out);
    check_page(
        &dir,
        &path,
        2,
        &["p99 response time", "CPU utilization", "Paired differences"],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn size_page_gives_the_answer_the_terminal_gives() {
    let dir = temp_dir("html-size");
    let (path, out) = page(
        &dir,
        "size",
        &["size", "prod", "--slo", "portal:p95<=800ms"],
    );
    succeeded(&out);
    let answer = out
        .stdout
        .lines()
        .last()
        .filter(|l| l.starts_with("front_ends = "))
        .unwrap_or_else(|| panic!("no answer in\n{}", out.stdout))
        .to_owned();
    check_page(&dir, &path, 1, &[&answer, "Candidates tried", "meets"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn size_page_says_why_no_count_meets_as_the_terminal_does() {
    let dir = temp_dir("html-size-none");
    let (path, out) = page(&dir, "size-none", &SIZE_BELOW_ONE_REQUEST);
    let (advice, last) = no_count_found(&out);
    let reason = last
        .split_once(": ")
        .map(|(_, r)| r)
        .unwrap_or_else(|| panic!("no reason in {last}"));
    assert!(
        advice.starts_with("at front_ends = 4: portal: "),
        "{advice}"
    );
    // The DOM serializes the apostrophe of "portal's" back as it is.
    check_page(
        &dir,
        &path,
        1,
        &[
            "no count of front_ends up to --max-front-ends 4 meets every SLO",
            reason,
            advice,
        ],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn size_page_shows_zones_sized_again_when_they_miss_together() {
    // The case of `whatif::zoned_answers_that_miss_together_are_repaired`:
    // public meets alone at 2, misses with every zone at 2, and is sized
    // again to 3.
    let dir = temp_dir("html-size-repair");
    let path = dir.join("repair.html");
    let json = dir.join("repair.json");
    let mut extra = REPAIRED_SLOS.to_vec();
    extra.extend(["--html", s(&path)]);
    let args = squeezed_zones("5", &extra, s(&json));
    let out = o11sim(&args.iter().map(String::as_str).collect::<Vec<_>>());
    succeeded(&out);
    let repaired = out
        .stdout
        .lines()
        .find(|l| l.starts_with("every zone at its answer at once meets every SLO too, after"))
        .unwrap_or_else(|| panic!("no repair line in\n{}", out.stdout));
    // One chart per zone's first search.
    check_page(
        &dir,
        &path,
        3,
        &[
            "zones.public.front_ends = 3",
            "zones.internal.front_ends = 2",
            repaired,
            "zones.public.front_ends again (the others at their answers)",
        ],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn team_page_says_where_each_layout_first_misses() {
    let dir = temp_dir("html-team");
    let path = dir.join("team.html");
    let out = o11sim(&[
        "team",
        "--developers",
        "4,16",
        "--replications",
        "2",
        "--duration",
        "20m",
        "--warmup",
        "1m",
        "--html",
        s(&path),
    ]);
    succeeded(&out);
    let dom = check_page(
        &dir,
        &path,
        2,
        &[
            "dedicated: publish p95",
            "co-located: publish p95",
            "target",
        ],
    );
    // Each layout's verdict is one of the three sentences (in a run this
    // short, 4 developers may finish no publish in some replication: not
    // met, never "meets").
    for layout in ["dedicated", "co-located"] {
        let at = dom
            .find(&format!("{layout}: publish p95"))
            .unwrap_or_else(|| panic!("no verdict for {layout}"));
        let sentence = &dom[at..(at + 200).min(dom.len())];
        assert!(
            sentence.contains("first misses")
                || sentence.contains("meets")
                || sentence.contains("<strong>not met</strong> at <strong>4 developers</strong>: no publish completed"),
            "{sentence}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn links_are_found_in_every_quoting() {
    let found =
        links(r#"<a href="https://x">a</a><img src='http://y'><a HREF=//z>b</a> data-src="q""#);
    assert_eq!(found, vec!["http://y", "https://x", "//z"]);
}

#[test]
fn compare_page_gives_each_database_availability_as_the_terminal_does() {
    // The primary's node lost for 20 s of a minute: one node serves
    // nothing for those 20 s, two fail over in 10. The availability is
    // what a second node buys, and the page shows it as the terminal does.
    let dir = temp_dir("html-databases");
    let (path, out) = page(
        &dir,
        "nodes",
        &[
            "compare",
            "prod",
            "--vary",
            "database.nodes=1,2",
            "--set",
            "database.failover_duration=10s",
            "--set",
            "failures=[{database=\"primary\", at=\"30s\", duration=\"20s\"}]",
        ],
    );
    succeeded(&out);
    let dom = check_page(&dir, &path, 2, &["Database availability"]);
    // The terminal's table, one per variant: `production  66.667 ± 0.000%  0.00 ± 0.00`.
    let terminal: Vec<Vec<String>> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("production "))
        .map(|l| {
            let cells: Vec<&str> = l.split("  ").filter(|c| !c.trim().is_empty()).collect();
            cells.iter().map(|c| c.trim().to_owned()).collect()
        })
        .collect();
    assert_eq!(terminal.len(), 2, "{}", out.stdout);
    let rows = table_after(&dom, "databases");
    let page_rows: Vec<Vec<String>> = rows.iter().map(|r| r[1..].to_vec()).collect();
    assert_eq!(page_rows, terminal);
    assert_eq!(rows[0][0], "database.nodes=1");
    assert_eq!(rows[0][2], "66.667 ± 0.000%");
    assert_eq!(rows[1][2], "83.333 ± 0.000%");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_page_of_a_profiled_day_names_each_class_peak_hour_as_the_terminal_does() {
    // Two one-hour windows, 07:00-08:00 and 08:00-09:00, the second at
    // twice the rate: each class's peak hour, on the page as in the
    // terminal.
    let dir = temp_dir("html-peaks");
    let path = dir.join("day.html");
    let mut profile = vec!["0.5"; 24];
    profile[8] = "1.0";
    let profile = format!("[{}]", profile.join(","));
    let portal = format!("traffic.portal.profile={profile}");
    let backoffice = format!("traffic.backoffice.profile={profile}");
    let out = o11sim(&[
        "run",
        "prod",
        "--replications",
        "2",
        "--duration",
        "2h",
        "--warmup",
        "5m",
        "--set",
        "simulation.start=06:55",
        "--set",
        &portal,
        "--set",
        &backoffice,
        "--html",
        s(&path),
    ]);
    succeeded(&out);
    let dom = check_page(&dir, &path, 4, &["Peak hour of each class"]);
    let terminal: Vec<Vec<String>> = out
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Peak hour of each class"))
        .skip(2)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            l.split("  ")
                .filter(|c| !c.trim().is_empty())
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect();
    assert_eq!(terminal.len(), 2, "{}", out.stdout);
    assert_eq!(table_after(&dom, "peaks"), terminal);
    assert_eq!(terminal[0][2], "08:00-09:00", "{terminal:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

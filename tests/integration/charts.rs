//! What the charts say, read back from the SVG (roxmltree): discrete
//! variants are points with error bars and no line between them, a
//! continuous setting is joined, an SLO is a reference line, saturated
//! variants are marked, and axis titles carry units.

use std::path::Path;

use crate::common::{Out, o11sim, temp_dir};

const QUICK: [&str; 6] = ["--replications", "2", "--duration", "1m", "--warmup", "10s"];

/// Reference lines (SLOs, targets) are drawn in this grey
/// (`report::svg::REFERENCE`); the saturation ring in this red
/// (`report::svg::SATURATED`).
const REFERENCE: &str = "#555555";
const SATURATED: &str = "#D00000";

/// Runs `o11sim ARGS --plot FILE` with the quick settings; the chart.
fn chart(dir: &Path, name: &str, args: &[&str]) -> String {
    let path = dir.join(format!("{name}.svg"));
    let mut all = args.to_vec();
    all.extend_from_slice(&QUICK);
    all.extend_from_slice(&["--plot", path.to_str().unwrap()]);
    let out: Out = o11sim(&all);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    std::fs::read_to_string(&path).unwrap()
}

/// A grey colour (r = g = b): axes, grid, reference lines.
fn grey(colour: &str) -> bool {
    let hex = colour.trim_start_matches('#');
    hex.len() == 6 && hex[0..2] == hex[2..4] && hex[2..4] == hex[4..6]
}

/// Each `<polyline>` as (stroke, points).
fn polylines(svg: &str) -> Vec<(String, Vec<(f64, f64)>)> {
    let doc = roxmltree::Document::parse(svg).expect("the chart is well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .map(|n| {
            let points = n
                .attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|p| {
                    let (x, y) = p.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            (n.attribute("stroke").unwrap_or("").to_owned(), points)
        })
        .collect()
}

/// The horizontal extent of a polyline, in pixels.
fn width(points: &[(f64, f64)]) -> f64 {
    let xs = points.iter().map(|p| p.0);
    xs.clone().fold(f64::NEG_INFINITY, f64::max) - xs.fold(f64::INFINITY, f64::min)
}

fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_owned())
        .collect()
}

#[test]
fn one_vs_three_front_ends_are_points_with_error_bars_an_slo_line_and_units() {
    let dir = temp_dir("chart-fe");
    let svg = chart(&dir, "fe", &["compare", "prod", "--front-ends", "1,3"]);
    let lines = polylines(&svg);
    let series: Vec<_> = lines.iter().filter(|(c, _)| !grey(c)).collect();
    // Error bars: vertical polylines in each series' colour.
    let bars = series
        .iter()
        .filter(|(_, p)| p.len() == 2 && width(p) < 0.5)
        .count();
    assert!(bars >= 4, "2 classes x 2 variants: {bars} error bars");
    // Nothing in a series' colour joins 1 to 3: only bars and their caps.
    for (colour, points) in &series {
        assert!(
            width(points) <= 12.0,
            "a {colour} polyline spans {} px: {points:?}",
            width(points)
        );
    }
    // The portal SLO (p95 <= 800 ms) as a dashed reference line, labelled.
    let reference = lines.iter().filter(|(c, _)| c == REFERENCE).count();
    assert!(
        reference >= 5,
        "a dashed line is many segments: {reference}"
    );
    let t = texts(&svg);
    assert!(
        t.iter().any(|x| x == "SLO portal p95 \u{2264} 800 ms"),
        "{t:?}"
    );
    // One front-end is saturated: a red ring and a legend entry.
    assert!(svg.contains(SATURATED), "no saturation marker");
    assert!(t.iter().any(|x| x.starts_with("saturated")), "{t:?}");
    // Human titles with units; ticks only at the simulated counts.
    assert!(
        t.iter().any(|x| x.starts_with("p95 response time (ms")),
        "{t:?}"
    );
    assert!(t.iter().any(|x| x == "front-ends"), "{t:?}");
    assert!(
        t.iter()
            .any(|x| x.starts_with("example2: p95 response time by front-ends")),
        "{t:?}"
    );
    assert!(
        t.iter().any(|x| x.contains("2 replication(s) of 1m")),
        "{t:?}"
    );
    assert!(!t.iter().any(|x| x == "2"), "a tick at 2 front-ends: {t:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn plot_figure_changes_the_axis_and_drops_slos_it_does_not_have() {
    let dir = temp_dir("chart-figure");
    let util = chart(
        &dir,
        "util",
        &[
            "compare",
            "prod",
            "--front-ends",
            "2,3",
            "--plot-figure",
            "utilization",
        ],
    );
    let t = texts(&util);
    assert!(t.iter().any(|x| x == "CPU utilization (%)"), "{t:?}");
    assert!(
        t.iter().any(|x| x.starts_with("main front-end CPU")),
        "{t:?}"
    );
    assert!(!util.contains(REFERENCE), "no SLO is on utilization");
    let errors = chart(
        &dir,
        "errors",
        &[
            "compare",
            "prod",
            "--front-ends",
            "2,3",
            "--plot-figure",
            "error_rate",
        ],
    );
    assert!(texts(&errors).iter().any(|x| x == "error rate (%)"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn categories_get_a_categorical_axis_and_a_continuous_setting_a_line() {
    let dir = temp_dir("chart-kinds");
    let cat = chart(
        &dir,
        "cat",
        &["sweep", "prod", "--vary", "database.on_failover=fail,wait"],
    );
    let t = texts(&cat);
    assert!(t.iter().any(|x| x == "fail") && t.iter().any(|x| x == "wait"));
    assert!(t.iter().any(|x| x == "database on failover"), "{t:?}");
    for (colour, points) in polylines(&cat).iter().filter(|(c, _)| !grey(c)) {
        assert!(width(points) <= 12.0, "{colour}: {points:?}");
    }
    let rate = chart(
        &dir,
        "rate",
        &["sweep", "prod", "--vary", "traffic.portal.rate=150.5,300.5"],
    );
    let t = texts(&rate);
    assert!(
        t.iter().any(|x| x == "portal arrival rate (req/s)"),
        "{t:?}"
    );
    let joined = polylines(&rate)
        .iter()
        .filter(|(c, p)| !grey(c) && width(p) > 100.0)
        .count();
    assert_eq!(joined, 2, "one line per class over a continuous setting");
    std::fs::remove_dir_all(&dir).unwrap();
}

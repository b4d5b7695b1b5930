//! SVG line charts for planning decks: a figure (usually p95 response time)
//! against a varied setting, one series per traffic class or layout, each
//! point with its 95 % confidence interval as an error bar.
//!
//! Why this file exists: the what-if commands (`compare`, `sweep`, `team`)
//! all draw the same kind of chart; this is the one place that knows
//! plotters. [`Svg`] exports a result as its chart: p95 against the first
//! varied key for a comparison or sweep ([`comparison_chart`]), publish
//! lead time against team size for a team growth ([`team_chart`]). It uses only plotters' SVG backend without the `ttf` feature:
//! text becomes `<text>` elements, sized by a crude estimate, and no system
//! font is ever loaded, so charts are the same bytes on every machine.
//!
//! Shape of the output, which tests rely on: every series is drawn as one
//! `<polyline>` in its own colour (from plotters' `Palette99`, in series
//! order), its legend sample is a filled `<rect>` in that colour, error bars
//! and the optional target line are 2-point polylines, axes and grid lines
//! are black or grey.

use anyhow::{Result, anyhow};
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::Export;
use crate::dist::format_duration;
use crate::experiment::CommandResult;
use crate::experiment::result::{Comparison, Layout, TeamGrowth};

/// The chart of a comparison, sweep or team growth, as SVG.
#[derive(Clone, Copy, Debug, Default)]
pub struct Svg;

impl Export for Svg {
    fn write(&self, result: &CommandResult, out: &mut dyn std::io::Write) -> Result<()> {
        let chart = match result {
            CommandResult::Compare(c) | CommandResult::Sweep(c) => comparison_chart(c),
            CommandResult::Team(t) => team_chart(t),
            CommandResult::Run(_) | CommandResult::Size(_) => {
                return Err(anyhow!("`{}` draws no chart", result.command()));
            }
        };
        out.write_all(svg(&chart)?.as_bytes())?;
        Ok(())
    }
}

/// One point of a series: `y` with its 95 % interval when known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub ci: Option<(f64, f64)>,
}

/// One line of the chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<Point>,
}

/// A whole chart.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Labels for x = 0, 1, 2, … when the varied values are not numbers
    /// (policy names, distributions); `None` for a numeric axis.
    pub x_categories: Option<Vec<String>>,
    pub series: Vec<Series>,
    /// A horizontal reference line (label, y), such as an SLO or a target.
    pub target: Option<(String, f64)>,
}

// ---- charts of results ----------------------------------------------------

/// How the varied values of a key sit on the x axis: numbers, durations (in
/// seconds) or categories.
pub(crate) fn x_axis(key: &str, values: &[String]) -> (String, Vec<f64>, Option<Vec<String>>) {
    if let Some(xs) = values
        .iter()
        .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<Vec<_>>>()
    {
        return (key.to_owned(), xs, None);
    }
    if let Some(xs) = values
        .iter()
        .map(|v| crate::dist::parse_duration(v).ok())
        .collect::<Option<Vec<_>>>()
    {
        return (format!("{key} (s)"), xs, None);
    }
    (
        key.to_owned(),
        (0..values.len()).map(|i| i as f64).collect(),
        Some(values.to_vec()),
    )
}

/// `k=v k2=v2`.
fn joined(keys: &[(String, String)]) -> String {
    keys.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// p95 (with its CI) against the first varied key, one series per traffic
/// class and combination of the other keys' values.
pub fn comparison_chart(c: &Comparison) -> Chart {
    let Some(first) = c.varied.first() else {
        return Chart::default();
    };
    let title = format!("{}: p95 by {}", c.settings.scenario, first.key);
    let (x_label, xs, categories) = x_axis(&first.key, &first.values);
    let classes: Vec<&str> = c
        .variants
        .first()
        .map(|v| {
            v.summary
                .classes
                .iter()
                .filter(|c| c.is_traffic)
                .map(|c| c.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    // Variants with the same values of the other keys form one line.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, v) in c.variants.iter().enumerate() {
        let rest = joined(v.keys.get(1..).unwrap_or_default());
        match groups.iter_mut().find(|(k, _)| *k == rest) {
            Some((_, members)) => members.push(i),
            None => groups.push((rest, vec![i])),
        }
    }
    let mut series = Vec::new();
    for class in &classes {
        for (rest, members) in &groups {
            let points = members
                .iter()
                .filter_map(|&i| {
                    let v = &c.variants[i];
                    let cl = v.summary.classes.iter().find(|x| x.name == *class)?;
                    let value = &v.keys.first()?.1;
                    let xi = first.values.iter().position(|x| x == value)?;
                    Some(Point {
                        x: xs[xi],
                        y: cl.p95.mean * 1e3,
                        ci: cl.p95.ci_95().map(|(lo, hi)| (lo * 1e3, hi * 1e3)),
                    })
                })
                .collect();
            let name = if rest.is_empty() {
                (*class).to_owned()
            } else {
                format!("{class}, {rest}")
            };
            series.push(Series { name, points });
        }
    }
    Chart {
        title,
        x_label,
        y_label: "p95 response time (ms)".into(),
        x_categories: categories,
        series,
        target: None,
    }
}

/// Publish lead time p95 (with its CI) against team size, one series per
/// layout, and the target as a line.
pub fn team_chart(t: &TeamGrowth) -> Chart {
    let mut sizes = t.developers.clone();
    sizes.sort_unstable();
    let target = format_duration(t.publish_target);
    Chart {
        title: format!(
            "{}: publish lead time p95 by team size",
            t.settings.scenario
        ),
        x_label: "developers".into(),
        y_label: "publish lead time p95 (s)".into(),
        x_categories: None,
        series: Layout::ALL
            .iter()
            .map(|&layout| Series {
                name: super::text::layout_name(layout).to_owned(),
                points: sizes
                    .iter()
                    .filter_map(|&n| t.point(n, layout))
                    .map(|p| Point {
                        x: f64::from(p.developers),
                        y: p.publish_p95.mean,
                        ci: p.publish_p95.ci_95(),
                    })
                    .collect(),
            })
            .collect(),
        target: Some((format!("target {target}"), t.publish_target)),
    }
}

// ---- drawing ----------------------------------------------------------------

const WIDTH: u32 = 900;
const HEIGHT: u32 = 560;

/// Well-separated, readable colours for the first series (Tableau 10
/// without its grey, which the target line uses).
const COLOURS: [RGBColor; 9] = [
    RGBColor(0x1F, 0x77, 0xB4),
    RGBColor(0xFF, 0x7F, 0x0E),
    RGBColor(0x2C, 0xA0, 0x2C),
    RGBColor(0xD6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xBD),
    RGBColor(0x8C, 0x56, 0x4B),
    RGBColor(0xE3, 0x77, 0xC2),
    RGBColor(0xBC, 0xBD, 0x22),
    RGBColor(0x17, 0xBE, 0xCF),
];

/// The colour of series `i`: distinct for every series of a chart (past
/// the first nine, from plotters' `Palette99`).
pub fn series_colour(i: usize) -> RGBColor {
    match COLOURS.get(i) {
        Some(&c) => c,
        None => {
            let (r, g, b) = Palette99::pick(i - COLOURS.len()).rgb();
            RGBColor(r, g, b)
        }
    }
}

/// Draws the chart as SVG text. The y axis is logarithmic when the values
/// span more than a factor of 20 (a saturated variant next to a healthy one
/// would otherwise flatten every other line), linear otherwise.
pub fn svg(chart: &Chart) -> Result<String> {
    let ys = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .flat_map(|p| {
            let (lo, hi) = p.ci.unwrap_or((p.y, p.y));
            [p.y, lo, hi]
        })
        .chain(chart.target.iter().map(|t| t.1))
        .filter(|y| y.is_finite());
    let (mut y_min, mut y_max) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    if !y_min.is_finite() {
        (y_min, y_max) = (0.0, 1.0);
    }
    let xs = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.x))
        .filter(|x| x.is_finite());
    let (mut x_min, mut x_max) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    if !x_min.is_finite() {
        (x_min, x_max) = (0.0, 1.0);
    }
    // A little room on each side so end points and error bars are visible.
    let x_pad = if x_max > x_min {
        (x_max - x_min) * 0.05
    } else {
        0.5
    };
    let x_range = (x_min - x_pad)..(x_max + x_pad);
    let positive = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .all(|p| p.y > 0.0 && p.ci.is_none_or(|(lo, _)| lo > 0.0));
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        if positive && y_min > 0.0 && y_max / y_min > 20.0 {
            let y_range = (y_min / 1.3..y_max * 1.3).log_scale();
            let ctx = ChartBuilder::on(&root)
                .caption(&chart.title, ("sans-serif", 20))
                .margin(16)
                .x_label_area_size(44)
                .y_label_area_size(70)
                .build_cartesian_2d(x_range, y_range)
                .map_err(plot_error)?;
            draw(ctx, chart, true)?;
        } else {
            let pad = if y_max > y_min {
                (y_max - y_min) * 0.08
            } else {
                y_max.abs().max(1.0) * 0.1
            };
            let low = if y_min >= 0.0 {
                (y_min - pad).max(0.0)
            } else {
                y_min - pad
            };
            let ctx = ChartBuilder::on(&root)
                .caption(&chart.title, ("sans-serif", 20))
                .margin(16)
                .x_label_area_size(44)
                .y_label_area_size(70)
                .build_cartesian_2d(x_range, low..y_max + pad)
                .map_err(plot_error)?;
            draw(ctx, chart, false)?;
        }
        root.present().map_err(plot_error)?;
    }
    Ok(out)
}

fn plot_error<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("cannot draw the chart: {e:?}")
}

fn draw<'a, 'b: 'a, Y>(
    mut ctx: ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, Y>>,
    chart: &Chart,
    log: bool,
) -> Result<()>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let categories = chart.x_categories.clone();
    // Whole-number settings (front-ends, cores, developers) get whole ticks.
    let whole = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .all(|p| p.x == p.x.round());
    let x_fmt = move |x: &f64| match &categories {
        None if whole && *x != x.round() => String::new(),
        Some(labels) => {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
        None => number(*x),
    };
    let y_desc = if log {
        format!("{} (log scale)", chart.y_label)
    } else {
        chart.y_label.clone()
    };
    let span = ctx.x_range().end - ctx.x_range().start;
    let x_labels = match &chart.x_categories {
        Some(c) => (c.len() * 2 + 1).max(3),
        None if whole && span < 12.0 => (span.ceil() as usize * 2 + 1).max(3),
        None => 10,
    };
    ctx.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(y_desc.as_str())
        .x_labels(x_labels)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&|y: &f64| number(*y))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(plot_error)?;
    for (i, s) in chart.series.iter().enumerate() {
        let colour = series_colour(i);
        let points: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|p| p.y.is_finite())
            .map(|p| (p.x, p.y))
            .collect();
        ctx.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
            .map_err(plot_error)?
            .label(s.name.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 14, y + 4)], colour.filled()));
        ctx.draw_series(
            points
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 3, colour.filled())),
        )
        .map_err(plot_error)?;
        let bars = s.points.iter().filter_map(|p| {
            let (lo, hi) = p.ci?;
            (lo.is_finite() && hi.is_finite() && (!log || lo > 0.0)).then_some((p.x, lo, hi))
        });
        ctx.draw_series(
            bars.map(|(x, lo, hi)| {
                PathElement::new(vec![(x, lo), (x, hi)], colour.stroke_width(2))
            }),
        )
        .map_err(plot_error)?;
    }
    if let Some((label, y)) = &chart.target {
        let (x0, x1) = (ctx.x_range().start, ctx.x_range().end);
        let grey = RGBColor(80, 80, 80);
        ctx.draw_series(std::iter::once(PathElement::new(
            vec![(x0, *y), (x1, *y)],
            grey.stroke_width(2),
        )))
        .map_err(plot_error)?
        .label(label.as_str())
        .legend(move |(x, y)| Rectangle::new([(x, y - 1), (x + 14, y + 1)], grey.filled()));
    }
    ctx.configure_series_labels()
        .position(legend_corner(chart))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(plot_error)?;
    Ok(())
}

/// The upper corner where the lines are lower: rising curves get the
/// legend on the left, falling ones on the right.
fn legend_corner(chart: &Chart) -> SeriesLabelPosition {
    let xs = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.x));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    let mid = (lo + hi) / 2.0;
    let top = |left: bool| {
        chart
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|p| (p.x < mid) == left && p.y.is_finite())
            .map(|p| p.ci.map_or(p.y, |(_, hi)| hi.max(p.y)))
            .fold(f64::NEG_INFINITY, f64::max)
    };
    if top(false) > top(true) {
        SeriesLabelPosition::UpperLeft
    } else {
        SeriesLabelPosition::UpperRight
    }
}

/// A tick label: integers without decimals, others with up to 3
/// significant decimals.
fn number(x: f64) -> String {
    let s = if (x == x.round() && x.abs() < 1e12) || x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    // A tick a rounding error below zero prints as 0, never -0.
    if s == "-0" { "0".to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(values: &[f64]) -> Chart {
        Chart {
            title: "p95".into(),
            x_label: "front_ends".into(),
            y_label: "p95 (ms)".into(),
            x_categories: None,
            series: vec![
                Series {
                    name: "a".into(),
                    points: values
                        .iter()
                        .enumerate()
                        .map(|(i, &y)| Point {
                            x: i as f64 + 1.0,
                            y,
                            ci: Some((y * 0.9, y * 1.1)),
                        })
                        .collect(),
                },
                Series {
                    name: "b".into(),
                    points: vec![Point {
                        x: 1.0,
                        y: 5.0,
                        ci: None,
                    }],
                },
            ],
            target: Some(("SLO".into(), 10.0)),
        }
    }

    #[test]
    fn draws_text_and_one_polyline_colour_per_series() {
        for values in [&[10.0, 20.0, 30.0][..], &[4000.0, 30.0, 25.0][..]] {
            let s = svg(&chart(values)).unwrap();
            assert!(s.starts_with("<svg"), "{}", &s[..40]);
            assert!(s.contains("<text"));
            assert!(s.contains("front_ends"));
            for i in 0..2 {
                let RGBColor(r, g, b) = series_colour(i);
                let hex = format!("#{r:02X}{g:02X}{b:02X}");
                assert!(s.contains(&hex), "no {hex} in the chart");
            }
        }
    }

    #[test]
    fn empty_chart_still_draws() {
        let s = svg(&Chart::default()).unwrap();
        assert!(s.contains("</svg>"));
    }

    #[test]
    fn axis_kinds() {
        let (_, xs, c) = x_axis("front_ends", &["1".into(), "3".into()]);
        assert_eq!((xs, c), (vec![1.0, 3.0], None));
        let (label, xs, _) = x_axis("timeout", &["100ms".into(), "2s".into()]);
        assert_eq!((label.as_str(), xs), ("timeout (s)", vec![0.1, 2.0]));
        let (_, xs, c) = x_axis("policy", &["round_robin".into(), "random".into()]);
        assert_eq!(xs, vec![0.0, 1.0]);
        assert_eq!(c.unwrap()[1], "random");
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(0.125), "0.125");
        assert_eq!(number(1234.56), "1235");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(-0.0004), "0");
    }
}

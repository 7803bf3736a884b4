//! Charts for the reports page, drawn on the server: this module turns numbers into shapes and
//! scale labels; `templates/reports/_chart.html` writes them as inline SVG with a `<title>` and
//! description. No script. The same numbers are always in the table beside each chart.

/// Width of every chart's drawing, in SVG units (it scales to its box; on a phone it is drawn
/// about this size, so text stays readable).
const WIDTH: f64 = 360.0;

/// A chart ready to be written as SVG.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    /// Unique on the page: the prefix of the `<title>` and `<desc>` ids.
    pub id: String,
    pub title: String,
    pub description: String,
    pub width: f64,
    pub height: f64,
    /// Scale lines with their labels.
    pub grid: Vec<GridLine>,
    /// The zero line.
    pub axis: Line,
    pub bars: Vec<Bar>,
    pub series: Vec<Series>,
    pub markers: Vec<Marker>,
    /// Category labels (weeks, people, stages) and value labels.
    pub labels: Vec<Label>,
    pub legend: Vec<LegendItem>,
}

/// A straight line.
#[derive(Clone, Debug, Default)]
pub struct Line {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

/// A scale line and its label.
#[derive(Clone, Debug, Default)]
pub struct GridLine {
    pub line: Line,
    pub label: Label,
}

/// Text at a point.
#[derive(Clone, Debug, Default)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
}

/// A bar, with its value as a tooltip.
#[derive(Clone, Debug, Default)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub tip: String,
}

/// A line through points, drawn with a dot on each.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// `chart-line-1`, `chart-line-2`…
    pub class: &'static str,
    /// The `points` attribute of the polyline.
    pub points: String,
    pub dots: Vec<Dot>,
}

/// A point of a line, with its value as a tooltip.
#[derive(Clone, Debug, Default)]
pub struct Dot {
    pub x: f64,
    pub y: f64,
    pub tip: String,
}

/// A short tick across a bar (a median).
#[derive(Clone, Debug, Default)]
pub struct Marker {
    pub line: Line,
    pub tip: String,
}

/// A legend entry: a swatch and its name.
#[derive(Clone, Debug, Default)]
pub struct LegendItem {
    pub x: f64,
    pub y: f64,
    /// `chart-bar`, `chart-line-1`, `chart-marker`…
    pub class: &'static str,
    /// True for a line swatch, false for a box.
    pub line: bool,
    pub text: String,
}

/// One tenth of a unit is precise enough for drawing and keeps the markup short.
fn r(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A scale from 0 to a round top, with round steps: (top, step).
fn scale(max: f64, whole: bool) -> (f64, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let raw = max / 4.0;
    let magnitude = 10_f64.powf(raw.log10().floor());
    let normal = raw / magnitude;
    let nice = if normal <= 1.0 {
        1.0
    } else if normal <= 2.0 {
        2.0
    } else if normal <= 2.5 && !whole {
        2.5
    } else if normal <= 5.0 {
        5.0
    } else {
        10.0
    };
    let mut step = nice * magnitude;
    if whole {
        step = step.max(1.0).round();
    }
    ((max / step).ceil() * step, step)
}

/// A scale value for people: whole numbers plain, others with one decimal.
fn number(value: f64, suffix: &str) -> String {
    if (value - value.round()).abs() < 1e-9 { format!("{value:.0}{suffix}") } else { format!("{value:.1}{suffix}") }
}

/// Shortens a label to `max` characters.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

/// A value plotted per category: its number and how its tooltip reads.
#[derive(Clone, Debug)]
pub struct Point {
    pub value: f64,
    pub tip: String,
}

/// A named set of values, one per category.
#[derive(Clone, Debug)]
pub struct Values {
    pub name: String,
    /// `None` where there is nothing to draw (e.g. no updates that week).
    pub points: Vec<Option<Point>>,
}

/// What a column chart's vertical scale shows.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    /// A fixed top (100 for percentages), or `None` to fit the data.
    pub top: Option<f64>,
    /// Added to scale labels ("%").
    pub suffix: &'static str,
    /// Whole-number steps (counts).
    pub whole: bool,
}

/// Vertical bars, one per category (`bars`), with optional lines over them (`lines`).
pub fn columns(
    id: &str,
    title: &str,
    description: &str,
    categories: &[String],
    bars: &Values,
    lines: &[Values],
    scale_of: Scale,
) -> Chart {
    let (left, right, top, bottom) = (34.0, 8.0, 24.0, 22.0);
    let height = 200.0;
    let (x0, x1, y0, y1) = (left, WIDTH - right, top, height - bottom);
    let all = std::iter::once(bars).chain(lines.iter());
    let max = all.flat_map(|v| v.points.iter().flatten().map(|p| p.value)).fold(0.0, f64::max);
    let (top_value, step) = match scale_of.top {
        Some(fixed) => (fixed, fixed / 4.0),
        None => scale(max, scale_of.whole),
    };
    let y_of = |value: f64| y1 - (value / top_value).min(1.0) * (y1 - y0);
    let count = categories.len().max(1);
    #[allow(clippy::cast_precision_loss)] // at most a few dozen categories
    let slot = (x1 - x0) / count as f64;
    #[allow(clippy::cast_precision_loss)]
    let centre = |i: usize| x0 + slot * (i as f64 + 0.5);

    let mut chart = Chart {
        id: id.to_string(),
        title: title.to_string(),
        description: description.to_string(),
        width: WIDTH,
        height,
        axis: Line { x1: x0, y1, x2: x1, y2: y1 },
        ..Chart::default()
    };
    let mut tick = 0.0;
    while tick <= top_value + 1e-9 {
        let y = r(y_of(tick));
        chart.grid.push(GridLine {
            line: Line { x1: x0, y1: y, x2: x1, y2: y },
            label: Label { x: x0 - 4.0, y: r(y + 3.5), text: number(tick, scale_of.suffix), anchor: "end" },
        });
        tick += step;
    }
    let width = r(slot * 0.64);
    for (i, point) in bars.points.iter().enumerate() {
        let (value, tip) = point.as_ref().map_or((0.0, String::new()), |p| (p.value, p.tip.clone()));
        let y = y_of(value);
        chart.bars.push(Bar { x: r(centre(i) - width / 2.0), y: r(y), width, height: r(y1 - y), tip });
    }
    for (n, line) in lines.iter().enumerate() {
        let class = LINE_CLASSES[n % LINE_CLASSES.len()];
        let dots: Vec<Dot> = line
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().map(|p| Dot { x: r(centre(i)), y: r(y_of(p.value)), tip: p.tip.clone() }))
            .collect();
        let points = dots.iter().map(|d| format!("{},{}", d.x, d.y)).collect::<Vec<_>>().join(" ");
        chart.series.push(Series { class, points, dots });
    }
    // At most about seven category labels fit under the chart.
    let every = categories.len().div_ceil(7).max(1);
    for (i, text) in categories.iter().enumerate() {
        if i % every == 0 {
            chart.labels.push(Label { x: r(centre(i)), y: height - 6.0, text: text.clone(), anchor: "middle" });
        }
    }
    let mut x = x0;
    chart.legend.push(LegendItem { x, y: 8.0, class: "chart-bar", line: false, text: bars.name.clone() });
    x += 16.0 + 6.5 * bars.name.chars().count() as f64 + 14.0;
    for (n, line) in lines.iter().enumerate() {
        let class = LINE_CLASSES[n % LINE_CLASSES.len()];
        chart.legend.push(LegendItem { x: r(x), y: 8.0, class, line: true, text: line.name.clone() });
        x += 16.0 + 6.5 * line.name.chars().count() as f64 + 14.0;
    }
    chart
}

const LINE_CLASSES: &[&str] = &["chart-line-1", "chart-line-2", "chart-line-3"];

/// Horizontal bars, one per row (people, stages), the value written at the end of each; with
/// `markers`, a tick across each bar (a second value, such as a median).
pub fn bars(
    id: &str,
    title: &str,
    description: &str,
    rows: &[(String, Point)],
    markers: Option<(&str, &[Point])>,
    bar_name: &str,
    unit: &'static str,
) -> Chart {
    let (label_width, right, top, row_height) = (122.0, 46.0, 24.0, 24.0);
    let (x0, x1) = (label_width, WIDTH - right);
    #[allow(clippy::cast_precision_loss)] // a few dozen rows at most
    let height = top + row_height * rows.len().max(1) as f64 + 22.0;
    let y_end = height - 22.0;
    let max = rows
        .iter()
        .map(|(_, p)| p.value)
        .chain(markers.iter().flat_map(|(_, m)| m.iter().map(|p| p.value)))
        .fold(0.0, f64::max);
    let whole = unit.is_empty();
    let (top_value, step) = scale(max, whole);
    let x_of = |value: f64| x0 + (value / top_value).min(1.0) * (x1 - x0);
    let mut chart = Chart {
        id: id.to_string(),
        title: title.to_string(),
        description: description.to_string(),
        width: WIDTH,
        height,
        axis: Line { x1: x0, y1: top - 4.0, x2: x0, y2: y_end },
        ..Chart::default()
    };
    let mut tick = 0.0;
    while tick <= top_value + 1e-9 {
        let x = r(x_of(tick));
        chart.grid.push(GridLine {
            line: Line { x1: x, y1: top - 4.0, x2: x, y2: y_end },
            label: Label { x, y: height - 8.0, text: number(tick, unit), anchor: "middle" },
        });
        tick += step;
    }
    for (i, (name, point)) in rows.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let y = top + row_height * i as f64;
        let end = x_of(point.value);
        chart.bars.push(Bar {
            x: x0,
            y: r(y + 4.0),
            width: r(end - x0),
            height: row_height - 8.0,
            tip: point.tip.clone(),
        });
        chart.labels.push(Label {
            x: x0 - 6.0,
            y: r(y + row_height / 2.0 + 4.0),
            text: short(name, 18),
            anchor: "end",
        });
        chart.labels.push(Label {
            x: r(end + 4.0),
            y: r(y + row_height / 2.0 + 4.0),
            text: number((point.value * 10.0).round() / 10.0, unit),
            anchor: "start",
        });
        if let Some((_, marks)) = markers
            && let Some(mark) = marks.get(i)
        {
            let x = r(x_of(mark.value));
            chart.markers.push(Marker {
                line: Line { x1: x, y1: r(y + 1.0), x2: x, y2: r(y + row_height - 1.0) },
                tip: mark.tip.clone(),
            });
        }
    }
    chart.legend.push(LegendItem { x: x0, y: 8.0, class: "chart-bar", line: false, text: bar_name.to_string() });
    if let Some((name, _)) = markers {
        let x = x0 + 16.0 + 6.5 * bar_name.chars().count() as f64 + 14.0;
        chart.legend.push(LegendItem { x: r(x), y: 8.0, class: "chart-marker", line: true, text: name.to_string() });
    }
    chart
}

/// The four charts of the reports page.
#[derive(Clone, Debug)]
pub struct ReportCharts {
    pub weekly: Chart,
    pub recruiters: Chart,
    pub stages: Chart,
    pub punctuality: Chart,
}

/// Counts for people: "1 submission", "3 submissions".
fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

#[allow(clippy::cast_precision_loss)] // counts in a report fit an f64 exactly
fn f(n: i64) -> f64 {
    n as f64
}

/// Draws the reports page's charts from the same numbers as its tables.
pub fn for_report(report: &crate::models::report::Report, period: &str) -> ReportCharts {
    let weeks: Vec<String> = report.weeks.iter().map(|w| w.start.format("%-d %b").to_string()).collect();
    let week_of = |i: usize| format!("Week of {}", report.weeks[i].start.format("%-d %b %Y"));
    let series = |name: &str, pick: &dyn Fn(&crate::models::report::WeekRow) -> i64, one: &str, many: &str| Values {
        name: name.to_string(),
        points: report
            .weeks
            .iter()
            .enumerate()
            .map(|(i, w)| {
                Some(Point { value: f(pick(w)), tip: format!("{}: {}", week_of(i), plural(pick(w), one, many)) })
            })
            .collect(),
    };
    let counts = Scale { top: None, suffix: "", whole: true };
    let totals = report.totals();
    let weekly = columns(
        "chart-weekly",
        &format!("Submissions, interviews and placements per week, {period}"),
        &format!(
            "Bars: submissions created each week ({} in all). Lines: interviews held ({}) and placements started ({}). The table beside this chart has every number.",
            totals.submissions, totals.interviews, totals.placements
        ),
        &weeks,
        &series("Submissions", &|w| w.submissions, "submission", "submissions"),
        &[
            series("Interviews", &|w| w.interviews, "interview", "interviews"),
            series("Placements", &|w| w.placements, "placement", "placements"),
        ],
        counts,
    );
    let shares = Values {
        name: "Updates on time".to_string(),
        points: report
            .weeks
            .iter()
            .enumerate()
            .map(|(i, w)| {
                (w.updates > 0).then(|| Point {
                    value: f(w.on_time * 100) / f(w.updates),
                    tip: format!("{}: {} of {} on time", week_of(i), w.on_time, plural(w.updates, "update", "updates")),
                })
            })
            .collect(),
    };
    let punctuality = columns(
        "chart-on-time",
        &format!("Share of updates made on time per week, {period}"),
        &format!(
            "Bars: the percentage of updates made on time each week ({} of {} in all); weeks without updates have no bar.",
            totals.on_time, totals.updates
        ),
        &weeks,
        &shares,
        &[],
        Scale { top: Some(100.0), suffix: "%", whole: true },
    );
    let people: Vec<(String, Point)> = report
        .recruiters
        .iter()
        .map(|r| {
            let tip = format!("{}: {}", r.name, plural(r.submissions, "submission", "submissions"));
            (r.name.clone(), Point { value: f(r.submissions), tip })
        })
        .collect();
    let recruiters = bars(
        "chart-recruiters",
        &format!("Submissions per recruiter, {period}"),
        "One bar per recruiter: the submissions they own that were created in the period.",
        &people,
        None,
        "Submissions",
        "",
    );
    let stays: Vec<(String, Point)> = report
        .stages
        .iter()
        .map(|s| {
            let tip = format!("{}: {} days on average", s.name, s.average_text());
            (s.name.clone(), Point { value: s.average_days, tip })
        })
        .collect();
    let medians: Vec<Point> = report
        .stages
        .iter()
        .map(|s| Point { value: s.median_days, tip: format!("{}: median {} days", s.name, s.median_text()) })
        .collect();
    let stages = bars(
        "chart-stages",
        "Days spent in each stage",
        "One bar per stage: the average days a submission stayed in it; the tick across each bar marks the median.",
        &stays,
        Some(("Median", &medians)),
        "Average",
        "d",
    );
    ReportCharts { weekly, recruiters, stages, punctuality }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(name: &str, numbers: &[f64]) -> Values {
        let points = numbers.iter().map(|v| Some(Point { value: *v, tip: format!("{v}") })).collect();
        Values { name: name.into(), points }
    }

    #[test]
    fn scales_are_round() {
        assert_eq!(scale(7.0, true), (8.0, 2.0));
        assert_eq!(scale(0.0, true), (1.0, 1.0));
        assert_eq!(scale(130.0, true), (150.0, 50.0));
        assert_eq!(scale(9.0, false), (10.0, 2.5));
    }

    #[test]
    fn columns_draw_one_bar_per_category_with_scale_labels() {
        let weeks: Vec<String> = (1..=12).map(|i| format!("W{i}")).collect();
        let counts = values("Submissions", &[1.0, 0.0, 3.0, 2.0, 0.0, 0.0, 5.0, 1.0, 0.0, 2.0, 0.0, 4.0]);
        let chart = columns("c", "T", "D", &weeks, &counts, &[], Scale { top: None, suffix: "", whole: true });
        assert_eq!(chart.bars.len(), 12);
        let labels: Vec<&str> = chart.grid.iter().map(|g| g.label.text.as_str()).collect();
        assert_eq!(labels, ["0", "2", "4", "6"]);
        let tallest = chart.bars.iter().map(|b| b.height).fold(0.0, f64::max);
        assert!((chart.bars[6].height - tallest).abs() < 1e-9, "the week with 5 is the tallest");
        assert_eq!(chart.bars[1].height, 0.0);
        assert!(chart.labels.len() <= 7);
    }
}

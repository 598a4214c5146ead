//! Figures: saved as `figures.json` next to the data, drawn as SVG with plotters (SVG backend,
//! no font files: text is emitted as SVG `<text>` elements). `tdlab plot <dir>` redraws them.

use crate::CliError;
use crate::files::write_atomic;
use plotters::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tdlab::run::{Curve, Figure};

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(90, 90, 90),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
];

/// Figures as JSON (the data `tdlab plot` redraws from).
pub fn figures_to_json(figures: &[Figure]) -> Value {
    let num = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
    Value::Array(
        figures
            .iter()
            .map(|f| {
                json!({
                    "name": f.name,
                    "title": f.title,
                    "x_label": f.x_label,
                    "y_label": f.y_label,
                    "log_x": f.log_x,
                    "log_y": f.log_y,
                    "markers": f.markers.iter().map(|&m| num(m)).collect::<Vec<_>>(),
                    "curves": f.curves.iter().map(|c| json!({
                        "label": c.label,
                        "bold": c.bold,
                        "color": c.color,
                        "points": c.points.iter().map(|&(x, y)| json!([num(x), num(y)])).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// Parses what [`figures_to_json`] wrote.
pub fn figures_from_json(v: &Value, file: &Path) -> Result<Vec<Figure>, CliError> {
    let bad = |what: &str| {
        CliError::run(format!(
            "{}: malformed figure data ({what})",
            file.display()
        ))
    };
    let arr = v.as_array().ok_or_else(|| bad("not an array"))?;
    let s = |o: &Value, k: &str| {
        o.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| bad(k))
    };
    let b = |o: &Value, k: &str| o.get(k).and_then(Value::as_bool).ok_or_else(|| bad(k));
    let f = |x: &Value| x.as_f64().unwrap_or(f64::NAN);
    let mut out = Vec::new();
    for o in arr {
        let mut curves = Vec::new();
        for c in o
            .get("curves")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("curves"))?
        {
            let points = c
                .get("points")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("points"))?
                .iter()
                .map(|p| (f(&p[0]), f(&p[1])))
                .collect();
            curves.push(Curve {
                label: s(c, "label")?,
                points,
                bold: b(c, "bold")?,
                color: c.get("color").and_then(Value::as_u64).unwrap_or(0) as usize,
            });
        }
        out.push(Figure {
            name: s(o, "name")?,
            title: s(o, "title")?,
            x_label: s(o, "x_label")?,
            y_label: s(o, "y_label")?,
            log_x: b(o, "log_x")?,
            log_y: b(o, "log_y")?,
            markers: o
                .get("markers")
                .and_then(Value::as_array)
                .map_or(vec![], |m| m.iter().map(f).collect()),
            curves,
        });
    }
    Ok(out)
}

fn range(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        if v.is_finite() && (!log || v > 0.0) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !lo.is_finite() {
        return if log { (0.1, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        if hi <= lo {
            (lo / 2.0, hi * 2.0)
        } else {
            (lo / 1.2, hi * 1.2)
        }
    } else if hi <= lo {
        (lo - 0.5, hi + 0.5)
    } else {
        let pad = 0.04 * (hi - lo);
        (lo - pad, hi + pad)
    }
}

/// Draws `fig` as SVG text.
pub fn render_svg(fig: &Figure) -> Result<String, CliError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        draw(&root, fig).map_err(|e| CliError::run(format!("plot {}: {e}", fig.name)))?;
        root.present()
            .map_err(|e| CliError::run(format!("plot {}: {e}", fig.name)))?;
    }
    Ok(svg)
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    fig: &Figure,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let xs = fig.curves.iter().flat_map(|c| c.points.iter().map(|p| p.0));
    let ys = fig.curves.iter().flat_map(|c| c.points.iter().map(|p| p.1));
    let (x0, x1) = range(xs, fig.log_x);
    let (y0, y1) = range(ys, fig.log_y);
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(&fig.title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64);
    macro_rules! body {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(fig.x_label.as_str())
                .y_desc(fig.y_label.as_str())
                .light_line_style(WHITE.mix(0.0))
                .draw()?;
            for &m in &fig.markers {
                if m.is_finite() {
                    chart.draw_series(LineSeries::new(
                        [(m.max(x0), y0), (m.max(x0), y1)],
                        BLACK.mix(0.5).stroke_width(1),
                    ))?;
                }
            }
            let mut any_label = false;
            for c in &fig.curves {
                let color = PALETTE[c.color % PALETTE.len()];
                let pts: Vec<(f64, f64)> = c
                    .points
                    .iter()
                    .copied()
                    .filter(|(x, y)| {
                        x.is_finite()
                            && y.is_finite()
                            && (!fig.log_x || *x > 0.0)
                            && (!fig.log_y || *y > 0.0)
                    })
                    .collect();
                let style = if c.bold {
                    color.stroke_width(3)
                } else {
                    color.mix(0.35).stroke_width(1)
                };
                let series = chart.draw_series(LineSeries::new(pts, style))?;
                if !c.label.is_empty() {
                    any_label = true;
                    let legend_style = color.stroke_width(3);
                    series.label(c.label.as_str()).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], legend_style)
                    });
                }
            }
            if any_label {
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK.mix(0.3))
                    .position(SeriesLabelPosition::UpperLeft)
                    .draw()?;
            }
        }};
    }
    match (fig.log_x, fig.log_y) {
        (false, false) => body!(builder.build_cartesian_2d(x0..x1, y0..y1)?),
        (true, false) => body!(builder.build_cartesian_2d((x0..x1).log_scale(), y0..y1)?),
        (false, true) => body!(builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale())?),
        (true, true) => {
            body!(builder.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?)
        }
    }
    Ok(())
}

/// Writes `figures.json` and one SVG per figure into `dir`; returns the SVG paths.
pub fn write_figures(dir: &Path, figures: &[Figure]) -> Result<Vec<PathBuf>, CliError> {
    let json = serde_json::to_string(&figures_to_json(figures)).expect("serialisable");
    write_atomic(&dir.join("figures.json"), json.as_bytes())?;
    draw_all(dir, figures)
}

fn draw_all(dir: &Path, figures: &[Figure]) -> Result<Vec<PathBuf>, CliError> {
    let mut out = Vec::new();
    for f in figures {
        let path = dir.join(format!("{}.svg", f.name));
        write_atomic(&path, render_svg(f)?.as_bytes())?;
        out.push(path);
    }
    Ok(out)
}

/// `tdlab plot <dir>`: redraws every `figures.json` under `dir`.
pub fn replot(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    if !dir.is_dir() {
        return Err(CliError::usage(format!(
            "{} is not a directory (give a results directory written by `tdlab run` or `tdlab reproduce`)",
            dir.display()
        )));
    }
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| CliError::run(format!("cannot read {}: {e}", d.display())))?;
        let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "figures.json") {
                found.push(p);
            }
        }
    }
    if found.is_empty() {
        return Err(CliError::usage(format!(
            "no figures.json under {}",
            dir.display()
        )));
    }
    let mut out = Vec::new();
    for f in found {
        let text = std::fs::read_to_string(&f)
            .map_err(|e| CliError::run(format!("cannot read {}: {e}", f.display())))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| {
            CliError::run(format!("{}:{}:{}: {e}", f.display(), e.line(), e.column()))
        })?;
        let figs = figures_from_json(&v, &f)?;
        out.extend(draw_all(f.parent().unwrap_or(Path::new(".")), &figs)?);
    }
    Ok(out)
}

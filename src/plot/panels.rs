//! In-memory SVG figures for the reproductions and notebooks: side-by-side 2-D histograms of
//! sample sets, and a line with error bars.

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// An SVG drawing held in memory. In a Rust notebook (evcxr) a value of this type at the end
/// of a cell is shown inline (`evcxr_display`).
#[derive(Debug, Clone, PartialEq)]
pub struct Svg(pub String);

impl Svg {
    /// The SVG text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Writes the SVG to `path`.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        std::fs::write(path, &self.0).map_err(|e| Error::io(path, e))
    }

    /// evcxr's display protocol: prints the drawing as `image/svg+xml` content.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT",
            self.0
        );
    }
}

use super::draw_failed as err;

/// One panel per sample set: a 2-D histogram of the first two columns over the common range
/// `x_range × y_range` with `bins²` cells, shaded by count relative to the panel's fullest
/// cell (empty cells are left white).
///
/// Errors: no panels, a set with fewer than two columns, `bins = 0` or an empty range.
pub fn hist2d_panels(
    panels: &[(&str, &Matrix)],
    x_range: (f64, f64),
    y_range: (f64, f64),
    bins: usize,
) -> Result<Svg> {
    if panels.is_empty() {
        return Err(Error::invalid("panels", "give at least one sample set"));
    }
    let empty = |r: (f64, f64)| r.1.partial_cmp(&r.0) != Some(std::cmp::Ordering::Greater);
    if bins == 0 || empty(x_range) || empty(y_range) {
        return Err(Error::invalid(
            "bins",
            format!(
                "{bins} bins over {x_range:?} × {y_range:?}; need bins ≥ 1 and non-empty ranges"
            ),
        ));
    }
    if let Some((name, _)) = panels.iter().find(|(_, m)| m.ncols() < 2) {
        return Err(Error::invalid(
            "panels",
            format!("panel `{name}` has fewer than two columns"),
        ));
    }
    let side = 260u32;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (side * panels.len() as u32, side + 30))
            .into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let areas = root.split_evenly((1, panels.len()));
        let (dx, dy) = (
            (x_range.1 - x_range.0) / bins as f64,
            (y_range.1 - y_range.0) / bins as f64,
        );
        for (area, (title, m)) in areas.iter().zip(panels) {
            let mut counts = vec![0usize; bins * bins];
            for r in m.rows() {
                let i = ((r[0] - x_range.0) / dx).floor();
                let j = ((r[1] - y_range.0) / dy).floor();
                if i >= 0.0 && j >= 0.0 && (i as usize) < bins && (j as usize) < bins {
                    counts[i as usize * bins + j as usize] += 1;
                }
            }
            let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
            let mut chart = ChartBuilder::on(area)
                .margin(8)
                .caption(*title, ("sans-serif", 16))
                .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
                .map_err(err)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(0)
                .y_labels(0)
                .draw()
                .map_err(err)?;
            let cells = counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(k, c)| {
                    let (i, j) = (k / bins, k % bins);
                    let x0 = x_range.0 + i as f64 * dx;
                    let y0 = y_range.0 + j as f64 * dy;
                    let t = (*c as f64 / max).sqrt();
                    let shade = RGBColor(
                        (235.0 - 210.0 * t) as u8,
                        (240.0 - 170.0 * t) as u8,
                        (250.0 - 90.0 * t) as u8,
                    );
                    Rectangle::new([(x0, y0), (x0 + dx, y0 + dy)], shade.filled())
                });
            chart.draw_series(cells).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(Svg(out))
}

/// A line through `(x_i, y_i)` with error bars `±e_i`, and an optional reference point drawn
/// as a red cross with its label.
///
/// Errors: lengths differ, fewer than two points, or a non-finite value.
pub fn line_with_errors(
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[(f64, f64, f64)],
    reference: Option<(f64, f64, &str)>,
) -> Result<Svg> {
    if points.len() < 2 {
        return Err(Error::invalid("points", "need at least two points"));
    }
    if points
        .iter()
        .any(|(x, y, e)| !(x.is_finite() && y.is_finite() && e.is_finite()))
    {
        return Err(Error::invalid(
            "points",
            "every x, y and error must be finite",
        ));
    }
    let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
    for (x, y, e) in points {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(y - e);
        y1 = y1.max(y + e);
    }
    if let Some((x, y, _)) = reference {
        y0 = y0.min(y);
        y1 = y1.max(y);
        x0 = x0.min(x);
        x1 = x1.max(x);
    }
    let (px, py) = ((x1 - x0) * 0.05 + 1e-9, (y1 - y0) * 0.1 + 1e-9);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (560, 380)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .caption(title, ("sans-serif", 18))
            .build_cartesian_2d((x0 - px)..(x1 + px), (y0 - py)..(y1 + py))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|(x, y, _)| (*x, *y)),
                BLACK.stroke_width(2),
            ))
            .map_err(err)?;
        chart
            .draw_series(
                points.iter().map(|(x, y, e)| {
                    ErrorBar::new_vertical(*x, y - e, *y, y + e, BLACK.filled(), 6)
                }),
            )
            .map_err(err)?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|(x, y, _)| Circle::new((*x, *y), 3, BLACK.filled())),
            )
            .map_err(err)?;
        if let Some((x, y, label)) = reference {
            chart
                .draw_series(std::iter::once(Cross::new((x, y), 6, RED.stroke_width(2))))
                .map_err(err)?
                .label(label)
                .legend(|(x, y)| Cross::new((x, y), 5, RED.stroke_width(2)));
            chart
                .configure_series_labels()
                .border_style(BLACK)
                .background_style(WHITE)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(Svg(out))
}

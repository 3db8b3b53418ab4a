//! Training and validation loss against epoch.

use std::path::Path;

use plotters::prelude::*;

use super::draw_err;
use crate::error::{Error, Result};

/// Draws the training loss (blue) and, if not empty, the validation loss (red) per epoch into
/// an SVG file. Non-finite losses are skipped (a diverged epoch leaves a gap, not a crash).
///
/// Errors: both vectors empty or without a finite value; the file cannot be written.
pub fn loss_plot(path: &Path, train: &[f64], val: &[f64]) -> Result<()> {
    let finite = train.iter().chain(val).filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(*v), b.max(*v))
    });
    if !lo.is_finite() {
        return Err(Error::invalid("train", "no finite loss values to plot"));
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    let n = train.len().max(val.len()).max(2);
    let root = SVGBackend::new(path, (640, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| draw_err(path, e))?;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .caption("training loss", ("sans-serif", 18))
        .build_cartesian_2d(0f64..(n - 1) as f64, (lo - pad)..(hi + pad))
        .map_err(|e| draw_err(path, e))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("loss")
        .draw()
        .map_err(|e| draw_err(path, e))?;
    for (v, color, label) in [(train, BLUE, "train"), (val, RED, "validation")] {
        if v.is_empty() {
            continue;
        }
        let pts: Vec<(f64, f64)> = v
            .iter()
            .enumerate()
            .filter(|(_, y)| y.is_finite())
            .map(|(i, y)| (i as f64, *y))
            .collect();
        chart
            .draw_series(LineSeries::new(pts, color.stroke_width(2)))
            .map_err(|e| draw_err(path, e))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()
        .map_err(|e| draw_err(path, e))?;
    root.present().map_err(|e| draw_err(path, e))?;
    Ok(())
}
